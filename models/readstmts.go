package models

import (
	"container/list"
	"context"
	"database/sql"
	"sync"
)

// readerStmts is SQLite's read pool with the statements of its queries
// compiled once per connection and kept: compiling was a fifth to a third of
// a page's time. It is the reader's GORM connection pool. A statement is
// database/sql's Stmt, prepared on the pool, which compiles it on each
// connection the first time it runs there.
//
// It keeps at most the given number of statements, and lets go of the one
// least recently used when it would keep more (a statement's text differs
// with the length of its IN lists). A statement let go of is closed once no
// read that took it is still starting it; rows already being read keep what
// they need of it (database/sql closes it under them only when they are
// closed). GORM's own cache (PrepareStmt, v1.31) closed the statements it let
// go of at once, under a read that had just taken one: "sql: statement is
// closed" (go-gorm/gorm#7831). Its statements also expired after a day, and
// one expired and compiled anew before GORM's sweeper came round was never
// closed (#7832), and the sweeper's goroutine never ended (#7788). Nothing
// here expires, and nothing runs on a goroutine of its own.
//
// Only queries are kept, and only a single statement with an argument to
// each "?" (see keeps); the rest, and the read transactions, are compiled
// afresh.
type readerStmts struct {
	db   *sql.DB
	most int

	mu     sync.Mutex
	kept   map[string]*keptRead
	recent list.List // of *keptRead, the most recently used in front
	closed bool
}

// keptRead is one statement readerStmts keeps.
type keptRead struct {
	stmt    *sql.Stmt
	query   string
	at      *list.Element
	users   int  // reads that took it and have not yet started it
	letGoOf bool // no longer kept: its last user closes it
}

func newReaderStmts(db *sql.DB, most int) *readerStmts {
	return &readerStmts{db: db, most: most, kept: map[string]*keptRead{}}
}

// QueryContext runs query with its kept statement, compiled and kept first if
// it is not yet.
func (r *readerStmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	k := r.take(ctx, query, len(args))
	if k == nil {
		return r.db.QueryContext(ctx, query, args...)
	}
	defer r.release(k)
	return k.stmt.QueryContext(ctx, args...)
}

// QueryRowContext is QueryContext for one row.
func (r *readerStmts) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	k := r.take(ctx, query, len(args))
	if k == nil {
		return r.db.QueryRowContext(ctx, query, args...)
	}
	defer r.release(k)
	return k.stmt.QueryRowContext(ctx, args...)
}

// ExecContext compiles afresh: the read pool writes nothing.
func (r *readerStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.db.ExecContext(ctx, query, args...)
}

// PrepareContext prepares a statement that is not kept, for GORM.
func (r *readerStmts) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return r.db.PrepareContext(ctx, query)
}

// BeginTx begins a read transaction, whose statements are compiled afresh.
func (r *readerStmts) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	return r.db.BeginTx(ctx, opts)
}

// GetDBConn gives GORM's DB() the pool.
func (r *readerStmts) GetDBConn() (*sql.DB, error) { return r.db, nil }

// Ping checks that the pool answers, for GORM's Open.
func (r *readerStmts) Ping() error { return r.db.Ping() }

// take is query's kept statement, held for the caller until release, or nil
// when it is not to be kept or cannot be compiled (the query then compiles
// afresh and says its error there).
func (r *readerStmts) take(ctx context.Context, query string, args int) *keptRead {
	if !keeps(query, args) {
		return nil
	}
	r.mu.Lock()
	if k, ok := r.kept[query]; ok {
		k.users++
		r.recent.MoveToFront(k.at)
		r.mu.Unlock()
		return k
	}
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return nil
	}
	// Compiled without the lock: other reads go on meanwhile.
	stmt, err := r.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		stmt.Close()
		return nil
	}
	if k, ok := r.kept[query]; ok { // another read compiled it meanwhile
		k.users++
		r.recent.MoveToFront(k.at)
		r.mu.Unlock()
		stmt.Close()
		return k
	}
	k := &keptRead{stmt: stmt, query: query, users: 1}
	k.at = r.recent.PushFront(k)
	r.kept[query] = k
	var done []*sql.Stmt
	for len(r.kept) > r.most {
		if st := r.letGoLocked(r.recent.Back().Value.(*keptRead)); st != nil {
			done = append(done, st)
		}
	}
	r.mu.Unlock()
	for _, st := range done {
		st.Close()
	}
	return k
}

// release ends the caller's hold on k, and closes k if it is no longer kept
// and this was the last hold.
func (r *readerStmts) release(k *keptRead) {
	r.mu.Lock()
	k.users--
	last := k.letGoOf && k.users == 0
	r.mu.Unlock()
	if last {
		k.stmt.Close()
	}
}

// letGoLocked stops keeping k, and gives its statement to close now if no
// read holds it (else its last user closes it). r.mu is held.
func (r *readerStmts) letGoLocked(k *keptRead) *sql.Stmt {
	r.recent.Remove(k.at)
	delete(r.kept, k.query)
	k.letGoOf = true
	if k.users > 0 {
		return nil
	}
	return k.stmt
}

// close lets go of every statement; the pool is closing. Reads still
// starting one close it when they are done with it.
func (r *readerStmts) close() {
	r.mu.Lock()
	r.closed = true
	var done []*sql.Stmt
	for r.recent.Len() > 0 {
		if st := r.letGoLocked(r.recent.Back().Value.(*keptRead)); st != nil {
			done = append(done, st)
		}
	}
	r.mu.Unlock()
	for _, st := range done {
		st.Close()
	}
}
