package models

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gorm.io/gorm"
)

// Load is a municipality's cooperation load: what it has committed to regional
// cooperations against the full-time equivalents (FTE) it has for business
// development. Saying yes to more cooperations than capacity allows is one of
// the hindering factors; a load above the region's threshold flags it.
type Load struct {
	Municipality   Municipality
	Memberships    int     // current memberships of regions
	MembershipFTE  float64 // FTE committed to those regions
	ActiveProjects int     // active projects it takes part in, in any region
	ProjectFTE     float64 // FTE contributed to those projects
	CommittedFTE   float64 // MembershipFTE + ProjectFTE
	CapacityFTE    float64 // the municipality's FTE for business development
	Ratio          float64 // CommittedFTE / CapacityFTE; 0 without capacity
	NoCapacity     bool    // commitments but no FTE recorded for business development
	Flagged        bool    // above the threshold, or committed without capacity
	Threshold      float64 // the region's, which Flagged compares Ratio with
}

// Percent is the load as a whole percentage of capacity. Ratio is kept to
// four decimals, so Ratio × 10 000 is a whole number but for binary noise
// (0.575 × 100 is 57.49999…): that is rounded away before the half is
// rounded up.
func (l Load) Percent() int { return percent(math.Round(l.Ratio*10000) / 100) }

// DisplayPercent is the load in per cent as pages show it: whole, as Percent,
// unless that would put it on the other side of the threshold from its flag
// (100.2 % flagged above 100 % showed as "100 %"); then to the hundredth,
// which Ratio holds exactly.
func (l Load) DisplayPercent() float64 {
	whole := float64(l.Percent())
	limit := math.Round(l.Threshold*10000) / 100
	if l.Flagged && whole <= limit || !l.Flagged && whole > limit {
		return math.Round(l.Ratio*10000) / 100
	}
	return whole
}

// DefaultLoadThreshold flags a municipality that has committed more FTE than it has.
const DefaultLoadThreshold = 1.0

// LoadSettings is a region's threshold for flagging cooperation load, as a share
// of capacity (1.0 = 100 %), with the region's version for optimistic locking.
type LoadSettings struct {
	RegionID  int64
	Threshold float64
	Version   int
}

// ThresholdPercent is the threshold as a whole percentage.
func (ls LoadSettings) ThresholdPercent() int { return int(math.Round(ls.Threshold * 100)) }

// round3 rounds away the noise of adding decimal FTE in binary floating point,
// so that 0.5 + 0.3 compares equal to 0.8.
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// LoadSettings reads the threshold of a region the viewer may see.
func (s *Store) LoadSettings(ctx context.Context, v *Viewer, regionID int64) (*LoadSettings, error) {
	q := s.read(ctx).Table("regions").Select("id AS region_id, load_threshold AS threshold, version").Where("id = ?", regionID)
	if !v.IsAdmin() {
		q = q.Where("id IN (SELECT region_id FROM user_roles WHERE user_id = ?)", v.User.ID)
	}
	var ls []LoadSettings
	if err := q.Scan(&ls).Error; err != nil {
		return nil, fmt.Errorf("load settings %d: %w", regionID, err)
	}
	if len(ls) == 0 {
		return nil, fmt.Errorf("region %d: %w", regionID, ErrNotFound)
	}
	return &ls[0], nil
}

// Bounds of the load threshold.
const (
	MinLoadThreshold = 0.1
	MaxLoadThreshold = 5.0
)

// SetLoadThreshold changes a region's load threshold: admins anywhere,
// coordinators in their current region. A stale version is ErrConflict.
func (s *Store) SetLoadThreshold(ctx context.Context, v *Viewer, a Actor, regionID int64, threshold float64, version int) error {
	if !v.IsAdmin() && (v.Region == nil || v.Region.ID != regionID || !v.Has(RoleCoordinator)) {
		return fmt.Errorf("region %d: %w", regionID, ErrNotFound)
	}
	if threshold < MinLoadThreshold || threshold > MaxLoadThreshold || math.IsNaN(threshold) {
		return invalid("threshold", "error.threshold")
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		values := map[string]any{"load_threshold": threshold}
		if same, err := unchanged(tx, &Region{}, version, values, "id = ?", regionID); err != nil || same {
			return err
		}
		values["version"], values["updated_at"] = gorm.Expr("version + 1"), s.now()
		res := tx.Model(&Region{}).Where("id = ? AND version = ?", regionID, version).Updates(values)
		if err := versionCheck(tx, res, &Region{}, "id = ?", regionID); err != nil {
			return err
		}
		return s.audit(tx, a, "update", "region", fmt.Sprint(regionID), fmt.Sprintf("load_threshold=%g", threshold))
	})
}

// CooperationLoad is the load of every current member municipality of a region
// the viewer may see, with the region's threshold.
func (s *Store) CooperationLoad(ctx context.Context, v *Viewer, regionID int64) ([]Load, *LoadSettings, error) {
	ls, err := s.LoadSettings(ctx, v, regionID)
	if err != nil {
		return nil, nil, err
	}
	today := s.Today()
	var numbers []string
	err = s.read(ctx).Model(&RegionMember{}).Where("region_id = ? AND joined_on <= ? AND (left_on IS NULL OR left_on > ?)", regionID, today, today).
		Order("kommunenummer").Pluck("kommunenummer", &numbers).Error
	if err != nil {
		return nil, nil, fmt.Errorf("members of region %d: %w", regionID, err)
	}
	loads, err := s.MunicipalityLoads(ctx, numbers, ls.Threshold)
	if err != nil {
		return nil, nil, err
	}
	return loads, ls, nil
}

// MunicipalityLoads computes the load of each municipality, in the order given.
// Municipalities' commitments are counted over every region, since their
// capacity is one and the same.
func (s *Store) MunicipalityLoads(ctx context.Context, numbers []string, threshold float64) ([]Load, error) {
	if len(numbers) == 0 {
		return []Load{}, nil
	}
	today := s.Today()
	var ms []Municipality
	if err := s.read(ctx).Where("kommunenummer IN ?", numbers).Find(&ms).Error; err != nil {
		return nil, fmt.Errorf("load municipalities: %w", err)
	}
	byNumber := map[string]Municipality{}
	for _, m := range ms {
		byNumber[m.Kommunenummer] = m
	}
	type sum struct {
		Kommunenummer string
		N             int
		FTE           float64
	}
	var members, projects []sum
	err := s.read(ctx).Raw(`SELECT kommunenummer, COUNT(*) AS n, COALESCE(SUM(committed_fte), 0) AS fte FROM region_members
		WHERE kommunenummer IN ? AND joined_on <= ? AND (left_on IS NULL OR left_on > ?) GROUP BY kommunenummer`, numbers, today, today).Scan(&members).Error
	if err != nil {
		return nil, fmt.Errorf("membership load: %w", err)
	}
	err = s.read(ctx).Raw(`SELECT pm.kommunenummer, COUNT(*) AS n, COALESCE(SUM(pm.contribution_fte), 0) AS fte
		FROM project_municipalities pm JOIN projects p ON p.id = pm.project_id
		WHERE p.status = 'active' AND pm.kommunenummer IN ? GROUP BY pm.kommunenummer`, numbers).Scan(&projects).Error
	if err != nil {
		return nil, fmt.Errorf("project load: %w", err)
	}
	loads := map[string]*Load{}
	out := make([]Load, 0, len(numbers))
	for _, n := range numbers {
		m, ok := byNumber[n]
		if !ok {
			return nil, fmt.Errorf("municipality %s: %w", n, ErrNotFound)
		}
		out = append(out, Load{Municipality: m, CapacityFTE: m.BusinessFTE})
	}
	for i := range out {
		loads[out[i].Municipality.Kommunenummer] = &out[i]
	}
	for _, m := range members {
		loads[m.Kommunenummer].Memberships, loads[m.Kommunenummer].MembershipFTE = m.N, round3(m.FTE)
	}
	for _, p := range projects {
		loads[p.Kommunenummer].ActiveProjects, loads[p.Kommunenummer].ProjectFTE = p.N, round3(p.FTE)
	}
	for i := range out {
		l := &out[i]
		l.CommittedFTE, l.Threshold = round3(l.MembershipFTE+l.ProjectFTE), threshold
		switch {
		case l.CapacityFTE > 0:
			l.Ratio = math.Round(l.CommittedFTE/l.CapacityFTE*10000) / 10000
			l.Flagged = l.Ratio > threshold
		case l.CommittedFTE > 0:
			l.NoCapacity, l.Flagged = true, true
		}
	}
	return out, nil
}

// MunicipalityLoad is the load of one municipality.
func (s *Store) MunicipalityLoad(ctx context.Context, number string, threshold float64) (*Load, error) {
	loads, err := s.MunicipalityLoads(ctx, []string{number}, threshold)
	if err != nil {
		return nil, err
	}
	if len(loads) == 0 {
		return nil, errors.New("no load")
	}
	return &loads[0], nil
}
