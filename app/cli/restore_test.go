package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"samspill/models"
)

// samspill restore re-applies the erasures made after the backup to the
// restored database and says how many; when the database it replaces cannot
// be read it restores all the same, warns on standard error what the
// operator must do, and exits 3.
func TestCLIRestoreReappliesErasures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := func(string) string { return "" }
	db := migratedDB(t)
	dir := filepath.Dir(db)
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := run(ctx, []string{"backup", backup, "--db", db}, &bytes.Buffer{}, env); err != nil {
		t.Fatal(err)
	}
	admin, err := store.UserByEmail(ctx, "admin@hamarregionen.example")
	if err != nil {
		t.Fatal(err)
	}
	v := &models.Viewer{User: admin}
	list, _, err := store.Enquiries(ctx, v, models.EnquiryFilter{})
	if err != nil || len(list) == 0 {
		t.Fatalf("enquiries: %d, %v", len(list), err)
	}
	var erased models.Enquiry
	for _, e := range list {
		if e.Email != "" {
			erased = e
			break
		}
	}
	if n, err := store.ErasePerson(ctx, v, models.Actor{UserID: admin.ID}, models.PersonQuery{Email: erased.Email}, "Request by e-mail"); err != nil || n != 1 {
		t.Fatalf("ErasePerson = %d, %v", n, err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := run(ctx, []string{"restore", backup, "--db", db}, &out, env); err != nil {
		t.Fatalf("restore: %v\n%s", err, out.String())
	}
	for _, want := range []string{"re-applied 1 erasure", db + ".before-restore"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("restore said %q; want it to say %q", out.String(), want)
		}
	}
	rs, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rs.Enquiry(ctx, v, erased.ID)
	rs.Close()
	if err != nil || got.Email != "" || got.Name != models.Redacted {
		t.Errorf("the erased person in the restored database: %q %q (%v); want them erased", got.Name, got.Email, err)
	}

	// A broken database in the way: restored, with a warning and exit code 3.
	broken := filepath.Join(dir, "broken.db")
	if err := os.WriteFile(broken, []byte("not a database, a broken file"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(ctx, []string{"restore", backup, "--db", broken}, &out, env)
	var warning restoreWarning
	if !errors.As(err, &warning) {
		t.Fatalf("restore over a broken database: %v; want a restore warning", err)
	}
	for _, want := range []string{"could not be re-applied", "/admin/privacy", broken + ".before-restore"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the warning %q does not say %q", err, want)
		}
	}
	if !strings.Contains(out.String(), "restored "+broken) {
		t.Errorf("restore over a broken database said %q; want it restored", out.String())
	}
	if err := os.WriteFile(broken, []byte("not a database, a broken file"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := Main([]string{"restore", backup, "--db", broken}); code != 3 {
		t.Errorf("samspill restore over a broken database exits %d; want 3", code)
	}
}
