package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"samspill/models"
)

// endpoint is one kind of request in the mix, with its share, the role that
// makes it and the status it must answer.
type endpoint struct {
	name   string
	weight int
	role   string
	status int
	target string // what it is held to at the fixed rate: list, page, search, report, or ""
}

// endpoints is the mix: what a national installation's users do, in requests
// per thousand. Advisers work in Samspill all day: the inbox, the cases and
// search make most of the traffic. Partners check the referrals sent to them;
// the public sends enquiries through the one door. Coordinators, the board and
// municipality staff look at portfolios, follow-up reports and statistics now
// and then, and an adviser exports a list now and then.
var endpoints = []endpoint{
	{"inbox", 280, models.RoleAdviser, http.StatusOK, "list"},
	{"enquiry", 250, models.RoleAdviser, http.StatusOK, "page"},
	{"search", 100, models.RoleAdviser, http.StatusOK, "search"},
	{"dashboard", 80, models.RoleAdviser, http.StatusOK, "list"},
	{"referrals (partner)", 60, models.RolePartner, http.StatusOK, "list"},
	{"referral follow-up (board)", 20, models.RoleBoard, http.StatusOK, "report"},
	{"portfolio", 20, models.RoleCoordinator, http.StatusOK, "report"},
	{"heat map", 20, models.RoleCoordinator, http.StatusOK, "report"},
	{"municipality statistics", 30, models.RoleMunicipality, http.StatusOK, "report"},
	{"export CSV (filtered)", 5, models.RoleCoordinator, http.StatusOK, ""},
	{"intake", 135, "", http.StatusCreated, ""},
}

var tabs = []string{"", "new", "mine", "open", "waiting", "overdue"}

// request is one request to send.
type request struct {
	endpoint string
	method   string
	url      string
	body     []byte
	cookie   string
	status   int
}

// mix makes the requests of the mix.
type mix struct {
	base    string
	regions []models.BenchRegion
	byRole  map[string][]user
	client  *http.Client
	seed    uint64
	total   int
}

func newMix(base string, regions []models.BenchRegion, users []user, seed uint64) *mix {
	m := &mix{base: base, regions: regions, byRole: map[string][]user{}, seed: seed}
	for _, u := range users {
		m.byRole[u.role] = append(m.byRole[u.role], u)
	}
	for _, e := range endpoints {
		m.total += e.weight
	}
	m.client = &http.Client{
		Timeout:       2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, DisableCompression: true, IdleConnTimeout: time.Minute},
	}
	return m
}

// next draws the next request of the mix.
func (m *mix) next(rng *rand.Rand) request {
	x := rng.IntN(m.total)
	for _, e := range endpoints {
		if x < e.weight {
			return m.make(rng, e)
		}
		x -= e.weight
	}
	return m.make(rng, endpoints[0])
}

func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

// make builds a request of endpoint e from a random user of its role.
func (m *mix) make(rng *rand.Rand, e endpoint) request {
	req := request{endpoint: e.name, method: http.MethodGet, status: e.status}
	var u user
	if e.role != "" {
		users := m.byRole[e.role]
		if len(users) == 0 {
			users = m.byRole[models.RoleAdviser]
		}
		u = pick(rng, users)
		req.cookie = u.cookie
	}
	r := m.regions[u.region]
	q := url.Values{}
	switch e.name {
	case "inbox":
		if t := pick(rng, tabs); t != "" {
			q.Set("tab", t)
		}
		if rng.IntN(3) == 0 && len(r.Municipalities) > 1 {
			q.Set("municipality", pick(rng, r.Municipalities))
		}
		if rng.IntN(4) == 0 {
			q.Set("need", pick(rng, models.Needs))
		}
		if rng.IntN(5) == 0 {
			q.Set("page", strconv.Itoa(2+rng.IntN(3)))
		}
		req.url = "/enquiries?" + q.Encode()
	case "enquiry":
		req.url = "/enquiries/" + strconv.FormatInt(pick(rng, r.EnquiryIDs), 10)
	case "search":
		q.Set("q", pick(rng, r.SearchTerms))
		req.url = "/enquiries?" + q.Encode()
	case "dashboard":
		req.url = "/dashboard"
	case "referrals (partner)":
		if rng.IntN(2) == 0 {
			q.Set("open", "on")
		}
		req.url = "/referrals?" + q.Encode()
	case "referral follow-up (board)":
		req.url = "/reports/referrals"
	case "portfolio":
		req.url = "/portfolio"
	case "heat map":
		req.url = "/assessments/heatmap"
	case "municipality statistics":
		req.url = "/statistics"
	case "export CSV (filtered)":
		q.Set("tab", pick(rng, []string{"new", "open", "waiting", "overdue"}))
		req.url = "/enquiries/export.csv?" + q.Encode()
	case "intake":
		req.method, req.url = http.MethodPost, "/api/v1/intake"
		req.body = intakeBody(rng, pick(rng, m.regions).Municipalities)
	}
	req.url = m.base + req.url
	return req
}

// intakeBody is one enquiry through the one door, as the JSON API takes it.
func intakeBody(rng *rand.Rand, municipalities []string) []byte {
	first := pick(rng, []string{"Kari", "Ola", "Ingrid", "Jonas", "Fatima", "Piotr", "Sara", "Emil"})
	body := map[string]any{
		"municipality":  pick(rng, municipalities),
		"enquirer_kind": pick(rng, models.EnquirerKinds),
		"needs":         []string{pick(rng, models.Needs)},
		"description":   "Jeg vil starte et lite firma og trenger hjelp med finansiering og regler.",
		"name":          first + " Testesen",
		"email":         fmt.Sprintf("%s.bench%d@example.org", first, rng.IntN(100000)),
		"language":      "nb",
		"consent_store": true,
		"consent_share": rng.IntN(2) == 0,
	}
	b, _ := json.Marshal(body)
	return b
}

// floorHTTP measures F_http: the empty page behind the same middleware, one
// request at a time, as advisers.
func floorHTTP(ctx context.Context, m *mix, n int) Stats {
	rng := rand.New(rand.NewPCG(m.seed, 99))
	var samples []sample
	start := time.Now()
	for i := 0; i < n; i++ {
		u := pick(rng, m.byRole[models.RoleAdviser])
		samples = append(samples, m.do(ctx, request{endpoint: "F_http", method: http.MethodGet, url: m.base + "/bench/floor",
			cookie: u.cookie, status: http.StatusNoContent}, time.Now()))
	}
	s := summarise(samples, time.Since(start))
	if len(s) == 0 {
		return Stats{Endpoint: "F_http"}
	}
	return s[0]
}

// floorWork is, for each endpoint, the model calls its handler makes (the same
// SQL), to run directly on the database as the users of the mix's regions. The
// calls mirror the handlers in app/. One goroutine at a time may use it.
type floorWork struct {
	all  []floorUsers
	cur  floorUsers // whose calls the work makes now
	work map[string]func() error
}

// floorUsers are the users of one of the mix's regions, as the handlers see them.
type floorUsers struct {
	r                                                  models.BenchRegion
	region                                             *models.Region
	adviser, coordinator, board, municipality, partner *models.Viewer
	a                                                  models.Actor
}

// time runs endpoint's calls once as the users of the i-th region (round the
// regions) and says how long they took.
func (fw *floorWork) time(endpoint string, i int) (time.Duration, error) {
	fn, ok := fw.work[endpoint]
	if !ok {
		return 0, fmt.Errorf("F_sql: no calls for %q", endpoint)
	}
	fw.cur = fw.all[i%len(fw.all)]
	start := time.Now()
	if err := fn(); err != nil {
		return 0, fmt.Errorf("F_sql of %s: %w", endpoint, err)
	}
	return time.Since(start), nil
}

// floorSQL measures F_sql alone: each endpoint's calls n times, one at a
// time, with nothing else running; the median time of one round.
func floorSQL(fw *floorWork, n int) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	for _, e := range endpoints {
		var ds []time.Duration
		for i := 0; i < n; i++ {
			d, err := fw.time(e.name, i)
			if err != nil {
				return nil, err
			}
			ds = append(ds, d)
		}
		out[e.name] = median(ds)
	}
	return out, nil
}

// newFloorWork prepares the floor's calls for the users of regions.
func newFloorWork(ctx context.Context, store *models.Store, regions []models.BenchRegion) (*floorWork, error) {
	var all []floorUsers
	for _, r := range regions {
		region, err := store.RegionBySlug(ctx, r.Slug)
		if err != nil {
			return nil, err
		}
		viewer := func(email string) (*models.Viewer, error) {
			u, err := store.UserByEmail(ctx, email)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", email, err)
			}
			return &models.Viewer{User: u, Region: region}, nil
		}
		domain := r.Slug + ".example"
		w := floorUsers{r: r, region: region}
		var err2 error
		for _, x := range []struct {
			dst   **models.Viewer
			email string
		}{{&w.adviser, "radgiver-1@" + domain}, {&w.coordinator, "koordinator-1@" + domain}, {&w.board, "styret-1@" + domain},
			{&w.municipality, fmt.Sprintf("kommune-%s-1@%s", r.HostNumber, domain)}} {
			if *x.dst, err2 = viewer(x.email); err2 != nil {
				return nil, err2
			}
		}
		w.partner = w.adviser
		if len(r.PartnerIDs) > 0 {
			if w.partner, err2 = viewer(fmt.Sprintf("partner-%d-1@%s", r.PartnerIDs[0], domain)); err2 != nil {
				return nil, err2
			}
		}
		w.a = models.Actor{UserID: w.adviser.User.ID, RegionID: region.ID, RequestID: "bench-floor"}
		all = append(all, w)
	}
	fw := &floorWork{all: all}
	rng := rand.New(rand.NewPCG(1, 2))
	now := store.Now().In(models.Oslo)
	from, to := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC), time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	inbox := func(f models.EnquiryFilter) error {
		list, _, err := store.Inbox(ctx, fw.cur.adviser, f)
		if err != nil {
			return err
		}
		if err := store.RecordView(ctx, fw.cur.a, "enquiry", "list", "page rows="+strconv.Itoa(len(list))); err != nil {
			return err
		}
		if _, err := store.Assignees(ctx, &fw.cur.adviser.Region.ID); err != nil {
			return err
		}
		if _, err := store.RegionMunicipalities(ctx, fw.cur.region.ID, f.Municipality); err != nil {
			return err
		}
		return nil
	}
	work := map[string]func() error{
		"inbox": func() error {
			return inbox(models.EnquiryFilter{Tab: pick(rng, tabs), Page: models.Page{Number: 1}})
		},
		"search": func() error { return inbox(models.EnquiryFilter{Q: pick(rng, fw.cur.r.SearchTerms)}) },
		"enquiry": func() error {
			id := pick(rng, fw.cur.r.EnquiryIDs)
			e, err := store.Enquiry(ctx, fw.cur.adviser, id)
			if err != nil {
				return err
			}
			sid := strconv.FormatInt(id, 10)
			steps := []func() error{
				func() error { return store.RecordView(ctx, fw.cur.a, "enquiry", sid, "page") },
				func() error { _, err := store.Activities(ctx, fw.cur.adviser, id); return err },
				func() error { _, err := store.StatusHistory(ctx, fw.cur.adviser, id); return err },
				func() error { _, err := store.Consents(ctx, fw.cur.adviser, id); return err },
				func() error { _, err := store.History(ctx, "enquiry", sid); return err },
				func() error {
					_, _, err := store.RelatedEnquiries(ctx, fw.cur.adviser, e, models.RelatedLimit)
					return err
				},
				func() error { _, err := store.Assignees(ctx, e.RegionID); return err },
				func() error { _, err := store.RegionMunicipalities(ctx, *e.RegionID, e.Kommunenummer); return err },
				func() error { _, err := store.IndustrySections(ctx); return err },
				func() error { _, err := store.EnquiryReferrals(ctx, fw.cur.adviser, id); return err },
				func() error { _, err := store.PartnerChoices(ctx, true, nil); return err },
			}
			for _, step := range steps {
				if err := step(); err != nil {
					return err
				}
			}
			return nil
		},
		"dashboard": func() error {
			if _, err := store.AdviserSummary(ctx, fw.cur.adviser); err != nil {
				return err
			}
			return nil
		},
		"referrals (partner)": func() error {
			if _, _, err := store.ReferralList(ctx, fw.cur.partner, models.ReferralFilter{Open: rng.IntN(2) == 0}); err != nil {
				return err
			}
			if _, err := store.PartnerChoices(ctx, false, nil); err != nil {
				return err
			}
			return nil
		},
		"referral follow-up (board)": func() error {
			if _, err := store.ReferralReport(ctx, fw.cur.board, from, to); err != nil {
				return err
			}
			return nil
		},
		"portfolio": func() error {
			if _, err := store.Portfolio(ctx, fw.cur.coordinator, fw.cur.region.ID); err != nil {
				return err
			}
			return nil
		},
		"heat map": func() error {
			if _, err := store.HeatMap(ctx, fw.cur.coordinator, fw.cur.region.ID); err != nil {
				return err
			}
			return nil
		},
		"municipality statistics": func() error {
			st, err := store.MunicipalityStats(ctx, fw.cur.municipality)
			if err != nil {
				return err
			}
			if _, err := store.Municipality(ctx, st.Kommunenummer); err != nil {
				return err
			}
			return nil
		},
		"export CSV (filtered)": func() error {
			f := models.EnquiryFilter{Tab: pick(rng, []string{"new", "open", "waiting", "overdue"})}
			n, err := store.ExportCount(ctx, fw.cur.coordinator, f)
			if err != nil {
				return err
			}
			if err := store.RecordView(ctx, fw.cur.a, "enquiry", "export", fmt.Sprintf("rows=%d", n)); err != nil {
				return err
			}
			_, err = store.ExportEnquiries(ctx, fw.cur.coordinator, f, func(*models.Enquiry) error { return nil })
			return err
		},
		"intake": func() error {
			var in struct {
				Municipality, EnquirerKind, Description, Name, Email, Language string
				Needs                                                          []string
			}
			b := intakeBody(rng, fw.cur.r.Municipalities)
			var j map[string]any
			_ = json.Unmarshal(b, &j)
			in.Municipality, in.EnquirerKind, in.Description = j["municipality"].(string), j["enquirer_kind"].(string), j["description"].(string)
			in.Name, in.Email, in.Language = j["name"].(string), j["email"].(string), "nb"
			for _, x := range j["needs"].([]any) {
				in.Needs = append(in.Needs, x.(string))
			}
			_, err := store.CreateEnquiry(ctx, nil, models.Actor{RequestID: "bench-floor"}, models.NewEnquiry{
				Input: models.EnquiryInput{Kommunenummer: in.Municipality, EnquirerKind: in.EnquirerKind, Needs: in.Needs, Description: in.Description,
					Name: in.Name, Email: in.Email, Language: in.Language},
				Consent: models.ConsentInput{Store: true, StoreText: "bench", ShareText: "bench", Version: "bench", Language: "nb"},
				Channel: "web"})
			return err
		},
	}
	fw.work = work
	return fw, nil
}
