// Package models owns Samspill's data: the GORM structs, the migrations, the reference
// data and every query. It knows nothing of HTTP.
package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Store is the handle to the database. Writes go through db; reads through rdb,
// which on SQLite is a separate read-only pool so readers never queue behind the
// single writer connection. On PostgreSQL both are the same pool.
type Store struct {
	db       *gorm.DB
	rdb      *gorm.DB
	dialect  string
	collate  string // the COLLATE clause that sorts names in Norwegian, or "" when the database has none
	now      func() time.Time
	sessions *SessionStore
	writes   groupCommit
	reserved reservedReceipts // the bot trap's receipts, by contentKey (ReserveReceipt)
	reads    *readerStmts     // SQLite: the read pool's compiled statements
	file     string           // SQLite: the database file's path
	opened   os.FileInfo      // SQLite: the file opened at that path, for Ping to see it is still there

	exportLimit int // 0: DefaultExportLimit
}

// Dialects the store can speak.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Open opens the database named by dsn: a postgres:// URL, or else a SQLite file path.
func Open(dsn string) (*Store, error) {
	if isPostgres(dsn) {
		return openPostgres(dsn)
	}
	return openSQLite(dsn, readStmtsKept)
}

func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true, // every write we make is already in an explicit transaction or a single statement
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
}

// readStmtsKept is the most compiled statements SQLite's read pool keeps
// (readerStmts): a statement's text differs with the length of its IN lists,
// so a few hundred cover the queries a page makes. pgx keeps PostgreSQL's
// itself. The writer's pool compiles afresh: a kept statement left stepping
// (the bulk copies read rows while they write) would fail its transaction's
// commit. The group commit's transactions keep theirs where that cannot
// happen (keptTx).
const readStmtsKept = 300

func openPostgres(dsn string) (*Store, error) {
	db, err := gorm.Open(postgres.Open(dsn), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(20)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	s := makeStore(db, db, Postgres)
	// ICU's Norwegian collation, where the server is built with ICU (Debian's
	// and most others are); without it names sort in the database's own order.
	var icu []string
	if err := db.Raw("SELECT collname FROM pg_collation WHERE collname = ?", postgresNorwegian).Scan(&icu).Error; err == nil && len(icu) > 0 {
		s.collate = ` COLLATE "` + postgresNorwegian + `"`
	}
	return s, nil
}

// postgresNorwegian is ICU's collation for Norwegian Bokmål in PostgreSQL.
const postgresNorwegian = "nb-NO-x-icu"

// sqliteDriver is mattn's SQLite driver with the collation "nb" on every
// connection: Norwegian alphabetical order (norwegianKey) for lists sorted by
// name. Only queries use it, never the schema, so that any SQLite tool can
// still open the file.
const sqliteDriver = "sqlite3_samspill"

func init() {
	sql.Register(sqliteDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		if err := c.RegisterCollation("nb", compareNorwegian); err != nil {
			return err
		}
		// SQLite's own lower() knows only A to Z: a search for "ørland" did
		// not find "Ørland". fold() is Go's, which knows Æ, Ø and Å as
		// PostgreSQL's lower() does; the searches use it (Store.fold). It has
		// a name of its own, not lower's: overriding a built-in would let an
		// index or trigger on lower() hold values that any other SQLite tool
		// computes otherwise, whereas one on fold() fails loudly there.
		return c.RegisterFunc("fold", unicodeLower, true)
	}})
}

// unicodeLower is fold() for SQLite: a text in lower case, NULL as NULL.
func unicodeLower(v any) any {
	switch t := v.(type) {
	case string:
		return strings.ToLower(t)
	case []byte:
		if t == nil { // how the driver passes NULL
			return nil
		}
		return strings.ToLower(string(t))
	}
	return v
}

// fold is an SQL expression for expr in lower case, Æ, Ø and Å as well: for
// searches of what people type. On SQLite it is our fold() (SQLite's own
// lower() knows only A to Z); on PostgreSQL lower(), which is Unicode-aware in
// the UTF-8 locale checkLocale insists on.
func (s *Store) fold(expr string) string {
	if s.dialect == SQLite {
		return "fold(" + expr + ")"
	}
	return "lower(" + expr + ")"
}

// byName is an ORDER BY term for a column of names or titles: in Norwegian
// alphabetical order (Æ, Ø and Å after Z), whatever the case.
func (s *Store) byName(column string) string { return column + s.collate }

// openSQLite follows the set-up that avoids "database is locked" and keeps
// acknowledged writes: one writer connection that takes the write lock at BEGIN
// (_txlock=immediate, so a transaction never has to upgrade a read lock and fail),
// a separate read-only pool, WAL, synchronous=FULL, foreign keys and a busy timeout.
// The writer has secure_delete on: what it deletes or overwrites is zeroed in
// the file, not left in the free space of a page or in a freed page, so that
// an erased person's data cannot be read from the file (see forgetErased).
// No cache=shared: it replaces the busy timeout with table-level lock errors.
func openSQLite(dsn string, kept int) (*Store, error) {
	path := sqlitePath(dsn)
	// A new database is made readable by its owner only, as a backup and a
	// restored one are: it holds personal data, and SQLite would make it
	// readable by all under the usual umask. Its log takes the file's mode.
	if f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	params := url.Values{}
	params.Set("_journal_mode", "WAL")
	params.Set("_busy_timeout", strconv.Itoa(busyTimeoutMS))
	params.Set("_foreign_keys", "on")
	params.Set("_synchronous", "FULL")
	params.Set("_txlock", "immediate")
	params.Set("_secure_delete", "on")
	writer, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: sqliteDriver, DSN: "file:" + path + "?" + params.Encode()}), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	wdb, err := writer.DB()
	if err != nil {
		return nil, err
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	// Touch the file so the WAL exists before the read-only pool opens it.
	if err := wdb.Ping(); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}

	params.Del("_txlock")
	params.Del("_journal_mode")
	params.Del("_secure_delete") // readers delete nothing
	params.Set("mode", "ro")
	rdb, err := sql.Open(sqliteDriver, "file:"+path+"?"+params.Encode())
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open sqlite reader %s: %w", path, err)
	}
	reads := newReaderStmts(rdb, kept)
	reader, err := gorm.Open(sqlite.New(sqlite.Config{Conn: reads}), gormConfig())
	if err != nil {
		rdb.Close()
		wdb.Close()
		return nil, fmt.Errorf("open sqlite reader %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(8)
	rdb.SetMaxIdleConns(8)
	s := makeStore(writer, reader, SQLite)
	s.reads = reads
	s.collate = " COLLATE nb"
	s.file = path
	s.opened, _ = os.Stat(path) // nil for an in-memory database
	return s, nil
}

func makeStore(db, rdb *gorm.DB, dialect string) *Store {
	s := &Store{db: db, rdb: rdb, dialect: dialect, now: utcNow}
	s.sessions = &SessionStore{s: s}
	// GORM stamps updated_at on the updates that do not name it; it takes the
	// store's clock, as every other time the store writes does.
	db.Config.NowFunc = func() time.Time { return s.now().UTC() }
	return s
}

func utcNow() time.Time { return time.Now().UTC() }

// Dialect tells which database the store speaks.
func (s *Store) Dialect() string { return s.dialect }

// SetClock replaces the store's clock; tests use it to move time.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// SetExportLimit replaces DefaultExportLimit; tests use it to reach the limit.
func (s *Store) SetExportLimit(n int) { s.exportLimit = n }

// SetBusyTimeout replaces busyTimeoutMS, how long the SQLite writer waits
// for a lock or for readers; tests use it to hold a write up for less than
// ten seconds. It does nothing on PostgreSQL.
func (s *Store) SetBusyTimeout(d time.Duration) error {
	if s.dialect != SQLite {
		return nil
	}
	return s.db.Exec(fmt.Sprintf("PRAGMA busy_timeout = %d", d.Milliseconds())).Error
}

// ExportLimit is the most enquiries one export holds.
func (s *Store) ExportLimit() int {
	if s.exportLimit > 0 {
		return s.exportLimit
	}
	return DefaultExportLimit
}

// Close finishes the writes still queued and closes both pools.
func (s *Store) Close() error {
	s.writes.stop()
	if s.reads != nil {
		s.reads.close()
	}
	var errs []error
	for _, g := range []*gorm.DB{s.rdb, s.db} {
		sqlDB, err := g.DB()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, sqlDB.Close())
		if s.rdb == s.db {
			break
		}
	}
	return errors.Join(errs...)
}

// busyTimeoutMS is how long a SQLite write waits for the write lock that
// another process holds before it fails.
const busyTimeoutMS = 10000

// pingWriteWait is how long Ping waits for SQLite's write lock: a health
// probe answers within a second or two, and a write lock another process
// holds longer than this makes every write wait.
const pingWriteWait = time.Second

// Ping checks that the database answers and can be written, writing nothing.
// On SQLite it also checks that the file opened is still the one at its path
// (deleted, or moved aside, it still answers, but what is written to it is
// lost to the next start), and that the writer can take the write lock
// (BEGIN IMMEDIATE, then ROLLBACK) within pingWriteWait: another process in a
// write transaction (a sqlite3 shell left in one, say) holds every write up
// for the busy timeout and then fails it. On PostgreSQL it checks that the
// server takes writes: a standby after a failover answers reads only.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.rdb.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return err
	}
	if s.opened != nil {
		now, err := os.Stat(s.file)
		if err != nil {
			return fmt.Errorf("the database file: %w", err)
		}
		if !os.SameFile(now, s.opened) {
			return fmt.Errorf("the database file %s is no longer the one opened", s.file)
		}
	}
	return s.pingWriter(ctx)
}

// pingWriter is Ping's check that the writer can write, without writing.
func (s *Store) pingWriter(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if s.dialect != SQLite {
		var readOnly string
		if err := sqlDB.QueryRowContext(ctx, "SELECT current_setting('transaction_read_only')").Scan(&readOnly); err != nil {
			return fmt.Errorf("the writer: %w", err)
		}
		if readOnly == "on" {
			return errors.New("the database takes no writes (transaction_read_only is on)")
		}
		return nil
	}
	conn, err := sqlDB.Conn(ctx) // the one writer connection, between two transactions
	if err != nil {
		return fmt.Errorf("the writer: %w", err)
	}
	err = tryWriteLock(ctx, conn)
	if err != nil {
		// Not back into the pool in a transaction, or with the short wait:
		// the pool opens a new connection with the DSN's settings.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		return err
	}
	return conn.Close()
}

// tryWriteLock takes SQLite's write lock on conn, waiting at most
// pingWriteWait for it, and lets it go at once: BEGIN IMMEDIATE, ROLLBACK.
func tryWriteLock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", pingWriteWait.Milliseconds())); err != nil {
		return fmt.Errorf("the writer: %w", err)
	}
	_, lockErr := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
	if lockErr == nil {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); err != nil {
			return fmt.Errorf("the write lock: %w", err)
		}
	}
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeoutMS)); err != nil {
		return fmt.Errorf("the writer: %w", err)
	}
	if lockErr != nil {
		return fmt.Errorf("the write lock: %w", lockErr)
	}
	return nil
}

// inTx runs fn in one write transaction, and returns once it is committed.
// On PostgreSQL that is a transaction of its own. On SQLite, where one
// connection writes, the writes that wait while a transaction commits are run
// together in the next one, each in a savepoint of its own (group commit, see
// groupCommit): what fn sees and does is as if it ran alone, and one sync of
// the disk serves many writes.
func (s *Store) inTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if s.dialect != SQLite {
		return s.db.WithContext(ctx).Transaction(fn)
	}
	return s.writes.run(s, ctx, fn)
}

// read is the read pool bound to ctx. On SQLite the context's cancellation is
// dropped: the driver steps every row of a cancellable query on a goroutine of
// its own (so that it can interrupt it), which costs more than the step itself
// when a page reads thousands of index entries; our reads take milliseconds,
// and an export stops when writing to a gone client fails.
func (s *Store) read(ctx context.Context) *gorm.DB {
	if s.dialect == SQLite {
		ctx = context.WithoutCancel(ctx)
	}
	return s.rdb.WithContext(ctx)
}

// Backup writes a consistent copy of the database to path while the server may be
// running. On SQLite this is VACUUM INTO, which reads one snapshot; PostgreSQL has
// pg_dump for this. The file must not exist; it is made readable by its owner
// only, as it holds everybody's personal data (VACUUM INTO writes into an
// empty file as it finds it).
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect != SQLite {
		return errors.New("use pg_dump for PostgreSQL")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := s.db.WithContext(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// SQLDB exposes the writer's *sql.DB for checks such as integrity tests.
func (s *Store) SQLDB() (*sql.DB, error) { return s.db.DB() }

// taken reports whether a row of model other than the one with exceptID (0:
// none) holds value in column, which a unique index keeps single. Asked with
// a record's other checks, a name or code already taken is said beside them,
// not after they are mended; the unique index still decides a race. It
// compares with "=", as the indexes do: none folds case (plain UNIQUE or a
// primary key, byte-wise on SQLite and PostgreSQL alike), and e-mail
// addresses are stored in lower case already. An index made to fold case
// would need taken to fold as it does (TestTakenAsItsIndex).
func taken(tx *gorm.DB, model any, column, value string, exceptID int64) (bool, error) {
	q := tx.Model(model).Where(column+" = ?", value)
	if exceptID != 0 {
		q = q.Where("id <> ?", exceptID)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return false, fmt.Errorf("check %s: %w", column, err)
	}
	return n > 0, nil
}

// isUniqueViolation reports whether err is a unique constraint failure on either
// database. This is the one place that knows both drivers' wording.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505") || errors.Is(err, gorm.ErrDuplicatedKey)
}

// Now is the store's clock, in UTC.
func (s *Store) Now() time.Time { return s.now() }

// Restore replaces the SQLite database at target with the backup at source,
// after checking that the backup is whole: integrity_check passes, its schema
// is known, and its audit chain holds. The server must be stopped. The old
// database is kept beside it as target+".before-restore" (see keepBeforeRestore).
//
// A person erased, or an enquiry anonymised by retention, after the backup
// was taken must not come back with it: Restore re-applies to the restored
// database the erasures and anonymisations that the replaced database's
// audit log records after the backup's last entry (see erasuresAfter and
// reapply). When they cannot be read (the replaced database is broken, or is
// not a later state of the backup's database), it restores all the same, a
// broken database being a reason to restore, and says so in the result's
// Warning for the operator to erase them again by hand.
func Restore(ctx context.Context, source, target string) (RestoreResult, error) {
	return restore(ctx, source, target, Open)
}

// restore is Restore, opening the restored database with open for the
// erasures' re-application (tests hold a read on it).
func restore(ctx context.Context, source, target string, open func(string) (*Store, error)) (RestoreResult, error) {
	var res RestoreResult
	if strings.HasPrefix(target, "postgres") {
		return res, errors.New("use pg_restore for PostgreSQL")
	}
	if _, err := os.Stat(source); err != nil { // Open would make an empty one
		return res, fmt.Errorf("no backup at %s: %w", source, err)
	}
	b, err := Open(source)
	if err != nil {
		return res, err
	}
	var check string
	if err := b.rdb.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(&check).Error; err != nil || check != "ok" {
		b.Close()
		return res, fmt.Errorf("backup %s fails integrity_check: %q %v", source, check, err)
	}
	if v, err := b.SchemaVersion(ctx); err != nil || v == 0 || v > len(migrations) {
		b.Close()
		return res, fmt.Errorf("backup %s has schema version %d, this program knows %d (%v)", source, v, len(migrations), err)
	}
	if _, err := b.VerifyAudit(ctx); err != nil {
		b.Close()
		return res, fmt.Errorf("backup %s: %w", source, err)
	}
	var head auditHead
	if err := b.read(ctx).First(&head, 1).Error; err != nil {
		b.Close()
		return res, fmt.Errorf("backup %s: audit head: %w", source, err)
	}
	res.BackupSeq = head.Seq
	if head.Seq > 0 {
		var last AuditEntry
		if err := b.read(ctx).Where("seq = ?", head.Seq).First(&last).Error; err != nil {
			b.Close()
			return res, fmt.Errorf("backup %s: audit entry %d: %w", source, head.Seq, err)
		}
		res.BackupAt = last.At
	}
	if err := b.Close(); err != nil {
		return res, err
	}
	var pending []AuditEntry
	var unread error
	if _, err := os.Stat(target); err == nil {
		// Read before anything moves, so that a database that cannot be
		// read is known as such; the restore goes on regardless.
		pending, unread = erasuresAfter(ctx, target, head)
		if res.Kept, err = keepBeforeRestore(target); err != nil {
			return res, err
		}
	} else {
		// No database, but perhaps the log and index of one deleted after a
		// crash: SQLite would replay that log into the restored file.
		for _, suffix := range []string{"-wal", "-shm"} {
			if err := os.Remove(target + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return res, err
			}
		}
	}
	if err := copyFileSynced(source, target); err != nil {
		return res, err
	}
	if unread == nil && len(pending) > 0 {
		res.Reapplied, unread = reapply(ctx, open, target, pending)
	}
	switch {
	case errors.Is(unread, ErrForgetPending):
		// Re-applied and committed: only their clean-up from the files is
		// left, which the server's janitor finishes (forgetCounter).
		res.Warning = unread
	case unread != nil:
		res.Warning = fmt.Errorf("%w: %w", ErrErasuresNotReapplied, unread)
	}
	return res, nil
}

// keepBeforeRestore moves the database at target aside, to the first free
// name of target.before-restore, .before-restore.2, …: a second restore (after
// choosing the wrong backup first) must not replace the database that was
// there before either. Its write-ahead log goes with it, renamed to match:
// after a crash it holds committed transactions not yet in the file, which
// SQLite applies when the kept copy is opened. The shared-memory index is only
// a cache of the log, rebuilt on opening, and is removed.
func keepBeforeRestore(target string) (string, error) {
	kept := target + ".before-restore"
	for i := 2; ; i++ {
		if _, err := os.Stat(kept); errors.Is(err, os.ErrNotExist) {
			break
		} else if err != nil {
			return "", err
		}
		kept = fmt.Sprintf("%s.before-restore.%d", target, i)
	}
	if err := os.Rename(target, kept); err != nil {
		return "", err
	}
	if err := os.Rename(target+"-wal", kept+"-wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err := os.Remove(target + "-shm"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	return kept, nil
}

// copyFileSynced copies source to target through a temporary file that is on
// disk before it takes target's name, reading and writing a piece at a time
// (a national database is gigabytes).
func copyFileSynced(source, target string) error {
	in, err := os.Open(source)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := target + ".restoring"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, in); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, target)
}
