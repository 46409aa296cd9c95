package models

import (
	"bytes"
	"context"
	"testing"
)

// A secret is made once and then the same for every caller; another name is
// another key.
func TestServerSecret(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	a, err := s.ServerSecret(ctx, "receipt")
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.ServerSecret(ctx, "receipt")
	if err != nil || !bytes.Equal(a, again) || len(a) != 32 {
		t.Errorf("the receipt key asked twice: %x then %x (%v); want the same 32 bytes", a, again, err)
	}
	if b, err := s.ServerSecret(ctx, "other"); err != nil || bytes.Equal(a, b) {
		t.Errorf("another name's key = %x (%v); want another key", b, err)
	}
}
