package models

import (
	"fmt"
	"math"
	"time"
)

// projects makes each region's inter-municipal projects over the years, in
// proportion to its number of members, with municipalities, partners and other
// participants, funding, target indicators, links and milestones.
func (g *generator) projects() error {
	members := 0
	for _, r := range g.regions {
		members += len(r.members)
	}
	made := 0
	for i, r := range g.regions {
		n := int(math.Round(float64(g.size.projects) * float64(len(r.members)) / float64(members)))
		if i == len(g.regions)-1 {
			n = g.size.projects - made
		}
		for k := 0; k < n; k++ {
			if err := g.project(r); err != nil {
				return err
			}
		}
		made += n
		g.progress("projects", int64(made), int64(g.size.projects))
	}
	return nil
}

// genProjectPath is the statuses a generated project went through to status,
// the first the one it was created with.
func genProjectPath(status string) []string {
	switch status {
	case "idea", "planning":
		return []string{status}
	case "active":
		return []string{"planning", "active"}
	}
	return []string{"planning", "active", status} // paused, completed, stopped
}

// auditProjectSaves logs a project's creation and its saves as the app does
// (CreateProject, UpdateProject): each move along path is an entry "status",
// "old->new", and the other saves edits, "update" with the status after
// them. The edits come first, while the project is planned; the saves lie
// evenly between created and updated, the last at updated.
func (g *generator) auditProjectSaves(r *genRegion, id, coordinator int64, path []string, saves int, created, updated time.Time) {
	g.audit(created, coordinator, r.id, "create", "project", idStr(id), "status="+path[0], true)
	edits := saves - (len(path) - 1)
	for i := range saves {
		at := created.Add(updated.Sub(created) * time.Duration(i+1) / time.Duration(saves))
		if i < edits {
			g.audit(at, coordinator, r.id, "update", "project", idStr(id), "status="+path[0], true)
			continue
		}
		k := i - edits
		g.audit(at, coordinator, r.id, "status", "project", idStr(id), path[k]+"->"+path[k+1], true)
	}
}

func (g *generator) project(r *genRegion) error {
	id := g.id("projects")
	span := g.now.Sub(g.start)
	// More projects in recent years: the cooperation grows.
	created := g.start.Add(time.Duration(math.Sqrt(g.rng.Float64()) * float64(span-10*24*time.Hour)))
	created = g.workHour(created)
	starts := genDay(created.AddDate(0, 1+g.rng.IntN(5), 0))
	ends := genDay(starts.AddDate(0, 6+g.rng.IntN(31), 0))
	today := genDay(g.now)
	var status string
	switch {
	case g.now.Sub(created) < 60*24*time.Hour && g.chance(0.5):
		status = "idea"
	case today.Before(starts):
		status = "planning"
	case today.Before(ends):
		status = g.weighted([]string{"active", "paused", "stopped"}, []float64{92, 5, 3})
	default:
		status = g.weighted([]string{"completed", "stopped"}, []float64{92, 8})
	}
	t := genProjectTitles[g.rng.IntN(len(genProjectTitles))]
	lead := r.host
	if g.chance(0.35) {
		lead = g.pick(r.members)
	}
	title := t.title
	if len(title) > 2 && title[len(title)-2:] == "%s" {
		title = fmt.Sprintf(title, g.muniOf[lead].Name)
	}
	title = fmt.Sprintf("%s %d", title, created.In(Oslo).Year())
	visibility := "participants"
	if g.chance(0.4) {
		visibility = "members"
	}
	coordinator := g.pickID(r.coordinators)
	// A budget is at most what a coordinator may type (maxAmount); the draw
	// reaches it about once in 10¹³ projects, but generated data is never
	// data the forms refuse.
	budget := min(maxAmount, int64(math.Round(g.lognormal(1_500_000, 0.9)/1000)*1000))
	version := 1
	updated := created
	path := genProjectPath(status)
	if status != "idea" {
		version += 1 + g.rng.IntN(3)
		updated = g.between(created, minTime(g.now, created.AddDate(0, 0, 400)))
		version = max(version, len(path)) // a save per move at least
	}
	if err := g.w.add("projects", id, r.id, title, "Samarbeidsprosjekt i "+r.name+": "+t.title+".", status, starts, ends, budget,
		t.role, t.focus, t.approach, visibility, coordinator, version, created, updated); err != nil {
		return err
	}
	g.auditProjectSaves(r, id, coordinator, path, version-1, created, updated)
	p := &genProject{id: id, starts: starts, ends: ends, status: status, municipalities: []string{lead}}
	r.projects = append(r.projects, p)
	g.sum.Projects++

	// Municipalities: the lead and a few of the other members.
	if err := g.w.add("project_municipalities", g.id("project_municipalities"), id, lead, "lead", int64(g.rng.IntN(20))*25_000,
		math.Round(g.rng.Float64()*10)/10); err != nil {
		return err
	}
	for _, k := range g.rng.Perm(len(r.members))[:min(len(r.members), 1+g.rng.IntN(5))] {
		m := r.members[k]
		if m == lead {
			continue
		}
		p.municipalities = append(p.municipalities, m)
		if err := g.w.add("project_municipalities", g.id("project_municipalities"), id, m, "participant", int64(g.rng.IntN(8))*25_000,
			math.Round(g.rng.Float64()*5)/10); err != nil {
			return err
		}
	}
	for _, k := range g.rng.Perm(len(r.partners))[:min(len(r.partners), g.rng.IntN(3))] {
		if err := g.w.add("project_participants", g.id("project_participants"), id, ParticipantPartner, r.partners[k].id, ""); err != nil {
			return err
		}
	}
	if g.chance(0.4) {
		if err := g.w.add("project_participants", g.id("project_participants"), id, "knowledge_institution", nil, g.pick(genKnowledge)); err != nil {
			return err
		}
	}
	if g.chance(0.3) {
		if err := g.w.add("project_participants", g.id("project_participants"), id, "business", nil, g.pick(genBusinesses)+" "+g.muniOf[lead].Name); err != nil {
			return err
		}
	}
	confirmed := status != "idea" && status != "planning"
	for i, src := range []string{"Kommunene", "Fylkeskommunen", "Innovasjon Norge", "Interreg"}[:1+g.rng.IntN(3)] {
		share := []float64{0.4, 0.35, 0.2, 0.05}[i]
		if err := g.w.add("project_funding", g.id("project_funding"), id, src, int64(float64(budget)*share), confirmed || i == 0); err != nil {
			return err
		}
	}
	for _, k := range g.rng.Perm(len(IndicatorKinds))[:1+g.rng.IntN(3)] {
		target := float64(5 + g.rng.IntN(50))
		var actual any
		if status == "active" || status == "completed" {
			if g.chance(0.7) {
				actual = math.Round(target * (0.2 + 1.0*g.rng.Float64()))
			}
		}
		if err := g.w.add("project_indicators", g.id("project_indicators"), id, IndicatorKinds[k], target, actual); err != nil {
			return err
		}
	}
	for i := 0; i < g.rng.IntN(3); i++ {
		if err := g.w.add("project_links", g.id("project_links"), id, []string{"Prosjektplan", "Søknad", "Sluttrapport"}[i],
			fmt.Sprintf("https://%s.example/prosjekt/%d/%d", r.slug, id, i+1)); err != nil {
			return err
		}
	}
	// Milestones spread over the project's span.
	n := 3 + g.rng.IntN(6)
	for i := 0; i < n; i++ {
		mid := g.id("milestones")
		due := genDay(starts.Add(time.Duration(float64(ends.Sub(starts)) * float64(i+1) / float64(n+1))))
		status, version := "planned", 1
		var done any
		mupdated := created
		switch {
		case p.status == "stopped" && due.After(today.AddDate(0, -3, 0)), g.chance(0.03):
			status, version = "cancelled", 2
			mupdated = g.workHour(minTime(g.now, due))
		case !due.After(today):
			switch x := g.rng.Float64(); {
			case x < 0.68: // on time
				d := due.AddDate(0, 0, -g.rng.IntN(20))
				status, done, version, mupdated = "done", d, 2, g.workHour(d)
			case x < 0.9: // late
				d := due.AddDate(0, 0, 1+g.rng.IntN(60))
				if d.After(today) {
					d = today
				}
				status, done, version, mupdated = "done", d, 2, g.workHour(d)
			default: // overdue
				status = g.pick([]string{"planned", "in_progress"})
			}
		case due.Before(today.AddDate(0, 2, 0)):
			status = g.pick([]string{"planned", "in_progress"})
		}
		if p.status == "completed" && status != "done" && status != "cancelled" {
			// Completing cancels what is left open (completionProblem): the
			// coordinator chose to, at the move to completed, the last save.
			status, version, mupdated = "cancelled", 2, updated
		}
		if mupdated.After(g.now) {
			mupdated = g.now
		}
		if err := g.w.add("milestones", mid, id, genMilestoneTitles[(i+g.rng.IntN(3))%len(genMilestoneTitles)], g.muniOf[lead].Name+" kommune",
			due, status, done, version, created, mupdated); err != nil {
			return err
		}
		g.audit(created, coordinator, r.id, "create", "milestone", idStr(mid), fmt.Sprintf("project=%d status=planned", id), true)
		if version > 1 {
			g.audit(mupdated, coordinator, r.id, "update", "milestone", idStr(mid), fmt.Sprintf("project=%d status=%s", id, status), true)
		}
		g.sum.Milestones++
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// assessments makes factor assessments: each region's cooperation twice a
// year, and the rest spread over its running projects, each score near the
// region's level for that factor, drifting slowly.
func (g *generator) assessments() error {
	made := 0
	total := g.size.assessments
	perRegion := max(1, min(g.size.years*2, total/(4*len(g.regions))))
	for _, r := range g.regions {
		for i := 0; i < perRegion && made < total; i++ {
			on := genDay(g.start.AddDate(0, 3+i*6, 0))
			if on.After(g.now) {
				break
			}
			if err := g.assessment(r, nil, on); err != nil {
				return err
			}
			made++
		}
	}
	// Projects that have started, weighted by how long they have run.
	type candidate struct {
		r *genRegion
		p *genProject
	}
	var cands []candidate
	var cum []float64
	sum := 0.0
	for _, r := range g.regions {
		for _, p := range r.projects {
			if p.status == "idea" || p.status == "planning" {
				continue
			}
			end := minTime(p.ends, genDay(g.now))
			if !end.After(p.starts) {
				continue
			}
			sum += end.Sub(p.starts).Hours()
			cands = append(cands, candidate{r, p})
			cum = append(cum, sum)
		}
	}
	for made < total && len(cands) > 0 {
		x := g.rng.Float64() * sum
		k := 0
		for lo, hi := 0, len(cum)-1; lo <= hi; {
			mid := (lo + hi) / 2
			if cum[mid] < x {
				lo = mid + 1
			} else {
				k, hi = mid, mid-1
			}
		}
		c := cands[k]
		on := genDay(g.between(c.p.starts, minTime(c.p.ends, genDay(g.now))))
		if err := g.assessment(c.r, c.p, on); err != nil {
			return err
		}
		made++
		if made%1000 == 0 {
			g.progress("assessments", int64(made), int64(total))
		}
	}
	return nil
}

func (g *generator) assessment(r *genRegion, p *genProject, on time.Time) error {
	id := g.id("assessments")
	assessor := g.pickID(append(append([]int64{}, r.coordinators...), r.advisers[:min(2, len(r.advisers))]...))
	at := g.workHour(on)
	var project any
	subject := "region"
	offset := 0.0
	if p != nil {
		project = p.id
		subject = fmt.Sprintf("project=%d", p.id)
		offset = float64(p.id%5) - 2
	}
	note := ""
	if g.chance(0.3) {
		note = "Vurdert i styringsgruppen."
	}
	if err := g.w.add("assessments", id, r.id, project, on, assessor, note, at); err != nil {
		return err
	}
	years := on.Sub(g.start).Hours() / (24 * 365)
	for i, f := range g.factors {
		base := r.baseline[i%len(r.baseline)] + 0.15*offset + 0.1*years*math.Sin(float64(r.id+int64(i)))
		score := int(math.Round(base + g.rng.NormFloat64()*0.6))
		score = max(MinScore, min(MaxScore, score))
		comment, evidence := "", ""
		if g.chance(0.2) {
			comment = "Drøftet i møtet."
		}
		if g.chance(0.1) {
			evidence = "Referat fra styringsgruppen."
		}
		if err := g.w.add("assessment_scores", g.id("assessment_scores"), id, f.Code, score, comment, evidence); err != nil {
			return err
		}
	}
	g.audit(at, assessor, r.id, "create", "assessment", idStr(id), fmt.Sprintf("%s scores=%d", subject, len(g.factors)), true)
	g.sum.Assessments++
	return nil
}
