package models

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// bulkWriter writes generated rows fast: multi-row INSERT statements inside
// transactions of bulkCommitRows rows, with the audit log's hash chain
// extended in the same transactions. It speaks database/sql directly, because
// GORM's reflection per row costs more than the insert itself at millions of
// rows. Rows carry their ids, so children can name their parents at once.
//
// The statements run on a goroutine of their own, so the database works on one
// batch while the generator makes the next: on two cores that overlaps the
// two halves of the work.
//
// Foreign keys hold at every statement: when one table's buffer is full, every
// table is flushed in the order the tables were declared, parents first.
type bulkWriter struct {
	ctx     context.Context
	s       *Store
	db      *sql.DB
	tables  []*bulkTable
	byName  map[string]*bulkTable
	chain   *auditChain
	txRows  int
	written int64
	stmts   map[string]string

	ops  chan bulkOp
	wg   sync.WaitGroup
	mu   sync.Mutex
	err  error // the worker's first error; every later op is skipped
	tx   *sql.Tx
	prep map[string]*sql.Stmt // statements prepared in the open transaction
	head auditChain           // the audit head as last committed
}

// bulkTable buffers the rows of one table.
type bulkTable struct {
	name string
	cols []string
	vals []any
	n    int
	max  int // rows per statement
}

// bulkOp is one step for the worker: an insert of n rows, or a commit that
// moves the audit head to head.
type bulkOp struct {
	query  string
	table  string
	vals   []any
	commit bool
	head   auditChain
	done   chan error
}

// bulkCommitRows is how many rows go into one transaction: enough that
// preparing the statements again after each commit costs little.
const bulkCommitRows = 1_000_000

func (s *Store) newBulkWriter(ctx context.Context) (*bulkWriter, error) {
	db, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	w := &bulkWriter{ctx: ctx, s: s, db: db, byName: map[string]*bulkTable{}, stmts: map[string]string{}, ops: make(chan bulkOp, 8)}
	w.wg.Add(1)
	go w.work()
	return w, nil
}

// table declares a table and its columns. Declare parents before children.
func (w *bulkWriter) table(name string, cols ...string) {
	// SQLite binds at most 32766 parameters per statement, PostgreSQL 65535.
	max := 30000 / len(cols)
	if max > 500 {
		max = 500
	}
	t := &bulkTable{name: name, cols: cols, max: max}
	w.tables = append(w.tables, t)
	w.byName[name] = t
}

// add buffers one row of table; values follow the declared columns.
func (w *bulkWriter) add(table string, values ...any) error {
	t := w.byName[table]
	if len(values) != len(t.cols) {
		return fmt.Errorf("bulk %s: %d values for %d columns", table, len(values), len(t.cols))
	}
	for i, v := range values {
		if tm, ok := v.(time.Time); ok {
			// SQLite keeps times as text and compares them as text: every
			// time must be written in UTC, as the rest of the code writes them.
			values[i] = tm.UTC()
		}
	}
	t.vals = append(t.vals, values...)
	t.n++
	if t.n >= t.max {
		return w.flush()
	}
	return nil
}

// addAudit links e into the hash chain and buffers it.
func (w *bulkWriter) addAudit(e *AuditEntry) error {
	w.chain.link(e)
	return w.add("audit_log", e.ID, e.Seq, e.At, nullInt(e.UserID), nullInt(e.RegionID), e.Action, e.Object, e.ObjectID,
		e.RequestID, e.IP, e.Detail, e.PrevHash, e.Hash)
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// flush hands every buffered row to the worker, parents first, and commits
// when the transaction is big enough.
func (w *bulkWriter) flush() error {
	if err := w.failed(); err != nil {
		return err
	}
	for _, t := range w.tables {
		for t.n > 0 {
			n := min(t.n, t.max)
			k := n * len(t.cols)
			vals := make([]any, k)
			copy(vals, t.vals[:k])
			w.ops <- bulkOp{query: w.insertSQL(t, n), table: t.name, vals: vals}
			t.vals = append(t.vals[:0], t.vals[k:]...)
			t.n -= n
			w.txRows += n
			w.written += int64(n)
		}
	}
	if w.txRows >= bulkCommitRows {
		return w.commit()
	}
	return nil
}

// commit writes what is buffered, moves the audit head and commits, and waits
// for the worker to have done so.
func (w *bulkWriter) commit() error {
	w.txRows = 0
	if err := w.flush(); err != nil {
		return err
	}
	op := bulkOp{commit: true, done: make(chan error, 1)}
	if w.chain != nil {
		op.head = *w.chain
	}
	w.ops <- op
	return <-op.done
}

// close stops the worker; an open transaction is rolled back.
func (w *bulkWriter) close() {
	close(w.ops)
	w.wg.Wait()
	if w.tx != nil {
		w.closeStmts()
		_ = w.tx.Rollback()
		w.tx = nil
	}
}

func (w *bulkWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// work runs the statements in order on the writer's one connection.
func (w *bulkWriter) work() {
	defer w.wg.Done()
	for op := range w.ops {
		err := w.failed()
		if err == nil {
			err = w.run(op)
			if err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			}
		}
		if op.done != nil {
			op.done <- err
		}
	}
}

func (w *bulkWriter) run(op bulkOp) error {
	if w.tx == nil {
		if err := w.begin(); err != nil {
			return err
		}
	}
	if !op.commit {
		st, err := w.prepared(op.table, op.query)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(w.ctx, op.vals...); err != nil {
			return fmt.Errorf("bulk insert into %s: %w", op.table, err)
		}
		return nil
	}
	if w.chain != nil {
		if _, err := w.tx.ExecContext(w.ctx, w.s.rebind(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`), op.head.seq, op.head.hash); err != nil {
			return fmt.Errorf("move audit head: %w", err)
		}
	}
	w.closeStmts()
	err := w.tx.Commit()
	w.tx = nil
	if err == nil {
		w.head = op.head
	}
	return err
}

// begin starts a transaction and takes the audit head: on PostgreSQL the row
// lock makes any server's audit() wait for this transaction, so the chain
// cannot fork; on SQLite the writer's immediate transaction does the same.
func (w *bulkWriter) begin() error {
	tx, err := w.db.BeginTx(w.ctx, nil)
	if err != nil {
		return err
	}
	w.tx = tx
	if w.s.dialect == Postgres {
		// Like synchronous=OFF on SQLite: the generator's own commits do not
		// wait for the disk; a crash mid-way leaves a database to throw away.
		if _, err := tx.ExecContext(w.ctx, "SET LOCAL synchronous_commit = off"); err != nil {
			return err
		}
	}
	if w.chain == nil {
		return nil
	}
	if _, err := tx.ExecContext(w.ctx, `UPDATE audit_head SET seq = seq WHERE id = 1`); err != nil {
		return fmt.Errorf("lock audit head: %w", err)
	}
	var seq int64
	var hash string
	if err := tx.QueryRowContext(w.ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
		return fmt.Errorf("read audit head: %w", err)
	}
	if seq != w.head.seq || hash != w.head.hash {
		return fmt.Errorf("the audit log grew while generating (head %d, expected %d): run gen on a database no server uses", seq, w.head.seq)
	}
	return nil
}

// prepared is the statement q, prepared once per transaction: parsing a
// statement of hundreds of rows costs about as much as running it.
func (w *bulkWriter) prepared(table, q string) (*sql.Stmt, error) {
	if st, ok := w.prep[q]; ok {
		return st, nil
	}
	st, err := w.tx.PrepareContext(w.ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare insert into %s: %w", table, err)
	}
	if w.prep == nil {
		w.prep = map[string]*sql.Stmt{}
	}
	w.prep[q] = st
	return st, nil
}

func (w *bulkWriter) closeStmts() {
	for q, st := range w.prep {
		st.Close()
		delete(w.prep, q)
	}
}

// insertSQL is the multi-row INSERT for n rows of t.
func (w *bulkWriter) insertSQL(t *bulkTable, n int) string {
	key := t.name + "/" + strconv.Itoa(n)
	if q, ok := w.stmts[key]; ok {
		return q
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
	p := 0
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := range t.cols {
			if j > 0 {
				b.WriteByte(',')
			}
			p++
			if w.s.dialect == Postgres {
				b.WriteString("$" + strconv.Itoa(p))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	q := b.String()
	w.stmts[key] = q
	return q
}

// rebind turns ? placeholders into PostgreSQL's $n for statements sent through
// database/sql rather than GORM. Our statements hold no ? inside strings.
func (s *Store) rebind(q string) string {
	if s.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
