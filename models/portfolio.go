package models

import (
	"context"
	"fmt"
	"math"
	"sort"

	"gorm.io/gorm"
)

// Portfolio is the overview of a region's projects: by status, municipal role
// and focus; whether plans are followed up (milestones done on time); and each
// municipality's weight in the projects.
type Portfolio struct {
	Projects   int
	ByStatus   []CodeCount
	ByRole     []CodeCount // MunicipalRoles, then "" for not given
	Approaches []string    // the columns of ByFocus: ProjectApproaches, then ""
	ByFocus    []FocusRow  // ProjectFocuses, then ""
	Milestones MilestoneFollowUp
	Shares     []MunicipalityShare
	Leads      int
	NOK        int64
	FTE        float64
}

// CodeCount is the number of projects with one code.
type CodeCount struct {
	Code string
	N    int
}

// FocusRow counts the projects of one focus by approach.
type FocusRow struct {
	Focus string
	Cells []int // aligned with Portfolio.Approaches
	Total int
}

// MilestoneFollowUp answers "are plans followed up?". A milestone's outcome is
// decided once it is done, or once its due date has passed while it is open
// (overdue). The share on time is the done-on-time among the decided, in per cent.
// Cancelled milestones, and the open ones of a closed project (its plan over,
// see Project.PlanOver), do not count.
type MilestoneFollowUp struct {
	Total    int // all milestones that count: not cancelled, not given up
	Done     int
	OnTime   int // done on or before the due date
	Late     int // done after the due date
	Overdue  int // open and past the due date
	Upcoming int // open and not yet due
	Decided  int // Done + Overdue
	Share    float64
}

// Percent is the share on time as a whole percentage.
func (m MilestoneFollowUp) Percent() int { return percent(m.Share) }

// MunicipalityShare is one municipality's weight in the region's projects; its
// shares are in per cent.
type MunicipalityShare struct {
	Municipality    Municipality
	Member          bool // a current member of the region
	Projects        int
	Leads           int
	ContributionNOK int64
	ContributionFTE float64
	ProjectShare    float64 // of all the region's projects, the share it takes part in
	LeadShare       float64 // of all lead roles, the share it holds
	NOKShare        float64 // of all municipal contributions in NOK, its share
	FTEShare        float64 // of all municipal contributions in FTE, its share
}

// Percentages of the shares, rounded.
func (m MunicipalityShare) ProjectPercent() int { return percent(m.ProjectShare) }
func (m MunicipalityShare) LeadPercent() int    { return percent(m.LeadShare) }
func (m MunicipalityShare) NOKPercent() int     { return percent(m.NOKShare) }
func (m MunicipalityShare) FTEPercent() int     { return percent(m.FTEShare) }

// percent rounds a per cent to a whole one, a half up.
func percent(f float64) int { return int(math.Round(f)) }

// share is part of whole in per cent, 0 of nothing. It multiplies before it
// divides: 23 / 40 * 100 is 57.49999… in binary floating point, which rounds
// to 57, where 23 * 100 / 40 is 57.5, rounded to 58.
func share(part, whole float64) float64 {
	if whole == 0 {
		return 0
	}
	return part * 100 / whole
}

// Portfolio builds the portfolio of the region's projects the viewer may see.
// The database counts: the projects by their codes, the milestones by how they
// were followed up, and each municipality's part; a region's few hundred
// projects and their thousands of milestones and roles are not read one by one.
func (s *Store) Portfolio(ctx context.Context, v *Viewer, regionID int64) (*Portfolio, error) {
	today := s.Today()
	visible := func() *gorm.DB {
		return s.read(ctx).Table("projects").Select("projects.id").Scopes(projectsVisibleTo(v, today)).Where("projects.region_id = ?", regionID)
	}
	var groups []projectGroup
	err := s.read(ctx).Table("projects").Select("status, municipal_role, focus, approach, COUNT(*) AS n").
		Where("projects.id IN (?)", visible()).Group("status, municipal_role, focus, approach").Scan(&groups).Error
	if err != nil {
		return nil, fmt.Errorf("portfolio: %w", err)
	}
	var ms milestoneCounts
	err = s.read(ctx).Table("milestones").Select(`COUNT(*) AS total,
			COALESCE(SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END), 0) AS done,
			COALESCE(SUM(CASE WHEN status = 'done' AND done_on IS NOT NULL AND done_on <= due_on THEN 1 ELSE 0 END), 0) AS on_time,
			COALESCE(SUM(CASE WHEN status <> 'done' AND due_on < ? THEN 1 ELSE 0 END), 0) AS overdue`, today).
		Where("status <> 'cancelled' AND project_id IN (?)", visible()).
		// A closed project's open milestones went with its plan, as if
		// cancelled (Project.PlanOver); what it finished still counts.
		Where("status = 'done' OR project_id NOT IN (SELECT id FROM projects WHERE status IN ?)", ClosedProjectStatuses).Scan(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("portfolio milestones: %w", err)
	}
	var parts []municipalityPart
	err = s.read(ctx).Table("project_municipalities").Select(`kommunenummer, COUNT(*) AS projects,
			COALESCE(SUM(CASE WHEN role = 'lead' THEN 1 ELSE 0 END), 0) AS leads,
			COALESCE(SUM(contribution_nok), 0) AS nok, COALESCE(SUM(contribution_fte), 0) AS fte`).
		Where("project_id IN (?)", visible()).Group("kommunenummer").Scan(&parts).Error
	if err != nil {
		return nil, fmt.Errorf("portfolio municipalities: %w", err)
	}
	var members []RegionMember
	err = s.read(ctx).Preload("Municipality").Where("region_id = ? AND joined_on <= ? AND (left_on IS NULL OR left_on > ?)", regionID, today, today).
		Find(&members).Error
	if err != nil {
		return nil, fmt.Errorf("portfolio members: %w", err)
	}
	numbers := make([]string, 0, len(parts))
	for _, pt := range parts {
		numbers = append(numbers, pt.Kommunenummer)
	}
	var named []Municipality
	if len(numbers) > 0 {
		if err := s.read(ctx).Where("kommunenummer IN ?", numbers).Find(&named).Error; err != nil {
			return nil, fmt.Errorf("portfolio municipalities: %w", err)
		}
	}
	p := buildPortfolio(groups, ms, parts, named, members)
	return &p, nil
}

// EmptyPortfolio is the portfolio of no projects: its tables with every row
// at zero, for a viewer without a region.
func EmptyPortfolio() Portfolio { return buildPortfolio(nil, milestoneCounts{}, nil, nil, nil) }

// projectGroup is how many of the projects share one set of codes.
type projectGroup struct {
	Status, MunicipalRole, Focus, Approach string
	N                                      int
}

// milestoneCounts are the milestones that are not cancelled (nor left open in
// a closed project): all, done, done by their due date, and open past it.
type milestoneCounts struct{ Total, Done, OnTime, Overdue int }

// municipalityPart is one municipality's part in the projects.
type municipalityPart struct {
	Kommunenummer   string
	Projects, Leads int
	NOK             int64
	FTE             float64
}

// buildPortfolio puts the counts together: the tables by code, the share of
// milestones on time, and each municipality's share of the whole. The current
// members are listed even when they take part in no project.
func buildPortfolio(groups []projectGroup, ms milestoneCounts, parts []municipalityPart, named []Municipality, members []RegionMember) Portfolio {
	p := Portfolio{Approaches: append(append([]string(nil), ProjectApproaches...), "")}
	status := map[string]int{}
	role := map[string]int{}
	for _, g := range groups {
		p.Projects += g.N
		status[g.Status] += g.N
		role[g.MunicipalRole] += g.N
	}
	for _, code := range ProjectStatuses {
		p.ByStatus = append(p.ByStatus, CodeCount{code, status[code]})
	}
	for _, code := range append(append([]string(nil), MunicipalRoles...), "") {
		p.ByRole = append(p.ByRole, CodeCount{code, role[code]})
	}
	for _, focus := range append(append([]string(nil), ProjectFocuses...), "") {
		row := FocusRow{Focus: focus, Cells: make([]int, len(p.Approaches))}
		for _, g := range groups {
			if g.Focus != focus {
				continue
			}
			for k, ap := range p.Approaches {
				if g.Approach == ap {
					row.Cells[k] += g.N
				}
			}
			row.Total += g.N
		}
		p.ByFocus = append(p.ByFocus, row)
	}

	p.Milestones = MilestoneFollowUp{Total: ms.Total, Done: ms.Done, OnTime: ms.OnTime, Late: ms.Done - ms.OnTime,
		Overdue: ms.Overdue, Upcoming: ms.Total - ms.Done - ms.Overdue, Decided: ms.Done + ms.Overdue}
	p.Milestones.Share = share(float64(p.Milestones.OnTime), float64(p.Milestones.Decided))

	shares := map[string]*MunicipalityShare{}
	for _, m := range members {
		shares[m.Municipality.Kommunenummer] = &MunicipalityShare{Municipality: m.Municipality, Member: true}
	}
	byNumber := map[string]Municipality{}
	for _, m := range named {
		byNumber[m.Kommunenummer] = m
	}
	for _, pt := range parts {
		sh, ok := shares[pt.Kommunenummer]
		if !ok {
			sh = &MunicipalityShare{Municipality: byNumber[pt.Kommunenummer]}
			shares[pt.Kommunenummer] = sh
		}
		sh.Projects, sh.Leads, sh.ContributionNOK, sh.ContributionFTE = pt.Projects, pt.Leads, pt.NOK, round3(pt.FTE)
		p.Leads += pt.Leads
		p.NOK += pt.NOK
		p.FTE += pt.FTE
	}
	p.FTE = round3(p.FTE)
	for _, sh := range shares {
		sh.ProjectShare = share(float64(sh.Projects), float64(p.Projects))
		sh.LeadShare = share(float64(sh.Leads), float64(p.Leads))
		sh.NOKShare = share(float64(sh.ContributionNOK), float64(p.NOK))
		sh.FTEShare = share(sh.ContributionFTE, p.FTE)
		p.Shares = append(p.Shares, *sh)
	}
	sort.Slice(p.Shares, func(i, j int) bool {
		return p.Shares[i].Municipality.Kommunenummer < p.Shares[j].Municipality.Kommunenummer
	})
	return p
}
