package models

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"gorm.io/gorm/clause"
)

// sessionRow is a server-side session as alexedwards/scs stores it: an opaque,
// encoded blob keyed by the cookie's token. Keeping it in the database lets
// several server instances share sessions.
type sessionRow struct {
	Token  string `gorm:"primaryKey"`
	Data   []byte
	Expiry time.Time
}

func (sessionRow) TableName() string { return "sessions" }

// SessionStore implements scs.Store (and scs.CtxStore) over our database, so the
// same code serves SQLite and PostgreSQL. Expiry is on the wall clock, as scs
// sets it; the app's own idle and absolute timeouts use the store's clock.
//
// With an idle timeout scs commits the session after every request, only to
// move its expiry on. A commit that changes neither the data nor the expiry by
// more than sessionSlack is skipped, so that reading a page writes nothing; the
// session then expires at most sessionSlack before its idle timeout.
type SessionStore struct {
	s    *Store
	mu   sync.Mutex
	seen map[string]storedSession // token → the row as last read or written here
}

type storedSession struct {
	data   []byte
	expiry time.Time
}

// sessionSlack is how far a session's expiry may lag behind what scs asks for.
const sessionSlack = time.Minute

// maxSeenSessions bounds the memory of rows read; past it the memory starts over.
const maxSeenSessions = 10000

// Sessions returns the store's session store.
func (s *Store) Sessions() *SessionStore { return s.sessions }

func (ss *SessionStore) remember(token string, data []byte, expiry time.Time) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.seen == nil || len(ss.seen) >= maxSeenSessions {
		ss.seen = map[string]storedSession{}
	}
	ss.seen[token] = storedSession{data: data, expiry: expiry}
}

func (ss *SessionStore) forget(token string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.seen, token)
}

// unchanged reports whether committing data with expiry would change nothing
// that matters in the row last read or written for token.
func (ss *SessionStore) unchanged(token string, data []byte, expiry time.Time) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	old, ok := ss.seen[token]
	return ok && bytes.Equal(old.data, data) && !expiry.Before(old.expiry) && expiry.Sub(old.expiry) < sessionSlack
}

// Find returns the data of an unexpired session.
func (ss *SessionStore) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

// FindCtx returns the data of an unexpired session.
func (ss *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	// Every request with a session reads it: the row is read into its fields
	// directly, without GORM's reflection.
	var row sessionRow
	err := ss.s.read(ctx).Raw(`SELECT data, expiry FROM sessions WHERE token = ? AND expiry > ?`, token, time.Now().UTC()).
		Row().Scan(&row.Data, &row.Expiry)
	if errors.Is(err, sql.ErrNoRows) {
		ss.forget(token)
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	ss.remember(token, row.Data, row.Expiry)
	return row.Data, true, nil
}

// Commit saves a session.
func (ss *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx saves a session.
func (ss *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	row := sessionRow{Token: token, Data: b, Expiry: expiry.UTC()}
	if ss.unchanged(token, b, row.Expiry) {
		return nil
	}
	err := ss.s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "token"}},
		DoUpdates: clause.AssignmentColumns([]string{"data", "expiry"}),
	}).Create(&row).Error
	if err != nil {
		ss.forget(token)
		return err
	}
	ss.remember(token, b, row.Expiry)
	return nil
}

// Delete removes a session.
func (ss *SessionStore) Delete(token string) error {
	return ss.DeleteCtx(context.Background(), token)
}

// DeleteCtx removes a session.
func (ss *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	ss.forget(token)
	return ss.s.db.WithContext(ctx).Where("token = ?", token).Delete(&sessionRow{}).Error
}

// Exists reports whether an unexpired session with token exists; tests use it
// to prove that log-out ends the session on the server.
func (ss *SessionStore) Exists(ctx context.Context, token string) (bool, error) {
	_, found, err := ss.FindCtx(ctx, token)
	return found, err
}

// DeleteExpired removes expired sessions; the server calls it now and then.
func (ss *SessionStore) DeleteExpired(ctx context.Context) error {
	return ss.s.db.WithContext(ctx).Where("expiry <= ?", time.Now().UTC()).Delete(&sessionRow{}).Error
}
