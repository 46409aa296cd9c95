package models

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

// fixture is a region "Testregionen" with Hamar, Løten and Stange as members on
// a fixed day, and one viewer per role. Capacity for business development:
// Hamar 1.0 FTE, Løten 0.5, Stange none.
type fixture struct {
	s                                      *Store
	region, other                          *Region
	admin, coord, adviser, board           *Viewer
	hamar, loten, stange, otherCoordinator *Viewer
}

var fixtureDay = time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)

func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s := newStore(t)
	s.SetClock(func() time.Time { return fixtureDay })
	ctx := context.Background()
	a := Actor{}
	region := func(slug string) *Region {
		in := DefaultRegionInput()
		in.Slug, in.Name = slug, slug
		r, err := s.CreateRegion(ctx, a, in)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	f := &fixture{s: s, region: region("testregionen"), other: region("annen")}
	for _, m := range []struct {
		number string
		own    float64
		fte    float64
	}{{"3403", 1.0, 0.4}, {"3412", 0.5, 0.3}, {"3413", 0, 0.2}} {
		if _, err := s.SaveMember(ctx, a, f.region.ID, MemberInput{Kommunenummer: m.number, JoinedOn: *date(2020, 1, 1), Votes: 1, CommittedFTE: m.fte}); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateMunicipality(ctx, a, m.number, MunicipalityUpdate{BusinessFTE: m.own, Version: 1}); err != nil {
			t.Fatal(err)
		}
	}
	viewer := func(email, role string, region *Region, municipality string) *Viewer {
		in := UserInput{Email: email, Name: email, Municipality: municipality}
		g := RoleGrant{RegionID: region.ID, Role: role}
		if role == RoleAdmin {
			g.RegionID = 0
		}
		u, err := s.CreateUser(ctx, a, in, "fixture-passord-123", []RoleGrant{g})
		if err != nil {
			t.Fatal(err)
		}
		return &Viewer{User: u, Region: region}
	}
	f.admin = viewer("admin@test.example", RoleAdmin, f.region, "")
	f.coord = viewer("koordinator@test.example", RoleCoordinator, f.region, "")
	f.adviser = viewer("radgiver@test.example", RoleAdviser, f.region, "")
	f.board = viewer("styret@test.example", RoleBoard, f.region, "")
	f.hamar = viewer("hamar@test.example", RoleMunicipality, f.region, "3403")
	f.loten = viewer("loten@test.example", RoleMunicipality, f.region, "3412")
	f.stange = viewer("stange@test.example", RoleMunicipality, f.region, "3413")
	f.otherCoordinator = viewer("koordinator@annen.example", RoleCoordinator, f.other, "")
	return f
}

// project creates a project in the fixture region as its coordinator.
func (f *fixture) project(t *testing.T, title, status, visibility string, ms ...ProjectMunicipalityInput) *Project {
	t.Helper()
	p, err := f.s.CreateProject(context.Background(), f.coord, Actor{}, ProjectInput{Title: title, Status: status, Visibility: visibility, Municipalities: ms})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// assess records an assessment of the region (projectID 0) or a project.
func (f *fixture) assess(t *testing.T, projectID int64, on *time.Time, scores map[string]int) *Assessment {
	t.Helper()
	in := AssessmentInput{AssessedOn: on}
	for _, code := range []string{"cohesion", "equality", "shared_goals", "non_municipal_actors", "leadership", "weak_cohesion", "skewed_power", "lacking_interest", "overcommitment"} {
		if n, ok := scores[code]; ok {
			in.Scores = append(in.Scores, ScoreInput{Factor: code, Score: n})
		}
	}
	a, err := f.s.CreateAssessment(context.Background(), f.adviser, Actor{}, f.region.ID, projectID, in)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func lead(n string) ProjectMunicipalityInput {
	return ProjectMunicipalityInput{Kommunenummer: n, Role: "lead"}
}
func part(n string) ProjectMunicipalityInput {
	return ProjectMunicipalityInput{Kommunenummer: n, Role: "participant"}
}

func TestProjectVisibility(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	hamarStange := f.project(t, "Hamar og Stange", "active", "participants", lead("3403"), part("3413"))
	shared := f.project(t, "Alle tre", "active", "members", lead("3403"), part("3412"), part("3413"))
	hamarOnly := f.project(t, "Bare Hamar", "planning", "participants", lead("3403"))
	hsAssessment := f.assess(t, hamarStange.ID, date(2026, 6, 1), map[string]int{"cohesion": 3})
	regionAssessment := f.assess(t, 0, date(2026, 6, 1), map[string]int{"cohesion": 4})

	// A members-visible project of another region: visible to Løten while it is a
	// member there, and not once it has left.
	otherCoord := f.otherCoordinator
	if _, err := f.s.SaveMember(ctx, Actor{}, f.other.ID, MemberInput{Kommunenummer: "3401", JoinedOn: *date(2020, 1, 1), Votes: 1}); err != nil {
		t.Fatal(err)
	}
	abroad, err := f.s.CreateProject(ctx, otherCoord, Actor{}, ProjectInput{Title: "Annen region", Status: "active", Visibility: "members", Municipalities: []ProjectMunicipalityInput{lead("3401")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SaveMember(ctx, Actor{}, f.other.ID, MemberInput{Kommunenummer: "3412", JoinedOn: *date(2021, 1, 1), Votes: 1}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		v       *Viewer
		visible []int64 // of hamarStange, shared, hamarOnly, abroad, in that order
		list    []string
	}{
		{"coordinator", f.coord, []int64{hamarStange.ID, shared.ID, hamarOnly.ID}, []string{"Bare Hamar", "Alle tre", "Hamar og Stange"}},
		{"adviser", f.adviser, []int64{hamarStange.ID, shared.ID, hamarOnly.ID}, []string{"Bare Hamar", "Alle tre", "Hamar og Stange"}},
		{"board", f.board, []int64{hamarStange.ID, shared.ID, hamarOnly.ID}, []string{"Bare Hamar", "Alle tre", "Hamar og Stange"}},
		{"admin", f.admin, []int64{hamarStange.ID, shared.ID, hamarOnly.ID, abroad.ID}, []string{"Bare Hamar", "Alle tre", "Hamar og Stange"}},
		{"Hamar", f.hamar, []int64{hamarStange.ID, shared.ID, hamarOnly.ID}, []string{"Bare Hamar", "Alle tre", "Hamar og Stange"}},
		{"Stange", f.stange, []int64{hamarStange.ID, shared.ID}, []string{"Alle tre", "Hamar og Stange"}},
		{"Løten", f.loten, []int64{shared.ID, abroad.ID}, []string{"Alle tre"}},
		{"coordinator of another region", f.otherCoordinator, []int64{abroad.ID}, []string{"Annen region"}},
	}
	all := []int64{hamarStange.ID, shared.ID, hamarOnly.ID, abroad.ID}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, id := range all {
				_, err := f.s.Project(ctx, tt.v, id)
				want := contains64(tt.visible, id)
				if want && err != nil {
					t.Errorf("Project(%d) = %v; want it visible", id, err)
				}
				if !want && !errors.Is(err, ErrNotFound) {
					t.Errorf("Project(%d) = %v; want ErrNotFound", id, err)
				}
			}
			ps, total, err := f.s.Projects(ctx, tt.v, ProjectFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Title)
			}
			if !reflect.DeepEqual(got, tt.list) || total != int64(len(tt.list)) {
				t.Errorf("Projects = %q (total %d); want %q", got, total, tt.list)
			}
		})
	}

	// Assessments follow the projects; a municipality never sees the region's own.
	if _, err := f.s.Assessment(ctx, f.stange, hsAssessment.ID); err != nil {
		t.Errorf("Stange reading the Hamar–Stange assessment: %v", err)
	}
	for _, id := range []int64{hsAssessment.ID, regionAssessment.ID} {
		if _, err := f.s.Assessment(ctx, f.loten, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Løten reading assessment %d: %v; want ErrNotFound", id, err)
		}
	}
	if _, err := f.s.Assessment(ctx, f.board, regionAssessment.ID); err != nil {
		t.Errorf("the board reading the region's assessment: %v", err)
	}

	// Once Løten has left the other region, its open projects are closed to Løten.
	left := *date(2026, 1, 1)
	if _, err := f.s.SaveMember(ctx, Actor{}, f.other.ID, MemberInput{Kommunenummer: "3412", JoinedOn: *date(2021, 1, 1), LeftOn: &left, Votes: 1, Version: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Project(ctx, f.loten, abroad.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Løten after leaving the other region: %v; want ErrNotFound", err)
	}
}

func contains64(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Only the region's coordinator (or an admin) changes a project.
func TestProjectEditScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p := f.project(t, "Prosjekt", "idea", "participants", lead("3403"))
	in := p.Input()
	in.Title = "Nytt navn"
	for _, v := range []*Viewer{f.adviser, f.board, f.hamar, f.otherCoordinator} {
		if err := f.s.UpdateProject(ctx, v, Actor{}, p.ID, in); !errors.Is(err, ErrNotFound) {
			t.Errorf("UpdateProject by %s = %v; want ErrNotFound", v.User.Email, err)
		}
		if _, err := f.s.AddMilestone(ctx, v, Actor{}, p.ID, MilestoneInput{Title: "M", DueOn: date(2026, 7, 1), Status: "planned"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("AddMilestone by %s = %v; want ErrNotFound", v.User.Email, err)
		}
	}
	if _, err := f.s.CreateProject(ctx, f.adviser, Actor{}, in); !errors.Is(err, ErrNotFound) {
		t.Errorf("CreateProject by an adviser = %v; want ErrNotFound", err)
	}
	if _, err := f.s.CreateAssessment(ctx, f.board, Actor{}, f.region.ID, p.ID, AssessmentInput{AssessedOn: date(2026, 6, 1), Scores: []ScoreInput{{Factor: "cohesion", Score: 3}}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("CreateAssessment by the board = %v; want ErrNotFound", err)
	}
	if _, err := f.s.CreateAssessment(ctx, f.otherCoordinator, Actor{}, f.region.ID, p.ID, AssessmentInput{AssessedOn: date(2026, 6, 1), Scores: []ScoreInput{{Factor: "cohesion", Score: 3}}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("CreateAssessment by another region's coordinator = %v; want ErrNotFound", err)
	}
	if err := f.s.UpdateProject(ctx, f.coord, Actor{}, p.ID, in); err != nil {
		t.Errorf("UpdateProject by the coordinator: %v", err)
	}
}

// snapshot counts what a refused change must leave alone.
func snapshot(t *testing.T, s *Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"projects", "project_municipalities", "project_participants", "project_funding", "project_indicators",
		"project_links", "milestones", "assessments", "assessment_scores", "audit_log"} {
		out[table] = count(t, s, table)
	}
	var sum int64
	if err := s.rdb.Raw("SELECT COALESCE(SUM(version), 0) FROM projects").Scan(&sum).Error; err != nil {
		t.Fatal(err)
	}
	out["project versions"] = sum
	return out
}

// A score outside 1–5, an unknown factor, an unknown municipality and a stale
// version are refused, and nothing changes.
func TestRefusedChangesChangeNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p := f.project(t, "Prosjekt", "active", "participants", lead("3403"), part("3413"))
	good := p.Input()
	good.Title = "Endret"
	if err := f.s.UpdateProject(ctx, f.coord, Actor{}, p.ID, good); err != nil {
		t.Fatal(err) // version 1 → 2
	}
	score := func(code string, n int) AssessmentInput {
		return AssessmentInput{AssessedOn: date(2026, 6, 1), Scores: []ScoreInput{{Factor: "equality", Score: 3}, {Factor: code, Score: n}}}
	}
	withMunicipality := func(number string) ProjectInput {
		in := good
		in.Version = 2
		in.Municipalities = []ProjectMunicipalityInput{lead("3403"), part(number)}
		return in
	}
	stale := good
	stale.Version = 1
	stale.Title = "Skrevet over"

	tests := []struct {
		name      string
		do        func() error
		wantField string // the field a ValidationError must name; "" for ErrConflict
		wantMsg   string
	}{
		{"score 6", func() error {
			_, err := f.s.CreateAssessment(ctx, f.adviser, Actor{}, f.region.ID, p.ID, score("cohesion", 6))
			return err
		}, "scores[1].score", "error.score"},
		{"score 0", func() error {
			_, err := f.s.CreateAssessment(ctx, f.adviser, Actor{}, f.region.ID, 0, score("cohesion", 0))
			return err
		}, "scores[1].score", "error.score"},
		{"score -1", func() error {
			_, err := f.s.CreateAssessment(ctx, f.adviser, Actor{}, f.region.ID, p.ID, score("cohesion", -1))
			return err
		}, "scores[1].score", "error.score"},
		{"unknown factor", func() error {
			_, err := f.s.CreateAssessment(ctx, f.adviser, Actor{}, f.region.ID, p.ID, score("nonsense", 3))
			return err
		}, "scores[1].factor", "error.unknown_factor"},
		{"unknown municipality on update", func() error { return f.s.UpdateProject(ctx, f.coord, Actor{}, p.ID, withMunicipality("9999")) }, "municipalities[1].kommunenummer", "error.unknown_municipality"},
		{"unknown municipality on create", func() error {
			in := withMunicipality("0000")
			_, err := f.s.CreateProject(ctx, f.coord, Actor{}, in)
			return err
		}, "municipalities[1].kommunenummer", "error.unknown_municipality"},
		{"no lead on update", func() error {
			in := withMunicipality("3413")
			in.Municipalities[0].Role = "participant"
			return f.s.UpdateProject(ctx, f.coord, Actor{}, p.ID, in)
		}, "municipalities", "error.lead_required"},
		{"no lead on create", func() error {
			in := withMunicipality("3413")
			in.Municipalities[0].Role = "participant"
			_, err := f.s.CreateProject(ctx, f.coord, Actor{}, in)
			return err
		}, "municipalities", "error.lead_required"},
		{"stale version", func() error { return f.s.UpdateProject(ctx, f.coord, Actor{}, p.ID, stale) }, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, f.s)
			err := tt.do()
			var ve *ValidationError
			switch {
			case tt.wantField == "" && !errors.Is(err, ErrConflict):
				t.Errorf("err = %v; want ErrConflict", err)
			case tt.wantField != "" && !errors.As(err, &ve):
				t.Errorf("err = %v; want a ValidationError", err)
			case tt.wantField != "" && ve.Fields[tt.wantField] != tt.wantMsg:
				t.Errorf("fields = %v; want %s: %s", ve.Fields, tt.wantField, tt.wantMsg)
			}
			if after := snapshot(t, f.s); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused change changed the database:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
	got, err := f.s.Project(ctx, f.coord, p.ID)
	if err != nil || got.Title != "Endret" || got.Version != 2 || len(got.Municipalities) != 2 {
		t.Errorf("project after refused changes = %+v, %v", got, err)
	}
}

// Retiring a factor keeps old assessments readable and removes it from new
// ones; a factor cannot be deleted.
func TestRetireFactor(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	old := f.assess(t, 0, date(2026, 5, 1), map[string]int{"cohesion": 4, "overcommitment": 5})
	if err := f.s.SetFactorRetired(ctx, Actor{}, "overcommitment", true); err != nil {
		t.Fatal(err)
	}
	firstRetired, err := f.s.FactorByCode(ctx, "overcommitment")
	if err != nil || !firstRetired.Retired() {
		t.Fatalf("after retiring: %+v, %v", firstRetired, err)
	}
	if err := f.s.SetFactorRetired(ctx, Actor{}, "overcommitment", true); err != nil {
		t.Errorf("retiring twice: %v", err)
	}
	again, _ := f.s.FactorByCode(ctx, "overcommitment")
	if !again.RetiredAt.Equal(*firstRetired.RetiredAt) {
		t.Errorf("retiring twice moved the date from %v to %v", firstRetired.RetiredAt, again.RetiredAt)
	}

	a, err := f.s.Assessment(ctx, f.coord, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.ScoreOf("overcommitment") != 5 || len(a.Scores) != 2 || !a.Scores[1].Factor.Retired() || a.Scores[1].Factor.TitleNB == "" {
		t.Errorf("the old assessment lost the retired factor: %+v", a.Scores)
	}
	active, err := f.s.ActiveFactors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, fac := range active {
		if fac.Code == "overcommitment" {
			t.Error("the retired factor is offered for new assessments")
		}
	}
	if len(active) != 8 {
		t.Errorf("%d active factors; want 8", len(active))
	}
	_, err = f.s.CreateAssessment(ctx, f.adviser, Actor{}, f.region.ID, 0, AssessmentInput{AssessedOn: date(2026, 6, 1), Scores: []ScoreInput{{Factor: "overcommitment", Score: 3}}})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["scores[0].factor"] != "error.factor_retired" {
		t.Errorf("assessing a retired factor: %v; want error.factor_retired", err)
	}
	all, err := f.s.Factors(ctx)
	if err != nil || len(all) != 9 {
		t.Errorf("the catalogue has %d factors (%v); want all 9, retired included", len(all), err)
	}

	// The database refuses to delete a factor that assessments refer to.
	if err := f.s.db.Exec("DELETE FROM factors WHERE code = 'overcommitment'").Error; err == nil {
		t.Error("deleting an assessed factor succeeded")
	}
	if got := count(t, f.s, "factors"); got != 9 {
		t.Errorf("factors = %d; want 9", got)
	}

	if err := f.s.SetFactorRetired(ctx, Actor{}, "overcommitment", false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateAssessment(ctx, f.adviser, Actor{}, f.region.ID, 0, AssessmentInput{AssessedOn: date(2026, 6, 1), Scores: []ScoreInput{{Factor: "overcommitment", Score: 3}}}); err != nil {
		t.Errorf("assessing a reinstated factor: %v", err)
	}
	if err := f.s.SetFactorRetired(ctx, Actor{}, "nonsense", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("retiring an unknown factor: %v; want ErrNotFound", err)
	}
}

func TestAddFactor(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	in := FactorInput{Code: "digital_infrastructure", Polarity: "enabling", TitleNB: "Digital infrastruktur", TitleEN: "Digital infrastructure"}
	fac, err := f.s.AddFactor(ctx, Actor{}, in)
	if err != nil {
		t.Fatal(err)
	}
	if fac.Position != 10 {
		t.Errorf("position = %d; want 10, after the nine", fac.Position)
	}
	var ve *ValidationError
	if _, err := f.s.AddFactor(ctx, Actor{}, in); !errors.As(err, &ve) || ve.Fields["code"] != "error.code_taken" {
		t.Errorf("adding twice: %v", err)
	}
	if _, err := f.s.AddFactor(ctx, Actor{}, FactorInput{Code: "Ugyldig kode", Polarity: "both"}); !errors.As(err, &ve) ||
		ve.Fields["code"] != "error.code" || ve.Fields["polarity"] != "error.choice" || ve.Fields["title_nb"] != "error.required" {
		t.Errorf("invalid factor: %v", err)
	}
}

// The trend, the heat map and the summary equal values computed by hand.
func TestTrendHeatMapSummary(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// The region: three assessments, given out of date order.
	f.assess(t, 0, date(2026, 4, 15), map[string]int{"cohesion": 4, "equality": 3, "skewed_power": 2, "lacking_interest": 5, "overcommitment": 3})
	f.assess(t, 0, date(2026, 1, 15), map[string]int{"cohesion": 2, "equality": 3, "skewed_power": 4, "overcommitment": 2})
	r3 := f.assess(t, 0, date(2026, 6, 1), map[string]int{"cohesion": 5, "equality": 2, "skewed_power": 2, "overcommitment": 5, "leadership": 4})

	trend, err := f.s.Trend(ctx, f.board, f.region.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var dates []string
	for _, a := range trend.Assessments {
		dates = append(dates, a.AssessedOn.Format("2006-01-02"))
	}
	if want := []string{"2026-01-15", "2026-04-15", "2026-06-01"}; !reflect.DeepEqual(dates, want) {
		t.Errorf("trend columns %v; want %v", dates, want)
	}
	type row struct {
		Code                     string
		Scores                   []int
		Latest, Previous, Change int
		HasChange, Better, Worse bool
	}
	var got []row
	for _, r := range trend.Rows {
		got = append(got, row{r.Factor.Code, r.Scores, r.Latest, r.Previous, r.Change, r.HasChange, r.Better, r.Worse})
	}
	want := []row{
		{"cohesion", []int{2, 4, 5}, 5, 4, 1, true, true, false},
		{"equality", []int{3, 3, 2}, 2, 3, -1, true, false, true},
		{"leadership", []int{0, 0, 4}, 4, 0, 0, false, false, false},
		{"skewed_power", []int{4, 2, 2}, 2, 2, 0, true, false, false},
		{"lacking_interest", []int{0, 5, 0}, 5, 0, 0, false, false, false},
		{"overcommitment", []int{2, 3, 5}, 5, 3, 2, true, false, true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("trend rows\n got %+v\nwant %+v", got, want)
	}

	sum, err := f.s.Summary(ctx, f.board, f.region.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	codes := func(list []AssessmentScore) []string {
		var out []string
		for _, s := range list {
			out = append(out, s.FactorCode)
		}
		return out
	}
	if sum.Latest.ID != r3.ID || sum.Previous.AssessedOn.Format("2006-01-02") != "2026-04-15" {
		t.Errorf("summary compares %v with %v", sum.Latest.AssessedOn, sum.Previous.AssessedOn)
	}
	if got := codes(sum.Enablers); !reflect.DeepEqual(got, []string{"cohesion", "leadership"}) {
		t.Errorf("strongest enablers %v; want [cohesion leadership]", got)
	}
	if got := codes(sum.Hindrances); !reflect.DeepEqual(got, []string{"overcommitment"}) {
		t.Errorf("strongest hindrances %v; want [overcommitment]", got)
	}
	type change struct {
		Code          string
		From, To      int
		Better, Worse bool
	}
	var changes []change
	for _, c := range sum.Changes {
		changes = append(changes, change{c.Factor.Code, c.A.Score, c.B.Score, c.Better, c.Worse})
	}
	wantChanges := []change{{"overcommitment", 3, 5, false, true}, {"cohesion", 4, 5, true, false}, {"equality", 3, 2, false, true}}
	if !reflect.DeepEqual(changes, wantChanges) {
		t.Errorf("changed since previous\n got %+v\nwant %+v", changes, wantChanges)
	}

	// The heat map: Alfa's latest assessment replaces its first, Beta has one,
	// Gamma none.
	alfa := f.project(t, "Alfa", "active", "participants", lead("3403"))
	gamma := f.project(t, "Gamma", "idea", "participants", lead("3412"))
	beta := f.project(t, "Beta", "active", "members", lead("3413"))
	f.assess(t, alfa.ID, date(2026, 5, 1), map[string]int{"cohesion": 4, "equality": 2, "skewed_power": 5})
	f.assess(t, alfa.ID, date(2026, 3, 1), map[string]int{"cohesion": 3})
	f.assess(t, beta.ID, date(2026, 2, 1), map[string]int{"cohesion": 1, "overcommitment": 1})

	heat := func(v *Viewer) (cols []string, rows map[string][]HeatCell) {
		h, err := f.s.HeatMap(ctx, v, f.region.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, fac := range h.Factors {
			cols = append(cols, fac.Code)
		}
		rows = map[string][]HeatCell{}
		var order []string
		for _, r := range h.Rows {
			rows[r.Project.Title] = r.Cells
			order = append(order, r.Project.Title)
		}
		rows["order: "+join(order)] = nil
		return cols, rows
	}
	z := HeatCell{}
	cols, rows := heat(f.coord)
	if want := []string{"cohesion", "equality", "shared_goals", "non_municipal_actors", "leadership", "weak_cohesion", "skewed_power", "lacking_interest", "overcommitment"}; !reflect.DeepEqual(cols, want) {
		t.Errorf("heat map columns %v; want %v", cols, want)
	}
	wantRows := map[string][]HeatCell{
		"Alfa":                     {{4, 4}, {2, 2}, z, z, z, z, {5, 1}, z, z},
		"Beta":                     {{1, 1}, z, z, z, z, z, z, z, {1, 5}},
		"Gamma":                    {z, z, z, z, z, z, z, z, z},
		"order: Alfa, Beta, Gamma": nil,
	}
	if !reflect.DeepEqual(rows, wantRows) {
		t.Errorf("heat map\n got %v\nwant %v", rows, wantRows)
	}
	_ = gamma

	// Only the projects a municipality user may see are on its heat map.
	if _, rows := heat(f.loten); !reflect.DeepEqual(rows, map[string][]HeatCell{"Beta": wantRows["Beta"], "Gamma": wantRows["Gamma"], "order: Beta, Gamma": nil}) {
		t.Errorf("Løten's heat map %v; want Beta and Gamma only", rows)
	}

	// A retired factor keeps its column while a latest assessment scored it.
	for _, code := range []string{"weak_cohesion", "skewed_power"} {
		if err := f.s.SetFactorRetired(ctx, Actor{}, code, true); err != nil {
			t.Fatal(err)
		}
	}
	cols, _ = heat(f.coord)
	if want := []string{"cohesion", "equality", "shared_goals", "non_municipal_actors", "leadership", "skewed_power", "lacking_interest", "overcommitment"}; !reflect.DeepEqual(cols, want) {
		t.Errorf("heat map columns after retiring %v; want %v", cols, want)
	}
}

func join(list []string) string {
	out := ""
	for i, s := range list {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

// A load is shown as a whole percentage, but to the hundredth where rounding
// would put it on the other side of the threshold from its flag: 100.2 %
// flagged above 100 % showed as "100 %".
func TestLoadShownOnItsSideOfTheThreshold(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ratio, threshold float64
		want             float64
	}{
		{0.575, 1.0, 58},      // a half rounds up, as every share
		{1.002, 1.0, 100.2},   // flagged: not "100 %"
		{1.0004, 1.0, 100.04}, // flagged by a hair
		{1.0, 1.0, 100},       // at the threshold is not above it
		{1.4, 1.0, 140},       // far above: whole
		{0.9951, 0.995, 100},  // a threshold with decimals (API): 100 is above it
		{0.9949, 0.995, 99},   // below, and shown below
		{0.995, 0.995, 99.5},  // at it, not flagged: not "100 %", above 99.5
	} {
		l := Load{Ratio: tt.ratio, Threshold: tt.threshold, Flagged: tt.ratio > tt.threshold}
		if got := l.DisplayPercent(); got != tt.want {
			t.Errorf("load %v at threshold %v shown as %v %%; want %v", tt.ratio, tt.threshold, got, tt.want)
		}
	}
}

// Cooperation load and its flag on a fixture with known FTE.
func TestCooperationLoad(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := Actor{}
	// Løten is also a member of the other region (0.1 FTE), and was once a member
	// of a third, which no longer counts.
	if _, err := f.s.SaveMember(ctx, a, f.other.ID, MemberInput{Kommunenummer: "3412", JoinedOn: *date(2021, 1, 1), Votes: 1, CommittedFTE: 0.1}); err != nil {
		t.Fatal(err)
	}
	in := DefaultRegionInput()
	in.Slug, in.Name = "tidligere", "Tidligere"
	former, err := f.s.CreateRegion(ctx, a, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SaveMember(ctx, a, former.ID, MemberInput{Kommunenummer: "3412", JoinedOn: *date(2015, 1, 1), LeftOn: date(2019, 1, 1), Votes: 1, CommittedFTE: 5}); err != nil {
		t.Fatal(err)
	}
	// Active projects count; a project being planned does not.
	f.project(t, "Aktivt", "active", "participants",
		ProjectMunicipalityInput{Kommunenummer: "3403", Role: "lead", ContributionFTE: 0.3},
		ProjectMunicipalityInput{Kommunenummer: "3412", Role: "participant", ContributionFTE: 0.2})
	f.project(t, "Planlagt", "planning", "participants", ProjectMunicipalityInput{Kommunenummer: "3412", Role: "lead", ContributionFTE: 1.0})
	if _, err := f.s.CreateProject(ctx, f.otherCoordinator, a, ProjectInput{Title: "Annet aktivt", Status: "active", Visibility: "participants",
		Municipalities: []ProjectMunicipalityInput{{Kommunenummer: "3412", Role: "lead", ContributionFTE: 0.1}}}); err != nil {
		t.Fatal(err)
	}

	type load struct {
		Number                 string
		Memberships, Projects  int
		MembershipFTE, Project float64
		Committed, Capacity    float64
		Percent                int
		NoCapacity, Flagged    bool
	}
	get := func() ([]load, *LoadSettings) {
		loads, ls, err := f.s.CooperationLoad(ctx, f.board, f.region.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []load
		for _, l := range loads {
			out = append(out, load{l.Municipality.Kommunenummer, l.Memberships, l.ActiveProjects, l.MembershipFTE, l.ProjectFTE,
				l.CommittedFTE, l.CapacityFTE, l.Percent(), l.NoCapacity, l.Flagged})
		}
		return out, ls
	}
	got, ls := get()
	want := []load{
		{"3403", 1, 1, 0.4, 0.3, 0.7, 1.0, 70, false, false},
		{"3412", 2, 2, 0.4, 0.3, 0.7, 0.5, 140, false, true},
		{"3413", 1, 0, 0.2, 0, 0.2, 0, 0, true, true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("load at threshold 100 %%\n got %+v\nwant %+v", got, want)
	}
	if ls.Threshold != DefaultLoadThreshold {
		t.Errorf("threshold %v; want the default %v", ls.Threshold, DefaultLoadThreshold)
	}

	// Raising the threshold to 150 % unflags Løten (140 %); Stange, with no
	// capacity at all, stays flagged.
	if err := f.s.SetLoadThreshold(ctx, f.coord, a, f.region.ID, 1.5, ls.Version); err != nil {
		t.Fatal(err)
	}
	got, _ = get()
	want[1].Flagged = false
	if !reflect.DeepEqual(got, want) {
		t.Errorf("load at threshold 150 %%\n got %+v\nwant %+v", got, want)
	}
	if err := f.s.SetLoadThreshold(ctx, f.coord, a, f.region.ID, 0.5, ls.Version); !errors.Is(err, ErrConflict) {
		t.Errorf("stale threshold: %v; want ErrConflict", err)
	}
	var ve *ValidationError
	if err := f.s.SetLoadThreshold(ctx, f.coord, a, f.region.ID, 0.05, ls.Version+1); !errors.As(err, &ve) {
		t.Errorf("threshold 5 %%: %v; want a ValidationError", err)
	}
	if err := f.s.SetLoadThreshold(ctx, f.adviser, a, f.region.ID, 1.2, ls.Version+1); !errors.Is(err, ErrNotFound) {
		t.Errorf("threshold set by an adviser: %v; want ErrNotFound", err)
	}

	// Løten's own page shows the same load and only the projects it takes part in.
	c, err := f.s.Cooperation(ctx, f.loten)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, p := range c.Projects {
		titles = append(titles, p.Project.Title)
	}
	if c.Load.Percent() != 140 || c.Load.Flagged || !reflect.DeepEqual(titles, []string{"Aktivt", "Annet aktivt", "Planlagt"}) {
		t.Errorf("Løten's cooperation: load %d %% flagged %t, projects %q", c.Load.Percent(), c.Load.Flagged, titles)
	}
	if _, err := f.s.Cooperation(ctx, f.coord); !errors.Is(err, ErrNotFound) {
		t.Errorf("a coordinator's cooperation page: %v; want ErrNotFound", err)
	}
}

// The portfolio answers "are plans followed up?" and shows each municipality's
// weight, on a fixture counted by hand.
func TestPortfolio(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p1, err := f.s.CreateProject(ctx, f.coord, Actor{}, ProjectInput{Title: "En", Status: "active", Visibility: "participants",
		MunicipalRole: "developer", Focus: "job_development", Approach: "mobilising",
		Municipalities: []ProjectMunicipalityInput{
			{Kommunenummer: "3403", Role: "lead", ContributionNOK: 300_000, ContributionFTE: 0.5},
			{Kommunenummer: "3413", Role: "participant", ContributionNOK: 100_000, ContributionFTE: 0.5},
		}})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := f.s.CreateProject(ctx, f.coord, Actor{}, ProjectInput{Title: "To", Status: "planning", Visibility: "members",
		Focus: "place_development", Approach: "regulating",
		Municipalities: []ProjectMunicipalityInput{{Kommunenummer: "3403", Role: "lead", ContributionNOK: 100_000}}})
	if err != nil {
		t.Fatal(err)
	}
	// Today is 2026-06-15.
	for _, m := range []struct {
		project     int64
		due         *time.Time
		status      string
		done        *time.Time
		description string
	}{
		{p1.ID, date(2026, 3, 1), "done", date(2026, 2, 20), "on time"},
		{p1.ID, date(2026, 4, 1), "done", date(2026, 4, 1), "on time, on the day"},
		{p1.ID, date(2026, 5, 1), "done", date(2026, 5, 10), "late"},
		{p1.ID, date(2026, 6, 1), "in_progress", nil, "overdue"},
		{p2.ID, date(2026, 6, 14), "planned", nil, "overdue since yesterday"},
		{p2.ID, date(2026, 6, 15), "planned", nil, "due today: not yet overdue"},
		{p2.ID, date(2026, 9, 1), "done", date(2026, 6, 1), "done early"},
		{p2.ID, date(2026, 1, 1), "cancelled", nil, "cancelled: does not count"},
	} {
		if _, err := f.s.AddMilestone(ctx, f.coord, Actor{}, m.project, MilestoneInput{Title: m.description, DueOn: m.due, Status: m.status, DoneOn: m.done}); err != nil {
			t.Fatalf("%s: %v", m.description, err)
		}
	}
	pf, err := f.s.Portfolio(ctx, f.board, f.region.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantMS := MilestoneFollowUp{Total: 7, Done: 4, OnTime: 3, Late: 1, Overdue: 2, Upcoming: 1, Decided: 6, Share: 50}
	if pf.Milestones != wantMS {
		t.Errorf("milestones %+v; want %+v", pf.Milestones, wantMS)
	}
	if pf.Projects != 2 || pf.ByStatus[1] != (CodeCount{"planning", 1}) || pf.ByStatus[2] != (CodeCount{"active", 1}) {
		t.Errorf("by status %+v", pf.ByStatus)
	}
	if want := []CodeCount{{"administrative", 0}, {"producer", 0}, {"developer", 1}, {"", 1}}; !reflect.DeepEqual(pf.ByRole, want) {
		t.Errorf("by role %+v; want %+v", pf.ByRole, want)
	}
	if pf.ByFocus[0].Cells[1] != 1 || pf.ByFocus[1].Cells[0] != 1 || pf.ByFocus[2].Total != 0 {
		t.Errorf("by focus %+v", pf.ByFocus)
	}
	type share struct {
		Number          string
		Member          bool
		Projects, Leads int
		NOK             int64
		FTE             float64
		Pct             [4]int
	}
	var shares []share
	for _, s := range pf.Shares {
		shares = append(shares, share{s.Municipality.Kommunenummer, s.Member, s.Projects, s.Leads, s.ContributionNOK, s.ContributionFTE,
			[4]int{s.ProjectPercent(), s.LeadPercent(), s.NOKPercent(), s.FTEPercent()}})
	}
	wantShares := []share{
		{"3403", true, 2, 2, 400_000, 0.5, [4]int{100, 100, 80, 50}},
		{"3412", true, 0, 0, 0, 0, [4]int{0, 0, 0, 0}},
		{"3413", true, 1, 0, 100_000, 0.5, [4]int{50, 0, 20, 50}},
	}
	if !reflect.DeepEqual(shares, wantShares) {
		t.Errorf("shares\n got %+v\nwant %+v", shares, wantShares)
	}

	// Løten sees only "To", open to every member: its milestones and its one
	// lead, not the participants' project "En".
	pf, err = f.s.Portfolio(ctx, f.loten, f.region.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantMS = MilestoneFollowUp{Total: 3, Done: 1, OnTime: 1, Overdue: 1, Upcoming: 1, Decided: 2, Share: 50}
	if pf.Projects != 1 || pf.Milestones != wantMS {
		t.Errorf("Løten's portfolio: %d projects, milestones %+v; want 1 and %+v", pf.Projects, pf.Milestones, wantMS)
	}
	shares = nil
	for _, s := range pf.Shares {
		shares = append(shares, share{s.Municipality.Kommunenummer, s.Member, s.Projects, s.Leads, s.ContributionNOK, s.ContributionFTE,
			[4]int{s.ProjectPercent(), s.LeadPercent(), s.NOKPercent(), s.FTEPercent()}})
	}
	wantShares = []share{
		{"3403", true, 1, 1, 100_000, 0, [4]int{100, 100, 100, 0}},
		{"3412", true, 0, 0, 0, 0, [4]int{0, 0, 0, 0}},
		{"3413", true, 0, 0, 0, 0, [4]int{0, 0, 0, 0}},
	}
	if !reflect.DeepEqual(shares, wantShares) {
		t.Errorf("Løten's shares\n got %+v\nwant %+v", shares, wantShares)
	}

	// Overdue flags on the project page follow the same rule.
	p, err := f.s.Project(ctx, f.coord, p2.ID)
	if err != nil {
		t.Fatal(err)
	}
	var overdue []string
	for _, m := range p.Milestones {
		if m.Overdue {
			overdue = append(overdue, m.Title)
		}
	}
	if !reflect.DeepEqual(overdue, []string{"overdue since yesterday"}) {
		t.Errorf("overdue milestones %q", overdue)
	}
}

// A closed project's plan is over: the open milestones of a stopped project
// are given up, and so are those a completed project was left with (as an
// older database, or one from before completing asked for them, may hold).
// Neither counts as overdue on the project's page, in the list, in the
// portfolio's follow-up, nor as a next milestone on the cooperation page,
// while what the project did finish still counts.
func TestClosedProjectMilestonesNotOverdue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// Milestones are set while the projects run; closed, they are kept as they were.
	stopped := f.project(t, "Stoppet", "active", "members", lead("3403"))
	completed := f.project(t, "Ferdig", "active", "members", lead("3403"))
	running := f.project(t, "Pågår", "active", "members", lead("3403"))
	for _, m := range []struct {
		project *Project
		due     *time.Time
		status  string
		done    *time.Time
		title   string
	}{
		{stopped, date(2026, 3, 1), "done", date(2026, 2, 20), "done before it stopped"},
		{stopped, date(2026, 5, 1), "planned", nil, "given up"},
		{completed, date(2026, 4, 1), "done", date(2026, 4, 10), "done late before it was completed"},
		{completed, date(2026, 5, 1), "in_progress", nil, "not marked done"},
		{completed, date(2026, 9, 1), "planned", nil, "not yet due"},
		{running, date(2026, 6, 1), "planned", nil, "overdue"},
	} {
		if _, err := f.s.AddMilestone(ctx, f.coord, Actor{}, m.project.ID, MilestoneInput{Title: m.title, DueOn: m.due, Status: m.status, DoneOn: m.done}); err != nil {
			t.Fatalf("%s: %v", m.title, err)
		}
	}
	in := stopped.Input()
	in.Status = "stopped"
	if err := f.s.UpdateProject(ctx, f.coord, Actor{}, stopped.ID, in); err != nil {
		t.Fatalf("stopped: %v", err)
	}
	// Completing with open milestones is refused now: the completed project
	// with open milestones is one an older version left.
	if err := f.s.db.Exec("UPDATE projects SET status = 'completed' WHERE id = ?", completed.ID).Error; err != nil {
		t.Fatal(err)
	}
	pf, err := f.s.Portfolio(ctx, f.board, f.region.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := MilestoneFollowUp{Total: 3, Done: 2, OnTime: 1, Late: 1, Overdue: 1, Decided: 3, Share: float64(100) / 3}
	if pf.Milestones != want {
		t.Errorf("milestones %+v; want %+v", pf.Milestones, want)
	}
	list, _, err := f.s.Projects(ctx, f.coord, ProjectFilter{})
	if err != nil {
		t.Fatal(err)
	}
	overdue := map[string]int{}
	for _, p := range list {
		overdue[p.Title] = p.OverdueMilestones()
	}
	if want := map[string]int{"Stoppet": 0, "Ferdig": 0, "Pågår": 1}; !reflect.DeepEqual(overdue, want) {
		t.Errorf("overdue in the list %v; want %v", overdue, want)
	}
	for _, id := range []int64{stopped.ID, completed.ID} {
		p, err := f.s.Project(ctx, f.coord, id)
		if err != nil {
			t.Fatal(err)
		}
		if n := p.OverdueMilestones(); n != 0 {
			t.Errorf("the %s project's page flags %d milestones overdue; want none", p.Status, n)
		}
	}
	co, err := f.s.Cooperation(ctx, f.hamar)
	if err != nil {
		t.Fatal(err)
	}
	next := map[string][]string{}
	for _, cp := range co.Projects {
		for _, m := range cp.Next {
			next[cp.Project.Title] = append(next[cp.Project.Title], m.Title)
		}
	}
	if want := map[string][]string{"Pågår": {"overdue"}}; !reflect.DeepEqual(next, want) {
		t.Errorf("next milestones on the cooperation page %v; want %v", next, want)
	}
}

// A stale milestone update is a conflict; a done milestone without a date is
// done today; a date in the future is refused.
func TestMilestones(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p := f.project(t, "Prosjekt", "active", "participants", lead("3403"))
	m, err := f.s.AddMilestone(ctx, f.coord, Actor{}, p.ID, MilestoneInput{Title: "Vedtak", DueOn: date(2026, 7, 1), Status: "planned"})
	if err != nil {
		t.Fatal(err)
	}
	in := MilestoneInput{Title: "Vedtak", DueOn: date(2026, 7, 1), Status: "done", Version: 1}
	if err := f.s.UpdateMilestone(ctx, f.coord, Actor{}, p.ID, m.ID, in); err != nil {
		t.Fatal(err)
	}
	got, _ := f.s.Project(ctx, f.coord, p.ID)
	if ms := got.Milestones[0]; ms.DoneOn == nil || !ms.DoneOn.Equal(*date(2026, 6, 15)) || !ms.OnTime() || ms.Version != 2 {
		t.Errorf("done milestone = %+v; want done today, on time, version 2", ms)
	}
	if err := f.s.UpdateMilestone(ctx, f.coord, Actor{}, p.ID, m.ID, in); !errors.Is(err, ErrConflict) {
		t.Errorf("stale milestone update: %v; want ErrConflict", err)
	}
	in.Version, in.DoneOn = 2, date(2026, 7, 1)
	var ve *ValidationError
	if err := f.s.UpdateMilestone(ctx, f.coord, Actor{}, p.ID, m.ID, in); !errors.As(err, &ve) || ve.Fields["done_on"] != "error.future_date" {
		t.Errorf("done in the future: %v", err)
	}
	other := f.project(t, "Annet", "active", "participants", lead("3403"))
	in.DoneOn = nil
	if err := f.s.UpdateMilestone(ctx, f.coord, Actor{}, other.ID, m.ID, in); !errors.Is(err, ErrNotFound) {
		t.Errorf("milestone through another project: %v; want ErrNotFound", err)
	}
}

// The demo's projects, milestones and assessments are loaded once, and tell the
// story of the issue: Hamar and Stange with Innovasjon Norge, assessments a
// quarter apart.
func TestProjectDemoLoadsOnce(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := s.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int64{"projects": 4, "milestones": 13, "assessments": 5}
	for table, n := range want {
		if got := count(t, s, table); got != n {
			t.Errorf("%s = %d; want %d", table, got, n)
		}
	}
	u, err := s.Authenticate(ctx, DemoProjectLogins[0].Email, DemoPassword)
	if err != nil || u.Municipality == nil || *u.Municipality != "3413" {
		t.Fatalf("the Stange demo user: %+v, %v", u, err)
	}
	u, _ = s.UserByID(ctx, u.ID)
	region, _ := s.RegionBySlug(ctx, DemoRegionSlug)
	stange := &Viewer{User: u, Region: region}
	ps, _, err := s.Projects(ctx, stange, ProjectFilter{Q: "Hamar–Stange"})
	if err != nil || len(ps) != 1 {
		t.Fatalf("Stange's view of the Hamar–Stange project: %d, %v", len(ps), err)
	}
	p, err := s.Project(ctx, stange, ps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, x := range p.Participants {
		names[x.DisplayName()] = true
	}
	if !names["Innovasjon Norge"] || len(p.Milestones) == 0 || p.OverdueMilestones() != 1 {
		t.Errorf("the Hamar–Stange project: participants %v, %d milestones, %d overdue", names, len(p.Milestones), p.OverdueMilestones())
	}
	// One project is completed, all its milestones done, so that a closed
	// project's page is in the demo (and in the accessibility sweep).
	done, _, err := s.Projects(ctx, stange, ProjectFilter{Q: "reiselivet"})
	if err != nil || len(done) != 1 {
		t.Fatalf("the completed demo project: %d, %v", len(done), err)
	}
	if c, err := s.Project(ctx, stange, done[0].ID); err != nil || !c.Closed() || c.Status != "completed" || len(c.Milestones) == 0 {
		t.Errorf("the completed demo project: %+v, %v", c, err)
	} else {
		for _, m := range c.Milestones {
			if m.Status != "done" {
				t.Errorf("milestone %q of the completed project is %s; want done", m.Title, m.Status)
			}
		}
	}
	trend, err := s.Trend(ctx, stange, region.ID, p.ID)
	if err != nil || len(trend.Assessments) != 2 {
		t.Fatalf("trend: %v, %v", trend, err)
	}
	if gap := trend.Assessments[1].AssessedOn.Sub(trend.Assessments[0].AssessedOn); gap < 89*24*time.Hour || gap > 92*24*time.Hour {
		t.Errorf("the demo assessments are %v apart; want a quarter", gap)
	}
}

// TestPreviousAssessment: the assessment before another is of the same
// subject (the same project, or the cooperation as a whole), the latest before
// it (on the same day, the one recorded before), and one the viewer may read.
func TestPreviousAssessment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p := f.project(t, "Felles næringsareal", "active", "participants", lead("3403"))
	other := f.project(t, "Annet prosjekt", "active", "participants", lead("3412"))
	c := map[string]int{"cohesion": 3}
	region1 := f.assess(t, 0, date(2026, 1, 10), c)
	project1 := f.assess(t, p.ID, date(2026, 2, 1), c)
	f.assess(t, other.ID, date(2026, 3, 1), c) // another project's, between
	region2 := f.assess(t, 0, date(2026, 4, 1), c)
	project2 := f.assess(t, p.ID, date(2026, 5, 1), c)
	project3 := f.assess(t, p.ID, date(2026, 5, 1), c) // the same day, recorded after
	tests := []struct {
		name string
		v    *Viewer
		of   *Assessment
		want *Assessment // nil: none
	}{
		{"the region's first has none", f.coord, region1, nil},
		{"the region's second: its first, not a project's between", f.coord, region2, region1},
		{"a project's first has none, though the region's came before", f.coord, project1, nil},
		{"a project's second: its first, not another project's between", f.coord, project2, project1},
		{"the same day: the one recorded before", f.coord, project3, project2},
		{"a municipality user taking part reads the project's", f.hamar, project2, project1},
		{"a municipality user never reads the region's own", f.hamar, region2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.s.PreviousAssessment(ctx, tt.v, tt.of)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == nil && got != nil:
				t.Errorf("previous of %d = %d; want none", tt.of.ID, got.ID)
			case tt.want != nil && (got == nil || got.ID != tt.want.ID || !got.AssessedOn.Equal(tt.want.AssessedOn)):
				t.Errorf("previous of %d = %+v; want %d of %s", tt.of.ID, got, tt.want.ID, tt.want.AssessedOn.Format(time.DateOnly))
			}
		})
	}
}

// A save that changes nothing keeps the record's version and logs no edit, so
// that another's form open on it does not turn stale; a stale version is still
// refused, and a real change still moves the version. Projects, milestones,
// partners, regions, users and municipalities moved their version (and logged
// an update) on every save.
func TestSavingNothingKeepsTheVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	actual := 2.0
	p := f.project(t, "Felles næringsareal", "active", "participants", lead("3403"), part("3413"))
	in := p.Input()
	in.StartsOn, in.EndsOn, in.BudgetNOK = date(2026, 1, 1), date(2027, 6, 30), 1_500_000
	in.Participants = []ParticipantInput{{Kind: "business", Name: "Hamar Næringsforening"}}
	in.Funding = []FundingInput{{Source: "Fylkeskommunen", AmountNOK: 500_000, Confirmed: true}}
	in.Indicators = []IndicatorInput{{Kind: "jobs", Target: 10, Actual: &actual}}
	in.Links = []LinkInput{{Title: "Prosjektplan", URL: "https://example.org/plan"}}
	if err := f.s.UpdateProject(ctx, f.coord, Actor{}, p.ID, in); err != nil {
		t.Fatal(err)
	}
	partner, err := f.s.CreatePartner(ctx, Actor{}, PartnerInput{Name: "Kunnskapsparken", Kind: "regional", Services: []string{"advice"}, Website: "https://example.org", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	regionInput := func(r *Region) RegionInput {
		return RegionInput{Slug: r.Slug, Name: r.Name, FirstResponseDays: r.FirstResponseDays, ReferralFollowUpDays: r.ReferralFollowUpDays,
			NoResponseDays: r.NoResponseDays, RetentionMonths: r.RetentionMonths, Version: r.Version}
	}
	m, err := f.s.AddMilestone(ctx, f.coord, Actor{}, p.ID, MilestoneInput{Title: "Forprosjekt ferdig", Responsible: "Hamar", DueOn: date(2026, 9, 1), Status: "planned"})
	if err != nil {
		t.Fatal(err)
	}
	// Each case saves its record from version, unchanged or with a change.
	type saveCase struct {
		name       string
		table, key string
		id         any
		save       func(version int, change bool) error
		version    int
	}
	var loten Municipality
	if err := f.s.rdb.Where("kommunenummer = ?", "3412").First(&loten).Error; err != nil {
		t.Fatal(err)
	}
	// Saved once, so that a stale version of it is not 0 (which adds a member).
	if _, err := f.s.SaveMember(ctx, Actor{}, f.region.ID, MemberInput{Kommunenummer: "3412", JoinedOn: *date(2020, 1, 1), Votes: 1, CommittedFTE: 0.35, Version: 1}); err != nil {
		t.Fatal(err)
	}
	var lotenMember RegionMember
	if err := f.s.rdb.Where("region_id = ? AND kommunenummer = ?", f.region.ID, "3412").First(&lotenMember).Error; err != nil {
		t.Fatal(err)
	}
	cases := []saveCase{
		{"milestone", "milestones", "id", m.ID, func(version int, change bool) error {
			next := MilestoneInput{Title: "Forprosjekt ferdig", Responsible: "Hamar", DueOn: date(2026, 9, 1), Status: "planned", Version: version}
			if change {
				next.DueOn = date(2026, 10, 1)
			}
			return f.s.UpdateMilestone(ctx, f.coord, Actor{}, p.ID, m.ID, next)
		}, 1},
		{"user", "users", "id", f.board.User.ID, func(version int, change bool) error {
			next := UserInput{Email: f.board.User.Email, Name: f.board.User.Name, Version: version}
			if change {
				next.Name = "Stein Styreleder"
			}
			return f.s.UpdateUser(ctx, f.admin, Actor{}, f.board.User.ID, next)
		}, 1},
		{"project", "projects", "id", p.ID, func(version int, change bool) error {
			cur, err := f.s.Project(ctx, f.coord, p.ID)
			if err != nil {
				return err
			}
			next := cur.Input()
			next.Version = version
			if change {
				next.Summary = "Endret"
			}
			return f.s.UpdateProject(ctx, f.coord, Actor{}, p.ID, next)
		}, 2},
		{"partner", "partners", "id", partner.ID, func(version int, change bool) error {
			next := PartnerInput{Name: "Kunnskapsparken", Kind: "regional", Services: []string{"advice"}, Website: "https://example.org", Active: true, Version: version}
			if change {
				next.Active = false
			}
			return f.s.UpdatePartner(ctx, Actor{}, partner.ID, next)
		}, 1},
		{"region", "regions", "id", f.region.ID, func(version int, change bool) error {
			next := regionInput(f.region)
			next.Version = version
			if change {
				next.RetentionMonths = 24
			}
			return f.s.UpdateRegion(ctx, f.coord, Actor{}, f.region.ID, next)
		}, 1},
		{"load threshold", "regions", "id", f.other.ID, func(version int, change bool) error {
			threshold := DefaultLoadThreshold
			if change {
				threshold = 1.5
			}
			return f.s.SetLoadThreshold(ctx, f.admin, Actor{}, f.other.ID, threshold, version)
		}, 1},
		{"membership", "region_members", "id", lotenMember.ID, func(version int, change bool) error {
			next := MemberInput{Kommunenummer: "3412", JoinedOn: lotenMember.JoinedOn, Votes: lotenMember.Votes, CommittedFTE: lotenMember.CommittedFTE,
				TakesEnquiries: lotenMember.TakesEnquiries, Version: version}
			if change {
				next.Votes = 2
			}
			_, err := f.s.SaveMember(ctx, Actor{}, f.region.ID, next)
			return err
		}, lotenMember.Version},
		{"municipality", "municipalities", "kommunenummer", "3412", func(version int, change bool) error {
			next := MunicipalityUpdate{Organisation: loten.Organisation, BusinessFTE: loten.BusinessFTE, Version: version}
			if change {
				next.BusinessFTE = 0.8
			}
			return f.s.UpdateMunicipality(ctx, Actor{}, "3412", next)
		}, loten.Version},
	}
	versionOf := func(c saveCase) int {
		var v int
		if err := f.s.rdb.Table(c.table).Select("version").Where(c.key+" = ?", c.id).Scan(&v).Error; err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range cases {
		audits := count(t, f.s, "audit_log")
		if err := c.save(c.version, false); err != nil {
			t.Errorf("%s: saving it unchanged: %v", c.name, err)
		}
		if got := versionOf(c); got != c.version || count(t, f.s, "audit_log") != audits {
			t.Errorf("%s saved unchanged: version %d, %d audit entries added; want version %d, none", c.name, got, count(t, f.s, "audit_log")-audits, c.version)
		}
		if err := c.save(c.version-1, false); !errors.Is(err, ErrConflict) {
			t.Errorf("%s saved unchanged from a stale version: %v; want ErrConflict", c.name, err)
		}
		if err := c.save(c.version, true); err != nil || versionOf(c) != c.version+1 {
			t.Errorf("%s changed: %v, version %d; want version %d", c.name, err, versionOf(c), c.version+1)
		}
	}
}

// A project's municipalities are the region's members: one outside the region,
// or one that has left it, is refused; one that left after joining the project
// stays on it through later edits.
func TestProjectMunicipalitiesAreMembers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	kept := f.project(t, "Før utmeldingen", "active", "participants", lead("3403"), part("3412"))
	other := f.project(t, "Uten Løten", "active", "participants", lead("3403"))
	left := *date(2026, 1, 1)
	if _, err := f.s.SaveMember(ctx, Actor{}, f.region.ID, MemberInput{Kommunenummer: "3412", JoinedOn: *date(2020, 1, 1), LeftOn: &left, Votes: 1, Version: 1}); err != nil {
		t.Fatal(err)
	}
	refused := func(name string, err error) {
		t.Helper()
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields["municipalities[1].kommunenummer"] != "error.municipality_not_in_region" {
			t.Errorf("%s: %v; want municipalities[1].kommunenummer error.municipality_not_in_region", name, err)
		}
	}
	for _, n := range []string{"0301", "3412"} {
		_, err := f.s.CreateProject(ctx, f.coord, Actor{}, ProjectInput{Title: "Nytt", Status: "idea", Visibility: "participants",
			Municipalities: []ProjectMunicipalityInput{lead("3403"), part(n)}})
		refused("creating with "+n, err)
	}
	in := other.Input()
	in.Municipalities = append(in.Municipalities, part("3412"))
	refused("adding Løten after it left", f.s.UpdateProject(ctx, f.coord, Actor{}, other.ID, in))

	in = kept.Input()
	in.Title = "Etter utmeldingen"
	if err := f.s.UpdateProject(ctx, f.coord, Actor{}, kept.ID, in); err != nil {
		t.Errorf("renaming a project Løten joined before leaving: %v", err)
	}
	ms, err := f.s.ProjectMunicipalityChoices(ctx, f.region.ID, kept.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Kommunenummer)
	}
	if want := []string{"3403", "3412", "3413"}; !reflect.DeepEqual(got, want) {
		t.Errorf("choices of the project's form = %v; want %v (the members, and Løten which it has)", got, want)
	}
	if ms, _ := f.s.ProjectMunicipalityChoices(ctx, f.region.ID, 0); len(ms) != 2 {
		t.Errorf("choices of a new project's form = %d municipalities; want the 2 members", len(ms))
	}
}

// A deactivated partner cannot be added to a project, as the form does not
// offer it; a project that named it before stays as it was through later edits.
func TestProjectInactivePartner(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	in := PartnerInput{Name: "Nedlagt fond", Kind: "local", Services: []string{"financing"}, Website: "https://example.org", Active: true}
	partner, err := f.s.CreatePartner(ctx, Actor{}, in)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := f.s.CreateProject(ctx, f.coord, Actor{}, ProjectInput{Title: "Med fondet", Status: "active", Visibility: "participants",
		Municipalities: []ProjectMunicipalityInput{lead("3403")}, Partners: []int64{partner.ID}})
	if err != nil {
		t.Fatal(err)
	}
	in.Active, in.Version = false, 1
	if err := f.s.UpdatePartner(ctx, Actor{}, partner.ID, in); err != nil {
		t.Fatal(err)
	}
	var ve *ValidationError
	_, err = f.s.CreateProject(ctx, f.coord, Actor{}, ProjectInput{Title: "Nytt", Status: "idea", Visibility: "participants",
		Municipalities: []ProjectMunicipalityInput{lead("3403")}, Partners: []int64{partner.ID}})
	if !errors.As(err, &ve) || ve.Fields["partners[0]"] != "error.partner_not_active" {
		t.Errorf("a new project with a deactivated partner: %v; want partners[0] error.partner_not_active", err)
	}
	next := kept.Input()
	next.Title = "Fortsatt med fondet"
	if err := f.s.UpdateProject(ctx, f.coord, Actor{}, kept.ID, next); err != nil {
		t.Errorf("renaming a project that named the partner before: %v", err)
	}
}
