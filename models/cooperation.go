package models

import (
	"context"
	"fmt"
)

// Cooperation is what a member municipality sees of its cooperations ("Våre
// samarbeid"): the projects it takes part in across every region, and its
// cooperation load. Nothing else.
type Cooperation struct {
	Municipality Municipality
	Projects     []CooperationProject
	Load         Load
	Threshold    LoadSettings
}

// CooperationProject is one project seen from a participating municipality.
type CooperationProject struct {
	Project Project
	Own     ProjectMunicipality // the municipality's own part and contribution
	Next    []Milestone         // the next open milestones, overdue first
	Latest  *Assessment         // the latest factor assessment, or nil
}

// nextMilestones is how many upcoming milestones the page shows per project.
const nextMilestones = 3

// Cooperation builds the page of the viewer's municipality. A viewer without
// the municipality role in the current region has none: ErrNotFound.
func (s *Store) Cooperation(ctx context.Context, v *Viewer) (*Cooperation, error) {
	if !v.Has(RoleMunicipality) || v.User.Municipality == nil {
		return nil, fmt.Errorf("cooperation: %w", ErrNotFound)
	}
	number := *v.User.Municipality
	ls, err := s.LoadSettings(ctx, v, v.Region.ID)
	if err != nil {
		return nil, err
	}
	load, err := s.MunicipalityLoad(ctx, number, ls.Threshold)
	if err != nil {
		return nil, err
	}
	var projects []Project
	err = s.read(ctx).Scopes(projectsVisibleTo(v, s.Today())).
		Where("projects.id IN (SELECT project_id FROM project_municipalities WHERE kommunenummer = ?)", number).
		Preload("Region").Preload("Municipalities", orderBy("role, kommunenummer")).Preload("Municipalities.Municipality").
		Preload("Milestones", orderBy("due_on, id")).
		Order(s.byName("projects.title") + ", projects.id").Find(&projects).Error
	if err != nil {
		return nil, fmt.Errorf("cooperation projects: %w", err)
	}
	s.markOverdue(projects)
	latest := map[int64]*Assessment{}
	if len(projects) > 0 {
		ids := make([]int64, 0, len(projects))
		for _, p := range projects {
			ids = append(ids, p.ID)
		}
		var as []Assessment
		err = s.withScores(s.read(ctx).Scopes(assessmentsVisibleTo(v, s.Today())).Where("assessments.project_id IN ?", ids)).
			Order("assessments.assessed_on DESC, assessments.id DESC").Find(&as).Error
		if err != nil {
			return nil, fmt.Errorf("cooperation assessments: %w", err)
		}
		for i := range as {
			if _, seen := latest[*as[i].ProjectID]; !seen {
				latest[*as[i].ProjectID] = &as[i]
			}
		}
	}
	c := &Cooperation{Municipality: load.Municipality, Load: *load, Threshold: *ls}
	for _, p := range projects {
		cp := CooperationProject{Project: p, Latest: latest[p.ID]}
		for _, m := range p.Municipalities {
			if m.Kommunenummer == number {
				cp.Own = m
			}
		}
		for _, m := range p.Milestones { // ordered by due date, so the overdue come first
			if m.Open() && !p.PlanOver() && len(cp.Next) < nextMilestones {
				cp.Next = append(cp.Next, m)
			}
		}
		c.Projects = append(c.Projects, cp)
	}
	return c, nil
}
