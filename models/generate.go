package models

import (
	"container/heap"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"
)

// Scales of generated data, as `samspill gen --scale` names them.
const (
	GenRegional = "regional" // one region of ten municipalities, 10 000 enquiries
	GenNational = "national" // all 357 municipalities in about 40 regions, 500 000 enquiries
)

// GenPassword is the password of every generated user. Like DemoPassword it is
// printed, and set on generated users only.
const GenPassword = "samspill-gen-2026"

// genPasswordHash is HashPassword(GenPassword) at cost 12, made once: bcrypt
// salts each hash at random, and the same seed must give the same data.
const genPasswordHash = "$2a$12$bOqemfaBjSY8/KIxztoGYepzBogcxZUxhQPEuKm3jqsVvNZ7y8ZKG"

// GenOptions says what to generate.
type GenOptions struct {
	Scale string
	Seed  uint64
	// Until is the last day of the generated history, which runs seven years
	// back from it. The same seed and Until give the same data.
	Until time.Time
	// Enquiries overrides the scale's number of enquiries; projects,
	// assessments and users follow in proportion. Tests make small data sets.
	Enquiries int
	// Progress, if set, hears how far the generator has come.
	Progress func(GenProgress)
}

// GenProgress is how far the generator has come in its current phase.
type GenProgress struct {
	Phase       string
	Done, Total int64
	Rows        int64 // rows written in all
}

// GenSummary counts what was generated and names log-ins to try.
type GenSummary struct {
	Regions, Users, Partners, Enquiries, Activities, Referrals int64
	Projects, Milestones, Assessments, AuditEntries, Rows      int64
	Logins                                                     []DemoLogin // one per role, in the largest region
	Region                                                     string      // that region's slug
}

// genSize is the volume of one scale.
type genSize struct {
	enquiries     int
	projects      int
	assessments   int
	activitiesPer float64 // mean activities per enquiry
	years         int
}

func genSizeOf(scale string, enquiries int) (genSize, error) {
	var z genSize
	switch scale {
	case GenNational:
		z = genSize{enquiries: 500_000, projects: 10_000, assessments: 30_000, activitiesPer: 6, years: 7}
	case GenRegional:
		z = genSize{enquiries: 10_000, projects: 150, assessments: 700, activitiesPer: 6, years: 7}
	default:
		return z, fmt.Errorf("unknown scale %q: use %s or %s", scale, GenRegional, GenNational)
	}
	if enquiries > 0 {
		f := float64(enquiries) / float64(z.enquiries)
		z.enquiries = enquiries
		z.projects = max(3, int(math.Round(float64(z.projects)*f)))
		z.assessments = max(4, int(math.Round(float64(z.assessments)*f)))
	}
	return z, nil
}

// genRegionalMembers are the municipalities of the regional scale: the Mjøsa
// region in Innlandet.
var genRegionalMembers = []string{"3403", "3405", "3407", "3411", "3412", "3413", "3420", "3424", "3442", "3443"}

type genRegion struct {
	id                  int64
	slug, name, prefix  string
	county              string
	host                string
	members             []string
	firstResponseDays   int
	followUpDays        int
	noResponseDays      int
	retentionMonths     int
	quality             float64    // how fast its advisers answer: 1 is typical, lower is faster
	baseline            [9]float64 // how strongly each factor is present in its cooperation
	coordinators        []int64
	advisers            []int64
	board               []int64
	muniUsers           map[string][]int64
	partners            []*genPartner
	partnerUsers        map[int64][]int64
	weight              float64 // share of the enquiries
	projects            []*genProject
	contactName         map[int64]string
	enquiriesForLogins  int
	firstAdviserAddress string
}

type genPartner struct {
	id       int64
	name     string
	kind     string
	services string
	county   string // "" for national partners
	role     string // what it gives: innovation, bank, county, fund, farm, network, knowledge, nav, rd, siva
}

type genProject struct {
	id             int64
	starts, ends   time.Time
	status         string
	municipalities []string
}

// generator holds the state of one run. Every random choice comes from one
// stream, in one order, so the same seed gives the same data.
type generator struct {
	s       *Store
	ctx     context.Context
	opts    GenOptions
	size    genSize
	rng     *rand.Rand
	w       *bulkWriter
	start   time.Time // first instant of the history
	now     time.Time // the generated "now": the end of Until
	ids     map[string]int64
	munis   []Municipality
	muniOf  map[string]*Municipality
	primary map[string]*genRegion // the region that takes a municipality's enquiries
	regions []*genRegion
	factors []Factor
	audits  auditQueue
	refs    map[string]int // "PREFIX:YEAR" → last number given
	sum     GenSummary
	// municipality choice: cumulative weights over munis
	muniCum []float64
}

// idTables are the tables whose ids the generator gives.
var idTables = []string{"regions", "region_members", "partners", "users", "user_roles", "projects", "project_municipalities",
	"project_participants", "project_funding", "project_indicators", "project_links", "milestones", "assessments",
	"assessment_scores", "enquiries", "consents", "activities", "status_changes", "referrals", "referral_events",
	"referral_comments", "audit_log"}

func (g *generator) id(table string) int64 {
	g.ids[table]++
	return g.ids[table]
}

// Generate fills an empty, migrated database with realistic data: regions and
// their members, partners, users of every role, enquiries with consents,
// activities, status history and referrals with partner answers, projects with
// participants and milestones, factor assessments, and the audit log of it all.
// Rows are written in batches inside transactions; on SQLite the writer's
// connection runs with synchronous=OFF while it works (a crash mid-way leaves a
// database to throw away, not a half-trusted one) and is set back to FULL after.
func (s *Store) Generate(ctx context.Context, opts GenOptions) (*GenSummary, error) {
	size, err := genSizeOf(opts.Scale, opts.Enquiries)
	if err != nil {
		return nil, err
	}
	if opts.Until.IsZero() {
		y, m, d := time.Now().In(Oslo).AddDate(0, 0, -1).Date()
		opts.Until = time.Date(y, m, d, 0, 0, 0, 0, Oslo)
	}
	var regions, enquiries int64
	if err := s.db.WithContext(ctx).Model(&Region{}).Count(&regions).Error; err != nil {
		return nil, err
	}
	if err := s.db.WithContext(ctx).Model(&Enquiry{}).Count(&enquiries).Error; err != nil {
		return nil, err
	}
	if regions > 0 || enquiries > 0 {
		return nil, fmt.Errorf("an empty database is needed, and this one has %d regions and %d enquiries", regions, enquiries)
	}
	y, m, d := opts.Until.Date()
	g := &generator{s: s, ctx: ctx, opts: opts, size: size, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5a17b1)),
		now: time.Date(y, m, d, 23, 59, 59, 0, Oslo), ids: map[string]int64{}, refs: map[string]int{}, primary: map[string]*genRegion{}}
	g.start = time.Date(y-size.years, m, d, 0, 0, 0, 0, Oslo).AddDate(0, 0, 1)

	if s.dialect == SQLite {
		if err := s.db.WithContext(ctx).Exec("PRAGMA synchronous = OFF").Error; err != nil {
			return nil, err
		}
		defer s.db.Exec("PRAGMA synchronous = FULL")
		s.db.WithContext(ctx).Exec("PRAGMA cache_size = -1048576") // 1 GB while indexes grow
		s.db.WithContext(ctx).Exec("PRAGMA foreign_keys = OFF")
		defer s.db.Exec("PRAGMA foreign_keys = ON")
		defer s.db.Exec("PRAGMA cache_size = -2000")
	}
	// The generator makes millions of short-lived values; collecting garbage
	// less often saves a tenth of its time, for a bigger heap while it runs.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	if g.w, err = s.newBulkWriter(ctx); err != nil {
		return nil, err
	}
	defer g.w.close()
	if err := g.run(); err != nil {
		return nil, err
	}
	g.sum.Rows = g.w.written
	return &g.sum, nil
}

func (g *generator) progress(phase string, done, total int64) {
	if g.opts.Progress != nil {
		g.opts.Progress(GenProgress{Phase: phase, Done: done, Total: total, Rows: g.w.written})
	}
}

func (g *generator) run() error {
	db := g.s.db.WithContext(g.ctx)
	for _, t := range idTables {
		var n int64
		if err := db.Raw("SELECT COALESCE(MAX(id), 0) FROM " + t).Scan(&n).Error; err != nil {
			return err
		}
		g.ids[t] = n
	}
	var head auditHead
	if err := db.First(&head, 1).Error; err != nil {
		return err
	}
	g.w.chain = &auditChain{seq: head.Seq, hash: head.Hash}
	g.w.head = *g.w.chain
	if err := db.Order("kommunenummer").Find(&g.munis).Error; err != nil {
		return err
	}
	g.muniOf = map[string]*Municipality{}
	for i := range g.munis {
		g.muniOf[g.munis[i].Kommunenummer] = &g.munis[i]
	}
	if err := db.Where("retired_at IS NULL").Order("position, code").Find(&g.factors).Error; err != nil {
		return err
	}
	g.declareTables()

	g.progress("setup", 0, 1)
	if err := g.capacities(); err != nil {
		return err
	}
	partners, err := g.partners()
	if err != nil {
		return err
	}
	if err := g.makeRegions(partners); err != nil {
		return err
	}
	if err := g.users(); err != nil {
		return err
	}
	if err := g.projects(); err != nil {
		return err
	}
	if err := g.assessments(); err != nil {
		return err
	}
	if err := g.enquiries(); err != nil {
		return err
	}
	// What is left of the audit log happened after the last enquiry came in.
	if err := g.drainAudit(g.now); err != nil {
		return err
	}
	for key, n := range g.refs {
		if err := g.w.add("counters", "ref:"+key, int64(n)); err != nil {
			return err
		}
	}
	if err := g.w.commit(); err != nil {
		return err
	}
	if err := db.Exec(`UPDATE counters SET value = value + 1 WHERE name = 'roles_version'`).Error; err != nil {
		return err
	}
	if err := g.searchIndex(); err != nil {
		return err
	}
	return g.finish()
}

func (g *generator) declareTables() {
	w := g.w
	w.table("regions", "id", "slug", "name", "host_municipality", "first_response_days", "referral_follow_up_days", "no_response_days",
		"retention_months", "load_threshold", "version", "created_at", "updated_at")
	w.table("region_members", "id", "region_id", "kommunenummer", "joined_on", "votes", "committed_fte", "takes_enquiries")
	w.table("partners", "id", "name", "name_fold", "kind", "services", "description", "website", "active", "version", "created_at", "updated_at")
	w.table("users", "id", "email", "name", "password_hash", "active", "municipality", "partner_id", "language", "last_region_id",
		"session_epoch", "version", "created_at", "updated_at")
	w.table("user_roles", "id", "user_id", "region_id", "role")
	w.table("projects", "id", "region_id", "title", "summary", "status", "starts_on", "ends_on", "budget_nok", "municipal_role", "focus",
		"approach", "visibility", "created_by", "version", "created_at", "updated_at")
	w.table("project_municipalities", "id", "project_id", "kommunenummer", "role", "contribution_nok", "contribution_fte")
	w.table("project_participants", "id", "project_id", "kind", "partner_id", "name")
	w.table("project_funding", "id", "project_id", "source", "amount_nok", "confirmed")
	w.table("project_indicators", "id", "project_id", "kind", "target", "actual")
	w.table("project_links", "id", "project_id", "title", "url")
	w.table("milestones", "id", "project_id", "title", "responsible", "due_on", "status", "done_on", "version", "created_at", "updated_at")
	w.table("assessments", "id", "region_id", "project_id", "assessed_on", "assessor_id", "note", "created_at")
	w.table("assessment_scores", "id", "assessment_id", "factor_code", "score", "comment", "evidence")
	w.table("enquiries", "id", "reference", "region_id", "channel", "kommunenummer", "enquirer_kind", "needs", "description", "name", "email",
		"phone", "language", "org_number", "business_name", "stage", "founder", "under30", "immigrant_background", "employees", "market",
		"ownership", "goods_services", "raw_material", "agriculture", "industry_section", "status", "assigned_to", "received_at",
		"first_response_due", "first_response_at", "closed_at", "outcome", "outcome_org_number", "jobs_expected", "jobs_created",
		"consent_share", "created_by", "anonymised_at", "version", "created_at", "updated_at")
	w.table("consents", "id", "enquiry_id", "purpose", "granted", "text", "version", "language", "at")
	w.table("activities", "id", "enquiry_id", "kind", "occurred_on", "minutes", "text", "user_id", "created_at")
	w.table("status_changes", "id", "enquiry_id", "from_status", "to_status", "user_id", "at")
	w.table("referrals", "id", "enquiry_id", "region_id", "partner_id", "adviser_id", "contact_name", "contact_email", "reason", "message",
		"share_personal_data", "status", "follow_up_due", "sent_at", "acknowledged_at", "closed_at", "outcome", "outcome_reason", "instrument",
		"amount_nok", "for_board", "version", "created_at", "updated_at")
	w.table("referral_events", "id", "referral_id", "from_status", "to_status", "user_id", "via", "note", "at")
	w.table("referral_comments", "id", "referral_id", "user_id", "text", "at")
	w.table("audit_log", "id", "seq", "at", "user_id", "region_id", "action", "object", "object_id", "request_id", "ip", "detail", "prev_hash", "hash")
	w.table("counters", "name", "value")
}

// --- random helpers ---------------------------------------------------------

func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *generator) pickID(list []int64) int64 { return list[g.rng.IntN(len(list))] }

// weighted picks a key by weight; keys and weights align.
func (g *generator) weighted(keys []string, weights []float64) string {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := g.rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return keys[i]
		}
		x -= w
	}
	return keys[len(keys)-1]
}

// lognormal draws a positive number with the given median and spread.
func (g *generator) lognormal(median, sigma float64) float64 {
	return median * math.Exp(g.rng.NormFloat64()*sigma)
}

// poisson draws a count with mean lambda (Knuth; lambda is small here).
func (g *generator) poisson(lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= g.rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

func (g *generator) requestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], g.rng.Uint64())
	binary.LittleEndian.PutUint64(b[8:], g.rng.Uint64())
	return hex.EncodeToString(b[:])
}

func (g *generator) ip(a, b, c, d int) string {
	buf := make([]byte, 0, 15)
	for i, x := range []int{a, b, c, d} {
		if i > 0 {
			buf = append(buf, '.')
		}
		buf = strconv.AppendInt(buf, int64(x), 10)
	}
	return string(buf)
}

func (g *generator) staffIP() string {
	return g.ip(10, g.rng.IntN(4), g.rng.IntN(256), 1+g.rng.IntN(254))
}

// between is a moment uniformly between a and b.
func (g *generator) between(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(g.rng.Int64N(int64(b.Sub(a)))))
}

// workHour moves t to a working hour of its day, 08–16 Oslo time.
func (g *generator) workHour(t time.Time) time.Time {
	l := t.In(Oslo)
	return time.Date(l.Year(), l.Month(), l.Day(), 8+g.rng.IntN(8), g.rng.IntN(60), g.rng.IntN(60), 0, Oslo)
}

// nextWorkMoment is t if it falls in working hours (08–16 on a working day,
// Oslo time), else a moment early in the next working hours: when advisers
// get to what came in the evening or at the weekend.
func (g *generator) nextWorkMoment(t time.Time) time.Time {
	l := t.In(Oslo)
	if IsWorkingDay(l) && l.Hour() >= 8 && l.Hour() < 16 {
		return t
	}
	d := time.Date(l.Year(), l.Month(), l.Day(), 12, 0, 0, 0, Oslo)
	if l.Hour() >= 16 || !IsWorkingDay(l) {
		d = d.AddDate(0, 0, 1)
	}
	for !IsWorkingDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 8, g.rng.IntN(90), g.rng.IntN(60), 0, Oslo)
}

// genDay is the calendar day of t in Norway, as the database keeps dates.
func genDay(t time.Time) time.Time { return dateOf(t) }

// orgNumber makes a valid organisation number: eight digits and the mod-11 check.
func (g *generator) orgNumber() string {
	for {
		b := []byte{byte('8' + g.rng.IntN(2))}
		for i := 0; i < 7; i++ {
			b = append(b, byte('0'+g.rng.IntN(10)))
		}
		sum := 0
		for i, w := range []int{3, 2, 7, 6, 5, 4, 3, 2} {
			sum += int(b[i]-'0') * w
		}
		check := 11 - sum%11
		if check == 11 {
			check = 0
		}
		if check == 10 {
			continue
		}
		return string(append(b, byte('0'+check)))
	}
}

var asciiLetters = strings.NewReplacer("æ", "ae", "ø", "o", "å", "aa", "Æ", "ae", "Ø", "o", "Å", "aa", "é", "e", "á", "a", "š", "s",
	"č", "c", "ŋ", "n", "đ", "d", "ž", "z", "ï", "i", "ė", "e", "ū", "u", "ę", "e", "ł", "l", "ń", "n", "ś", "s", "ż", "z", "ą", "a")

// ascii turns a Norwegian name into the letters of a slug or an e-mail address.
func ascii(s string) string {
	s = strings.ToLower(asciiLetters.Replace(s))
	var b strings.Builder
	dash := false
	for _, c := range s {
		switch {
		case c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c)):
			b.WriteRune(c)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// --- audit entries in time order ------------------------------------------

// auditQueue holds audit entries until the simulation reaches their moment,
// so the log is written in time order whatever order events are planned in.
type auditQueue struct {
	items []*AuditEntry
	order []int64
	n     int64
}

func (q auditQueue) Len() int { return len(q.items) }
func (q auditQueue) Less(i, j int) bool {
	if !q.items[i].At.Equal(q.items[j].At) {
		return q.items[i].At.Before(q.items[j].At)
	}
	return q.order[i] < q.order[j]
}
func (q auditQueue) Swap(i, j int) {
	q.items[i], q.items[j] = q.items[j], q.items[i]
	q.order[i], q.order[j] = q.order[j], q.order[i]
}
func (q *auditQueue) Push(x any) {
	q.items = append(q.items, x.(*AuditEntry))
	q.order = append(q.order, q.n)
	q.n++
}
func (q *auditQueue) Pop() any {
	n := len(q.items) - 1
	e := q.items[n]
	q.items, q.order = q.items[:n], q.order[:n]
	return e
}

// audit plans an audit entry at when, if that is not after now.
func (g *generator) audit(when time.Time, user int64, region int64, action, object, objectID, detail string, staff bool) {
	if when.After(g.now) {
		return
	}
	e := &AuditEntry{At: when.UTC().Truncate(time.Microsecond), Action: action, Object: object, ObjectID: objectID, Detail: detail}
	if user != 0 {
		u := user
		e.UserID = &u
	}
	if region != 0 {
		r := region
		e.RegionID = &r
	}
	switch {
	case action == "no_response":
		e.RequestID = "system"
	case action == "anonymise":
		e.RequestID = "retention"
	case staff:
		e.RequestID, e.IP = g.requestID(), g.staffIP()
	default: // the one door and one-time links: no address is kept (app.actor)
		e.RequestID = g.requestID()
	}
	heap.Push(&g.audits, e)
}

// drainAudit writes the planned audit entries up to until.
func (g *generator) drainAudit(until time.Time) error {
	for g.audits.Len() > 0 && !g.audits.items[0].At.After(until) {
		e := heap.Pop(&g.audits).(*AuditEntry)
		e.ID = g.id("audit_log")
		if err := g.w.addAudit(e); err != nil {
			return err
		}
		g.sum.AuditEntries++
	}
	return nil
}

// --- reference data, partners, regions, users ------------------------------

// capacities gives every municipality a way of organising business
// development and its FTE for it, as the cooperation load page needs.
func (g *generator) capacities() error {
	orgs := []string{"own_department", "development_company", "mayor_model", "business_consultant", "regional_company"}
	return g.s.inTx(g.ctx, func(tx *gorm.DB) error {
		for i := range g.munis {
			m := &g.munis[i]
			org := g.weighted(orgs, []float64{3, 2, 1, 3, 2})
			fte := math.Round((0.3+float64(m.Population)/12000*(0.6+0.8*g.rng.Float64()))*10) / 10
			fte = math.Min(fte, 40)
			if err := tx.Exec(`UPDATE municipalities SET organisation = ?, business_fte = ?, version = version + 1 WHERE kommunenummer = ?`,
				org, fte, m.Kommunenummer).Error; err != nil {
				return err
			}
			m.Organisation, m.BusinessFTE = org, fte
			g.audit(g.start, 0, 0, "update", "municipality", m.Kommunenummer, fmt.Sprintf("organisation=%s business_fte=%g", org, fte), true)
		}
		return nil
	})
}

// partners keeps the catalogue and adds each county's partners: the county
// council, the state administrator's agriculture department, a savings bank
// and a knowledge institution.
func (g *generator) partners() ([]*genPartner, error) {
	var existing []Partner
	if err := g.s.db.WithContext(g.ctx).Order("id").Find(&existing).Error; err != nil {
		return nil, err
	}
	// By folded name, as the unique index of name_fold tells them apart: a
	// partner alike to one already there is that one, not a second.
	byName := map[string]*genPartner{}
	var out []*genPartner
	roles := map[string]string{"Innovasjon Norge": "innovation", "Siva": "siva", "Norges forskningsråd": "rd", "NAV": "nav", "Kommunalt næringsfond": "fund"}
	for _, p := range existing {
		gp := &genPartner{id: p.ID, name: p.Name, kind: p.Kind, services: p.Services, role: roles[p.Name]}
		byName[foldName(p.Name)] = gp
		out = append(out, gp)
	}
	// The catalogue's regional partners are Innlandet's.
	for name, role := range map[string]string{"Innlandet fylkeskommune": "county", "Statsforvalteren i Innlandet, landbruksavdelingen": "farm",
		"SpareBank 1 Østlandet": "bank", "Høgskolen i Innlandet": "knowledge"} {
		if p := byName[foldName(name)]; p != nil {
			p.county, p.role = "34", role
		}
	}
	var counties []County
	if err := g.s.db.WithContext(g.ctx).Order("number").Find(&counties).Error; err != nil {
		return nil, err
	}
	for _, c := range counties {
		for _, p := range []genPartner{
			{name: c.Name + " fylkeskommune", kind: "regional", services: "financing,advice,network", role: "county"},
			{name: "Statsforvalteren i " + c.Name + ", landbruksavdelingen", kind: "regional", services: "financing,advice", role: "farm"},
			{name: "Sparebanken " + c.Name, kind: "regional", services: "financing,advice", role: "bank"},
			{name: "Kunnskapsparken " + c.Name, kind: "regional", services: "competence,rd,network", role: "knowledge"},
		} {
			if c.Number == "34" || c.Number == "03" && p.role == "farm" {
				continue // Innlandet's are in the catalogue; Oslo has no farming department
			}
			if byName[foldName(p.name)] != nil {
				continue
			}
			p.id, p.county = g.id("partners"), c.Number
			gp := p
			byName[foldName(p.name)] = &gp
			out = append(out, &gp)
			if err := g.w.add("partners", gp.id, gp.name, foldName(gp.name), gp.kind, gp.services, "Regional partner i "+c.Name+".", "https://"+ascii(c.Name)+".example.no",
				true, 1, g.start, g.start); err != nil {
				return nil, err
			}
			g.audit(g.start, 0, 0, "create", "partner", idStr(gp.id), gp.name, true)
			g.sum.Partners++
		}
	}
	return out, nil
}

// makeRegions groups the municipalities into regional cooperations: for the
// national scale each county's municipalities, in number order (which follows
// geography), in groups of about nine; for the regional scale the Mjøsa region.
func (g *generator) makeRegions(partners []*genPartner) error {
	var groups [][]string
	if g.opts.Scale == GenRegional {
		groups = [][]string{genRegionalMembers}
	} else {
		byCounty := map[string][]string{}
		var counties []string
		for _, m := range g.munis {
			if byCounty[m.CountyNumber] == nil {
				counties = append(counties, m.CountyNumber)
			}
			byCounty[m.CountyNumber] = append(byCounty[m.CountyNumber], m.Kommunenummer)
		}
		sort.Strings(counties)
		for _, c := range counties {
			ms := byCounty[c]
			k := max(1, int(math.Round(float64(len(ms))/9)))
			for i := 0; i < k; i++ {
				groups = append(groups, ms[i*len(ms)/k:(i+1)*len(ms)/k])
			}
		}
	}
	joined := time.Date(g.start.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	usedSlugs := map[string]bool{}
	totalPop := 0.0
	for _, m := range g.munis {
		totalPop += float64(m.Population)
	}
	for _, members := range groups {
		host := members[0]
		for _, k := range members {
			if g.muniOf[k].Population > g.muniOf[host].Population {
				host = k
			}
		}
		hm := g.muniOf[host]
		slug := ascii(hm.Name) + "-regionen"
		name := "Næringssamarbeidet " + hm.Name + "regionen"
		if g.opts.Scale == GenRegional {
			slug, name = "mjosregionen", "Mjøsregionen næringssamarbeid"
		}
		for usedSlugs[slug] {
			slug += "-2"
		}
		usedSlugs[slug] = true
		r := &genRegion{id: g.id("regions"), slug: slug, name: name, county: hm.CountyNumber, host: host, members: members,
			firstResponseDays: 2, followUpDays: 14, noResponseDays: 30, retentionMonths: 36,
			quality: g.lognormal(1, 0.3), muniUsers: map[string][]int64{}, partnerUsers: map[int64][]int64{}, contactName: map[int64]string{}}
		if g.chance(0.3) {
			r.firstResponseDays = 3
		}
		r.prefix = referencePrefix(&Region{Slug: slug})
		for i := range r.baseline {
			r.baseline[i] = 2.2 + 1.8*g.rng.Float64()
		}
		if err := g.w.add("regions", r.id, r.slug, r.name, r.host, r.firstResponseDays, r.followUpDays, r.noResponseDays, r.retentionMonths,
			1.0, 1, g.start, g.start); err != nil {
			return err
		}
		g.audit(g.start, 0, r.id, "create", "region", idStr(r.id), r.slug, true)
		for _, k := range members {
			if err := g.w.add("region_members", g.id("region_members"), r.id, k, joined, 1, math.Round((0.2+0.6*g.rng.Float64())*10)/10, true); err != nil {
				return err
			}
			g.audit(g.start, 0, r.id, "save_member", "region", idStr(r.id), k, true)
			g.primary[k] = r
			r.weight += genMuniWeight(g.muniOf[k])
		}
		for _, p := range partners {
			if p.county == "" || p.county == r.county {
				r.partners = append(r.partners, p)
			}
		}
		g.regions = append(g.regions, r)
		g.sum.Regions++
	}
	// Some municipalities also take part in a neighbouring cooperation, without
	// taking its enquiries: the overlap that strains capacity.
	if len(g.regions) > 1 {
		for i, r := range g.regions {
			next := g.regions[(i+1)%len(g.regions)]
			if next.county != r.county || !g.chance(0.5) {
				continue
			}
			k := r.members[len(r.members)-1]
			if err := g.w.add("region_members", g.id("region_members"), next.id, k, joined, 1, 0.2, false); err != nil {
				return err
			}
			g.audit(g.start, 0, next.id, "save_member", "region", idStr(next.id), k, true)
		}
	}
	// Municipalities are chosen for each enquiry in proportion to their weight.
	for _, m := range g.munis {
		w := 0.0
		if g.primary[m.Kommunenummer] != nil {
			w = genMuniWeight(&m)
		}
		last := 0.0
		if len(g.muniCum) > 0 {
			last = g.muniCum[len(g.muniCum)-1]
		}
		g.muniCum = append(g.muniCum, last+w)
	}
	_ = totalPop
	return nil
}

// genMuniWeight is how many enquiries a municipality sends, relatively: in
// proportion to population, a little more for small places, which have a
// business adviser of their own and use the first line more per head.
func genMuniWeight(m *Municipality) float64 {
	return math.Pow(float64(m.Population), 0.92) + 800
}

// users makes the admins and, for each region, coordinators, advisers (by the
// region's volume of enquiries), board members, municipality users and a
// contact at each partner.
func (g *generator) users() error {
	add := func(r *genRegion, email, name, role, municipality string, partner int64) (int64, error) {
		id := g.id("users")
		var mun, pid, last any
		if municipality != "" {
			mun = municipality
		}
		if partner != 0 {
			pid = partner
		}
		var regionID any
		if r != nil {
			last, regionID = r.id, r.id
		}
		lang := "nb"
		if g.chance(0.04) {
			lang = "en"
		}
		if err := g.w.add("users", id, email, name, genPasswordHash, true, mun, pid, lang, last, 1, 1, g.start, g.start); err != nil {
			return 0, err
		}
		if err := g.w.add("user_roles", g.id("user_roles"), id, regionID, role); err != nil {
			return 0, err
		}
		// In the region of the user's role, as the store's auditUser writes
		// it; an admin's in none.
		detail, region := role+"@0", int64(0)
		if r != nil {
			detail, region = fmt.Sprintf("%s@%d", role, r.id), r.id
		}
		g.audit(g.start, 0, region, "create", "user", idStr(id), detail, true)
		g.sum.Users++
		return id, nil
	}
	name := func() string {
		if g.chance(0.5) {
			return g.pick(genFemale) + " " + g.pick(genFamily)
		}
		return g.pick(genMale) + " " + g.pick(genFamily)
	}
	for i := 1; i <= 3; i++ {
		if _, err := add(nil, fmt.Sprintf("admin-%d@samspill.example", i), name(), RoleAdmin, "", 0); err != nil {
			return err
		}
	}
	totalWeight := 0.0
	for _, r := range g.regions {
		totalWeight += r.weight
	}
	for _, r := range g.regions {
		domain := r.slug + ".example"
		perYear := float64(g.size.enquiries) * r.weight / totalWeight / float64(g.size.years)
		advisers := max(2, int(math.Round(perYear/130))) // an adviser takes some 130 new enquiries a year beside other work
		for i := 1; i <= 2; i++ {
			id, err := add(r, fmt.Sprintf("koordinator-%d@%s", i, domain), name(), RoleCoordinator, "", 0)
			if err != nil {
				return err
			}
			r.coordinators = append(r.coordinators, id)
		}
		for i := 1; i <= advisers; i++ {
			id, err := add(r, fmt.Sprintf("radgiver-%d@%s", i, domain), name(), RoleAdviser, "", 0)
			if err != nil {
				return err
			}
			r.advisers = append(r.advisers, id)
		}
		for i := 1; i <= 7; i++ {
			id, err := add(r, fmt.Sprintf("styret-%d@%s", i, domain), name(), RoleBoard, "", 0)
			if err != nil {
				return err
			}
			r.board = append(r.board, id)
		}
		for _, k := range r.members {
			n := min(8, 3+g.muniOf[k].Population/10000)
			for i := 1; i <= n; i++ {
				id, err := add(r, fmt.Sprintf("kommune-%s-%d@%s", k, i, domain), name(), RoleMunicipality, k, 0)
				if err != nil {
					return err
				}
				r.muniUsers[k] = append(r.muniUsers[k], id)
			}
		}
		for _, p := range r.partners {
			r.contactName[p.id] = name()
			if p.role == "fund" || p.role == "nav" {
				continue // answered by the region's own staff, or by e-mail
			}
			contacts := 2
			if p.role == "innovation" {
				contacts = 3
			}
			for i := 1; i <= contacts; i++ {
				id, err := add(r, fmt.Sprintf("partner-%d-%d@%s", p.id, i, domain), name(), RolePartner, "", p.id)
				if err != nil {
					return err
				}
				r.partnerUsers[p.id] = append(r.partnerUsers[p.id], id)
			}
		}
	}
	// The log-ins to try are in the region with the most enquiries.
	big := g.regions[0]
	for _, r := range g.regions {
		if r.weight > big.weight {
			big = r
		}
	}
	domain := big.slug + ".example"
	var partnerLogin string
	for _, p := range big.partners {
		if p.role == "innovation" && len(big.partnerUsers[p.id]) > 0 {
			partnerLogin = fmt.Sprintf("partner-%d-1@%s", p.id, domain)
		}
	}
	g.sum.Region = big.slug
	g.sum.Logins = []DemoLogin{
		{RoleAdmin, "admin-1@samspill.example", ""},
		{RoleCoordinator, "koordinator-1@" + domain, ""},
		{RoleAdviser, "radgiver-1@" + domain, ""},
		{RoleMunicipality, fmt.Sprintf("kommune-%s-1@%s", big.host, domain), ""},
		{RoleBoard, "styret-1@" + domain, ""},
		{RolePartner, partnerLogin, ""},
	}
	return nil
}

// searchIndex fills the full-text index of the generated enquiries in bulk.
func (g *generator) searchIndex() error {
	if g.s.dialect != SQLite {
		return nil
	}
	var first, last int64
	row := g.s.db.WithContext(g.ctx).Raw(`SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM enquiries`).Row()
	if err := row.Scan(&first, &last); err != nil {
		return err
	}
	const chunk = 25_000
	for from := first; from <= last && last > 0; from += chunk {
		to := min(from+chunk-1, last)
		if err := g.s.inTx(g.ctx, func(tx *gorm.DB) error { return g.s.indexEnquiries(tx, from, to) }); err != nil {
			return err
		}
		g.progress("search index", to-first+1, last-first+1)
	}
	return nil
}

// finish sets PostgreSQL's sequences past the ids the generator gave and
// gathers its planner's statistics (as autovacuum would soon), and empties
// SQLite's write-ahead log into the database.
func (g *generator) finish() error {
	db := g.s.db.WithContext(g.ctx)
	g.progress("statistics", 0, 1)
	if g.s.dialect == Postgres {
		for _, t := range idTables {
			if err := db.Exec(fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM %s), 1))`, t, t)).Error; err != nil {
				return fmt.Errorf("sequence of %s: %w", t, err)
			}
		}
		if err := db.Exec("ANALYZE").Error; err != nil {
			return err
		}
	} else {
		// No ANALYZE: a database that grew in use has no statistics either,
		// and the queries are written to be planned well without them.
		if err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error; err != nil {
			return err
		}
	}
	g.progress("statistics", 1, 1)
	return nil
}
