package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"samspill/models/dbtest"
)

// A token is made for 1 to TokenMaxDays days; any other number is refused
// and makes no token.
func TestCreateTokenDays(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, Actor{}, UserInput{Email: "nokkel@example.org", Name: "Nøkkel"}, "et passord som holder 1", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, days := range []int{0, -1, TokenMaxDays + 1} {
		_, _, err := s.CreateToken(ctx, Actor{}, u.ID, "x", days, TokenWrite)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields["days"] != "error.token_days" {
			t.Errorf("CreateToken for %d days: %v; want a validation error on days", days, err)
		}
	}
	var n int64
	s.db.Model(&APIToken{}).Count(&n)
	if n != 0 {
		t.Errorf("refused tokens left %d rows; want 0", n)
	}
	for _, days := range []int{1, TokenDays, TokenMaxDays} {
		_, tok, err := s.CreateToken(ctx, Actor{}, u.ID, "x", days, TokenWrite)
		if err != nil {
			t.Fatalf("CreateToken for %d days: %v", days, err)
		}
		if got, want := tok.ExpiresAt.Sub(tok.CreatedAt), time.Duration(days)*24*time.Hour; got != want {
			t.Errorf("a token for %d days works for %v; want %v", days, got, want)
		}
	}
}

// The migration that gives tokens an expiry gives those made before it 90
// days from the upgrade: none stops at the upgrade, none works for ever.
func TestMigrationGivesOldTokensAnExpiry(t *testing.T) {
	t.Parallel()
	s, db := storeBefore(t, "api_tokens ADD COLUMN expires_at")
	ctx := context.Background()
	made := time.Now().UTC().AddDate(-1, 0, 0) // a year old
	if err := db.Exec(`INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES (1, 'gammel@example.org', 'Gammel', 'x', ?, ?)`, made, made).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (1, 'gammel', 'abc', ?)`, made).Error; err != nil {
		t.Fatal(err)
	}
	before := time.Now().UTC()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var tok APIToken
	if err := s.db.Where("token_hash = 'abc'").First(&tok).Error; err != nil {
		t.Fatal(err)
	}
	if from := before.AddDate(0, 0, TokenDays); tok.ExpiresAt.Before(from.Add(-time.Second)) || tok.ExpiresAt.After(from.Add(time.Minute)) {
		t.Errorf("the old token expires %v; want %d days from the upgrade, %v", tok.ExpiresAt, TokenDays, from)
	}
}

// The migration that gives tokens a scope keeps those made before it as they
// were, able to read and write: an integration that writes does not stop at
// the upgrade.
func TestMigrationKeepsOldTokensReadWrite(t *testing.T) {
	t.Parallel()
	s, db := storeBefore(t, "api_tokens ADD COLUMN scope")
	ctx := context.Background()
	made := time.Now().UTC()
	if err := db.Exec(`INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES (1, 'gammel@example.org', 'Gammel', 'x', ?, ?)`, made, made).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES (1, 'gammel', 'abc', ?, ?)`, made, made.AddDate(0, 0, TokenDays)).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var scope string
	if err := db.Raw(`SELECT scope FROM api_tokens WHERE token_hash = 'abc'`).Scan(&scope).Error; err != nil {
		t.Fatal(err)
	}
	if scope != "write" {
		t.Errorf("the token made before the upgrade has scope %q; want write, as it could write before", scope)
	}
}

// A token is made to read only or to read and write, and says which when
// it authenticates and when listed; any other scope is refused and makes no
// token. The audit entry of its making says its scope.
func TestCreateTokenScope(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, Actor{}, UserInput{Email: "omfang@example.org", Name: "Omfang"}, "et passord som holder 1", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []TokenScope{"", "admin", "READ"} {
		_, _, err := s.CreateToken(ctx, Actor{}, u.ID, "x", TokenDays, bad)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields["scope"] != "error.token_scope" {
			t.Errorf("CreateToken with scope %q: %v; want a validation error on scope", bad, err)
		}
	}
	var n int64
	s.db.Model(&APIToken{}).Count(&n)
	if n != 0 {
		t.Errorf("refused tokens left %d rows; want 0", n)
	}
	for _, scope := range TokenScopes {
		token, made, err := s.CreateToken(ctx, Actor{}, u.ID, string(scope), TokenDays, scope)
		if err != nil {
			t.Fatalf("CreateToken %s: %v", scope, err)
		}
		if made.Scope != scope {
			t.Errorf("the token made %s has scope %q", scope, made.Scope)
		}
		who, got, err := s.UserByToken(ctx, token)
		if err != nil || who.ID != u.ID || got != scope {
			t.Errorf("UserByToken of the %s token = %v, %q, %v; want the user and %s", scope, who, got, err, scope)
		}
		entries, err := s.AuditFor(ctx, "api_token", fmt.Sprint(made.ID))
		if err != nil || len(entries) != 1 || !strings.HasSuffix(entries[0].Detail, " scope="+string(scope)) {
			t.Errorf("the audit entry of the %s token: %+v %v; want its detail to end in scope=%s", scope, entries, err, scope)
		}
	}
	list, err := s.Tokens(ctx, &Viewer{User: u}, u.ID)
	if err != nil || len(list) != 2 || list[0].Scope != TokenWrite || list[1].Scope != TokenRead {
		t.Errorf("Tokens = %+v, %v; want the write token, then the read one", list, err)
	}
}

// storeBefore opens a new database migrated up to, not including, the
// migration whose text holds change: a database as it was before it.
func storeBefore(t *testing.T, change string) (*Store, *gorm.DB) {
	t.Helper()
	s, err := Open(dbtest.DSN(t, "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	step := 0
	for i, m := range migrations {
		if strings.Contains(m, change) {
			step = i + 1
		}
	}
	if step == 0 {
		t.Fatalf("no migration holds %q", change)
	}
	db := s.db.WithContext(context.Background())
	if err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at ` + s.portable("{{TIME}}") + ` NOT NULL)`).Error; err != nil {
		t.Fatal(err)
	}
	for v := 1; v < step; v++ {
		if err := s.applyMigration(db, v); err != nil {
			t.Fatal(err)
		}
	}
	return s, db
}
