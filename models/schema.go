package models

// LatestSchema is the number of the newest migration: a fully migrated database
// has this schema version.
func LatestSchema() int { return len(migrations) }
