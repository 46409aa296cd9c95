// Package dbtest gives each test its own empty database: a SQLite file in the
// test's temporary directory, or, when SAMSPILL_TEST_POSTGRES holds a
// postgres:// URL, a fresh database on that server, created for the test and
// dropped when it ends. It does not import models, so that the models package's
// own tests can use it.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx", for CREATE and DROP DATABASE
)

// EnvPostgres names the variable that switches the tests to PostgreSQL.
const EnvPostgres = "SAMSPILL_TEST_POSTGRES"

// Postgres reports whether the tests run on PostgreSQL.
func Postgres() bool { return os.Getenv(EnvPostgres) != "" }

// DSN returns the address of a new, empty database for tb: a SQLite file
// named name in tb's temporary directory, or a new PostgreSQL database. The
// PostgreSQL database is dropped in tb's cleanup, which runs after the
// cleanups registered later (such as closing the store).
func DSN(tb testing.TB, name string) string {
	tb.Helper()
	server := os.Getenv(EnvPostgres)
	if server == "" {
		return filepath.Join(tb.TempDir(), name)
	}
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("%s: %v", EnvPostgres, err)
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	db := "test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", server)
	if err != nil {
		tb.Fatalf("%s: %v", EnvPostgres, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+db+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'"); err != nil {
		admin.Close()
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database %s: %v", db, err)
		}
	})
	u.Path = "/" + db
	return u.String()
}
