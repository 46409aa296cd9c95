package models

import (
	"context"
	"strings"
	"sync"
	"testing"

	"samspill/models/dbtest"
)

// Reads never fail because the read pool let go of a compiled statement
// another read was about to run. GORM's cache (v1.31) closed the statements
// it pushed out, least recently used first, without regard to a read that
// had just taken one from it and not yet started it (go-gorm/gorm#7831):
// "sql: statement is closed". Here the pool keeps two statements, and 32
// readers (on its eight connections) run forty different ones (IN lists of
// forty lengths), so that one is pushed out at nearly every read. With
// GORM's cache it failed in 8 of 10 runs (-count=10).
func TestReadsOutlastTheirStatementsLeavingTheKeep(t *testing.T) {
	t.Parallel()
	skipOnPostgres(t, "PostgreSQL's reads keep no statements of ours (pgx keeps them)")
	s, err := openSQLite(dbtest.DSN(t, "test.db"), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const readers, reads, lengths = 32, 250, 40
	var wg sync.WaitGroup
	errs := make(chan error, readers*reads)
	wrong := make(chan [2]int, readers*reads)
	for r := range readers {
		wg.Go(func() {
			for i := range reads {
				n := (r*7+i)%lengths + 1
				ids := make([]int64, n)
				for j := range ids {
					ids[j] = int64(j + 1)
				}
				var got int
				err := s.read(ctx).Raw("SELECT ? + count(*) FROM enquiries WHERE id IN ?", n, ids).Scan(&got).Error
				if err != nil {
					errs <- err
					continue
				}
				if got != n {
					wrong <- [2]int{n, got}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	close(wrong)
	failed := 0
	for err := range errs {
		if failed++; failed <= 3 {
			t.Errorf("a read failed: %v", err)
		}
	}
	if failed > 3 {
		t.Errorf("and %d reads more", failed-3)
	}
	for w := range wrong {
		t.Errorf("the read of an IN list of %d gave %d; want %d", w[0], w[1], w[0])
	}
}

// keptCount is how many statements r keeps.
func (r *readerStmts) keptCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.kept)
}

// A statement the read pool lets go of stays open for a read that took it
// and has not yet started it, and is closed by that read when it is done:
// neither failed under it nor left open.
func TestStatementLetGoOfClosesAfterItsLastRead(t *testing.T) {
	t.Parallel()
	skipOnPostgres(t, "PostgreSQL's reads keep no statements of ours (pgx keeps them)")
	s, err := openSQLite(dbtest.DSN(t, "test.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	r := s.reads
	held := r.take(ctx, "SELECT 1", 0)
	if held == nil {
		t.Fatal("SELECT 1 was not kept")
	}
	// The keep's one place goes to another statement: SELECT 1 is let go of.
	if k := r.take(ctx, "SELECT 2", 0); k == nil {
		t.Fatal("SELECT 2 was not kept")
	} else {
		r.release(k)
	}
	if k := r.take(ctx, "SELECT 1", 0); k == held {
		t.Fatal("SELECT 1 is still kept beside SELECT 2; the test shows nothing")
	} else if k != nil {
		r.release(k)
	}
	var one int
	if err := held.stmt.QueryRowContext(ctx).Scan(&one); err != nil || one != 1 {
		t.Fatalf("the held statement gave %d, %v; want 1", one, err)
	}
	r.release(held)
	if err := held.stmt.QueryRowContext(ctx).Scan(&one); err == nil || !strings.Contains(err.Error(), "statement is closed") {
		t.Errorf("after its last read the statement let go of runs (%v); want it closed", err)
	}
}
