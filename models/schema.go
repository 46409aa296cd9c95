package models

import "fmt"

// LatestSchema is the number of the newest migration: a fully migrated database
// has this schema version.
func LatestSchema() int { return len(migrations) }

// NewerSchemaError refuses a database that a newer program has migrated
// past the migrations this one knows (after rolling the program back): its
// tables may have changed in ways this program would write wrongly.
func NewerSchemaError(version int) error {
	return fmt.Errorf("the database has schema version %d, newer than this program's %d: run the samspill that migrated it, or a newer one", version, LatestSchema())
}
