package app

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/policies"
	"samspill/views"
)

type projectsPage struct {
	page
	List           []models.Project
	Q              string
	Status         string
	Municipality   string
	Statuses       []string
	Municipalities []models.Municipality // the region's members, for the filter
	Pager          pager
	CanCreate      bool
	Invalid        problems // the filters that cannot be used; the list is not shown
}

// memberMunicipalities lists the current region's member municipalities.
func (s *Server) memberMunicipalities(c echo.Context) ([]models.Municipality, error) {
	v := viewer(c)
	if v.Region == nil {
		return nil, nil
	}
	r, err := s.store.Region(c.Request().Context(), v, v.Region.ID)
	if err != nil {
		return nil, err
	}
	out := make([]models.Municipality, 0, len(r.Members))
	for _, m := range r.Members {
		out = append(out, m.Municipality)
	}
	return out, nil
}

func (s *Server) listProjects(c echo.Context) error {
	p := s.page(c, "project.list_title")
	q := newListQuery(c)
	f := models.ProjectFilter{Q: q.text("q"), Status: q.code("status", models.ProjectStatuses), Municipality: q.kommunenummer("municipality"), Page: q.page()}
	var list []models.Project
	var total int64
	if q.err() == nil { // a filter that cannot be used lists nothing
		var err error
		if list, total, err = s.store.Projects(c.Request().Context(), p.Viewer, f); err != nil {
			return err
		}
	}
	ms, err := s.memberMunicipalities(c)
	if err != nil {
		return err
	}
	d := projectsPage{page: p, List: list, Q: f.Q, Status: f.Status, Municipality: f.Municipality,
		Statuses: models.ProjectStatuses, Municipalities: ms, Pager: s.pager(c, f.Page, total), CanCreate: s.mayEditProjects(p.Viewer)}
	if q.err() != nil {
		d.Invalid = filterProblems(p, q, nil, map[string]string{"status": "project.field.status", "municipality": "project.field.municipality"})
		return c.Render(q.status(), "projects/index", d)
	}
	return c.Render(http.StatusOK, "projects/index", d)
}

// mayEditProjects reports whether the viewer's role may create and edit projects here.
func (s *Server) mayEditProjects(v *models.Viewer) bool {
	return s.allowed(v, policies.Project, policies.Update)
}

// projectForm is the project form as typed, with the list rows in the order
// they were shown, blank rows included.
type projectForm struct {
	Title, Summary, Status, StartsOn, EndsOn, BudgetNOK string
	MunicipalRole, Focus, Approach, Visibility, Version string
	Municipalities                                      []munRow
	Partners                                            []string
	Participants                                        []participantRow
	Funding                                             []fundingRow
	Indicators                                          []indicatorRow
	Links                                               []linkRow
	// CancelOpenMilestones is the choice, offered while the project has open
	// milestones, to cancel them as it is completed.
	CancelOpenMilestones bool
}

type munRow struct{ Kommunenummer, Role, ContributionNOK, ContributionFTE string }
type participantRow struct{ Kind, Name string }
type fundingRow struct{ Source, AmountNOK, Confirmed string }
type indicatorRow struct{ Kind, Target, Actual string }
type linkRow struct{ Title, URL string }

// blankRows is how many empty rows each list offers for new entries.
const blankRows = 2

// withBlankRows adds empty rows for new entries to every list of the form.
func (f projectForm) withBlankRows() projectForm {
	n := blankRows
	if len(f.Municipalities) == 0 {
		n = 3 // a new project usually has two or three municipalities
	}
	for i := 0; i < n; i++ {
		f.Municipalities = append(f.Municipalities, munRow{Role: "participant"})
	}
	for i := 0; i < blankRows; i++ {
		f.Participants = append(f.Participants, participantRow{})
		f.Funding = append(f.Funding, fundingRow{Confirmed: "no"})
		f.Links = append(f.Links, linkRow{})
	}
	return f
}

// projectFormFrom fills the form from a project's current values.
// projectDiffers pairs the project form's fields as the project has them
// now and as typed, both drawn from their inputs, so alike in form.
func projectDiffers(now, typed projectForm) []keptField {
	return []keptField{{"project.field.title", typed.Title, now.Title}, {"project.field.summary", typed.Summary, now.Summary},
		{"project.field.status", typed.Status, now.Status}, {"project.field.starts_on", typed.StartsOn, now.StartsOn},
		{"project.field.ends_on", typed.EndsOn, now.EndsOn}, {"project.field.budget_nok", typed.BudgetNOK, now.BudgetNOK},
		{"project.field.municipal_role", typed.MunicipalRole, now.MunicipalRole}, {"project.field.focus", typed.Focus, now.Focus},
		{"project.field.approach", typed.Approach, now.Approach}, {"project.field.visibility", typed.Visibility, now.Visibility},
		{"project.field.municipalities", typed.Municipalities, now.Municipalities}, {"project.field.partners", sorted(typed.Partners), sorted(now.Partners)},
		{"project.section.participants", typed.Participants, now.Participants}, {"project.section.funding", typed.Funding, now.Funding},
		{"indicator.heading", typed.Indicators, now.Indicators}, {"project.section.links", typed.Links, now.Links}}
}

func projectFormFrom(nums views.Numbers, in models.ProjectInput) projectForm {
	f := projectForm{Title: in.Title, Summary: in.Summary, Status: in.Status, StartsOn: isoDate(in.StartsOn), EndsOn: isoDate(in.EndsOn),
		MunicipalRole: in.MunicipalRole, Focus: in.Focus, Approach: in.Approach, Visibility: in.Visibility, Version: strconv.Itoa(in.Version)}
	if in.BudgetNOK != 0 {
		f.BudgetNOK = strconv.FormatInt(in.BudgetNOK, 10)
	}
	for _, m := range in.Municipalities {
		f.Municipalities = append(f.Municipalities, munRow{Kommunenummer: m.Kommunenummer, Role: m.Role,
			ContributionNOK: strconv.FormatInt(m.ContributionNOK, 10), ContributionFTE: nums.Decimal(m.ContributionFTE)})
	}
	for _, id := range in.Partners {
		f.Partners = append(f.Partners, strconv.FormatInt(id, 10))
	}
	for _, p := range in.Participants {
		f.Participants = append(f.Participants, participantRow{Kind: p.Kind, Name: p.Name})
	}
	for _, x := range in.Funding {
		f.Funding = append(f.Funding, fundingRow{Source: x.Source, AmountNOK: strconv.FormatInt(x.AmountNOK, 10), Confirmed: confirmedChoice(x.Confirmed)})
	}
	for _, kind := range models.IndicatorKinds {
		row := indicatorRow{Kind: kind}
		for _, ind := range in.Indicators {
			if ind.Kind == kind {
				row.Target = nums.Decimal(ind.Target)
				if ind.Actual != nil {
					row.Actual = nums.Decimal(*ind.Actual)
				}
			}
		}
		f.Indicators = append(f.Indicators, row)
	}
	for _, l := range in.Links {
		f.Links = append(f.Links, linkRow{Title: l.Title, URL: l.URL})
	}
	return f
}

func isoDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

// confirmedChoice is a funding source's status as the form's select has it.
func confirmedChoice(confirmed bool) string {
	if confirmed {
		return "yes"
	}
	return "no"
}

// rowIndex maps the rows sent to the model (by position) back to the rows shown.
type rowIndex map[string][]int

// parseProjectForm reads the form. Blank rows are skipped; idx remembers where
// each row the model sees was on the page, so that its errors land beside it.
func parseProjectForm(c echo.Context, nums views.Numbers) (projectForm, models.ProjectInput, map[string]string, rowIndex) {
	params, _ := c.FormParams()
	at := func(name string, i int) string {
		if vs := params[name]; i < len(vs) {
			return vs[i]
		}
		return ""
	}
	f := projectForm{Title: c.FormValue("title"), Summary: c.FormValue("summary"), Status: c.FormValue("status"),
		StartsOn: c.FormValue("starts_on"), EndsOn: c.FormValue("ends_on"), BudgetNOK: c.FormValue("budget_nok"),
		MunicipalRole: c.FormValue("municipal_role"), Focus: c.FormValue("focus"), Approach: c.FormValue("approach"),
		Visibility: c.FormValue("visibility"), Version: c.FormValue("version"), Partners: params["partners"],
		CancelOpenMilestones: c.FormValue("cancel_open_milestones") != ""}
	errs := map[string]string{}
	idx := rowIndex{}
	in := models.ProjectInput{Title: f.Title, Summary: f.Summary, Status: f.Status, MunicipalRole: f.MunicipalRole, Focus: f.Focus,
		Approach: f.Approach, Visibility: f.Visibility, StartsOn: formDate(errs, "starts_on", f.StartsOn), EndsOn: formDate(errs, "ends_on", f.EndsOn),
		BudgetNOK: formNOK(nums, errs, "budget_nok", f.BudgetNOK), CancelOpenMilestones: f.CancelOpenMilestones}
	if f.CancelOpenMilestones {
		// The milestones the form listed: only those are cancelled unseen.
		in.SeenOpenMilestones = []int64{}
		for _, v := range params["open_milestone"] {
			id, _ := strconv.ParseInt(v, 10, 64) // 0 for nonsense: matches none
			in.SeenOpenMilestones = append(in.SeenOpenMilestones, id)
		}
	}
	if f.Version != "" {
		in.Version = formInt(errs, "version", f.Version)
	}

	for i := range params["mun_kommunenummer"] {
		r := munRow{Kommunenummer: at("mun_kommunenummer", i), Role: at("mun_role", i), ContributionNOK: at("mun_nok", i), ContributionFTE: at("mun_fte", i)}
		f.Municipalities = append(f.Municipalities, r)
		if strings.TrimSpace(r.Kommunenummer) == "" && strings.TrimSpace(r.ContributionNOK) == "" && strings.TrimSpace(r.ContributionFTE) == "" {
			continue
		}
		key := fmt.Sprintf("municipalities[%d]", i)
		in.Municipalities = append(in.Municipalities, models.ProjectMunicipalityInput{Kommunenummer: r.Kommunenummer, Role: r.Role,
			ContributionNOK: formNOK(nums, errs, key+".contribution_nok", r.ContributionNOK), ContributionFTE: formFloat(nums, errs, key+".contribution_fte", r.ContributionFTE)})
		idx["municipalities"] = append(idx["municipalities"], i)
	}
	for i, v := range f.Partners {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs["partners"] = "error.unknown_partner"
			continue
		}
		in.Partners = append(in.Partners, id)
		idx["partners"] = append(idx["partners"], i)
	}
	for i := range params["participant_name"] {
		r := participantRow{Kind: at("participant_kind", i), Name: at("participant_name", i)}
		f.Participants = append(f.Participants, r)
		if strings.TrimSpace(r.Name) == "" {
			continue
		}
		in.Participants = append(in.Participants, models.ParticipantInput{Kind: r.Kind, Name: r.Name})
		idx["participants"] = append(idx["participants"], i)
	}
	for i := range params["funding_source"] {
		r := fundingRow{Source: at("funding_source", i), AmountNOK: at("funding_nok", i), Confirmed: at("funding_confirmed", i)}
		f.Funding = append(f.Funding, r)
		if strings.TrimSpace(r.Source) == "" && strings.TrimSpace(r.AmountNOK) == "" {
			continue
		}
		key := fmt.Sprintf("funding[%d]", i)
		in.Funding = append(in.Funding, models.FundingInput{Source: r.Source, AmountNOK: formNOK(nums, errs, key+".amount_nok", r.AmountNOK), Confirmed: r.Confirmed == "yes"})
		idx["funding"] = append(idx["funding"], i)
	}
	for i, kind := range models.IndicatorKinds {
		r := indicatorRow{Kind: kind, Target: c.FormValue("indicator_target_" + kind), Actual: c.FormValue("indicator_actual_" + kind)}
		f.Indicators = append(f.Indicators, r)
		if strings.TrimSpace(r.Target) == "" && strings.TrimSpace(r.Actual) == "" {
			continue
		}
		key := fmt.Sprintf("indicators[%d]", i)
		ind := models.IndicatorInput{Kind: kind, Target: formFloat(nums, errs, key+".target", r.Target)}
		if strings.TrimSpace(r.Actual) != "" {
			actual := formFloat(nums, errs, key+".actual", r.Actual)
			ind.Actual = &actual
		}
		in.Indicators = append(in.Indicators, ind)
		idx["indicators"] = append(idx["indicators"], i)
	}
	for i := range params["link_url"] {
		r := linkRow{Title: at("link_title", i), URL: at("link_url", i)}
		f.Links = append(f.Links, r)
		if strings.TrimSpace(r.Title) == "" && strings.TrimSpace(r.URL) == "" {
			continue
		}
		in.Links = append(in.Links, models.LinkInput{Title: r.Title, URL: r.URL})
		idx["links"] = append(idx["links"], i)
	}
	return f, in, errs, idx
}

var rowKey = regexp.MustCompile(`^([a-z_]+)\[(\d+)\](.*)$`)

// placeErrors moves the model's errors of list rows to the rows on the page.
func (idx rowIndex) placeErrors(fields map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range fields {
		if m := rowKey.FindStringSubmatch(k); m != nil {
			if n, err := strconv.Atoi(m[2]); err == nil && n < len(idx[m[1]]) {
				k = fmt.Sprintf("%s[%d]%s", m[1], idx[m[1]][n], m[3])
			}
			if m[1] == "partners" {
				k = "partners" // the partner checkboxes share one error
			}
		}
		out[k] = v
	}
	return out
}

type projectFormPage struct {
	page
	Project          *models.Project // nil for a new project
	Form             projectForm
	Statuses         []string
	Roles            []string
	MunicipalRoles   []string
	Focuses          []string
	Approaches       []string
	Visibilities     []string
	ParticipantKinds []string
	Municipalities   []models.Municipality
	Partners         []models.Partner
	// OpenMilestones are the project's open milestones, which the form offers
	// to cancel as it is completed.
	OpenMilestones []models.Milestone
}

// renderProjectForm draws the project form with what was typed, its errors
// and what their messages name (models.ValidationError.Data), if any.
func (s *Server) renderProjectForm(c echo.Context, status int, p *models.Project, f projectForm, errs map[string]string, named ...map[string]map[string]any) error {
	ctx := c.Request().Context()
	regionID, projectID := projectFormIDs(viewer(c), p)
	ms, err := s.store.ProjectMunicipalityChoices(ctx, regionID, projectID)
	if err != nil {
		return err
	}
	// The active partners, and those the project names or the form ticked: a
	// partner deactivated since stays offered, ticked, so saving keeps it.
	var keep []int64
	if p != nil {
		keep = p.PartnerIDs()
	}
	for _, v := range f.Partners {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			keep = append(keep, id)
		}
	}
	partners, err := s.store.PartnerChoices(ctx, true, keep)
	if err != nil {
		return err
	}
	pg := s.page(c, "project.new")
	if p != nil {
		pg.Title = p.Title
	}
	if errs != nil {
		pg = pg.withErrors(errs, named...)
	}
	d := projectFormPage{page: pg, Project: p, Form: f, Statuses: models.ProjectStatuses,
		Roles: models.ProjectRoles, MunicipalRoles: models.MunicipalRoles, Focuses: models.ProjectFocuses, Approaches: models.ProjectApproaches,
		Visibilities: models.ProjectVisibilities, ParticipantKinds: models.ParticipantKinds, Municipalities: ms, Partners: partners}
	if p != nil {
		d.OpenMilestones = p.OpenMilestones()
	}
	return c.Render(status, "projects/form", d)
}

// projectFormIDs are the region and the id (0 for a new one) of the project a
// form is for: a new project is of the viewer's current region.
func projectFormIDs(v *models.Viewer, p *models.Project) (regionID, projectID int64) {
	switch {
	case p != nil:
		return p.RegionID, p.ID
	case v.Region != nil:
		return v.Region.ID, 0
	}
	return 0, 0
}

// ErrorSummary lists the form's errors for its error summary, in the order the
// fields are drawn. The list rows' keys, ids and labels carry the row's number,
// which the template's page.Problems cannot make, so they are made here.
func (d projectFormPage) ErrorSummary() problems {
	ps := d.Problems("title", "project.field.title", "summary", "project.field.summary", "status", "project.field.status",
		"starts_on", "project.field.starts_on", "ends_on", "project.field.ends_on", "budget_nok", "project.field.budget_nok",
		"municipal_role#municipal_role-error", "project.field.municipal_role", "focus#focus-error", "project.field.focus",
		"approach#approach-error", "project.field.approach", "visibility#visibility-error", "project.field.visibility",
		"municipalities#municipalities-error", "project.field.municipalities",
		"cancel_open_milestones", "project.cancel_open_milestones_label")
	add := func(group, key, id, labelID string) {
		ps.Fields = append(ps.Fields, inGroup(d.page, group, key, id, labelID)...)
	}
	for i := range d.Form.Municipalities {
		row, key, id := d.T("project.municipality_row", "N", i+1), fmt.Sprintf("municipalities[%d].", i), fmt.Sprintf("mun-%d-", i)
		add(row, key+"kommunenummer", id+"kommunenummer", "project.field.municipality")
		add(row, key+"role", id+"role", "project.field.role")
		add(row, key+"contribution_nok", id+"nok", "project.field.contribution_nok")
		add(row, key+"contribution_fte", id+"fte", "project.field.contribution_fte")
	}
	ps.Fields = append(ps.Fields, d.Problems("partners#partners-error", "project.field.partners").Fields...)
	for i := range d.Form.Participants {
		row, key, id := d.T("project.participant_row", "N", i+1), fmt.Sprintf("participants[%d].", i), fmt.Sprintf("participant-%d-", i)
		add(row, key+"kind", id+"kind", "project.field.participant_kind")
		add(row, key+"name", id+"name", "project.field.participant_name")
	}
	for i := range d.Form.Funding {
		row, key, id := d.T("project.funding_row", "N", i+1), fmt.Sprintf("funding[%d].", i), fmt.Sprintf("funding-%d-", i)
		add(row, key+"source", id+"source", "project.field.funding_source")
		add(row, key+"amount_nok", id+"nok", "project.field.amount_nok")
	}
	for i, r := range d.Form.Indicators {
		kind, key, id := d.T("indicator.kind."+r.Kind), fmt.Sprintf("indicators[%d].", i), "indicator-"+r.Kind+"-"
		add(kind, key+"target", id+"target", "indicator.target")
		add(kind, key+"actual", id+"actual", "indicator.actual")
	}
	for i := range d.Form.Links {
		row, key, id := d.T("project.link_row", "N", i+1), fmt.Sprintf("links[%d].", i), fmt.Sprintf("link-%d-", i)
		add(row, key+"title", id+"title", "project.field.link_title")
		add(row, key+"url", id+"url", "project.field.link_url")
	}
	return ps
}

// inGroup is the error summary's entry for one field of a numbered row or a
// group of fields, if the field has an error: key is the error's key, id the
// field's element id without "f-", and the label names the group, as
// "Rolle i prosjektet (Kommune 2)".
func inGroup(p page, group, key, id, labelID string) []views.Field {
	msg := p.Err(key)
	if msg == "" {
		return nil
	}
	return []views.Field{{Name: id, Label: p.T("common.field_in", "Field", p.T(labelID), "Group", group), Error: msg}}
}

func (s *Server) newProjectForm(c echo.Context) error {
	f := projectFormFrom(s.numbers(c), models.ProjectInput{Status: models.NewProjectStatus, Visibility: "participants"}).withBlankRows()
	return s.renderProjectForm(c, http.StatusOK, nil, f, nil)
}

func (s *Server) createProject(c echo.Context) error {
	f, in, errs, idx := parseProjectForm(c, s.numbers(c))
	if len(errs) == 0 {
		p, err := s.store.CreateProject(c.Request().Context(), viewer(c), actor(c), in)
		if ve := asValidation(err); ve != nil {
			errs = idx.placeErrors(ve.Fields)
		} else if err != nil {
			return err
		} else {
			s.flash(c, "flash.created")
			return redirect(c, "/projects/"+strconv.FormatInt(p.ID, 10))
		}
	} else {
		regionID, _ := projectFormIDs(viewer(c), nil)
		problems, err := s.store.ProjectProblems(c.Request().Context(), regionID, 0, in)
		if err != nil {
			return err
		}
		addProblems(errs, idx.placeErrors(problems.Fields))
	}
	return s.renderProjectForm(c, http.StatusUnprocessableEntity, nil, f, errs)
}

// editableProject loads a project the viewer may see and change; one they may
// only see is as good as absent.
func (s *Server) editableProject(c echo.Context) (*models.Project, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	p, err := s.store.Project(ctx, viewer(c), id)
	if err != nil {
		return nil, err
	}
	ok, err := s.store.CanEditProject(ctx, viewer(c), id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("project %d: %w", id, models.ErrNotFound)
	}
	return p, nil
}

func (s *Server) editProjectForm(c echo.Context) error {
	p, err := s.editableProject(c)
	if err != nil {
		return err
	}
	if p.Closed() { // its page says it is closed and offers to reopen it
		return redirect(c, "/projects/"+strconv.FormatInt(p.ID, 10))
	}
	return s.renderProjectForm(c, http.StatusOK, p, projectFormFrom(s.numbers(c), p.Input()).withBlankRows(), nil)
}

func (s *Server) updateProject(c echo.Context) error {
	p, err := s.editableProject(c)
	if err != nil {
		return err
	}
	f, in, errs, idx := parseProjectForm(c, s.numbers(c))
	status := http.StatusUnprocessableEntity
	var named map[string]map[string]any // what the messages name: the open milestones a completion leaves
	if len(errs) == 0 {
		err = s.store.UpdateProject(c.Request().Context(), viewer(c), actor(c), p.ID, in)
		switch ve := asValidation(err); {
		case ve != nil:
			errs, named = idx.placeErrors(ve.Fields), ve.Data
		case isConflict(err):
			// p is the project as read after the other save: what was typed
			// stays, with p's version, beside the fields that differ from it.
			now := projectFormFrom(s.numbers(c), p.Input())
			f.Version = now.Version
			errs, status = staleKept(c, "common.save", projectDiffers(now, projectFormFrom(s.numbers(c), in))...), http.StatusConflict
		case err != nil:
			return err
		default:
			s.flash(c, "flash.saved")
			return redirect(c, "/projects/"+strconv.FormatInt(p.ID, 10))
		}
	} else {
		problems, err := s.store.ProjectProblems(c.Request().Context(), p.RegionID, p.ID, in)
		if ve := asValidation(err); ve != nil { // a closed project's, said alone
			errs = idx.placeErrors(ve.Fields)
		} else if err != nil {
			return err
		} else {
			addProblems(errs, idx.placeErrors(problems.Fields))
			named = problems.Data
		}
	}
	return s.renderProjectForm(c, status, p, f, errs, named)
}

type projectPage struct {
	page
	Project         *models.Project
	CanEdit         bool // the project is open and the viewer may change it
	CanReopen       bool // the project is closed and the viewer may change it
	OpenStatuses    []string
	CanAssess       bool
	Assessments     []models.Assessment
	AssessmentPager pager
	Summary         *models.Summary
	Trend           *models.Trend
	Lines           []string // the trend's sparklines
	NewMilestone    milestoneFormView
	MilestoneForms  map[int64]milestoneFormView
	FailedForm      string // the Key of the milestone form refused, drawn far down the page; "" if none
}

// ErrorSummary lists the errors of a refused milestone form at the top of the
// page, linking to its fields: the form stands below the project's facts,
// participants and funding, and the page reloaded at its top seemed unchanged.
func (d projectPage) ErrorSummary() problems {
	if d.FailedForm == "" || !d.CanEdit {
		return problems{}
	}
	id := "ms-" + d.FailedForm
	return d.Problems("milestone_title#"+id+"-title", "milestone.field.title", "responsible#"+id+"-responsible", "milestone.field.responsible",
		"due_on#"+id+"-due", "milestone.field.due_on", "milestone_status#"+id+"-status", "milestone.field.status",
		"done_on#"+id+"-done", "milestone.field.done_on")
}

// milestoneForm is a milestone form as typed.
type milestoneForm struct{ Title, Responsible, DueOn, Status, DoneOn, Version string }

// milestoneFormView is one milestone form on the project page. Each carries
// its own copy of the page, so that only the form that failed shows errors.
type milestoneFormView struct {
	page
	Key      string // "new", or the milestone's id: makes the element ids unique
	Action   string
	Form     milestoneForm
	Statuses []string
	Open     bool // the form failed, so its disclosure starts open
}

func milestoneFormOf(m models.Milestone) milestoneForm {
	return milestoneForm{Title: m.Title, Responsible: m.Responsible, DueOn: m.DueOn.Format("2006-01-02"), Status: m.Status,
		DoneOn: isoDate(m.DoneOn), Version: strconv.Itoa(m.Version)}
}

func (s *Server) showProject(c echo.Context) error {
	return s.renderProject(c, http.StatusOK, milestoneForm{}, 0, nil)
}

// renderProject shows a project with its milestones, assessments and trend,
// keeping what was typed in a milestone form that failed, with what the
// errors' messages name (models.ValidationError.Data), if any.
func (s *Server) renderProject(c echo.Context, status int, mf milestoneForm, editing int64, errs map[string]string, named ...map[string]map[string]any) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := viewer(c)
	p, err := s.store.Project(ctx, v, id)
	if err != nil {
		return err
	}
	canEdit, err := s.store.CanEditProject(ctx, v, id)
	if err != nil {
		return err
	}
	// The project's assessments, a page of them at a time: a project assessed
	// every quarter for years has more than a page holds.
	apg := models.Page{Number: pageParam(c).Number, Size: 20}
	as, total, err := s.store.Assessments(ctx, v, models.AssessmentFilter{RegionID: p.RegionID, ProjectID: p.ID, Page: apg})
	if err != nil {
		return err
	}
	sum, err := s.store.Summary(ctx, v, p.RegionID, p.ID)
	if err != nil {
		return err
	}
	trend, err := s.store.Trend(ctx, v, p.RegionID, p.ID)
	if err != nil {
		return err
	}
	pg := s.page(c, "project.title")
	pg.Title = p.Title
	clean := pg
	if errs != nil {
		pg = pg.withErrors(errs, named...)
	}
	base := strconv.FormatInt(p.ID, 10)
	canEdit = canEdit && s.mayEditProjects(v)
	data := projectPage{page: pg, Project: p, CanEdit: canEdit && !p.Closed(), CanReopen: canEdit && p.Closed(), OpenStatuses: models.OpenProjectStatuses(),
		CanAssess:   s.allowed(v, policies.Assessment, policies.Create) && models.MayAssess(v, p.RegionID),
		Assessments: as, AssessmentPager: s.pagerAt(c, "/projects/"+base, apg, total), Summary: sum, Trend: trend, MilestoneForms: map[int64]milestoneFormView{}}
	for _, r := range trend.Rows {
		data.Lines = append(data.Lines, sparkline(r.Scores))
	}
	form := func(key, action string, f milestoneForm, failed bool) milestoneFormView {
		if failed {
			return milestoneFormView{page: pg, Key: key, Action: action, Form: f, Statuses: models.MilestoneStatuses, Open: true}
		}
		return milestoneFormView{page: clean, Key: key, Action: action, Form: f, Statuses: models.MilestoneStatuses}
	}
	newForm := milestoneForm{Status: "planned"}
	if editing == 0 && errs != nil {
		newForm = mf
	}
	data.NewMilestone = form("new", "/projects/"+base+"/milestones", newForm, editing == 0 && errs != nil)
	if errs != nil { // the status form's errors (a closed project's) are no milestone field's: its summary stays empty
		data.FailedForm = "new"
		if editing != 0 {
			data.FailedForm = strconv.FormatInt(editing, 10)
		}
	}
	for _, m := range p.Milestones {
		id := strconv.FormatInt(m.ID, 10)
		if m.ID == editing {
			data.MilestoneForms[m.ID] = form(id, "/projects/"+base+"/milestones/"+id, mf, true)
		} else {
			data.MilestoneForms[m.ID] = form(id, "/projects/"+base+"/milestones/"+id, milestoneFormOf(m), false)
		}
	}
	return c.Render(status, "projects/show", data)
}

// setProjectStatus gives a project another status and changes nothing else:
// the one change a closed project's page offers, to reopen it. Completing an
// open project here asks what becomes of its open milestones as the edit form
// does (cancel_open_milestones).
func (s *Server) setProjectStatus(c echo.Context) error {
	p, err := s.editableProject(c)
	if err != nil {
		return err
	}
	errs := map[string]string{}
	var named map[string]map[string]any // what the messages name: the open milestones a completion leaves
	in := p.Input()
	in.Status, in.Version = c.FormValue("status"), formInt(errs, "version", c.FormValue("version"))
	in.CancelOpenMilestones = c.FormValue("cancel_open_milestones") != ""
	status := http.StatusUnprocessableEntity
	if len(errs) > 0 { // refused already: the status's error in the same answer
		problems, err := s.store.ProjectProblems(c.Request().Context(), p.RegionID, p.ID, in)
		if ve := asValidation(err); ve != nil { // a closed project's, said alone
			errs = ve.Fields
		} else if err != nil {
			return err
		} else {
			addProblems(errs, problems.Fields)
			named = problems.Data
		}
	} else {
		err = s.store.UpdateProject(c.Request().Context(), viewer(c), actor(c), p.ID, in)
		switch ve := asValidation(err); {
		case ve != nil:
			errs, named = ve.Fields, ve.Data
		case isConflict(err):
			// A choice with nothing typed: the page, read now, shows the
			// project as it is, and the message says its status now (p was
			// read after the other save).
			errs, status = map[string]string{"form": "error.project_changed"}, http.StatusConflict
			named = map[string]map[string]any{"form": {"Status": s.localizer(c).T("project.status." + p.Status)}}
		case err != nil:
			return err
		default:
			s.flash(c, "flash.saved")
			return redirect(c, "/projects/"+strconv.FormatInt(p.ID, 10))
		}
	}
	// A closed project's form draws the status beside its choice; anything
	// else (a stored field a check refuses now, an open project's status,
	// which no form on its page draws) is said at the top.
	others := make([]string, 0, len(errs))
	for k := range errs {
		if k != "status" || !p.Closed() {
			others = append(others, k)
		}
	}
	slices.Sort(others)
	return s.renderProject(c, status, milestoneForm{}, 0, atTop(errs, others...), topNamed(errs, named, others))
}

// topNamed is what the errors' messages name (models.ValidationError.Data),
// with what the message atTop(errs, keys...) moves to the top names there.
func topNamed(errs map[string]string, named map[string]map[string]any, keys []string) map[string]map[string]any {
	if errs["form"] != "" {
		return named
	}
	for _, k := range keys {
		if errs[k] == "" {
			continue
		}
		if d, ok := named[k]; ok {
			out := maps.Clone(named)
			out["form"] = d
			return out
		}
		return named
	}
	return named
}

func parseMilestoneForm(c echo.Context) (milestoneForm, models.MilestoneInput, map[string]string) {
	f := milestoneForm{Title: c.FormValue("milestone_title"), Responsible: c.FormValue("responsible"), DueOn: c.FormValue("due_on"),
		Status: c.FormValue("milestone_status"), DoneOn: c.FormValue("done_on"), Version: c.FormValue("version")}
	errs := map[string]string{}
	in := models.MilestoneInput{Title: f.Title, Responsible: f.Responsible, DueOn: formDate(errs, "due_on", f.DueOn), Status: f.Status,
		DoneOn: formDate(errs, "done_on", f.DoneOn)}
	if f.Version != "" {
		in.Version = formInt(errs, "version", f.Version)
	}
	return f, in, errs
}

func (s *Server) addMilestone(c echo.Context) error {
	p, err := s.editableProject(c)
	if err != nil {
		return err
	}
	f, in, errs := parseMilestoneForm(c)
	if len(errs) == 0 {
		_, err := s.store.AddMilestone(c.Request().Context(), viewer(c), actor(c), p.ID, in)
		if ve := asValidation(err); ve != nil {
			errs = ve.Fields
		} else if err != nil {
			return err
		} else {
			s.flash(c, "flash.created")
			return redirect(c, "/projects/"+strconv.FormatInt(p.ID, 10)+"#milestones-heading")
		}
	} else {
		addProblems(errs, s.store.MilestoneProblems(p, 0, in))
	}
	// A closed project's page draws no milestone forms: its refusal is said at the top.
	return s.renderProject(c, http.StatusUnprocessableEntity, f, 0, atTop(errs, "status"))
}

func (s *Server) updateMilestone(c echo.Context) error {
	p, err := s.editableProject(c)
	if err != nil {
		return err
	}
	mid, err := pathID(c, "mid")
	if err != nil {
		return err
	}
	f, in, errs := parseMilestoneForm(c)
	status := http.StatusUnprocessableEntity
	if len(errs) == 0 {
		err = s.store.UpdateMilestone(c.Request().Context(), viewer(c), actor(c), p.ID, mid, in)
		switch ve := asValidation(err); {
		case ve != nil:
			errs = ve.Fields
		case isConflict(err) && slices.ContainsFunc(p.Milestones, func(m models.Milestone) bool { return m.ID == mid }):
			// p, read after the other save, has the milestone as it is now:
			// what was typed stays, with its version, beside what differs.
			status = http.StatusConflict
			for _, m := range p.Milestones {
				if m.ID == mid {
					now := milestoneFormOf(m)
					f.Version = now.Version
					errs = staleKept(c, "common.save", keptField{"milestone.field.title", f.Title, now.Title},
						keptField{"milestone.field.responsible", f.Responsible, now.Responsible},
						keptField{"milestone.field.due_on", f.DueOn, now.DueOn}, keptField{"milestone.field.status", f.Status, now.Status},
						keptField{"milestone.field.done_on", f.DoneOn, now.DoneOn})
				}
			}
		case isConflict(err) || errors.Is(err, models.ErrNotFound):
			// The milestone is not in the project (p, readable, was read
			// before): deleted meanwhile. Saving again cannot change it, so
			// what was typed stays in the form for a new milestone, which
			// one press adds if it is still needed.
			f.Version = ""
			return s.renderProject(c, http.StatusConflict, f, 0, map[string]string{"form": "error.milestone_deleted"})
		case err != nil:
			return err
		default:
			s.flash(c, "flash.saved")
			return redirect(c, "/projects/"+strconv.FormatInt(p.ID, 10)+"#milestones-heading")
		}
	} else {
		addProblems(errs, s.store.MilestoneProblems(p, mid, in))
	}
	return s.renderProject(c, status, f, mid, atTop(errs, "status"))
}
