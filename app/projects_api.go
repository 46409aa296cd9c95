package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/views"
)

// projectMunicipalityJSON is a participating municipality, in and out.
type projectMunicipalityJSON struct {
	Kommunenummer   string  `json:"kommunenummer"`
	Role            string  `json:"role"`
	ContributionNOK int64   `json:"contribution_nok"`
	ContributionFTE float64 `json:"contribution_fte"`
}

type participantJSON struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

type fundingJSON struct {
	Source    string `json:"source"`
	AmountNOK int64  `json:"amount_nok"`
	Confirmed bool   `json:"confirmed"`
}

type indicatorJSON struct {
	Kind   string   `json:"kind"`
	Target float64  `json:"target"`
	Actual *float64 `json:"actual"`
}

type linkJSON struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

type milestoneOut struct {
	ID          int64   `json:"id"`
	Title       string  `json:"title"`
	Responsible string  `json:"responsible"`
	DueOn       string  `json:"due_on"`
	Status      string  `json:"status"`
	DoneOn      *string `json:"done_on"`
	Overdue     bool    `json:"overdue"`
	Version     int     `json:"version"`
}

// projectOut is a project as the API shows it. The writable fields have the
// same shape as projectJSON takes them.
type projectOut struct {
	ID             int64                     `json:"id"`
	RegionID       int64                     `json:"region_id"`
	Title          string                    `json:"title"`
	Summary        string                    `json:"summary"`
	Status         string                    `json:"status"`
	StartsOn       *string                   `json:"starts_on"`
	EndsOn         *string                   `json:"ends_on"`
	BudgetNOK      int64                     `json:"budget_nok"`
	MunicipalRole  string                    `json:"municipal_role"`
	Focus          string                    `json:"focus"`
	Approach       string                    `json:"approach"`
	Visibility     string                    `json:"visibility"`
	Municipalities []projectMunicipalityJSON `json:"municipalities"`
	Partners       []int64                   `json:"partners"`
	Participants   []participantJSON         `json:"participants"`
	Funding        []fundingJSON             `json:"funding"`
	Indicators     []indicatorJSON           `json:"indicators"`
	Links          []linkJSON                `json:"links"`
	Milestones     []milestoneOut            `json:"milestones"`
	Version        int                       `json:"version"`
	CreatedAt      time.Time                 `json:"created_at"`
	UpdatedAt      time.Time                 `json:"updated_at"`
}

func dateString(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format("2006-01-02")
	return &s
}

func projectJSONOut(p *models.Project) projectOut {
	in := p.Input()
	out := projectOut{ID: p.ID, RegionID: p.RegionID, Title: p.Title, Summary: p.Summary, Status: p.Status,
		StartsOn: dateString(p.StartsOn), EndsOn: dateString(p.EndsOn), BudgetNOK: p.BudgetNOK, MunicipalRole: p.MunicipalRole,
		Focus: p.Focus, Approach: p.Approach, Visibility: p.Visibility, Partners: in.Partners, Version: p.Version,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		Municipalities: []projectMunicipalityJSON{}, Participants: []participantJSON{}, Funding: []fundingJSON{},
		Indicators: []indicatorJSON{}, Links: []linkJSON{}, Milestones: []milestoneOut{}}
	for _, m := range in.Municipalities {
		out.Municipalities = append(out.Municipalities, projectMunicipalityJSON(m))
	}
	for _, x := range in.Participants {
		out.Participants = append(out.Participants, participantJSON(x))
	}
	for _, f := range in.Funding {
		out.Funding = append(out.Funding, fundingJSON(f))
	}
	for _, ind := range in.Indicators {
		out.Indicators = append(out.Indicators, indicatorJSON(ind))
	}
	for _, l := range in.Links {
		out.Links = append(out.Links, linkJSON(l))
	}
	for _, m := range p.Milestones {
		out.Milestones = append(out.Milestones, milestoneOut{ID: m.ID, Title: m.Title, Responsible: m.Responsible, DueOn: m.DueOn.Format("2006-01-02"),
			Status: m.Status, DoneOn: dateString(m.DoneOn), Overdue: m.Overdue, Version: m.Version})
	}
	return out
}

// projectJSON is a project as the API takes it; pointers tell absent from
// given. A list that is sent replaces the project's list.
type projectJSON struct {
	Title          *string                    `json:"title"`
	Summary        *string                    `json:"summary"`
	Status         *string                    `json:"status"`
	StartsOn       *string                    `json:"starts_on"`
	EndsOn         *string                    `json:"ends_on"`
	BudgetNOK      *int64                     `json:"budget_nok"`
	MunicipalRole  *string                    `json:"municipal_role"`
	Focus          *string                    `json:"focus"`
	Approach       *string                    `json:"approach"`
	Visibility     *string                    `json:"visibility"`
	Municipalities *[]projectMunicipalityJSON `json:"municipalities"`
	Partners       *[]int64                   `json:"partners"`
	Participants   *[]participantJSON         `json:"participants"`
	Funding        *[]fundingJSON             `json:"funding"`
	Indicators     *[]indicatorJSON           `json:"indicators"`
	Links          *[]linkJSON                `json:"links"`
	Version        *int                       `json:"version"`
	// CancelOpenMilestones, with "status": "completed", cancels the open
	// milestones as the project is completed; without it, completing a
	// project with open milestones is refused. It is no field of the project,
	// and not shown.
	CancelOpenMilestones *bool `json:"cancel_open_milestones"`

	// Shown only (projectShown): known, to be sent back as read.
	ID         json.RawMessage `json:"id"`
	RegionID   json.RawMessage `json:"region_id"`
	Milestones json.RawMessage `json:"milestones"`
	CreatedAt  json.RawMessage `json:"created_at"`
	UpdatedAt  json.RawMessage `json:"updated_at"`
}

// apiDate parses a YYYY-MM-DD date of the API; "" clears it.
func apiDate(fields map[string]string, name string, v *string, dst **time.Time) {
	if v == nil {
		return
	}
	if *v == "" {
		*dst = nil
		return
	}
	t, problem := readDate(*v)
	if problem != "" {
		fields[name] = problem
		return
	}
	*dst = &t
}

// apply copies what was sent onto in, and reports fields it cannot read.
func (j projectJSON) apply(in *models.ProjectInput) map[string]string {
	fields := map[string]string{}
	set(&in.Title, j.Title)
	set(&in.Summary, j.Summary)
	set(&in.Status, j.Status)
	apiDate(fields, "starts_on", j.StartsOn, &in.StartsOn)
	apiDate(fields, "ends_on", j.EndsOn, &in.EndsOn)
	set(&in.BudgetNOK, j.BudgetNOK)
	set(&in.MunicipalRole, j.MunicipalRole)
	set(&in.Focus, j.Focus)
	set(&in.Approach, j.Approach)
	set(&in.Visibility, j.Visibility)
	set(&in.Partners, j.Partners)
	set(&in.Version, j.Version)
	set(&in.CancelOpenMilestones, j.CancelOpenMilestones)
	if j.Municipalities != nil {
		in.Municipalities = nil
		for _, m := range *j.Municipalities {
			in.Municipalities = append(in.Municipalities, models.ProjectMunicipalityInput(m))
		}
	}
	if j.Participants != nil {
		in.Participants = nil
		for _, x := range *j.Participants {
			in.Participants = append(in.Participants, models.ParticipantInput(x))
		}
	}
	if j.Funding != nil {
		in.Funding = nil
		for _, f := range *j.Funding {
			in.Funding = append(in.Funding, models.FundingInput(f))
		}
	}
	if j.Indicators != nil {
		in.Indicators = nil
		for _, ind := range *j.Indicators {
			in.Indicators = append(in.Indicators, models.IndicatorInput(ind))
		}
	}
	if j.Links != nil {
		in.Links = nil
		for _, l := range *j.Links {
			in.Links = append(in.Links, models.LinkInput(l))
		}
	}
	return fields
}

func (s *Server) apiListProjects(c echo.Context) error {
	q := newListQuery(c)
	f := models.ProjectFilter{Q: q.text("q"), Status: q.code("status", models.ProjectStatuses), Municipality: q.kommunenummer("municipality"), Whole: true, Page: q.page()}
	if err := q.refuseUnknown().err(); err != nil {
		return err
	}
	ps, total, err := s.store.Projects(c.Request().Context(), viewer(c), f)
	if err != nil {
		return err
	}
	out := make([]projectOut, 0, len(ps))
	for i := range ps {
		out = append(out, projectJSONOut(&ps[i]))
	}
	return c.JSON(http.StatusOK, newList(out, total, f.Page))
}

func (s *Server) apiShowProject(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.store.Project(c.Request().Context(), viewer(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, projectJSONOut(p))
}

func (s *Server) apiCreateProject(c echo.Context) error {
	var j projectJSON
	body, err := readJSON(c, &j)
	if err != nil {
		return err
	}
	in := models.ProjectInput{Status: models.NewProjectStatus, Visibility: "participants"}
	fields := j.apply(&in)
	if err := refuseShown(body, fields, projectShown); err != nil {
		return err
	}
	if len(fields) > 0 {
		// A date that does not parse still lets the rest be checked: every
		// error in one answer.
		if v := viewer(c); v.Region != nil && (v.IsAdmin() || v.Has(models.RoleCoordinator)) {
			problems, err := s.store.ProjectProblems(c.Request().Context(), v.Region.ID, 0, in)
			if err != nil {
				return err
			}
			addProblems(fields, problems.Fields)
		}
		return invalidFields(fields)
	}
	p, err := s.store.CreateProject(c.Request().Context(), viewer(c), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, projectJSONOut(p))
}

func (s *Server) apiUpdateProject(c echo.Context) error {
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
	var j projectJSON
	fields, err := decodeSentBack(c, &j, projectJSONOut(p), projectShown, "title", "status", "visibility", "municipalities")
	if err != nil {
		return err
	}
	addProblems(fields, versionRequired(j.Version))
	in := p.Input()
	addProblems(fields, j.apply(&in))
	if len(fields) > 0 {
		// Refused already: the edit's other errors in the same answer, to
		// those who may make it.
		if ok, err := s.store.CanEditProject(ctx, v, id); err != nil {
			return err
		} else if ok {
			problems, err := s.store.ProjectProblems(ctx, p.RegionID, p.ID, in)
			if err != nil { // a closed project's refusal too, said alone
				return err
			}
			addProblems(fields, problems.Fields)
			return &models.ValidationError{Fields: fields, Data: problems.Data}
		}
		return invalidFields(fields)
	}
	if err := s.store.UpdateProject(ctx, v, actor(c), id, in); err != nil {
		return err
	}
	if p, err = s.store.Project(ctx, v, id); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, projectJSONOut(p))
}

type scoreJSON struct {
	Factor   string `json:"factor"`
	Score    int    `json:"score"`
	Comment  string `json:"comment"`
	Evidence string `json:"evidence"`
}

type personRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type assessmentOut struct {
	ID         int64       `json:"id"`
	RegionID   int64       `json:"region_id"`
	ProjectID  *int64      `json:"project_id"`
	AssessedAt string      `json:"assessed_at"`
	Assessor   *personRef  `json:"assessor"`
	Note       string      `json:"note"`
	Scores     []scoreJSON `json:"scores"`
	CreatedAt  time.Time   `json:"created_at"`
}

func assessmentJSONOut(a *models.Assessment) assessmentOut {
	out := assessmentOut{ID: a.ID, RegionID: a.RegionID, ProjectID: a.ProjectID, AssessedAt: a.AssessedOn.Format("2006-01-02"),
		Note: a.Note, Scores: []scoreJSON{}, CreatedAt: a.CreatedAt}
	if a.Assessor != nil {
		out.Assessor = &personRef{ID: a.Assessor.ID, Name: a.Assessor.Name}
	}
	for _, sc := range a.Scores {
		out.Scores = append(out.Scores, scoreJSON{Factor: sc.FactorCode, Score: sc.Score, Comment: sc.Comment, Evidence: sc.Evidence})
	}
	return out
}

// assessmentJSON is an assessment as the API takes it. assessed_at is a date,
// YYYY-MM-DD; an RFC 3339 timestamp is taken as its day in Norway.
type assessmentJSON struct {
	AssessedAt *string      `json:"assessed_at"`
	Note       *string      `json:"note"`
	Scores     *[]scoreJSON `json:"scores"`
}

func (j assessmentJSON) input() (models.AssessmentInput, map[string]string) {
	fields := map[string]string{}
	var in models.AssessmentInput
	required(fields, "assessed_at", j.AssessedAt != nil)
	required(fields, "scores", j.Scores != nil)
	if j.AssessedAt != nil {
		if t, err := time.Parse("2006-01-02", *j.AssessedAt); err == nil {
			in.AssessedOn = &t
		} else if t, err := time.Parse(time.RFC3339, *j.AssessedAt); err == nil {
			y, m, d := t.In(views.Oslo).Date()
			day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
			in.AssessedOn = &day
		} else {
			_, fields["assessed_at"] = readDate(*j.AssessedAt)
		}
	}
	if j.Note != nil {
		in.Note = *j.Note
	}
	if j.Scores != nil {
		for _, sc := range *j.Scores {
			in.Scores = append(in.Scores, models.ScoreInput{Factor: strings.TrimSpace(sc.Factor), Score: sc.Score, Comment: sc.Comment, Evidence: sc.Evidence})
		}
	}
	return in, fields
}

func (s *Server) apiListAssessments(c echo.Context, regionID, projectID int64) error {
	q := newListQuery(c)
	pg, text := q.page(), q.text("q")
	if err := q.refuseUnknown().err(); err != nil {
		return err
	}
	as, total, err := s.store.Assessments(c.Request().Context(), viewer(c), models.AssessmentFilter{RegionID: regionID, ProjectID: projectID, Q: text, Page: pg})
	if err != nil {
		return err
	}
	out := make([]assessmentOut, 0, len(as))
	for i := range as {
		out = append(out, assessmentJSONOut(&as[i]))
	}
	return c.JSON(http.StatusOK, newList(out, total, pg))
}

func (s *Server) apiCreateAssessment(c echo.Context, regionID, projectID int64) error {
	var j assessmentJSON
	if err := decodeJSON(c, &j); err != nil {
		return err
	}
	in, fields := j.input()
	if len(fields) > 0 && models.MayAssess(viewer(c), regionID) {
		// A date that does not parse still lets the scores be checked: every
		// error in one answer.
		problems, err := s.store.AssessmentProblems(c.Request().Context(), in)
		if err != nil {
			return err
		}
		addProblems(fields, problems)
	}
	if err := invalidFields(fields); err != nil {
		return err
	}
	a, err := s.store.CreateAssessment(c.Request().Context(), viewer(c), actor(c), regionID, projectID, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, assessmentJSONOut(a))
}

// apiProject loads the project of the path that the viewer may see.
func (s *Server) apiProject(c echo.Context) (*models.Project, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.store.Project(c.Request().Context(), viewer(c), id)
}

func (s *Server) apiListProjectAssessments(c echo.Context) error {
	p, err := s.apiProject(c)
	if err != nil {
		return err
	}
	return s.apiListAssessments(c, p.RegionID, p.ID)
}

func (s *Server) apiCreateProjectAssessment(c echo.Context) error {
	p, err := s.apiProject(c)
	if err != nil {
		return err
	}
	return s.apiCreateAssessment(c, p.RegionID, p.ID)
}

// apiRegion is the region of the path, which must be the one the viewer works
// in (an admin may name any).
func (s *Server) apiRegion(c echo.Context) (int64, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return 0, err
	}
	v := viewer(c)
	if !v.IsAdmin() && (v.Region == nil || v.Region.ID != id) {
		return 0, models.ErrNotFound
	}
	if _, err := s.store.Region(c.Request().Context(), v, id); err != nil {
		return 0, err
	}
	return id, nil
}

func (s *Server) apiListRegionAssessments(c echo.Context) error {
	id, err := s.apiRegion(c)
	if err != nil {
		return err
	}
	return s.apiListAssessments(c, id, 0)
}

func (s *Server) apiCreateRegionAssessment(c echo.Context) error {
	id, err := s.apiRegion(c)
	if err != nil {
		return err
	}
	return s.apiCreateAssessment(c, id, 0)
}

func (s *Server) apiShowAssessment(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := s.store.Assessment(c.Request().Context(), viewer(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, assessmentJSONOut(a))
}

func (s *Server) apiShowFactor(c echo.Context) error {
	f, err := s.store.FactorByCode(c.Request().Context(), c.Param("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}

// factorJSON is a new factor as the API takes it.
type factorJSON struct {
	Code          string `json:"code"`
	Polarity      string `json:"polarity"`
	TitleNB       string `json:"title_nb"`
	TitleEN       string `json:"title_en"`
	DescriptionNB string `json:"description_nb"`
	DescriptionEN string `json:"description_en"`
}

func (s *Server) apiCreateFactor(c echo.Context) error {
	var j factorJSON
	if err := decodeJSON(c, &j); err != nil {
		return err
	}
	f, err := s.store.AddFactor(c.Request().Context(), actor(c), models.FactorInput(j))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, f)
}

func (s *Server) apiRetireFactor(c echo.Context) error { return s.apiSetFactorRetired(c, true) }

func (s *Server) apiReinstateFactor(c echo.Context) error { return s.apiSetFactorRetired(c, false) }

func (s *Server) apiSetFactorRetired(c echo.Context, retired bool) error {
	ctx := c.Request().Context()
	if err := s.store.SetFactorRetired(ctx, actor(c), c.Param("code"), retired); err != nil {
		return err
	}
	f, err := s.store.FactorByCode(ctx, c.Param("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}
