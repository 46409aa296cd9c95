package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"samspill/models"
	"samspill/models/dbtest"
)

func init() { models.BcryptCost = bcrypt.MinCost }

func TestCLI(t *testing.T) {
	t.Parallel()
	db := dbtest.DSN(t, "cli.db")
	env := func(string) string { return "" }
	runOK := func(args ...string) []string {
		t.Helper()
		var out bytes.Buffer
		if err := run(context.Background(), append(args, "--db", db), &out, env); err != nil {
			t.Fatalf("samspill %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return strings.Split(strings.TrimSpace(out.String()), "\n")
	}
	if lines := runOK("migrate"); lines[len(lines)-1] != fmt.Sprintf("schema version %d", models.LatestSchema()) {
		t.Errorf("migrate said %q", lines)
	}
	// The demo region must exist for a region role; create it as serve --demo would.
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	store.Close()

	lines := runOK("user", "add", "--email", "ny@loten.kommune.no", "--name", "Nina Ny", "--role", "municipality", "--region", "hamarregionen", "--municipality", "3412")
	password := lines[len(lines)-1]
	if len(password) < models.MinPasswordLength || strings.Contains(password, " ") {
		t.Fatalf("last line %q is not a password", password)
	}
	lines = runOK("token", "create", "--email", "ny@loten.kommune.no")
	token := lines[len(lines)-1]
	if !strings.HasPrefix(token, "sams_") {
		t.Fatalf("last line %q is not a token", token)
	}

	store, err = models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	if _, err := store.Authenticate(ctx, "ny@loten.kommune.no", password); err != nil {
		t.Errorf("the printed password does not log in: %v", err)
	}
	if u, _, err := store.UserByToken(ctx, token); err != nil || u.Email != "ny@loten.kommune.no" {
		t.Errorf("the printed token does not authenticate: %v", err)
	}

	if dbtest.Postgres() {
		return // backup is VACUUM INTO, SQLite's; PostgreSQL has pg_dump
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	runOK("backup", backup)
	// Restore into a new place, and the restored database has the user.
	restored := filepath.Join(t.TempDir(), "restored.db")
	var rout bytes.Buffer
	if err := run(context.Background(), []string{"restore", backup, "--db", restored}, &rout, env); err != nil {
		t.Fatalf("restore: %v\n%s", err, rout.String())
	}
	rs, err := models.Open(restored)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rs.UserByEmail(ctx, "ny@loten.kommune.no"); err != nil {
		t.Errorf("the restored database lacks the new user: %v", err)
	}
	rs.Close()
	// A file that is not a whole backup is refused and the target kept.
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"restore", junk, "--db", restored}, io.Discard, env); err == nil {
		t.Error("restoring from a broken file succeeded")
	}
	copyStore, err := models.Open(backup)
	if err != nil {
		t.Fatal(err)
	}
	defer copyStore.Close()
	if _, err := copyStore.UserByEmail(ctx, "ny@loten.kommune.no"); err != nil {
		t.Errorf("backup lacks the new user: %v", err)
	}
}

func TestCLIErrors(t *testing.T) {
	t.Parallel()
	db := dbtest.DSN(t, "cli.db")
	env := func(string) string { return "" }
	tests := [][]string{
		{"nonsense"},
		{"user", "add", "--email", "x@example.org", "--name", "X", "--role", "adviser", "--region", "nowhere"},
		{"user", "add", "--email", "not-an-email", "--name", "X", "--role", "admin"},
		{"user", "add", "--email", "y@example.org", "--name", "Y", "--role", "wizard", "--region", "nowhere"},
		{"token", "create", "--email", "nobody@example.org"},
		{"backup"},
		{"serve", "--no-such-flag"},
	}
	for _, args := range tests {
		var out bytes.Buffer
		if err := run(context.Background(), append(args, "--db", db), &out, env); err == nil {
			t.Errorf("samspill %s succeeded; want an error", strings.Join(args, " "))
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, &out, env); err != nil || !strings.Contains(out.String(), "samspill serve") {
		t.Errorf("--help: %v %q", err, out.String())
	}
}

func TestCLIAuditAndRetention(t *testing.T) {
	t.Parallel()
	db := dbtest.DSN(t, "cli.db")
	env := func(string) string { return "" }
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := store.LoadReferenceData(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := store.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	store.Close()
	for _, args := range [][]string{{"audit", "verify"}, {"retention", "--dry-run"}, {"retention", "--apply"}} {
		var out bytes.Buffer
		if err := run(context.Background(), append(args, "--db", db), &out, env); err != nil {
			t.Errorf("samspill %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		if out.Len() == 0 {
			t.Errorf("samspill %s printed nothing", strings.Join(args, " "))
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"retention", "--db", db}, &out, env); err == nil {
		t.Error("retention without --dry-run or --apply succeeded")
	}
}

// The dry run lists a closed enquiry of the admin queue (from a municipality
// no region serves) once the default retention period has run out, and the
// apply anonymises it.
func TestCLIRetentionOfAdminQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.DSN(t, "cli.db")
	env := func(string) string { return "" }
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
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
	// Closed long enough ago that the default period has run out by now.
	closed := time.Now().AddDate(0, -models.DefaultRetentionMonths, -2)
	store.SetClock(func() time.Time { return closed })
	e, err := store.CreateEnquiry(ctx, nil, models.Actor{}, models.NewEnquiry{Channel: "web",
		Input: models.EnquiryInput{Kommunenummer: "0301", EnquirerKind: "other", Needs: []string{"other"}, // Oslo: no region
			Description: "Vil starte kafé", Name: "Kari Kø", Email: "kari@example.org", Language: "nb"},
		Consent: models.ConsentInput{Store: true, StoreText: "Lagre", Version: "2026-1", Language: "nb"}})
	if err != nil {
		t.Fatal(err)
	}
	if e.RegionID != nil {
		t.Fatalf("the Oslo enquiry went to region %d, not the admin queue", *e.RegionID)
	}
	if _, err := store.CloseEnquiry(ctx, &models.Viewer{User: admin}, models.Actor{}, e.ID, models.CloseInput{Outcome: "guided", Version: e.Version}); err != nil {
		t.Fatal(err)
	}
	store.Close()

	var out bytes.Buffer
	if err := run(ctx, []string{"retention", "--dry-run", "--db", db}, &out, env); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), e.Reference) || !strings.Contains(out.String(), "1 closed enquiries") {
		t.Errorf("retention --dry-run does not list the queue's %s:\n%s", e.Reference, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"retention", "--apply", "--db", db}, &out, env); err != nil || !strings.Contains(out.String(), "anonymised 1 closed") {
		t.Errorf("retention --apply: %v\n%s", err, out.String())
	}
}

func TestCLIGenAndCopy(t *testing.T) {
	t.Parallel()
	db, to := dbtest.DSN(t, "gen.db"), dbtest.DSN(t, "copy.db")
	env := func(string) string { return "" }
	for _, args := range [][]string{
		{"gen", "--scale", "regional", "--seed", "2", "--enquiries", "200", "--until", "2026-11-26", "--db", db},
		{"audit", "verify", "--db", db},
		{"copy", "--db", db, "--to", to},
		{"audit", "verify", "--db", to},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, env); err != nil {
			t.Fatalf("samspill %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		if args[0] == "gen" && !strings.Contains(out.String(), "radgiver-1@mjosregionen.example") {
			t.Errorf("gen printed no log-ins:\n%s", out.String())
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"gen", "--scale", "regional", "--db", db}, &out, env); err == nil {
		t.Error("gen into a database with data succeeded")
	}
}

// The server sets its collector to GOGC=200 and a soft limit of 200 MiB, unless
// the operator chose either through the environment.
func TestTuneGC(t *testing.T) {
	percent := debug.SetGCPercent(100)
	limit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
	tests := []struct {
		name         string
		env          map[string]string
		wantPercent  int
		wantLimitMiB int64
	}{
		{"neither set", nil, serverGCPercent, serverMemoryLimit >> 20},
		{"GOGC set", map[string]string{"GOGC": "50"}, 100, serverMemoryLimit >> 20},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, serverGCPercent, 1 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// What the runtime read from the environment at start, as far as
			// this test is concerned.
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(1 << 30)
			tuneGC(func(k string) string { return tt.env[k] })
			if got := debug.SetGCPercent(100); got != tt.wantPercent {
				t.Errorf("GC percent %d; want %d", got, tt.wantPercent)
			}
			if got := debug.SetMemoryLimit(-1) >> 20; got != tt.wantLimitMiB {
				t.Errorf("memory limit %d MiB; want %d", got, tt.wantLimitMiB)
			}
		})
	}
}

// Bad command lines are refused with a message that names what is wrong, and
// change nothing: a missing database is not created (and then backed up,
// verified or cleaned as if it were the real one), a stray word does not
// swallow the flags after it, and a refused user names the flag.
func TestCLIRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "real.db")
	env := func(string) string { return "" }
	if err := run(context.Background(), []string{"migrate", "--db", db}, io.Discard, env); err != nil {
		t.Fatal(err)
	}
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	store.Close()
	missing := filepath.Join(dir, "typo.db")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"backup", filepath.Join(dir, "out.db"), "--db", missing}, "no database at"},
		{[]string{"audit", "verify", "--db", missing}, "no database at"},
		{[]string{"retention", "--dry-run", "--db", missing}, "no database at"},
		{[]string{"retention", "--apply", "--db", missing}, "no database at"},
		{[]string{"token", "create", "--email", "x@example.org", "--db", missing}, "no database at"},
		{[]string{"migrate", "extra", "--db", filepath.Join(dir, "other.db")}, `unexpected argument "extra"`},
		{[]string{"user", "add", "--email", "kari@example.org", "--name", "Kari", "Nordmann", "--role", "admin", "--db", db}, `unexpected argument "Nordmann"`},
		{[]string{"user", "add", "--email", "kari@example.org", "--name", "Kari Nordmann", "--role", "adviser", "--db", db}, "--region: the slug of the region"},
		{[]string{"user", "add", "--email", "kari@example.org", "--name", "Kari Nordmann", "--db", db}, "--role: one of admin, "},
		{[]string{"user", "add", "--email", "kari@example.org", "--name", "Kari Nordmann", "--role", "adviser", "--region", "nowhere", "--db", db}, `--region: no region with the slug "nowhere"`},
		{[]string{"user", "add", "--email", "admin@hamarregionen.example", "--name", "Ada To", "--role", "admin", "--db", db}, "--email: "},
		{[]string{"user", "add", "--email", "ny@example.org", "--name", "Ny", "--role", "king", "--region", "hamarregionen", "--db", db}, `--role: "king" is not a role; one of admin, coordinator, adviser, municipality, board, partner`},
		{[]string{"user", "add", "--email", "lang@example.org", "--name", strings.Repeat("n", 201), "--role", "admin", "--db", db}, "--name: Teksten er for lang (høyst 200 tegn)."},
		{[]string{"serve", "--intake-every", "0", "--db", db}, "intake interval 0s"},
		{[]string{"serve", "--intake-burst", "0", "--db", db}, "intake burst 0"},
		{[]string{"serve", "--session-idle", "0", "--db", db}, "session timeouts"},
		{[]string{"gen", "--enquiries", "-5", "--db", filepath.Join(dir, "gen.db")}, "--enquiries -5"},
		{[]string{"gen", "--until", "2999-01-01", "--db", filepath.Join(dir, "gen.db")}, "--until 2999-01-01"},
		{[]string{"gen", "--scale", "bogus", "--db", filepath.Join(dir, "gen.db")}, `--scale "bogus"`},
	}
	for _, c := range cases {
		err := run(context.Background(), c.args, io.Discard, env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("samspill %s: %v; want an error with %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	for _, name := range []string{"typo.db", "out.db", "other.db", "gen.db", "samspill.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("a refused command made %s", name)
		}
	}
	if code := Main([]string{"migrate", "--help"}); code != 0 {
		t.Errorf("samspill migrate --help exits %d; want 0", code)
	}
}
