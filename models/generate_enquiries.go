package models

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Seasons of the first line: quiet in July and at Christmas, busy in the
// first months of the year and in the autumn.
var genSeason = [12]float64{1.15, 1.1, 1.1, 1.0, 1.0, 0.85, 0.45, 0.9, 1.15, 1.15, 1.1, 0.7}

// genPartnerRoles are the kinds of partner each need is referred to, by weight.
var genPartnerRoles = map[string]map[string]float64{
	"financing":                {"innovation": 45, "fund": 20, "bank": 15, "county": 15, "farm": 5},
	"innovation_rd":            {"innovation": 40, "rd": 30, "knowledge": 20, "siva": 10},
	"network_competence":       {"siva": 20, "knowledge": 30, "innovation": 30, "county": 20},
	"recruitment":              {"nav": 80, "knowledge": 20},
	"market_export":            {"innovation": 85, "county": 15},
	"premises_land":            {"county": 40, "siva": 60},
	"permits_zoning":           {"county": 100},
	"infrastructure_transport": {"county": 100},
	"basic_information":        {"innovation": 50, "county": 30, "fund": 20},
	"restructuring":            {"innovation": 60, "county": 30, "nav": 10},
	"other":                    {"innovation": 50, "county": 50},
}

// genRoleOrder fixes the order of partner roles, so that choices do not
// depend on map order.
var genRoleOrder = []string{"innovation", "fund", "bank", "county", "farm", "rd", "knowledge", "siva", "nav"}

// enquiries runs the first line day by day over the years: each day's
// enquiries in the order they came, each with its whole life planned at once
// (assignment, contacts, waiting, referrals and the partners' answers, close,
// and anonymisation when the retention period has run out), cut at now.
func (g *generator) enquiries() error {
	var days []time.Time
	var weights []float64
	total := 0.0
	for d := g.start; !d.After(g.now); d = d.AddDate(0, 0, 1) {
		w := genSeason[d.Month()-1] * (0.85 + 0.3*g.rng.Float64())
		switch d.Weekday() {
		case time.Saturday:
			w *= 0.15
		case time.Sunday:
			w *= 0.12
		default:
			if !IsWorkingDay(d) {
				w *= 0.2 // public holidays
			}
		}
		w *= math.Pow(1.04, d.Sub(g.start).Hours()/(24*365)) // a little more each year
		days = append(days, d)
		weights = append(weights, w)
		total += w
	}
	n := g.size.enquiries
	cum, given, done := 0.0, 0, 0
	for i, d := range days {
		cum += weights[i]
		k := int(math.Round(cum/total*float64(n))) - given
		given += k
		times := make([]time.Time, k)
		for j := range times {
			times[j] = g.arrival(d)
		}
		sort.Slice(times, func(a, b int) bool { return times[a].Before(times[b]) })
		for _, t := range times {
			if err := g.drainAudit(t); err != nil {
				return err
			}
			if err := g.enquiry(t); err != nil {
				return err
			}
			done++
			if done%2000 == 0 {
				g.progress("enquiries", int64(done), int64(n))
			}
		}
	}
	g.progress("enquiries", int64(done), int64(n))
	return nil
}

// arrival is when on day d an enquiry comes in: the web door is open around
// the clock, the rest mostly in working hours.
func (g *generator) arrival(d time.Time) time.Time {
	hour := int(math.Round(g.lognormal(12, 0.25)))
	if g.chance(0.35) {
		hour = 7 + g.rng.IntN(16) // the web, in the evening too
	}
	hour = max(0, min(23, hour))
	return time.Date(d.Year(), d.Month(), d.Day(), hour, g.rng.IntN(60), g.rng.IntN(60), 0, Oslo)
}

// pickMunicipality chooses a municipality in proportion to its weight.
func (g *generator) pickMunicipality() *Municipality {
	x := g.rng.Float64() * g.muniCum[len(g.muniCum)-1]
	k := sort.SearchFloat64s(g.muniCum, x)
	for g.primary[g.munis[min(k, len(g.munis)-1)].Kommunenummer] == nil {
		k++ // a zero weight: no region takes it
	}
	return &g.munis[k]
}

// genStatus is one step of an enquiry's life.
type genStatus struct {
	at       time.Time
	to       string
	user     int64
	action   string // the audit action: assign, activity, status, close
	detail   string
	activity string // the activity kind, for action activity
}

func (g *generator) enquiry(t time.Time) error {
	m := g.pickMunicipality()
	r := g.primary[m.Kommunenummer]
	id := g.id("enquiries")
	year := t.In(Oslo).Year()
	key := fmt.Sprintf("%s:%d", r.prefix, year)
	g.refs[key]++
	reference := fmt.Sprintf("%s-%d-%05d", r.prefix, year, g.refs[key])

	weekend := t.In(Oslo).Weekday() == time.Saturday || t.In(Oslo).Weekday() == time.Sunday
	channel := g.weighted(Channels, []float64{45, 20, 15, 7, 5, 5, 3})
	if weekend || t.In(Oslo).Hour() >= 17 || t.In(Oslo).Hour() < 8 {
		channel = g.weighted([]string{"web", "email"}, []float64{80, 20})
	}
	kind := g.weighted(EnquirerKinds, []float64{55, 35, 5, 5})
	needs := g.needs(kind)
	lang := g.weighted(IntakeLanguages, []float64{880, 40, 30, 20, 15, 10, 5})
	first, family := g.personName(lang)
	name := first + " " + family
	email, phone := "", ""
	if channel == "web" || channel == "email" || g.chance(0.7) {
		email = fmt.Sprintf("%s.%s%d@%s", ascii(first), ascii(family), g.rng.IntN(100), g.pick([]string{"example.org", "example.net", "example.com"}))
	}
	if email == "" || g.chance(0.6) {
		phone = fmt.Sprintf("+47 %d%02d %02d %03d", 4+g.rng.IntN(6), g.rng.IntN(100), g.rng.IntN(100), g.rng.IntN(1000))
	}
	trade := genTrades[g.rng.IntN(len(genTrades))]
	var orgNumber, businessName, stage, founder, employees, market, ownership, goods string
	var under30, immigrant, rawMaterial, agriculture, section any
	switch kind {
	case "established_business":
		orgNumber = g.orgNumber()
		businessName = g.businessName(family, m.Name, trade)
		stage = g.weighted([]string{"young", "established", "growth"}, []float64{25, 55, 20})
		employees = g.weighted(EmployeeBands, []float64{25, 45, 22, 8})
		ownership = g.weighted(Ownerships, []float64{85, 15})
	case "prospective_entrepreneur":
		stage = g.weighted([]string{"idea", "starting"}, []float64{60, 40})
		founder = g.weighted(Founders, []float64{80, 20})
		employees = "none"
		if g.chance(0.3) {
			businessName = g.businessName(family, m.Name, trade)
		}
	case "community_entrepreneur":
		stage = "idea"
	}
	if kind != "other" {
		market = g.weighted(Markets, []float64{45, 30, 18, 7})
		goods = g.weighted(GoodsServices, []float64{25, 55, 20})
		section = trade.section
		rawMaterial = trade.section == "A" || trade.section == "C" && g.chance(0.4)
		agriculture = trade.section == "A" && g.chance(0.8)
	}
	if g.chance(0.6) {
		under30 = g.chance(0.28)
	}
	if lang != "nb" && lang != "nn" {
		immigrant = true
	} else if g.chance(0.5) {
		immigrant = g.chance(0.08)
	}
	description := g.description(needs, trade, lang)
	consentShare := g.chance(0.65)

	// The life of the enquiry.
	adviser := g.pickID(r.advisers)
	assigner := adviser
	if g.chance(0.3) {
		assigner = g.pickID(r.coordinators)
	}
	var createdBy any
	if channel != "web" {
		createdBy = adviser
		assigner = adviser
	}
	due := AddWorkingDays(t, r.firstResponseDays)
	var steps []genStatus
	var assignAt, frAt, closeAt time.Time
	switch channel {
	case "web", "email", "referral_in":
		assignAt = g.nextWorkMoment(t.Add(time.Duration(g.lognormal(2*r.quality, 1.0) * float64(time.Hour))))
		frAt = g.nextWorkMoment(assignAt.Add(time.Duration(g.lognormal(8*r.quality, 1.3) * float64(time.Hour))))
		if channel != "web" {
			assignAt = t.Add(2 * time.Minute)
		}
	default: // met or talked to: the contact is the first response
		assignAt = t.Add(2 * time.Minute)
		frAt = t.Add(time.Duration(5+g.rng.IntN(40)) * time.Minute)
	}
	lost := g.chance(0.02) // never answered, and closed a few months on with nothing done
	if lost {
		frAt = time.Time{}
	}
	steps = append(steps, genStatus{at: assignAt, to: "assigned", user: assigner, action: "assign", detail: fmt.Sprintf("assigned_to=%d", adviser)})
	if !frAt.IsZero() {
		contact := g.weighted([]string{"call", "email", "meeting"}, []float64{45, 35, 20})
		if channel == "walk_in" || channel == "event" || channel == "outreach_visit" {
			contact = "meeting"
		}
		if channel == "phone" {
			contact = "call"
		}
		steps = append(steps, genStatus{at: frAt, to: "in_progress", user: adviser, action: "activity", detail: "kind=" + contact, activity: contact})
		if !g.chance(0.015) {
			closeAt = frAt.Add(time.Duration(math.Min(g.lognormal(25, 1.1), 500) * 24 * float64(time.Hour)))
			closeAt = g.workHour(closeAt)
			if !closeAt.After(frAt) {
				closeAt = frAt.Add(time.Hour)
			}
		}
	}
	end := closeAt
	if end.IsZero() {
		end = frAt.AddDate(0, 6, 0)
	}
	if !frAt.IsZero() {
		more := g.poisson(g.size.activitiesPer - 1)
		for i := 0; i < more; i++ {
			at := g.workHour(g.between(frAt, end))
			if !at.After(frAt) || !at.Before(end) {
				at = g.between(frAt, end)
			}
			k := g.weighted(ActivityKinds, []float64{35, 25, 25, 5, 10})
			user := adviser
			if g.chance(0.1) {
				user = g.pickID(r.advisers)
			}
			steps = append(steps, genStatus{at: at, user: user, action: "activity", detail: "kind=" + k, activity: k})
		}
		if g.chance(0.3) {
			wait := g.between(frAt, end)
			resume := g.between(wait, end)
			steps = append(steps, genStatus{at: wait, to: "waiting", user: adviser, action: "status"},
				genStatus{at: resume, to: "in_progress", user: adviser, action: "status"})
		}
	}
	outcome := ""
	var outcomeOrg string
	var jobsExpected, jobsCreated any
	referrals := 0
	if !frAt.IsZero() {
		switch x := g.rng.Float64(); {
		case x < 0.31:
			referrals = 1
		case x < 0.36:
			referrals = 2
		}
	}
	if lost {
		closeAt = g.workHour(t.AddDate(0, 2+g.rng.IntN(3), 0))
	}
	if !closeAt.IsZero() {
		outcome = g.weighted([]string{"guided", "no_further_action", "established", "declined"}, []float64{50, 20, 15, 5})
		if lost {
			outcome = "no_further_action"
		}
		if referrals > 0 && g.chance(0.7) {
			outcome = "referred"
		}
		if outcome == "established" {
			outcomeOrg = g.orgNumber()
			jobsExpected = 1 + g.rng.IntN(5)
			if g.chance(0.6) {
				jobsCreated = g.rng.IntN(4)
			}
		}
		steps = append(steps, genStatus{at: closeAt, to: "closed", user: adviser, action: "close", detail: "outcome=" + outcome})
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })

	// Anonymised by the retention job, if it closed long enough ago.
	anonymised := false
	var anonymisedAt any
	if !closeAt.IsZero() && !closeAt.After(g.now) {
		at := time.Date(closeAt.In(Oslo).Year(), closeAt.In(Oslo).Month(), closeAt.In(Oslo).Day(), 3, 10, 0, 0, Oslo).AddDate(0, r.retentionMonths, 1)
		if !at.After(g.now) {
			anonymised, anonymisedAt = true, at
		}
	}

	// Apply what happened by now; the enquiry's row goes before its children.
	type child struct {
		table string
		vals  []any
	}
	var children []child
	status, version, updated := "new", 1, t
	var assignedTo, firstResponse, closed any
	change := func(from, to string, user int64, at time.Time) {
		children = append(children, child{"status_changes", []any{g.id("status_changes"), id, from, to, user, at}})
	}
	for _, st := range steps {
		if st.at.After(g.now) {
			break
		}
		switch st.action {
		case "assign":
			if status == "new" {
				change(status, "assigned", st.user, st.at)
				status = "assigned"
			}
			assignedTo = adviser
			version++
		case "activity":
			text := g.pick(genActivityText[st.activity])
			if anonymised {
				text = Redacted
			}
			children = append(children, child{"activities", []any{g.id("activities"), id, st.activity, genDay(st.at), genMinutes(g, st.activity), text, st.user, st.at}})
			g.sum.Activities++
			if firstResponse == nil && st.activity != "note" {
				firstResponse = st.at
				version++
				if status == "new" || status == "assigned" {
					change(status, "in_progress", st.user, st.at)
					status = "in_progress"
				}
			}
		case "status":
			if status == "closed" || status == st.to {
				continue
			}
			st.detail = status + "->" + st.to
			change(status, st.to, st.user, st.at)
			status = st.to
			version++
			if firstResponse == nil {
				firstResponse = st.at
			}
		case "close":
			change(status, "closed", st.user, st.at)
			status, closed = "closed", st.at
			version++
		}
		updated = st.at
		g.audit(st.at, st.user, r.id, st.action, "enquiry", idStr(id), st.detail, true)
	}
	if status != "closed" {
		outcome, outcomeOrg, jobsExpected, jobsCreated = "", "", nil, nil
	}
	if anonymised {
		updated = anonymisedAt.(time.Time)
		version++
		g.audit(updated, 0, r.id, "anonymise", "enquiry", idStr(id), "retention period ended", true)
		name, email, phone, orgNumber, businessName, description, outcomeOrg = Redacted, "", "", "", "", Redacted, ""
		under30, immigrant = nil, nil
	}
	// A few views of the person data besides those that came with the work.
	for i := g.poisson(0.3); i > 0; i-- {
		g.audit(g.between(t, minTime(end, g.now)), g.pickID(r.advisers), r.id, "view", "enquiry", idStr(id), "page", true)
	}
	var creator int64
	if createdBy != nil {
		creator = adviser
	}
	g.audit(t, creator, r.id, "create", "enquiry", idStr(id), "channel="+channel, channel != "web")

	if err := g.w.add("enquiries", id, reference, r.id, channel, m.Kommunenummer, kind, strings.Join(needs, ","), description, name, email,
		phone, lang, orgNumber, businessName, stage, founder, under30, immigrant, employees, market,
		ownership, goods, rawMaterial, agriculture, section, status, assignedTo, t,
		due, firstResponse, closed, outcome, outcomeOrg, jobsExpected, jobsCreated,
		consentShare, createdBy, anonymisedAt, version, t, updated); err != nil {
		return err
	}
	g.sum.Enquiries++
	consentVersion := fmt.Sprintf("%d-01", year)
	if err := g.w.add("consents", g.id("consents"), id, "store", true, "Jeg samtykker til at næringsrådgiverne lagrer henvendelsen min og bruker den til å hjelpe meg.",
		consentVersion, lang, t); err != nil {
		return err
	}
	if err := g.w.add("consents", g.id("consents"), id, "share", consentShare, "Rådgiveren kan dele henvendelsen og kontaktopplysningene mine med samarbeidspartnere.",
		consentVersion, lang, t); err != nil {
		return err
	}
	for _, c := range children {
		if err := g.w.add(c.table, c.vals...); err != nil {
			return err
		}
	}
	var referred *genPartner
	for i := 0; i < referrals; i++ {
		reason := needs[g.rng.IntN(len(needs))]
		p := g.partnerFor(r, reason, agriculture == true)
		if p == referred {
			continue // one referral per partner and case, as CreateReferral keeps it
		}
		referred = p
		if err := g.referral(r, p, id, adviser, reason, consentShare, frAt, closeAt, anonymised); err != nil {
			return err
		}
	}
	return nil
}

func genMinutes(g *generator, kind string) int {
	switch kind {
	case "meeting":
		return 30 + 15*g.rng.IntN(7)
	case "call":
		return 5 + 5*g.rng.IntN(6)
	case "email":
		return 5 + 5*g.rng.IntN(4)
	case "visit":
		return 60 + 30*g.rng.IntN(5)
	}
	return 5 * g.rng.IntN(3)
}

// needs are one to three needs, the common ones more often.
func (g *generator) needs(kind string) []string {
	weights := []float64{35, 40, 25, 8, 10, 4, 8, 8, 10, 4, 5}
	if kind == "established_business" {
		weights = []float64{10, 35, 25, 10, 15, 6, 18, 15, 15, 8, 5}
	}
	n := 1 + g.rng.IntN(3)
	var out []string
	seen := map[string]bool{}
	for len(out) < n {
		need := g.weighted(Needs, weights)
		if !seen[need] {
			seen[need] = true
			out = append(out, need)
		}
	}
	// In the order of the catalogue, as the form gives them.
	sort.Slice(out, func(i, j int) bool { return indexOf(Needs, out[i]) < indexOf(Needs, out[j]) })
	return out
}

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

func (g *generator) personName(lang string) (string, string) {
	if names, ok := genImmigrant[lang]; ok {
		return g.pick(names[0]), g.pick(names[1])
	}
	if g.chance(0.5) {
		return g.pick(genFemale), g.pick(genFamily)
	}
	return g.pick(genMale), g.pick(genFamily)
}

func (g *generator) businessName(family, place string, t genTrade) string {
	form := g.pick(genCompanyForms)
	word := g.pick(t.names)
	switch x := g.rng.Float64(); {
	case x < 0.5:
		return family + " " + word + " " + form
	case x < 0.8:
		return place + " " + word + " " + form
	default:
		return word + " " + family + " " + form
	}
}

func (g *generator) description(needs []string, t genTrade, lang string) string {
	var parts []string
	for i, need := range needs {
		if i == 2 {
			break
		}
		if lang == "nb" || lang == "nn" {
			parts = append(parts, fmt.Sprintf(g.pick(genNeedText[need]), t.what))
		} else {
			parts = append(parts, fmt.Sprintf(genEnglishNeed[need], t.what))
		}
	}
	return strings.Join(parts, " ")
}

// partnerFor picks the partner a need is referred to in region r.
func (g *generator) partnerFor(r *genRegion, reason string, agriculture bool) *genPartner {
	weights := genPartnerRoles[reason]
	var roles []string
	var ws []float64
	for _, role := range genRoleOrder {
		w := weights[role]
		if role == "farm" && agriculture {
			w += 40
		}
		if w > 0 {
			roles = append(roles, role)
			ws = append(ws, w)
		}
	}
	role := g.weighted(roles, ws)
	var fallback *genPartner
	for _, p := range r.partners {
		if p.role == role {
			return p
		}
		if p.role == "innovation" {
			fallback = p
		}
	}
	return fallback
}

// referral sends the enquiry to a partner some days after the first response
// and follows the partner's answer to its outcome.
func (g *generator) referral(r *genRegion, p *genPartner, enquiryID, adviser int64, reason string, consentShare bool, frAt, closeAt time.Time, anonymised bool) error {
	sent := g.workHour(frAt.Add(time.Duration(g.lognormal(3, 1.0) * 24 * float64(time.Hour))))
	if !sent.After(frAt) {
		sent = frAt.Add(time.Hour)
	}
	if !closeAt.IsZero() && sent.After(closeAt) {
		sent = g.between(frAt, closeAt)
	}
	if sent.After(g.now) {
		return nil
	}
	id := g.id("referrals")
	followUp := defaultFollowUp(sent, &Region{ReferralFollowUpDays: r.followUpDays}).In(Oslo) // as the store sets it
	share := consentShare && g.chance(0.85)
	contact := r.contactName[p.id]
	contactEmail := ""
	if contact != "" {
		parts := strings.Fields(contact)
		contactEmail = ascii(parts[0]) + "." + ascii(parts[len(parts)-1]) + "@" + ascii(p.name) + ".example.no"
	}
	message := g.pick(genReferralMessage)
	answerer := adviser // partners without accounts here answer by e-mail, and the adviser records it
	if us := r.partnerUsers[p.id]; len(us) > 0 {
		answerer = g.pickID(us)
	}
	type step struct {
		at       time.Time
		to, via  string
		user     int64
		action   string
		detail   string
		outcome  string
		reason   string
		instr    string
		amount   int64
		ackSetAt bool
	}
	var steps []step
	status := "sent"
	// A draft is still being written, so its case is open: a case is not
	// closed with an unsent draft (CloseEnquiry refuses it).
	closed := !closeAt.IsZero() && !closeAt.After(g.now)
	if sent.After(g.now.AddDate(0, 0, -20)) && g.chance(0.1) && !closed {
		status = "draft"
	}
	if status == "sent" {
		acked := g.chance(0.85)
		var ackAt time.Time
		if acked {
			ackAt = g.workHour(sent.Add(time.Duration(g.lognormal(3, 1.0) * 24 * float64(time.Hour))))
			if !ackAt.After(sent) {
				ackAt = sent.Add(2 * time.Hour)
			}
			steps = append(steps, step{at: ackAt, to: "acknowledged", via: "user", user: answerer, action: "status", detail: "sent->acknowledged", ackSetAt: true})
			if g.chance(0.4) {
				at := ackAt.Add(time.Duration(g.lognormal(5, 0.8) * 24 * float64(time.Hour)))
				steps = append(steps, step{at: at, to: "in_progress", via: "user", user: answerer, action: "status", detail: "acknowledged->in_progress"})
			}
			at := g.workHour(sent.Add(time.Duration(g.lognormal(30, 0.9) * 24 * float64(time.Hour))))
			if !at.After(ackAt) {
				at = ackAt.Add(24 * time.Hour)
			}
			outcome := g.weighted([]string{"supported", "declined", "withdrawn"}, []float64{50, 35, 15})
			st := step{at: at, to: outcomeStatus[outcome], via: "user", user: answerer, action: "close", outcome: outcome}
			switch outcome {
			case "supported":
				st.instr, st.amount = g.instrument(p)
				st.reason = "granted"
				if st.amount == 0 {
					st.reason = g.pick([]string{"advice_given", "network_given"})
				}
			case "declined":
				st.reason = g.weighted(OutcomeReasons["declined"], []float64{35, 30, 15, 15, 5})
			case "withdrawn":
				st.user = adviser
				st.reason = g.pick(OutcomeReasons["withdrawn"][:3])
			}
			st.detail = fmt.Sprintf("outcome=%s via=user", outcome)
			steps = append(steps, st)
		} else if g.chance(0.2) {
			at := g.workHour(sent.AddDate(0, 0, 15+g.rng.IntN(20)))
			steps = append(steps, step{at: at, to: "withdrawn", via: "user", user: adviser, action: "close", outcome: "withdrawn",
				reason: "enquirer_withdrew", detail: "outcome=withdrawn via=user"})
		} else {
			at := followUp.AddDate(0, 0, r.noResponseDays).Add(time.Duration(1+g.rng.IntN(600)) * time.Second)
			note := fmt.Sprintf("no answer %d days after the follow-up date", r.noResponseDays)
			steps = append(steps, step{at: at, to: "no_response", via: "system", action: "no_response", outcome: "no_response",
				reason: "partner_silent", detail: note})
		}
	}
	return g.writeReferral(r, id, enquiryID, p, adviser, contact, contactEmail, reason, message, share, status, followUp, sent, anonymised, func(add func(at time.Time, from, to, via string, user int64, note string) error) (string, map[string]any, error) {
		cur := status
		fields := map[string]any{}
		for _, st := range steps {
			if st.at.After(g.now) {
				break
			}
			note := ""
			if st.action == "no_response" {
				note = st.detail
			}
			if err := add(st.at, cur, st.to, st.via, st.user, note); err != nil {
				return "", nil, err
			}
			if st.ackSetAt {
				fields["acknowledged_at"] = st.at
			}
			if st.to == "in_progress" && fields["acknowledged_at"] == nil {
				fields["acknowledged_at"] = st.at
			}
			if st.outcome != "" {
				fields["closed_at"], fields["outcome"], fields["outcome_reason"] = st.at, st.outcome, st.reason
				fields["instrument"], fields["amount_nok"] = st.instr, st.amount
				if st.outcome == "declined" && fields["acknowledged_at"] == nil {
					fields["acknowledged_at"] = st.at
				}
			}
			var user int64
			if st.via != "system" {
				user = st.user
			}
			g.audit(st.at, user, r.id, st.action, "referral", idStr(id), st.detail, true)
			cur = st.to
		}
		return cur, fields, nil
	})
}

// instrument is what a supporting partner gave, and how much.
func (g *generator) instrument(p *genPartner) (string, int64) {
	round := func(x float64) int64 { return int64(math.Round(x/5000) * 5000) }
	switch p.role {
	case "innovation":
		switch x := g.rng.Float64(); {
		case x < 0.35:
			return "start_up_grant", round(100_000 + 50_000*g.rng.Float64())
		case x < 0.7:
			return "grant", round(g.lognormal(400_000, 0.8))
		case x < 0.9:
			return "loan", round(g.lognormal(1_500_000, 0.7))
		}
		return "advice", 0
	case "bank":
		if g.chance(0.8) {
			return "loan", round(g.lognormal(2_000_000, 0.8))
		}
		return "guarantee", round(g.lognormal(500_000, 0.6))
	case "fund":
		return "grant", round(g.lognormal(80_000, 0.6))
	case "county":
		return "grant", round(g.lognormal(300_000, 0.7))
	case "farm":
		return "grant", round(g.lognormal(250_000, 0.7))
	case "rd":
		return "grant", round(g.lognormal(1_000_000, 0.6))
	}
	return g.pick([]string{"advice", "mentor", "network"}), 0
}

// writeReferral writes a referral as it stands now with its history, which
// history() plays and reports (the status now and the fields it set).
func (g *generator) writeReferral(r *genRegion, id, enquiryID int64, p *genPartner, adviser int64, contact, contactEmail, reason, message string,
	share bool, status string, followUp, sent time.Time, anonymised bool,
	history func(add func(at time.Time, from, to, via string, user int64, note string) error) (string, map[string]any, error)) error {
	type event struct {
		id         int64
		from, to   string
		user       any
		via, note  string
		at         time.Time
		referralID int64
	}
	events := []event{{id: g.id("referral_events"), from: "", to: status, user: adviser, via: "user", at: sent, referralID: id}}
	version, updated := 1, sent
	cur, fields, err := history(func(at time.Time, from, to, via string, user int64, note string) error {
		var u any
		if user != 0 {
			u = user
		}
		events = append(events, event{id: g.id("referral_events"), from: from, to: to, user: u, via: via, note: note, at: at, referralID: id})
		version++
		updated = at
		return nil
	})
	if err != nil {
		return err
	}
	var sentAt, ackAt, closedAt any
	if status != "draft" {
		sentAt = sent
	}
	if v, ok := fields["acknowledged_at"]; ok {
		ackAt = v
	}
	outcome, outcomeReason, instrument := "", "", ""
	var amount int64
	if v, ok := fields["closed_at"]; ok {
		closedAt = v
		outcome, outcomeReason = fields["outcome"].(string), fields["outcome_reason"].(string)
		instrument, amount = fields["instrument"].(string), fields["amount_nok"].(int64)
	}
	forBoard := status != "draft" && g.chance(0.02)
	if anonymised {
		message, contact, contactEmail = Redacted, "", ""
	}
	g.audit(sent, adviser, r.id, "create", "referral", idStr(id), fmt.Sprintf("enquiry=%d partner=%d share=%t", enquiryID, p.id, share), true)
	if err := g.w.add("referrals", id, enquiryID, r.id, p.id, adviser, contact, contactEmail, reason, message,
		share, cur, followUp, sentAt, ackAt, closedAt, outcome, outcomeReason, instrument,
		amount, forBoard, version, sent, updated); err != nil {
		return err
	}
	g.sum.Referrals++
	for _, e := range events {
		if err := g.w.add("referral_events", e.id, e.referralID, e.from, e.to, e.user, e.via, e.note, e.at); err != nil {
			return err
		}
	}
	if status != "draft" && g.chance(0.03) {
		at := g.between(sent, minTime(sent.AddDate(0, 2, 0), g.now))
		board := g.pickID(r.board)
		text := g.pick(genBoardComments)
		if anonymised {
			text = Redacted
		}
		if err := g.w.add("referral_comments", g.id("referral_comments"), id, board, text, at); err != nil {
			return err
		}
		g.audit(at, board, r.id, "comment", "referral", idStr(id), "", true)
	}
	return nil
}
