package app

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"samspill/models"
	"samspill/views"
)

// TestAuditDetailsInWords words every kind of detail the code writes into
// the log, in Bokmål and English: the audit log showed "released=2",
// "closed->in_progress", "fields=needs,org_number" and ids to coordinators
// and admins who read it. A case is needed for every action of
// models.AuditActions and every action and object the models write, so that
// a new kind of entry fails here until it is worded.
func TestAuditDetailsInWords(t *testing.T) {
	t.Parallel()
	set, err := views.New()
	if err != nil {
		t.Fatal(err)
	}
	names := &models.AuditNames{
		Users:          map[int64]string{12: "Rune Rådgiver"},
		Regions:        map[int64]string{1: "Hamarregionen Utvikling", 2: "Osloregionen"},
		Partners:       map[int64]string{3: "Innovasjon Norge"},
		Municipalities: map[string]string{"3403": "Hamar"},
	}
	tests := []struct {
		action, object, detail string
		nb, en                 string
	}{
		{"view", "enquiry", "page", "På siden", "On the page"},
		{"view", "enquiry", "api", "Gjennom API-et", "Through the API"},
		{"view", "enquiry", "api activities", "Aktivitetene, gjennom API-et", "The activities, through the API"},
		{"view", "enquiry", "access request export", "I svaret på et innsynskrav", "In the answer to an access request"},
		{"view", "enquiry", "page rows=1", "Listen på siden, 1 rad", "The list on the page, 1 row"},
		{"view", "enquiry", "page rows=50", "Listen på siden, 50 rader", "The list on the page, 50 rows"},
		{"view", "enquiry", "api rows=2", "Liste gjennom API-et, 2 rader", "A list through the API, 2 rows"},
		{"view", "enquiry", "rows=1045", "Nedlasting med 1\u00a0045 rader", "A download of 1,045 rows"},
		{"view", "referral", "link", "Gjennom engangslenken", "Through the one-time link"},
		{"view", "person", "access request export, enquiries=3", "Svar på et innsynskrav, med 3 henvendelser", "The answer to an access request, with 3 enquiries"},
		{"create", "enquiry", "channel=walk_in", "Kanal: Oppmøte", "Channel: Walk-in"},
		{"create", "referral", "enquiry=5 partner=3 share=true", "Henvendelse nr. 5 til Innovasjon Norge, med personopplysninger", "Enquiry no. 5 to Innovasjon Norge, with personal data"},
		{"create", "referral", "enquiry=5 partner=4 share=false", "Henvendelse nr. 5 til partner nr. 4, uten personopplysninger", "Enquiry no. 5 to partner no. 4, without personal data"},
		{"create", "user", "roles=adviser@1,coordinator@2", "Roller: Førstelinjerådgiver i Hamarregionen Utvikling, Koordinator i Osloregionen", "Roles: First-line adviser in Hamarregionen Utvikling, Coordinator in Osloregionen"},
		{"create", "user", "board@1", "Roller: Styret i Hamarregionen Utvikling", "Roles: Board in Hamarregionen Utvikling"}, // the national test data
		{"create", "user", "admin@0", "Roller: Administrator", "Roles: Administrator"},
		{"create", "api_token", "user=12 days=90", "For Rune Rådgiver, gyldig i 90 dager", "For Rune Rådgiver, valid for 90 days"},
		{"create", "api_token", "user=12 days=90 scope=read", "For Rune Rådgiver, gyldig i 90 dager, bare lese", "For Rune Rådgiver, valid for 90 days, read only"},
		{"create", "api_token", "user=12 days=1 scope=write", "For Rune Rådgiver, gyldig i 1 dag, lese og endre", "For Rune Rådgiver, valid for 1 day, read and change"},
		{"create", "partner", "Sparebank 1 Østlandet", "Navn: Sparebank 1 Østlandet", "Name: Sparebank 1 Østlandet"},
		{"create", "region", "hamarregionen", "Kortnavn: hamarregionen", "Short name: hamarregionen"},
		{"create", "project", "status=idea", "Status: Idé", "Status: Idea"},
		{"create", "milestone", "project=7 status=planned", "Prosjekt nr. 7, status: Planlagt", "Project no. 7, status: Planned"},
		{"create", "assessment", "region scores=9", "Regionens samarbeid, 9 faktorer vurdert", "The region's cooperation, 9 factors assessed"},
		{"create", "assessment", "project=7 scores=1", "Prosjekt nr. 7, 1 faktor vurdert", "Project no. 7, 1 factor assessed"},
		{"create", "factor", "hindering", "Type: Hemmende", "Type: Hindering"},
		{"update", "enquiry", "fields=needs,org_number", "Endret: behov, organisasjonsnummer", "Changed: needs, organisation number"},
		{"update", "region", "settings", "Innstillinger", "Settings"},
		{"update", "region", "load_threshold=120.5", "Terskel for flagging: 120,5 %", "Threshold for flagging: 120.5 %"},
		{"update", "partner", "active=false", "Ikke aktiv", "Inactive"},
		{"update", "user", "profile", "Navn, e-post, kommune eller partner", "Name, e-mail, municipality or partner"},
		{"update", "project", "status=paused", "Status: På vent", "Status: Paused"},
		{"update", "milestone", "project=7 status=done", "Prosjekt nr. 7, status: Gjennomført", "Project no. 7, status: Done"},
		{"update", "referral", "draft reason=financing share=false", "Utkastet: gjelder Finansiering og tilskudd, uten personopplysninger", "The draft: about Financing and grants, without personal data"},
		{"update", "municipality", "organisation=own_department business_fte=1.5", "Organisering: Egen næringsavdeling i kommunen; 1,5 årsverk til næringsutvikling", "Organisation: Own business department in the municipality; 1.5 FTE for business development"},
		{"update", "municipality", "organisation= business_fte=0", "Organisering: Ikke oppgitt; 0 årsverk til næringsutvikling", "Organisation: Not given; 0 FTE for business development"},
		{"status", "enquiry", "closed->in_progress", "Avsluttet → Under arbeid", "Closed → In progress"},
		{"status", "referral", "sent->acknowledged", "Sendt → Bekreftet mottatt", "Sent → Acknowledged"},
		{"status", "project", "active->completed", "Aktiv → Fullført", "Active → Completed"},
		{"assign", "enquiry", "assigned_to=12", "Til Rune Rådgiver", "To Rune Rådgiver"},
		{"assign", "enquiry", "assigned_to=0", "Ikke tildelt", "Not assigned"},
		{"activity", "enquiry", "kind=meeting", "Møte", "Meeting"},
		{"close", "enquiry", "outcome=guided", "Utfall: Veiledet", "Outcome: Guided"},
		{"close", "referral", "outcome=supported via=user", "Utfall: Innvilget / fikk hjelp", "Outcome: Supported"},
		{"close", "referral", "outcome=declined via=link after=no_response", "Utfall: Avslått, meldt gjennom engangslenken, kom etter at henvisningen var satt til ikke besvart", "Outcome: Declined, reported through the one-time link, came after the referral was set to no response"},
		{"route", "enquiry", "region=2", "Til Osloregionen", "To Osloregionen"},
		{"route", "enquiry", "region=9", "Til region nr. 9", "To region no. 9"},
		{"route", "enquiry", "from_region=1", "Fra Hamarregionen Utvikling", "From Hamarregionen Utvikling"},
		{"route", "enquiry", "from_region=queue", "Fra administratorkøen", "From the admin queue"},
		{"comment", "referral", "", "", ""},
		{"for_board", "referral", "true", "Satt på listen til styremøtet", "Put on the list for the board meeting"},
		{"for_board", "referral", "false", "Tatt av listen til styremøtet", "Taken off the list for the board meeting"},
		{"create_link", "referral", "", "", ""},
		{"acknowledge_by_link", "referral", "", "", ""},
		{"no_response", "referral", "no answer 14 days after the follow-up date", "Ikke svar 14 dager etter oppfølgingsdatoen", "No answer 14 days after the follow-up date"},
		{"follow_up", "referral", "2026-01-02->2026-01-16", "02.01.2026 → 16.01.2026", "02.01.2026 → 16.01.2026"},
		{"discard", "referral", "enquiry=5 partner=3", "Henvendelse nr. 5 til Innovasjon Norge", "Enquiry no. 5 to Innovasjon Norge"},
		{"erase", "enquiry", "reason: Krav per e-post", "Begrunnelse: Krav per e-post", "Reason: Krav per e-post"},
		{"anonymise", "enquiry", "retention period ended", "Oppbevaringstiden var ute", "The retention period ended"},
		// Re-applied by a restore to the restored database (models.ReappliedPrefix).
		{"erase", "enquiry", "reapplied after restore: entry=57 reason: Krav per e-post",
			"Gjort på nytt etter gjenoppretting fra sikkerhetskopi (oppføring 57 i databasen som ble erstattet): Begrunnelse: Krav per e-post",
			"Done again after restoring from a backup (entry 57 in the database that was replaced): Reason: Krav per e-post"},
		{"anonymise", "enquiry", "reapplied after restore: entry=58 retention period ended",
			"Gjort på nytt etter gjenoppretting fra sikkerhetskopi (oppføring 58 i databasen som ble erstattet): Oppbevaringstiden var ute",
			"Done again after restoring from a backup (entry 58 in the database that was replaced): The retention period ended"},
		{"set_roles", "user", "roles=board@1", "Roller: Styret i Hamarregionen Utvikling", "Roles: Board in Hamarregionen Utvikling"},
		{"set_roles", "user", "roles=", "Ingen roller", "No roles"},
		{"activate", "user", "", "", ""},
		{"deactivate", "user", "", "", ""},
		{"deactivate", "user", "released=1", "Den åpne saken ble flyttet tilbake til regionens kø", "The open case was moved back to the region's queue"},
		{"deactivate", "user", "released=2", "De 2 åpne sakene ble flyttet tilbake til regionens kø", "The 2 open cases were moved back to the region's queue"},
		{"change_password", "user", "", "", ""},
		{"reset_password", "user", "", "", ""},
		{"end_sessions", "user", "", "", ""},
		{"revoke", "api_token", "", "", ""},
		{"revoke", "api_token", "user=12 deactivate", "Nøkkelen til Rune Rådgiver, fordi brukeren ble deaktivert", "The key of Rune Rådgiver, because the user was deactivated"},
		{"revoke", "api_token", "user=12 reset_password", "Nøkkelen til Rune Rådgiver, fordi passordet ble tilbakestilt", "The key of Rune Rådgiver, because the password was reset"},
		{"revoke", "api_token", "user=13 end_sessions", "Nøkkelen til bruker nr. 13, fordi brukeren ble logget ut overalt", "The key of user no. 13, because the user was logged out everywhere"},
		{"save_member", "region", "3403", "Kommune: 3403 Hamar", "Municipality: 3403 Hamar"},
		{"remove_member", "region", "3412", "Kommune: 3412", "Municipality: 3412"},
		{"retire", "factor", "", "", ""},
		{"reinstate", "factor", "", "", ""},
		{"withdraw_consent", "enquiry", "purpose=share referrals=0", "Samtykket til deling; ingen åpen henvisning delte personopplysninger", "Consent to share; no open referral shared personal data"},
		{"withdraw_consent", "enquiry", "purpose=share referrals=2", "Samtykket til deling; 2 åpne henvisninger sluttet å dele personopplysninger", "Consent to share; 2 open referrals stopped sharing personal data"},
		{"unshare", "referral", "consent withdrawn", "Personen trakk tilbake samtykket til deling", "The person withdrew the consent to share"},
		{"grant_admin", "user", "", "", ""},
		{"revoke_admin", "user", "", "", ""},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.action+" "+tt.object] = true
		e := models.AuditLine{AuditEntry: models.AuditEntry{Action: tt.action, Object: tt.object, Detail: tt.detail}, Names: names}
		for lang, want := range map[string]string{"nb": tt.nb, "en": tt.en} {
			got, ok := auditDetails(page{loc: set.Localizer(lang)}, e, false)
			if got != want || !ok {
				t.Errorf("%s %s %q in %s = %q, %t; want %q, true", tt.action, tt.object, tt.detail, lang, got, ok, want)
			}
		}
	}
	for _, action := range models.AuditActions {
		if !slices.ContainsFunc(tests, func(tt struct{ action, object, detail, nb, en string }) bool { return tt.action == action }) {
			t.Errorf("the audit action %q has no case here: word its detail in auditDetails and add one", action)
		}
	}
	for _, kind := range auditKindsWritten(t) {
		if !covered[kind] {
			t.Errorf("the models write audit entries %q, which have no case here: word their detail in auditDetails and add one", kind)
		}
	}
}

// auditKindsWritten reads the models' code for the action and object of each
// audit entry it writes ("status enquiry"), as TestAuditCodesListed does; the
// few chosen at run time are listed by hand.
func auditKindsWritten(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../models/*.go")
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`(?:s\.audit\(tx|s\.auditUser\(tx|g\.audit\(\w+(?:\.\w+)?), .*?"([a-z_]+)", "([a-z_]+)", `)
	kinds := []string{"retire factor", "reinstate factor", "grant_admin user", "revoke_admin user", "view enquiry", "view referral"}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			kinds = append(kinds, m[1]+" "+m[2])
		}
	}
	if len(kinds) < 40 {
		t.Fatalf("found %d audit calls; the pattern no longer matches the code", len(kinds))
	}
	return kinds
}

// A detail in no form this version writes is shown as it is, not half
// worded: an older version's entries stay in the log for good.
func TestAuditDetailsUnknownShownAsItIs(t *testing.T) {
	t.Parallel()
	set, err := views.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []models.AuditEntry{
		{Action: "status", Object: "enquiry", Detail: "closed->reopened"},
		{Action: "status", Object: "enquiry", Detail: "closed"},
		{Action: "update", Object: "enquiry", Detail: "fields=needs,shoe_size"},
		{Action: "deactivate", Object: "user", Detail: "released=two"},
		{Action: "close", Object: "referral", Detail: "outcome=supported via=fax"},
		{Action: "view", Object: "enquiry", Detail: "printout"},
		{Action: "frobnicate", Object: "enquiry", Detail: "x=1"},
		{Action: "anonymise", Object: "enquiry", Detail: "by hand"},
		{Action: "anonymise", Object: "enquiry", Detail: "reapplied after restore: entry=x retention period ended"},
		{Action: "anonymise", Object: "enquiry", Detail: "reapplied after restore: entry=58 by hand"},
		{Action: "create", Object: "api_token", Detail: "user=12 days=90 scope=admin"},
	} {
		got, ok := auditDetails(page{loc: set.Localizer("nb")}, models.AuditLine{AuditEntry: e}, false)
		if got != e.Detail || ok {
			t.Errorf("%s %s %q = %q, %t; want it as it is, false", e.Action, e.Object, e.Detail, got, ok)
		}
	}
}

// The audit log page shows an entry's detail in words, with the codes the
// log holds behind a disclosure for whoever needs them: a coordinator read
// "released=3" where a deactivated adviser's cases went back to the queue.
func TestAuditLogShowsDetailsInWords(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	adviserUser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	n, err := ts.store.OpenAssigned(ctx, adminViewer(t, ts), adviserUser.ID)
	if err != nil || n < 2 {
		t.Fatalf("the demo adviser's open cases: %d, %v", n, err)
	}
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	path := "/admin/users/" + itoa(adviserUser.ID)
	admin.get(path)
	if res, body := admin.post(path+"/active", url.Values{"active": {"false"}, "open_cases": {"release"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate = %d\n%s", res.StatusCode, errorSummary(body))
	}
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, page := coord.get("/admin/audit?action=deactivate")
	want := "<td>De " + strconv.FormatInt(n, 10) + ` åpne sakene ble flyttet tilbake til regionens kø<details class="codes"><summary>Koder</summary><code>released=` + strconv.FormatInt(n, 10) + "</code></details></td>"
	if !strings.Contains(page, want) {
		t.Errorf("the deactivation's detail is not in words with its codes behind them; want %s in\n%s", want, page)
	}
	_, page = coord.get("/admin/audit?action=assign")
	if !strings.Contains(page, "<td>Ikke tildelt<details") || strings.Contains(page, "<td>assigned_to=0") {
		t.Error("the cases moved to the queue do not say so in words")
	}
}

// The audit log's user filter finds the entries a user made and those about
// the user's account: an admin changed the adviser's roles, and filtering by
// the adviser found only what the adviser did.
func TestAuditUserFilterFindsEntriesAboutTheUser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	hamar, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	adviser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	path := "/admin/users/" + itoa(adviser.ID)
	admin.get(path)
	if res, body := admin.post(path+"/roles", url.Values{"region_id": {itoa(hamar.ID)}, "roles": {"adviser", "board"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set roles = %d\n%s", res.StatusCode, errorSummary(body))
	}
	own := ts.client(t)
	own.login(adviser.Email, models.DemoPassword)
	own.get("/enquiries/1") // what the adviser did: a view of a case
	total := regexp.MustCompile(`Antall treff: (\d+)`)
	for _, as := range []string{models.RoleAdmin, models.RoleCoordinator} {
		c := ts.client(t)
		c.login(demoEmail(as), models.DemoPassword)
		for _, q := range []string{"user=" + url.QueryEscape(adviser.Email), "user=" + url.QueryEscape(adviser.Name), "user_id=" + itoa(adviser.ID)} {
			_, page := c.get("/admin/audit?action=set_roles&" + q)
			if m := total.FindStringSubmatch(page); m == nil || m[1] != "1" || !strings.Contains(page, "<td>"+itoa(adviser.ID)+"</td>") {
				t.Errorf("as %s, GET /admin/audit?action=set_roles&%s: %v; want the one entry about %s", as, q, m, adviser.Name)
			}
			_, page = c.get("/admin/audit?action=view&" + q)
			if m := total.FindStringSubmatch(page); m == nil || m[1] == "0" || !strings.Contains(page, adviser.Email) {
				t.Errorf("as %s, GET /admin/audit?action=view&%s: %v; want what %s did", as, q, m, adviser.Name)
			}
		}
		// Nobody's name finds nothing, neither done by nor about anyone.
		_, page := c.get("/admin/audit?user=ingen-slik-bruker")
		if m := total.FindStringSubmatch(page); m == nil || m[1] != "0" {
			t.Errorf("as %s, an unknown user finds %v", as, m)
		}
	}
	c := ts.client(t)
	c.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	if _, page := c.get("/admin/audit"); !strings.Contains(page, "det brukeren gjorde, og det som ble gjort med brukerkontoen") {
		t.Error("the user filter does not say it finds entries about the user too")
	}
}

// The audit log's filters asked with what cannot be used say so and list
// nothing, and those that can be used but find nothing say that; none of
// them writes anything. A "to" date before the "from" date listed nothing
// without a word, as if the log were empty for the period.
func TestAuditFiltersWithBadInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	c := ts.client(t)
	c.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	before, err := ts.store.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, first := c.get("/admin/audit")
	all := regexp.MustCompile(`Antall treff: (\d+)`).FindStringSubmatch(first)
	if all == nil || all[1] == "0" {
		t.Fatalf("the region's log: %v", all)
	}
	tests := []struct {
		query string
		want  int
		says  []string // on the page; for a refusal, in its error summary
		hits  string   // the number of entries listed, for a page that lists
	}{
		{"from=2026-05-01&to=2026-01-01", http.StatusUnprocessableEntity, []string{`href="#f-to"`, "Til dato: Til-datoen kan ikke være før fra-datoen.", `value="2026-01-01"`}, ""},
		{"from=1.5.2026", http.StatusBadRequest, []string{"Fra dato: Skriv en dato (åååå-mm-dd).", `value="1.5.2026"`}, ""},
		{"to=2026-02-30", http.StatusBadRequest, []string{"Til dato: Datoen finnes ikke i kalenderen. Sjekk dag og måned (åååå-mm-dd).", `value="2026-02-30"`}, ""},
		{"user_id=0", http.StatusUnprocessableEntity, []string{"Bruker-ID: Skriv et helt tall som er 1 eller større."}, ""},
		{"user_id=99999999999999999999", http.StatusBadRequest, []string{"Bruker-ID: Skriv et tall."}, ""},
		{"page=2&limit=x&user=rune", http.StatusBadRequest, []string{"Rader per side: Skriv et tall.", `href="/admin/audit?user=rune">Vis første side`}, ""},
		// Usable, finding nothing: an unknown user, and LIKE's wildcards taken as they are.
		{"user_id=99999", http.StatusOK, []string{"Ingen oppføringer passer utvalget.", "bruker nr. 99999"}, "0"},
		{"user=ingen-slik-bruker", http.StatusOK, []string{"Ingen oppføringer passer utvalget.", `value="ingen-slik-bruker"`}, "0"},
		{"user=%25", http.StatusOK, []string{"Ingen oppføringer passer utvalget."}, "0"},
		{"user=_", http.StatusOK, []string{"Ingen oppføringer passer utvalget."}, "0"},
		// Dates at the ends of the calendar are a period like any other.
		{"from=0001-01-01&to=9999-12-31", http.StatusOK, nil, all[1]},
		{"from=2026-01-01&to=2026-01-01", http.StatusOK, nil, ""},
	}
	for _, tt := range tests {
		res, page := c.get("/admin/audit?" + tt.query)
		if res.StatusCode != tt.want {
			t.Errorf("GET /admin/audit?%s = %d; want %d", tt.query, res.StatusCode, tt.want)
			continue
		}
		where := page
		if tt.want != http.StatusOK {
			where = regexp.MustCompile(`(?s)id="error-summary".*?</div>`).FindString(page) + regexp.MustCompile(`(?s)<form method="get".*?</form>`).FindString(page)
			if strings.Contains(page, "<tbody>") || strings.Contains(page, "Antall treff") {
				t.Errorf("GET /admin/audit?%s lists entries under a filter it could not use", tt.query)
			}
		}
		for _, s := range tt.says {
			if !strings.Contains(where, s) {
				t.Errorf("GET /admin/audit?%s does not say %s", tt.query, s)
			}
		}
		if tt.hits != "" {
			if m := regexp.MustCompile(`Antall treff: (\d+)`).FindStringSubmatch(page); m == nil || m[1] != tt.hits {
				t.Errorf("GET /admin/audit?%s lists %v entries; want %s", tt.query, m, tt.hits)
			}
		}
	}
	if after, err := ts.store.VerifyAudit(ctx); err != nil || after != before {
		t.Errorf("the log holds %d entries after reading it (%v); want %d", after, err, before)
	}
}

// TestAuditLogNamesWhoActedWithoutAUser: an entry made through a partner's
// one-time link, by the one door or by Samspill's own jobs has no user; the
// log's user cell says who acted in words (Innovasjon Norge via
// engangslenke, by the referral's partner), not nothing, nor a partner
// without its name.
func TestAuditLogNamesWhoActedWithoutAUser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	r, partner := demoOpenReferral(t, ts, 0)
	rid := itoa(r.ID)
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	adviser.get("/referrals/" + rid)
	_, page := adviser.post("/referrals/"+rid+"/link", nil)
	m := oneTimeLink.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no link")
	}
	anon := ts.client(t)
	anon.get(m[1])
	if res, _ := anon.post(m[1], url.Values{"action": {"acknowledge"}}); res.StatusCode != http.StatusOK {
		t.Fatalf("acknowledge by link = %d", res.StatusCode)
	}
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	row := regexp.MustCompile(`(?s)<tr><td>\d+</td><td>[^<]*</td><td>([^<]*)(?:<div[^>]*>[^<]*</div>)?</td><td>([^<]*)</td><td>([^<]*)</td>`)
	for lang, want := range map[string]map[string]string{
		"nb": {"acknowledge_by_link": partner.Name + " via engangslenke", "view": partner.Name + " via engangslenke", "create": "Skjema på nettsiden"},
		"en": {"acknowledge_by_link": partner.Name + " via one-time link", "view": partner.Name + " via one-time link", "create": "Web form"},
	} {
		coord.post("/language", url.Values{"lang": {lang}, "back": {"/"}})
		seen := map[string]bool{}
		for _, q := range []string{"?object=referral&object_id=" + rid, "?object=enquiry"} {
			_, log := coord.get("/admin/audit" + q)
			for _, r := range row.FindAllStringSubmatch(log, -1) {
				if strings.TrimSpace(r[1]) == "" {
					t.Errorf("%s: an entry (%s %s) has an empty user cell", lang, r[2], r[3])
				}
				for action, who := range want {
					if r[1] == who {
						seen[action] = true
					}
				}
			}
		}
		for action, who := range want {
			if !seen[action] {
				t.Errorf("%s: no entry's user cell says %q (%s)", lang, who, action)
			}
		}
	}
}
