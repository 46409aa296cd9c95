package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Roles, as Casbin names them.
const (
	RoleAdmin        = "admin"
	RoleCoordinator  = "coordinator"
	RoleAdviser      = "adviser"
	RoleMunicipality = "municipality"
	RoleBoard        = "board"
	RolePartner      = "partner"
)

// Roles lists every role in the order the interface shows them.
var Roles = []string{RoleAdmin, RoleCoordinator, RoleAdviser, RoleMunicipality, RoleBoard, RolePartner}

// RegionRoles are the roles held within a region; admin is held globally.
var RegionRoles = []string{RoleCoordinator, RoleAdviser, RoleMunicipality, RoleBoard, RolePartner}

// User is a person who logs in.
type User struct {
	ID           int64      `json:"id"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	PasswordHash string     `json:"-"`
	Active       bool       `json:"active"`
	Municipality *string    `json:"municipality"` // kommunenummer, for the municipality role
	PartnerID    *int64     `json:"partner_id"`   // for the partner role
	Language     string     `json:"language"`
	LastRegionID *int64     `json:"-"`
	SessionEpoch int        `json:"-"` // bumped to end every session of the user
	Version      int        `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Roles        []UserRole `json:"roles"`
}

// UserRole binds a user to a role in a region; RegionID is nil for the global admin role.
type UserRole struct {
	ID       int64  `json:"-"`
	UserID   int64  `json:"-"`
	RegionID *int64 `json:"region_id"`
	Role     string `json:"role"`
}

// HasRole reports whether u holds role in the region, or globally for admin.
func (u *User) HasRole(regionID int64, role string) bool {
	for _, r := range u.Roles {
		if r.Role == role && (r.RegionID == nil || *r.RegionID == regionID) {
			return true
		}
	}
	return false
}

// HoldsRoleIn reports whether u holds any role in the region itself (the
// global admin role is not one).
func (u *User) HoldsRoleIn(regionID int64) bool {
	for _, r := range u.Roles {
		if r.RegionID != nil && *r.RegionID == regionID {
			return true
		}
	}
	return false
}

// IsAdmin reports whether u holds the global admin role.
func (u *User) IsAdmin() bool {
	for _, r := range u.Roles {
		if r.Role == RoleAdmin && r.RegionID == nil {
			return true
		}
	}
	return false
}

// Viewer is the logged-in user looking at one region: the scope every query uses.
type Viewer struct {
	User   *User
	Region *Region // nil when the user holds no region role (an admin without regions)
}

// IsAdmin reports whether the viewer is a global admin.
func (v *Viewer) IsAdmin() bool { return v != nil && v.User != nil && v.User.IsAdmin() }

// Has reports whether the viewer holds role in the current region.
func (v *Viewer) Has(role string) bool {
	if v == nil || v.User == nil {
		return false
	}
	if role == RoleAdmin {
		return v.IsAdmin()
	}
	return v.Region != nil && v.User.HasRole(v.Region.ID, role)
}

// RoleNames lists the viewer's roles in the current region, admin first.
func (v *Viewer) RoleNames() []string {
	var out []string
	for _, r := range Roles {
		if v.Has(r) {
			out = append(out, r)
		}
	}
	return out
}

// Subject is the viewer's Casbin subject.
func (v *Viewer) Subject() string { return UserSubject(v.User.ID) }

// Domain is the Casbin domain of the current region, or "-" for none.
func (v *Viewer) Domain() string {
	if v.Region == nil {
		return "-"
	}
	return v.Region.Domain()
}

// UserSubject is the Casbin subject of a user.
func UserSubject(id int64) string { return "user:" + strconv.FormatInt(id, 10) }

// MinPasswordLength follows NIST SP 800-63B: length, not composition rules.
const MinPasswordLength = 12

// maxPasswordLength bounds the work of hashing one attempt.
const maxPasswordLength = 256

//go:embed refdata/common-passwords.txt
var commonPasswordList string

// commonPasswords is the set of the 10 000 most common passwords (see
// refdata/COMMON-PASSWORDS.md), built once on first use.
var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, 10000)
	for _, p := range strings.Split(commonPasswordList, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			m[strings.ToLower(p)] = true
		}
	}
	return m
})

// checkPassword returns the message ID of what is wrong with a new password:
// too short, too long, or among the most common passwords. There are no
// composition rules (NIST SP 800-63B).
func checkPassword(pw string) string {
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPasswordLength:
		return "error.password_short"
	case n > maxPasswordLength:
		return tooLong(maxPasswordLength)
	case commonPasswords()[strings.ToLower(pw)]:
		return "error.password_common"
	}
	return ""
}

// prehash lets bcrypt take passphrases longer than its 72-byte limit: the SHA-256
// is base64-encoded so that it has no NUL byte for bcrypt to stop at.
func prehash(pw string) []byte {
	sum := sha256.Sum256([]byte(pw))
	return []byte(base64.StdEncoding.EncodeToString(sum[:]))
}

// BcryptCost is the work factor for new password hashes; tests lower it.
var BcryptCost = 12

// dummyHashes are the hashes a log-in for an unknown e-mail is checked
// against, one per cost: at BcryptCost, as the accounts' own, so that the
// answer's time does not tell which addresses have accounts (one at
// bcrypt.MinCost answered unknown e-mails 250 times faster).
var dummyHashes sync.Map // cost → []byte

func dummyHash() []byte {
	cost := BcryptCost
	if h, ok := dummyHashes.Load(cost); ok {
		return h.([]byte)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("samspill-dummy-password"), cost)
	if err != nil {
		panic(err) // only for a cost out of bcrypt's range, a programming error
	}
	dummyHashes.Store(cost, h)
	return h
}

// HashPassword hashes a password for storage.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword(prehash(pw), BcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// GeneratePassword makes a random 20-character password from an alphabet without
// look-alike characters, for new users and resets.
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux; a broken system must not hand out weak passwords
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func normaliseEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

func checkEmail(e string) string {
	switch {
	case e == "":
		return "error.required"
	case len(e) > 254:
		return tooLong(254)
	}
	if a, err := mail.ParseAddress(e); err != nil || a.Address != e || !strings.Contains(e, "@") {
		return "error.email"
	}
	return ""
}

// Authenticate returns the active user with this e-mail and password. Any
// mismatch is ErrNotFound, so callers cannot tell which part was wrong.
func (s *Store) Authenticate(ctx context.Context, email, password string) (*User, error) {
	var u User
	err := s.read(ctx).Where("email = ?", normaliseEmail(email)).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		// The same work as a real check, so that a failed log-in takes as long
		// whether or not the account exists.
		_ = bcrypt.CompareHashAndPassword(dummyHash(), prehash(password))
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), prehash(password)) != nil || !u.Active {
		return nil, ErrNotFound
	}
	return &u, nil
}

// UserByID loads an active or inactive user with roles, unscoped: for the session
// middleware and the CLI.
//
// Every page request asks it, so its two queries are read into the fields
// directly: GORM's First and Preload spent on reflection and building the
// statements more CPU than SQLite spent on reading the rows.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	var u User
	err := s.read(ctx).Raw(`SELECT id, email, name, password_hash, active, municipality, partner_id, language,
		last_region_id, session_epoch, version, created_at, updated_at FROM users WHERE id = ?`, id).Row().
		Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Active, &u.Municipality, &u.PartnerID, &u.Language,
			&u.LastRegionID, &u.SessionEpoch, &u.Version, &u.CreatedAt, &u.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load user %d: %w", id, err)
	}
	// The roles as Preload read them: no order but the index's, and an
	// empty list (not none) for a user without roles.
	u.Roles = []UserRole{}
	rows, err := s.read(ctx).Raw(`SELECT id, user_id, region_id, role FROM user_roles WHERE user_id = ?`, id).Rows()
	if err != nil {
		return nil, fmt.Errorf("load roles of user %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r UserRole
		if err := rows.Scan(&r.ID, &r.UserID, &r.RegionID, &r.Role); err != nil {
			return nil, fmt.Errorf("load roles of user %d: %w", id, err)
		}
		u.Roles = append(u.Roles, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load roles of user %d: %w", id, err)
	}
	return &u, nil
}

// UserByEmail loads a user by e-mail, unscoped: for the CLI.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	err := s.read(ctx).Preload("Roles").Where("email = ?", normaliseEmail(email)).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("user %q: %w", email, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load user %q: %w", email, err)
	}
	return &u, nil
}

// usersVisibleTo scopes users to the viewer: all for an admin, else the users
// who hold a role in the viewer's current region.
func usersVisibleTo(v *Viewer) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		if v.IsAdmin() {
			return db
		}
		if v.Region == nil {
			return db.Where("1 = 0")
		}
		return db.Where("users.id IN (SELECT user_id FROM user_roles WHERE region_id = ?)", v.Region.ID)
	}
}

// usersManagedBy scopes users to those whose whole account the viewer may
// change: e-mail, name, password, access and sessions. An admin manages
// everyone. A coordinator manages only the users of the current region whose
// every role is in that region and who are not admins: such an account is
// also someone else's to manage, and a new password for it would let the
// coordinator log in as a coordinator of another region or as an admin. Region
// roles are set under usersVisibleTo, as each region's coordinator sets its own.
func usersManagedBy(v *Viewer) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		db = usersVisibleTo(v)(db)
		if v.IsAdmin() || v.Region == nil {
			return db
		}
		return db.Where(`NOT EXISTS (SELECT 1 FROM user_roles other
			WHERE other.user_id = users.id AND (other.region_id IS NULL OR other.region_id <> ?))`, v.Region.ID)
	}
}

// ManagesAccount reports whether the viewer may change u's whole account, as
// usersManagedBy decides in the database; the user's page uses it to offer only
// what will be allowed. u must be loaded with its roles.
func (v *Viewer) ManagesAccount(u *User) bool {
	if v.IsAdmin() {
		return true
	}
	if v.Region == nil || len(u.Roles) == 0 {
		return false
	}
	for _, r := range u.Roles {
		if r.RegionID == nil || *r.RegionID != v.Region.ID {
			return false
		}
	}
	return true
}

// UserStatuses are the codes of the user list's status filter.
var UserStatuses = []string{"active", "inactive"}

// UserFilter narrows the user list.
type UserFilter struct {
	Q string
	// Region, for an admin, narrows the list to the users with a role in
	// that region; anyone else's list is their current region's already.
	Region int64
	// Role narrows the list to the users holding it: in Region when one is
	// chosen, in the current region for a coordinator, else anywhere.
	Role   string
	Status string // "active", "inactive" or "" for both
	Page   Page
}

// Users lists the users the viewer may manage, by name, and counts every
// user the filter matches.
func (s *Store) Users(ctx context.Context, v *Viewer, f UserFilter) ([]User, int64, error) {
	q := s.read(ctx).Model(&User{}).Scopes(usersVisibleTo(v))
	if t := strings.TrimSpace(f.Q); t != "" {
		q = q.Where(`(`+s.fold("name")+` LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\')`, likeTerm(t), likeTerm(t))
	}
	region := f.Region
	if !v.IsAdmin() {
		region = 0
		if v.Region != nil {
			region = v.Region.ID
		}
	} else if region != 0 {
		q = q.Where("EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = users.id AND r.region_id = ?)", region)
	}
	switch {
	case f.Role == "":
	case f.Role == RoleAdmin:
		q = q.Where("EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = users.id AND r.role = ? AND r.region_id IS NULL)", f.Role)
	case region != 0:
		q = q.Where("EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = users.id AND r.role = ? AND r.region_id = ?)", f.Role, region)
	default:
		q = q.Where("EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = users.id AND r.role = ? AND r.region_id IS NOT NULL)", f.Role)
	}
	switch f.Status {
	case "active":
		q = q.Where("users.active = ?", true)
	case "inactive":
		q = q.Where("users.active = ?", false)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count users: %w", err)
	}
	var us []User
	if err := q.Preload("Roles").Order(s.byName("name") + ", id").Limit(f.Page.Limit()).Offset(f.Page.Offset()).Find(&us).Error; err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	return us, total, nil
}

// User loads one user the viewer may manage.
func (s *Store) User(ctx context.Context, v *Viewer, id int64) (*User, error) {
	var u User
	err := s.read(ctx).Scopes(usersVisibleTo(v)).Preload("Roles").First(&u, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load user %d: %w", id, err)
	}
	return &u, nil
}

// UserInput is what an admin or coordinator sets on a user.
type UserInput struct {
	Email        string
	Name         string
	Municipality string // kommunenummer, required with the municipality role
	PartnerID    int64  // required with the partner role
	Version      int
}

// RoleGrant is one role in one region (RegionID 0 with the admin role).
type RoleGrant struct {
	RegionID int64
	Role     string
}

// UserProblems reports what is wrong with in and grants for user id (0 for a
// new one), by the checks CreateUser and UpdateUser make, reading the
// database but writing nothing. A form that failed to parse a field asks it
// too, so that every error shows in one round.
func (s *Store) UserProblems(ctx context.Context, id int64, in UserInput, grants []RoleGrant) map[string]string {
	return s.validateUser(s.read(ctx), id, &in, grants)
}

func (s *Store) validateUser(tx *gorm.DB, id int64, in *UserInput, grants []RoleGrant) map[string]string {
	fields := map[string]string{}
	in.Email = normaliseEmail(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	if msg := checkEmail(in.Email); msg != "" {
		fields["email"] = msg
	} else if ok, err := taken(tx, &User{}, "email", in.Email, id); err == nil && ok {
		// Said beside the other errors; should the read fail, the unique
		// index refuses the address at the write all the same.
		fields["email"] = "error.email_taken"
	}
	checkText(fields, "name", in.Name, 200, true)
	needsMunicipality, needsPartner := false, false
	for _, g := range grants {
		switch {
		case !contains(Roles, g.Role):
			fields["role"] = "error.choice"
		case g.Role == RoleAdmin && g.RegionID != 0, g.Role != RoleAdmin && g.RegionID == 0:
			fields["region"] = "error.choice"
		case !regionExists(tx, g.RegionID):
			// Else the grant's foreign key fails at insert, a 500.
			fields["region_id"] = "error.unknown_region"
		}
		needsMunicipality = needsMunicipality || g.Role == RoleMunicipality
		needsPartner = needsPartner || g.Role == RolePartner
	}
	if in.Municipality != "" {
		if ok, err := s.checkMunicipality(tx, in.Municipality); err != nil || !ok {
			fields["municipality"] = "error.unknown_municipality"
		}
		for _, g := range grants {
			if g.Role == RoleMunicipality && g.RegionID != 0 && !regionHas(tx, g.RegionID, in.Municipality) {
				fields["municipality"] = "error.municipality_not_member"
			}
		}
	} else if needsMunicipality {
		fields["municipality"] = "error.municipality_for_role"
	}
	if in.PartnerID != 0 {
		var n int64
		if tx.Model(&Partner{}).Where("id = ?", in.PartnerID).Count(&n); n == 0 {
			fields["partner_id"] = "error.unknown_partner"
		}
	} else if needsPartner {
		fields["partner_id"] = "error.partner_for_role"
	}
	return fields
}

// CreateUser adds a user with a password and role grants, and bumps the roles
// version so every server reloads its role bindings.
func (s *Store) CreateUser(ctx context.Context, a Actor, in UserInput, password string, grants []RoleGrant) (*User, error) {
	var u User
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		fields := s.validateUser(tx, 0, &in, grants)
		if msg := checkPassword(password); msg != "" {
			fields["password"] = msg
		}
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		hash, err := HashPassword(password)
		if err != nil {
			return err
		}
		u = User{Email: in.Email, Name: in.Name, PasswordHash: hash, Active: true, Language: "nb", SessionEpoch: 1,
			Version: 1, CreatedAt: s.now(), UpdatedAt: s.now()}
		if in.Municipality != "" {
			u.Municipality = &in.Municipality
		}
		if in.PartnerID != 0 {
			u.PartnerID = &in.PartnerID
		}
		if err := tx.Omit("Roles").Create(&u).Error; err != nil {
			if isUniqueViolation(err) {
				return invalid("email", "error.email_taken")
			}
			return fmt.Errorf("create user: %w", err)
		}
		if err := s.grant(tx, u.ID, grants); err != nil {
			return err
		}
		// In each region the roles were given in, not the one an admin was
		// working in.
		return s.auditUser(tx, a, u.ID, "create", "user", fmt.Sprint(u.ID), rolesDetail(grants))
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, u.ID)
}

func rolesDetail(grants []RoleGrant) string {
	parts := make([]string, 0, len(grants))
	for _, g := range grants {
		parts = append(parts, fmt.Sprintf("%s@%d", g.Role, g.RegionID))
	}
	sort.Strings(parts)
	return "roles=" + strings.Join(parts, ",")
}

func (s *Store) grant(tx *gorm.DB, userID int64, grants []RoleGrant) error {
	for _, g := range grants {
		r := UserRole{UserID: userID, Role: g.Role}
		if g.RegionID != 0 {
			r.RegionID = &g.RegionID
		}
		// Granting a role twice is a no-op. ON CONFLICT, not a unique violation
		// caught afterwards: on PostgreSQL that would abort the transaction.
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error; err != nil {
			return fmt.Errorf("grant %s: %w", g.Role, err)
		}
	}
	return s.bumpRoles(tx)
}

// bumpRoles tells every server instance that role bindings changed.
func (s *Store) bumpRoles(tx *gorm.DB) error {
	return tx.Exec(`UPDATE counters SET value = value + 1 WHERE name = 'roles_version'`).Error
}

// UpdateUser saves name, e-mail and links of a user whose account the viewer
// manages (usersManagedBy).
func (s *Store) UpdateUser(ctx context.Context, v *Viewer, a Actor, id int64, in UserInput) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		var u User
		if err := tx.Scopes(usersManagedBy(v)).Preload("Roles").First(&u, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		var grants []RoleGrant
		for _, r := range u.Roles {
			g := RoleGrant{Role: r.Role}
			if r.RegionID != nil {
				g.RegionID = *r.RegionID
			}
			grants = append(grants, g)
		}
		if fields := s.validateUser(tx, id, &in, grants); len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		var mun, partner any
		if in.Municipality != "" {
			mun = in.Municipality
		}
		if in.PartnerID != 0 {
			partner = in.PartnerID
		}
		values := map[string]any{"email": in.Email, "name": in.Name, "municipality": mun, "partner_id": partner}
		if same, err := unchanged(tx, &User{}, in.Version, values, "id = ?", id); err != nil || same {
			return err
		}
		values["version"], values["updated_at"] = gorm.Expr("version + 1"), s.now()
		res := tx.Model(&User{}).Where("id = ? AND version = ?", id, in.Version).Updates(values)
		if res.Error != nil && isUniqueViolation(res.Error) {
			return invalid("email", "error.email_taken")
		}
		if err := versionCheck(tx, res, &User{}, "id = ?", id); err != nil {
			return err
		}
		return s.auditUser(tx, a, id, "update", "user", fmt.Sprint(id), "profile")
	})
}

// regionExists reports whether region id is there (0, no region, is).
func regionExists(tx *gorm.DB, id int64) bool {
	if id == 0 {
		return true
	}
	var n int64
	err := tx.Model(&Region{}).Where("id = ?", id).Count(&n).Error
	return err == nil && n > 0
}

// regionHas reports whether the municipality is or was a member of the
// region: a municipality user's role holds in a region their municipality is
// part of, where its statistics and shared projects are.
func regionHas(tx *gorm.DB, regionID int64, kommunenummer string) bool {
	var n int64
	err := tx.Model(&RegionMember{}).Where("region_id = ? AND kommunenummer = ?", regionID, kommunenummer).Count(&n).Error
	return err == nil && n > 0
}

// SetRegionRoles replaces a user's roles in one region. A coordinator may do this
// only in their own region and cannot grant admin. The user's sessions end, so the
// change is felt at once and nobody keeps a role in an open tab.
func (s *Store) SetRegionRoles(ctx context.Context, v *Viewer, a Actor, userID, regionID int64, roles []string) error {
	for _, r := range roles {
		if !contains(RegionRoles, r) {
			return invalid("role", "error.choice")
		}
	}
	if !v.IsAdmin() && (v.Region == nil || v.Region.ID != regionID || !v.Has(RoleCoordinator)) {
		return ErrNotFound
	}
	if !v.IsAdmin() && userID == v.User.ID && !contains(roles, RoleCoordinator) {
		// As with deactivating oneself: the coordinator would lose the
		// region's administration with the next request.
		return invalid("role", "error.demote_self")
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		// The user's row is locked before their other roles are counted
		// (error.last_role): two coordinators taking the user's roles in
		// their two regions at once each counted the other's before it was
		// gone, on PostgreSQL, and left the user with none. NO KEY, as the
		// session_epoch update below takes it anyway: an enquiry assigned to
		// the user meanwhile does not wait. SQLite (one writer) ignores it.
		var u User
		if err := tx.Clauses(clause.Locking{Strength: "NO KEY UPDATE"}).Scopes(usersVisibleTo(v)).First(&u, userID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		var n int64
		if err := tx.Model(&Region{}).Where("id = ?", regionID).Count(&n).Error; err != nil || n == 0 {
			return ErrNotFound
		}
		fields := map[string]string{}
		switch {
		case contains(roles, RoleMunicipality) && u.Municipality == nil:
			fields["municipality"] = "error.municipality_for_role"
		case contains(roles, RoleMunicipality) && !regionHas(tx, regionID, *u.Municipality):
			fields["municipality"] = "error.municipality_not_member"
		}
		if contains(roles, RolePartner) && u.PartnerID == nil {
			fields["partner_id"] = "error.partner_for_role"
		}
		if len(roles) == 0 {
			// A user without any role could still log in, to nothing, and
			// would drop out of their coordinator's list: access ends by
			// deactivation instead.
			var others int64
			if err := tx.Model(&UserRole{}).Where("user_id = ? AND (region_id IS NULL OR region_id <> ?)", userID, regionID).Count(&others).Error; err != nil {
				return err
			}
			if others == 0 {
				fields["role"] = "error.last_role"
			}
		}
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		if err := tx.Where("user_id = ? AND region_id = ?", userID, regionID).Delete(&UserRole{}).Error; err != nil {
			return err
		}
		grants := make([]RoleGrant, 0, len(roles))
		for _, r := range roles {
			grants = append(grants, RoleGrant{RegionID: regionID, Role: r})
		}
		if err := s.grant(tx, userID, grants); err != nil {
			return err
		}
		if err := tx.Model(&User{}).Where("id = ?", userID).Update("session_epoch", gorm.Expr("session_epoch + 1")).Error; err != nil {
			return err
		}
		// The entry lies in the region whose roles changed, for its
		// coordinators to follow, not in the one an admin was working in.
		a.RegionID = regionID
		return s.audit(tx, a, "set_roles", "user", fmt.Sprint(userID), rolesDetail(grants))
	})
}

// SetAdmin gives the global admin role to a user or takes it away; only an
// admin may. version is the user's, as the page showed it. Asking for what
// the user already has changes nothing and writes no audit entry. An admin
// cannot take the role from themselves (they would lose the administration
// with the next request), the last active admin keeps it (nobody could give
// it back but through the database), and a deactivated user is not made an
// admin. It reports whether anything changed. As at any change of roles, the user's sessions end and every
// instance reloads the role bindings.
func (s *Store) SetAdmin(ctx context.Context, v *Viewer, a Actor, id int64, admin bool, version int) (changed bool, err error) {
	if !v.IsAdmin() {
		return false, ErrNotFound
	}
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		var u User
		if err := tx.Preload("Roles").First(&u, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		if u.Version != version {
			return ErrConflict
		}
		if u.IsAdmin() == admin {
			return nil
		}
		switch {
		case admin && !u.Active:
			return invalid("admin", "error.admin_inactive")
		case !admin && id == v.User.ID:
			return invalid("admin", "error.admin_demote_self")
		case !admin:
			// The other active admins' rows are locked, so that two admins
			// taking the role from each other at once cannot both succeed.
			var others []int64
			if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Model(&UserRole{}).
				Joins("JOIN users ON users.id = user_roles.user_id").
				Where("user_roles.role = ? AND user_roles.region_id IS NULL AND users.active = ? AND users.id <> ?", RoleAdmin, true, id).
				Order("user_roles.id").Pluck("user_roles.id", &others).Error; err != nil { // in lastAdminStays's order
				return fmt.Errorf("other admins: %w", err)
			}
			if len(others) == 0 {
				return invalid("admin", "error.last_admin")
			}
		}
		action := "grant_admin"
		if admin {
			if err := s.grant(tx, id, []RoleGrant{{Role: RoleAdmin}}); err != nil {
				return err
			}
		} else {
			action = "revoke_admin"
			if err := tx.Where("user_id = ? AND role = ? AND region_id IS NULL", id, RoleAdmin).Delete(&UserRole{}).Error; err != nil {
				return fmt.Errorf("revoke admin: %w", err)
			}
			if err := s.bumpRoles(tx); err != nil {
				return err
			}
		}
		res := tx.Model(&User{}).Where("id = ? AND version = ?", id, version).Updates(map[string]any{
			"session_epoch": gorm.Expr("session_epoch + 1"), "version": gorm.Expr("version + 1"), "updated_at": s.now(),
		})
		if err := versionCheck(tx, res, &User{}, "id = ?", id); err != nil {
			return err
		}
		changed = true
		return s.auditUser(tx, a, id, action, "user", fmt.Sprint(id), "")
	})
	return changed && err == nil, err
}

// lastAdminStays refuses to deactivate user id if they are the last active
// admin. An admin cannot deactivate themselves, but the last two could each
// other at the same moment: both found the other to deactivate, and nobody
// was left to administer but through the database. The active admins' rows
// are locked in one order (by the role's id) before anything is written, so
// that a second deactivation waits for the first and then finds its own
// account inactive; SQLite (one writer) ignores the lock.
func lastAdminStays(tx *gorm.DB, id int64) error {
	var admins []int64
	if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Model(&UserRole{}).
		Joins("JOIN users ON users.id = user_roles.user_id").
		Where("user_roles.role = ? AND user_roles.region_id IS NULL AND users.active = ?", RoleAdmin, true).
		Order("user_roles.id").Pluck("user_roles.user_id", &admins).Error; err != nil {
		return fmt.Errorf("active admins: %w", err)
	}
	if slices.Equal(admins, []int64{id}) {
		return invalid("active", "error.last_admin")
	}
	return nil
}

// What becomes of the open cases of a user deactivated, as the one who
// deactivates them chooses.
const (
	KeepOpenCases    = "keep"    // they stay assigned, to be given to others later
	ReleaseOpenCases = "release" // back to their region's queue: status new, no adviser
)

// OpenCaseChoices are the answers SetActive takes for a deactivated user's open cases.
var OpenCaseChoices = []string{KeepOpenCases, ReleaseOpenCases}

// SetActive activates or deactivates a user whose account the viewer manages
// (usersManagedBy). Deactivating ends the user's sessions and keeps every
// record they made. A user deactivated while open cases the viewer sees are
// assigned to them needs openCases, KeepOpenCases or ReleaseOpenCases: a case
// left with someone who cannot log in is in nobody's queue unless it is chosen
// so. Each case released is audited on the case. It returns how many open
// cases the deactivated user held, kept or released as chosen (0 when
// activating), for the page to say what became of them.
func (s *Store) SetActive(ctx context.Context, v *Viewer, a Actor, id int64, active bool, openCases string) (int, error) {
	if id == v.User.ID && !active {
		return 0, invalid("active", "error.deactivate_self")
	}
	if openCases != "" && (active || !contains(OpenCaseChoices, openCases)) {
		return 0, invalid("open_cases", "error.choice")
	}
	held := 0
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		if !active {
			if err := lastAdminStays(tx, id); err != nil {
				return err
			}
		}
		res := tx.Model(&User{}).Scopes(usersManagedBy(v)).Where("id = ?", id).Updates(map[string]any{
			"active": active, "session_epoch": gorm.Expr("session_epoch + 1"), "updated_at": s.now(), "version": gorm.Expr("version + 1"),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := s.bumpRoles(tx); err != nil { // only active users' roles reach Casbin
			return err
		}
		if active {
			return s.auditUser(tx, a, id, "activate", "user", fmt.Sprint(id), "")
		}
		// Deactivating ends the user's API tokens for good, as it ends their
		// sessions: reactivated, the account starts without old credentials.
		if err := s.revokeTokensOf(tx, a, id, "deactivate"); err != nil {
			return err
		}
		var cases []Enquiry
		if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Scopes(enquiriesVisibleTo(v)).
			Where("enquiries.assigned_to = ? AND enquiries.status IN ?", id, openStatuses).Order("enquiries.id").Find(&cases).Error; err != nil {
			return fmt.Errorf("open cases of user %d: %w", id, err)
		}
		detail := ""
		switch {
		case len(cases) > 0 && openCases == "":
			return invalid("open_cases", "error.open_cases")
		case len(cases) > 0 && openCases == ReleaseOpenCases:
			if err := s.releaseCases(tx, v, a, cases); err != nil {
				return err
			}
			detail = fmt.Sprintf("released=%d", len(cases))
		}
		held = len(cases)
		return s.auditUser(tx, a, id, "deactivate", "user", fmt.Sprint(id), detail)
	})
	if err != nil {
		return 0, err
	}
	return held, nil
}

// releaseCases moves open cases back to their region's queue, as unassigning
// each would, but to status new whatever their status was: nobody has them in
// hand any more.
func (s *Store) releaseCases(tx *gorm.DB, v *Viewer, a Actor, cases []Enquiry) error {
	for i := range cases {
		e := &cases[i]
		if err := s.saveVersioned(tx, e.ID, e.Version, map[string]any{"assigned_to": nil, "status": "new"}); err != nil {
			return err
		}
		if err := s.statusHistory(tx, v, e, "new"); err != nil {
			return err
		}
		if err := s.audit(tx, a, "assign", "enquiry", fmt.Sprint(e.ID), "assigned_to=0"); err != nil {
			return err
		}
	}
	return nil
}

// ResetPassword gives a user whose account the viewer manages (usersManagedBy)
// a new generated password, ends their sessions, revokes their API tokens and
// returns the password to hand over once. An admin resets a password to lock
// whoever has the old one out now; a token made with it would let them on.
func (s *Store) ResetPassword(ctx context.Context, v *Viewer, a Actor, id int64) (string, error) {
	pw := GeneratePassword()
	hash, err := HashPassword(pw)
	if err != nil {
		return "", err
	}
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Scopes(usersManagedBy(v)).Where("id = ?", id).Updates(map[string]any{
			"password_hash": hash, "session_epoch": gorm.Expr("session_epoch + 1"), "updated_at": s.now(),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := s.revokeTokensOf(tx, a, id, "reset_password"); err != nil {
			return err
		}
		return s.auditUser(tx, a, id, "reset_password", "user", fmt.Sprint(id), "")
	})
	if err != nil {
		return "", err
	}
	return pw, nil
}

// EndSessions ends every session of a user whose account the viewer manages
// (usersManagedBy) and revokes their API tokens: "log out everywhere" is
// asked for when a device or a credential is lost, and a token is a
// credential that outlives any session.
func (s *Store) EndSessions(ctx context.Context, v *Viewer, a Actor, id int64) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Scopes(usersManagedBy(v)).Where("id = ?", id).Update("session_epoch", gorm.Expr("session_epoch + 1"))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := s.revokeTokensOf(tx, a, id, "end_sessions"); err != nil {
			return err
		}
		return s.auditUser(tx, a, id, "end_sessions", "user", fmt.Sprint(id), "")
	})
}

// PasswordChanged is what ChangePassword tells its caller: the session epoch
// the current session goes on with, and how many of the user's API tokens
// still work.
type PasswordChanged struct {
	Epoch      int
	LiveTokens int64
}

// ChangePassword changes the user's own password after checking the current one.
// Other sessions of the user end; the caller renews the current one.
//
// The user's API tokens are kept, unlike at an admin's reset or "log out
// everywhere": a password is changed routinely too, and revoking would stop
// every integration the user runs without warning. Someone who had the old
// password could have made a token with it, though, so the caller tells the
// user how many still work and where to revoke them (LiveTokens).
func (s *Store) ChangePassword(ctx context.Context, a Actor, userID int64, current, next string) (PasswordChanged, error) {
	var u User
	if err := s.read(ctx).First(&u, userID).Error; err != nil {
		return PasswordChanged{}, fmt.Errorf("load user %d: %w", userID, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), prehash(current)) != nil {
		return PasswordChanged{}, invalid("current_password", "error.wrong_password")
	}
	if msg := checkPassword(next); msg != "" {
		return PasswordChanged{}, invalid("new_password", msg)
	}
	hash, err := HashPassword(next)
	if err != nil {
		return PasswordChanged{}, err
	}
	out := PasswordChanged{Epoch: u.SessionEpoch + 1}
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
			"password_hash": hash, "session_epoch": gorm.Expr("session_epoch + 1"), "updated_at": s.now(),
		}).Error; err != nil {
			return err
		}
		if err := tx.Model(&APIToken{}).Scopes(liveTokens(s.now())).Where("user_id = ?", userID).Count(&out.LiveTokens).Error; err != nil {
			return fmt.Errorf("count tokens: %w", err)
		}
		return s.auditUser(tx, a, userID, "change_password", "user", fmt.Sprint(userID), "")
	})
	return out, err
}

// PasswordMatches reports whether password is the user's own, writing
// nothing: the password form says a wrong current password beside the new
// one's errors, not only once they are mended.
func (s *Store) PasswordMatches(ctx context.Context, userID int64, password string) (bool, error) {
	var u User
	if err := s.read(ctx).Select("id", "password_hash").First(&u, userID).Error; err != nil {
		return false, fmt.Errorf("load user %d: %w", userID, err)
	}
	return bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), prehash(password)) == nil, nil
}

// SetPreferences remembers a user's language and current region.
func (s *Store) SetPreferences(ctx context.Context, userID int64, language string, regionID int64) error {
	updates := map[string]any{}
	if language != "" {
		updates["language"] = language
	}
	if regionID != 0 {
		updates["last_region_id"] = regionID
	}
	if len(updates) == 0 {
		return nil
	}
	return s.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).Updates(updates).Error
}

// RoleBinding is one user → role → region line for Casbin.
type RoleBinding struct {
	UserID   int64
	RegionID *int64
	Role     string
}

// RoleBindings returns every role binding of active users and the roles version
// they belong to, read in one transaction so the two agree.
func (s *Store) RoleBindings(ctx context.Context) ([]RoleBinding, int64, error) {
	var out []RoleBinding
	var version int64
	err := s.rdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT value FROM counters WHERE name = 'roles_version'`).Scan(&version).Error; err != nil {
			return err
		}
		return tx.Raw(`SELECT r.user_id, r.region_id, r.role FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.active = ?`, true).Scan(&out).Error
	})
	if err != nil {
		return nil, 0, fmt.Errorf("role bindings: %w", err)
	}
	return out, version, nil
}

// RolesVersion is a counter that grows whenever a role binding changes.
func (s *Store) RolesVersion(ctx context.Context) (int64, error) {
	var version int64
	err := s.read(ctx).Raw(`SELECT value FROM counters WHERE name = 'roles_version'`).Scan(&version).Error
	return version, err
}

// CreateUserBy is CreateUser on behalf of a viewer: a coordinator may only grant
// region roles in the region they work in; only an admin may grant admin.
func (s *Store) CreateUserBy(ctx context.Context, v *Viewer, a Actor, in UserInput, password string, grants []RoleGrant) (*User, error) {
	if fields := grantProblems(v, grants); len(fields) > 0 {
		return nil, &ValidationError{Fields: fields}
	}
	return s.CreateUser(ctx, a, in, password, grants)
}

// NewUserProblems reports what is wrong with a new user v makes, by the checks
// CreateUserBy makes, writing nothing: for a form that failed to parse a
// field, so that every error shows in one round.
func (s *Store) NewUserProblems(ctx context.Context, v *Viewer, in UserInput, grants []RoleGrant) map[string]string {
	fields := s.UserProblems(ctx, 0, in, grants)
	for field, msg := range grantProblems(v, grants) {
		fields[field] = msg
	}
	return fields
}

// grantProblems reports the grants v may not make: at least one role, and a
// coordinator only their own region's roles, never admin.
func grantProblems(v *Viewer, grants []RoleGrant) map[string]string {
	if len(grants) == 0 {
		return map[string]string{"role": "error.role_required"}
	}
	if !v.IsAdmin() {
		for _, g := range grants {
			if g.Role == RoleAdmin || v.Region == nil || g.RegionID != v.Region.ID || !v.Has(RoleCoordinator) {
				return map[string]string{"role": "error.role_not_yours"}
			}
		}
	}
	return nil
}
