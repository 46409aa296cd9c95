package app

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"samspill/models"
	"samspill/models/dbtest"
)

// janitorServer is a test server over a SQLite file and a second connection
// to it, which holds the write lock so that the janitor's round waits for it
// until the test lets go, and counts the sessions left.
func janitorServer(t *testing.T) (*testServer, *sql.Conn) {
	t.Helper()
	if dbtest.Postgres() {
		t.Skip("holds SQLite's write lock to keep the janitor's round under way")
	}
	path := filepath.Join(t.TempDir(), "test.db")
	ts := newTestServerOn(t, path)
	// An expired session, which the janitor's round deletes.
	if err := ts.store.Sessions().Commit("expired-token", []byte("x"), time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	other, err := models.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	db, err := other.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	return ts, conn
}

func expiredSessions(t *testing.T, conn *sql.Conn) (n int) {
	t.Helper()
	if err := conn.QueryRowContext(context.Background(), "SELECT count(*) FROM sessions WHERE token = 'expired-token'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// At shutdown the janitor starts no new round and is waited for: the round
// under way is finished before wait returns (and so before serve closes the
// store), not cut off mid-way. Before, serve started the janitor with go and
// closed the store without waiting for it.
func TestJanitorIsWaitedForAtShutdown(t *testing.T) {
	t.Parallel()
	ts, conn := janitorServer(t)
	ctx, shutdown := context.WithCancel(context.Background())
	wait := ts.srv.StartJanitor(ctx)
	shutdown() // at once: the first round is under way, waiting for the write lock
	var released atomic.Bool
	go func() {
		time.Sleep(200 * time.Millisecond)
		released.Store(true)
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			t.Error(err)
		}
	}()
	limit, cancel := context.WithTimeout(context.Background(), 8*time.Second) // below SQLite's busy timeout
	defer cancel()
	if err := wait(limit); err != nil {
		t.Fatalf("wait = %v; want the round finished within the limit", err)
	}
	if !released.Load() {
		t.Fatal("wait returned while the janitor's round was still waiting for the write lock")
	}
	if n := expiredSessions(t, conn); n != 0 {
		t.Errorf("%d expired sessions after the round that shutdown waited for; want 0 (the round was cut off)", n)
	}
}

// A round still under way at the shutdown limit is cut off, and wait says so,
// but returns only once the janitor has returned.
func TestJanitorIsCutOffAtTheShutdownLimit(t *testing.T) {
	t.Parallel()
	ts, conn := janitorServer(t)
	ctx, shutdown := context.WithCancel(context.Background())
	wait := ts.srv.StartJanitor(ctx)
	shutdown()
	limit, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	var released atomic.Bool
	go func() {
		<-limit.Done()
		time.Sleep(200 * time.Millisecond) // the round has been cut off, and still waits for the lock
		released.Store(true)
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			t.Error(err)
		}
	}()
	start := time.Now()
	if err := wait(limit); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wait = %v; want %v: the round was still under way at the limit", err, context.DeadlineExceeded)
	}
	if !released.Load() {
		t.Error("wait returned while the cut-off round was still waiting for the write lock")
	}
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("wait took %s; want about the limit and the lock's release", took)
	}
}
