package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"samspill/models"
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

// A database migrated by a newer samspill (after rolling the program back) is
// refused by every command that would use it with this program's schema: the
// tables may have changed under it.
func TestCLINewerSchema(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, models.LatestSchema()+1, time.Now()); err != nil {
		t.Fatal(err)
	}
	store.Close()
	env := func(string) string { return "" }
	want := fmt.Sprintf("schema version %d, newer than this program's %d", models.LatestSchema()+1, models.LatestSchema())
	for _, args := range [][]string{
		{"migrate"},
		{"serve", "--addr", "127.0.0.1:0"},
		{"token", "create", "--email", "admin@samspill.local"},
		{"audit", "verify"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // serve runs until then
		err := run(ctx, append(args, "--db", db), io.Discard, env)
		cancel()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("samspill %s: %v; want an error with %q", strings.Join(args, " "), err, want)
		}
	}
}

// copy from a mistyped --db, or restore from a mistyped backup, is refused
// and makes no file there: copy "succeeded", copying an empty new database.
func TestCLIMissingSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := migratedDB(t)
	env := func(string) string { return "" }
	missing := filepath.Join(dir, "typo.db")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"copy", "--db", missing, "--to", filepath.Join(dir, "to.db")}, "no database at"},
		{[]string{"restore", missing, "--db", db}, "no backup at"},
	} {
		args := c.args
		err := run(context.Background(), args, io.Discard, env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("samspill %s: %v; want an error with %q", strings.Join(args, " "), err, c.want)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Errorf("samspill %s made %s", strings.Join(args, " "), missing)
			os.Remove(missing)
		}
	}
}
