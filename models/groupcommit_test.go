package models

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"gorm.io/gorm"
)

// Concurrent writes share commits, and each still succeeds or fails on its
// own: a refused write changes nothing and takes nobody else down, a panic is
// an error for its caller alone, and the audit chain holds.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	const writers = 60
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			switch {
			case i%10 == 9: // a write that panics: on PostgreSQL the panic reaches the caller, as in any transaction
				defer func() {
					if p := recover(); p != nil {
						errs[i] = fmt.Errorf("panic: %v", p)
					}
				}()
				errs[i] = s.inTx(ctx, func(tx *gorm.DB) error {
					if err := tx.Exec("UPDATE counters SET value = value + 1000 WHERE name = 'roles_version'").Error; err != nil {
						return err
					}
					panic("boom")
				})
			default: // every other pair shares a name: one of them is refused
				_, errs[i] = s.CreatePartner(ctx, Actor{}, PartnerInput{Name: fmt.Sprintf("Partner %d", i/2), Kind: "local"})
			}
		}(i)
	}
	wg.Wait()
	refused, panicked := 0, 0
	for i, err := range errs {
		var ve *ValidationError
		switch {
		case i%10 == 9:
			if err == nil {
				t.Errorf("write %d panicked and succeeded", i)
			}
			panicked++
		case errors.As(err, &ve):
			refused++
		case err != nil:
			t.Errorf("write %d: %v", i, err)
		}
	}
	names := map[string]bool{}
	for i := 0; i < writers; i++ {
		if i%10 != 9 {
			names[fmt.Sprintf("Partner %d", i/2)] = true
		}
	}
	var n int64
	if err := s.rdb.Model(&Partner{}).Where("name LIKE 'Partner %'").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if int(n) != len(names) || refused != writers-panicked-len(names) {
		t.Errorf("%d partners and %d refused; want %d and %d", n, refused, len(names), writers-panicked-len(names))
	}
	var version int64
	s.rdb.Raw("SELECT value FROM counters WHERE name = 'roles_version'").Scan(&version)
	if version >= 1000 {
		t.Errorf("a write that panicked was committed: roles_version %d", version)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}
