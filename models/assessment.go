package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Assessment is a dated assessment of the enabling and hindering factors of a
// region's cooperation as a whole (ProjectID nil) or of one project. Assessments
// are never changed afterwards: a new one is made, so that history stays.
type Assessment struct {
	ID         int64
	RegionID   int64
	ProjectID  *int64
	Project    *Project `gorm:"foreignKey:ProjectID"`
	AssessedOn time.Time
	AssessorID *int64
	Assessor   *User `gorm:"foreignKey:AssessorID"`
	Note       string
	CreatedAt  time.Time
	Scores     []AssessmentScore
}

// AssessmentScore is how strongly one factor is present, 1 to 5.
type AssessmentScore struct {
	ID           int64
	AssessmentID int64
	FactorCode   string
	Factor       Factor `gorm:"foreignKey:FactorCode;references:Code"`
	Score        int
	Comment      string
	Evidence     string
}

// AssessorName is the name of who made the assessment, or "".
func (a *Assessment) AssessorName() string {
	if a.Assessor == nil {
		return ""
	}
	return a.Assessor.Name
}

// ScoreOf is the score given to factor code, or 0 when it was not scored.
func (a *Assessment) ScoreOf(code string) int {
	for _, s := range a.Scores {
		if s.FactorCode == code {
			return s.Score
		}
	}
	return 0
}

// Score bounds.
const (
	MinScore = 1
	MaxScore = 5
)

// municipalityProjectConds are the conditions under which a municipality user
// sees a project: their municipality takes part, or the project is visible to
// all members of a region their municipality currently belongs to.
func municipalityProjectConds(v *Viewer, today time.Time) ([]string, []any) {
	if !v.Has(RoleMunicipality) || v.User.Municipality == nil {
		return nil, nil
	}
	m := *v.User.Municipality
	return []string{
			"projects.id IN (SELECT project_id FROM project_municipalities WHERE kommunenummer = ?)",
			"(projects.visibility = 'members' AND projects.region_id IN (SELECT region_id FROM region_members WHERE kommunenummer = ? AND joined_on <= ? AND (left_on IS NULL OR left_on > ?)))",
		},
		[]any{m, m, today, today}
}

// assessmentScope is the SQL condition for the assessments the viewer may read:
// admins all; coordinators, advisers and the board those of their current
// region; a municipality user those of the projects they may see (never the
// region's own assessments).
func assessmentScope(v *Viewer, today time.Time) (string, []any) {
	if v.IsAdmin() {
		return "1 = 1", nil
	}
	var conds []string
	var args []any
	if staffOf(v) {
		conds = append(conds, "assessments.region_id = ?")
		args = append(args, v.Region.ID)
	}
	if mc, margs := municipalityProjectConds(v, today); len(mc) > 0 {
		conds = append(conds, "assessments.project_id IN (SELECT projects.id FROM projects WHERE "+strings.Join(mc, " OR ")+")")
		args = append(args, margs...)
	}
	if len(conds) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

func assessmentsVisibleTo(v *Viewer, today time.Time) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		where, args := assessmentScope(v, today)
		return db.Where(where, args...)
	}
}

// SeesRegionAssessments reports whether the viewer may read the assessments of
// their region's cooperation as a whole; municipality users see only those of
// the projects they may see.
func SeesRegionAssessments(v *Viewer) bool { return v.IsAdmin() || staffOf(v) }

// AssessmentFilter says whose assessments to list.
type AssessmentFilter struct {
	RegionID    int64
	ProjectID   int64  // 0: the region's own assessments
	AllProjects bool   // the assessments of every project of the region instead
	Q           string // words in the note, or in a score's comment or evidence
	Page        Page
}

// PreviousAssessment is the assessment of a's subject (the same project, or
// the cooperation as a whole) made before a that the viewer may read, with
// only its ID and date; nil when a is the first.
func (s *Store) PreviousAssessment(ctx context.Context, v *Viewer, a *Assessment) (*Assessment, error) {
	q := s.read(ctx).Model(&Assessment{}).Select("assessments.id, assessments.assessed_on").
		Scopes(assessmentsVisibleTo(v, s.Today())).Where("assessments.region_id = ?", a.RegionID).
		Where("assessments.assessed_on < ? OR (assessments.assessed_on = ? AND assessments.id < ?)", a.AssessedOn, a.AssessedOn, a.ID)
	if a.ProjectID != nil {
		q = q.Where("assessments.project_id = ?", *a.ProjectID)
	} else {
		q = q.Where("assessments.project_id IS NULL")
	}
	var prev []Assessment
	if err := q.Order("assessments.assessed_on DESC, assessments.id DESC").Limit(1).Find(&prev).Error; err != nil {
		return nil, fmt.Errorf("assessment before %d: %w", a.ID, err)
	}
	if len(prev) == 0 {
		return nil, nil
	}
	return &prev[0], nil
}

// AssessmentChoices lists every assessment of the region that the viewer may
// read, to choose from: the region's own first, then each project's (by
// title), newest first in each. Only ID, RegionID, ProjectID, AssessedOn and the project's
// ID and Title are filled. Unlike Assessments it has no page and reads no
// scores.
func (s *Store) AssessmentChoices(ctx context.Context, v *Viewer, regionID int64) ([]Assessment, error) {
	rows, err := s.read(ctx).Table("assessments").
		Select("assessments.id, assessments.project_id, assessments.assessed_on, projects.title").
		Joins("LEFT JOIN projects ON projects.id = assessments.project_id").
		Scopes(assessmentsVisibleTo(v, s.Today())).Where("assessments.region_id = ?", regionID).
		Order("assessments.project_id IS NOT NULL, " + s.byName("projects.title") + ", assessments.project_id, assessments.assessed_on DESC, assessments.id DESC").Rows()
	if err != nil {
		return nil, fmt.Errorf("assessment choices: %w", err)
	}
	defer rows.Close()
	out := []Assessment{}
	for rows.Next() {
		a := Assessment{RegionID: regionID}
		var project sql.NullInt64
		var title sql.NullString
		if err := rows.Scan(&a.ID, &project, &a.AssessedOn, &title); err != nil {
			return nil, fmt.Errorf("assessment choices: %w", err)
		}
		if project.Valid {
			id := project.Int64
			a.ProjectID, a.Project = &id, &Project{ID: id, Title: title.String}
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("assessment choices: %w", err)
	}
	return out, nil
}

func (s *Store) withScores(q *gorm.DB) *gorm.DB {
	return q.Preload("Assessor").Preload("Project").
		Preload("Scores", func(db *gorm.DB) *gorm.DB {
			return db.Select("assessment_scores.*").Joins("JOIN factors ON factors.code = assessment_scores.factor_code").Order("factors.position, factors.code")
		}).Preload("Scores.Factor")
}

// Assessments lists the assessments the viewer may read, newest first.
func (s *Store) Assessments(ctx context.Context, v *Viewer, f AssessmentFilter) ([]Assessment, int64, error) {
	q := s.read(ctx).Model(&Assessment{}).Scopes(assessmentsVisibleTo(v, s.Today())).Where("assessments.region_id = ?", f.RegionID)
	switch {
	case f.AllProjects:
		q = q.Where("assessments.project_id IS NOT NULL")
	case f.ProjectID != 0:
		q = q.Where("assessments.project_id = ?", f.ProjectID)
	default:
		q = q.Where("assessments.project_id IS NULL")
	}
	if t := strings.TrimSpace(f.Q); t != "" {
		like := likeTerm(t)
		q = q.Where(`(`+s.fold("assessments.note")+` LIKE ? ESCAPE '\' OR assessments.id IN (SELECT assessment_id FROM assessment_scores
			WHERE `+s.fold("assessment_scores.comment")+` LIKE ? ESCAPE '\' OR `+s.fold("assessment_scores.evidence")+` LIKE ? ESCAPE '\'))`, like, like, like)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count assessments: %w", err)
	}
	var out []Assessment
	err := s.withScores(q).Order("assessments.assessed_on DESC, assessments.id DESC").Limit(f.Page.Limit()).Offset(f.Page.Offset()).Find(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list assessments: %w", err)
	}
	return out, total, nil
}

// Assessment loads one assessment the viewer may read, with its scores in
// catalogue order, retired factors included.
func (s *Store) Assessment(ctx context.Context, v *Viewer, id int64) (*Assessment, error) {
	var a Assessment
	err := s.withScores(s.read(ctx).Scopes(assessmentsVisibleTo(v, s.Today()))).First(&a, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("assessment %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load assessment %d: %w", id, err)
	}
	return &a, nil
}

// AssessmentInput is an assessment as an assessor enters it.
type AssessmentInput struct {
	AssessedOn *time.Time
	Note       string
	Scores     []ScoreInput
}

// ScoreInput is the score of one factor.
type ScoreInput struct {
	Factor   string
	Score    int
	Comment  string
	Evidence string
	// LoadEvidence is what the form adds to the evidence when the assessor
	// asks for it (the cooperation load in words). It is appended after the
	// checks: the limit is the assessor's, for what they typed.
	LoadEvidence string
}

// AssessmentProblems reports what is wrong with in, by the checks
// CreateAssessment makes, reading the database but writing nothing. A form
// that failed to parse a field asks it too, so that every error shows in one
// round.
func (s *Store) AssessmentProblems(ctx context.Context, in AssessmentInput) (map[string]string, error) {
	return in.validate(s.read(ctx), s.Today())
}

// validate checks the input against the catalogue: every factor must exist and
// be in use, every score within 1–5. Field names of scores are like
// "scores[0].score".
func (in *AssessmentInput) validate(tx *gorm.DB, today time.Time) (map[string]string, error) {
	fields := map[string]string{}
	switch {
	case in.AssessedOn == nil:
		fields["assessed_at"] = "error.required"
	case in.AssessedOn.After(today):
		fields["assessed_at"] = "error.future_date"
	}
	in.Note = strings.TrimSpace(in.Note)
	checkText(fields, "note", in.Note, 2000, false)
	if len(in.Scores) == 0 {
		fields["scores"] = "error.scores_required"
	}
	var factors []Factor
	if err := tx.Find(&factors).Error; err != nil {
		return nil, err
	}
	catalogue := map[string]Factor{}
	for _, f := range factors {
		catalogue[f.Code] = f
	}
	seen := map[string]bool{}
	for i := range in.Scores {
		sc := &in.Scores[i]
		key := fmt.Sprintf("scores[%d]", i)
		f, ok := catalogue[sc.Factor]
		switch {
		case sc.Factor == "":
			fields[key+".factor"] = "error.required"
		case !ok:
			fields[key+".factor"] = "error.unknown_factor"
		case f.Retired():
			fields[key+".factor"] = "error.factor_retired"
		case seen[sc.Factor]:
			fields[key+".factor"] = "error.duplicate"
		}
		seen[sc.Factor] = true
		if sc.Score < MinScore || sc.Score > MaxScore {
			fields[key+".score"] = "error.score"
		}
		sc.Comment, sc.Evidence = strings.TrimSpace(sc.Comment), strings.TrimSpace(sc.Evidence)
		checkText(fields, key+".comment", sc.Comment, 2000, false)
		checkText(fields, key+".evidence", sc.Evidence, 2000, false)
		if load := strings.TrimSpace(sc.LoadEvidence); load != "" {
			sc.Evidence = strings.TrimSpace(sc.Evidence + "\n" + load)
		}
	}
	return fields, nil
}

// MayAssess reports whether the viewer may make assessments in the region:
// admins anywhere, coordinators and advisers in their current region.
func MayAssess(v *Viewer, regionID int64) bool {
	if v.IsAdmin() {
		return true
	}
	return v.Region != nil && v.Region.ID == regionID && (v.Has(RoleCoordinator) || v.Has(RoleAdviser))
}

// CreateAssessment records an assessment of the region's cooperation
// (projectID 0) or of one of its projects, made by the viewer.
func (s *Store) CreateAssessment(ctx context.Context, v *Viewer, a Actor, regionID, projectID int64, in AssessmentInput) (*Assessment, error) {
	if !MayAssess(v, regionID) {
		return nil, fmt.Errorf("assess region %d: %w", regionID, ErrNotFound)
	}
	var out Assessment
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Region{}).Where("id = ?", regionID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("region %d: %w", regionID, ErrNotFound)
		}
		if projectID != 0 {
			if err := tx.Model(&Project{}).Where("id = ? AND region_id = ?", projectID, regionID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("project %d: %w", projectID, ErrNotFound)
			}
		}
		fields, err := in.validate(tx, s.Today())
		if err != nil {
			return err
		}
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		out = Assessment{RegionID: regionID, AssessedOn: dateOf(*in.AssessedOn), Note: in.Note, CreatedAt: s.now()}
		if projectID != 0 {
			out.ProjectID = &projectID
		}
		if v.User != nil && v.User.ID != 0 {
			out.AssessorID = &v.User.ID
		}
		if err := tx.Omit(clause.Associations).Create(&out).Error; err != nil {
			return fmt.Errorf("create assessment: %w", err)
		}
		for _, sc := range in.Scores {
			row := AssessmentScore{AssessmentID: out.ID, FactorCode: sc.Factor, Score: sc.Score, Comment: sc.Comment, Evidence: sc.Evidence}
			if err := tx.Omit(clause.Associations).Create(&row).Error; err != nil {
				return fmt.Errorf("save score: %w", err)
			}
		}
		subject := "region"
		if projectID != 0 {
			subject = fmt.Sprintf("project=%d", projectID)
		}
		return s.audit(tx, a, "create", "assessment", fmt.Sprint(out.ID), fmt.Sprintf("%s scores=%d", subject, len(in.Scores)))
	})
	if err != nil {
		return nil, err
	}
	return s.Assessment(ctx, v, out.ID)
}

// ComparisonRow is one factor of two assessments side by side.
type ComparisonRow struct {
	Factor Factor
	A, B   *AssessmentScore // nil when not scored
	Delta  int              // B − A when both scored
	Both   bool
	Better bool // the change is for the better: up for an enabling factor, down for a hindering one
	Worse  bool
}

// Compare puts two assessments side by side, factor by factor in catalogue order.
func Compare(a, b *Assessment) []ComparisonRow {
	byCode := map[string]*ComparisonRow{}
	var rows []*ComparisonRow
	add := func(sc *AssessmentScore, first bool) {
		r, ok := byCode[sc.FactorCode]
		if !ok {
			r = &ComparisonRow{Factor: sc.Factor}
			byCode[sc.FactorCode] = r
			rows = append(rows, r)
		}
		if first {
			r.A = sc
		} else {
			r.B = sc
		}
	}
	for i := range a.Scores {
		add(&a.Scores[i], true)
	}
	for i := range b.Scores {
		add(&b.Scores[i], false)
	}
	sort.SliceStable(rows, func(i, j int) bool { return factorLess(rows[i].Factor, rows[j].Factor) })
	out := make([]ComparisonRow, 0, len(rows))
	for _, r := range rows {
		if r.A != nil && r.B != nil {
			r.Both = true
			r.Delta = r.B.Score - r.A.Score
			r.Better, r.Worse = judge(r.Factor, r.Delta)
		}
		out = append(out, *r)
	}
	return out
}

// judge tells whether a change of delta in factor is for the better or worse.
func judge(f Factor, delta int) (better, worse bool) {
	if !f.Enabling() {
		delta = -delta
	}
	return delta > 0, delta < 0
}

func factorLess(a, b Factor) bool {
	if a.Position != b.Position {
		return a.Position < b.Position
	}
	return a.Code < b.Code
}
