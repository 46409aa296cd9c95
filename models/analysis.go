package models

import (
	"context"
	"fmt"
	"sort"
)

// MaxTrendPoints is how many assessments a trend shows at most: the newest.
const MaxTrendPoints = 12

// Trend is the scores of each factor over the assessments of one subject (a
// region's cooperation or a project), oldest first.
type Trend struct {
	Assessments []Assessment
	Rows        []TrendRow
}

// TrendRow is one factor's scores over time.
type TrendRow struct {
	Factor           Factor
	Scores           []int // aligned with Trend.Assessments; 0 where the factor was not scored
	Latest, Previous int   // the last two scores given, 0 when there are fewer
	Change           int   // Latest − Previous
	HasChange        bool  // both exist
	Better, Worse    bool
}

// Trend builds the trend of the region's own assessments (projectID 0) or of
// one project's, from what the viewer may read.
func (s *Store) Trend(ctx context.Context, v *Viewer, regionID, projectID int64) (*Trend, error) {
	as, _, err := s.Assessments(ctx, v, AssessmentFilter{RegionID: regionID, ProjectID: projectID, Page: Page{Size: MaxTrendPoints}})
	if err != nil {
		return nil, fmt.Errorf("trend: %w", err)
	}
	t := BuildTrend(as)
	return &t, nil
}

// BuildTrend makes a trend of assessments given in any order.
func BuildTrend(as []Assessment) Trend {
	as = append([]Assessment(nil), as...)
	sort.SliceStable(as, func(i, j int) bool {
		if !as[i].AssessedOn.Equal(as[j].AssessedOn) {
			return as[i].AssessedOn.Before(as[j].AssessedOn)
		}
		return as[i].ID < as[j].ID
	})
	index := map[string]int{}
	var rows []TrendRow
	for i, a := range as {
		for _, sc := range a.Scores {
			k, ok := index[sc.FactorCode]
			if !ok {
				k = len(rows)
				index[sc.FactorCode] = k
				rows = append(rows, TrendRow{Factor: sc.Factor, Scores: make([]int, len(as))})
			}
			rows[k].Scores[i] = sc.Score
		}
	}
	for k := range rows {
		r := &rows[k]
		for _, sc := range r.Scores {
			if sc == 0 {
				continue
			}
			r.Previous, r.Latest = r.Latest, sc
		}
		if r.Previous != 0 {
			r.HasChange = true
			r.Change = r.Latest - r.Previous
			r.Better, r.Worse = judge(r.Factor, r.Change)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return factorLess(rows[i].Factor, rows[j].Factor) })
	return Trend{Assessments: as, Rows: rows}
}

// HeatMap is the latest assessment of each project of a region, projects ×
// factors.
type HeatMap struct {
	Factors []Factor
	Rows    []HeatRow
}

// HeatRow is one project with the scores of its latest assessment.
type HeatRow struct {
	Project    Project
	Assessment *Assessment // nil when the project has no assessment
	Cells      []HeatCell  // aligned with HeatMap.Factors
}

// HeatCell is one score with how healthy it is: Level 5 is best (an enabling
// factor strongly present, or a hindering one absent), 1 worst, 0 not scored.
type HeatCell struct {
	Score int
	Level int
}

// level turns a score into health: high is good for enabling factors, bad for
// hindering ones.
func level(f Factor, score int) int {
	if score == 0 {
		return 0
	}
	if f.Enabling() {
		return score
	}
	return MaxScore + MinScore - score
}

// HeatMap builds the heat map of the region's projects that the viewer may see.
// A region has a few hundred projects with a dozen scores each, so it reads no
// more than the map shows: each project's id and title, the id and date of its
// latest assessment, and that assessment's scores, scanned without reflection.
func (s *Store) HeatMap(ctx context.Context, v *Viewer, regionID int64) (*HeatMap, error) {
	var projects []Project
	err := s.read(ctx).Select("projects.id, projects.title").Scopes(projectsVisibleTo(v, s.Today())).
		Where("projects.region_id = ?", regionID).Order(s.byName("projects.title") + ", projects.id").Find(&projects).Error
	if err != nil {
		return nil, fmt.Errorf("heat map projects: %w", err)
	}
	factors, err := s.Factors(ctx)
	if err != nil {
		return nil, err
	}
	active := make([]Factor, 0, len(factors))
	for _, f := range factors {
		if f.RetiredAt == nil {
			active = append(active, f)
		}
	}
	if len(projects) == 0 {
		return &HeatMap{Factors: active}, nil
	}
	ids := make([]int64, 0, len(projects))
	for _, p := range projects {
		ids = append(ids, p.ID)
	}
	// Only each project's latest assessment is read. Every assessment of a
	// project the viewer sees is visible to them, so the latest of all is the
	// latest they may see.
	var as []Assessment
	err = s.read(ctx).Select("assessments.id, assessments.project_id, assessments.assessed_on").
		Scopes(assessmentsVisibleTo(v, s.Today())).Where("assessments.project_id IN ?", ids).
		Where(`NOT EXISTS (SELECT 1 FROM assessments later WHERE later.project_id = assessments.project_id
			AND (later.assessed_on > assessments.assessed_on OR (later.assessed_on = assessments.assessed_on AND later.id > assessments.id)))`).
		Find(&as).Error
	if err != nil {
		return nil, fmt.Errorf("heat map assessments: %w", err)
	}
	if err := s.readScores(ctx, as, factors); err != nil {
		return nil, err
	}
	h := BuildHeatMap(projects, as, active)
	return &h, nil
}

// readScores fills in the scores of the assessments as, each with its factor
// from factors (the whole catalogue). Scores of a factor not in factors are
// left out.
func (s *Store) readScores(ctx context.Context, as []Assessment, factors []Factor) error {
	if len(as) == 0 {
		return nil
	}
	byID := make(map[int64]*Assessment, len(as))
	ids := make([]int64, 0, len(as))
	for i := range as {
		byID[as[i].ID] = &as[i]
		ids = append(ids, as[i].ID)
	}
	byCode := make(map[string]Factor, len(factors))
	for _, f := range factors {
		byCode[f.Code] = f
	}
	rows, err := s.read(ctx).Table("assessment_scores").Select("assessment_id, factor_code, score").
		Where("assessment_id IN ?", ids).Rows()
	if err != nil {
		return fmt.Errorf("read scores: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sc AssessmentScore
		if err := rows.Scan(&sc.AssessmentID, &sc.FactorCode, &sc.Score); err != nil {
			return fmt.Errorf("read scores: %w", err)
		}
		f, ok := byCode[sc.FactorCode]
		if !ok {
			continue
		}
		sc.Factor = f
		a := byID[sc.AssessmentID]
		a.Scores = append(a.Scores, sc)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read scores: %w", err)
	}
	return nil
}

// BuildHeatMap makes the heat map from projects, any of their assessments and
// the factors in use. A retired factor gets a column only while some project's
// latest assessment scored it.
func BuildHeatMap(projects []Project, as []Assessment, active []Factor) HeatMap {
	latest := map[int64]*Assessment{}
	for i := range as {
		a := &as[i]
		if a.ProjectID == nil {
			continue
		}
		cur, ok := latest[*a.ProjectID]
		if !ok || a.AssessedOn.After(cur.AssessedOn) || (a.AssessedOn.Equal(cur.AssessedOn) && a.ID > cur.ID) {
			latest[*a.ProjectID] = a
		}
	}
	factors := append([]Factor(nil), active...)
	have := map[string]bool{}
	for _, f := range factors {
		have[f.Code] = true
	}
	for _, a := range latest {
		for _, sc := range a.Scores {
			if !have[sc.FactorCode] {
				have[sc.FactorCode] = true
				factors = append(factors, sc.Factor)
			}
		}
	}
	sort.SliceStable(factors, func(i, j int) bool { return factorLess(factors[i], factors[j]) })
	h := HeatMap{Factors: factors}
	for _, p := range projects {
		row := HeatRow{Project: p, Assessment: latest[p.ID], Cells: make([]HeatCell, len(factors))}
		if row.Assessment != nil {
			for k, f := range factors {
				sc := row.Assessment.ScoreOf(f.Code)
				row.Cells[k] = HeatCell{Score: sc, Level: level(f, sc)}
			}
		}
		h.Rows = append(h.Rows, row)
	}
	return h
}

// Summary names the strongest enablers and hindrances of the latest assessment
// and what changed since the one before.
type Summary struct {
	Latest, Previous *Assessment
	Enablers         []AssessmentScore // enabling factors scored 4 or 5, strongest first, at most three
	Hindrances       []AssessmentScore // hindering factors scored 4 or 5, strongest first, at most three
	Changes          []ComparisonRow   // factors scored in both whose score changed, largest change first
}

// Strong is the score from which a factor counts as clearly present.
const Strong = 4

// summaryTop is how many enablers and hindrances the summary names.
const summaryTop = 3

// Summary summarises the region's own assessments (projectID 0) or a project's.
func (s *Store) Summary(ctx context.Context, v *Viewer, regionID, projectID int64) (*Summary, error) {
	as, _, err := s.Assessments(ctx, v, AssessmentFilter{RegionID: regionID, ProjectID: projectID, Page: Page{Size: 2}})
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	var latest, previous *Assessment
	if len(as) > 0 {
		latest = &as[0]
	}
	if len(as) > 1 {
		previous = &as[1]
	}
	sum := Summarize(latest, previous)
	return &sum, nil
}

// Summarize builds the summary of latest compared with previous; either may be nil.
func Summarize(latest, previous *Assessment) Summary {
	sum := Summary{Latest: latest, Previous: previous}
	if latest == nil {
		return sum
	}
	for _, sc := range latest.Scores {
		if sc.Score < Strong {
			continue
		}
		if sc.Factor.Enabling() {
			sum.Enablers = append(sum.Enablers, sc)
		} else {
			sum.Hindrances = append(sum.Hindrances, sc)
		}
	}
	strongest := func(list []AssessmentScore) []AssessmentScore {
		sort.SliceStable(list, func(i, j int) bool {
			if list[i].Score != list[j].Score {
				return list[i].Score > list[j].Score
			}
			return factorLess(list[i].Factor, list[j].Factor)
		})
		if len(list) > summaryTop {
			list = list[:summaryTop]
		}
		return list
	}
	sum.Enablers, sum.Hindrances = strongest(sum.Enablers), strongest(sum.Hindrances)
	if previous == nil {
		return sum
	}
	for _, r := range Compare(previous, latest) {
		if r.Both && r.Delta != 0 {
			sum.Changes = append(sum.Changes, r)
		}
	}
	sort.SliceStable(sum.Changes, func(i, j int) bool {
		di, dj := abs(sum.Changes[i].Delta), abs(sum.Changes[j].Delta)
		if di != dj {
			return di > dj
		}
		return factorLess(sum.Changes[i].Factor, sum.Changes[j].Factor)
	})
	return sum
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
