package models

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Log-in attempts are kept only as long as throttling reads them: older ones
// go, newer ones stay and still throttle.
func TestDeleteOldLoginAttempts(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := start
	s.SetClock(func() time.Time { return clock })
	record := func(email, ip string, ok bool) {
		t.Helper()
		if err := s.RecordLogin(ctx, email, ip, ok); err != nil {
			t.Fatal(err)
		}
	}
	record("gammel@example.org", "192.0.2.1", false)
	record("annen@example.org", "192.0.2.1", true) // successes are kept too, and go as well
	clock = start.Add(LoginWindow - time.Minute)
	for range LoginMaxFailures {
		record("ny@example.org", "192.0.2.2", false)
	}
	clock = start.Add(LoginWindow + time.Second)
	n, err := s.DeleteOldLoginAttempts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("deleted %d attempts; want the 2 outside the window", n)
	}
	if got := count(t, s, "login_attempts"); got != LoginMaxFailures {
		t.Errorf("%d attempts left; want the %d inside the window", got, LoginMaxFailures)
	}
	if _, blocked, err := s.LoginBlockedUntil(ctx, "ny@example.org", "192.0.2.2"); err != nil || !blocked {
		t.Errorf("the recent failures no longer throttle: blocked %v (%v)", blocked, err)
	}
	if n, err := s.DeleteOldLoginAttempts(ctx); err != nil || n != 0 {
		t.Errorf("a second run deleted %d (%v); want 0", n, err)
	}
}

// A failed log-in for an unknown e-mail does the work of a known one's: its
// password is checked against a hash at the accounts' cost, so that the
// answer's time does not tell which addresses have accounts. (The dummy hash
// was at bcrypt's minimum cost, 250 times faster at the production cost.)
// Checked by the hash's cost, not by timing, which a busy machine upsets.
// Not parallel: it changes BcryptCost, which every other test keeps at the
// minimum.
func TestUnknownEmailCheckedAtTheAccountsCost(t *testing.T) {
	defer func(cost int) { BcryptCost = cost }(BcryptCost)
	for _, cost := range []int{12, 10, bcrypt.MinCost} {
		BcryptCost = cost
		if got, err := bcrypt.Cost(dummyHash()); err != nil || got != cost {
			t.Errorf("with BcryptCost %d, an unknown e-mail is checked against a hash of cost %d (%v)", cost, got, err)
		}
	}
}
