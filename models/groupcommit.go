package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"gorm.io/gorm"
)

// groupCommit runs SQLite's write transactions on one goroutine, several to a
// transaction. With synchronous=FULL every commit waits for the disk, and the
// single writer connection takes one transaction at a time, so write throughput
// would be the disk's sync rate. Instead, the writes that queue up while a
// transaction commits go together into the next one:
//
//   - each write runs in a savepoint of its own, in the order they came, and
//     sees the writes before it, exactly as if they had been transactions one
//     after the other on the single writer connection;
//   - a write that fails is rolled back to its savepoint and its caller gets
//     the error; the others are not touched;
//   - every caller returns only after the one COMMIT, so whatever it was told
//     succeeded is on disk. If the commit fails, every caller in it gets the
//     error.
//
// A write alone in the queue runs as a plain transaction.
type groupCommit struct {
	mu     sync.RWMutex // held for reading while queueing, for writing to close
	queue  chan *writeRequest
	closed bool
	wg     sync.WaitGroup
	kept   writerStmts // the transactions' compiled statements
}

type writeRequest struct {
	ctx  context.Context
	fn   func(tx *gorm.DB) error
	err  error
	done chan error
}

// maxGroup bounds the writes of one transaction.
const maxGroup = 64

var errStoreClosed = errors.New("store closed")

// run queues fn and waits for its transaction to commit.
func (g *groupCommit) run(s *Store, ctx context.Context, fn func(tx *gorm.DB) error) error {
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	if g.queue == nil && !g.closed {
		g.queue = make(chan *writeRequest, 4*maxGroup)
		g.wg.Add(1)
		go g.loop(s)
	}
	g.mu.Unlock()
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return errStoreClosed
	}
	g.queue <- req
	g.mu.RUnlock()
	return <-req.done
}

func (g *groupCommit) loop(s *Store) {
	defer g.wg.Done()
	defer g.kept.close()
	sqlDB, err := s.db.DB()
	if err != nil {
		sqlDB = nil // nothing kept: each transaction compiles its statements
	}
	for req := range g.queue {
		batch := []*writeRequest{req}
	more:
		for len(batch) < maxGroup {
			select {
			case r, ok := <-g.queue:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		s.commitGroup(batch)
		for _, r := range batch {
			r.done <- r.err
		}
		if sqlDB != nil {
			g.kept.prepare(sqlDB) // those the batch used first, now that the connection is free
		}
	}
}

// commitGroup runs a batch of writes in one transaction.
func (s *Store) commitGroup(batch []*writeRequest) {
	if len(batch) == 1 {
		r := batch[0]
		r.err = s.db.WithContext(context.WithoutCancel(r.ctx)).Transaction(func(tx *gorm.DB) error { return safely(r.fn, s.keep(tx)) })
		return
	}
	err := s.db.Transaction(func(tx *gorm.DB) error {
		tx = s.keep(tx)
		for i, r := range batch {
			if err := r.ctx.Err(); err != nil {
				r.err = err // given up before it started: nothing was done
				continue
			}
			sp := "g" + strconv.Itoa(i)
			if err := tx.SavePoint(sp).Error; err != nil {
				return err
			}
			if err := safely(r.fn, tx.WithContext(context.WithoutCancel(r.ctx))); err != nil {
				r.err = err
				if err := tx.RollbackTo(sp).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		for _, r := range batch {
			if r.err == nil {
				r.err = fmt.Errorf("commit: %w", err)
			}
		}
	}
}

// keep is the transaction tx running its statements with the kept compiled
// ones (keptTx); its commit stays with tx's Transaction.
func (s *Store) keep(tx *gorm.DB) *gorm.DB {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return tx
	}
	tx = tx.Session(&gorm.Session{Context: tx.Statement.Context}) // a statement of its own
	tx.Statement.ConnPool = &keptTx{Tx: sqlTx, kept: &s.writes.kept}
	return tx
}

// safely runs fn, turning a panic into an error: it runs on the committer's
// goroutine, where a panic would end the server rather than one request.
func safely(fn func(tx *gorm.DB) error, tx *gorm.DB) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in write: %v", p)
		}
	}()
	return fn(tx)
}

// stop lets the queued writes finish and ends the goroutine.
func (g *groupCommit) stop() {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	g.closed = true
	q := g.queue
	g.mu.Unlock()
	if q != nil {
		close(q)
	}
	g.wg.Wait()
}
