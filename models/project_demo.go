package models

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DemoProjectLogins are the demo users the project demo adds: a second
// municipality user, from Stange, who sees the Hamar–Stange project that the
// Løten user does not.
var DemoProjectLogins = []DemoLogin{
	{RoleMunicipality, "stange@hamarregionen.example", "Siri Stange"},
}

// demoProject is one demo project with its milestones, relative to today.
type demoProject struct {
	in         ProjectInput
	milestones []demoMilestone
	closeAs    string // completed or stopped: closed once its milestones are in, as a closed project takes none
}

type demoMilestone struct {
	title, responsible string
	dueMonths          int // months from today
	status             string
	doneMonths         *int // months from today, for done milestones
}

func months(n int) *int { return &n }

// loadProjectDemo adds realistic projects, milestones and factor assessments to
// the demo region: a Hamar–Stange project with Innovasjon Norge taking part,
// shared projects of all three municipalities (one of them completed, so that
// a closed project's page is seen), and assessments a quarter apart.
// Dates are relative to today, so that the demo always has overdue milestones
// and a trend. It is idempotent: a project whose title exists is left alone,
// and a subject that has assessments gets no more.
func (s *Store) loadProjectDemo(ctx context.Context, region *Region) error {
	a := Actor{RequestID: "demo", RegionID: region.ID}
	for _, m := range []struct {
		number string
		fte    float64
	}{{"3403", 3.0}, {"3412", 0.6}, {"3413", 2.0}} {
		mun, err := s.Municipality(ctx, m.number)
		if err != nil {
			return err
		}
		if mun.BusinessFTE == 0 {
			if err := s.UpdateMunicipality(ctx, a, m.number, MunicipalityUpdate{Organisation: mun.Organisation, BusinessFTE: m.fte, Version: mun.Version}); err != nil {
				return fmt.Errorf("demo capacity %s: %w", m.number, err)
			}
		}
	}
	for _, d := range DemoProjectLogins {
		if _, err := s.UserByEmail(ctx, d.Email); err == nil {
			continue
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		in := UserInput{Email: d.Email, Name: d.Name, Municipality: "3413"}
		if _, err := s.CreateUser(ctx, a, in, DemoPassword, []RoleGrant{{RegionID: region.ID, Role: d.Role}}); err != nil {
			return fmt.Errorf("demo user %s: %w", d.Email, err)
		}
	}

	coordinator, err := s.UserByEmail(ctx, "koordinator@hamarregionen.example")
	if err != nil {
		return fmt.Errorf("demo coordinator: %w", err)
	}
	adviser, err := s.UserByEmail(ctx, "radgiver@hamarregionen.example")
	if err != nil {
		return fmt.Errorf("demo adviser: %w", err)
	}
	coord := &Viewer{User: coordinator, Region: region}
	adv := &Viewer{User: adviser, Region: region}
	partner := func(name string) int64 {
		p, err := s.PartnerByName(ctx, name)
		if err != nil {
			return 0
		}
		return p.ID
	}
	today := s.Today()
	day := func(monthsAhead int) *time.Time { t := today.AddDate(0, monthsAhead, 0); return &t }
	f := func(v float64) *float64 { return &v }

	projects := []demoProject{
		{in: ProjectInput{
			Title:   "Næringspark Hamar–Stange",
			Summary: "Hamar og Stange utvikler sammen et felles næringsareal ved kommunegrensen, med et felles etableringsløp for bedrifter som vil etablere seg der. Innovasjon Norge er med på finansiering og rådgivning for bedriftene.",
			Status:  "active", StartsOn: day(-8), EndsOn: day(16), BudgetNOK: 1_550_000,
			MunicipalRole: "developer", Focus: "job_development", Approach: "mobilising", Visibility: "participants",
			Municipalities: []ProjectMunicipalityInput{
				{Kommunenummer: "3403", Role: "lead", ContributionNOK: 400_000, ContributionFTE: 0.5},
				{Kommunenummer: "3413", Role: "participant", ContributionNOK: 250_000, ContributionFTE: 0.4},
			},
			Partners:     []int64{partner("Innovasjon Norge"), partner("Høgskolen i Innlandet")},
			Participants: []ParticipantInput{{Kind: "business", Name: "Bedriftsnettverket på Åkershagan"}},
			Funding: []FundingInput{
				{Source: "Innlandet fylkeskommune, regionale utviklingsmidler", AmountNOK: 600_000, Confirmed: true},
				{Source: "Innovasjon Norge, bedriftsnettverk", AmountNOK: 300_000},
				{Source: "Hamar og Stange kommune", AmountNOK: 650_000, Confirmed: true},
			},
			Indicators: []IndicatorInput{
				{Kind: "jobs", Target: 40, Actual: f(12)},
				{Kind: "new_establishments", Target: 6, Actual: f(2)},
				{Kind: "plan_follow_up", Target: 100, Actual: f(75)},
			},
			Links: []LinkInput{{Title: "Prosjektplan", URL: "https://samspill.example/dokumenter/naeringspark-prosjektplan.pdf"}},
		}, milestones: []demoMilestone{
			{"Forprosjekt vedtatt i begge kommunestyrene", "Kari Koordinator", -6, "done", months(-6)},
			{"Avtale om felles etableringsløp med Innovasjon Norge", "Rune Rådgiver", -4, "done", months(-3)},
			{"Reguleringsplan for næringsarealet lagt ut på høring", "Plankontoret i Stange", -1, "in_progress", nil},
			{"Første bedriftssamling på Åkershagan", "Rune Rådgiver", 2, "planned", nil},
			{"De første bedriftene etablert", "Kari Koordinator", 12, "planned", nil},
		}},
		{in: ProjectInput{
			Title:   "Felles førstelinje for næringslivet",
			Summary: "Én dør for gründere og bedrifter i hele Hamarregionen: felles rådgivere, felles nettside og faste kontordager i alle tre kommunene.",
			Status:  "active", StartsOn: day(-14), BudgetNOK: 900_000,
			MunicipalRole: "producer", Focus: "job_development", Approach: "mobilising", Visibility: "members",
			Municipalities: []ProjectMunicipalityInput{
				{Kommunenummer: "3403", Role: "lead", ContributionNOK: 450_000, ContributionFTE: 0.4},
				{Kommunenummer: "3412", Role: "participant", ContributionNOK: 150_000, ContributionFTE: 0.2},
				{Kommunenummer: "3413", Role: "participant", ContributionNOK: 300_000, ContributionFTE: 0.2},
			},
			Partners:   []int64{partner("Innovasjon Norge"), partner("Næringsforeningen i Hamarregionen")},
			Funding:    []FundingInput{{Source: "Kommunene i Hamarregionen", AmountNOK: 900_000, Confirmed: true}},
			Indicators: []IndicatorInput{{Kind: "business_friendliness", Target: 80, Actual: f(71)}, {Kind: "new_establishments", Target: 60, Actual: f(38)}},
		}, milestones: []demoMilestone{
			{"Felles nettside for etablerere lansert", "Kari Koordinator", -10, "done", months(-10)},
			{"Kontordager i Løten og Stange hver uke", "Rune Rådgiver", -5, "done", months(-5)},
			{"Brukerundersøkelse blant bedriftene", "Kari Koordinator", 3, "planned", nil},
		}},
		{in: ProjectInput{
			Title:   "Stedsutvikling Løten sentrum",
			Summary: "Løten kommune regulerer sentrum for handel, boliger og møteplasser, med råd fra Hamar om arealplanlegging.",
			Status:  "planning", StartsOn: day(1), EndsOn: day(24), BudgetNOK: 350_000,
			MunicipalRole: "administrative", Focus: "place_development", Approach: "regulating", Visibility: "participants",
			Municipalities: []ProjectMunicipalityInput{
				{Kommunenummer: "3412", Role: "lead", ContributionNOK: 250_000, ContributionFTE: 0.3},
				{Kommunenummer: "3403", Role: "participant", ContributionNOK: 0, ContributionFTE: 0.1},
			},
			Partners: []int64{partner("Innlandet fylkeskommune")},
			Funding:  []FundingInput{{Source: "Innlandet fylkeskommune, stedsutviklingsmidler", AmountNOK: 100_000}},
		}, milestones: []demoMilestone{
			{"Planprogram vedtatt", "Lise Løten", 2, "planned", nil},
		}},
		{in: ProjectInput{
			Title:   "Kompetanseløft for reiselivet rundt Mjøsa",
			Summary: "Stange, Hamar og Løten ga små reiselivsbedrifter et felles kurs- og nettverksprogram i vertskap, digital markedsføring og booking, med Høgskolen i Innlandet som faglig partner. Prosjektet er avsluttet, og nettverket drives videre av bedriftene selv.",
			Status:  "active", StartsOn: day(-26), EndsOn: day(-2), BudgetNOK: 480_000,
			MunicipalRole: "producer", Focus: "job_development", Approach: "mobilising", Visibility: "members",
			Municipalities: []ProjectMunicipalityInput{
				{Kommunenummer: "3413", Role: "lead", ContributionNOK: 120_000, ContributionFTE: 0.2},
				{Kommunenummer: "3403", Role: "participant", ContributionNOK: 80_000, ContributionFTE: 0.1},
				{Kommunenummer: "3412", Role: "participant", ContributionNOK: 40_000, ContributionFTE: 0.1},
			},
			Partners:     []int64{partner("Høgskolen i Innlandet")},
			Participants: []ParticipantInput{{Kind: "business", Name: "Reiselivsnettverket Mjøsa"}},
			Funding: []FundingInput{
				{Source: "Innlandet fylkeskommune, kompetansemidler", AmountNOK: 240_000, Confirmed: true},
				{Source: "Stange, Hamar og Løten kommune", AmountNOK: 240_000, Confirmed: true},
			},
			Indicators: []IndicatorInput{
				{Kind: "jobs", Target: 10, Actual: f(8)},
				{Kind: "value_creation", Target: 2_000_000, Actual: f(2_400_000)},
			},
		}, milestones: []demoMilestone{
			{"Kartlegging av kompetansebehov hos 25 bedrifter", "Siri Stange", -22, "done", months(-22)},
			{"Kursrekke i vertskap og digital markedsføring gjennomført", "Høgskolen i Innlandet", -12, "done", months(-11)},
			{"Felles bookingløsning tatt i bruk", "Reiselivsnettverket Mjøsa", -6, "done", months(-7)},
			{"Sluttrapport levert til fylkeskommunen", "Kari Koordinator", -2, "done", months(-2)},
		}, closeAs: "completed"},
	}
	ids := map[string]int64{}
	for _, dp := range projects {
		var existing Project
		err := s.read(ctx).Where("region_id = ? AND title = ?", region.ID, dp.in.Title).First(&existing).Error
		if err == nil {
			ids[dp.in.Title] = existing.ID
			continue
		}
		p, err := s.CreateProject(ctx, coord, a, dp.in)
		if err != nil {
			return fmt.Errorf("demo project %q: %w", dp.in.Title, err)
		}
		ids[dp.in.Title] = p.ID
		for _, m := range dp.milestones {
			in := MilestoneInput{Title: m.title, Responsible: m.responsible, DueOn: day(m.dueMonths), Status: m.status}
			if m.doneMonths != nil {
				in.DoneOn = day(*m.doneMonths)
			}
			if _, err := s.AddMilestone(ctx, coord, a, p.ID, in); err != nil {
				return fmt.Errorf("demo milestone %q: %w", m.title, err)
			}
		}
		if dp.closeAs != "" {
			in := dp.in
			in.Status, in.Version = dp.closeAs, p.Version
			if err := s.UpdateProject(ctx, coord, a, p.ID, in); err != nil {
				return fmt.Errorf("demo project %q closed: %w", dp.in.Title, err)
			}
		}
	}

	// Assessments a quarter apart: of the region's cooperation, of the
	// Hamar–Stange project, and one of the shared first-line project.
	type scores map[string]int
	assess := func(projectID int64, monthsAgo int, by *Viewer, sc scores, note string) error {
		in := AssessmentInput{AssessedOn: day(-monthsAgo), Note: note}
		for _, code := range []string{"cohesion", "equality", "shared_goals", "non_municipal_actors", "leadership", "weak_cohesion", "skewed_power", "lacking_interest", "overcommitment"} {
			if n, ok := sc[code]; ok {
				in.Scores = append(in.Scores, ScoreInput{Factor: code, Score: n, Comment: demoComments[code][n >= Strong]})
			}
		}
		_, err := s.CreateAssessment(ctx, by, a, region.ID, projectID, in)
		return err
	}
	hasAssessments := func(projectID int64) (bool, error) {
		q := s.read(ctx).Model(&Assessment{}).Where("region_id = ?", region.ID)
		if projectID == 0 {
			q = q.Where("project_id IS NULL")
		} else {
			q = q.Where("project_id = ?", projectID)
		}
		var n int64
		err := q.Count(&n).Error
		return n > 0, err
	}
	plan := []struct {
		projectID int64
		rounds    []func() error
	}{
		{0, []func() error{
			func() error {
				return assess(0, 3, coord, scores{"cohesion": 4, "equality": 3, "shared_goals": 3, "non_municipal_actors": 2, "leadership": 3,
					"weak_cohesion": 2, "skewed_power": 3, "lacking_interest": 4, "overcommitment": 3}, "Styreseminar om samarbeidet.")
			},
			func() error {
				return assess(0, 0, coord, scores{"cohesion": 4, "equality": 4, "shared_goals": 4, "non_municipal_actors": 3, "leadership": 3,
					"weak_cohesion": 2, "skewed_power": 2, "lacking_interest": 3, "overcommitment": 4}, "Oppfølging etter et kvartal.")
			},
		}},
		{ids["Næringspark Hamar–Stange"], []func() error{
			func() error {
				return assess(ids["Næringspark Hamar–Stange"], 3, adv, scores{"cohesion": 3, "equality": 2, "shared_goals": 3, "non_municipal_actors": 4, "leadership": 3,
					"skewed_power": 4, "lacking_interest": 2}, "Oppstartsmøte med Innovasjon Norge.")
			},
			func() error {
				return assess(ids["Næringspark Hamar–Stange"], 0, adv, scores{"cohesion": 4, "equality": 3, "shared_goals": 4, "non_municipal_actors": 5, "leadership": 4,
					"skewed_power": 3, "lacking_interest": 1}, "Etter første bedriftssamling.")
			},
		}},
		{ids["Felles førstelinje for næringslivet"], []func() error{
			func() error {
				return assess(ids["Felles førstelinje for næringslivet"], 1, coord, scores{"cohesion": 4, "equality": 3, "shared_goals": 4, "leadership": 4,
					"skewed_power": 3, "overcommitment": 4}, "Løten har lite kapasitet til kontordagene.")
			},
		}},
	}
	for _, p := range plan {
		has, err := hasAssessments(p.projectID)
		if err != nil {
			return err
		}
		if has {
			continue
		}
		for _, round := range p.rounds {
			if err := round(); err != nil {
				return fmt.Errorf("demo assessment: %w", err)
			}
		}
	}
	return nil
}

// demoComments are short comments for demo scores, low and high.
var demoComments = map[string]map[bool]string{
	"cohesion":             {false: "Pendlingen går mest én vei.", true: "Felles bo- og arbeidsmarked rundt Mjøsa."},
	"equality":             {false: "Hamar dominerer møtene.", true: "Én stemme per kommune følges i praksis."},
	"shared_goals":         {false: "Ulike forventninger til hva samarbeidet skal gi.", true: "Felles mål vedtatt i alle kommunestyrene."},
	"non_municipal_actors": {false: "Få bedrifter og kunnskapsmiljøer deltar.", true: "Innovasjon Norge og høgskolen deltar aktivt."},
	"leadership":           {false: "Lederskapet er lite forankret.", true: "Daglig leder er godt forankret hos rådmennene."},
	"weak_cohesion":        {false: "Korte avstander.", true: "Lange avstander for deler av regionen."},
	"skewed_power":         {false: "Ressursene fordeles jevnt.", true: "Vertskommunen har mest ressurser og mest å si."},
	"lacking_interest":     {false: "Næringslivet stiller opp.", true: "Lite oppmøte fra næringslivet."},
	"overcommitment":       {false: "Kapasiteten holder.", true: "Løten sier ja til flere samarbeid enn kapasiteten tillater."},
}
