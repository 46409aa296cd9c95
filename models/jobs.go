package models

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
)

// ErrJobRunning means another server instance is running the same job now.
var ErrJobRunning = errors.New("another instance is running this job")

// Jobs that only one server instance may run at a time.
const (
	JobRetention  = "retention"
	JobNoResponse = "no_response"
)

// JobLockKey is the PostgreSQL advisory lock key of a job, as pg_locks shows
// it (classid and objid are its high and low 32 bits).
func JobLockKey(job string) int64 {
	h := fnv.New64a()
	h.Write([]byte("samspill:" + job))
	return int64(h.Sum64())
}

// exclusive runs fn unless another instance runs the same job, in which case it
// returns ErrJobRunning. On PostgreSQL it holds a session advisory lock
// (pg_try_advisory_lock) on a connection of its own while fn runs, so several
// servers on one database take turns. On SQLite it is a no-op: one machine
// serves one database file, and the jobs re-check every row they change.
func (s *Store) exclusive(ctx context.Context, job string, fn func() error) (err error) {
	if s.dialect != Postgres {
		return fn()
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("lock %s: %w", job, err)
	}
	key := JobLockKey(job)
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
		conn.Close()
		return fmt.Errorf("lock %s: %w", job, err)
	}
	if !got {
		conn.Close()
		return fmt.Errorf("%s: %w", job, ErrJobRunning)
	}
	defer func() {
		// The lock belongs to the connection: if it cannot be released, the
		// connection is thrown away, which releases it, instead of going back
		// to the pool still holding it.
		var released bool
		if uerr := conn.QueryRowContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key).Scan(&released); uerr != nil || !released {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}()
	return fn()
}
