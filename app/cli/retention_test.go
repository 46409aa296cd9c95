package cli

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the test's own reader of the file, as another process's

	"samspill/models"
)

// samspill retention --apply beside a running server whose reads hold the
// write-ahead log's checkpoint up: the anonymisations stand, it tries the
// clean-up of the files again a few times, and if the read still holds it
// says that the server's janitor finishes it and exits 4; the server's next
// round then does. Before, it exited 1 with the bare error, as if retention
// had failed, and the server never tried again.
func TestCLIRetentionWhileTheLogIsHeld(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name        string
		releaseAt   int // the pause at which the long read ends; 0: it does not
		wantPending bool
	}{
		{"the read ends while it tries again", 1, false},
		{"the read lasts", 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := filepath.Join(t.TempDir(), "cli.db")
			e, admin := closedPastRetention(t, db)

			// The server's long read, in a process of its own.
			reader, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
			if err != nil {
				t.Fatal(err)
			}
			defer reader.Close()
			export, err := reader.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer export.Close()
			if _, err := export.ExecContext(ctx, "BEGIN"); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := export.QueryRowContext(ctx, "SELECT COUNT(*) FROM enquiries").Scan(&n); err != nil {
				t.Fatal(err)
			}
			release := func() {
				if _, err := export.ExecContext(ctx, "COMMIT"); err != nil {
					t.Fatal(err)
				}
			}

			store, err := models.Open(db)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			if err := store.SetBusyTimeout(100 * time.Millisecond); err != nil {
				t.Fatal(err)
			}
			pauses := 0
			tries := forgetTries{waits: []time.Duration{time.Second, 3 * time.Second}, sleep: func(_ context.Context, d time.Duration) error {
				pauses++
				if pauses == tt.releaseAt {
					release()
				}
				return nil
			}}
			var out bytes.Buffer
			err = retentionApply(ctx, store, &out, tries)
			if !strings.Contains(out.String(), "anonymised 1 closed enquiries") {
				t.Errorf("retention --apply said %q", out.String())
			}
			got, gerr := store.Enquiry(ctx, admin, e.ID)
			if gerr != nil || got.AnonymisedAt == nil {
				t.Errorf("the anonymisation did not stand: %v %v", got.AnonymisedAt, gerr)
			}
			if !tt.wantPending {
				if err != nil || exitCode(err) != 0 {
					t.Fatalf("retention --apply with the read ending meanwhile: %v (exit %d); want done", err, exitCode(err))
				}
				return
			}
			if pauses != len(tries.waits) {
				t.Errorf("it paused %d times before giving up; want %d", pauses, len(tries.waits))
			}
			if !errors.Is(err, models.ErrForgetPending) || exitCode(err) != 4 {
				t.Fatalf("retention --apply with the read lasting: %v (exit %d); want the clean-up pending, exit 4", err, exitCode(err))
			}
			for _, want := range []string{"anonymised 1 closed enquiries", "janitor", "Nothing needs to be run again"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the message %q does not say %q", err, want)
				}
			}
			store.Close()

			// The server's janitor, once the read is over.
			release()
			server, err := models.Open(db)
			if err != nil {
				t.Fatal(err)
			}
			defer server.Close()
			if err := server.ForgetErased(ctx); err != nil {
				t.Fatal(err)
			}
			for _, file := range []string{db, db + "-wal"} {
				if b, err := os.ReadFile(file); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				} else if bytes.Contains(bytes.ToLower(b), []byte("zyxkari")) {
					t.Errorf("after the server's round %s still holds the name", filepath.Base(file))
				}
			}
		})
	}
}

// closedPastRetention makes the SQLite database db with one closed enquiry
// of the admin queue whose retention period has ended.
func closedPastRetention(t *testing.T, db string) (*models.Enquiry, *models.Viewer) {
	t.Helper()
	ctx := context.Background()
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.LoadReferenceData(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.EnsureAdmin(ctx, "admin@example.org"); err != nil {
		t.Fatal(err)
	}
	admin, err := store.UserByEmail(ctx, "admin@example.org")
	if err != nil {
		t.Fatal(err)
	}
	closed := time.Now().AddDate(0, -models.DefaultRetentionMonths, -2)
	store.SetClock(func() time.Time { return closed })
	e, err := store.CreateEnquiry(ctx, nil, models.Actor{}, models.NewEnquiry{Channel: "web",
		Input: models.EnquiryInput{Kommunenummer: "0301", EnquirerKind: "other", Needs: []string{"other"},
			Description: "Vil starte kafé", Name: "Zyxkari Kø", Email: "zyxkari@example.org", Language: "nb"},
		Consent: models.ConsentInput{Store: true, StoreText: "Lagre", Version: "2026-1", Language: "nb"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CloseEnquiry(ctx, &models.Viewer{User: admin}, models.Actor{}, e.ID, models.CloseInput{Outcome: "guided", Version: e.Version}); err != nil {
		t.Fatal(err)
	}
	return e, &models.Viewer{User: admin}
}
