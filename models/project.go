package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Project is an inter-municipal project of a region.
type Project struct {
	ID            int64
	RegionID      int64
	Region        Region `gorm:"foreignKey:RegionID"`
	Title         string
	Summary       string
	Status        string
	StartsOn      *time.Time
	EndsOn        *time.Time
	BudgetNOK     int64  `gorm:"column:budget_nok"`
	MunicipalRole string // which of the municipality's roles it serves: one of MunicipalRoles, or ""
	Focus         string // job or place development: one of ProjectFocuses, or ""
	Approach      string // regulating or mobilising: one of ProjectApproaches, or ""
	Visibility    string // participants or members
	CreatedBy     *int64
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time

	Municipalities []ProjectMunicipality
	Participants   []ProjectParticipant
	Funding        []ProjectFunding
	Indicators     []ProjectIndicator
	Milestones     []Milestone
	Links          []ProjectLink
}

// ProjectMunicipality is a municipality's part in a project.
type ProjectMunicipality struct {
	ID              int64
	ProjectID       int64
	Kommunenummer   string
	Municipality    Municipality `gorm:"foreignKey:Kommunenummer;references:Kommunenummer"`
	Role            string       // lead or participant
	ContributionNOK int64        `gorm:"column:contribution_nok"`
	ContributionFTE float64      `gorm:"column:contribution_fte"`
}

// ProjectParticipant is a non-municipal participant: a partner from the
// catalogue (Kind "partner", PartnerID set), or a knowledge institution, a
// business or another actor named in Name.
type ProjectParticipant struct {
	ID        int64
	ProjectID int64
	Kind      string
	PartnerID *int64
	Partner   *Partner `gorm:"foreignKey:PartnerID"`
	Name      string
}

// DisplayName is the partner's name, or the participant's own.
func (p ProjectParticipant) DisplayName() string {
	if p.Partner != nil {
		return p.Partner.Name
	}
	return p.Name
}

// ProjectFunding is one source of a project's funding.
type ProjectFunding struct {
	ID        int64
	ProjectID int64
	Source    string
	AmountNOK int64 `gorm:"column:amount_nok"`
	Confirmed bool
}

// TableName keeps the table name uncountable, as the migration made it.
func (ProjectFunding) TableName() string { return "project_funding" }

// ProjectIndicator is a target indicator with its target and actual value.
type ProjectIndicator struct {
	ID        int64
	ProjectID int64
	Kind      string
	Target    float64
	Actual    *float64
}

// Progress is the actual value as a whole percentage of the target, or -1
// when there is no actual value or no target.
func (ind ProjectIndicator) Progress() int {
	if ind.Actual == nil || ind.Target <= 0 {
		return -1
	}
	return int(*ind.Actual/ind.Target*100 + 0.5)
}

// ProjectLink is a link to a document about the project.
type ProjectLink struct {
	ID        int64
	ProjectID int64
	Title     string
	URL       string `gorm:"column:url"`
}

// Codes of a project's fields.
var (
	ProjectStatuses     = []string{"idea", "planning", "active", "paused", "completed", "stopped"}
	ProjectRoles        = []string{"lead", "participant"}
	MunicipalRoles      = []string{"administrative", "producer", "developer"} // forvaltning, produsent, entreprenør
	ProjectFocuses      = []string{"job_development", "place_development"}
	ProjectApproaches   = []string{"regulating", "mobilising"}
	ProjectVisibilities = []string{"participants", "members"}
	ParticipantKinds    = []string{"knowledge_institution", "business", "other"} // partners from the catalogue are their own kind
	IndicatorKinds      = []string{"jobs", "new_establishments", "value_creation", "attractiveness", "business_friendliness", "plan_follow_up"}
)

// ClosedProjectStatuses are the statuses of a finished project: completed or
// stopped. A closed project is kept as it ended: it changes nothing but its
// status until it is reopened (given one of the other statuses), so that what
// a report or an evaluation read of it stays true. Its milestones are closed
// with it; factor assessments are not, for an evaluation after the end is
// normal.
var ClosedProjectStatuses = []string{"completed", "stopped"}

// Closed reports whether the project is completed or stopped.
func (p *Project) Closed() bool { return contains(ClosedProjectStatuses, p.Status) }

// OpenProjectStatuses are the statuses a closed project may be reopened to.
func OpenProjectStatuses() []string {
	var out []string
	for _, st := range ProjectStatuses {
		if !contains(ClosedProjectStatuses, st) {
			out = append(out, st)
		}
	}
	return out
}

// NewProjectStatus is the status a new project starts in when none is chosen,
// by the form (preselected) and the API (status left out) alike. It is "idea",
// the first step of DESIGN.md's project statuses: a project just written down
// has claimed nothing yet, while "planning" says the municipalities have agreed
// to plan it, which only the coordinator knows and chooses in one click.
const NewProjectStatus = "idea"

// ParticipantPartner is the kind of a participant that is a partner from the catalogue.
const ParticipantPartner = "partner"

// PartnerIDs lists the ids of the partners taking part.
func (p *Project) PartnerIDs() []int64 {
	out := []int64{}
	for _, x := range p.Participants {
		if x.Kind == ParticipantPartner && x.PartnerID != nil {
			out = append(out, *x.PartnerID)
		}
	}
	return out
}

// Lead lists the lead municipalities.
func (p *Project) Lead() []ProjectMunicipality {
	var out []ProjectMunicipality
	for _, m := range p.Municipalities {
		if m.Role == "lead" {
			out = append(out, m)
		}
	}
	return out
}

// FundingTotal is the sum of all funding sources.
func (p *Project) FundingTotal() int64 {
	var n int64
	for _, f := range p.Funding {
		n += f.AmountNOK
	}
	return n
}

// Takes reports whether the municipality takes part in the project.
func (p *Project) Takes(kommunenummer string) bool {
	for _, m := range p.Municipalities {
		if m.Kommunenummer == kommunenummer {
			return true
		}
	}
	return false
}

// OverdueMilestones counts the project's overdue milestones.
func (p *Project) OverdueMilestones() int {
	n := 0
	for _, m := range p.Milestones {
		if m.Overdue {
			n++
		}
	}
	return n
}

// ProjectInput is what a coordinator sets on a project. Lists replace what the
// project had.
type ProjectInput struct {
	Title, Summary, Status string
	StartsOn, EndsOn       *time.Time
	BudgetNOK              int64
	MunicipalRole          string
	Focus                  string
	Approach               string
	Visibility             string
	Municipalities         []ProjectMunicipalityInput
	Partners               []int64
	Participants           []ParticipantInput
	Funding                []FundingInput
	Indicators             []IndicatorInput
	Links                  []LinkInput
	Version                int // for updates: the version that was read
	// CancelOpenMilestones asks that completing the project cancel the
	// milestones of its plan still open: without it, completing a project
	// with open milestones is refused (see completionProblem).
	CancelOpenMilestones bool
	// SeenOpenMilestones are the open milestones the form listed when it
	// offered to cancel them (nil: not asked, as by the API, whose
	// cancel_open_milestones cancels what is open). A milestone added or
	// reopened since is not cancelled unseen: the completion is refused.
	SeenOpenMilestones []int64
}

// ProjectMunicipalityInput is one participating municipality.
type ProjectMunicipalityInput struct {
	Kommunenummer   string
	Role            string
	ContributionNOK int64
	ContributionFTE float64
}

// ParticipantInput is one non-municipal participant outside the partner catalogue.
type ParticipantInput struct{ Kind, Name string }

// FundingInput is one funding source.
type FundingInput struct {
	Source    string
	AmountNOK int64
	Confirmed bool
}

// IndicatorInput is one target indicator.
type IndicatorInput struct {
	Kind   string
	Target float64
	Actual *float64
}

// LinkInput is one document link.
type LinkInput struct{ Title, URL string }

// maxAmount bounds a project's amounts in NOK (budget, funding, a
// municipality's contribution): a billion kroner is beyond any project of a
// regional cooperation, and the bound of a referral's amount too. A larger or
// a negative amount is a typing error (a zero too many, a minus).
const maxAmount = 1_000_000_000

// firstYear and lastYear bound the dates of projects and milestones: a year
// outside is a typing error ("0202" for 2025) that would stretch every
// period, list and chart it is part of.
const firstYear, lastYear = 1970, 2100

// checkAmount refuses an amount below 0 or above maxAmount.
func checkAmount(fields map[string]string, name string, v int64) {
	if v < 0 || v > maxAmount {
		fields[name] = "error.project_amount"
	}
}

// checkYear refuses a date outside firstYear–lastYear.
func checkYear(fields map[string]string, name string, t *time.Time) {
	if t != nil && (t.Year() < firstYear || t.Year() > lastYear) {
		fields[name] = "error.project_date"
	}
}

// ProjectProblems reports what is wrong with in, for a project of the region
// (projectID 0 for a new one), by the checks CreateProject and UpdateProject
// make, reading the database but writing nothing, with what a message names
// (the open milestones a completion would leave). A form that failed to parse
// a field asks it too, so that every error shows in one round. An edit of a
// closed project is refused as UpdateProject refuses it, first and alone (a
// *ValidationError): the rest is said once it is reopened.
func (s *Store) ProjectProblems(ctx context.Context, regionID, projectID int64, in ProjectInput) (ValidationError, error) {
	fields, err := in.validate(s.read(ctx), regionID, projectID, s.Today())
	out := ValidationError{Fields: fields}
	if err != nil || projectID == 0 {
		return out, err
	}
	var cur Project
	if err := s.loadProject(s.read(ctx)).First(&cur, projectID).Error; err != nil {
		return ValidationError{}, fmt.Errorf("load project %d: %w", projectID, err)
	}
	if cur.Closed() && !sameProject(cur.Input(), in) {
		return ValidationError{}, invalid("status", "error.project_closed")
	}
	completionProblem(&out, &cur, in)
	return out, nil
}

// validate checks the input for a project of the region (projectID 0 for a new
// one), and the municipalities and partners it names. A municipality must be a
// member of the region today, and a partner active, unless the project already
// has it: one that has left or been deactivated since stays. The field names of list rows are like
// "municipalities[0].kommunenummer".
func (in *ProjectInput) validate(tx *gorm.DB, regionID, projectID int64, today time.Time) (map[string]string, error) {
	fields := map[string]string{}
	in.Title = strings.TrimSpace(in.Title)
	in.Summary = strings.TrimSpace(in.Summary)
	checkText(fields, "title", in.Title, 200, true)
	checkText(fields, "summary", in.Summary, 4000, false)
	choice(fields, "status", in.Status, ProjectStatuses, true)
	choice(fields, "municipal_role", in.MunicipalRole, MunicipalRoles, false)
	choice(fields, "focus", in.Focus, ProjectFocuses, false)
	choice(fields, "approach", in.Approach, ProjectApproaches, false)
	choice(fields, "visibility", in.Visibility, ProjectVisibilities, true)
	if in.StartsOn != nil && in.EndsOn != nil && in.EndsOn.Before(*in.StartsOn) {
		fields["ends_on"] = "error.end_before_start"
	}
	checkYear(fields, "starts_on", in.StartsOn)
	checkYear(fields, "ends_on", in.EndsOn)
	checkAmount(fields, "budget_nok", in.BudgetNOK)
	if in.CancelOpenMilestones && in.Status != "completed" {
		// Refused rather than ignored: whoever asked for the cancelling is
		// told that it would not happen (see completionProblem).
		fields["cancel_open_milestones"] = "error.cancel_milestones_not_completing"
	}

	leads := 0
	for _, m := range in.Municipalities {
		if m.Role == "lead" {
			leads++
		}
	}
	switch {
	case len(in.Municipalities) == 0:
		fields["municipalities"] = "error.municipalities_required"
	case leads == 0:
		// Someone owns the project: the portfolio's lead shares and the
		// municipalities' load count it. Two may lead it together.
		fields["municipalities"] = "error.lead_required"
	}
	seen := map[string]bool{}
	for i := range in.Municipalities {
		m := &in.Municipalities[i]
		key := fmt.Sprintf("municipalities[%d]", i)
		m.Kommunenummer = strings.TrimSpace(m.Kommunenummer)
		switch {
		case m.Kommunenummer == "":
			fields[key+".kommunenummer"] = "error.required"
		case seen[m.Kommunenummer]:
			fields[key+".kommunenummer"] = "error.duplicate"
		default:
			var n int64
			if err := tx.Model(&Municipality{}).Where("kommunenummer = ?", m.Kommunenummer).Count(&n).Error; err != nil {
				return nil, err
			}
			if n == 0 {
				fields[key+".kommunenummer"] = "error.unknown_municipality"
				break
			}
			err := tx.Model(&RegionMember{}).Where("region_id = ? AND kommunenummer = ? AND joined_on <= ? AND (left_on IS NULL OR left_on > ?)",
				regionID, m.Kommunenummer, today, today).Count(&n).Error
			if err == nil && n == 0 {
				err = tx.Model(&ProjectMunicipality{}).Where("project_id = ? AND kommunenummer = ?", projectID, m.Kommunenummer).Count(&n).Error
			}
			if err != nil {
				return nil, err
			}
			if n == 0 {
				fields[key+".kommunenummer"] = "error.municipality_not_in_region"
			}
		}
		seen[m.Kommunenummer] = true
		choice(fields, key+".role", m.Role, ProjectRoles, true)
		checkAmount(fields, key+".contribution_nok", m.ContributionNOK)
		if m.ContributionFTE < 0 || m.ContributionFTE > 1000 {
			fields[key+".contribution_fte"] = "error.fte"
		}
	}

	seenPartner := map[int64]bool{}
	for i, id := range in.Partners {
		key := fmt.Sprintf("partners[%d]", i)
		if seenPartner[id] {
			fields[key] = "error.duplicate"
			continue
		}
		seenPartner[id] = true
		var p Partner
		err := tx.Select("id, active").First(&p, id).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			fields[key] = "error.unknown_partner"
			continue
		}
		if err != nil {
			return nil, err
		}
		if !p.Active {
			var n int64
			if err := tx.Model(&ProjectParticipant{}).Where("project_id = ? AND partner_id = ?", projectID, id).Count(&n).Error; err != nil {
				return nil, err
			}
			if n == 0 {
				fields[key] = "error.partner_not_active"
			}
		}
	}
	for i := range in.Participants {
		p := &in.Participants[i]
		key := fmt.Sprintf("participants[%d]", i)
		p.Name = strings.TrimSpace(p.Name)
		choice(fields, key+".kind", p.Kind, ParticipantKinds, true)
		checkText(fields, key+".name", p.Name, 200, true)
	}
	for i := range in.Funding {
		f := &in.Funding[i]
		key := fmt.Sprintf("funding[%d]", i)
		f.Source = strings.TrimSpace(f.Source)
		checkText(fields, key+".source", f.Source, 200, true)
		checkAmount(fields, key+".amount_nok", f.AmountNOK)
	}
	seenKind := map[string]bool{}
	for i, ind := range in.Indicators {
		key := fmt.Sprintf("indicators[%d]", i)
		choice(fields, key+".kind", ind.Kind, IndicatorKinds, true)
		if seenKind[ind.Kind] {
			fields[key+".kind"] = "error.duplicate"
		}
		seenKind[ind.Kind] = true
		if ind.Target < 0 || ind.Target > 1e12 {
			fields[key+".target"] = "error.range"
		}
		if ind.Actual != nil && (*ind.Actual < 0 || *ind.Actual > 1e12) {
			fields[key+".actual"] = "error.range"
		}
	}
	for i := range in.Links {
		l := &in.Links[i]
		key := fmt.Sprintf("links[%d]", i)
		l.Title, l.URL = strings.TrimSpace(l.Title), strings.TrimSpace(l.URL)
		checkText(fields, key+".title", l.Title, 200, true)
		switch {
		case l.URL == "":
			fields[key+".url"] = "error.required"
		case !webAddress(l.URL):
			fields[key+".url"] = "error.url"
		case len(l.URL) > 1000:
			fields[key+".url"] = tooLong(1000)
		}
	}
	return fields, nil
}

// choice checks that v is one of the codes, or empty when optional.
func choice(fields map[string]string, name, v string, codes []string, required bool) {
	switch {
	case v == "" && required:
		fields[name] = "error.required"
	case v != "" && !contains(codes, v):
		fields[name] = "error.choice"
	}
}

// Today is the date in Norway, as midnight UTC like the dates the database keeps.
func (s *Store) Today() time.Time { return dateOf(s.now()) }

// dateOf is the Norwegian calendar day of t, as midnight UTC.
func dateOf(t time.Time) time.Time {
	y, m, d := t.In(Oslo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// staffOf reports whether the viewer works in their current region as one of
// the roles that see every project there.
func staffOf(v *Viewer) bool {
	return v.Region != nil && (v.Has(RoleCoordinator) || v.Has(RoleAdviser) || v.Has(RoleBoard))
}

// projectScope is the SQL condition for the projects the viewer may read:
// admins all; coordinators, advisers and the board those of their current
// region; a municipality user those their municipality takes part in, and those
// visible to all members of a region their municipality currently belongs to.
func projectScope(v *Viewer, today time.Time) (string, []any) {
	if v.IsAdmin() {
		return "1 = 1", nil
	}
	var conds []string
	var args []any
	if staffOf(v) {
		conds = append(conds, "projects.region_id = ?")
		args = append(args, v.Region.ID)
	}
	mc, margs := municipalityProjectConds(v, today)
	conds, args = append(conds, mc...), append(args, margs...)
	if len(conds) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

func projectsVisibleTo(v *Viewer, today time.Time) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		where, args := projectScope(v, today)
		return db.Where(where, args...)
	}
}

// projectsEditableBy scopes projects to those the viewer may change: all for an
// admin, those of the current region for its coordinator.
func projectsEditableBy(v *Viewer) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch {
		case v.IsAdmin():
			return db
		case v.Region != nil && v.Has(RoleCoordinator):
			return db.Where("projects.region_id = ?", v.Region.ID)
		}
		return db.Where("1 = 0")
	}
}

// ProjectFilter narrows a project list.
type ProjectFilter struct {
	Q            string
	Status       string
	Municipality string // kommunenummer taking part
	// Whole loads every part of each project, as Project does: the API's list
	// gives whole projects, which a client may send back in an update.
	Whole bool
	Page  Page
}

// Projects lists the projects of the viewer's current region that the viewer
// may see, newest first, with their municipalities.
func (s *Store) Projects(ctx context.Context, v *Viewer, f ProjectFilter) ([]Project, int64, error) {
	if v.Region == nil {
		return []Project{}, 0, nil
	}
	q := s.read(ctx).Model(&Project{}).Scopes(projectsVisibleTo(v, s.Today())).Where("projects.region_id = ?", v.Region.ID)
	if f.Status != "" {
		q = q.Where("projects.status = ?", f.Status)
	}
	if f.Municipality != "" {
		q = q.Where("projects.id IN (SELECT project_id FROM project_municipalities WHERE kommunenummer = ?)", f.Municipality)
	}
	if t := strings.TrimSpace(f.Q); t != "" {
		q = q.Where(`(`+s.fold("projects.title")+` LIKE ? ESCAPE '\' OR `+s.fold("projects.summary")+` LIKE ? ESCAPE '\')`, likeTerm(t), likeTerm(t))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count projects: %w", err)
	}
	var ps []Project
	if f.Whole {
		q = s.loadProject(q)
	} else {
		q = q.Preload("Municipalities", orderBy("role, kommunenummer")).Preload("Municipalities.Municipality").
			Preload("Milestones", orderBy("due_on, id"))
	}
	err := q.Order("projects.updated_at DESC, projects.id DESC").Limit(f.Page.Limit()).Offset(f.Page.Offset()).Find(&ps).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list projects: %w", err)
	}
	s.markOverdue(ps)
	return ps, total, nil
}

// ProjectChoices lists every project of the viewer's current region that the
// viewer may see, by title, with only ID and Title filled: what a form offers
// to choose from. Unlike Projects it has no page, and reads no municipalities
// or milestones.
func (s *Store) ProjectChoices(ctx context.Context, v *Viewer) ([]Project, error) {
	if v.Region == nil {
		return []Project{}, nil
	}
	var ps []Project
	err := s.read(ctx).Select("projects.id, projects.title").Scopes(projectsVisibleTo(v, s.Today())).
		Where("projects.region_id = ?", v.Region.ID).Order(s.byName("projects.title") + ", projects.id").Find(&ps).Error
	if err != nil {
		return nil, fmt.Errorf("project choices: %w", err)
	}
	return ps, nil
}

func orderBy(order string) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB { return db.Order(order) }
}

// loadProject preloads everything shown on a project's page.
func (s *Store) loadProject(q *gorm.DB) *gorm.DB {
	return q.Preload("Region").
		Preload("Municipalities", orderBy("role, kommunenummer")).Preload("Municipalities.Municipality").
		Preload("Participants", orderBy("id")).Preload("Participants.Partner").
		Preload("Funding", orderBy("id")).
		Preload("Indicators", orderBy("id")).
		Preload("Milestones", orderBy("due_on, id")).
		Preload("Links", orderBy("id"))
}

// Project loads one project the viewer may see, with all its parts.
func (s *Store) Project(ctx context.Context, v *Viewer, id int64) (*Project, error) {
	var p Project
	err := s.loadProject(s.read(ctx).Scopes(projectsVisibleTo(v, s.Today()))).First(&p, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("project %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load project %d: %w", id, err)
	}
	ps := []Project{p}
	s.markOverdue(ps)
	return &ps[0], nil
}

// CanEditProject reports whether the viewer may change the project.
func (s *Store) CanEditProject(ctx context.Context, v *Viewer, id int64) (bool, error) {
	var n int64
	err := s.read(ctx).Model(&Project{}).Scopes(projectsEditableBy(v)).Where("id = ?", id).Count(&n).Error
	return n > 0, err
}

// CreateProject adds a project to the viewer's current region.
func (s *Store) CreateProject(ctx context.Context, v *Viewer, a Actor, in ProjectInput) (*Project, error) {
	if v.Region == nil || !(v.IsAdmin() || v.Has(RoleCoordinator)) {
		return nil, fmt.Errorf("create project: %w", ErrNotFound)
	}
	var p Project
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		fields, err := in.validate(tx, v.Region.ID, 0, s.Today())
		if err != nil {
			return err
		}
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		now := s.now()
		p = Project{RegionID: v.Region.ID, Title: in.Title, Summary: in.Summary, Status: in.Status, StartsOn: in.StartsOn, EndsOn: in.EndsOn,
			BudgetNOK: in.BudgetNOK, MunicipalRole: in.MunicipalRole, Focus: in.Focus, Approach: in.Approach, Visibility: in.Visibility,
			Version: 1, CreatedAt: now, UpdatedAt: now}
		if v.User != nil && v.User.ID != 0 {
			p.CreatedBy = &v.User.ID
		}
		if err := tx.Omit(clause.Associations).Create(&p).Error; err != nil {
			return fmt.Errorf("create project: %w", err)
		}
		if err := saveProjectParts(tx, p.ID, in); err != nil {
			return err
		}
		return s.audit(tx, a, "create", "project", fmt.Sprint(p.ID), "status="+p.Status)
	})
	if err != nil {
		return nil, err
	}
	return s.Project(ctx, v, p.ID)
}

// UpdateProject saves a coordinator's edit of a project. A stale version is
// ErrConflict and changes nothing.
func (s *Store) UpdateProject(ctx context.Context, v *Viewer, a Actor, id int64, in ProjectInput) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		var cur Project
		err := s.loadProject(tx.Scopes(projectsEditableBy(v))).First(&cur, id).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("project %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("load project %d: %w", id, err)
		}
		fields, err := in.validate(tx, cur.RegionID, id, s.Today())
		if err != nil {
			return err
		}
		// A closed project changes its status alone, whatever else is wrong
		// with what was sent, and before a stale version is told: a form left
		// open while it was closed is told why, not to try again.
		edited := !sameProject(cur.Input(), in)
		if cur.Closed() && edited {
			return invalid("status", "error.project_closed")
		}
		problems := ValidationError{Fields: fields}
		completionProblem(&problems, &cur, in)
		if len(fields) > 0 {
			return &problems
		}
		values := map[string]any{
			"title": in.Title, "summary": in.Summary, "status": in.Status, "starts_on": in.StartsOn, "ends_on": in.EndsOn,
			"budget_nok": in.BudgetNOK, "municipal_role": in.MunicipalRole, "focus": in.Focus, "approach": in.Approach,
			"visibility": in.Visibility,
		}
		if same, err := unchanged(tx, &Project{}, in.Version, values, "id = ?", id); err != nil {
			return err
		} else if same && sameParts(cur.Input(), in) {
			return nil
		}
		values["version"], values["updated_at"] = gorm.Expr("version + 1"), s.now()
		res := tx.Model(&Project{}).Where("id = ? AND version = ?", id, in.Version).Updates(values)
		if err := versionCheck(tx, res, &Project{}, "id = ?", id); err != nil {
			return err
		}
		for _, part := range []any{&ProjectMunicipality{}, &ProjectParticipant{}, &ProjectFunding{}, &ProjectIndicator{}, &ProjectLink{}} {
			if err := tx.Where("project_id = ?", id).Delete(part).Error; err != nil {
				return fmt.Errorf("replace project parts: %w", err)
			}
		}
		if err := saveProjectParts(tx, id, in); err != nil {
			return err
		}
		if in.Status == "completed" && cur.Status != "completed" && in.CancelOpenMilestones {
			if err := s.cancelOpenMilestones(tx, a, &cur); err != nil {
				return err
			}
		}
		// A move of status is logged as one, as an enquiry's is: closing and
		// reopening are found by it.
		if cur.Status != in.Status {
			if err := s.audit(tx, a, "status", "project", fmt.Sprint(id), cur.Status+"->"+in.Status); err != nil {
				return err
			}
		}
		if !edited {
			return nil
		}
		return s.audit(tx, a, "update", "project", fmt.Sprint(id), "status="+in.Status)
	})
}

// sameProject reports whether a and b are the same project but for status and
// version: the same fields and the same lists.
func sameProject(a, b ProjectInput) bool {
	return a.Title == b.Title && a.Summary == b.Summary && sameDay(a.StartsOn, b.StartsOn) && sameDay(a.EndsOn, b.EndsOn) &&
		a.BudgetNOK == b.BudgetNOK && a.MunicipalRole == b.MunicipalRole && a.Focus == b.Focus && a.Approach == b.Approach &&
		a.Visibility == b.Visibility && sameParts(a, b)
}

// sameDay reports whether two optional dates are both absent or the same day.
func sameDay(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// sameParts reports whether a and b list the same municipalities, partners,
// participants, funding, indicators and links, in the same order (as the
// project's page and form list them).
func sameParts(a, b ProjectInput) bool {
	return slices.Equal(a.Municipalities, b.Municipalities) && slices.Equal(a.Partners, b.Partners) &&
		slices.Equal(a.Participants, b.Participants) && slices.Equal(a.Funding, b.Funding) &&
		slices.EqualFunc(a.Indicators, b.Indicators, sameIndicator) && slices.Equal(a.Links, b.Links)
}

func sameIndicator(a, b IndicatorInput) bool {
	return a.Kind == b.Kind && a.Target == b.Target &&
		(a.Actual == nil) == (b.Actual == nil) && (a.Actual == nil || *a.Actual == *b.Actual)
}

// saveProjectParts inserts the lists of a validated input.
func saveProjectParts(tx *gorm.DB, id int64, in ProjectInput) error {
	for _, m := range in.Municipalities {
		row := ProjectMunicipality{ProjectID: id, Kommunenummer: m.Kommunenummer, Role: m.Role, ContributionNOK: m.ContributionNOK, ContributionFTE: m.ContributionFTE}
		if err := tx.Omit(clause.Associations).Create(&row).Error; err != nil {
			return fmt.Errorf("save project municipality: %w", err)
		}
	}
	for _, pid := range in.Partners {
		row := ProjectParticipant{ProjectID: id, Kind: ParticipantPartner, PartnerID: &pid}
		if err := tx.Omit(clause.Associations).Create(&row).Error; err != nil {
			return fmt.Errorf("save project partner: %w", err)
		}
	}
	for _, p := range in.Participants {
		row := ProjectParticipant{ProjectID: id, Kind: p.Kind, Name: p.Name}
		if err := tx.Omit(clause.Associations).Create(&row).Error; err != nil {
			return fmt.Errorf("save project participant: %w", err)
		}
	}
	for _, f := range in.Funding {
		row := ProjectFunding{ProjectID: id, Source: f.Source, AmountNOK: f.AmountNOK, Confirmed: f.Confirmed}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("save project funding: %w", err)
		}
	}
	for _, ind := range in.Indicators {
		row := ProjectIndicator{ProjectID: id, Kind: ind.Kind, Target: ind.Target, Actual: ind.Actual}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("save project indicator: %w", err)
		}
	}
	for _, l := range in.Links {
		row := ProjectLink{ProjectID: id, Title: l.Title, URL: l.URL}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("save project link: %w", err)
		}
	}
	return nil
}

// Input is the project as an input, for forms and partial API updates.
func (p *Project) Input() ProjectInput {
	in := ProjectInput{Title: p.Title, Summary: p.Summary, Status: p.Status, StartsOn: p.StartsOn, EndsOn: p.EndsOn,
		BudgetNOK: p.BudgetNOK, MunicipalRole: p.MunicipalRole, Focus: p.Focus, Approach: p.Approach, Visibility: p.Visibility,
		Partners: p.PartnerIDs(), Version: p.Version}
	for _, m := range p.Municipalities {
		in.Municipalities = append(in.Municipalities, ProjectMunicipalityInput{Kommunenummer: m.Kommunenummer, Role: m.Role,
			ContributionNOK: m.ContributionNOK, ContributionFTE: m.ContributionFTE})
	}
	for _, x := range p.Participants {
		if x.Kind != ParticipantPartner {
			in.Participants = append(in.Participants, ParticipantInput{Kind: x.Kind, Name: x.Name})
		}
	}
	for _, f := range p.Funding {
		in.Funding = append(in.Funding, FundingInput{Source: f.Source, AmountNOK: f.AmountNOK, Confirmed: f.Confirmed})
	}
	for _, ind := range p.Indicators {
		in.Indicators = append(in.Indicators, IndicatorInput{Kind: ind.Kind, Target: ind.Target, Actual: ind.Actual})
	}
	for _, l := range p.Links {
		in.Links = append(in.Links, LinkInput{Title: l.Title, URL: l.URL})
	}
	return in
}
