package app

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"samspill/models"
)

// TestStaffPagesWordTheEnquirerInThirdPerson: the one door asks the enquirer
// "Hvor langt har du kommet?" and offers "Jeg vil starte bedrift"; the pages
// staff, partners and municipalities read say what the enquirer answered in
// the third person ("Fase: Holder på å starte"), not as if the reader had
// said it, in Bokmål and in English.
func TestStaffPagesWordTheEnquirerInThirdPerson(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	firstPerson := []string{"Hvor langt har du kommet?", "Jeg vil starte bedrift", "Jeg holder på å starte", "Jeg driver en bedrift",
		"How far have you come?", "I want to start a business", "I am starting up"}
	partner := ts.client(t)
	partner.login(demoEmail(models.RolePartner), models.DemoPassword)
	_, list := partner.get("/referrals")
	m := referralLink.FindStringSubmatch(list)
	if m == nil {
		t.Fatal("the demo partner has no referral")
	}
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	municipality := ts.client(t)
	municipality.login(demoEmail(models.RoleMunicipality), models.DemoPassword)
	tests := []struct {
		name, lang string
		c          *client
		path       string
		want       []string
	}{
		{"partner's referral", "nb", partner, "/referrals/" + m[1], []string{"Fase", "Vil starte bedrift", "Holder på å starte"}},
		{"partner's referral in English", "en", partner, "/referrals/" + m[1], []string{"Stage", "Wants to start a business", "Starting up"}},
		{"adviser's inbox filters", "nb", adviser, "/enquiries", []string{"Fase", "Vil starte bedrift", "Driver en bedrift", "Har en idé"}},
		{"municipality's statistics", "nb", municipality, "/statistics", []string{"Vil starte bedrift"}},
	}
	// The case page's facts name the language to answer in, not the one
	// door's question (which its edit form, the enquirer's answers, keeps).
	id, _ := submitShared(t, ts, false)
	for lang, want := range map[string]string{"nb": "<dt>Svarspråk</dt>", "en": "<dt>Language to answer in</dt>"} {
		adviser.post("/language", map[string][]string{"lang": {lang}, "back": {"/"}})
		if _, page := adviser.get("/enquiries/" + itoa(id)); !strings.Contains(page, want) {
			t.Errorf("the case page in %s lacks %s", lang, want)
		}
	}
	for _, tt := range tests {
		tt.c.post("/language", map[string][]string{"lang": {tt.lang}, "back": {"/"}})
		_, page := tt.c.get(tt.path)
		for _, w := range tt.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: %s lacks %q", tt.name, tt.path, w)
			}
		}
		for _, w := range firstPerson {
			if strings.Contains(page, w) {
				t.Errorf("%s: %s says %q, the enquirer's own words", tt.name, tt.path, w)
			}
		}
	}
}

// TestStaffEnquiryFormsAskAboutTheEnquirer: the adviser's new-enquiry form
// and a case's edit form are filled in by the adviser about someone else, so
// they ask about the enquirer in the third person ("Hvem tok kontakt?"), not
// as the one door asks the enquirer ("Hvem er du?"); the one door keeps its
// own second-person questions in every language it offers.
func TestStaffEnquiryFormsAskAboutTheEnquirer(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	id, _ := submitShared(t, ts, false)
	secondPerson := map[string][]string{
		"nb": {"Hvem er du?", "Kommunen der du bor", "Hva trenger du hjelp til?", "Fortell kort om hva du trenger", "Hvilket språk vil du",
			"Hvor langt har du kommet?", "Har du startet bedrift før?", "Er du under 30 år?", "Har du innvandrerbakgrunn?",
			"Har du ikke startet bedrift", "gi deg bedre hjelp", "Jeg vil starte bedrift", "Jeg holder på å starte", "jeg har startet bedrift før"},
		"en": {"Who are you?", "where you live", "What do you need help with?", "Tell us briefly what you need", "Which language should we",
			"How far have you come?", "Have you started a business before?", "Are you under 30?", "Do you have an immigrant background?",
			"If you have not started", "give you better help", "I want to start a business", "I am starting up", "I have started a business before"},
	}
	thirdPerson := map[string][]string{
		"nb": {"Hvem tok kontakt?", "Kommunen personen bor i", "Hva trenger personen hjelp til?", "Har personen startet bedrift før?",
			"Er personen under 30 år?", "Har personen innvandrerbakgrunn?", "Vil starte bedrift", "Holder på å starte"},
		"en": {"Who got in touch?", "The municipality the person lives in", "What does the person need help with?", "Has the person started a business before?",
			"Is the person under 30?", "Does the person have an immigrant background?", "Wants to start a business", "Starting up"},
	}
	for _, lang := range []string{"nb", "en"} {
		adviser.post("/language", map[string][]string{"lang": {lang}, "back": {"/"}})
		for _, path := range []string{"/enquiries/new", "/enquiries/" + itoa(id)} {
			_, page := adviser.get(path)
			for _, w := range thirdPerson[lang] {
				if !strings.Contains(page, w) {
					t.Errorf("%s in %s lacks %q", path, lang, w)
				}
			}
			for _, w := range secondPerson[lang] {
				if strings.Contains(page, w) {
					t.Errorf("%s in %s asks the adviser %q, the one door's question to the enquirer", path, lang, w)
				}
			}
		}
	}
	// The one door asks the enquirer, in the second person, in each of its
	// languages: the staff words are not among its labels.
	public := ts.client(t)
	for lang, want := range map[string]string{"nb": "Hvem er du?", "en": "Who are you?", "nn": "", "pl": "", "uk": "", "ar": "", "lt": ""} {
		_, page := public.get("/enquiry?lang=" + lang)
		if want != "" && !strings.Contains(page, want) {
			t.Errorf("the one door in %s lacks %q", lang, want)
		}
		for _, w := range append(thirdPerson["nb"][:6:6], thirdPerson["en"][:6]...) {
			if strings.Contains(page, w) {
				t.Errorf("the one door in %s says %q, the staff form's words", lang, w)
			}
		}
	}
}

// TestReportGrantsEmptyState: the board's report with referrals sent in the
// period but none granted says that none was granted, not that there were no
// referrals, beside the count of the one sent.
func TestReportGrantsEmptyState(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	board := ts.client(t)
	board.login(demoEmail(models.RoleBoard), models.DemoPassword)
	_, page := board.get("/reports/referrals")
	if !strings.Contains(page, "Innovasjon Norge") {
		t.Fatalf("the demo's report has not the referral sent to Innovasjon Norge\n%s", page)
	}
	if strings.Contains(page, "Ingen henvisninger i perioden.") {
		t.Error("the report says there were no referrals in the period beside the one sent")
	}
	if n := strings.Count(page, "Ingen av henvisningene sendt i perioden er innvilget."); n != 2 {
		t.Errorf("the granted funds' tables say %d times that none was granted; want 2 (per quarter, per municipality)", n)
	}
}

// TestReferralStatusFilterOffersWhatTheViewerSees: the board and a partner
// never see a draft, so the referral list's status filter does not offer
// "Utkast" to them (choosing it listed nothing, unsaid why); advisers and
// coordinators, who write drafts, are offered it.
func TestReferralStatusFilterOffersWhatTheViewerSees(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	draft := `<option value="draft"`
	for _, tt := range []struct {
		role string
		want bool
	}{
		{models.RoleAdviser, true}, {models.RoleCoordinator, true}, {models.RoleBoard, false}, {models.RolePartner, false},
	} {
		c := ts.client(t)
		c.login(demoEmail(tt.role), models.DemoPassword)
		_, page := c.get("/referrals")
		if !strings.Contains(page, `<option value="sent"`) {
			t.Fatalf("%s: the referral list has no status filter", tt.role)
		}
		if got := strings.Contains(page, draft); got != tt.want {
			t.Errorf("%s: the status filter offers drafts = %v; want %v", tt.role, got, tt.want)
		}
	}
}

// TestListFiltersOfferAll: a list's filter left blank lists every value, and
// says so ("Alle"), as the audit log's and the users' do; the inbox and the
// referrals said "Velg", as a form's required choice does.
func TestListFiltersOfferAll(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	first := regexp.MustCompile(`<select class="ds-input" id="f-([a-z_]+)" name="[a-z_]+"[^>]*>\s*<option value=""[^>]*>([^<]*)</option>`)
	for path, selects := range map[string]int{"/enquiries": 7, "/referrals": 2} {
		_, page := c.get(path)
		ms := first.FindAllStringSubmatch(page, -1)
		if len(ms) < selects {
			t.Fatalf("%s: %d selects with a blank choice; want %d", path, len(ms), selects)
		}
		for _, m := range ms {
			if m[2] != "Alle" {
				t.Errorf("%s: the filter %s's blank choice says %q; want Alle", path, m[1], m[2])
			}
		}
	}
}

// TestTablesAndTagsReadNaturally: a table's header does not repeat the unit
// its values already end in ("Bidrag (kr)" over "400 000 kr"), the project
// list says a leading municipality leads the project ("Stange (Leder)" read
// as Stange's leader), and a milestone done by its date is "Gjennomført i
// tide", not "Gjennomført I tide"; in Bokmål and in English.
func TestTablesAndTagsReadNaturally(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	board := ts.client(t)
	board.login(demoEmail(models.RoleBoard), models.DemoPassword)
	link := regexp.MustCompile(`href="/projects/(\d+)"`)
	for _, tt := range []struct {
		lang                          string
		lead, contribution, amount    string
		onTime, granted, unit, capTag string
	}{
		{"nb", "(leder prosjektet)", `>Bidrag</th>`, `>Beløp</th>`, `data-color="success">i tide</span>`, `>Innvilget beløp</th>`, `(kr)</th>`, `>I tide<`},
		{"en", "(leads the project)", `>Contribution</th>`, `>Amount</th>`, `data-color="success">on time</span>`, `>Amount granted</th>`, `(NOK)</th>`, `>On time<`},
	} {
		for _, c := range []*client{coord, board} {
			c.post("/language", map[string][]string{"lang": {tt.lang}, "back": {"/"}})
		}
		_, list := coord.get("/projects")
		if !strings.Contains(list, tt.lead) || strings.Contains(list, "(Leder)") || strings.Contains(list, "(Lead)") {
			t.Errorf("%s: the project list does not say %q of the leading municipality", tt.lang, tt.lead)
		}
		var pages strings.Builder
		for _, m := range link.FindAllStringSubmatch(list, -1) {
			_, page := coord.get("/projects/" + m[1])
			pages.WriteString(page)
		}
		_, report := board.get("/reports/referrals")
		all := pages.String() + report
		for _, want := range []string{tt.contribution, tt.amount, tt.onTime, tt.granted} {
			if !strings.Contains(all, want) {
				t.Errorf("%s: no project page nor the report has %q", tt.lang, want)
			}
		}
		for _, bad := range []string{tt.unit, tt.capTag} {
			if strings.Contains(all, bad) {
				t.Errorf("%s: a project page or the report has %q", tt.lang, bad)
			}
		}
	}
}

// TestStaffFormErrorsSpeakOfTheEnquirer: the adviser registering a call is
// told what the person needs help with and how to reach the person, not the
// one door's "what you need help with … so we can reach you".
func TestStaffFormErrorsSpeakOfTheEnquirer(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	for lang, words := range map[string]struct{ want, not []string }{
		"nb": {[]string{"Velg minst én ting personen trenger hjelp til.", "Oppgi e-post eller telefon, så dere kan nå personen.", "Kryss av når personen har sagt ja til at henvendelsen lagres."},
			[]string{"du trenger hjelp til", "nå deg", "Vi må ha samtykket ditt", "ringe oss"}},
		"en": {[]string{"Choose at least one thing the person needs help with.", "Give an e-mail address or a phone number to reach the person by.", "Tick this when the person has agreed to the enquiry being stored."},
			[]string{"you need help with", "reach you", "We need your consent", "call us"}},
	} {
		adviser.post("/language", map[string][]string{"lang": {lang}, "back": {"/"}})
		adviser.get("/enquiries/new")
		res, page := adviser.post("/enquiries", url.Values{"channel": {"phone"}, "municipality": {"3403"}, "name": {"Kari Nordmann"}, "description": {"Vil starte kafé"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d; want 422", lang, res.StatusCode)
		}
		for _, w := range words.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the refused form lacks %q", lang, w)
			}
		}
		for _, w := range words.not {
			if strings.Contains(page, w) {
				t.Errorf("%s: the refused form tells the adviser %q, the one door's words to the enquirer", lang, w)
			}
		}
	}
}

// TestStaffAPIErrorsSpeakOfTheEnquirer: the staff API's answers about a
// missing need or contact (POST and PATCH /api/v1/enquiries, which the
// region's own integrations send for a person who rang) speak of the person,
// as the staff forms do; the one door's API (POST /api/v1/intake), which the
// enquirer's own browser or app sends, keeps its words to the enquirer.
func TestStaffAPIErrorsSpeakOfTheEnquirer(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	token := ts.token(t, models.RoleAdviser)
	id, _ := submitShared(t, ts, false)
	status, got := ts.api(t, token, http.MethodGet, "/api/v1/enquiries/"+itoa(id), "")
	version, ok := got["version"].(float64)
	if status != http.StatusOK || !ok {
		t.Fatalf("GET the enquiry = %d %v", status, got)
	}
	v := strconv.Itoa(int(version))
	const (
		staffNeeds, staffContact   = "Velg minst én ting personen trenger hjelp til.", "Oppgi e-post eller telefon, så dere kan nå personen."
		publicNeeds, publicContact = "Velg minst én ting du trenger hjelp til.", "Oppgi e-post eller telefon, så vi kan nå deg."
	)
	body := `"municipality": "3403", "enquirer_kind": "prospective_entrepreneur", "needs": [], "description": "Vil starte kafé", "name": "Kari Nordmann", "consent_store": true`
	tests := []struct {
		name, token, method, path, body string
		needs, contact                  string
	}{
		{"create", token, http.MethodPost, "/api/v1/enquiries", `{` + body + `}`, staffNeeds, staffContact},
		{"create refused for another field too", token, http.MethodPost, "/api/v1/enquiries", `{` + body + `, "status": "closed"}`, staffNeeds, staffContact},
		{"edit", token, http.MethodPatch, "/api/v1/enquiries/" + itoa(id), `{"needs": [], "email": "", "phone": "", "version": ` + v + `}`, staffNeeds, staffContact},
		{"edit refused for another field too", token, http.MethodPatch, "/api/v1/enquiries/" + itoa(id), `{"needs": [], "email": "", "phone": "", "channel": "web", "version": ` + v + `}`, staffNeeds, staffContact},
		{"the one door", "", http.MethodPost, "/api/v1/intake", `{` + body + `}`, publicNeeds, publicContact},
	}
	for _, tt := range tests {
		status, out := ts.api(t, tt.token, tt.method, tt.path, tt.body)
		errBody, _ := out["error"].(map[string]any)
		fields, _ := errBody["fields"].(map[string]any)
		if status != http.StatusUnprocessableEntity || fields["needs"] != tt.needs || fields["email"] != tt.contact {
			t.Errorf("%s: %s %s = %d, needs %q, email %q; want 422, %q, %q", tt.name, tt.method, tt.path, status, fields["needs"], fields["email"], tt.needs, tt.contact)
		}
	}
}
