package models

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// TestBackupUnderLoad takes a backup while enquiries are being written. The copy
// opens, passes integrity_check, and holds every enquiry acknowledged before
// the backup started.
func TestBackupUnderLoad(t *testing.T) {
	t.Parallel()
	skipOnPostgres(t, "VACUUM INTO is SQLite's backup; PostgreSQL has pg_dump")
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.loadDemoUsers(ctx); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var writers sync.WaitGroup
	var failed atomic.Int64
	for w := 0; w < 4; w++ {
		writers.Add(1)
		go func(w int) {
			defer writers.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				in := sampleInput("3412")
				in.Description = fmt.Sprintf("writer %d enquiry %d", w, i)
				e, err := s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "web"})
				if err != nil {
					failed.Add(1)
					continue
				}
				mu.Lock()
				acked = append(acked, e.Reference)
				mu.Unlock()
			}
		}(w)
	}
	// Let some writes land, then back up while the writers go on.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 40 {
			break
		}
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	close(stop)
	writers.Wait()
	if failed.Load() > 0 {
		t.Errorf("%d writes failed during the backup", failed.Load())
	}
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var check string
	if err := b.rdb.Raw("PRAGMA integrity_check").Scan(&check).Error; err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q (%v)", check, err)
	}
	var fk []map[string]any
	if err := b.rdb.Raw("PRAGMA foreign_key_check").Scan(&fk).Error; err != nil || len(fk) != 0 {
		t.Errorf("foreign_key_check = %v (%v)", fk, err)
	}
	var refs []string
	if err := b.rdb.Model(&Enquiry{}).Pluck("reference", &refs).Error; err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, r := range refs {
		have[r] = true
	}
	for _, r := range before {
		if !have[r] {
			t.Errorf("backup lacks %s, acknowledged before the backup started", r)
		}
	}
	if _, err := b.VerifyAudit(ctx); err != nil {
		t.Errorf("the backup's audit chain: %v", err)
	}
}
