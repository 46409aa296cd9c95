package cli

// The command line of /work/shared/DESIGN.md's "Contract" section, where the
// other CLI tests leave it unchecked: the defaults of serve, the log-ins
// serve --demo prints, and user add's links to a municipality or a partner.

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"samspill/app"
	"samspill/models"
)

// Without flags or variables serve listens on :8080 and uses the file
// samspill.db (in the working directory); SAMSPILL_ADDR and SAMSPILL_DB set
// them. Not parallel: it changes the working directory.
func TestContractDefaults(t *testing.T) {
	cfg, err := app.LoadConfig(func(string) string { return "" })
	if err != nil || cfg.Addr != ":8080" || cfg.DB != "samspill.db" {
		t.Errorf("defaults: addr %q, db %q, %v; want :8080 and samspill.db", cfg.Addr, cfg.DB, err)
	}
	env := map[string]string{"SAMSPILL_ADDR": "127.0.0.1:9999", "SAMSPILL_DB": "postgres://db.example/samspill"}
	cfg, err = app.LoadConfig(func(k string) string { return env[k] })
	if err != nil || cfg.Addr != env["SAMSPILL_ADDR"] || cfg.DB != env["SAMSPILL_DB"] {
		t.Errorf("from the variables: addr %q, db %q, %v; want %q and %q", cfg.Addr, cfg.DB, err, env["SAMSPILL_ADDR"], env["SAMSPILL_DB"])
	}
	dir := t.TempDir()
	t.Chdir(dir)
	if err := run(context.Background(), []string{"migrate"}, io.Discard, func(string) string { return "" }); err != nil {
		t.Fatalf("samspill migrate without --db: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "samspill.db")); err != nil {
		t.Errorf("samspill migrate without --db made no samspill.db: %v", err)
	}
}

// syncBuffer is a bytes.Buffer that serve may write while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve --demo prints the log-in of the demo user of every role, with the
// demo password.
func TestContractServeDemoPrintsLogins(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo.db")
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--db", db}, &out, func(string) string { return "" })
	}()
	printed := func() bool {
		s := out.String()
		for _, d := range models.DemoLogins {
			if !strings.Contains(s, d.Email) {
				return false
			}
		}
		return strings.Contains(s, models.DemoPassword)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !printed() && time.Now().Before(deadline) {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve --demo ended: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve --demo: %v", err)
	}
	s := out.String()
	for _, d := range models.DemoLogins {
		if !strings.Contains(s, d.Role) || !strings.Contains(s, d.Email) {
			t.Errorf("serve --demo did not print the %s log-in %s:\n%s", d.Role, d.Email, s)
		}
	}
	if !strings.Contains(s, models.DemoPassword) {
		t.Errorf("serve --demo did not print the demo password:\n%s", s)
	}
}

// user add --municipality NNNN and --partner ID link the new user, and the
// password is alone on the last line either way.
func TestContractUserAddLinks(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	ctx := context.Background()
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	partner, err := store.PartnerByName(ctx, "Innovasjon Norge")
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		email, role, flag, value string
	}{
		{"kommune@stange.example", models.RoleMunicipality, "--municipality", "3413"},
		{"kontakt@innovasjon.example", models.RolePartner, "--partner", strconv.FormatInt(partner.ID, 10)},
	} {
		var out bytes.Buffer
		args := []string{"user", "add", "--email", c.email, "--name", "Ny Bruker", "--role", c.role, "--region", models.DemoRegionSlug, c.flag, c.value, "--db", db}
		if err := run(ctx, args, &out, func(string) string { return "" }); err != nil {
			t.Fatalf("samspill %s: %v", strings.Join(args, " "), err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		password := lines[len(lines)-1]
		store, err := models.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		u, err := store.Authenticate(ctx, c.email, password)
		if err == nil {
			u, err = store.UserByID(ctx, u.ID)
		}
		store.Close()
		if err != nil {
			t.Errorf("samspill %s: the last line %q does not log in: %v", strings.Join(args, " "), password, err)
			continue
		}
		switch c.role {
		case models.RoleMunicipality:
			if u.Municipality == nil || *u.Municipality != c.value {
				t.Errorf("%s: municipality %v; want %s", c.email, u.Municipality, c.value)
			}
		case models.RolePartner:
			if u.PartnerID == nil || *u.PartnerID != partner.ID {
				t.Errorf("%s: partner %v; want %d", c.email, u.PartnerID, partner.ID)
			}
		}
	}
}

// Every setting of the server is a flag of serve and a SAMSPILL_* variable of
// the same name, and serve --help names both.
func TestContractEverySettingFlagAndVariable(t *testing.T) {
	t.Parallel()
	flags := app.SettingFlags()
	if n := reflect.TypeOf(app.Config{}).NumField(); len(flags) != n {
		t.Errorf("%d settings have a flag and a variable; Config has %d fields", len(flags), n)
	}
	var out bytes.Buffer
	_ = run(context.Background(), []string{"serve", "--help"}, &out, func(string) string { return "" })
	help := out.String()
	for _, f := range flags {
		variable := "SAMSPILL_" + strings.ToUpper(strings.ReplaceAll(f, "-", "_"))
		if !strings.Contains(help, "-"+f) || !strings.Contains(help, variable) {
			t.Errorf("samspill serve --help does not name the flag --%s and the variable %s:\n%s", f, variable, help)
		}
	}
}
