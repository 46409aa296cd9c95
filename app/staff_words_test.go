package app

import (
	"regexp"
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
	if n := strings.Count(page, "Ingen henvisninger er innvilget i perioden."); n != 2 {
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
