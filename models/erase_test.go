package models

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// erasedPerson is an enquiry's person data in words unlike any other in the
// database, and erasedTraces what of it the files must not hold once the
// person is erased. The full-text index holds words in lower case; the files
// are searched without regard to it.
var (
	erasedPerson = EnquiryInput{
		Name: "Zyxwenka Qvornbakk", Email: "zyxwenka.qvornbakk@eksempel.example", Phone: "+47 913 57 246",
		BusinessName: "Qvornbakk Zyxbryggeri",
		Description:  "Zyxolbær-destillasjon i Qvornbakkdalen; " + strings.Repeat("Zyxlangtekst om planene for bryggeriet. ", 85),
	}
	erasedTraces = []string{"zyxwenka", "qvornbakk", "913 57 246", "91357246", "zyxbryggeri", "zyxolbær", "qvornbakkdalen", "zyxlangtekst"}
)

// registerErasedPerson registers erasedPerson's enquiry in Løten, with an
// activity naming them, and then 40 other people's enquiries, as a running
// server takes them (the search index merges its segments meanwhile).
func registerErasedPerson(t *testing.T, f *enquiryFixture, when time.Time) *Enquiry {
	t.Helper()
	ctx := context.Background()
	in := sampleInput("3412")
	in.Name, in.Email, in.Phone, in.BusinessName, in.Description = erasedPerson.Name, erasedPerson.Email, erasedPerson.Phone, erasedPerson.BusinessName, erasedPerson.Description
	e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.AddActivity(ctx, f.adviser, Actor{}, e.ID, ActivityInput{Kind: "call", OccurredOn: when, Text: "Ringte Zyxwenka om Qvornbakk Zyxbryggeri"}); err != nil {
		t.Fatal(err)
	}
	for range 40 {
		f.webEnquiry(t, "3412")
	}
	if list, _, err := f.s.Enquiries(ctx, f.admin, EnquiryFilter{Q: "Qvornbakk"}); err != nil || len(list) != 1 {
		t.Fatalf("the search found %d for the person before the erasure (%v)", len(list), err)
	}
	return e
}

// TestErasedPersonLeavesNoTraceInTheFiles: once a person is erased on
// request, or their closed case anonymised after the retention period, their
// name, e-mail, phone, business and description are gone from the database's
// files themselves, not only from its rows: from the database file, from its
// write-ahead log, and from a backup taken afterwards, while the server keeps
// running. SQLite keeps deleted bytes in freed pages and in the free space
// of pages, the full-text index keeps a deleted document's words in its
// older segments until they are merged, and the log keeps old page images.
func TestErasedPersonLeavesNoTraceInTheFiles(t *testing.T) {
	skipOnPostgres(t, "the files are SQLite's; PostgreSQL's dead rows wait for VACUUM (README)")
	t.Parallel()
	tests := []struct {
		name  string
		erase func(t *testing.T, f *enquiryFixture, e *Enquiry, clock *time.Time)
	}{
		{"erasure on request", func(t *testing.T, f *enquiryFixture, e *Enquiry, _ *time.Time) {
			n, err := f.s.ErasePerson(context.Background(), f.admin, Actor{UserID: f.admin.User.ID}, PersonQuery{Email: erasedPerson.Email}, "Request by letter")
			if err != nil || n != 1 {
				t.Fatalf("ErasePerson = %d (%v)", n, err)
			}
		}},
		{"retention", func(t *testing.T, f *enquiryFixture, e *Enquiry, clock *time.Time) {
			ctx := context.Background()
			cur, err := f.s.Enquiry(ctx, f.adviser, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, e.ID, CloseInput{Outcome: "guided", Version: cur.Version}); err != nil {
				t.Fatal(err)
			}
			*clock = clock.AddDate(0, DefaultRetentionMonths+1, 0)
			if n, err := f.s.ApplyRetention(ctx); err != nil || n != 1 {
				t.Fatalf("ApplyRetention = %d (%v)", n, err)
			}
		}},
		{"erasure while enquiries come in and are searched", func(t *testing.T, f *enquiryFixture, e *Enquiry, _ *time.Time) {
			// Through the group commit, several writes to a transaction, and
			// the read pool reading meanwhile: the checkpoint waits for both.
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make(chan error, 100)
			for range 4 {
				wg.Go(func() {
					for range 10 {
						_, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3412"), Consent: consent(), Channel: "web"})
						errs <- err
					}
				})
			}
			wg.Go(func() {
				for range 20 {
					_, _, err := f.s.Enquiries(ctx, f.admin, EnquiryFilter{Q: "Nordmann"})
					errs <- err
				}
			})
			n, err := f.s.ErasePerson(ctx, f.admin, Actor{UserID: f.admin.User.ID}, PersonQuery{Email: erasedPerson.Email}, "Request by letter")
			wg.Wait()
			close(errs)
			if err != nil || n != 1 {
				t.Fatalf("ErasePerson = %d (%v)", n, err)
			}
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			// Whatever came in at the same time is kept.
			if got := count(t, f.s, "enquiries"); got != 1+40+40 {
				t.Errorf("%d enquiries; want 81", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newEnquiryFixture(t)
			ctx := context.Background()
			clock := time.Date(2026, 3, 2, 10, 0, 0, 0, Oslo)
			f.s.SetClock(func() time.Time { return clock.UTC() })
			e := registerErasedPerson(t, f, clock)
			// The log's pages are copied into the database file as a running
			// server does now and then, so both hold the person to begin with.
			if err := f.s.db.Exec("PRAGMA wal_checkpoint(PASSIVE)").Error; err != nil {
				t.Fatal(err)
			}
			if found := tracesIn(t, f.s.file, erasedTraces); len(found) == 0 {
				t.Fatal("the test's words are not in the database file before the erasure: the test finds nothing")
			}

			tt.erase(t, f, e, &clock)

			if list, _, _ := f.s.Enquiries(ctx, f.admin, EnquiryFilter{Q: "Qvornbakk"}); len(list) != 0 {
				t.Errorf("the search still finds the person: %d hits", len(list))
			}
			// The server keeps running (the store stays open): the files
			// as they are now, then after the checkpoint a running server
			// makes by itself sooner or later.
			for _, when := range []string{"after the erasure", "after a later checkpoint"} {
				for _, file := range []string{f.s.file, f.s.file + "-wal"} {
					if found := tracesIn(t, file, erasedTraces); len(found) > 0 {
						t.Errorf("%s, %s holds %q", when, filepath.Base(file), found)
					}
				}
				if err := f.s.db.Exec("PRAGMA wal_checkpoint(PASSIVE)").Error; err != nil {
					t.Fatal(err)
				}
			}
			backup := filepath.Join(t.TempDir(), "backup.db")
			if err := f.s.Backup(ctx, backup); err != nil {
				t.Fatal(err)
			}
			if found := tracesIn(t, backup, erasedTraces); len(found) > 0 {
				t.Errorf("a backup taken after the erasure holds %q", found)
			}
			// The search still finds the others.
			if list, _, err := f.s.Enquiries(ctx, f.admin, EnquiryFilter{Q: "Nordmann"}); err != nil || len(list) < 40 {
				t.Errorf("the search finds %d of the others (%v)", len(list), err)
			}
		})
	}
}

// A backup taken before a person was erased holds them; the restore
// re-applies their erasure (TestRestoreReappliesErasures), and then the
// restored database's files do not hold them either: not in its search
// index's old segments, which the backup copied as they were.
func TestRestoreLeavesNoTraceOfTheErasedInTheFiles(t *testing.T) {
	skipOnPostgres(t, "restore is SQLite's")
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	registerErasedPerson(t, f, time.Now())
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := f.s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if found := tracesIn(t, backup, erasedTraces); len(found) == 0 {
		t.Fatal("the backup does not hold the person: the test finds nothing")
	}
	if n, err := f.s.ErasePerson(ctx, f.admin, Actor{UserID: f.admin.User.ID}, PersonQuery{Email: erasedPerson.Email}, "Request by letter"); err != nil || n != 1 {
		t.Fatalf("ErasePerson = %d (%v)", n, err)
	}
	if err := f.s.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := Restore(ctx, backup, f.s.file)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reapplied != 1 || res.Warning != nil {
		t.Fatalf("Restore re-applied %d (warning %v); want 1", res.Reapplied, res.Warning)
	}
	for _, file := range []string{f.s.file, f.s.file + "-wal"} {
		if found := tracesIn(t, file, erasedTraces); len(found) > 0 {
			t.Errorf("the restored %s holds %q", filepath.Base(file), found)
		}
	}
}

// tracesIn lists the words of traces that the file at path holds, in any
// case; a file that does not exist holds none.
func tracesIn(t *testing.T, path string, traces []string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ToLower(b)
	var found []string
	for _, w := range traces {
		if bytes.Contains(b, []byte(strings.ToLower(w))) {
			found = append(found, w)
		}
	}
	return found
}

// holdLog begins a read of s's file through its read pool, as a long export
// does, which holds the checkpoint of the write-ahead log up until release
// ends it; and lowers the writer's wait for readers to a tenth of a second.
func holdLog(t *testing.T, s *Store) (release func()) {
	t.Helper()
	ctx := context.Background()
	if err := s.db.Exec("PRAGMA busy_timeout = 100").Error; err != nil {
		t.Fatal(err)
	}
	readers, err := s.rdb.DB()
	if err != nil {
		t.Fatal(err)
	}
	export, err := readers.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { export.Close() })
	if _, err := export.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := export.QueryRowContext(ctx, "SELECT COUNT(*) FROM enquiries").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if _, err := export.ExecContext(ctx, "COMMIT"); err != nil {
			t.Fatal(err)
		}
	}
}

// A read of older pages that lasts (a long export) holds the checkpoint up:
// the erasure stands and says so (ErrForgetPending), and the janitor's next
// round (ForgetErased) finishes once the read is over.
func TestErasureFinishedLaterWhenTheLogIsHeldUp(t *testing.T) {
	skipOnPostgres(t, "the files are SQLite's")
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	e := registerErasedPerson(t, f, time.Now())
	release := holdLog(t, f.s)

	erased, err := f.s.ErasePerson(ctx, f.admin, Actor{UserID: f.admin.User.ID}, PersonQuery{Email: erasedPerson.Email}, "Request by letter")
	if !errors.Is(err, ErrForgetPending) || erased != 1 {
		t.Fatalf("ErasePerson with the log held = %d (%v); want 1 and ErrForgetPending", erased, err)
	}
	if got, _ := f.s.Enquiry(ctx, f.admin, e.ID); got.Name != Redacted {
		t.Errorf("the erasure did not stand: %q", got.Name)
	}
	if err := f.s.ForgetErased(ctx); !errors.Is(err, ErrForgetPending) {
		t.Errorf("ForgetErased with the log still held = %v; want ErrForgetPending", err)
	}

	release()
	if err := f.s.ForgetErased(ctx); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{f.s.file, f.s.file + "-wal"} {
		if found := tracesIn(t, file, erasedTraces); len(found) > 0 {
			t.Errorf("%s holds %q", filepath.Base(file), found)
		}
	}
	if due, err := f.s.forgetDue(ctx); err != nil || due {
		t.Errorf("still due after it was done (%v)", err)
	}
}

// A clean-up held up in one process is finished by another: samspill
// retention --apply (or an erasure by a server that then stops) leaves it to
// the running server's janitor, or to the next start's. Before, only the
// process that failed knew it was due, and the server's ForgetErased did
// nothing: the person stayed in the files until some later erasure.
func TestErasureFinishedByAnotherProcess(t *testing.T) {
	skipOnPostgres(t, "the files are SQLite's")
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	registerErasedPerson(t, f, time.Now())
	server, err := Open(f.s.file)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if err := server.ForgetErased(ctx); err != nil { // nothing due yet
		t.Fatal(err)
	}
	release := holdLog(t, f.s)
	if _, err := f.s.ErasePerson(ctx, f.admin, Actor{UserID: f.admin.User.ID}, PersonQuery{Email: erasedPerson.Email}, "Request by letter"); !errors.Is(err, ErrForgetPending) {
		t.Fatalf("ErasePerson with the log held: %v; want ErrForgetPending", err)
	}
	release()
	if err := server.ForgetErased(ctx); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{f.s.file, f.s.file + "-wal"} {
		if found := tracesIn(t, file, erasedTraces); len(found) > 0 {
			t.Errorf("after the server's round %s holds %q", filepath.Base(file), found)
		}
	}
	if due, err := server.forgetDue(ctx); err != nil || due {
		t.Errorf("still due after the server did it (%v)", err)
	}
}

// A restore whose re-applied erasures' clean-up from the restored file a read
// holds up says that, not that the erasures were not re-applied: they were,
// and the server's janitor finishes the clean-up (at its start). Before, the
// warning was "erasures made after the backup could not be re-applied", and
// samspill restore told the operator to erase everyone again by hand.
func TestRestoreSaysWhenOnlyTheCleanUpIsPending(t *testing.T) {
	skipOnPostgres(t, "restore is SQLite's")
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	e := registerErasedPerson(t, f, time.Now())
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := f.s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if n, err := f.s.ErasePerson(ctx, f.admin, Actor{UserID: f.admin.User.ID}, PersonQuery{Email: erasedPerson.Email}, "Request by letter"); err != nil || n != 1 {
		t.Fatalf("ErasePerson = %d (%v)", n, err)
	}
	if err := f.s.Close(); err != nil {
		t.Fatal(err)
	}
	var release func()
	held := func(path string) (*Store, error) { // a long read of the restored file
		s, err := Open(path)
		if err == nil {
			release = holdLog(t, s)
		}
		return s, err
	}
	res, err := restore(ctx, backup, f.s.file, held)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reapplied != 1 || !errors.Is(res.Warning, ErrForgetPending) || errors.Is(res.Warning, ErrErasuresNotReapplied) {
		t.Fatalf("Restore with the restored file's log held: re-applied %d, warning %v; want 1, and that only the clean-up is pending", res.Reapplied, res.Warning)
	}
	release()

	server, err := Open(f.s.file)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if got, err := server.Enquiry(ctx, f.admin, e.ID); err != nil || got.Name != Redacted {
		t.Errorf("the re-applied erasure did not stand: %q (%v)", got.Name, err)
	}
	if err := server.ForgetErased(ctx); err != nil { // the janitor's first round
		t.Fatal(err)
	}
	for _, file := range []string{f.s.file, f.s.file + "-wal"} {
		if found := tracesIn(t, file, erasedTraces); len(found) > 0 {
			t.Errorf("the restored %s holds %q after the server's round", filepath.Base(file), found)
		}
	}
}
