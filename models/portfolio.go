package models

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"
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
// (overdue). The share on time is the done-on-time among the decided.
// Cancelled milestones do not count.
type MilestoneFollowUp struct {
	Total    int // all milestones that are not cancelled
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

// MunicipalityShare is one municipality's weight in the region's projects.
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

func percent(f float64) int { return int(math.Round(f * 100)) }

func share(part, whole float64) float64 {
	if whole == 0 {
		return 0
	}
	return part / whole
}

// Portfolio builds the portfolio of the region's projects the viewer may see.
func (s *Store) Portfolio(ctx context.Context, v *Viewer, regionID int64) (*Portfolio, error) {
	var projects []Project
	err := s.read(ctx).Scopes(projectsVisibleTo(v, s.Today())).Where("projects.region_id = ?", regionID).
		Preload("Municipalities").Preload("Municipalities.Municipality").Preload("Milestones").Find(&projects).Error
	if err != nil {
		return nil, fmt.Errorf("portfolio: %w", err)
	}
	today := s.Today()
	var members []RegionMember
	err = s.read(ctx).Preload("Municipality").Where("region_id = ? AND joined_on <= ? AND (left_on IS NULL OR left_on > ?)", regionID, today, today).
		Find(&members).Error
	if err != nil {
		return nil, fmt.Errorf("portfolio members: %w", err)
	}
	ms := make([]Municipality, 0, len(members))
	for _, m := range members {
		ms = append(ms, m.Municipality)
	}
	p := BuildPortfolio(projects, ms, today)
	return &p, nil
}

// BuildPortfolio computes the portfolio of projects (with municipalities and
// milestones loaded) for a region with the given current members, on today.
func BuildPortfolio(projects []Project, members []Municipality, today time.Time) Portfolio {
	p := Portfolio{Projects: len(projects), Approaches: append(append([]string(nil), ProjectApproaches...), "")}
	status := map[string]int{}
	role := map[string]int{}
	for _, pr := range projects {
		status[pr.Status]++
		role[pr.MunicipalRole]++
	}
	for _, code := range ProjectStatuses {
		p.ByStatus = append(p.ByStatus, CodeCount{code, status[code]})
	}
	for _, code := range append(append([]string(nil), MunicipalRoles...), "") {
		p.ByRole = append(p.ByRole, CodeCount{code, role[code]})
	}
	for _, focus := range append(append([]string(nil), ProjectFocuses...), "") {
		row := FocusRow{Focus: focus, Cells: make([]int, len(p.Approaches))}
		for _, pr := range projects {
			if pr.Focus != focus {
				continue
			}
			for k, ap := range p.Approaches {
				if pr.Approach == ap {
					row.Cells[k]++
				}
			}
			row.Total++
		}
		p.ByFocus = append(p.ByFocus, row)
	}

	for _, pr := range projects {
		for _, m := range pr.Milestones {
			switch {
			case m.Status == "cancelled":
				continue
			case m.Status == "done":
				p.Milestones.Done++
				if m.OnTime() {
					p.Milestones.OnTime++
				} else {
					p.Milestones.Late++
				}
			case m.overdueOn(today):
				p.Milestones.Overdue++
			default:
				p.Milestones.Upcoming++
			}
			p.Milestones.Total++
		}
	}
	p.Milestones.Decided = p.Milestones.Done + p.Milestones.Overdue
	p.Milestones.Share = share(float64(p.Milestones.OnTime), float64(p.Milestones.Decided))

	shares := map[string]*MunicipalityShare{}
	get := func(m Municipality) *MunicipalityShare {
		sh, ok := shares[m.Kommunenummer]
		if !ok {
			sh = &MunicipalityShare{Municipality: m}
			shares[m.Kommunenummer] = sh
		}
		return sh
	}
	for _, m := range members {
		get(m).Member = true
	}
	for _, pr := range projects {
		for _, pm := range pr.Municipalities {
			sh := get(pm.Municipality)
			sh.Projects++
			if pm.Role == "lead" {
				sh.Leads++
				p.Leads++
			}
			sh.ContributionNOK += pm.ContributionNOK
			sh.ContributionFTE = round3(sh.ContributionFTE + pm.ContributionFTE)
			p.NOK += pm.ContributionNOK
			p.FTE = round3(p.FTE + pm.ContributionFTE)
		}
	}
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
