package models

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"samspill/models/dbtest"
)

func init() { BcryptCost = bcrypt.MinCost }

// newStore opens a migrated store with the reference data: a SQLite file in a
// temp dir, or a fresh PostgreSQL database when SAMSPILL_TEST_POSTGRES is set.
func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(dbtest.DSN(t, "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadReferenceData(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// skipOnPostgres skips a test of something only SQLite has.
func skipOnPostgres(t *testing.T, why string) {
	t.Helper()
	if dbtest.Postgres() {
		t.Skip(why)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func count(t *testing.T, s *Store, table string) int64 {
	t.Helper()
	var n int64
	if err := s.rdb.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReferenceDataLoadsOnce(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	want := map[string]int64{"municipalities": 357, "counties": 15, "industry_sections": 21, "factors": 9, "partners": 10}
	check := func(when string) {
		for table, n := range want {
			if got := count(t, s, table); got != n {
				t.Errorf("%s: %s has %d rows; want %d", when, table, got, n)
			}
		}
	}
	check("first load")
	if err := s.LoadReferenceData(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Migrate(ctx); err != nil || n != 0 {
		t.Errorf("second Migrate applied %d steps (%v); want 0", n, err)
	}
	check("second load")

	m, err := s.Municipality(ctx, "0301")
	if err != nil || m.Name != "Oslo" || m.County.Name != "Oslo" || m.Population != 717710 {
		t.Errorf("Oslo = %+v, %v", m, err)
	}
	m, err = s.Municipality(ctx, "5612")
	if err != nil || m.Name != "Kautokeino" || m.OfficialName != "Guovdageaidnu - Kautokeino" {
		t.Errorf("5612 = %+v, %v", m, err)
	}
}

// An admin's edit of reference data survives the next start's load.
func TestReferenceDataKeepsEdits(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if err := s.UpdateMunicipality(ctx, Actor{}, "3412", MunicipalityUpdate{Organisation: "business_consultant", BusinessFTE: 0.8, Version: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadReferenceData(ctx); err != nil {
		t.Fatal(err)
	}
	m, err := s.Municipality(ctx, "3412")
	if err != nil || m.Organisation != "business_consultant" || m.BusinessFTE != 0.8 || m.Version != 2 {
		t.Errorf("after reload Løten = %+v, %v", m, err)
	}
	if err := s.UpdateMunicipality(ctx, Actor{}, "3412", MunicipalityUpdate{Version: 1}); !errors.Is(err, ErrConflict) {
		t.Errorf("stale update: %v; want ErrConflict", err)
	}
	if err := s.UpdateMunicipality(ctx, Actor{}, "9999", MunicipalityUpdate{Version: 1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown municipality: %v; want ErrNotFound", err)
	}
}

func TestDemoLoadsOnce(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := s.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := count(t, s, "regions"); got != 1 {
		t.Errorf("regions = %d; want 1", got)
	}
	if got := count(t, s, "region_members"); got != 3 {
		t.Errorf("region members = %d; want 3", got)
	}
	if got := count(t, s, "users"); got != int64(len(DemoLogins)+len(DemoProjectLogins)) {
		t.Errorf("users = %d; want %d", got, len(DemoLogins)+len(DemoProjectLogins))
	}
	for _, d := range DemoLogins {
		u, err := s.Authenticate(ctx, d.Email, DemoPassword)
		if err != nil {
			t.Errorf("demo %s cannot log in: %v", d.Role, err)
			continue
		}
		u, _ = s.UserByID(ctx, u.ID)
		if len(u.Roles) != 1 || u.Roles[0].Role != d.Role {
			t.Errorf("demo %s has roles %+v", d.Email, u.Roles)
		}
	}
	r, err := s.RegionForMunicipality(ctx, "3412", s.now())
	if err != nil || r.Slug != DemoRegionSlug {
		t.Errorf("region for Løten = %v, %v", r, err)
	}
	if _, err := s.RegionForMunicipality(ctx, "0301", s.now()); !errors.Is(err, ErrNotFound) {
		t.Errorf("region for Oslo: %v; want ErrNotFound (admin queue)", err)
	}
}

// TestConcurrentWrites has 20 goroutines write at once through the single writer
// connection; none may see "database is locked" or any other error.
func TestConcurrentWrites(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	const writers, each = 20, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				_, err := s.CreatePartner(ctx, Actor{}, PartnerInput{Name: fmt.Sprintf("Partner %d-%d", w, i), Kind: "local"})
				if err != nil {
					errs <- err
				}
				// Reads interleave with the writes on the separate read pool.
				if _, _, err := s.Partners(ctx, PartnerFilter{}); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	if got := count(t, s, "partners"); got != 10+writers*each {
		t.Errorf("partners = %d; want %d", got, 10+writers*each)
	}
}

func TestSQLitePragmas(t *testing.T) {
	t.Parallel()
	skipOnPostgres(t, "pragmas are SQLite's")
	s := newStore(t)
	checks := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2", "secure_delete": "1"}
	for pragma, want := range checks {
		var got string
		if err := s.db.Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s; want %s", pragma, got, want)
		}
	}
	// The read pool cannot write.
	if err := s.rdb.Exec("INSERT INTO counters (name, value) VALUES ('x', 1)").Error; err == nil {
		t.Error("the read pool accepted a write")
	}
	// Foreign keys hold.
	if err := s.db.Exec("INSERT INTO region_members (region_id, kommunenummer, joined_on) VALUES (999, '3412', '2024-01-01')").Error; err == nil {
		t.Error("a member of a missing region was accepted")
	}
}

func TestBackup(t *testing.T) {
	t.Parallel()
	skipOnPostgres(t, "VACUUM INTO is SQLite's backup; PostgreSQL has pg_dump")
	s := newStore(t)
	ctx := context.Background()
	if err := s.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var ok string
	if err := b.rdb.Raw("PRAGMA integrity_check").Scan(&ok).Error; err != nil || ok != "ok" {
		t.Errorf("integrity_check = %q, %v", ok, err)
	}
	if got, want := count(t, b, "users"), count(t, s, "users"); got != want {
		t.Errorf("backup has %d users; want %d", got, want)
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	if len(commonPasswords()) < 10000 {
		t.Fatalf("only %d common passwords loaded", len(commonPasswords()))
	}
	tests := map[string]string{
		"kort":                    "error.password_short",
		"elleve tegn":             "error.password_short",
		"tolv tegn ok":            "",
		"qwertyuiopas":            "",
		"jomfruhummer på tirsdag": "",
		strings.Repeat("x", 257):  "error.too_long#256",
		"abcdefghijk1":            "",
	}
	for pw, want := range tests {
		if got := checkPassword(pw); got != want {
			t.Errorf("checkPassword(%q) = %q; want %q", pw, got, want)
		}
	}
	// Every listed password of 12 characters or more is refused, in any case.
	for p := range commonPasswords() {
		if len([]rune(p)) >= MinPasswordLength {
			if got := checkPassword(strings.ToUpper(p)); got != "error.password_common" {
				t.Errorf("checkPassword(%q) = %q; want error.password_common", strings.ToUpper(p), got)
			}
		}
	}
}

func TestPercent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		part, whole int64
		want        int
	}{{1, 6, 17}, {3, 4, 75}, {0, 5, 0}, {5, 5, 100}, {1, 3, 33}, {2, 3, 67}, {1, 0, 0}}
	for _, tt := range tests {
		if got := percent(share(float64(tt.part), float64(tt.whole))); got != tt.want {
			t.Errorf("percent(%d, %d) = %d; want %d", tt.part, tt.whole, got, tt.want)
		}
	}
}

// Migration 16 counts the inbox's totals again on PostgreSQL, under a lock:
// totals that migrations 12 and 13 left short (an enquiry committed between
// their count and their triggers) come out equal to the enquiries.
func TestMigrationRecountsTotals(t *testing.T) {
	t.Parallel()
	if !dbtest.Postgres() {
		t.Skip("the recount is PostgreSQL's; SQLite migrates under its one write lock")
	}
	s := newStore(t)
	ctx := context.Background()
	if err := s.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	var want int64
	if err := s.db.Raw(`SELECT COUNT(*) FROM enquiries`).Scan(&want).Error; err != nil {
		t.Fatal(err)
	}
	// As the race left them: one enquiry short in both.
	for _, stmt := range []string{
		`UPDATE enquiry_totals SET n = n - 1 WHERE (region_id, status) IN (SELECT region_id, status FROM enquiry_totals WHERE n > 0 LIMIT 1)`,
		`UPDATE enquiry_need_totals SET n = n - 1 WHERE (region_id, status, need) IN (SELECT region_id, status, need FROM enquiry_need_totals WHERE n > 0 LIMIT 1)`,
		`DELETE FROM schema_migrations WHERE version = 16`,
	} {
		if err := s.db.Exec(stmt).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := s.applyMigration(s.db.WithContext(ctx), 16); err != nil {
		t.Fatalf("migration 16 again: %v", err)
	}
	var got int64
	if err := s.db.Raw(`SELECT COALESCE(SUM(n), 0) FROM enquiry_totals`).Scan(&got).Error; err != nil || got != want {
		t.Errorf("totals after the recount: %d (%v); want %d", got, err, want)
	}
	var needs, counted int64
	s.db.Raw(`SELECT COALESCE(SUM(n), 0) FROM enquiry_need_totals`).Scan(&needs)
	s.db.Raw(`SELECT COUNT(*) FROM enquiries, unnest(string_to_array(needs, ',')) AS need WHERE need <> ''`).Scan(&counted)
	if needs != counted {
		t.Errorf("need totals after the recount: %d; want %d", needs, counted)
	}
}

// A catalogue partner an admin renamed stays renamed at the next start: the
// catalogue is loaded into an installation without partners only, so the old
// name does not come back beside it.
func TestPartnerCatalogueKeepsRenames(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	p, err := s.PartnerByName(ctx, "Innovasjon Norge")
	if err != nil {
		t.Fatal(err)
	}
	var before int64
	s.db.Model(&Partner{}).Count(&before)
	if err := s.UpdatePartner(ctx, Actor{}, p.ID, PartnerInput{Name: "Innovasjon Norge Innlandet", Kind: p.Kind, Services: strings.Split(p.Services, ","),
		Website: p.Website, Active: true, Version: p.Version}); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadReferenceData(ctx); err != nil {
		t.Fatal(err)
	}
	var after int64
	s.db.Model(&Partner{}).Count(&after)
	if _, err := s.PartnerByName(ctx, "Innovasjon Norge"); !errors.Is(err, ErrNotFound) || after != before {
		t.Errorf("after the next start: %d partners (before %d), the old name: %v", after, before, err)
	}
}

// The demo starts again after an admin renamed its partner (the catalogue is
// not loaded again, so the old name is gone).
func TestDemoStartsAfterPartnerRenamed(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if err := s.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := s.PartnerByName(ctx, "Innovasjon Norge")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdatePartner(ctx, Actor{}, p.ID, PartnerInput{Name: "Innovasjon Norge Innlandet", Kind: p.Kind, Services: strings.Split(p.Services, ","),
		Website: p.Website, Active: true, Version: p.Version}); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadReferenceData(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadDemo(ctx); err != nil {
		t.Errorf("the demo's next start: %v", err)
	}
}

// A web address is an address with a host: "https://" alone was taken.
func TestWebAddress(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"https://www.innovasjonnorge.no":  true,
		"http://hamar.kommune.no/naering": true,
		"https://":                        false,
		"https:// ":                       false,
		"https://exa mple.no":             false,
		"https://www.example.no/dokumenter/sluttrapport 2025.pdf": true,
		"https://www.example.no/a%zz":                             true,
		"Https://www.hamar.kommune.no":                            true,
		"HTTP://EXAMPLE.NO":                                       true,
		"ftp://example.no":                                        false,
		"www.example.no":                                          false,
		"javascript:alert(1)":                                     false,
	} {
		if got := webAddress(s); got != want {
			t.Errorf("webAddress(%q) = %t; want %t", s, got, want)
		}
	}
}

// Ping fails while another connection holds SQLite's write lock, within
// about pingWriteWait, and leaves the writer as it was: its writes wait the
// full busy timeout again, not the probe's short one.
func TestPingWriteLock(t *testing.T) {
	t.Parallel()
	skipOnPostgres(t, "the write lock is SQLite's")
	ctx := context.Background()
	s := newStore(t)
	busy := func() (ms int) {
		t.Helper()
		if err := s.db.Raw("PRAGMA busy_timeout").Scan(&ms).Error; err != nil {
			t.Fatal(err)
		}
		return ms
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if got := busy(); got != busyTimeoutMS {
		t.Errorf("the writer's busy timeout after Ping is %d ms; want %d", got, busyTimeoutMS)
	}
	other, err := Open(s.file)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	sqlDB, err := other.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping succeeded while another connection held the write lock")
	}
	if took := time.Since(start); took > pingWriteWait+2*time.Second {
		t.Errorf("Ping took %s with the write lock held; want about %s", took, pingWriteWait)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if got := busy(); got != busyTimeoutMS {
		t.Errorf("the writer's busy timeout after a failed Ping is %d ms; want %d", got, busyTimeoutMS)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping once the write lock is free: %v", err)
	}
}

// On PostgreSQL, Ping fails on a server that takes no writes (a standby
// after a failover answers reads only), here one whose sessions are read-only.
func TestPingReadOnlyPostgres(t *testing.T) {
	t.Parallel()
	if !dbtest.Postgres() {
		t.Skip("transaction_read_only is PostgreSQL's")
	}
	s := newStore(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	sqlDB, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := sqlDB.QueryRow("SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.Exec(`ALTER DATABASE "` + name + `" SET default_transaction_read_only = on`); err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Exec(`ALTER DATABASE "` + name + `" SET default_transaction_read_only = off`)
	sqlDB.SetMaxIdleConns(0) // the next connections are new, and read-only
	if err := s.Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "transaction_read_only") {
		t.Errorf("Ping of a read-only PostgreSQL: %v; want an error naming transaction_read_only", err)
	}
}

// TestDemoEnquiriesAsTheyCameIn: the demo's web enquiries came through the one
// door, which has no staff user: their creation is audited and their consents
// recorded without a user, as the one door's are (CreateEnquiry with no
// viewer and the one door's actor), not as by the adviser. And the demo has a
// closed case, closed by the adviser through CloseEnquiry, so that a closed
// case's page is seen and swept.
func TestDemoEnquiriesAsTheyCameIn(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if err := s.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	var web []struct {
		ID        int64
		CreatedBy *int64
	}
	if err := s.db.Raw("SELECT id, created_by FROM enquiries WHERE channel = 'web'").Scan(&web).Error; err != nil || len(web) == 0 {
		t.Fatalf("the demo has %d web enquiries (%v)", len(web), err)
	}
	for _, e := range web {
		var by []struct{ UserID *int64 }
		s.db.Raw("SELECT user_id FROM audit_log WHERE object = 'enquiry' AND action = 'create' AND object_id = ?", fmt.Sprint(e.ID)).Scan(&by)
		if e.CreatedBy != nil || len(by) != 1 || by[0].UserID != nil {
			t.Errorf("web enquiry %d: created by %v, audited as by %+v; want no user, as the one door", e.ID, e.CreatedBy, by)
		}
		var recorded int64
		s.db.Raw("SELECT COUNT(*) FROM consents WHERE enquiry_id = ? AND recorded_by IS NOT NULL", e.ID).Scan(&recorded)
		if recorded != 0 {
			t.Errorf("web enquiry %d: %d consents recorded by a user", e.ID, recorded)
		}
	}
	var closed []struct {
		ID               int64
		Outcome          string
		OutcomeOrgNumber string
	}
	s.db.Raw("SELECT id, outcome, outcome_org_number FROM enquiries WHERE status = 'closed'").Scan(&closed)
	if len(closed) != 1 {
		t.Fatalf("the demo has %d closed enquiries; want 1", len(closed))
	}
	c := closed[0]
	if c.Outcome != "established" || CheckOrgNumber(c.OutcomeOrgNumber) != "" {
		t.Errorf("the closed case's outcome is %q with org number %q; want established with a valid one", c.Outcome, c.OutcomeOrgNumber)
	}
	var closes []struct{ UserID *int64 }
	s.db.Raw("SELECT user_id FROM audit_log WHERE object = 'enquiry' AND action = 'close' AND object_id = ?", fmt.Sprint(c.ID)).Scan(&closes)
	if len(closes) != 1 || closes[0].UserID == nil {
		t.Errorf("the closed case's closing is audited as %v; want once, by the adviser", closes)
	}
}

// Close lets go of the reader's compiled statements: a store closed with its
// statements still kept kept them, and through them the closed pool, for as
// long as anything referred to the store (GORM's cache did, from a goroutine
// that never ended: v1.31, go-gorm/gorm#7788).
func TestCloseEmptiesTheReadersStatements(t *testing.T) {
	t.Parallel()
	skipOnPostgres(t, "PostgreSQL's reads keep no statements of ours (pgx keeps them)")
	s := newStore(t)
	if _, err := s.RegionBySlug(context.Background(), "no-such-region"); err == nil {
		t.Fatal("found a region that does not exist")
	}
	if s.reads.keptCount() == 0 {
		t.Fatal("the read kept no statement; the test shows nothing")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := s.reads.keptCount(); n > 0 {
		t.Errorf("after Close the read pool still keeps %d statements", n)
	}
}
