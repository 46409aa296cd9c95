package models

import (
	"context"
	"testing"
	"time"
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
	if _, blocked, err := s.LoginBlockedUntil(ctx, "ny@example.org", "192.0.2.9"); err != nil || !blocked {
		t.Errorf("the recent failures no longer throttle: blocked %v (%v)", blocked, err)
	}
	if n, err := s.DeleteOldLoginAttempts(ctx); err != nil || n != 0 {
		t.Errorf("a second run deleted %d (%v); want 0", n, err)
	}
}

// A failed log-in takes as long for an unknown e-mail as for a known one, so
// that the time of the answer does not tell which addresses have accounts.
// Not parallel: it raises BcryptCost, which every other test keeps at the
// minimum, and parallel tests start only after this one has ended.
func TestUnknownEmailTakesAsLongAsWrongPassword(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	defer func(cost int) { BcryptCost = cost }(BcryptCost)
	BcryptCost = 10 // 64 times the minimum's work: far apart if the two differ
	if _, err := s.CreateUser(ctx, Actor{}, UserInput{Email: "kjent@example.org", Name: "Kjent"}, "riktig-passord-1", nil); err != nil {
		t.Fatal(err)
	}
	fastest := func(email string) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			if _, err := s.Authenticate(ctx, email, "feil-passord-1"); err == nil {
				t.Fatalf("log-in as %s with a wrong password succeeded", email)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	known, unknown := fastest("kjent@example.org"), fastest("ukjent@example.org")
	if unknown < known/2 {
		t.Errorf("a wrong password for an unknown e-mail took %v, for a known one %v; want about the same", unknown, known)
	}
}
