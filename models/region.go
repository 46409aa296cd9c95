package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Region is a regional cooperation and the tenant boundary: the Casbin domain.
type Region struct {
	ID                   int64          `json:"id"`
	Slug                 string         `json:"slug"`
	Name                 string         `json:"name"`
	HostMunicipality     *string        `json:"host_municipality"`
	FirstResponseDays    int            `json:"first_response_days"`
	ReferralFollowUpDays int            `json:"referral_follow_up_days"`
	NoResponseDays       int            `json:"no_response_days"`
	RetentionMonths      int            `json:"retention_months"`
	ContactEmail         string         `json:"contact_email"`
	ContactPhone         string         `json:"contact_phone"`
	Version              int            `json:"version"`
	CreatedAt            time.Time      `json:"created_at"`
	UpdatedAt            time.Time      `json:"updated_at"`
	Members              []RegionMember `json:"members,omitempty"`
}

// Domain is the region's Casbin domain.
func (r *Region) Domain() string { return strconv.FormatInt(r.ID, 10) }

// RegionMember is a municipality's membership of a region.
type RegionMember struct {
	ID             int64        `json:"-"`
	RegionID       int64        `json:"-"`
	Kommunenummer  string       `json:"kommunenummer"`
	Municipality   Municipality `gorm:"foreignKey:Kommunenummer;references:Kommunenummer" json:"-"`
	JoinedOn       time.Time    `json:"joined_on"`
	LeftOn         *time.Time   `json:"left_on"`
	Votes          int          `json:"votes"`
	CommittedFTE   float64      `gorm:"column:committed_fte" json:"committed_fte"`
	TakesEnquiries bool         `json:"takes_enquiries"`
	Version        int          `json:"version"`
}

// MarshalJSON writes the membership's days as dates, YYYY-MM-DD, as the API
// writes every date.
func (m RegionMember) MarshalJSON() ([]byte, error) {
	type plain RegionMember
	out := struct {
		plain
		JoinedOn string  `json:"joined_on"`
		LeftOn   *string `json:"left_on"`
	}{plain: plain(m), JoinedOn: m.JoinedOn.Format("2006-01-02")}
	if m.LeftOn != nil {
		left := m.LeftOn.Format("2006-01-02")
		out.LeftOn = &left
	}
	return json.Marshal(out)
}

// Current reports whether the membership holds on day.
func (m RegionMember) Current(day time.Time) bool {
	return !m.JoinedOn.After(day) && (m.LeftOn == nil || m.LeftOn.After(day))
}

// RegionInput is what an admin sets on a region.
type RegionInput struct {
	Slug                 string
	Name                 string
	HostMunicipality     string
	FirstResponseDays    int
	ReferralFollowUpDays int
	NoResponseDays       int
	RetentionMonths      int
	ContactEmail         string // the region's public contact details, shown on the one door's receipt and in an access export
	ContactPhone         string
	Version              int
}

// DefaultRetentionMonths is how long a closed enquiry keeps its person data
// when nobody has chosen otherwise: a new region starts with it (as the
// column's default in migrate.go does), and the admin queue's enquiries, from
// municipalities no region serves, have no region setting and keep to it.
const DefaultRetentionMonths = 36

// DefaultRegionInput holds the settings a new region starts with.
func DefaultRegionInput() RegionInput {
	return RegionInput{FirstResponseDays: 2, ReferralFollowUpDays: 14, NoResponseDays: 30, RetentionMonths: DefaultRetentionMonths}
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// RegionProblems reports what is wrong with in, for region id (0 for a new
// one), by the checks CreateRegion and UpdateRegion make (the host
// municipality and the slug read from the database too), writing nothing: a
// form whose numbers did not parse, or an API body refused for a missing
// field, still hears about its other fields in the same answer.
func (s *Store) RegionProblems(ctx context.Context, id int64, in RegionInput) (map[string]string, error) {
	fields := in.validate()
	if err := s.checkRegionRefs(s.read(ctx), id, in, fields); err != nil {
		return nil, err
	}
	return fields, nil
}

// checkRegionRefs adds to fields what only the database knows of in, for
// region id (0 for a new one): the host municipality, and the slug taken.
func (s *Store) checkRegionRefs(tx *gorm.DB, id int64, in RegionInput, fields map[string]string) error {
	if err := s.checkHost(tx, in.HostMunicipality, fields); err != nil {
		return err
	}
	if fields["slug"] != "" {
		return nil
	}
	if ok, err := taken(tx, &Region{}, "slug", in.Slug, id); err != nil {
		return err
	} else if ok {
		fields["slug"] = "error.slug_taken"
	}
	return nil
}

func (in *RegionInput) validate() map[string]string {
	fields := map[string]string{}
	in.Name = strings.TrimSpace(in.Name)
	in.Slug = strings.TrimSpace(in.Slug)
	in.ContactEmail = strings.TrimSpace(in.ContactEmail)
	in.ContactPhone = strings.TrimSpace(plainDigits(in.ContactPhone))
	checkText(fields, "name", in.Name, 200, true)
	if in.ContactEmail != "" {
		if a, err := mail.ParseAddress(in.ContactEmail); err != nil || a.Address != in.ContactEmail || len(in.ContactEmail) > 254 {
			fields["contact_email"] = "error.email"
		}
	}
	if in.ContactPhone != "" && !validPhone(in.ContactPhone) {
		fields["contact_phone"] = "error.phone"
	}
	switch {
	case in.Slug == "":
		fields["slug"] = "error.required"
	case len(in.Slug) > 60 || !slugPattern.MatchString(in.Slug):
		fields["slug"] = "error.slug"
	}
	checkRange := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			fields[field] = "error.range"
		}
	}
	checkRange("first_response_days", in.FirstResponseDays, 1, 60)
	checkRange("referral_follow_up_days", in.ReferralFollowUpDays, 1, 365)
	checkRange("no_response_days", in.NoResponseDays, 1, 365)
	checkRange("retention_months", in.RetentionMonths, 1, 240)
	return fields
}

func (s *Store) checkMunicipality(tx *gorm.DB, number string) (bool, error) {
	var n int64
	err := tx.Model(&Municipality{}).Where("kommunenummer = ?", number).Count(&n).Error
	return n > 0, err
}

// RegionsVisibleTo lists the regions the viewer may see: all for an admin, else
// the regions where the viewer holds a role.
//
// Every page request asks it (for the region switcher and the region worked
// in), so its rows are read into the fields directly, as regionsVisibleTo's
// query would give them: GORM's reflection cost more than the query.
func (s *Store) RegionsVisibleTo(ctx context.Context, v *Viewer) ([]Region, error) {
	q := `SELECT id, slug, name, host_municipality, first_response_days, referral_follow_up_days, no_response_days,
		retention_months, contact_email, contact_phone, version, created_at, updated_at FROM regions`
	var args []any
	if !v.IsAdmin() {
		q += ` WHERE id IN (SELECT region_id FROM user_roles WHERE user_id = ?)`
		args = append(args, v.User.ID)
	}
	rows, err := s.read(ctx).Raw(q+` ORDER BY `+s.byName("name")+`, id`, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("list regions: %w", err)
	}
	defer rows.Close()
	rs := []Region{} // none is an empty list, as Find gave it
	for rows.Next() {
		var r Region
		if err := rows.Scan(&r.ID, &r.Slug, &r.Name, &r.HostMunicipality, &r.FirstResponseDays, &r.ReferralFollowUpDays,
			&r.NoResponseDays, &r.RetentionMonths, &r.ContactEmail, &r.ContactPhone, &r.Version, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, fmt.Errorf("list regions: %w", err)
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list regions: %w", err)
	}
	return rs, nil
}

// RegionList is RegionsVisibleTo with each region's members, for the API's
// list (the middleware's RegionsVisibleTo, asked on every request, reads none).
func (s *Store) RegionList(ctx context.Context, v *Viewer) ([]Region, error) {
	return s.regionsVisibleTo(s.read(ctx).Preload("Members", func(db *gorm.DB) *gorm.DB { return db.Order("kommunenummer") }), v)
}

func (s *Store) regionsVisibleTo(q *gorm.DB, v *Viewer) ([]Region, error) {
	q = q.Order(s.byName("name") + ", id") // names can be alike; the API pages the list
	if !v.IsAdmin() {
		q = q.Where("id IN (SELECT region_id FROM user_roles WHERE user_id = ?)", v.User.ID)
	}
	var rs []Region
	if err := q.Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("list regions: %w", err)
	}
	return rs, nil
}

// Region loads one region the viewer may see, with its members.
func (s *Store) Region(ctx context.Context, v *Viewer, id int64) (*Region, error) {
	q := s.read(ctx).Preload("Members", func(db *gorm.DB) *gorm.DB { return db.Order("kommunenummer") }).Preload("Members.Municipality")
	if !v.IsAdmin() {
		q = q.Where("id IN (SELECT region_id FROM user_roles WHERE user_id = ?)", v.User.ID)
	}
	var r Region
	err := q.First(&r, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("region %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load region %d: %w", id, err)
	}
	return &r, nil
}

// RegionBySlug loads a region by its slug, without scoping; for the CLI and seeding.
func (s *Store) RegionBySlug(ctx context.Context, slug string) (*Region, error) {
	var r Region
	err := s.read(ctx).Where("slug = ?", slug).First(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("region %q: %w", slug, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load region %q: %w", slug, err)
	}
	return &r, nil
}

// CreateRegion adds a region.
func (s *Store) CreateRegion(ctx context.Context, a Actor, in RegionInput) (*Region, error) {
	fields := in.validate()
	r := Region{Slug: in.Slug, Name: in.Name, FirstResponseDays: in.FirstResponseDays, ReferralFollowUpDays: in.ReferralFollowUpDays,
		NoResponseDays: in.NoResponseDays, RetentionMonths: in.RetentionMonths, ContactEmail: in.ContactEmail, ContactPhone: in.ContactPhone,
		Version: 1, CreatedAt: s.now(), UpdatedAt: s.now()}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		if err := s.checkRegionRefs(tx, 0, in, fields); err != nil {
			return err
		}
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		if in.HostMunicipality != "" {
			r.HostMunicipality = &in.HostMunicipality
		}
		if err := tx.Create(&r).Error; err != nil {
			if isUniqueViolation(err) {
				return invalid("slug", "error.slug_taken")
			}
			return fmt.Errorf("create region: %w", err)
		}
		return s.audit(tx, a, "create", "region", fmt.Sprint(r.ID), r.Slug)
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func (s *Store) checkHost(tx *gorm.DB, host string, fields map[string]string) error {
	if host == "" {
		return nil
	}
	ok, err := s.checkMunicipality(tx, host)
	if err != nil {
		return err
	}
	if !ok {
		fields["host_municipality"] = "error.unknown_municipality"
	}
	return nil
}

// UpdateRegion saves a region's name and settings. An admin may update any
// region; a coordinator only the region they are working in.
func (s *Store) UpdateRegion(ctx context.Context, v *Viewer, a Actor, id int64, in RegionInput) error {
	if !v.IsAdmin() && (v.Region == nil || v.Region.ID != id || !v.Has(RoleCoordinator)) {
		return fmt.Errorf("region %d: %w", id, ErrNotFound)
	}
	fields := in.validate()
	return s.inTx(ctx, func(tx *gorm.DB) error {
		if err := s.checkRegionRefs(tx, id, in, fields); err != nil {
			return err
		}
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		var host any
		if in.HostMunicipality != "" {
			host = in.HostMunicipality
		}
		values := map[string]any{
			"slug": in.Slug, "name": in.Name, "host_municipality": host,
			"first_response_days": in.FirstResponseDays, "referral_follow_up_days": in.ReferralFollowUpDays,
			"no_response_days": in.NoResponseDays, "retention_months": in.RetentionMonths,
			"contact_email": in.ContactEmail, "contact_phone": in.ContactPhone,
		}
		if same, err := unchanged(tx, &Region{}, in.Version, values, "id = ?", id); err != nil || same {
			return err
		}
		values["version"], values["updated_at"] = gorm.Expr("version + 1"), s.now()
		res := tx.Model(&Region{}).Where("id = ? AND version = ?", id, in.Version).Updates(values)
		if res.Error != nil && isUniqueViolation(res.Error) {
			return invalid("slug", "error.slug_taken")
		}
		if err := versionCheck(tx, res, &Region{}, "id = ?", id); err != nil {
			return err
		}
		return s.audit(tx, a, "update", "region", fmt.Sprint(id), "settings")
	})
}

// MemberInput is a municipality's membership as an admin sets it.
type MemberInput struct {
	Kommunenummer  string
	JoinedOn       time.Time
	LeftOn         *time.Time
	Votes          int
	CommittedFTE   float64
	TakesEnquiries bool
	Version        int // of the membership as read; 0 adds a new one
}

// MemberProblems reports what is wrong with in, by the checks SaveMember
// makes, reading the database but writing nothing. A form that failed to
// parse a field asks it too, so that every error shows in one round.
func (s *Store) MemberProblems(ctx context.Context, in MemberInput) (map[string]string, error) {
	return s.memberProblems(s.read(ctx), in)
}

func (s *Store) memberProblems(tx *gorm.DB, in MemberInput) (map[string]string, error) {
	fields := map[string]string{}
	if in.JoinedOn.IsZero() {
		fields["joined_on"] = "error.date"
	}
	if in.LeftOn != nil && !in.LeftOn.After(in.JoinedOn) {
		fields["left_on"] = "error.left_before_joined"
	}
	if in.Votes < 0 || in.Votes > 100 {
		fields["votes"] = "error.range"
	}
	if in.CommittedFTE < 0 || in.CommittedFTE > 1000 {
		fields["committed_fte"] = "error.fte"
	}
	ok, err := s.checkMunicipality(tx, in.Kommunenummer)
	if err != nil {
		return nil, err
	}
	if !ok {
		fields["kommunenummer"] = "error.unknown_municipality"
	}
	return fields, nil
}

// SaveMember adds a municipality to a region (Version 0) or updates its
// membership (the Version read, else ErrConflict). When TakesEnquiries is set,
// the other regions sharing the municipality lose it, so exactly one region
// takes its enquiries.
func (s *Store) SaveMember(ctx context.Context, a Actor, regionID int64, in MemberInput) (moved int, err error) {
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		moved = 0 // a retried transaction counts again
		// The municipality's memberships are saved one at a time, on
		// PostgreSQL as on SQLite (one writer): two admins adding it to a
		// region at once both found it not a member, and the second's insert
		// failed on the unique index; two regions taking its enquiries at
		// once each cleared the other's flag before it was committed, and
		// both kept it. Its row is locked (NO KEY: an enquiry registered
		// from it, whose foreign key shares the row, does not wait) before
		// the memberships are read; SQLite ignores the clause.
		var locked []string
		if err := tx.Clauses(clause.Locking{Strength: "NO KEY UPDATE"}).Model(&Municipality{}).
			Where("kommunenummer = ?", in.Kommunenummer).Pluck("kommunenummer", &locked).Error; err != nil {
			return fmt.Errorf("lock municipality %s: %w", in.Kommunenummer, err)
		}
		fields, err := s.memberProblems(tx, in)
		if err != nil {
			return err
		}
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		var region Region
		if err := tx.First(&region, regionID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		m := RegionMember{RegionID: regionID, Kommunenummer: in.Kommunenummer}
		if err := tx.Where(&m).FirstOrInit(&m).Error; err != nil {
			return err
		}
		switch {
		case m.ID == 0 && in.Version != 0:
			return fmt.Errorf("member %s: %w", in.Kommunenummer, ErrConflict) // removed meanwhile
		case m.ID != 0 && in.Version == 0:
			return invalid("kommunenummer", "error.already_member")
		case m.ID == 0:
			m.JoinedOn, m.LeftOn, m.Votes, m.CommittedFTE, m.TakesEnquiries, m.Version = in.JoinedOn, in.LeftOn, in.Votes, in.CommittedFTE, in.TakesEnquiries, 1
			if err := tx.Omit("Municipality").Create(&m).Error; err != nil {
				return fmt.Errorf("save member: %w", err)
			}
		default:
			values := map[string]any{"joined_on": in.JoinedOn, "left_on": in.LeftOn, "votes": in.Votes, "committed_fte": in.CommittedFTE,
				"takes_enquiries": in.TakesEnquiries}
			if same, err := unchanged(tx, &RegionMember{}, in.Version, values, "id = ?", m.ID); err != nil || same {
				return err
			}
			values["version"] = gorm.Expr("version + 1")
			res := tx.Model(&RegionMember{}).Where("id = ? AND version = ?", m.ID, in.Version).Updates(values)
			if err := versionCheck(tx, res, &RegionMember{}, "id = ?", m.ID); err != nil {
				return err
			}
		}
		if in.TakesEnquiries {
			if err := tx.Model(&RegionMember{}).Where("kommunenummer = ? AND region_id <> ? AND takes_enquiries = ?", in.Kommunenummer, regionID, true).
				Updates(map[string]any{"takes_enquiries": false, "version": gorm.Expr("version + 1")}).Error; err != nil {
				return err
			}
		}
		if err := s.audit(tx, a, "save_member", "region", fmt.Sprint(regionID), in.Kommunenummer); err != nil {
			return err
		}
		today := s.Today()
		if !in.TakesEnquiries || in.JoinedOn.After(today) || in.LeftOn != nil && !in.LeftOn.After(today) {
			return nil
		}
		// The open enquiries that waited in the admin queue for a region to
		// serve their municipality go to the one that now does, as an
		// admin's routing would move them; closed ones were handled there.
		var queued []Enquiry
		err = tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
			Where("region_id IS NULL AND kommunenummer = ? AND status <> ?", in.Kommunenummer, "closed").Order("id").Find(&queued).Error
		if err != nil {
			return fmt.Errorf("queued enquiries of %s: %w", in.Kommunenummer, err)
		}
		for i := range queued {
			if err := s.moveEnquiry(tx, nil, a, &queued[i], regionID, queued[i].Version); err != nil {
				return err
			}
			moved++
		}
		return nil
	})
	return moved, err
}

// RemoveMember deletes a membership entered by mistake. A municipality that left
// keeps its membership with a left date instead, so history stays: one whose
// enquiries, projects or municipality users are in the region is refused
// (error.member_in_use), as removing it would leave them in a region the
// municipality was never part of.
func (s *Store) RemoveMember(ctx context.Context, a Actor, regionID int64, kommunenummer string) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		// Not a member is not found, as any unknown record, whatever the
		// region holds of the municipality (an enquiry the admin routed
		// there from their queue): "in use" would have the admin give a
		// left date to a membership that is not there.
		var member int64
		if err := tx.Model(&RegionMember{}).Where("region_id = ? AND kommunenummer = ?", regionID, kommunenummer).Count(&member).Error; err != nil {
			return fmt.Errorf("member %s of region %d: %w", kommunenummer, regionID, err)
		}
		if member == 0 {
			return fmt.Errorf("member %s of region %d: %w", kommunenummer, regionID, ErrNotFound)
		}
		var used int64
		err := tx.Raw(`SELECT
			(SELECT COUNT(*) FROM enquiries WHERE region_id = ? AND kommunenummer = ?) +
			(SELECT COUNT(*) FROM project_municipalities pm JOIN projects p ON p.id = pm.project_id WHERE p.region_id = ? AND pm.kommunenummer = ?) +
			(SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.region_id = ? AND r.role = ? AND u.municipality = ?)`,
			regionID, kommunenummer, regionID, kommunenummer, regionID, RoleMunicipality, kommunenummer).Scan(&used).Error
		if err != nil {
			return fmt.Errorf("member %s in use: %w", kommunenummer, err)
		}
		if used > 0 {
			return invalid("member", "error.member_in_use")
		}
		res := tx.Where("region_id = ? AND kommunenummer = ?", regionID, kommunenummer).Delete(&RegionMember{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return s.audit(tx, a, "remove_member", "region", fmt.Sprint(regionID), kommunenummer)
	})
}

// RegionForMunicipality is the region that takes enquiries from a municipality on
// day: the member region marked to take them, else the only member region.
// ErrNotFound means no region serves it (its enquiries go to the admin queue).
func (s *Store) RegionForMunicipality(ctx context.Context, kommunenummer string, day time.Time) (*Region, error) {
	r, err := routedRegion(s.read(ctx), kommunenummer, day)
	if err != nil {
		return nil, fmt.Errorf("region for %s: %w", kommunenummer, err)
	}
	if r == nil {
		return nil, fmt.Errorf("region for %s: %w", kommunenummer, ErrNotFound)
	}
	return r, nil
}

// routedRegion is the region an enquiry from the municipality goes to on day,
// read in one query: of the regions it is a member of then, the one it takes
// enquiries with, or else the first; nil when it is a member of none.
//
// Membership is by Norway's calendar day, as the dates are stored: in the
// hour or two after midnight there, the UTC instant is still on yesterday.
func routedRegion(db *gorm.DB, kommunenummer string, day time.Time) (*Region, error) {
	day = dateOf(day)
	var rs []Region
	err := db.Model(&Region{}).Select("regions.*").Joins("JOIN region_members ON region_members.region_id = regions.id").
		Where("region_members.kommunenummer = ? AND region_members.joined_on <= ? AND (region_members.left_on IS NULL OR region_members.left_on > ?)", kommunenummer, day, day).
		Order("region_members.takes_enquiries DESC, region_members.region_id").Limit(1).Find(&rs).Error
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return &rs[0], nil
}

// RegionByID loads a region without scoping, for what the public may see of it
// (its name and response target on the one door's receipt).
func (s *Store) RegionByID(ctx context.Context, id int64) (*Region, error) {
	var r Region
	err := s.read(ctx).First(&r, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("region %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load region %d: %w", id, err)
	}
	return &r, nil
}
