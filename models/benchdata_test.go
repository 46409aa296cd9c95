package models

import (
	"context"
	"os"
	"testing"

	"samspill/models/dbtest"
)

// TestScratch: the benchmark's working copy holds the data, takes writes that
// the original never sees, and is gone after drop.
func TestScratch(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.DSN(t, "bench.db")
	orig, err := Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := orig.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := orig.LoadReferenceData(ctx); err != nil {
		t.Fatal(err)
	}
	before := count(t, orig, "municipalities")
	orig.Close() // PostgreSQL copies a template only while no one else is connected to it

	copyDSN, drop, err := Scratch(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if copyDSN == dsn {
		t.Fatalf("the copy is the original: %s", copyDSN)
	}
	cp, err := Open(copyDSN)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, cp, "municipalities"); n != before {
		t.Errorf("copy has %d municipalities; want %d", n, before)
	}
	if err := cp.db.Exec("DELETE FROM municipalities WHERE kommunenummer = '3412'").Error; err != nil {
		t.Fatal(err)
	}
	cp.Close()
	if err := drop(); err != nil {
		t.Fatalf("drop: %v", err)
	}
	if dbtest.Postgres() {
		if again, err := Open(copyDSN); err == nil {
			again.Close()
			t.Error("the copy's database survived drop")
		}
	} else if _, err := os.Stat(copyDSN); !os.IsNotExist(err) {
		t.Errorf("the copy's file survived drop: %v", err)
	}
	orig, err = Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	if n := count(t, orig, "municipalities"); n != before {
		t.Errorf("the original has %d municipalities after writes to the copy; want %d", n, before)
	}
}
