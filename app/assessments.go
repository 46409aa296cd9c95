package app

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/policies"
	"samspill/views"
)

type assessmentsPage struct {
	page
	SeesRegion bool                // whether the viewer may read the region's own assessments
	List       []models.Assessment // the region's own assessments
	Pager      pager
	Projects   []models.Assessment // the newest assessments of projects
	Summary    *models.Summary
	CanAssess  bool
	Invalid    problems // the page or page size of the history that cannot be used; nothing is shown
}

// listAssessments is the history of the region's assessments with a summary of
// the latest, and the newest assessments of its projects.
func (s *Server) listAssessments(c echo.Context) error {
	ctx := c.Request().Context()
	p := s.page(c, "assessment.list_title")
	q := newListQuery(c)
	pg := q.page()
	data := assessmentsPage{page: p, Summary: &models.Summary{}, Pager: s.pager(c, pg, 0), SeesRegion: models.SeesRegionAssessments(p.Viewer)}
	if q.err() != nil {
		data.Invalid = filterProblems(p, q, nil, nil)
		return c.Render(q.status(), "projects/assessments", data)
	}
	if v := p.Viewer; v.Region != nil {
		list, total, err := s.store.Assessments(ctx, v, models.AssessmentFilter{RegionID: v.Region.ID, Page: pg})
		if err != nil {
			return err
		}
		projects, _, err := s.store.Assessments(ctx, v, models.AssessmentFilter{RegionID: v.Region.ID, AllProjects: true, Page: models.Page{Size: 10}})
		if err != nil {
			return err
		}
		sum, err := s.store.Summary(ctx, v, v.Region.ID, 0)
		if err != nil {
			return err
		}
		data.List, data.Projects, data.Summary, data.Pager = list, projects, sum, s.pager(c, pg, total)
		data.CanAssess = s.allowed(v, policies.Assessment, policies.Create) && models.MayAssess(v, v.Region.ID)
	}
	return c.Render(http.StatusOK, "projects/assessments", data)
}

// assessmentForm is an assessment form as typed, by factor code.
type assessmentForm struct {
	AssessedOn, Note string
	Scores           map[string]scoreRow
	UseLoadEvidence  bool
}

type scoreRow struct{ Score, Comment, Evidence string }

// typed reports whether anything was entered for the factor.
func (r scoreRow) typed() bool {
	return r.Score != "" || strings.TrimSpace(r.Comment) != "" || strings.TrimSpace(r.Evidence) != ""
}

type assessmentFormPage struct {
	page
	Project      *models.Project // nil when the region's cooperation is assessed
	Factors      []models.Factor
	Form         assessmentForm
	Action       string
	Loads        []models.Load // the flagged municipalities, offered as evidence of overcommitment
	Threshold    *models.LoadSettings
	LoadEvidence string
	Scores       []int
}

// ErrorSummary lists the form's errors for its error summary, in the order the
// fields are drawn. A factor's fields are named by the factor's title, which is
// data rather than a message ID, so the list is made here rather than with the
// template's page.Problems.
func (d assessmentFormPage) ErrorSummary() problems {
	ps := d.Problems("assessed_at", "assessment.field.assessed_at", "note", "assessment.field.note")
	if msg := d.Err("scores"); msg != "" && len(d.Factors) > 0 {
		// No factor was scored: the link leads to the first factor's first score.
		first := fmt.Sprintf("score_%s-%d", d.Factors[0].Code, models.MinScore)
		ps.Fields = append(ps.Fields, views.Field{Name: first, Label: d.T("assessment.factors_scored"), Error: msg})
	}
	for _, f := range d.Factors {
		title := f.Title(d.Lang)
		if msg := d.Err("score_" + f.Code); msg != "" {
			// The scores are a group of radios: the link leads to the group's error.
			ps.Fields = append(ps.Fields, views.Field{Name: "score_" + f.Code + "-error", Label: d.T("assessment.score_label", "Factor", title), Error: msg})
		}
		ps.Fields = append(ps.Fields, inGroup(d.page, title, "comment_"+f.Code, "comment_"+f.Code, "assessment.field.comment")...)
		ps.Fields = append(ps.Fields, inGroup(d.page, title, "evidence_"+f.Code, "evidence_"+f.Code, "assessment.field.evidence")...)
	}
	return ps
}

// loadEvidence is the cooperation load offered as evidence when the factor
// "more cooperations than capacity" is assessed: the flagged municipalities of
// the region, or of the project, and a sentence saying so.
func (s *Server) loadEvidence(c echo.Context, regionID int64, p *models.Project) ([]models.Load, *models.LoadSettings, string, error) {
	ctx := c.Request().Context()
	v := viewer(c)
	var loads []models.Load
	ls, err := s.store.LoadSettings(ctx, v, regionID)
	if err != nil {
		return nil, nil, "", err
	}
	if p == nil {
		loads, _, err = s.store.CooperationLoad(ctx, v, regionID)
	} else {
		numbers := make([]string, 0, len(p.Municipalities))
		for _, m := range p.Municipalities {
			numbers = append(numbers, m.Kommunenummer)
		}
		loads, err = s.store.MunicipalityLoads(ctx, numbers, ls.Threshold)
	}
	if err != nil {
		return nil, nil, "", err
	}
	loc := s.localizer(c)
	var flagged []models.Load
	var parts []string
	for _, l := range loads {
		if !l.Flagged {
			continue
		}
		flagged = append(flagged, l)
		if l.NoCapacity {
			parts = append(parts, loc.T("load.evidence_no_capacity", map[string]any{"Name": l.Municipality.Name, "Committed": loc.Numbers().Decimal(l.CommittedFTE)}))
		} else {
			parts = append(parts, loc.T("load.evidence_item", map[string]any{"Name": l.Municipality.Name, "Percent": loc.Numbers().Decimal(l.DisplayPercent()),
				"Committed": loc.Numbers().Decimal(l.CommittedFTE), "Capacity": loc.Numbers().Decimal(l.CapacityFTE)}))
		}
	}
	text := ""
	if len(parts) > 0 {
		text = loc.T("load.evidence", map[string]any{"Threshold": ls.ThresholdPercent(), "List": strings.Join(parts, "; ")})
	}
	return flagged, ls, text, nil
}

// assessableProject loads a project the viewer may see and assess.
func (s *Server) assessableProject(c echo.Context) (*models.Project, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	p, err := s.store.Project(c.Request().Context(), viewer(c), id)
	if err != nil {
		return nil, err
	}
	if !models.MayAssess(viewer(c), p.RegionID) {
		return nil, fmt.Errorf("project %d: %w", id, models.ErrNotFound)
	}
	return p, nil
}

func (s *Server) renderAssessmentForm(c echo.Context, status int, p *models.Project, f *assessmentForm, errs map[string]string) error {
	v := viewer(c)
	if v.Region == nil && p == nil {
		return models.ErrNotFound
	}
	factors, err := s.store.Factors(c.Request().Context())
	if err != nil {
		return err
	}
	// A retired factor is offered no more; one retired while the form was
	// filled in stays, with what was typed for it and why it cannot be kept.
	factors = slices.DeleteFunc(factors, func(fac models.Factor) bool {
		return fac.Retired() && (f == nil || !f.Scores[fac.Code].typed())
	})
	regionID, action, title := int64(0), "/assessments", "assessment.new_region"
	if v.Region != nil {
		regionID = v.Region.ID
	}
	if p != nil {
		regionID, action, title = p.RegionID, "/projects/"+strconv.FormatInt(p.ID, 10)+"/assessments", "assessment.new_project"
	}
	loads, ls, text, err := s.loadEvidence(c, regionID, p)
	if err != nil {
		return err
	}
	if f == nil {
		f = &assessmentForm{AssessedOn: s.store.Today().Format("2006-01-02"), Scores: map[string]scoreRow{}, UseLoadEvidence: text != ""}
	}
	pg := s.page(c, title)
	if errs != nil {
		pg = pg.withErrors(errs)
	}
	return c.Render(status, "projects/assessment_form", assessmentFormPage{page: pg, Project: p, Factors: factors, Form: *f, Action: action,
		Loads: loads, Threshold: ls, LoadEvidence: text, Scores: []int{1, 2, 3, 4, 5}})
}

// parseAssessmentForm reads one score, comment and evidence per factor. A
// factor without a score is not assessed; text typed for it without a score
// is an error rather than lost.
func (s *Server) parseAssessmentForm(c echo.Context, factors []models.Factor, loadText string) (assessmentForm, models.AssessmentInput, map[string]string, []string) {
	f := assessmentForm{AssessedOn: c.FormValue("assessed_at"), Note: c.FormValue("note"), Scores: map[string]scoreRow{},
		UseLoadEvidence: c.FormValue("use_load_evidence") == "on"}
	errs := map[string]string{}
	in := models.AssessmentInput{AssessedOn: formDate(errs, "assessed_at", f.AssessedOn), Note: f.Note}
	if in.AssessedOn == nil && errs["assessed_at"] == "" {
		errs["assessed_at"] = "error.required"
	}
	var codes []string
	for _, fac := range factors {
		r := scoreRow{Score: c.FormValue("score_" + fac.Code), Comment: c.FormValue("comment_" + fac.Code), Evidence: c.FormValue("evidence_" + fac.Code)}
		f.Scores[fac.Code] = r
		if fac.Retired() {
			if r.typed() {
				errs["score_"+fac.Code] = "error.factor_retired"
			}
			continue
		}
		if r.Score == "" {
			if strings.TrimSpace(r.Comment) != "" || strings.TrimSpace(r.Evidence) != "" {
				errs["score_"+fac.Code] = "error.score_missing"
			}
			continue
		}
		n, err := strconv.Atoi(r.Score)
		if err != nil {
			errs["score_"+fac.Code] = "error.score"
		}
		score := models.ScoreInput{Factor: fac.Code, Score: n, Comment: r.Comment, Evidence: r.Evidence}
		if fac.Code == models.OvercommitmentFactor && f.UseLoadEvidence {
			score.LoadEvidence = loadText
		}
		in.Scores = append(in.Scores, score)
		codes = append(codes, fac.Code)
	}
	if len(in.Scores) == 0 && len(errs) == 0 {
		errs["scores"] = "error.scores_required"
	}
	return f, in, errs, codes
}

// placeScoreErrors moves the model's "scores[i].x" errors beside factor i's fields.
func placeScoreErrors(fields map[string]string, codes []string) map[string]string {
	out := map[string]string{}
	for k, v := range fields {
		if m := rowKey.FindStringSubmatch(k); m != nil && m[1] == "scores" {
			if n, err := strconv.Atoi(m[2]); err == nil && n < len(codes) {
				field := strings.TrimPrefix(m[3], ".")
				if field == "factor" {
					field = "score"
				}
				k = field + "_" + codes[n]
			}
		}
		out[k] = v
	}
	return out
}

func (s *Server) createAssessment(c echo.Context, p *models.Project) error {
	ctx := c.Request().Context()
	v := viewer(c)
	regionID, projectID := int64(0), int64(0)
	if v.Region != nil {
		regionID = v.Region.ID
	}
	if p != nil {
		regionID, projectID = p.RegionID, p.ID
	}
	if regionID == 0 {
		return models.ErrNotFound
	}
	// Every factor, the retired too: a factor retired while the form was
	// being filled in is named as such, not its typed score dropped.
	factors, err := s.store.Factors(ctx)
	if err != nil {
		return err
	}
	_, _, loadText, err := s.loadEvidence(c, regionID, p)
	if err != nil {
		return err
	}
	f, in, errs, codes := s.parseAssessmentForm(c, factors, loadText)
	if len(errs) == 0 {
		a, err := s.store.CreateAssessment(ctx, v, actor(c), regionID, projectID, in)
		if ve := asValidation(err); ve != nil {
			errs = placeScoreErrors(ve.Fields, codes)
		} else if err != nil {
			return err
		} else {
			s.flash(c, "flash.created")
			return redirect(c, "/assessments/"+strconv.FormatInt(a.ID, 10))
		}
	} else {
		problems, err := s.store.AssessmentProblems(ctx, in)
		if err != nil {
			return err
		}
		// A factor typed without a usable score is said at the factor;
		// "assess at least one factor" beside it would mislead.
		for k := range errs {
			if strings.HasPrefix(k, "score_") {
				delete(problems, "scores")
			}
		}
		addProblems(errs, placeScoreErrors(problems, codes))
	}
	return s.renderAssessmentForm(c, http.StatusUnprocessableEntity, p, &f, errs)
}

func (s *Server) newRegionAssessment(c echo.Context) error {
	if v := viewer(c); v.Region == nil || !models.MayAssess(v, v.Region.ID) {
		return models.ErrNotFound
	}
	return s.renderAssessmentForm(c, http.StatusOK, nil, nil, nil)
}

func (s *Server) createRegionAssessment(c echo.Context) error { return s.createAssessment(c, nil) }

func (s *Server) newProjectAssessment(c echo.Context) error {
	p, err := s.assessableProject(c)
	if err != nil {
		return err
	}
	return s.renderAssessmentForm(c, http.StatusOK, p, nil, nil)
}

func (s *Server) createProjectAssessment(c echo.Context) error {
	p, err := s.assessableProject(c)
	if err != nil {
		return err
	}
	return s.createAssessment(c, p)
}

type assessmentPage struct {
	page
	Assessment *models.Assessment
	Previous   *models.Assessment // the one of the same subject before it, to compare with; nil if none
}

func (s *Server) showAssessment(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a, err := s.store.Assessment(ctx, viewer(c), id)
	if err != nil {
		return err
	}
	prev, err := s.store.PreviousAssessment(ctx, viewer(c), a)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "projects/assessment", assessmentPage{page: s.page(c, "assessment.title"), Assessment: a, Previous: prev})
}

type comparePage struct {
	page
	ChoicesA []optionGroup // the assessments that may be compared, by subject, A chosen
	ChoicesB []optionGroup // the same, B chosen
	A, B     *models.Assessment
	Rows     []models.ComparisonRow
	Invalid  problems // the same assessment chosen twice; nothing is compared
	ErrorB   string   // why the second choice cannot be compared, beside it
}

// optionGroup is one labelled group of a select's options.
type optionGroup struct {
	Label   string
	Options []views.Option
}

// assessmentGroups groups the assessments to choose from by subject (the
// cooperation as a whole, then each project), in the order given, the one
// chosen selected: a large region has hundreds.
func assessmentGroups(p page, choices []models.Assessment, chosen int64) []optionGroup {
	var groups []optionGroup
	for i, a := range choices {
		subject := p.T("assessment.subject_region")
		if a.Project != nil {
			subject = a.Project.Title
		}
		if i == 0 || !sameProject(choices[i-1].ProjectID, a.ProjectID) {
			groups = append(groups, optionGroup{Label: subject})
		}
		g := &groups[len(groups)-1]
		g.Options = append(g.Options, views.Option{Value: strconv.FormatInt(a.ID, 10), Label: views.FormatDate(a.AssessedOn) + " – " + subject, Selected: a.ID == chosen})
	}
	return groups
}

// sameProject reports whether two assessments are of the same project, or
// both of the cooperation as a whole (no project).
func sameProject(a, b *int64) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// compareAssessments puts two assessments side by side, chosen by ?a= and ?b=.
func (s *Server) compareAssessments(c echo.Context) error {
	ctx := c.Request().Context()
	v := viewer(c)
	data := comparePage{page: s.page(c, "assessment.compare_title")}
	aID, _ := strconv.ParseInt(c.QueryParam("a"), 10, 64)
	bID, _ := strconv.ParseInt(c.QueryParam("b"), 10, 64)
	status := http.StatusOK
	if aID != 0 && bID != 0 {
		// Read first: an assessment the viewer may not see is not found,
		// whatever else is wrong with the choice.
		a, err := s.store.Assessment(ctx, v, aID)
		if err != nil {
			return err
		}
		if aID == bID {
			// An assessment beside itself changes nothing on any factor: a
			// comparison worth nothing, shown as if it were one.
			data.ErrorB = data.T("error.compare_same")
			data.Invalid = problems{Title: data.T("assessment.compare_invalid"),
				Fields: []views.Field{{Name: "b", Label: data.T("assessment.compare_b"), Error: data.ErrorB, Kind: "select"}}}
			status = http.StatusUnprocessableEntity
		} else {
			b, err := s.store.Assessment(ctx, v, bID)
			if err != nil {
				return err
			}
			// The change is read over time, whichever was chosen first: the
			// older assessment stands first, or a fall would show as a rise.
			if b.AssessedOn.Before(a.AssessedOn) || b.AssessedOn.Equal(a.AssessedOn) && b.ID < a.ID {
				a, b, aID, bID = b, a, bID, aID
			}
			data.A, data.B, data.Rows = a, b, models.Compare(a, b)
		}
	}
	if v.Region != nil {
		choices, err := s.store.AssessmentChoices(ctx, v, v.Region.ID)
		if err != nil {
			return err
		}
		data.ChoicesA, data.ChoicesB = assessmentGroups(data.page, choices, aID), assessmentGroups(data.page, choices, bID)
	}
	return c.Render(status, "projects/compare", data)
}

type trendPage struct {
	page
	SeesRegion bool            // whether the region's own trend may be chosen
	Project    *models.Project // nil for the region's own trend
	Projects   []models.Project
	Trend      *models.Trend
	Lines      []string // per trend row, the points of its sparkline
}

// sparkline is the points of a small line chart of the scores (0 = not scored
// is left out). The chart is decoration: the table beside it has the numbers.
func sparkline(scores []int) string {
	const width, height = 120.0, 24.0
	var pts []string
	for i, sc := range scores {
		if sc == 0 {
			continue
		}
		x := 0.0
		if len(scores) > 1 {
			x = float64(i) * width / float64(len(scores)-1)
		}
		y := height - float64(sc-models.MinScore)*height/float64(models.MaxScore-models.MinScore) + 3
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x+3, y))
	}
	return strings.Join(pts, " ")
}

func (s *Server) assessmentTrend(c echo.Context) error {
	ctx := c.Request().Context()
	v := viewer(c)
	data := trendPage{page: s.page(c, "assessment.trend_title"), Trend: &models.Trend{}, SeesRegion: models.SeesRegionAssessments(v)}
	if v.Region == nil {
		return c.Render(http.StatusOK, "projects/trend", data)
	}
	projects, err := s.store.ProjectChoices(ctx, v)
	if err != nil {
		return err
	}
	data.Projects = projects
	regionID, projectID := v.Region.ID, int64(0)
	q := c.QueryParam("project")
	if !data.SeesRegion && (q == "" || q == "0") && len(projects) > 0 {
		q = strconv.FormatInt(projects[0].ID, 10) // a municipality user starts with a project it may see
	}
	if q != "" && q != "0" {
		id, err := strconv.ParseInt(q, 10, 64)
		if err != nil {
			return models.ErrNotFound
		}
		p, err := s.store.Project(ctx, v, id)
		if err != nil {
			return err
		}
		data.Project, regionID, projectID = p, p.RegionID, p.ID
	}
	if data.Trend, err = s.store.Trend(ctx, v, regionID, projectID); err != nil {
		return err
	}
	for _, r := range data.Trend.Rows {
		data.Lines = append(data.Lines, sparkline(r.Scores))
	}
	return c.Render(http.StatusOK, "projects/trend", data)
}

type heatmapPage struct {
	page
	HeatMap *models.HeatMap
	Levels  []int
}

// Cells draws one row's cells: a scored cell shows its score coloured by its
// level; an unscored one a dash, and says so to screen readers. A region has
// hundreds of rows of a dozen cells, and html/template takes about a
// microsecond for each action it evaluates, so the cells are written here, in
// one call per row.
func (p heatmapPage) Cells(row models.HeatRow) template.HTML {
	notScored := template.HTMLEscapeString(p.T("assessment.not_scored"))
	var b strings.Builder
	for _, c := range row.Cells {
		if c.Score == 0 {
			b.WriteString(`<td class="heat heat-0"><span aria-hidden="true">–</span><span class="ds-sr-only">` + notScored + `</span></td>`)
			continue
		}
		fmt.Fprintf(&b, `<td class="heat heat-%d">%d</td>`, c.Level, c.Score)
	}
	return template.HTML(b.String())
}

func (s *Server) assessmentHeatMap(c echo.Context) error {
	v := viewer(c)
	data := heatmapPage{page: s.page(c, "assessment.heatmap_title"), HeatMap: &models.HeatMap{}, Levels: []int{5, 4, 3, 2, 1}}
	if v.Region != nil {
		h, err := s.store.HeatMap(c.Request().Context(), v, v.Region.ID)
		if err != nil {
			return err
		}
		data.HeatMap = h
	}
	return c.Render(http.StatusOK, "projects/heatmap", data)
}
