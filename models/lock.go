package models

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrInUse is LockDB's error when another process holds the database's lock.
var ErrInUse = errors.New("the database is in use")

// LockDB takes an exclusive lock on the SQLite database dsn names, held until
// unlock is called or the process ends, however it ends: an flock on the
// file FILE.lock beside the database. It refuses at once, with ErrInUse, when
// another process (or another LockDB in this one) holds it. The lock file
// stays after unlock: removing it would let a process that had opened it
// lock a file nobody else sees. PostgreSQL is not locked: several servers on
// one database are a feature there.
func LockDB(dsn string) (unlock func() error, err error) {
	if isPostgres(dsn) {
		return func() error { return nil }, nil
	}
	name := sqlitePath(dsn) + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is locked", ErrInUse, name)
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return f.Close, nil // closing the file releases the lock
}

// isPostgres says whether dsn names a PostgreSQL database rather than a
// SQLite file.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sqlitePath is the file a SQLite dsn names: a path, perhaps written as a
// file: URI with parameters.
func sqlitePath(dsn string) string {
	path := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path
}
