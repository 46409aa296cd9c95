package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"samspill/app"
	"samspill/models"
)

// migratedDB makes a migrated SQLite database in a temporary directory.
func migratedDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "samspill.db")
	if err := run(context.Background(), []string{"migrate", "--db", db}, io.Discard, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	return db
}

// `samspill backup FILE` and `samspill restore FILE` as the README writes
// them, the database named by SAMSPILL_DB, and with --db before the file.
func TestCLIBackupFileAlone(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	dir := t.TempDir()
	env := func(k string) string {
		if k == "SAMSPILL_DB" {
			return db
		}
		return ""
	}
	for _, args := range [][]string{
		{"backup", filepath.Join(dir, "a.db")},
		{"backup", "--db", db, filepath.Join(dir, "b.db")},
		{"restore", filepath.Join(dir, "a.db")},
		{"restore", "--db", db, filepath.Join(dir, "b.db")},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, env); err != nil {
			t.Errorf("samspill %s: %v", strings.Join(args, " "), err)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", filepath.Join(dir, "c.db"), "extra"}, &out, env); err == nil {
		t.Error("samspill backup FILE extra succeeded")
	}
}

// A database migrated by a newer samspill (after rolling the program back) is
// refused by every command that would use it with this program's schema: the
// tables may have changed under it.
func TestCLINewerSchema(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, models.LatestSchema()+1, time.Now()); err != nil {
		t.Fatal(err)
	}
	store.Close()
	env := func(string) string { return "" }
	want := fmt.Sprintf("schema version %d, newer than this program's %d", models.LatestSchema()+1, models.LatestSchema())
	for _, args := range [][]string{
		{"migrate"},
		{"serve", "--addr", "127.0.0.1:0"},
		{"token", "create", "--email", "admin@samspill.local"},
		{"audit", "verify"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // serve runs until then
		err := run(ctx, append(args, "--db", db), io.Discard, env)
		cancel()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("samspill %s: %v; want an error with %q", strings.Join(args, " "), err, want)
		}
	}
}

// copy from a mistyped --db, or restore from a mistyped backup, is refused
// and makes no file there: copy "succeeded", copying an empty new database.
func TestCLIMissingSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := migratedDB(t)
	env := func(string) string { return "" }
	missing := filepath.Join(dir, "typo.db")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"copy", "--db", missing, "--to", filepath.Join(dir, "to.db")}, "no database at"},
		{[]string{"restore", missing, "--db", db}, "no backup at"},
	} {
		args := c.args
		err := run(context.Background(), args, io.Discard, env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("samspill %s: %v; want an error with %q", strings.Join(args, " "), err, c.want)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Errorf("samspill %s made %s", strings.Join(args, " "), missing)
			os.Remove(missing)
		}
	}
}

// startServe runs samspill serve over db in this process until the test ends
// or stop is called, and returns its base URL.
func startServe(t *testing.T, db string) (base string, stop func() error) {
	t.Helper()
	return startServeWith(t, func(string) string { return "" }, "--db", db)
}

// startServeWith is startServe with the environment getenv and the flags
// args after --addr.
func startServeWith(t *testing.T, getenv func(string) string, args ...string) (base string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), w, getenv)
		w.CloseWithError(io.EOF)
		errc <- err
	}()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			base = "http://" + m[1]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, r) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-errc
	}
	t.Cleanup(func() { _ = stop() })
	if base == "" {
		t.Fatalf("serve did not say where it listens: %v", stop())
	}
	return base, stop
}

// /healthz answers 503 once the SQLite file the server opened is gone
// (deleted, or moved aside by a restore while the server ran): the server
// then writes into a file nobody will open again, and acknowledged the
// writes while /healthz said ok.
func TestCLIHealthzDatabaseGone(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	base, _ := startServe(t, db)
	health := func() int { t.Helper(); return healthz(t, base) }
	if code := health(); code != http.StatusOK {
		t.Fatalf("/healthz %d before; want 200", code)
	}
	if err := os.Rename(db, db+".moved"); err != nil {
		t.Fatal(err)
	}
	if code := health(); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz %d with the database file moved away; want 503", code)
	}
	if err := os.Rename(db+".moved", db); err != nil {
		t.Fatal(err)
	}
	if code := health(); code != http.StatusOK {
		t.Errorf("/healthz %d with the database file back; want 200", code)
	}
	if err := os.Remove(db); err != nil {
		t.Fatal(err)
	}
	if code := health(); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz %d with the database file deleted; want 503", code)
	}
}

// token create refuses a deactivated user: the token it printed could never
// be used, as the API refuses tokens of deactivated users.
func TestCLITokenForDeactivatedUser(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	env := func(string) string { return "" }
	if err := run(context.Background(), []string{"user", "add", "--email", "gone@example.org", "--name", "Gone", "--role", "admin", "--db", db}, io.Discard, env); err != nil {
		t.Fatal(err)
	}
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.Exec(`UPDATE users SET active = ? WHERE email = ?`, false, "gone@example.org"); err != nil {
		t.Fatal(err)
	}
	store.Close()
	var out bytes.Buffer
	err = run(context.Background(), []string{"token", "create", "--email", "gone@example.org", "--db", db}, &out, env)
	if err == nil || !strings.Contains(err.Error(), "deactivated") {
		t.Errorf("token create for a deactivated user: %v; want an error with %q\n%s", err, "deactivated", out.String())
	}
}

// A command line the program cannot read exits 2, as Go's flag package and
// most commands do, and a command that fails exits 1, so that a script can
// tell a mistyped call from a failed one; neither writes its complaint to
// standard output, where a script reads the password or token.
func TestCLIExitCodes(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo.db")
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"nonsense"}, 2},
		{[]string{"serve", "--no-such-flag"}, 2},
		{[]string{"gen", "--seed", "x", "--db", missing}, 2},
		{[]string{"user", "add", "--partner", "abc", "--db", missing}, 2},
		{[]string{"migrate", "extra", "--db", missing}, 2},
		{[]string{"backup", "--db", missing}, 2},
		{[]string{"copy", "--db", missing}, 2},
		{[]string{"retention", "--db", missing}, 2},
		{[]string{"token", "create", "--email", "x@example.org", "--db", missing}, 1},
		{[]string{"backup", filepath.Join(dir, "out.db"), "--db", missing}, 1},
		{[]string{"migrate", "--help"}, 0},
	} {
		if code := Main(c.args); code != c.want {
			t.Errorf("samspill %s exits %d; want %d", strings.Join(c.args, " "), code, c.want)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"user", "add", "--partner", "abc"}, &out, func(string) string { return "" }); err == nil || out.Len() > 0 {
		t.Errorf("samspill user add --partner abc: %v, and wrote to standard output:\n%s", err, out.String())
	}
	out.Reset()
	_ = run(context.Background(), []string{"user", "add", "--help"}, &out, func(string) string { return "" })
	if !strings.Contains(out.String(), "-email") {
		t.Errorf("samspill user add --help wrote no help to standard output:\n%s", out.String())
	}
}

// serve refuses a setting it cannot use with a message that names it, flag and
// variable both, since the operator may have set either.
func TestCLIServeNamesTheSetting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct{ name, value string }{
		{"SAMSPILL_ADDR", "nonsense"},
		{"SAMSPILL_ADMIN_EMAIL", "not-an-address"},
		{"SAMSPILL_INTAKE_BURST", "0"},
		{"SAMSPILL_INTAKE_EVERY", "-1m"},
		{"SAMSPILL_SESSION_IDLE", "0s"},
		{"SAMSPILL_SESSION_LIFETIME", "-1h"},
	} {
		env := func(k string) string {
			switch k {
			case c.name:
				return c.value
			case "SAMSPILL_ADDR":
				return "127.0.0.1:0"
			}
			return ""
		}
		flagName := "--" + strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(c.name, "SAMSPILL_")), "_", "-")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // a server that starts runs until then
		err := run(ctx, []string{"serve", "--db", filepath.Join(dir, c.name+".db")}, io.Discard, env)
		cancel()
		if err == nil || !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), flagName) {
			t.Errorf("samspill serve with %s=%s: %v; want an error naming %s and %s", c.name, c.value, err, flagName, c.name)
		}
	}
}

// The backup holds everybody's personal data: only its owner may read it, as
// only the owner may read a restored database (restore writes it 0600).
func TestCLIBackupOwnerOnly(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := run(context.Background(), []string{"backup", backup, "--db", db}, io.Discard, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(backup)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		t.Errorf("the backup has mode %v; want no access for group and others", st.Mode().Perm())
	}
	// An existing file, empty or not, is still refused, and kept.
	for _, content := range []string{"", "keep me"} {
		if err := os.WriteFile(backup, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := run(context.Background(), []string{"backup", backup, "--db", db}, io.Discard, func(string) string { return "" }); err == nil {
			t.Errorf("backup over an existing file holding %q succeeded", content)
		}
		if b, _ := os.ReadFile(backup); string(b) != content {
			t.Errorf("backup over an existing file changed it to %d bytes", len(b))
		}
	}
}

// The database that the first start makes holds, soon, everybody's personal
// data: only its owner may read it, as with a backup or a restored one.
func TestCLINewDatabaseOwnerOnly(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	for _, name := range []string{db, db + "-wal"} {
		st, err := os.Stat(name)
		if err != nil {
			continue // no log left after a clean close
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v; want no access for group and others", filepath.Base(name), st.Mode().Perm())
		}
	}
}

// token create without --email is a command line missing an argument: it
// exits 2 naming the flag, before it opens any database ("no user with
// e-mail \"\"" read as if a user were missing).
func TestCLITokenCreateWithoutEmail(t *testing.T) {
	db := migratedDB(t)
	args := []string{"token", "create", "--db", db}
	err := run(context.Background(), args, io.Discard, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "--email") {
		t.Errorf("samspill %s: %v; want an error naming --email", strings.Join(args, " "), err)
	}
	if code := Main(args); code != 2 {
		t.Errorf("samspill %s exits %d; want 2", strings.Join(args, " "), code)
	}
}

// user add without --email, --name, --role, or with a role but without
// --region, is a command line that cannot be read: it exits 2 naming the
// flag, before it opens (or migrates) any database (it answered 'no
// database' for a mistyped --db, exit 1).
func TestCLIUserAddMissingArgument(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo.db")
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"user", "add", "--name", "Kari", "--role", "admin", "--db", missing}, "--email"},
		{[]string{"user", "add", "--email", "kari@example.org", "--role", "admin", "--db", missing}, "--name"},
		{[]string{"user", "add", "--email", "kari@example.org", "--name", "Kari", "--db", missing}, "--role"},
		{[]string{"user", "add", "--email", "kari@example.org", "--name", "Kari", "--role", "adviser", "--db", missing}, "--region"},
	} {
		err := run(context.Background(), c.args, io.Discard, func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), c.flag) {
			t.Errorf("samspill %s: %v; want an error naming %s", strings.Join(c.args, " "), err, c.flag)
		}
		if code := Main(c.args); code != 2 {
			t.Errorf("samspill %s exits %d; want 2", strings.Join(c.args, " "), code)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Errorf("samspill %s made %s", strings.Join(c.args, " "), missing)
			os.Remove(missing)
		}
	}
}

// token create --days N makes a token working for N days; a number of days
// outside 1 to 365 is a command line that cannot be read: exit 2, said on
// standard error, before any token is made.
func TestCLITokenDays(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	env := func(string) string { return "" }
	if err := run(context.Background(), []string{"user", "add", "--email", "nokkel@example.org", "--name", "Nøkkel", "--role", "admin", "--db", db}, io.Discard, env); err != nil {
		t.Fatal(err)
	}
	for _, days := range []string{"0", "-1", "366"} {
		args := []string{"token", "create", "--email", "nokkel@example.org", "--days", days, "--db", db}
		var out bytes.Buffer
		err := run(context.Background(), args, &out, env)
		var usage usageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), "--days") || out.Len() > 0 {
			t.Errorf("samspill %s: %v, wrote %q; want a usage error naming --days and nothing on standard output", strings.Join(args, " "), err, out.String())
		}
		if code := Main(args); code != 2 {
			t.Errorf("samspill %s exits %d; want 2", strings.Join(args, " "), code)
		}
	}
	var out bytes.Buffer
	before := time.Now().UTC()
	if err := run(context.Background(), []string{"token", "create", "--email", "nokkel@example.org", "--days", "30", "--db", db}, &out, env); err != nil {
		t.Fatal(err)
	}
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	u, _, err := store.UserByToken(context.Background(), lines[len(lines)-1])
	if err != nil {
		t.Fatalf("the printed token does not authenticate: %v\n%s", err, out.String())
	}
	tokens, err := store.Tokens(context.Background(), &models.Viewer{User: u}, u.ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens: %v %v; want the one made", tokens, err)
	}
	if want := before.AddDate(0, 0, 30); tokens[0].ExpiresAt.Before(want) || tokens[0].ExpiresAt.After(want.Add(time.Minute)) {
		t.Errorf("the token made for 30 days expires %v; want %v", tokens[0].ExpiresAt, want)
	}
}

// badEnv is every SAMSPILL_* variable but SAMSPILL_DB set to a value that
// cannot be read.
var badEnv = map[string]string{
	"SAMSPILL_DEMO":             "kanskje",
	"SAMSPILL_SECURE_COOKIES":   "ja",
	"SAMSPILL_TRUSTED_PROXIES":  "10.0.0.0/99",
	"SAMSPILL_SESSION_IDLE":     "30",
	"SAMSPILL_SESSION_LIFETIME": "12",
	"SAMSPILL_ADMIN_EMAIL":      "", // any text is read as an address; checked where it is used
	"SAMSPILL_INTAKE_BURST":     "fem",
	"SAMSPILL_INTAKE_EVERY":     "1",
	"SAMSPILL_BENCH_FLOOR":      "yes please",
}

// A bad SAMSPILL_* variable stops only a command that uses it, and not when a
// flag gives the setting: every command but serve reads only SAMSPILL_DB, and
// serve reads no variable whose flag is given. A bad variable stopped every
// command, help too, even one that never reads the setting.
func TestCLIReadsOnlyItsSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := migratedDB(t)
	env := func(k string) string { return badEnv[k] }
	for _, args := range [][]string{
		{"--help"},
		{"migrate", "--help"},
		{"migrate", "--db", db},
		{"user", "add", "--email", "kari@example.org", "--name", "Kari Nordmann", "--role", "admin", "--db", db},
		{"token", "create", "--email", "kari@example.org", "--db", db},
		{"audit", "verify", "--db", db},
		{"retention", "--dry-run", "--db", db},
		{"retention", "--apply", "--db", db},
		{"backup", filepath.Join(dir, "backup.db"), "--db", db},
		{"restore", filepath.Join(dir, "backup.db"), "--db", db},
		{"copy", "--db", db, "--to", filepath.Join(dir, "copy.db")},
		{"gen", "--enquiries", "20", "--until", "2026-11-26", "--db", filepath.Join(dir, "gen.db")},
	} {
		if err := run(context.Background(), args, io.Discard, env); err != nil && !errors.Is(err, flag.ErrHelp) {
			t.Errorf("samspill %s with bad variables it does not use: %v", strings.Join(args, " "), err)
		}
	}
	// SAMSPILL_DB is read by the commands that use it.
	dbEnv := func(k string) string {
		if k == "SAMSPILL_DB" {
			return db
		}
		return badEnv[k]
	}
	if err := run(context.Background(), []string{"audit", "verify"}, io.Discard, dbEnv); err != nil {
		t.Errorf("samspill audit verify with SAMSPILL_DB: %v", err)
	}
}

// serve reads no variable whose flag is given, and names a bad variable it
// reads, flag and variable both.
func TestCLIServeFlagsOverrideBadVariables(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	env := func(k string) string { return badEnv[k] }
	every := []struct{ flag, value string }{
		{"--demo", "false"}, {"--secure-cookies", "false"}, {"--trusted-proxies", ""}, {"--session-idle", "30m"},
		{"--session-lifetime", "12h"}, {"--intake-burst", "5"}, {"--intake-every", "1m"}, {"--bench-floor", "false"},
	}
	flags := func(except string) []string {
		args := []string{"--db", db}
		for _, f := range every {
			if f.flag != except {
				args = append(args, f.flag+"="+f.value)
			}
		}
		return args
	}
	base, stop := startServeWith(t, env, flags("")...)
	if res, err := http.Get(base + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("/healthz of serve with every flag given: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	if err := stop(); err != nil {
		t.Errorf("serve with every flag given: %v", err)
	}
	// Each flag left out, its bad variable is read, and refused by name.
	for _, f := range every {
		args := append([]string{"serve", "--addr", "127.0.0.1:0"}, flags(f.flag)...)
		variable := "SAMSPILL_" + strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(f.flag, "--"), "-", "_"))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // a server that starts runs until then
		err := run(ctx, args, io.Discard, env)
		cancel()
		if err == nil || !strings.Contains(err.Error(), variable) || !strings.Contains(err.Error(), f.flag) {
			t.Errorf("samspill %s with %s=%q: %v; want an error naming %s and %s", strings.Join(args, " "), variable, badEnv[variable], err, f.flag, variable)
		}
	}
}

// bench refuses numbers it cannot run with, before it generates or opens
// anything: a command line it cannot use exits 2 naming the flag. --runs 0
// ran nothing and reported medians of no runs; --rate 1e12 never ended.
func TestCLIBenchRefusesNonsense(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "bench.db")
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"--runs", "0"}, "--runs"},
		{[]string{"--runs", "-1"}, "--runs"},
		{[]string{"--clients", "0"}, "--clients"},
		{[]string{"--clients", "-4"}, "--clients"},
		{[]string{"--clients", "1000000"}, "--clients"},
		{[]string{"--regions", "0"}, "--regions"},
		{[]string{"--rate", "0"}, "--rate"},
		{[]string{"--rate", "-50"}, "--rate"},
		{[]string{"--rate", "NaN"}, "--rate"},
		{[]string{"--rate", "Inf"}, "--rate"},
		{[]string{"--rate", "1e12"}, "--rate"},
		{[]string{"--duration", "0s"}, "--duration"},
		{[]string{"--duration", "-20s"}, "--duration"},
		{[]string{"--duration", "1ns"}, "--duration"},
		{[]string{"--scale", "huge"}, "--scale"},
		{[]string{"--until", "yesterday"}, "--until"},
		{[]string{"--until", "2999-01-01"}, "--until"},
	} {
		args := append([]string{"bench", "--db", db}, c.args...)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // a benchmark that starts runs until then
		err := run(ctx, args, io.Discard, func(string) string { return "" })
		cancel()
		if err == nil || !strings.Contains(err.Error(), c.flag) {
			t.Errorf("samspill %s: %v; want an error naming %s", strings.Join(args, " "), err, c.flag)
			os.Remove(db)
			continue // Main would run the benchmark to its end
		}
		if code := Main(args); code != 2 {
			t.Errorf("samspill %s exits %d; want 2", strings.Join(args, " "), code)
		}
		if _, err := os.Stat(db); err == nil {
			t.Errorf("samspill %s made %s", strings.Join(args, " "), db)
			os.Remove(db)
		}
	}
}

// A command's error names the command once: the command puts its name
// before the error, and the models' errors do not start with it again
// ("copy: copy: the destination's …", "gen: gen fills …").
func TestCLIErrorsNameTheCommandOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := migratedDB(t)
	env := func(string) string { return "" }
	to := filepath.Join(dir, "copy.db")
	if err := run(context.Background(), []string{"copy", "--db", db, "--to", to}, io.Discard, env); err != nil {
		t.Fatal(err)
	}
	demo := migratedDB(t)
	store, err := models.Open(demo)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	store.Close()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"copy", "--db", db, "--to", to}, "copy: the destination's municipalities holds 357 rows"},
		{[]string{"restore", filepath.Join(dir, "copy.db"), "--db", "postgres://localhost/samspill"}, "restore: use pg_restore for PostgreSQL"},
		{[]string{"gen", "--enquiries", "20", "--db", demo}, "gen: an empty database is needed, and this one has 1 regions"},
	} {
		err := run(context.Background(), c.args, io.Discard, env)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("samspill %s: %v; want an error beginning %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

// A shutdown that runs past its limit says so, in Norwegian and English, and
// fails (exit 1): it ended with a bare "context deadline exceeded". The
// request kept in flight is a login whose body never comes: the server's
// "100 Continue" shows that the handler is reading it.
func TestCLIShutdownPastItsLimit(t *testing.T) {
	t.Parallel()
	cfg := app.DefaultConfig()
	cfg.Addr, cfg.DB = "127.0.0.1:0", migratedDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, w := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		err := serve(ctx, cfg, w, 200*time.Millisecond)
		w.CloseWithError(io.EOF)
		errc <- err
	}()
	var addr string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, r) }()
	if addr == "" {
		cancel()
		t.Fatalf("serve did not say where it listens: %v", <-errc)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n", addr)
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(status, "100 Continue") {
		t.Fatalf("the login answered %q, %v; want 100 Continue", status, err)
	}
	cancel()
	err = <-errc
	if err == nil || !strings.Contains(err.Error(), "stoppet før alle forespørsler var ferdige") || !strings.Contains(err.Error(), "stopped before every request had finished") {
		t.Errorf("serve stopped past its limit: %v; want an error saying so in Norwegian and English", err)
	}
}

// A second serve on the SQLite file one already serves is refused, as is a
// restore into it, with a message that says why; once the first stops, a new
// one starts. Two serves ran side by side, each with its retention job, and a
// restore moved the database from under a running server.
func TestCLIOneServePerSQLiteFile(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	env := func(string) string { return "" }
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := run(context.Background(), []string{"backup", backup, "--db", db}, io.Discard, env); err != nil {
		t.Fatal(err)
	}
	_, stop := startServe(t, db)
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--db", db},
		{"restore", backup, "--db", db},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // a server that starts runs until then
		err := run(ctx, args, io.Discard, env)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "another samspill serve or restore is using "+db) {
			t.Errorf("samspill %s beside a running serve: %v; want it refused, naming the database", strings.Join(args, " "), err)
		}
	}
	if _, err := os.Stat(db + ".before-restore"); err == nil {
		t.Error("the refused restore moved the database aside")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	base, _ := startServe(t, db)
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("/healthz of the serve started after the first stopped: %d", res.StatusCode)
	}
}

// /healthz answers 503 while the server cannot write: another process holds
// SQLite's write lock (a sqlite3 shell left in a transaction, say), so that
// every write would wait its busy timeout and fail. It answered 200, as the
// database still answered reads. The probe itself writes nothing: no other
// connection sees a commit (PRAGMA data_version) however often it is asked.
func TestCLIHealthzCannotWrite(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	base, _ := startServe(t, db)
	health := func() int { t.Helper(); return healthz(t, base) }
	other, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	sqlDB, err := other.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	version := func() (v int64) {
		t.Helper()
		if err := conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := version()
	for range 5 {
		if code := health(); code != http.StatusOK {
			t.Fatalf("/healthz %d; want 200", code)
		}
	}
	if after := version(); after != before {
		t.Errorf("/healthz committed a write: data_version %d, then %d", before, after)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	if code := health(); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz %d while another process holds the write lock; want 503", code)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if code := health(); code != http.StatusOK {
		t.Errorf("/healthz %d once the write lock is free; want 200", code)
	}
}

// healthz is the status /healthz of the server at base answers.
func healthz(t *testing.T, base string) int {
	t.Helper()
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// token create makes a token that reads and writes, as it always has (a
// script that makes one keeps working); with --read-only one that only
// reads. The output says which, the token alone on its last line.
func TestCLITokenReadOnly(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	env := func(string) string { return "" }
	if err := run(context.Background(), []string{"user", "add", "--email", "omfang@example.org", "--name", "Omfang", "--role", "admin", "--db", db}, io.Discard, env); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		flags []string
		want  models.TokenScope
		says  string
	}{
		{nil, models.TokenWrite, "read and write"},
		{[]string{"--read-only"}, models.TokenRead, "read only"},
		{[]string{"--read-only=false"}, models.TokenWrite, "read and write"},
	} {
		var out bytes.Buffer
		args := append([]string{"token", "create", "--email", "omfang@example.org", "--db", db}, tt.flags...)
		if err := run(context.Background(), args, &out, env); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		store, err := models.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		_, scope, err := store.UserByToken(context.Background(), lines[len(lines)-1])
		store.Close()
		if err != nil || scope != tt.want {
			t.Errorf("samspill %s made a token of scope %q (%v); want %s", strings.Join(args, " "), scope, err, tt.want)
		}
		if !strings.Contains(out.String(), tt.says) {
			t.Errorf("samspill %s says %q; want it to say %q", strings.Join(args, " "), out.String(), tt.says)
		}
	}
	var help bytes.Buffer
	run(context.Background(), []string{"token", "create", "--help"}, &help, env)
	if !strings.Contains(help.String(), "-read-only") {
		t.Errorf("token create --help does not offer --read-only:\n%s", help.String())
	}
}
