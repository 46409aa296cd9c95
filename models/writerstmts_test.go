package models

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"
)

// counter reads a counter through the writer, as the group commit's
// transactions do.
func counter(t *testing.T, s *Store, name string) int64 {
	t.Helper()
	var v int64
	if err := s.db.Raw("SELECT value FROM counters WHERE name = ?", name).Scan(&v).Error; err != nil {
		t.Fatal(err)
	}
	return v
}

// isKept says whether the group commit keeps query compiled.
func isKept(s *Store, query string) bool {
	s.writes.kept.mu.Lock()
	defer s.writes.kept.mu.Unlock()
	return s.writes.kept.stmts[query] != nil
}

// A statement the writer keeps compiled reads the rows as they are when it
// runs: those written by its own transactions and those another connection
// (another server process on the same file) committed in between.
func TestKeptStatementSeesNewestRows(t *testing.T) {
	t.Parallel()
	skipOnPostgres(t, "the writer's kept statements are SQLite's")
	s := newStore(t)
	other, err := Open(s.file)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	const query = "SELECT value FROM counters WHERE name = ?"
	read := func() int64 {
		var v int64
		if err := s.inTx(ctx, func(tx *gorm.DB) error { return tx.Raw(query, "roles_version").Scan(&v).Error }); err != nil {
			t.Fatal(err)
		}
		return v
	}
	want := read()
	if !isKept(s, query) {
		t.Fatalf("%q is not kept after its first transaction; the test would test nothing", query)
	}
	bump := func(st *Store) {
		if err := st.inTx(ctx, func(tx *gorm.DB) error {
			return tx.Exec("UPDATE counters SET value = value + 1 WHERE name = ?", "roles_version").Error
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, by := range []struct {
		name  string
		store *Store
	}{{"this store", s}, {"another connection", other}, {"this store", s}} {
		bump(by.store)
		want++
		if got := read(); got != want {
			t.Errorf("after a write by %s: %d; want %d", by.name, got, want)
		}
	}
}

// Within one transaction the kept statements are used only where that is
// safe; each of these would go wrong with a statement kept without the
// rules of keptTx.
func TestKeptStatementsInOneTransaction(t *testing.T) {
	t.Parallel()
	skipOnPostgres(t, "the writer's kept statements are SQLite's")
	tests := []struct {
		name  string
		write func(tx *gorm.DB) error
		check func(t *testing.T, s *Store, runs int)
	}{{
		// A query run again inside a loop over its own rows would start
		// its rows over, and the loop would never end.
		name: "a query inside a loop over its own rows",
		write: func(tx *gorm.DB) error {
			const query = "SELECT name FROM counters ORDER BY name"
			var all []string
			if err := tx.Raw(query).Scan(&all).Error; err != nil {
				return err
			}
			rows, err := tx.Raw(query).Rows()
			if err != nil {
				return err
			}
			defer rows.Close()
			seen := 0
			for rows.Next() {
				if seen++; seen > len(all) {
					return errors.New("the loop reads more rows than there are")
				}
				var again []string
				if err := tx.Raw(query).Scan(&again).Error; err != nil {
					return err
				}
			}
			if seen != len(all) {
				return errors.New("the loop missed rows")
			}
			return rows.Err()
		},
	}, {
		// A write with RETURNING stops at its row when run as an Exec; kept
		// so, it would stay active, and the commit would fail.
		name: "an Exec of a write with RETURNING",
		write: func(tx *gorm.DB) error {
			return tx.Exec("UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value", "roles_version").Error
		},
		check: func(t *testing.T, s *Store, runs int) {
			if got := counter(t, s, "roles_version"); got != int64(1+runs) {
				t.Errorf("roles_version = %d; want %d", got, 1+runs)
			}
		},
	}, {
		// A prepared statement runs only the first of several.
		name: "an Exec of two statements",
		write: func(tx *gorm.DB) error {
			return tx.Exec("UPDATE counters SET value = value + 1 WHERE name = 'roles_version'; INSERT INTO counters (name, value) VALUES ('second', 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1").Error
		},
		check: func(t *testing.T, s *Store, runs int) {
			if a, b := counter(t, s, "roles_version"), counter(t, s, "second"); a != int64(1+runs) || b != int64(runs) {
				t.Errorf("the counters are %d and %d; want %d and %d", a, b, 1+runs, runs)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			const runs = 3 // the first compiles afresh, the others may use what it kept
			for i := range runs {
				if err := s.inTx(context.Background(), tt.write); err != nil {
					t.Fatalf("run %d: %v", i+1, err)
				}
			}
			if tt.check != nil {
				tt.check(t, s, runs)
			}
		})
	}
}

// A write that fails after running kept statements leaves nothing, alone in
// its transaction or in a group, and the others in its group are committed.
func TestKeptStatementsRolledBack(t *testing.T) {
	t.Parallel()
	skipOnPostgres(t, "the writer's kept statements and group commit are SQLite's")
	s := newStore(t)
	ctx := context.Background()
	const query = "UPDATE counters SET value = value + 1 WHERE name = ?"
	bump := func(fail bool) func(tx *gorm.DB) error {
		return func(tx *gorm.DB) error {
			if err := tx.Exec(query, "roles_version").Error; err != nil {
				return err
			}
			if fail {
				return errors.New("refused after the write")
			}
			return nil
		}
	}
	if err := s.inTx(ctx, bump(false)); err != nil {
		t.Fatal(err)
	}
	if !isKept(s, query) {
		t.Fatalf("%q is not kept after its first transaction; the test would test nothing", query)
	}
	if err := s.inTx(ctx, bump(true)); err == nil {
		t.Fatal("the failing write succeeded")
	}
	if got := counter(t, s, "roles_version"); got != 2 {
		t.Errorf("after a failed write alone: %d; want 2", got)
	}
	batch := []*writeRequest{{ctx: ctx, fn: bump(false)}, {ctx: ctx, fn: bump(true)}, {ctx: ctx, fn: bump(false)}}
	s.commitGroup(batch)
	if batch[0].err != nil || batch[1].err == nil || batch[2].err != nil {
		t.Fatalf("the group's errors: %v, %v, %v; want only the second's", batch[0].err, batch[1].err, batch[2].err)
	}
	if got := counter(t, s, "roles_version"); got != 4 {
		t.Errorf("after a group with a failed write: %d; want 4", got)
	}
}
