package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
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
type SessionStore struct{ s *Store }

// Sessions returns the store's session store.
func (s *Store) Sessions() *SessionStore { return &SessionStore{s: s} }

// Find returns the data of an unexpired session.
func (ss *SessionStore) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

// FindCtx returns the data of an unexpired session.
func (ss *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var row sessionRow
	err := ss.s.read(ctx).Where("token = ? AND expiry > ?", token, time.Now().UTC()).First(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return row.Data, true, nil
}

// Commit saves a session.
func (ss *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx saves a session.
func (ss *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	row := sessionRow{Token: token, Data: b, Expiry: expiry.UTC()}
	return ss.s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "token"}},
		DoUpdates: clause.AssignmentColumns([]string{"data", "expiry"}),
	}).Create(&row).Error
}

// Delete removes a session.
func (ss *SessionStore) Delete(token string) error {
	return ss.DeleteCtx(context.Background(), token)
}

// DeleteCtx removes a session.
func (ss *SessionStore) DeleteCtx(ctx context.Context, token string) error {
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
