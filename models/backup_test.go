package models

import (
	"context"
	"fmt"
	"os"
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

// Restore keeps the database it replaces whole, its write-ahead log too (after
// a crash the log holds committed transactions not yet in the file), and a
// second restore keeps the first one's copy as well.
func TestRestoreKeepsTheOldDatabaseWhole(t *testing.T) {
	t.Parallel()
	skipOnPostgres(t, "restore is SQLite's")
	ctx := context.Background()
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	s, err := Open(live)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadReferenceData(ctx); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	// What follows stays in the log, as a crash may leave it: the writer
	// copies nothing into the database file from now on.
	if err := s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Exec("PRAGMA wal_autocheckpoint = 0").Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, Actor{}, UserInput{Email: "etter@backup.example", Name: "Etter Backup"}, "passord-passord", []RoleGrant{{Role: RoleAdmin}}); err != nil {
		t.Fatal(err)
	}
	// The server "crashes": its files as they are now, the log not yet
	// checkpointed into the database file.
	crashed := filepath.Join(dir, "crashed.db")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(live + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(crashed+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	hasUser := func(path string) bool {
		t.Helper()
		k, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer k.Close()
		_, err = k.UserByEmail(ctx, "etter@backup.example")
		return err == nil
	}
	for i, kept := range []string{crashed + ".before-restore", crashed + ".before-restore.2"} {
		if _, err := Restore(ctx, backup, crashed); err != nil {
			t.Fatal(err)
		}
		if hasUser(crashed) {
			t.Errorf("restore %d: the restored database has the user made after the backup", i+1)
		}
		if want := i == 0; hasUser(kept) != want {
			t.Errorf("restore %d: %s has the user made after the backup: %v; want %v", i+1, filepath.Base(kept), !want, want)
		}
	}
	if !hasUser(crashed + ".before-restore") {
		t.Error("the second restore replaced the first one's copy")
	}
	// A database deleted after a crash, its log left beside the name: the
	// restore does not let SQLite replay that log into the restored file.
	gone := filepath.Join(dir, "gone.db")
	b, err := os.ReadFile(live + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gone+"-wal", b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, backup, gone); err != nil {
		t.Fatal(err)
	}
	r, err := Open(gone)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var check string
	if err := r.rdb.Raw("PRAGMA integrity_check").Scan(&check).Error; err != nil || check != "ok" {
		t.Errorf("the database restored beside a stale log: integrity_check %q, %v", check, err)
	}
}
