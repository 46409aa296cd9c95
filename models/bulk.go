package models

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// bulkWriter writes generated rows fast: multi-row INSERT statements inside
// transactions of bulkCommitRows rows, with the audit log's hash chain
// extended in the same transactions. It speaks database/sql directly, because
// GORM's reflection per row costs more than the insert itself at millions of
// rows. Rows carry their ids, so children can name their parents at once.
//
// Foreign keys hold at every statement: when one table's buffer is full, every
// table is flushed in the order the tables were declared, parents first.
type bulkWriter struct {
	ctx     context.Context
	s       *Store
	db      *sql.DB
	tx      *sql.Tx
	tables  []*bulkTable
	byName  map[string]*bulkTable
	chain   *auditChain
	head    auditChain // the head as last committed
	txRows  int
	written int64
	stmts   map[string]string
}

// bulkTable buffers the rows of one table.
type bulkTable struct {
	name string
	cols []string
	vals []any
	n    int
	max  int // rows per statement
}

// bulkCommitRows is how many rows go into one transaction.
const bulkCommitRows = 200_000

func (s *Store) newBulkWriter(ctx context.Context) (*bulkWriter, error) {
	db, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	return &bulkWriter{ctx: ctx, s: s, db: db, byName: map[string]*bulkTable{}, stmts: map[string]string{}}, nil
}

// table declares a table and its columns. Declare parents before children.
func (w *bulkWriter) table(name string, cols ...string) {
	// SQLite binds at most 32766 parameters per statement, PostgreSQL 65535.
	max := 30000 / len(cols)
	if max > 1000 {
		max = 1000
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

// begin starts a transaction and takes the audit head: on PostgreSQL the row
// lock makes any server's audit() wait for this transaction, so the chain
// cannot fork; on SQLite the writer's immediate transaction does the same.
func (w *bulkWriter) begin() error {
	tx, err := w.db.BeginTx(w.ctx, nil)
	if err != nil {
		return err
	}
	w.tx = tx
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

// flush writes every buffered row, parents first, and commits when the
// transaction is big enough.
func (w *bulkWriter) flush() error {
	if err := w.writeAll(); err != nil {
		return err
	}
	if w.txRows >= bulkCommitRows {
		return w.commit()
	}
	return nil
}

// writeAll sends every buffered row to the open transaction.
func (w *bulkWriter) writeAll() error {
	if w.tx == nil {
		if err := w.begin(); err != nil {
			return err
		}
	}
	for _, t := range w.tables {
		for t.n > 0 {
			n := t.n
			if n > t.max {
				n = t.max
			}
			k := n * len(t.cols)
			if _, err := w.tx.ExecContext(w.ctx, w.insertSQL(t, n), t.vals[:k]...); err != nil {
				return fmt.Errorf("bulk insert into %s: %w", t.name, err)
			}
			t.vals = append(t.vals[:0], t.vals[k:]...)
			t.n -= n
			w.txRows += n
			w.written += int64(n)
		}
	}
	return nil
}

// commit writes what is buffered, moves the audit head and commits.
func (w *bulkWriter) commit() error {
	if err := w.writeAll(); err != nil {
		return err
	}
	if w.chain != nil {
		if _, err := w.tx.ExecContext(w.ctx, w.s.rebind(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`), w.chain.seq, w.chain.hash); err != nil {
			return fmt.Errorf("move audit head: %w", err)
		}
	}
	err := w.tx.Commit()
	w.tx, w.txRows = nil, 0
	if err == nil && w.chain != nil {
		w.head = *w.chain
	}
	return err
}

// rollback abandons the open transaction, if any.
func (w *bulkWriter) rollback() {
	if w.tx != nil {
		_ = w.tx.Rollback()
		w.tx = nil
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
