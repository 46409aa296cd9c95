package cli

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// migratedDB makes a migrated SQLite database in a temporary directory.
func migratedDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "samspill.db")
	if err := run(context.Background(), []string{"migrate", "--db", db}, io.Discard, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	return db
}

// `samspill backup FILE` and `samspill restore FILE` as the README writes
// them, the database named by SAMSPILL_DB, and with --db before the file.
func TestCLIBackupFileAlone(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	dir := t.TempDir()
	env := func(k string) string {
		if k == "SAMSPILL_DB" {
			return db
		}
		return ""
	}
	for _, args := range [][]string{
		{"backup", filepath.Join(dir, "a.db")},
		{"backup", "--db", db, filepath.Join(dir, "b.db")},
		{"restore", filepath.Join(dir, "a.db")},
		{"restore", "--db", db, filepath.Join(dir, "b.db")},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, env); err != nil {
			t.Errorf("samspill %s: %v", strings.Join(args, " "), err)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", filepath.Join(dir, "c.db"), "extra"}, &out, env); err == nil {
		t.Error("samspill backup FILE extra succeeded")
	}
}
