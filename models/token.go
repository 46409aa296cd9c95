package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// APIToken is a bearer token for the JSON API. Only its SHA-256 is stored: the
// token itself is shown once, when it is made.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	TokenHash  string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	Scope      TokenScope `json:"scope"`
	Expired    bool       `gorm:"-" json:"-"` // past ExpiresAt when listed; set by Tokens
}

// TokenScope is what a token may do with its owner's rights: read only
// (GET and HEAD), or read and write. A token never has more rights than its
// owner; a read-only one has fewer, so that an integration that only reads
// statistics cannot change or erase cases when it leaks.
type TokenScope string

const (
	TokenRead  TokenScope = "read"
	TokenWrite TokenScope = "write"
)

// TokenScopes are the scopes a token is made with, the safer first.
var TokenScopes = []TokenScope{TokenRead, TokenWrite}

// A token works for TokenDays days unless it is made for another number of
// days, at most TokenMaxDays: a token lost in a script or a log stops
// working by itself, and an integration is renewed at least once a year.
const (
	TokenDays    = 90
	TokenMaxDays = 365
)

// tokenPrefix makes our tokens recognisable to secret scanners.
const tokenPrefix = "sams_"

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// TokenProblems reports what CreateToken refuses a token's name, days and
// scope with, writing nothing: a form whose days did not parse hears about
// its name in the same answer.
func TokenProblems(name string, days int, scope TokenScope) map[string]string {
	fields := map[string]string{}
	checkText(fields, "name", strings.TrimSpace(name), 100, false)
	if days < 1 || days > TokenMaxDays {
		fields["days"] = "error.token_days"
	}
	if !slices.Contains(TokenScopes, scope) {
		fields["scope"] = "error.token_scope"
	}
	return fields
}

// CreateToken makes a new API token for a user, working for days days (1 to
// TokenMaxDays) with scope, and returns it in clear, once.
func (s *Store) CreateToken(ctx context.Context, a Actor, userID int64, name string, days int, scope TokenScope) (string, *APIToken, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	t := APIToken{UserID: userID, Name: strings.TrimSpace(name), TokenHash: hashToken(token), CreatedAt: now, ExpiresAt: now.AddDate(0, 0, days), Scope: scope}
	if fields := TokenProblems(name, days, scope); len(fields) > 0 {
		return "", nil, &ValidationError{Fields: fields}
	}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&t).Error; err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		return s.auditUser(tx, a, userID, "create", "api_token", fmt.Sprint(t.ID), fmt.Sprintf("user=%d days=%d scope=%s", userID, days, scope))
	})
	if err != nil {
		return "", nil, err
	}
	return token, &t, nil
}

// UserByToken returns the active user owning a valid token, not revoked,
// not expired, and what the token may do. An expired token is not found, as
// an unknown one.
func (s *Store) UserByToken(ctx context.Context, token string) (*User, TokenScope, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 100 {
		return nil, "", ErrNotFound
	}
	var t APIToken
	err := s.read(ctx).Scopes(liveTokens(s.now())).Where("token_hash = ?", hashToken(token)).First(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, "", ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("find token: %w", err)
	}
	u, err := s.UserByID(ctx, t.UserID)
	if err != nil {
		return nil, "", err
	}
	if !u.Active {
		return nil, "", ErrNotFound
	}
	// Recording last use is a courtesy: at most once a minute, and a failure must not refuse the request.
	if t.LastUsedAt == nil || s.now().Sub(*t.LastUsedAt) > time.Minute {
		_ = s.db.WithContext(ctx).Model(&APIToken{}).Where("id = ?", t.ID).Update("last_used_at", s.now()).Error
	}
	return u, t.Scope, nil
}

// Tokens lists a user's tokens, newest first. Admins may list anyone's; others
// only their own.
func (s *Store) Tokens(ctx context.Context, v *Viewer, userID int64) ([]APIToken, error) {
	if userID != v.User.ID && !v.IsAdmin() {
		return nil, ErrNotFound
	}
	var out []APIToken
	if err := s.read(ctx).Where("user_id = ?", userID).Order("id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	now := s.now()
	for i := range out {
		out[i].Expired = !out[i].ExpiresAt.After(now)
	}
	return out, nil
}

// RevokeToken revokes a token of the viewer's own, or any token for an admin.
func (s *Store) RevokeToken(ctx context.Context, v *Viewer, a Actor, id int64) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		q := tx.Model(&APIToken{}).Where("id = ? AND revoked_at IS NULL", id)
		if !v.IsAdmin() {
			q = q.Where("user_id = ?", v.User.ID)
		}
		var t APIToken
		if err := q.Select("id", "user_id").First(&t).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return fmt.Errorf("load token %d: %w", id, err)
		}
		res := tx.Model(&APIToken{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", s.now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return s.auditUser(tx, a, t.UserID, "revoke", "api_token", fmt.Sprint(id), "")
	})
}

// liveTokens keeps the tokens that still work at now: not revoked, not
// expired. Migration 19 gave every token an expiry; one without would not
// count as live (NULL compares false), failing closed.
func liveTokens(now time.Time) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB { return db.Where("revoked_at IS NULL AND expires_at > ?", now) }
}

// revokeTokensOf revokes every live token of user userID in tx, each audited
// as a revoke with why (the action that ended them), so that the log says
// which integrations stopped and when.
func (s *Store) revokeTokensOf(tx *gorm.DB, a Actor, userID int64, why string) error {
	var ids []int64
	if err := tx.Model(&APIToken{}).Scopes(liveTokens(s.now())).Where("user_id = ?", userID).Order("id").Pluck("id", &ids).Error; err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	if err := tx.Model(&APIToken{}).Where("id IN ?", ids).Update("revoked_at", s.now()).Error; err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	for _, id := range ids {
		if err := s.auditUser(tx, a, userID, "revoke", "api_token", fmt.Sprint(id), fmt.Sprintf("user=%d %s", userID, why)); err != nil {
			return err
		}
	}
	return nil
}
