package app

import (
	"fmt"
	"net"
	"slices"
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

// setting is one of Config's settings: its flag (of samspill serve, without
// the dashes), its SAMSPILL_* variable, and how a variable's value is read.
type setting struct {
	flag, env string
	read      func(c *Config, v string) error
}

// settings are Config's settings in the order of the README's table.
var settings = []setting{
	{"addr", "SAMSPILL_ADDR", func(c *Config, v string) error { c.Addr = v; return nil }},
	{"db", "SAMSPILL_DB", func(c *Config, v string) error { c.DB = v; return nil }},
	{"demo", "SAMSPILL_DEMO", func(c *Config, v string) (err error) { c.Demo, err = strconv.ParseBool(v); return err }},
	{"secure-cookies", "SAMSPILL_SECURE_COOKIES", func(c *Config, v string) (err error) { c.SecureCookies, err = strconv.ParseBool(v); return err }},
	{"trusted-proxies", "SAMSPILL_TRUSTED_PROXIES", func(c *Config, v string) (err error) { c.TrustedProxies, err = ParseCIDRs(v); return err }},
	{"session-idle", "SAMSPILL_SESSION_IDLE", func(c *Config, v string) (err error) { c.SessionIdle, err = time.ParseDuration(v); return err }},
	{"session-lifetime", "SAMSPILL_SESSION_LIFETIME", func(c *Config, v string) (err error) { c.SessionLifetime, err = time.ParseDuration(v); return err }},
	{"admin-email", "SAMSPILL_ADMIN_EMAIL", func(c *Config, v string) error { c.AdminEmail = v; return nil }},
	{"intake-burst", "SAMSPILL_INTAKE_BURST", func(c *Config, v string) (err error) { c.IntakeBurst, err = strconv.Atoi(v); return err }},
	{"intake-every", "SAMSPILL_INTAKE_EVERY", func(c *Config, v string) (err error) { c.IntakeEvery, err = time.ParseDuration(v); return err }},
	{"bench-floor", "SAMSPILL_BENCH_FLOOR", func(c *Config, v string) (err error) { c.BenchFloor, err = strconv.ParseBool(v); return err }},
}

// SettingFlags are the flags of every setting, the ones samspill serve reads.
func SettingFlags() []string {
	flags := make([]string, len(settings))
	for i, s := range settings {
		flags[i] = s.flag
	}
	return flags
}

// LoadConfig reads every SAMSPILL_* variable through getenv over the defaults.
// Tests pass a map lookup instead of os.Getenv.
func LoadConfig(getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	return cfg, cfg.ReadEnv(getenv, SettingFlags()...)
}

// ReadEnv reads through getenv the variables of the settings whose flags are
// named, and only those: a command reads the settings it uses, and none whose
// flag was given, so that a bad variable stops only a command that would use
// it. An unset or empty variable leaves the setting as it is. A bad value is
// refused with the variable's name and its flag's.
func (c *Config) ReadEnv(getenv func(string) string, flags ...string) error {
	for _, s := range settings {
		if !slices.Contains(flags, s.flag) {
			continue
		}
		if v := getenv(s.env); v != "" {
			if err := s.read(c, v); err != nil {
				return fmt.Errorf("%s (--%s): %w", s.env, s.flag, err)
			}
		}
	}
	return nil
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
