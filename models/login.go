package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// loginAttempt records one log-in try for throttling. The e-mail is kept as typed
// (normalised) so that guessing at unknown accounts is throttled too.
type loginAttempt struct {
	ID        int64
	Email     string
	IP        string `gorm:"column:ip"`
	Succeeded bool
	At        time.Time
}

func (loginAttempt) TableName() string { return "login_attempts" }

// Login throttling: after LoginMaxFailures failed attempts for one account or from
// one address within LoginWindow, further attempts are refused until the oldest
// failure falls out of the window.
const (
	LoginMaxFailures = 5
	LoginWindow      = 15 * time.Minute
)

// LoginBlockedUntil tells whether log-in for email from ip is throttled, and until when.
func (s *Store) LoginBlockedUntil(ctx context.Context, email, ip string) (time.Time, bool, error) {
	return s.blockedUntil(s.read(ctx), email, ip, 0)
}

// blockedUntil is LoginBlockedUntil, leaving the attempt with id except out.
func (s *Store) blockedUntil(db *gorm.DB, email, ip string, except int64) (time.Time, bool, error) {
	since := s.now().Add(-LoginWindow)
	for _, by := range []struct{ col, val string }{{"email", normaliseEmail(email)}, {"ip", ip}} {
		var times []time.Time
		err := db.Model(&loginAttempt{}).Where(by.col+" = ? AND succeeded = ? AND at > ? AND id <> ?", by.val, false, since, except).
			Order("at DESC").Limit(LoginMaxFailures).Pluck("at", &times).Error
		if err != nil {
			return time.Time{}, false, fmt.Errorf("login attempts: %w", err)
		}
		if len(times) >= LoginMaxFailures {
			return times[len(times)-1].Add(LoginWindow), true, nil
		}
	}
	return time.Time{}, false, nil
}

// BeginLogin records a log-in attempt for email from ip as failed before its
// password is checked, and then tells whether it is throttled (as
// LoginBlockedUntil), counting the attempts still being checked: checked
// first and recorded after the password's slow hash, a burst of simultaneous
// guesses all passed the limit. A throttled attempt is not kept, so that it
// does not lengthen the wait; one that succeeds is cleared by RecordLogin.
func (s *Store) BeginLogin(ctx context.Context, email, ip string) (time.Time, bool, error) {
	email = normaliseEmail(email)
	if len(email) > 254 {
		email = email[:254]
	}
	db := s.db.WithContext(ctx)
	a := loginAttempt{Email: email, IP: ip, At: s.now()}
	if err := db.Create(&a).Error; err != nil {
		return time.Time{}, false, fmt.Errorf("record login: %w", err)
	}
	until, blocked, err := s.blockedUntil(db, email, ip, a.ID)
	if err != nil || !blocked {
		return until, blocked, err
	}
	if err := db.Delete(&loginAttempt{}, a.ID).Error; err != nil {
		return time.Time{}, false, fmt.Errorf("record login: %w", err)
	}
	return until, true, nil
}

// RecordLogin stores a log-in attempt. A success clears the account's failures so
// the real user is not locked out by earlier typos.
func (s *Store) RecordLogin(ctx context.Context, email, ip string, succeeded bool) error {
	email = normaliseEmail(email)
	if len(email) > 254 {
		email = email[:254]
	}
	db := s.db.WithContext(ctx)
	if err := db.Create(&loginAttempt{Email: email, IP: ip, Succeeded: succeeded, At: s.now()}).Error; err != nil {
		return fmt.Errorf("record login: %w", err)
	}
	if succeeded {
		return db.Where("email = ? AND succeeded = ?", email, false).Delete(&loginAttempt{}).Error
	}
	return nil
}

// DeleteOldLoginAttempts removes the log-in attempts that have fallen out of
// LoginWindow, and reports how many. Throttling never reads them again, and an
// e-mail address with the network address it was typed from is personal data
// that has no purpose after that. The server's janitor calls it every round.
func (s *Store) DeleteOldLoginAttempts(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Where("at <= ?", s.now().Add(-LoginWindow)).Delete(&loginAttempt{})
	if res.Error != nil {
		return 0, fmt.Errorf("delete old login attempts: %w", res.Error)
	}
	return res.RowsAffected, nil
}
