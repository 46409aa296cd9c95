package models

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// restoreFixture is a live database with the demo's data at dir/live.db and a
// backup of it taken before anything below happens.
func restoreFixture(t *testing.T) (s *Store, live, backup string) {
	t.Helper()
	skipOnPostgres(t, "restore is SQLite's")
	ctx := context.Background()
	dir := t.TempDir()
	live = filepath.Join(dir, "live.db")
	s, err := Open(live)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadReferenceData(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	backup = filepath.Join(dir, "backup.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	return s, live, backup
}

func personOf(t *testing.T, path string, id int64) Enquiry {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var e Enquiry
	if err := s.rdb.First(&e, id).Error; err != nil {
		t.Fatal(err)
	}
	return e
}

// A person erased, and a closed enquiry anonymised by retention, after the
// backup was taken stay so in the database restored from it: the restore
// re-applies what the replaced database's audit log records after the
// backup's last entry, and audits each re-application.
func TestRestoreReappliesErasures(t *testing.T) {
	t.Parallel()
	s, live, backup := restoreFixture(t)
	ctx := context.Background()
	admin, err := s.UserByEmail(ctx, "admin@hamarregionen.example")
	if err != nil {
		t.Fatal(err)
	}
	var person Enquiry
	if err := s.rdb.Where("status <> 'closed' AND email <> ''").Order("id").First(&person).Error; err != nil {
		t.Fatal(err)
	}
	if n, err := s.ErasePerson(ctx, &Viewer{User: admin}, Actor{UserID: admin.ID}, PersonQuery{Email: person.Email}, "Request by e-mail"); err != nil || n == 0 {
		t.Fatalf("ErasePerson = %d, %v", n, err)
	}
	s.SetClock(func() time.Time { return time.Now().AddDate(10, 0, 0) })
	if n, err := s.ApplyRetention(ctx); err != nil || n == 0 {
		t.Fatalf("ApplyRetention = %d, %v", n, err)
	}
	var gone []Enquiry
	if err := s.rdb.Where("anonymised_at IS NOT NULL").Order("id").Find(&gone).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	res, err := Restore(ctx, backup, live)
	if err != nil {
		t.Fatal(err)
	}
	if res.Warning != nil {
		t.Errorf("restore warned: %v", res.Warning)
	}
	if res.Reapplied != len(gone) {
		t.Errorf("re-applied %d; want %d", res.Reapplied, len(gone))
	}
	if res.Kept != live+".before-restore" {
		t.Errorf("kept %q; want %q", res.Kept, live+".before-restore")
	}
	for _, e := range gone {
		if got := personOf(t, live, e.ID); got.Name != Redacted || got.Email != "" || got.Phone != "" || got.AnonymisedAt == nil {
			t.Errorf("enquiry %d in the restored database: %q %q %q, anonymised %v; want it anonymised", e.ID, got.Name, got.Email, got.Phone, got.AnonymisedAt)
		}
	}
	r, err := Open(live)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.VerifyAudit(ctx); err != nil {
		t.Errorf("the restored database's audit chain: %v", err)
	}
	var entries []AuditEntry
	if err := r.rdb.Where("detail LIKE 'reapplied after restore: %'").Order("seq").Find(&entries).Error; err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(gone) {
		t.Fatalf("%d entries of re-application; want %d", len(entries), len(gone))
	}
	for _, e := range entries {
		if e.Action == "erase" && e.Detail != "reapplied after restore: entry="+itoa(firstErasure(t, res.Kept, e.ObjectID))+" reason: Request by e-mail" {
			t.Errorf("the re-applied erasure's entry: %q", e.Detail)
		}
		if e.Action == "anonymise" && !strings.HasSuffix(e.Detail, " retention period ended") {
			t.Errorf("the re-applied anonymisation's entry: %q", e.Detail)
		}
	}
}

// firstErasure is the sequence number of the erasure of enquiry id in the
// log of the database at path.
func firstErasure(t *testing.T, path, id string) int64 {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var e AuditEntry
	if err := s.rdb.Where("action = 'erase' AND object = 'enquiry' AND object_id = ?", id).Order("seq").First(&e).Error; err != nil {
		t.Fatal(err)
	}
	return e.Seq
}

// When the database being replaced cannot be read, is another database's
// (its audit log does not continue the backup's), or has a log changed after
// the backup, the restore still restores but re-applies nothing and says
// that erasures made after the backup could not be re-applied. Restoring where there is no database yet, or one with
// no erasure in its log (made by a first start), is no cause for a warning.
func TestRestoreWarnsWhenErasuresCannotBeReapplied(t *testing.T) {
	t.Parallel()
	s, live, backup := restoreFixture(t)
	ctx := context.Background()
	dir := filepath.Dir(live)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.db")
	if err := os.WriteFile(broken, []byte("not a database at all, but a broken file of some length"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Another installation's database, with an erasure of an enquiry whose
	// id the backup holds too: it must not be re-applied there.
	other, _, _ := restoreFixture(t)
	admin, err := other.UserByEmail(ctx, "admin@hamarregionen.example")
	if err != nil {
		t.Fatal(err)
	}
	var person Enquiry
	if err := other.rdb.Where("email <> ''").Order("id").First(&person).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := other.ErasePerson(ctx, &Viewer{User: admin}, Actor{UserID: admin.ID}, PersonQuery{Email: person.Email}, "Request"); err != nil {
		t.Fatal(err)
	}
	otherPath := filepath.Join(dir, "other.db")
	if err := other.Backup(ctx, otherPath); err != nil {
		t.Fatal(err)
	}
	// This database's own later state, but with an entry changed after the
	// backup: its entries are not to be trusted, the erasure among them.
	changed := filepath.Join(dir, "changed.db")
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	c, err := Open(live)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ErasePerson(ctx, &Viewer{User: admin}, Actor{UserID: admin.ID}, PersonQuery{Email: person.Email}, "Request"); err != nil {
		t.Fatal(err)
	}
	if err := c.db.Exec(dropAuditTrigger(c, "audit_log_no_update")).Error; err != nil {
		t.Fatal(err)
	}
	if err := c.db.Exec("UPDATE audit_log SET ip = '10.0.0.1' WHERE seq = (SELECT MAX(seq) FROM audit_log)").Error; err != nil {
		t.Fatal(err)
	}
	if err := c.Backup(ctx, changed); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	// A database made by a first start before the restore: its log holds
	// no erasure, so there is nothing it could miss, whatever its lineage.
	fresh := filepath.Join(dir, "fresh.db")
	f, err := Open(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.LoadReferenceData(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.loadDemoUsers(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name, target string
		warn         bool
	}{
		{"broken", broken, true},
		{"another lineage", otherPath, true},
		{"its log changed after the backup", changed, true},
		{"no database yet", filepath.Join(dir, "new.db"), false},
		{"a first start's database, no erasure in it", fresh, false},
		{"an empty file", empty, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Restore(ctx, backup, tt.target)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Warning != nil; got != tt.warn {
				t.Errorf("warning %v; want one: %t", res.Warning, tt.warn)
			}
			if tt.warn && !errors.Is(res.Warning, ErrErasuresNotReapplied) {
				t.Errorf("warning %v; want it to wrap ErrErasuresNotReapplied", res.Warning)
			}
			if res.Reapplied != 0 {
				t.Errorf("re-applied %d; want 0", res.Reapplied)
			}
			if got := personOf(t, tt.target, person.ID); got.AnonymisedAt != nil {
				t.Errorf("enquiry %d anonymised in the restored database after another database's erasure", person.ID)
			}
		})
	}
}
