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

// Login throttling counts the failed attempts within LoginWindow three ways,
// and refuses further attempts until the oldest counted failure falls out of
// the window:
//   - for one account from one address (an IPv6 /64): LoginMaxFailures, the
//     guessing at one password;
//   - from one address on any accounts: LoginMaxAddressFailures, the trying
//     of one password on many accounts (higher, as a town hall's staff log
//     in from one address: five colleagues' typos locked the whole office);
//   - for one account from any addresses: LoginMaxAccountFailures, only
//     reached from many addresses (each stops at LoginMaxFailures).
//
// The account's own limit is ten times higher because it is the one that
// locks out the account's owner too: at five, anyone anywhere could keep an
// account (and its password change) locked with five wrong passwords every
// quarter of an hour, while its owner, at another address, has made none.
const (
	LoginMaxFailures        = 5
	LoginMaxAddressFailures = 20
	LoginMaxAccountFailures = 50
	LoginWindow             = 15 * time.Minute
)

// LoginBlockedUntil tells whether log-in for email from ip is throttled, and until when.
func (s *Store) LoginBlockedUntil(ctx context.Context, email, ip string) (time.Time, bool, error) {
	return s.blockedUntil(s.read(ctx), email, ip, 0)
}

// blockedUntil is LoginBlockedUntil, leaving the attempt with id except out.
func (s *Store) blockedUntil(db *gorm.DB, email, ip string, except int64) (time.Time, bool, error) {
	since := s.now().Add(-LoginWindow)
	email = normaliseEmail(email)
	for _, by := range []struct {
		where string
		args  []any
		max   int
	}{
		{"email = ? AND ip = ?", []any{email, ip}, LoginMaxFailures},
		{"ip = ?", []any{ip}, LoginMaxAddressFailures},
		{"email = ?", []any{email}, LoginMaxAccountFailures},
	} {
		var times []time.Time
		err := db.Model(&loginAttempt{}).Where(by.where, by.args...).Where("succeeded = ? AND at > ? AND id <> ?", false, since, except).
			Order("at DESC").Limit(by.max).Pluck("at", &times).Error
		if err != nil {
			return time.Time{}, false, fmt.Errorf("login attempts: %w", err)
		}
		if len(times) >= by.max {
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

// RecordLogin stores a log-in attempt. A success clears the account's failures
// from the same address, so the real user is not locked out by earlier typos;
// failures from other addresses stay, else whoever guesses elsewhere would
// get a fresh five each time the owner logs in.
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
		return db.Where("email = ? AND ip = ? AND succeeded = ?", email, ip, false).Delete(&loginAttempt{}).Error
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
