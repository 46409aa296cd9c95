package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// Partner is a support organisation ("virkemiddelaktør") that enquiries are referred to.
type Partner struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"` // national, regional or local
	Services    string    `json:"-"`    // comma-separated PartnerServices
	Description string    `json:"description"`
	Website     string    `json:"website"`
	Active      bool      `json:"active"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// NameFold is the name by foldName, which a unique index keeps single
	// (migration 26): two admins saving names alike at the same moment both
	// find no clash in partnerNameClash on PostgreSQL, where neither sees
	// the other's uncommitted row, and the index refuses the second. Nil
	// for a partner not saved since the migration, and may stay nil for one
	// that keeps a name another partner had alike before the check (see
	// nameStillFree).
	NameFold *string `json:"-"`
}

// Partner kinds and services.
var (
	PartnerKinds    = []string{"national", "regional", "local"}
	PartnerServices = []string{"financing", "advice", "network", "competence", "rd"}
)

// ServiceList is the partner's services as a list.
func (p Partner) ServiceList() []string {
	if p.Services == "" {
		return []string{}
	}
	return strings.Split(p.Services, ",")
}

// HasService reports whether the partner offers service.
func (p Partner) HasService(service string) bool { return contains(p.ServiceList(), service) }

// PartnerInput is what an admin sets on a partner.
type PartnerInput struct {
	Name        string
	Kind        string
	Services    []string
	Description string
	Website     string
	Active      bool
	Version     int // for updates: the version the admin read
}

// PartnerProblems reports what is wrong with in, for partner id (0 for a new
// one), by the checks CreatePartner and UpdatePartner make, a name already
// taken too, writing nothing: a form or API body refused for a field it could
// not read still hears about its other fields in the same answer. Its Data
// names the partner a name clashes with.
func (s *Store) PartnerProblems(ctx context.Context, id int64, in PartnerInput) (ValidationError, error) {
	return s.partnerProblems(s.read(ctx), id, &in)
}

func (s *Store) partnerProblems(tx *gorm.DB, id int64, in *PartnerInput) (ValidationError, error) {
	out := ValidationError{Fields: map[string]string{}}
	var ve *ValidationError
	if errors.As(in.validate(), &ve) {
		out.Fields = ve.Fields
	}
	if out.Fields["name"] == "" {
		if ok, err := taken(tx, &Partner{}, "name", in.Name, id); err != nil {
			return ValidationError{}, err
		} else if ok {
			out.Fields["name"] = "error.name_taken"
		} else if clash, _, err := partnerNameClash(tx, id, in.Name); err != nil {
			return ValidationError{}, err
		} else if clash != "" {
			out.Fields["name"] = "error.name_clash"
			out.Data = map[string]map[string]any{"name": {"Name": clash}}
		}
	}
	return out, nil
}

// foldName is a partner name as people tell names apart: in NFC (see
// partnerName), in lower case (Go's, which knows Æ, Ø and Å, as the searches'
// fold() does) with every run of spaces one space. "ACME  AS" and "Acme AS"
// are one organisation to an adviser choosing where to refer. NFC here too
// for names stored before they were normalised.
func foldName(name string) string {
	return strings.Join(strings.Fields(strings.ToLower(norm.NFC.String(name))), " ")
}

// partnerName is a name as it is stored: trimmed, and in NFC, so that "å"
// typed as "a" and a combining ring (some keyboards, text copied from a PDF)
// is the one character, and the unique index, the list's order and a search
// meet the name as they meet it typed otherwise.
func partnerName(name string) string { return norm.NFC.String(strings.TrimSpace(name)) }

// partnerNameClash returns the name of another partner than id whose name is
// name's by foldName, or "" if there is none. The unique index on
// partners.name compares bytes; the folded name's index (name_fold) holds the
// names saved since migration 26 only, so the names are compared here, in
// Go, the same on SQLite and PostgreSQL (whose lower() and whitespace rules
// are not SQLite's). The catalogue is short: every name is read.
//
// A partner keeping its own name by foldName (a new case, spaces tidied) is
// not refused for a near-duplicate stored before this check: editing it must
// not wait for the other one to be renamed. shared says there is one.
func partnerNameClash(tx *gorm.DB, id int64, name string) (clash string, shared bool, err error) {
	key := foldName(name)
	var others []Partner
	if err := tx.Model(&Partner{}).Select("id, name").Order("id").Find(&others).Error; err != nil {
		return "", false, fmt.Errorf("check partner name: %w", err)
	}
	own := false
	for _, p := range others {
		switch {
		case foldName(p.Name) != key:
		case p.ID == id:
			own = true
		case clash == "":
			clash = p.Name
		}
	}
	if own {
		return "", clash != "", nil // its own name, by foldName
	}
	return clash, false, nil
}

func (in *PartnerInput) validate() error {
	fields := map[string]string{}
	in.Name = partnerName(in.Name)
	checkText(fields, "name", in.Name, 200, true)
	if !contains(PartnerKinds, in.Kind) {
		fields["kind"] = "error.choice"
	}
	for _, sv := range in.Services {
		if !contains(PartnerServices, sv) {
			fields["services"] = "error.choice"
		}
	}
	checkText(fields, "description", in.Description, 2000, false)
	in.Website = strings.TrimSpace(in.Website)
	if in.Website != "" && !webAddress(in.Website) {
		fields["website"] = "error.url"
	} else if len(in.Website) > 500 {
		fields["website"] = tooLong(500)
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

// PartnerFilter narrows the partner list.
type PartnerFilter struct {
	Q          string
	ActiveOnly bool
	Page       Page
}

// Partners lists partners by name.
func (s *Store) Partners(ctx context.Context, f PartnerFilter) ([]Partner, int64, error) {
	q := s.read(ctx).Model(&Partner{})
	if f.ActiveOnly {
		q = q.Where("active = ?", true)
	}
	if t := strings.TrimSpace(f.Q); t != "" {
		q = q.Where(s.fold("name")+` LIKE ? ESCAPE '\'`, likeTerm(t))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count partners: %w", err)
	}
	var ps []Partner
	if err := q.Order(s.byName("name") + ", id").Limit(f.Page.Limit()).Offset(f.Page.Offset()).Find(&ps).Error; err != nil {
		return nil, 0, fmt.Errorf("list partners: %w", err)
	}
	return ps, total, nil
}

// PartnerChoices lists the partners a form offers, by name, with only ID,
// Name and Active filled. Without activeOnly it lists every partner; with it,
// the active ones and those in keep, which a record already names (a partner
// deactivated since stays offered, so saving the form unchanged keeps it).
// Unlike Partners it has no page: a select must offer them all.
func (s *Store) PartnerChoices(ctx context.Context, activeOnly bool, keep []int64) ([]Partner, error) {
	q := s.read(ctx).Select("id, name, active")
	switch {
	case activeOnly && len(keep) > 0:
		q = q.Where("active = ? OR id IN ?", true, keep)
	case activeOnly:
		q = q.Where("active = ?", true)
	}
	var out []Partner
	if err := q.Order(s.byName("name") + ", id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("partner choices: %w", err)
	}
	return out, nil
}

// Partner loads one partner.
func (s *Store) Partner(ctx context.Context, id int64) (*Partner, error) {
	var p Partner
	err := s.read(ctx).First(&p, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("partner %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load partner %d: %w", id, err)
	}
	return &p, nil
}

// PartnerByName loads a partner by its exact name.
func (s *Store) PartnerByName(ctx context.Context, name string) (*Partner, error) {
	var p Partner
	err := s.read(ctx).Where("name = ?", name).First(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("partner %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load partner %q: %w", name, err)
	}
	return &p, nil
}

// CreatePartner adds a partner to the catalogue, active or not as in.Active
// says: an admin may enter a partner before referrals to it may be sent.
func (s *Store) CreatePartner(ctx context.Context, a Actor, in PartnerInput) (*Partner, error) {
	if ve, err := s.partnerProblems(s.read(ctx), 0, &in); err != nil {
		return nil, err
	} else if len(ve.Fields) > 0 {
		return nil, &ve
	}
	p := Partner{Name: in.Name, Kind: in.Kind, Services: strings.Join(in.Services, ","), Description: in.Description,
		Website: in.Website, Active: in.Active, Version: 1, CreatedAt: s.now(), UpdatedAt: s.now()}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		key, err := nameStillFree(tx, 0, in.Name)
		if err != nil {
			return err
		}
		p.NameFold = key
		if err := tx.Create(&p).Error; err != nil {
			if isUniqueViolation(err) {
				return errPartnerNameRace
			}
			return fmt.Errorf("create partner: %w", err)
		}
		return s.audit(tx, a, "create", "partner", fmt.Sprint(p.ID), p.Name)
	})
	if err != nil {
		return nil, s.partnerNameRace(ctx, 0, &in, err)
	}
	return &p, nil
}

// UpdatePartner saves an admin's edit of a partner; Active false deactivates it.
// Partners are never deleted: referrals keep pointing at them.
func (s *Store) UpdatePartner(ctx context.Context, a Actor, id int64, in PartnerInput) error {
	if ve, err := s.partnerProblems(s.read(ctx), id, &in); err != nil {
		return err
	} else if len(ve.Fields) > 0 {
		return &ve
	}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		values := map[string]any{
			"name": in.Name, "kind": in.Kind, "services": strings.Join(in.Services, ","), "description": in.Description,
			"website": in.Website, "active": in.Active,
		}
		if same, err := unchanged(tx, &Partner{}, in.Version, values, "id = ?", id); err != nil || same {
			return err
		}
		key, err := nameStillFree(tx, id, in.Name)
		if err != nil {
			return err
		}
		if key != nil {
			values["name_fold"] = key
		}
		values["version"], values["updated_at"] = gorm.Expr("version + 1"), s.now()
		res := tx.Model(&Partner{}).Where("id = ? AND version = ?", id, in.Version).Updates(values)
		if res.Error != nil && isUniqueViolation(res.Error) {
			return errPartnerNameRace
		}
		if err := versionCheck(tx, res, &Partner{}, "id = ?", id); err != nil {
			return err
		}
		return s.audit(tx, a, "update", "partner", fmt.Sprint(id), fmt.Sprintf("active=%t", in.Active))
	})
	return s.partnerNameRace(ctx, id, &in, err)
}

// nameStillFree checks partnerNameClash again in the saving transaction, for
// a near-duplicate saved by someone else since the check before it, and
// returns the name_fold to store: the name by foldName, or nil for a partner
// keeping a name another one had alike before the check, whose name_fold is
// left as it is (the index would refuse the key twice, and editing it must
// not wait for the other's rename).
func nameStillFree(tx *gorm.DB, id int64, name string) (*string, error) {
	clash, shared, err := partnerNameClash(tx, id, name)
	switch {
	case err != nil:
		return nil, err
	case shared:
		return nil, nil
	case clash == "":
		key := foldName(name)
		return &key, nil
	case clash == name:
		return nil, invalid("name", "error.name_taken")
	}
	return nil, &ValidationError{Fields: map[string]string{"name": "error.name_clash"}, Data: map[string]map[string]any{"name": {"Name": clash}}}
}

// errPartnerNameRace is a partner's save refused by a unique index on its
// name: another admin saved the name, or one alike, at the same moment, after
// this save had checked it.
var errPartnerNameRace = errors.New("partner name saved meanwhile")

// partnerNameRace turns errPartnerNameRace into the refusal the admin would
// have had saving a moment later, naming the partner saved meanwhile, now
// that it is committed; other errors pass as they are.
func (s *Store) partnerNameRace(ctx context.Context, id int64, in *PartnerInput, err error) error {
	if !errors.Is(err, errPartnerNameRace) {
		return err
	}
	ve, err := s.partnerProblems(s.read(ctx), id, in)
	if err != nil {
		return err
	}
	if ve.Fields["name"] == "" { // the other one renamed again since
		return invalid("name", "error.name_taken")
	}
	return &ValidationError{Fields: map[string]string{"name": ve.Fields["name"]}, Data: ve.Data}
}

// PendingReferrals counts a partner's referrals, in every region, that an
// admin deactivating the partner leaves behind.
type PendingReferrals struct {
	Sent   int64 // sent and not yet closed: they stay open until followed up
	Drafts int64 // saved, not sent: they cannot be sent to an inactive partner
}

// PendingReferrals counts the referrals to a partner that deactivating it
// leaves behind, in every region: the open ones sent, and the drafts.
func (s *Store) PendingReferrals(ctx context.Context, partnerID int64) (PendingReferrals, error) {
	var rows []struct {
		Status string
		N      int64
	}
	if err := s.read(ctx).Model(&Referral{}).Select("status, COUNT(*) AS n").
		Where("partner_id = ? AND status IN ?", partnerID, append([]string{"draft"}, pendingReferral...)).Group("status").Scan(&rows).Error; err != nil {
		return PendingReferrals{}, fmt.Errorf("pending referrals of partner %d: %w", partnerID, err)
	}
	var out PendingReferrals
	for _, r := range rows {
		if r.Status == "draft" {
			out.Drafts += r.N
		} else {
			out.Sent += r.N
		}
	}
	return out, nil
}
