package models

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

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
	if errors.Is(err, os.ErrPermission) {
		return nil, lockRefused(name, sqlitePath(dsn), err)
	}
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

// lockRefused says why the lock file name of the database db could not be
// opened or made, and what to do: most often a run as root left the lock
// file (or the database's directory) root's, and the service user may not
// write it. The error wraps err (os.ErrPermission).
func lockRefused(name, db string, err error) error {
	me := userName(os.Geteuid())
	if owner, mode, ok := ownerOf(name); ok {
		if owner != os.Geteuid() {
			return fmt.Errorf("lock %s: the lock file belongs to %s, not to %s, which samspill runs as, and %s may not write it "+
				"(a run of samspill as %[2]s left it, perhaps): give the database's files to %[3]s, as root: chown %[3]s %[5]s* (%[6]w)",
				name, userName(owner), me, me, db, err)
		}
		return fmt.Errorf("lock %s: the lock file's mode (%s) does not let its owner, %s, write it: chmod u+rw %[1]s (%[4]w)", name, mode, me, err)
	}
	dir := filepath.Dir(name)
	if owner, mode, ok := ownerOf(dir); ok {
		if owner != os.Geteuid() {
			return fmt.Errorf("lock %s: the lock file cannot be made: the database's directory %s belongs to %s, not to %s, which samspill runs as, "+
				"and %[4]s may not write in it: give it and the database's files to %[4]s, as root: chown %[4]s %[2]s %[5]s* (%[6]w)",
				name, dir, userName(owner), me, db, err)
		}
		return fmt.Errorf("lock %s: the lock file cannot be made: the mode of the database's directory %s (%s) does not let its owner, %s, write in it: chmod u+rwx %[2]s (%[5]w)",
			name, dir, mode, me, err)
	}
	return fmt.Errorf("lock %s: %w", name, err)
}

// ownerOf is the user id and mode of the file at path; ok is false if it
// cannot be read.
func ownerOf(path string) (uid int, mode os.FileMode, ok bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), fi.Mode().Perm(), true
}

// userName is the name of the user with id uid, "uid 1001" if it has none.
func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return "uid " + strconv.Itoa(uid)
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
