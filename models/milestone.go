package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Milestone is a measure or milestone of a project, with who answers for it and
// when it is due.
type Milestone struct {
	ID          int64
	ProjectID   int64
	Title       string
	Responsible string
	DueOn       time.Time
	Status      string // one of MilestoneStatuses
	DoneOn      *time.Time
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Overdue     bool `gorm:"-"` // open and past its due date; set when loaded
}

// MilestoneStatuses are the states of a milestone.
var MilestoneStatuses = []string{"planned", "in_progress", "done", "cancelled"}

// PlanOver reports whether the project's plan is over: it is stopped (given
// up) or completed. A milestone it left open is not overdue, nor next, nor
// counted in the follow-up of plans, as if cancelled; what it did counts.
// Completing now cancels what is open (completionProblem), but a database
// written before, by the app or the generator, may hold completed projects
// with open milestones. Reopened, the plan runs again.
func (p *Project) PlanOver() bool { return p.Closed() }

// Open reports whether the milestone is neither done nor cancelled.
func (m Milestone) Open() bool { return m.Status != "done" && m.Status != "cancelled" }

// OnTime reports whether the milestone was done by its due date.
func (m Milestone) OnTime() bool {
	return m.Status == "done" && m.DoneOn != nil && !m.DoneOn.After(m.DueOn)
}

// overdueOn reports whether the milestone is open and was due before today.
func (m Milestone) overdueOn(today time.Time) bool { return m.Open() && m.DueOn.Before(today) }

// markOverdue sets the Overdue flag of every milestone of the projects. A
// closed project's plan is over (see Project.PlanOver): nobody will do what
// it left open, which is not overdue.
func (s *Store) markOverdue(ps []Project) {
	today := s.Today()
	for i := range ps {
		if ps[i].PlanOver() {
			continue
		}
		for j := range ps[i].Milestones {
			ps[i].Milestones[j].Overdue = ps[i].Milestones[j].overdueOn(today)
		}
	}
}

// MilestoneInput is what a coordinator sets on a milestone.
type MilestoneInput struct {
	Title       string
	Responsible string
	DueOn       *time.Time
	Status      string
	DoneOn      *time.Time
	Version     int // for updates
}

// MilestoneProblems reports what is wrong with in for a milestone of project p,
// by the checks AddMilestone and UpdateMilestone make before they touch the
// database. A form that failed to parse a field asks it too, so that every
// error shows in one round.
func (s *Store) MilestoneProblems(p *Project, milestoneID int64, in MilestoneInput) map[string]string {
	if p.Closed() {
		return map[string]string{"status": "error.project_closed_milestones"}
	}
	fields := in.validate(s.Today())
	var was *time.Time
	for _, m := range p.Milestones {
		if m.ID == milestoneID {
			was = &m.DueOn
		}
	}
	in.checkPeriod(fields, p, was)
	return fields
}

// checkPeriod refuses a due date outside the project's period, where it has
// one, unless the milestone had it before (was): one left outside when the
// period was moved keeps its date through other changes, and moving a period
// never waits for its milestones.
func (in *MilestoneInput) checkPeriod(fields map[string]string, p *Project, was *time.Time) {
	if in.DueOn == nil || fields["due_on"] != "" || (was != nil && was.Equal(*in.DueOn)) {
		return
	}
	switch {
	case p.StartsOn != nil && in.DueOn.Before(*p.StartsOn):
		fields["due_on"] = "error.due_before_project"
	case p.EndsOn != nil && in.DueOn.After(*p.EndsOn):
		fields["due_on"] = "error.due_after_project"
	}
}

func (in *MilestoneInput) validate(today time.Time) map[string]string {
	fields := map[string]string{}
	in.Title, in.Responsible = strings.TrimSpace(in.Title), strings.TrimSpace(in.Responsible)
	checkText(fields, "milestone_title", in.Title, 200, true)
	checkText(fields, "responsible", in.Responsible, 200, false)
	if in.DueOn == nil {
		fields["due_on"] = "error.required"
	}
	checkYear(fields, "due_on", in.DueOn)
	choice(fields, "milestone_status", in.Status, MilestoneStatuses, true)
	switch {
	case in.Status != "done":
		in.DoneOn = nil // only a done milestone has a done date
	case in.DoneOn == nil:
		in.DoneOn = &today
	case in.DoneOn.After(today):
		fields["done_on"] = "error.future_date"
	default:
		checkYear(fields, "done_on", in.DoneOn)
	}
	return fields
}

// milestoneProject loads the status and period of project id, which the
// viewer may change, for a change of its milestones: a closed project's
// milestones are closed with it.
func milestoneProject(tx *gorm.DB, v *Viewer, id int64) (*Project, error) {
	var p Project
	err := tx.Select("id, status, starts_on, ends_on").Scopes(projectsEditableBy(v)).First(&p, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("project %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load project %d: %w", id, err)
	}
	if p.Closed() {
		return nil, invalid("status", "error.project_closed_milestones")
	}
	return &p, nil
}

// AddMilestone adds a milestone to a project the viewer may change.
func (s *Store) AddMilestone(ctx context.Context, v *Viewer, a Actor, projectID int64, in MilestoneInput) (*Milestone, error) {
	var m Milestone
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		p, err := milestoneProject(tx, v, projectID)
		if err != nil {
			return err
		}
		fields := in.validate(s.Today())
		in.checkPeriod(fields, p, nil)
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		now := s.now()
		m = Milestone{ProjectID: projectID, Title: in.Title, Responsible: in.Responsible, DueOn: *in.DueOn, Status: in.Status,
			DoneOn: in.DoneOn, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&m).Error; err != nil {
			return fmt.Errorf("add milestone: %w", err)
		}
		return s.audit(tx, a, "create", "milestone", fmt.Sprint(m.ID), fmt.Sprintf("project=%d status=%s", projectID, m.Status))
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// UpdateMilestone saves a milestone of a project the viewer may change. A stale
// version is ErrConflict.
func (s *Store) UpdateMilestone(ctx context.Context, v *Viewer, a Actor, projectID, id int64, in MilestoneInput) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		p, err := milestoneProject(tx, v, projectID)
		if err != nil {
			return err
		}
		var existing Milestone
		if err := tx.Where("project_id = ?", projectID).First(&existing, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("milestone %d: %w", id, ErrNotFound)
			}
			return err
		}
		if in.Status == "done" && in.DoneOn == nil && existing.DoneOn != nil {
			in.DoneOn = existing.DoneOn // saving a done milestone again keeps the day it was done
		}
		fields := in.validate(s.Today())
		in.checkPeriod(fields, p, &existing.DueOn)
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		values := map[string]any{"title": in.Title, "responsible": in.Responsible, "due_on": *in.DueOn, "status": in.Status, "done_on": in.DoneOn}
		if same, err := unchanged(tx, &Milestone{}, in.Version, values, "id = ?", id); err != nil || same {
			return err
		}
		values["version"], values["updated_at"] = gorm.Expr("version + 1"), s.now()
		res := tx.Model(&Milestone{}).Where("id = ? AND version = ?", id, in.Version).Updates(values)
		if err := versionCheck(tx, res, &Milestone{}, "id = ?", id); err != nil {
			return err
		}
		return s.audit(tx, a, "update", "milestone", fmt.Sprint(id), fmt.Sprintf("project=%d status=%s", projectID, in.Status))
	})
}

// OpenMilestones are the project's milestones neither done nor cancelled.
func (p *Project) OpenMilestones() []Milestone {
	var out []Milestone
	for _, m := range p.Milestones {
		if m.Open() {
			out = append(out, m)
		}
	}
	return out
}

// completionProblem adds to out what refuses in as a change of project cur
// for the milestones still open. Completing says the plan was carried out:
// a milestone left open in it would be neither done nor given up, so the
// coordinator marks each done first, or completes with the choice to cancel
// them (CancelOpenMilestones). Stopping gives the plan up as it is, and needs
// neither.
func completionProblem(out *ValidationError, cur *Project, in ProjectInput) {
	if in.Status != "completed" || cur.Status == "completed" {
		return
	}
	open := cur.OpenMilestones()
	if in.CancelOpenMilestones {
		if in.SeenOpenMilestones != nil && !sameMilestones(open, in.SeenOpenMilestones) {
			// Someone added, reopened or finished a milestone after the form
			// listed them: the coordinator sees the list as it is now first.
			out.Fields["cancel_open_milestones"] = "error.open_milestones_changed"
		}
		return
	}
	if len(open) == 0 {
		return
	}
	titles := make([]string, len(open))
	for i, m := range open {
		titles[i] = m.Title
	}
	out.Fields["status"] = "error.project_open_milestones"
	if out.Data == nil {
		out.Data = map[string]map[string]any{}
	}
	out.Data["status"] = map[string]any{"Count": len(open), "Titles": titles}
}

// cancelOpenMilestones cancels the open milestones of project cur as it is
// completed, each saved and audited as UpdateMilestone saves one. A milestone
// changed since cur was read is ErrConflict, and the completion with it.
func (s *Store) cancelOpenMilestones(tx *gorm.DB, a Actor, cur *Project) error {
	for _, m := range cur.OpenMilestones() {
		res := tx.Model(&Milestone{}).Where("id = ? AND version = ?", m.ID, m.Version).
			Updates(map[string]any{"status": "cancelled", "done_on": nil, "version": gorm.Expr("version + 1"), "updated_at": s.now()})
		if err := versionCheck(tx, res, &Milestone{}, "id = ?", m.ID); err != nil {
			return err
		}
		if err := s.audit(tx, a, "update", "milestone", fmt.Sprint(m.ID), fmt.Sprintf("project=%d status=cancelled", cur.ID)); err != nil {
			return err
		}
	}
	return nil
}

// sameMilestones reports whether ms are the milestones with the ids seen, in
// any order.
func sameMilestones(ms []Milestone, seen []int64) bool {
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	seen = slices.Clone(seen)
	slices.Sort(ids)
	slices.Sort(seen)
	return slices.Equal(ids, slices.Compact(seen))
}
