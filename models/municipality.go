package models

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"gorm.io/gorm"
)

// County is a Norwegian county (fylke) of 2024.
type County struct {
	Number       string `gorm:"primaryKey" json:"number"`
	Name         string `json:"name"`
	OfficialName string `json:"official_name"`
}

// Municipality is one of the 357 municipalities of 2024, keyed by its kommunenummer.
type Municipality struct {
	Kommunenummer   string    `gorm:"primaryKey" json:"kommunenummer"`
	Name            string    `json:"name"`
	OfficialName    string    `json:"official_name"`
	CountyNumber    string    `json:"county_number"`
	County          County    `gorm:"foreignKey:CountyNumber;references:Number" json:"-"`
	CentralityClass int       `json:"centrality_class"`
	CentralityIndex int       `json:"centrality_index"`
	Population      int       `json:"population"`
	Organisation    string    `json:"organisation"` // how it organises business development: one of Organisations
	BusinessFTE     float64   `gorm:"column:business_fte" json:"business_fte"`
	Version         int       `json:"version"`
	UpdatedAt       time.Time `json:"-"`
}

// Organisations are the ways a municipality organises its business development.
var Organisations = []string{"own_department", "development_company", "mayor_model", "business_consultant", "regional_company"}

// IndustrySection is a section (A–U) of the SN2007 industry standard.
type IndustrySection struct {
	Code   string `gorm:"primaryKey" json:"code"`
	NameNB string `gorm:"column:name_nb" json:"name_nb"`
	NameEN string `gorm:"column:name_en" json:"name_en"`
}

// MunicipalityFilter narrows a municipality list. Q matches name or number.
type MunicipalityFilter struct {
	Q      string
	County string
	Page   Page
}

// Municipalities lists municipalities by number. Reference data: every viewer may
// read it. The 357 rows are filtered in Go because SQLite's LOWER and LIKE fold
// only ASCII, and "ørsta" must find "Ørsta".
func (s *Store) Municipalities(ctx context.Context, f MunicipalityFilter) ([]Municipality, int64, error) {
	q := s.read(ctx).Preload("County").Order("kommunenummer")
	if f.County != "" {
		q = q.Where("county_number = ?", f.County)
	}
	var all []Municipality
	if err := q.Find(&all).Error; err != nil {
		return nil, 0, fmt.Errorf("list municipalities: %w", err)
	}
	if term := strings.ToLower(strings.TrimSpace(f.Q)); term != "" {
		kept := all[:0]
		for _, m := range all {
			if m.Kommunenummer == term || strings.Contains(strings.ToLower(m.OfficialName), term) ||
				strings.Contains(strings.ToLower(m.County.Name), term) {
				kept = append(kept, m)
			}
		}
		all = kept
	}
	total := int64(len(all))
	from, to := f.Page.Offset(), f.Page.Offset()+f.Page.Limit()
	from, to = min(from, len(all)), min(to, len(all))
	return all[from:to], total, nil
}

// AllMunicipalities lists every municipality in Norwegian alphabetical order
// (Æ, Ø, Å last), for choosing one in a form: with number, names and county
// only, read without reflection (forms that list them are drawn often).
func (s *Store) AllMunicipalities(ctx context.Context) ([]Municipality, error) {
	return s.municipalityChoices(ctx, "SELECT kommunenummer, name, official_name, county_number FROM municipalities ORDER BY kommunenummer")
}

func (s *Store) municipalityChoices(ctx context.Context, query string, args ...any) ([]Municipality, error) {
	rows, err := s.read(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("list municipalities: %w", err)
	}
	defer rows.Close()
	all := []Municipality{}
	for rows.Next() {
		var m Municipality
		if err := rows.Scan(&m.Kommunenummer, &m.Name, &m.OfficialName, &m.CountyNumber); err != nil {
			return nil, fmt.Errorf("list municipalities: %w", err)
		}
		all = append(all, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list municipalities: %w", err)
	}
	keys := make([][]byte, len(all))
	for i := range all {
		keys[i] = norwegianKey(all[i].Name)
	}
	sort.Stable(byKey{all, keys})
	return all, nil
}

// byKey sorts municipalities by their collation keys.
type byKey struct {
	ms   []Municipality
	keys [][]byte
}

func (b byKey) Len() int           { return len(b.ms) }
func (b byKey) Less(i, j int) bool { return bytes.Compare(b.keys[i], b.keys[j]) < 0 }
func (b byKey) Swap(i, j int) {
	b.ms[i], b.ms[j] = b.ms[j], b.ms[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}

// collationKeys memoises the Norwegian sort key of each name: a key is a pure
// function of the name, and comparing keys is far cheaper than comparing names
// by the collation rules each time.
var collationKeys sync.Map // name → []byte

// norwegianOrder is the Norwegian alphabet's collation: Æ, Ø and Å after Z,
// and "aa" as Å, as in a Norwegian dictionary (and PostgreSQL's ICU "nb").
// golang.org/x/text keeps those rules under Nynorsk only: its tags for
// Norwegian and Bokmål fall back to the root order, which files Å under A and
// Ø under O.
var norwegianOrder = language.MustParse("nn")

// compareNorwegian compares two names in Norwegian alphabetical order.
func compareNorwegian(a, b string) int { return bytes.Compare(norwegianKey(a), norwegianKey(b)) }

func norwegianKey(name string) []byte {
	if k, ok := collationKeys.Load(name); ok {
		return k.([]byte)
	}
	var buf collate.Buffer
	k := append([]byte(nil), collate.New(norwegianOrder).KeyFromString(&buf, name)...)
	collationKeys.Store(name, k)
	return k
}

// Municipality loads one municipality by its number.
func (s *Store) Municipality(ctx context.Context, number string) (*Municipality, error) {
	var m Municipality
	err := s.read(ctx).Preload("County").First(&m, "kommunenummer = ?", number).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("municipality %s: %w", number, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load municipality %s: %w", number, err)
	}
	return &m, nil
}

// Counties lists the counties by number.
func (s *Store) Counties(ctx context.Context) ([]County, error) {
	var cs []County
	if err := s.read(ctx).Order("number").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("list counties: %w", err)
	}
	return cs, nil
}

// IndustrySections lists the SN2007 sections.
func (s *Store) IndustrySections(ctx context.Context) ([]IndustrySection, error) {
	var out []IndustrySection
	if err := s.read(ctx).Order("code").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list industry sections: %w", err)
	}
	return out, nil
}

// MunicipalityUpdate is what an admin may change on a municipality.
type MunicipalityUpdate struct {
	Organisation string
	BusinessFTE  float64
	Version      int
}

// Problems reports what is wrong with u, every field at once, by the checks
// UpdateMunicipality makes before it touches the database: a form whose FTE did
// not parse still hears about its organisation.
func (u MunicipalityUpdate) Problems() map[string]string {
	fields := map[string]string{}
	checkChoice(fields, "organisation", u.Organisation, Organisations, false)
	if u.BusinessFTE < 0 || u.BusinessFTE > 1000 {
		fields["business_fte"] = "error.fte"
	}
	return fields
}

// UpdateMunicipality saves how a municipality organises business development.
func (s *Store) UpdateMunicipality(ctx context.Context, a Actor, number string, u MunicipalityUpdate) error {
	if fields := u.Problems(); len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		values := map[string]any{"organisation": u.Organisation, "business_fte": u.BusinessFTE}
		if same, err := unchanged(tx, &Municipality{}, u.Version, values, "kommunenummer = ?", number); err != nil || same {
			return err
		}
		values["version"], values["updated_at"] = gorm.Expr("version + 1"), s.now()
		res := tx.Model(&Municipality{}).Where("kommunenummer = ? AND version = ?", number, u.Version).Updates(values)
		if err := versionCheck(tx, res, &Municipality{}, "kommunenummer = ?", number); err != nil {
			return err
		}
		return s.audit(tx, a, "update", "municipality", number, fmt.Sprintf("organisation=%s business_fte=%g", u.Organisation, u.BusinessFTE))
	})
}

// MunicipalityChoices are the municipalities a form about enquiries offers:
// the region's members (RegionMunicipalities), or with no region (an admin
// without one, a case in the admin queue) every municipality served today; in
// both, also the municipality also (a case's own, which no region may serve).
func (s *Store) MunicipalityChoices(ctx context.Context, regionID *int64, also string) ([]Municipality, error) {
	if regionID != nil {
		return s.RegionMunicipalities(ctx, *regionID, also)
	}
	now := s.now()
	return s.municipalityChoices(ctx, `SELECT kommunenummer, name, official_name, county_number FROM municipalities WHERE kommunenummer IN
		(SELECT kommunenummer FROM region_members WHERE joined_on <= ? AND (left_on IS NULL OR left_on > ?)) OR kommunenummer = ?
		ORDER BY kommunenummer`, now, now, also)
}

// RegionMunicipalities lists the current member municipalities of a region,
// and the municipality also (an enquiry's own, which may lie outside it), in
// Norwegian alphabetical order: the choices of a case's municipality field and
// of the inbox's municipality filter. A national installation serves all 357,
// which no one should scroll through to correct a case.
func (s *Store) RegionMunicipalities(ctx context.Context, regionID int64, also string) ([]Municipality, error) {
	now := s.now()
	return s.municipalityChoices(ctx, `SELECT kommunenummer, name, official_name, county_number FROM municipalities WHERE kommunenummer IN
		(SELECT kommunenummer FROM region_members WHERE region_id = ? AND joined_on <= ? AND (left_on IS NULL OR left_on > ?)) OR kommunenummer = ?
		ORDER BY kommunenummer`, regionID, now, now, also)
}

// ProjectMunicipalityChoices lists the municipalities a project's form offers:
// the region's current members, and those the project already has (one that
// has left the region since stays on it), in Norwegian alphabetical order.
// projectID 0 is a new project.
func (s *Store) ProjectMunicipalityChoices(ctx context.Context, regionID, projectID int64) ([]Municipality, error) {
	today := s.Today()
	return s.municipalityChoices(ctx, `SELECT kommunenummer, name, official_name, county_number FROM municipalities WHERE kommunenummer IN
		(SELECT kommunenummer FROM region_members WHERE region_id = ? AND joined_on <= ? AND (left_on IS NULL OR left_on > ?))
		OR kommunenummer IN (SELECT kommunenummer FROM project_municipalities WHERE project_id = ?)
		ORDER BY kommunenummer`, regionID, today, today, projectID)
}

// ServedMunicipalities lists the municipalities that a region of the
// installation serves today, in Norwegian alphabetical order: the choices of the
// one-door form.
func (s *Store) ServedMunicipalities(ctx context.Context) ([]Municipality, error) {
	now := s.now()
	return s.municipalityChoices(ctx, `SELECT kommunenummer, name, official_name, county_number FROM municipalities WHERE kommunenummer IN
		(SELECT kommunenummer FROM region_members WHERE joined_on <= ? AND (left_on IS NULL OR left_on > ?)) ORDER BY kommunenummer`, now, now)
}
