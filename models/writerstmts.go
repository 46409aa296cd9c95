package models

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"unicode"
)

// writerStmts keeps SQLite's compiled statements for the group commit's
// transactions (see groupCommit), on the one writer connection. GORM's own
// statement cache does not serve a transaction: each submission's dozen
// statements were compiled afresh in every transaction, a good part of the
// CPU a submission costs. Nothing but the compiled statement is kept: each
// run reads and writes the rows as they are then, as a statement compiled
// afresh does, and SQLite compiles it again itself when a migration changes
// the schema under it.
//
// A statement is prepared on the writer's pool (database/sql's Stmt) once a
// transaction that used it has committed, since the pool's one connection is
// the transaction's until then; transactions after it run it with Tx.Stmt,
// which reuses what was compiled on their connection (and compiles it again
// on a new connection, should the pool have replaced the old one).
type writerStmts struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt // nil: could not be prepared; compiled afresh each time
	wanted map[string]bool      // used in a transaction, to prepare after its commit
}

// maxWriterStmts bounds the statements kept: the statements of the writes
// are a few hundred at most (a text differs with the length of its IN lists);
// past the bound a new one is compiled afresh each time, as before.
const maxWriterStmts = 400

// stmt is the prepared statement for query, or nil if there is none yet (it
// is then noted, to be prepared after the transaction).
func (w *writerStmts) stmt(query string) *sql.Stmt {
	w.mu.Lock()
	defer w.mu.Unlock()
	if st, ok := w.stmts[query]; ok {
		return st
	}
	if len(w.stmts)+len(w.wanted) < maxWriterStmts {
		if w.wanted == nil {
			w.wanted = map[string]bool{}
		}
		w.wanted[query] = true
	}
	return nil
}

// prepare prepares the statements the transactions wanted. It runs between
// transactions, when the writer's connection is free.
func (w *writerStmts) prepare(db *sql.DB) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.wanted) == 0 {
		return
	}
	if w.stmts == nil {
		w.stmts = map[string]*sql.Stmt{}
	}
	for query := range w.wanted {
		st, err := db.PrepareContext(context.Background(), query)
		if err != nil {
			st = nil // compiled afresh each time, and its error said there
		}
		w.stmts[query] = st
	}
	clear(w.wanted)
}

// close closes the prepared statements; the writer is done.
func (w *writerStmts) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, st := range w.stmts {
		if st != nil {
			st.Close()
		}
	}
	w.stmts, w.wanted = nil, nil
}

// keptTx is a write transaction that runs its statements with the kept
// compiled ones where that is safe, and compiles the others afresh:
//
//   - one statement only (no ";"): a prepared statement runs only the first
//     of several; and with one argument to each "?", as a prepared statement
//     insists (compiled afresh, extra arguments are left unused);
//   - an Exec only of INSERT, UPDATE or DELETE without RETURNING, which runs
//     to its end: a kept statement that stopped at a row would stay active,
//     and SQLite refuses to commit a transaction while a write is active;
//   - a query only while no rows of the same statement are still being read
//     (a query inside a loop over its own rows compiles another), since a
//     statement runs one query at a time. Rows are reset when closed, and the
//     transaction closes any left open before it commits.
type keptTx struct {
	*sql.Tx
	kept *writerStmts
	open map[string]*sql.Rows // the last rows of each kept query
}

func (t *keptTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if keepsExec(query, len(args)) {
		if st := t.kept.stmt(query); st != nil {
			return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
		}
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t *keptTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !keeps(query, len(args)) || t.reading(query) {
		return t.Tx.QueryContext(ctx, query, args...)
	}
	st := t.kept.stmt(query)
	if st == nil {
		return t.Tx.QueryContext(ctx, query, args...)
	}
	rows, err := t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	if err == nil {
		if t.open == nil {
			t.open = map[string]*sql.Rows{}
		}
		t.open[query] = rows
	}
	return rows, err
}

// reading says whether the rows last read with query's kept statement are
// still open (Columns fails on closed rows).
func (t *keptTx) reading(query string) bool {
	rows := t.open[query]
	if rows == nil {
		return false
	}
	_, err := rows.Columns()
	return err == nil
}

// keeps says whether query may run with a kept statement: one statement, an
// argument to each "?".
func keeps(query string, args int) bool {
	return !strings.Contains(query, ";") && strings.Count(query, "?") == args
}

// keepsExec says whether query may run as an Exec with a kept statement: a
// single INSERT, UPDATE or DELETE that returns no rows.
func keepsExec(query string, args int) bool {
	if !keeps(query, args) {
		return false
	}
	q := strings.TrimSpace(query)
	verb := q
	if i := strings.IndexFunc(q, unicode.IsSpace); i >= 0 {
		verb = q[:i]
	}
	switch strings.ToUpper(verb) {
	case "INSERT", "UPDATE", "DELETE":
	default:
		return false
	}
	return !strings.Contains(strings.ToUpper(q), "RETURNING")
}
