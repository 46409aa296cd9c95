// Package cli is the samspill command: its subcommands (serve, migrate, user,
// token, backup, restore, audit, retention, gen, bench, copy), their flags and
// environment, and the wiring of configuration, database, migrations,
// policies, views and the server for serve. main.go only calls Main.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"samspill/app"
	"samspill/app/bench"
	"samspill/models"
	"samspill/policies"
	"samspill/views"
)

// Main runs the command line args (without the program's name) and returns
// the process's exit code (exitCode), saying on standard error why it is not 0.
func Main(args []string) int {
	err := run(context.Background(), args, os.Stdout, os.Getenv)
	code := exitCode(err)
	if code != 0 {
		fmt.Fprintln(os.Stderr, "samspill:", err)
	}
	return code
}

// exitCode is the process's exit code for run's error: 0; 2 for a command
// line it cannot read, as Go's flag package and most commands exit; 1 for a
// command that failed; 3 for a restore done whose erasures made after the
// backup could not be re-applied, so that a script does not start the server
// on it unawares; or 4 for anonymisations done whose clean-up of the
// database's files the server's janitor will finish (cleanUpPending).
func exitCode(err error) int {
	var usage usageError
	var warning restoreWarning
	var pending cleanUpPending
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp): // help asked for is help given
		return 0
	case errors.As(err, &warning):
		return 3
	case errors.As(err, &pending):
		return 4
	case errors.As(err, &usage):
		return 2
	default:
		return 1
	}
}

// cleanUpPending is a command whose erasures or retention anonymisations
// stand, but whose clean-up of SQLite's files (the search index's merge, the
// write-ahead log's checkpoint) a long read held up: until it is done the
// people's data may still be read from the files. The database records it
// as due, and the server's janitor finishes it. Main exits 4.
type cleanUpPending struct {
	cmd string // the command, and what it did: "retention: anonymised 3 closed enquiries"
	err error  // wraps models.ErrForgetPending
}

func (p cleanUpPending) Unwrap() error { return p.err }

func (p cleanUpPending) Error() string {
	return p.cmd + ", but cleaning them out of the database's files is not finished: " + p.err.Error() + ".\n" +
		"Most often a long read (a backup, an export, a sqlite3 shell) holds the write-ahead log's checkpoint up. " +
		"Their data may be read from the database file and its log until the server's janitor finishes it: " +
		"within ten minutes if the server is running, else when it starts. Nothing needs to be run again."
}

// forgetTries is how often, and after what pauses, retention --apply tries
// again to clean what it anonymised out of SQLite's files when a read held
// the clean-up up. Each try waits for the readers as long as the writer's
// busy timeout (10 s): three tries end within about 35 s.
type forgetTries struct {
	waits []time.Duration
	sleep func(context.Context, time.Duration) error
}

// sleepCtx waits d, or less if ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retentionApply anonymises the closed enquiries past their retention period
// and cleans them out of SQLite's files, trying again as tries says when a
// read holds the clean-up up (the server running beside it, a backup): the
// anonymisations stand either way, and a clean-up still pending after the
// tries is cleanUpPending, which the server's janitor finishes.
func retentionApply(ctx context.Context, store *models.Store, out io.Writer, tries forgetTries) error {
	n, err := store.ApplyRetention(ctx)
	fmt.Fprintf(out, "anonymised %d closed enquiries\n", n)
	if !errors.Is(err, models.ErrForgetPending) {
		return err
	}
	for _, wait := range tries.waits {
		if tries.sleep(ctx, wait) != nil {
			break
		}
		if err = store.ForgetErased(ctx); !errors.Is(err, models.ErrForgetPending) {
			return err
		}
	}
	return cleanUpPending{cmd: fmt.Sprintf("retention: anonymised %d closed enquiries", n), err: err}
}

// restoreWarning is a restore done whose erasures made after the backup
// could not be re-applied (models.ErrErasuresNotReapplied): the restored
// database may hold again the data of people erased since. Main says what the
// operator must do, on standard error, and exits 3.
type restoreWarning struct {
	res models.RestoreResult
	db  string
}

func (w restoreWarning) Unwrap() error { return w.res.Warning }

func (w restoreWarning) Error() string {
	since := "the backup was taken"
	if !w.res.BackupAt.IsZero() {
		since = fmt.Sprintf("the backup's last audit entry (number %d, %s)", w.res.BackupSeq, w.res.BackupAt.UTC().Format(time.RFC3339))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "restore: warning: %v.\n", w.res.Warning)
	fmt.Fprintf(&b, "The restored database %s may hold again the personal data of people erased, or anonymised by retention, since %s. ", w.db, since)
	b.WriteString("Before anyone uses it, erase them again:\n")
	fmt.Fprintf(&b, "  - find them in the audit log of the replaced database, kept as %s (repair a broken one first, e.g. with sqlite3's .recover):\n", w.res.Kept)
	fmt.Fprintf(&b, "      sqlite3 %s \"SELECT seq, at, action, object_id FROM audit_log WHERE object = 'enquiry' AND action IN ('erase', 'anonymise') AND seq > %d\"\n", w.res.Kept, w.res.BackupSeq)
	b.WriteString("  - for each erasure, open the enquiry (object_id) at /enquiries/ID and erase its person again as an admin under Personvern (/admin/privacy), by e-mail or phone number;\n")
	fmt.Fprintf(&b, "  - run samspill retention --apply --db %s before starting the server: it anonymises again the closed enquiries whose retention period has ended.\n", w.db)
	fmt.Fprintf(&b, "If %s is not a later copy of the database this backup was taken of, check the backup and --db: nothing of it was re-applied.", w.res.Kept)
	return b.String()
}

// usageError is a command line the program cannot read: an unknown command
// or flag, a flag's value of the wrong kind, a missing or stray argument.
type usageError struct{ error }

func usageErrorf(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

const usage = `Samspill – saksbehandling for regionalt næringssamarbeid.

Usage:
  samspill serve [--addr :8080] [--db samspill.db] [--demo]   run the web server
  samspill migrate [--db …]                                   bring the database schema up to date
  samspill user add --email E --name N --role R [--region SLUG] [--municipality NNNN] [--partner ID]
  samspill token create --email E [--name N] [--days 90] [--read-only]  print a new API token for a user (reads and writes unless --read-only)
  samspill backup [--db …] FILE                               write a consistent copy of the database
  samspill restore [--db …] FILE                              replace the database with a checked backup (server stopped)
  samspill audit verify [--db …]                              check the audit log's hash chain
  samspill retention --dry-run|--apply [--db …]               anonymise closed enquiries past their retention period
  samspill gen --scale regional|national [--seed N] [--db …]  fill an empty database with deterministic, realistic data
  samspill bench [--db bench.db] [--pg postgres://…]          load benchmark against measured floors (generates data first)
  samspill copy [--db …] --to postgres://…                    copy every row into a new, empty database (SQLite to PostgreSQL)

Every setting is also a SAMSPILL_* environment variable; run "samspill COMMAND --help" for each.
Exit codes: 0 done, 1 failed, 2 command line not understood, 3 restored but erasures made after
the backup could not be re-applied (see the warning), 4 erased or anonymised but the clean-up of
the database's files is pending (the server's janitor finishes it).
`

// run dispatches to a subcommand. getenv is os.Getenv outside tests.
func run(ctx context.Context, args []string, out io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(out, usage)
		return nil
	}
	cmd, rest := args[0], args[1:]
	if (cmd == "user" || cmd == "token" || cmd == "audit") && len(rest) > 0 {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	fs := flag.NewFlagSet("samspill "+cmd, flag.ContinueOnError)
	fs.SetOutput(out)
	// Each command reads the variables of its own settings only, after its
	// flags: parseEnv (or parseFileEnv) reads SAMSPILL_DB unless --db was
	// given, and for serve the variable of each setting whose flag was not.
	cfg := app.DefaultConfig()
	env := &settingsEnv{cfg: &cfg, getenv: getenv, flags: []string{"db"}}
	fs.StringVar(&cfg.DB, "db", cfg.DB, "SQLite file or postgres:// URL (SAMSPILL_DB)")
	parseEnv := func(fs *flag.FlagSet, args []string) error {
		if err := parse(fs, args); err != nil {
			return err
		}
		return env.read(fs)
	}
	parseFileEnv := func(fs *flag.FlagSet, args []string) (string, error) {
		file, err := parseFile(fs, args)
		if err != nil {
			return "", err
		}
		return file, env.read(fs)
	}
	switch cmd {
	case "serve":
		env.flags = app.SettingFlags()
		fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (SAMSPILL_ADDR)")
		fs.BoolVar(&cfg.Demo, "demo", cfg.Demo, "load the demo region and one demo user per role (SAMSPILL_DEMO)")
		fs.BoolVar(&cfg.SecureCookies, "secure-cookies", cfg.SecureCookies, "mark cookies Secure and send HSTS; set when served over HTTPS (SAMSPILL_SECURE_COOKIES)")
		proxies := fs.String("trusted-proxies", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is trusted (SAMSPILL_TRUSTED_PROXIES)")
		fs.DurationVar(&cfg.SessionIdle, "session-idle", cfg.SessionIdle, "log out after this long without activity (SAMSPILL_SESSION_IDLE)")
		fs.DurationVar(&cfg.SessionLifetime, "session-lifetime", cfg.SessionLifetime, "log out after this long in any case (SAMSPILL_SESSION_LIFETIME)")
		fs.StringVar(&cfg.AdminEmail, "admin-email", cfg.AdminEmail, "e-mail of the first admin of an empty installation (SAMSPILL_ADMIN_EMAIL)")
		fs.IntVar(&cfg.IntakeBurst, "intake-burst", cfg.IntakeBurst, "one-door submissions one address may send at once (SAMSPILL_INTAKE_BURST)")
		fs.DurationVar(&cfg.IntakeEvery, "intake-every", cfg.IntakeEvery, "after the burst, one submission per this interval (SAMSPILL_INTAKE_EVERY)")
		fs.BoolVar(&cfg.BenchFloor, "bench-floor", cfg.BenchFloor, "answer GET /bench/floor, an empty page behind all middleware, for samspill bench (SAMSPILL_BENCH_FLOOR)")
		if err := parseEnv(fs, rest); err != nil {
			return err
		}
		if given(fs, "trusted-proxies") {
			var err error
			if cfg.TrustedProxies, err = app.ParseCIDRs(*proxies); err != nil {
				return usageErrorf("--trusted-proxies: %w", err)
			}
		}
		if err := cfg.Check(); err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		tuneGC(getenv)
		return serve(ctx, cfg, out, shutdownLimit)
	case "migrate":
		if err := parseEnv(fs, rest); err != nil {
			return err
		}
		store, err := open(ctx, cfg, out)
		if err != nil {
			return err
		}
		defer store.Close()
		v, err := store.SchemaVersion(ctx)
		fmt.Fprintf(out, "schema version %d\n", v)
		return err
	case "user add":
		return userAdd(ctx, &cfg, fs, rest, parseEnv, out)
	case "token create":
		email := fs.String("email", "", "the user's e-mail address")
		name := fs.String("name", "cli", "what the token is for")
		days := fs.Int("days", models.TokenDays, fmt.Sprintf("days the token works, 1 to %d", models.TokenMaxDays))
		// Read and write unless asked, as every token was before: a script
		// that makes tokens for an integration that writes keeps working.
		readOnly := fs.Bool("read-only", false, "make a token that may only read (GET and HEAD); without it, the token reads and writes with the user's rights")
		if err := parseEnv(fs, rest); err != nil {
			return err
		}
		if strings.TrimSpace(*email) == "" {
			return usageErrorf("token create: --email: the e-mail address of the user the token is for")
		}
		if *days < 1 || *days > models.TokenMaxDays {
			return usageErrorf("token create: --days %d: a token works for 1 to %d days", *days, models.TokenMaxDays)
		}
		store, err := openExisting(ctx, cfg)
		if err != nil {
			return err
		}
		defer store.Close()
		u, err := store.UserByEmail(ctx, *email)
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("no user with e-mail %q", *email)
		} else if err != nil {
			return err
		}
		if !u.Active {
			return fmt.Errorf("token create: %s is deactivated, and the API refuses a deactivated user's tokens", u.Email)
		}
		scope, may := models.TokenWrite, "read and write"
		if *readOnly {
			scope, may = models.TokenRead, "read only"
		}
		token, t, err := store.CreateToken(ctx, models.Actor{UserID: u.ID, RequestID: "cli"}, u.ID, *name, *days, scope)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "API token for %s, %s, working until %s (shown once; only its hash is stored):\n%s\n",
			u.Email, may, t.ExpiresAt.Format(time.RFC3339), token)
		return nil
	case "restore":
		file, err := parseFileEnv(fs, rest)
		if err != nil {
			return err
		}
		if file == "" || fs.NArg() > 0 {
			return usageErrorf("restore: name the one backup file, e.g. samspill restore backup.db --db samspill.db")
		}
		unlock, err := lock(cfg.DB)
		if err != nil {
			return err
		}
		defer unlock()
		res, err := models.Restore(ctx, file, cfg.DB)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		fmt.Fprintf(out, "restored %s from %s\n", cfg.DB, file)
		if res.Kept != "" {
			fmt.Fprintf(out, "the replaced database is kept as %s\n", res.Kept)
		}
		if errors.Is(res.Warning, models.ErrForgetPending) {
			fmt.Fprintf(out, "re-applied %d erasure(s) and retention anonymisation(s) made after the backup\n", res.Reapplied)
			return cleanUpPending{cmd: fmt.Sprintf("restore: re-applied %d erasure(s) and retention anonymisation(s) made after the backup", res.Reapplied), err: res.Warning}
		}
		if res.Warning != nil {
			return restoreWarning{res: res, db: cfg.DB}
		}
		if res.Kept != "" {
			fmt.Fprintf(out, "re-applied %d erasure(s) and retention anonymisation(s) made after the backup\n", res.Reapplied)
		}
		return nil
	case "audit verify":
		if err := parseEnv(fs, rest); err != nil {
			return err
		}
		store, err := openAsIs(ctx, cfg, true)
		if err != nil {
			return err
		}
		defer store.Close()
		n, err := store.VerifyAudit(ctx)
		if err != nil {
			return fmt.Errorf("audit verify: %d entries checked before: %w", n, err)
		}
		fmt.Fprintf(out, "audit log intact: %d entries, every link of the hash chain holds\n", n)
		return nil
	case "retention":
		dry := fs.Bool("dry-run", false, "list the closed enquiries that are due, change nothing")
		apply := fs.Bool("apply", false, "anonymise the closed enquiries that are due")
		if err := parseEnv(fs, rest); err != nil {
			return err
		}
		if *dry == *apply {
			return usageErrorf("retention: give exactly one of --dry-run and --apply")
		}
		open := openExisting
		if *dry {
			open = func(ctx context.Context, cfg app.Config) (*models.Store, error) { return openAsIs(ctx, cfg, true) }
		}
		store, err := open(ctx, cfg)
		if err != nil {
			return err
		}
		defer store.Close()
		if *dry {
			due, err := store.RetentionDue(ctx)
			if err != nil {
				return err
			}
			for _, d := range due {
				fmt.Fprintf(out, "%s closed %s\n", d.Reference, d.ClosedAt.Format("2006-01-02"))
			}
			fmt.Fprintf(out, "%d closed enquiries are past their retention period\n", len(due))
			return nil
		}
		return retentionApply(ctx, store, out, forgetTries{waits: []time.Duration{time.Second, 3 * time.Second}, sleep: sleepCtx})
	case "gen":
		return gen(ctx, &cfg, fs, rest, parseEnv, out)
	case "bench": // reads no variable: its database is its own, never SAMSPILL_DB's
		return benchmark(ctx, fs, rest, out)
	case "copy":
		to := fs.String("to", "", "the database to copy into: a postgres:// URL (or a SQLite file); it is migrated and must hold no data")
		if err := parseEnv(fs, rest); err != nil {
			return err
		}
		return copyDB(ctx, cfg, *to, out)
	case "backup":
		file, err := parseFileEnv(fs, rest)
		if err != nil {
			return err
		}
		if file == "" || fs.NArg() > 0 {
			return usageErrorf("backup: name the one file to write, e.g. samspill backup backup.db")
		}
		store, err := openAsIs(ctx, cfg, false) // an older schema too: a backup before migrating is wise
		if err != nil {
			return err
		}
		defer store.Close()
		if err := store.Backup(ctx, file); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		fmt.Fprintf(out, "backup written to %s\n", file)
		return nil
	}
	return usageErrorf("unknown command %q\n\n%s", strings.Join(args[:1], " "), usage)
}

// settingsEnv reads the SAMSPILL_* variables of a command's settings into cfg.
type settingsEnv struct {
	cfg    *app.Config
	getenv func(string) string
	flags  []string // the command's settings, by flag
}

// read reads the variables of the settings whose flags fs was not given: a
// flag wins, and its variable is not read, so a bad value there stops nothing.
func (e *settingsEnv) read(fs *flag.FlagSet) error {
	var unset []string
	for _, f := range e.flags {
		if !given(fs, f) {
			unset = append(unset, f)
		}
	}
	return e.cfg.ReadEnv(e.getenv, unset...)
}

// given says whether the command line gave the flag name.
func given(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// parser is parse with the command's settings read from the environment.
type parser func(fs *flag.FlagSet, args []string) error

// parse parses a subcommand's flags, which take no other arguments: Go's
// flag package stops at the first word that is not a flag, and everything
// after it, a --db too, would be ignored without a word.
func parse(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("%s: unexpected argument %q (a value with spaces needs quotes)", fs.Name(), fs.Arg(0))
	}
	return nil
}

// parseFile parses the flags of a command that takes one file name, before
// or after them (samspill backup FILE --db X, or --db X FILE): it returns the
// name, and leaves in fs.Args() whatever followed it that is not a flag.
func parseFile(fs *flag.FlagSet, args []string) (string, error) {
	if err := parseFlags(fs, args); err != nil {
		return "", err
	}
	file := fs.Arg(0)
	if fs.NArg() > 0 {
		if err := parseFlags(fs, fs.Args()[1:]); err != nil {
			return "", err
		}
	}
	return file, nil
}

// parseFlags is fs.Parse with the flags' help on fs's output (standard
// output) when asked for, and on standard error after a mistake, where it
// does not mix with what a script reads (the password, the token).
func parseFlags(fs *flag.FlagSet, args []string) error {
	help := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(help)
		fs.Usage()
		return err
	case err != nil:
		fs.SetOutput(os.Stderr)
		fs.Usage()
		return usageError{err}
	}
	fs.SetOutput(help)
	return nil
}

// mustExist refuses a SQLite file that is not there: a mistyped --db would
// otherwise be created, empty, and backed up, verified or cleaned as if it
// were the real one. A postgres:// URL names a server, which answers for itself.
func mustExist(db string) error {
	if strings.Contains(db, "://") {
		return nil
	}
	if _, err := os.Stat(db); err != nil {
		return fmt.Errorf("no database at %s; give its path with --db or SAMSPILL_DB (%w)", db, err)
	}
	return nil
}

// openExisting is open for commands that work on an installation's data:
// the database must exist.
func openExisting(ctx context.Context, cfg app.Config) (*models.Store, error) {
	if err := mustExist(cfg.DB); err != nil {
		return nil, err
	}
	return open(ctx, cfg, io.Discard)
}

// openAsIs opens an existing database without migrating it or loading
// anything, for commands that only read it (a backup, a check, a dry run).
// With current set, its schema must be this program's: older, it is for
// samspill migrate to bring up to date, not for a check to change.
func openAsIs(ctx context.Context, cfg app.Config, current bool) (*models.Store, error) {
	if err := mustExist(cfg.DB); err != nil {
		return nil, err
	}
	store, err := models.Open(cfg.DB)
	if err != nil {
		return nil, err
	}
	if current {
		if v, err := store.SchemaVersion(ctx); err == nil && v > models.LatestSchema() {
			store.Close()
			return nil, models.NewerSchemaError(v)
		} else if err != nil || v != models.LatestSchema() {
			store.Close()
			return nil, fmt.Errorf("the database has schema version %d, this program %d: run samspill migrate first (%v)", v, models.LatestSchema(), err)
		}
	}
	return store, nil
}

// lock takes the lock of a SQLite database for serve or restore, so that a
// second serve does not run beside the first (with a retention job each) and
// a restore does not move the database from under a running server. Several
// servers on one PostgreSQL database are a feature, and are not locked.
func lock(db string) (unlock func() error, err error) {
	unlock, err = models.LockDB(db)
	if errors.Is(err, models.ErrInUse) {
		return nil, fmt.Errorf("another samspill serve or restore is using %s (%w): stop it first, or give another --db", db, err)
	}
	return unlock, err
}

// open opens the database, migrates it and loads the reference data.
func open(ctx context.Context, cfg app.Config, out io.Writer) (*models.Store, error) {
	store, err := models.Open(cfg.DB)
	if err != nil {
		return nil, err
	}
	n, err := store.Migrate(ctx)
	if err != nil {
		store.Close()
		return nil, err
	}
	if n > 0 {
		fmt.Fprintf(out, "applied %d migration(s)\n", n)
	}
	if err := store.LoadReferenceData(ctx); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

func userAdd(ctx context.Context, cfg *app.Config, fs *flag.FlagSet, args []string, parse parser, out io.Writer) error {
	email := fs.String("email", "", "e-mail address (required)")
	name := fs.String("name", "", "full name (required)")
	role := fs.String("role", "", "role: "+strings.Join(models.Roles, ", "))
	region := fs.String("region", "", "slug of the region the role holds in (not for admin)")
	municipality := fs.String("municipality", "", "kommunenummer, for the municipality role")
	partner := fs.Int64("partner", 0, "partner id, for the partner role")
	if err := parse(fs, args); err != nil {
		return err
	}
	// A flag missing is a command line that cannot be read: refused before
	// any database is opened, or migrated.
	if strings.TrimSpace(*email) == "" {
		return usageErrorf("user add: --email: the new user's e-mail address")
	}
	if strings.TrimSpace(*name) == "" {
		return usageErrorf("user add: --name: the new user's full name")
	}
	if *role == "" {
		return usageErrorf("user add: --role: one of %s", strings.Join(models.Roles, ", "))
	}
	if !slices.Contains(models.Roles, *role) {
		// Checked here, not by CreateUser, whose message (the web form's
		// "choose one of the options") names no options on a command line.
		return usageErrorf("user add: --role: %q is not a role; one of %s", *role, strings.Join(models.Roles, ", "))
	}
	if *role != models.RoleAdmin && *region == "" {
		return usageErrorf("user add: --region: the slug of the region where the role %q holds", *role)
	}
	store, err := openExisting(ctx, *cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	grant := models.RoleGrant{Role: *role}
	if *role != models.RoleAdmin {
		r, err := store.RegionBySlug(ctx, *region)
		if err != nil {
			return fmt.Errorf("user add: --region: no region with the slug %q", *region)
		}
		grant.RegionID = r.ID
	}
	password := models.GeneratePassword()
	in := models.UserInput{Email: *email, Name: *name, Municipality: *municipality, PartnerID: *partner}
	if _, err := store.CreateUser(ctx, models.Actor{RequestID: "cli"}, in, password, []models.RoleGrant{grant}); err != nil {
		var ve *models.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("user add: %s", flagErrors(ve, map[string]string{"email": "email", "name": "name", "role": "role",
				"region": "region", "region_id": "region", "municipality": "municipality", "partner_id": "partner"}))
		}
		return err
	}
	fmt.Fprintf(out, "created %s with role %s; password (shown once):\n%s\n", *email, *role, password)
	return nil
}

// flagErrors puts a validation error in the words the web pages use, each
// message after the flag it is about, in the order of the flags' names.
func flagErrors(ve *models.ValidationError, flags map[string]string) string {
	loc := (*views.Localizer)(nil)
	if set, err := views.New(); err == nil {
		loc = set.Localizer("nb")
	}
	var parts []string
	for _, field := range slices.Sorted(maps.Keys(ve.Fields)) {
		name, msg := field, ve.Fields[field]
		if f, ok := flags[field]; ok {
			name = "--" + f
		}
		if loc != nil {
			msg = loc.T(msg)
		}
		parts = append(parts, name+": "+msg)
	}
	return strings.Join(parts, "; ")
}

// The server's garbage collector, unless the operator sets GOGC or
// GOMEMLIMIT. By default Go collects when the heap has doubled since the last
// collection; the server's live heap is a few tens of megabytes, so under load
// it collected every few milliseconds, a tenth of its CPU. Letting the heap
// triple (GOGC=200) up to a soft limit of 200 MiB makes mixed requests about a
// tenth cheaper, and the limit keeps the process well under the 300 MB a
// national installation may take: near it, the collector works harder instead
// of the heap growing (README, "Measured on 2026-11-27").
const (
	serverGCPercent   = 200
	serverMemoryLimit = 200 << 20
)

func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serverMemoryLimit)
	}
}

// shutdownLimit is how long serve lets the requests in flight finish after
// SIGINT or SIGTERM.
const shutdownLimit = 20 * time.Second

// serve runs the web server until SIGINT or SIGTERM (or ctx ends), then lets
// the requests in flight finish, for at most limit, and closes the database.
func serve(ctx context.Context, cfg app.Config, out io.Writer, limit time.Duration) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	unlock, err := lock(cfg.DB)
	if err != nil {
		return err
	}
	defer unlock()
	store, err := open(ctx, cfg, out)
	if err != nil {
		return err
	}
	defer store.Close()
	if cfg.Demo {
		if err := store.LoadDemo(ctx); err != nil {
			return err
		}
	} else if pw, err := store.EnsureAdmin(ctx, cfg.AdminEmail); errors.As(err, new(*models.ValidationError)) {
		return fmt.Errorf("--admin-email (SAMSPILL_ADMIN_EMAIL) %q: %w", cfg.AdminEmail, err)
	} else if err != nil {
		return err
	} else if pw != "" {
		fmt.Fprintf(out, "\nFirst start: log in as %s with this one-time password, and change it under «Min profil»:\n  %s\n", cfg.AdminEmail, pw)
	}
	enforcer, err := policies.New()
	if err != nil {
		return err
	}
	set, err := views.New()
	if err != nil {
		return err
	}
	e, srv := app.New(cfg, store, enforcer, set, log)
	if err := srv.LoadBindings(ctx); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("--addr (SAMSPILL_ADDR): %w", err)
	}
	httpSrv := app.HTTPServer(cfg.Addr, e)
	fmt.Fprintf(out, "\nSamspill kjører på http://%s\n", displayAddr(ln.Addr()))
	if cfg.Demo {
		fmt.Fprintf(out, "\nDemo-brukere (passord for alle: %s):\n", models.DemoPassword)
		for _, d := range append(append([]models.DemoLogin(nil), models.DemoLogins...), models.DemoProjectLogins...) {
			fmt.Fprintf(out, "  %-13s %s\n", d.Role, d.Email)
		}
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	waitJanitor := srv.StartJanitor(ctx)
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
		log.Info("shutting down")
	}
	stop() // the janitor starts no new round
	// The requests in flight and the janitor's round under way finish within
	// the one limit, before the deferred Close closes the store under them.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if serveErr != nil {
		if err := waitJanitor(shutdownCtx); err != nil {
			log.Warn("the janitor's round was cut off at the shutdown limit; it runs again at the next start", "limit", limit)
		}
		return serveErr
	}
	err = httpSrv.Shutdown(shutdownCtx)
	if err := waitJanitor(shutdownCtx); err != nil {
		log.Warn("the janitor's round was cut off at the shutdown limit; it runs again at the next start", "limit", limit)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// The requests still running lose their connections: what they had
		// committed is saved, what they had not is not.
		_ = httpSrv.Close()
		return fmt.Errorf("stoppet før alle forespørsler var ferdige: etter %s var noen fortsatt i gang, og forbindelsene deres ble brutt; "+
			"det de ikke rakk å lagre, ble ikke lagret (stopped before every request had finished: after %[1]s some were still running, "+
			"and their connections were closed; what they had not saved was not saved)", limit)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// displayAddr turns a listen address into one a browser can open.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		if ok {
			return fmt.Sprintf("localhost:%d", tcp.Port)
		}
		return a.String()
	}
	return tcp.String()
}

// gen fills an empty database with generated data, drawing a progress bar on
// standard error.
func gen(ctx context.Context, cfg *app.Config, fs *flag.FlagSet, args []string, parse parser, out io.Writer) error {
	scale := fs.String("scale", models.GenRegional, "regional (one region, 10 000 enquiries) or national (357 municipalities, 500 000 enquiries)")
	seed := fs.Uint64("seed", 1, "the same seed and --until give the same data")
	until := fs.String("until", "", "last day of the generated seven years, YYYY-MM-DD (default yesterday)")
	enquiries := fs.Int("enquiries", 0, "number of enquiries instead of the scale's (the rest follows in proportion)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkScale(*scale); err != nil {
		return err
	}
	if *enquiries < 0 {
		return usageErrorf("--enquiries %d: a number of enquiries, or 0 for the scale's", *enquiries)
	}
	opts := models.GenOptions{Scale: *scale, Seed: *seed, Enquiries: *enquiries}
	d, err := parseUntil(*until)
	if err != nil {
		return err
	}
	opts.Until = d
	store, err := open(ctx, *cfg, out)
	if err != nil {
		return err
	}
	defer store.Close()
	bar := newProgressBar(os.Stderr)
	opts.Progress = bar.update
	start := time.Now()
	sum, err := store.Generate(ctx, opts)
	bar.done()
	if err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	fmt.Fprintf(out, "generated %s data (seed %d) in %s: %d rows\n", *scale, *seed, time.Since(start).Round(time.Second), sum.Rows)
	fmt.Fprintf(out, "  %d regions, %d users, %d new partners\n", sum.Regions, sum.Users, sum.Partners)
	fmt.Fprintf(out, "  %d enquiries, %d activities, %d referrals\n", sum.Enquiries, sum.Activities, sum.Referrals)
	fmt.Fprintf(out, "  %d projects, %d milestones, %d assessments\n", sum.Projects, sum.Milestones, sum.Assessments)
	fmt.Fprintf(out, "  %d audit log entries (the hash chain holds: samspill audit verify)\n", sum.AuditEntries)
	fmt.Fprintf(out, "\nLog-ins in the region %s (password for all: %s):\n", sum.Region, models.GenPassword)
	for _, l := range sum.Logins {
		fmt.Fprintf(out, "  %-13s %s\n", l.Role, l.Email)
	}
	return nil
}

// checkScale refuses a --scale of gen (or bench) that is neither of the two.
func checkScale(scale string) error {
	if scale != models.GenRegional && scale != models.GenNational {
		return usageErrorf("--scale %q: %s or %s", scale, models.GenRegional, models.GenNational)
	}
	return nil
}

// parseUntil reads gen's (or bench's) --until, a day that has come; none is
// the zero time, for yesterday.
func parseUntil(until string) (time.Time, error) {
	if until == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseInLocation("2006-01-02", until, models.Oslo)
	if err != nil {
		return time.Time{}, usageErrorf("--until %q: a day written YYYY-MM-DD", until)
	}
	if d.After(time.Now()) {
		return time.Time{}, usageErrorf("--until %s: a day that has come, as the history ends there", until)
	}
	return d, nil
}

// Bounds of bench's numbers: beyond them a run measures nothing, never ends
// (a rate whose interval rounds to zero) or starts more clients than the
// machine has sockets.
const (
	benchMinDuration = time.Second
	benchMinRate     = 0.01
	benchMaxRate     = 1_000_000
	benchMaxClients  = 10_000
)

// checkBench refuses bench's numbers that make no run: each error names its
// flag.
func checkBench(o bench.Options) error {
	switch {
	case o.Runs < 1:
		return usageErrorf("--runs %d: at least 1 run", o.Runs)
	case o.Duration < benchMinDuration:
		return usageErrorf("--duration %s: at least %s per run", o.Duration, benchMinDuration)
	case !(o.Rate >= benchMinRate && o.Rate <= benchMaxRate): // NaN too
		return usageErrorf("--rate %g: between %g and %d requests per second", o.Rate, benchMinRate, benchMaxRate)
	case o.Clients < 1 || o.Clients > benchMaxClients:
		return usageErrorf("--clients %d: between 1 and %d clients", o.Clients, benchMaxClients)
	case o.Regions < 1:
		return usageErrorf("--regions %d: at least 1 region", o.Regions)
	}
	if err := checkScale(o.Scale); err != nil {
		return err
	}
	_, err := parseUntil(o.Until)
	return err
}

// benchmark runs `samspill bench`: the load benchmark of the README, on SQLite
// and, with --pg, on PostgreSQL beside it.
func benchmark(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer) error {
	o := bench.Options{Out: out, Log: os.Stderr}
	db := fs.Lookup("db")
	_ = db.Value.Set("bench.db") // the benchmark's own database, not the server's
	db.DefValue = "bench.db"
	pg := fs.String("pg", "", "also run on this PostgreSQL database (a postgres:// URL), generated the same way, and compare")
	fs.StringVar(&o.Scale, "scale", models.GenNational, "scale of the data generated when the database is empty")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the generated data and of the request mix")
	fs.StringVar(&o.Until, "until", "", "last day of the generated history (default yesterday)")
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "length of each measured run")
	fs.IntVar(&o.Runs, "runs", 3, "repetitions of each run; medians are reported")
	fs.Float64Var(&o.Rate, "rate", 50, "requests per second of the fixed-rate runs")
	fs.IntVar(&o.Clients, "clients", 32, "clients of the saturation runs")
	fs.IntVar(&o.Regions, "regions", 4, "regions whose users make the requests, the largest first")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkBench(o); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	o.Executable = exe
	o.DB = db.Value.String()
	fmt.Fprintln(out, "## Load benchmark")
	first, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	if *pg == "" {
		return nil
	}
	o.DB = *pg
	second, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	bench.Compare(out, first, second)
	return nil
}

// copyDB copies the database named by cfg.DB into to.
func copyDB(ctx context.Context, cfg app.Config, to string, out io.Writer) error {
	if to == "" {
		return usageErrorf("copy: name the database to copy into with --to")
	}
	src, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := models.Open(to)
	if err != nil {
		return err
	}
	defer dst.Close()
	if _, err := dst.Migrate(ctx); err != nil { // no reference data: every row comes from the source
		return err
	}
	start := time.Now()
	err = src.CopyTo(ctx, dst, func(table string, rows int64) {
		if table != "" {
			fmt.Fprintf(os.Stderr, "copy: %d rows, now %s\n", rows, table)
		}
	})
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	n, err := dst.VerifyAudit(ctx)
	if err != nil {
		return fmt.Errorf("copy: the copy's audit log: %w", err)
	}
	fmt.Fprintf(out, "copied %s to %s in %s; the audit log's %d entries verify\n", cfg.DB, to, time.Since(start).Round(time.Second), n)
	return nil
}

// progressBar draws the generator's progress on a terminal: one line redrawn
// in place, at most ten times a second. When the output is not a terminal (a
// log file, CI) it writes a line at each tenth of a phase instead.
type progressBar struct {
	w        io.Writer
	terminal bool
	start    time.Time
	last     time.Time
	phase    string
	tenth    int64
}

func newProgressBar(w io.Writer) *progressBar {
	b := &progressBar{w: w, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.terminal = true
		}
	}
	return b
}

func (b *progressBar) update(p models.GenProgress) {
	now := time.Now()
	frac := 1.0
	if p.Total > 0 {
		frac = float64(p.Done) / float64(p.Total)
	}
	line := fmt.Sprintf("%-13s [%-30s] %3.0f%%  %d/%d  rows %s  %s", p.Phase, strings.Repeat("#", int(frac*30)), frac*100,
		p.Done, p.Total, humanCount(p.Rows), now.Sub(b.start).Round(time.Second))
	if !b.terminal {
		if p.Phase != b.phase {
			b.phase, b.tenth = p.Phase, -1
		}
		if t := int64(frac * 10); t > b.tenth {
			b.tenth = t
			fmt.Fprintln(b.w, line)
		}
		return
	}
	if p.Phase == b.phase && now.Sub(b.last) < 100*time.Millisecond && p.Done < p.Total {
		return
	}
	if p.Phase != b.phase && b.phase != "" {
		fmt.Fprintln(b.w)
	}
	b.phase, b.last = p.Phase, now
	fmt.Fprintf(b.w, "\r%s\033[K", line)
}

func (b *progressBar) done() {
	if b.terminal && b.phase != "" {
		fmt.Fprintln(b.w)
	}
}

func humanCount(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
