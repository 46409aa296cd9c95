package app

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of the server. Each is a flag of `samspill serve` and a
// SAMSPILL_* environment variable; flags win.
type Config struct {
	Addr            string        // SAMSPILL_ADDR, listen address
	DB              string        // SAMSPILL_DB, SQLite file or postgres:// URL
	Demo            bool          // SAMSPILL_DEMO, load the demo region and users
	SecureCookies   bool          // SAMSPILL_SECURE_COOKIES, mark cookies Secure (set when served over TLS, also behind a proxy)
	TrustedProxies  []*net.IPNet  // SAMSPILL_TRUSTED_PROXIES, comma-separated CIDRs whose X-Forwarded-For is believed
	SessionIdle     time.Duration // SAMSPILL_SESSION_IDLE, log out after this long without a request
	SessionLifetime time.Duration // SAMSPILL_SESSION_LIFETIME, log out after this long whatever happens
	AdminEmail      string        // SAMSPILL_ADMIN_EMAIL, the first admin of an empty installation
	IntakeBurst     int           // SAMSPILL_INTAKE_BURST, one-door submissions an address may send at once
	IntakeEvery     time.Duration // SAMSPILL_INTAKE_EVERY, and then one per this interval
	BenchFloor      bool          // SAMSPILL_BENCH_FLOOR, answer GET /bench/floor: an empty page behind all middleware, for `samspill bench`
}

// DefaultConfig is the configuration with nothing set.
func DefaultConfig() Config {
	return Config{
		Addr:            ":8080",
		DB:              "samspill.db",
		SessionIdle:     30 * time.Minute,
		SessionLifetime: 12 * time.Hour,
		AdminEmail:      "admin@samspill.local",
		IntakeBurst:     5,
		IntakeEvery:     time.Minute,
	}
}

// LoadConfig reads the SAMSPILL_* variables through getenv over the defaults.
// Tests pass a map lookup instead of os.Getenv.
func LoadConfig(getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	set := func(name string, apply func(string) error) error {
		if v := getenv(name); v != "" {
			if err := apply(v); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	}
	str := func(dst *string) func(string) error { return func(v string) error { *dst = v; return nil } }
	boolean := func(dst *bool) func(string) error {
		return func(v string) (err error) { *dst, err = strconv.ParseBool(v); return err }
	}
	duration := func(dst *time.Duration) func(string) error {
		return func(v string) (err error) { *dst, err = time.ParseDuration(v); return err }
	}
	err := firstErr(
		set("SAMSPILL_ADDR", str(&cfg.Addr)),
		set("SAMSPILL_DB", str(&cfg.DB)),
		set("SAMSPILL_DEMO", boolean(&cfg.Demo)),
		set("SAMSPILL_SECURE_COOKIES", boolean(&cfg.SecureCookies)),
		set("SAMSPILL_TRUSTED_PROXIES", func(v string) (err error) { cfg.TrustedProxies, err = ParseCIDRs(v); return err }),
		set("SAMSPILL_SESSION_IDLE", duration(&cfg.SessionIdle)),
		set("SAMSPILL_SESSION_LIFETIME", duration(&cfg.SessionLifetime)),
		set("SAMSPILL_ADMIN_EMAIL", str(&cfg.AdminEmail)),
		set("SAMSPILL_INTAKE_BURST", func(v string) (err error) { cfg.IntakeBurst, err = strconv.Atoi(v); return err }),
		set("SAMSPILL_INTAKE_EVERY", duration(&cfg.IntakeEvery)),
		set("SAMSPILL_BENCH_FLOOR", boolean(&cfg.BenchFloor)),
	)
	return cfg, err
}

// Check refuses settings that would quietly undo what they are for: a rate
// limit of zero per interval turns the one door's limit off, a burst of zero
// refuses every submission after the first, and a zero timeout logs
// everybody out at once.
func (c Config) Check() error {
	switch {
	case c.IntakeBurst < 1:
		return fmt.Errorf("--intake-burst (SAMSPILL_INTAKE_BURST): intake burst %d: at least 1 submission", c.IntakeBurst)
	case c.IntakeEvery <= 0:
		return fmt.Errorf("--intake-every (SAMSPILL_INTAKE_EVERY): intake interval %s: longer than zero", c.IntakeEvery)
	case c.SessionIdle <= 0:
		return fmt.Errorf("--session-idle (SAMSPILL_SESSION_IDLE): session timeouts %s: longer than zero", c.SessionIdle)
	case c.SessionLifetime <= 0:
		return fmt.Errorf("--session-lifetime (SAMSPILL_SESSION_LIFETIME): session timeouts %s: longer than zero", c.SessionLifetime)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ParseCIDRs parses a comma-separated list of CIDRs or single addresses.
func ParseCIDRs(v string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			if ip := net.ParseIP(part); ip != nil && ip.To4() != nil {
				part += "/32"
			} else {
				part += "/128"
			}
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}
