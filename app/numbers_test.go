package app

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"samspill/models"
)

// digitsWithoutGrouping finds a number of four or more digits written without
// a space between the thousands, as "1234" where Norwegian writes "1 234".
var digitsWithoutGrouping = regexp.MustCompile(`\d{4,}`)

// List totals are numbers like the others on the page: "Antall treff: 1 050",
// not "1050" (DESIGN: Norwegian number formats; the pages use num elsewhere).
func TestListTotalGroupsThousands(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		if err := ts.store.RecordView(ctx, models.Actor{}, "enquiry", "1", "page"); err != nil {
			t.Fatal(err)
		}
	}
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	_, page := c.get("/admin/audit")
	m := regexp.MustCompile(`Antall treff: ([^<]+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the audit log shows no total")
	}
	if digitsWithoutGrouping.MatchString(m[1]) {
		t.Errorf("the audit log's total reads %q; want the thousands grouped, as \"1 0xx\"", m[1])
	}
}

// The adviser's minutes this month are grouped like every other number:
// "1 125 minutter", not "1125 minutter".
func TestDashboardMinutesGroupThousands(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	c.get("/enquiries/1")
	res, body := c.post("/enquiries/1/activities", url.Values{"kind": {"meeting"}, "occurred_on": {ts.store.Now().In(models.Oslo).Format("2006-01-02")}, "minutes": {"1000"}, "text": {"Heldagsseminar"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add activity = %d\n%s", res.StatusCode, body)
	}
	_, page := c.get("/dashboard")
	m := regexp.MustCompile(`big-number">([^<]+)</span> minutter`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the dashboard shows no minutes this month")
	}
	if digitsWithoutGrouping.MatchString(m[1]) {
		t.Errorf("the dashboard's minutes this month read %q; want the thousands grouped, as \"1 1xx\"", m[1])
	}
}

// A headline count agrees with its words in number: one open case is "1 åpen
// sak", not "1 åpne saker"; one open referral "1 åpen", not "1 åpne".
func TestHeadlineCountsAgreeInNumber(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()

	// The follow-up report of the demo has exactly one open referral.
	c := ts.client(t)
	c.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, page := c.get("/reports/referrals")
	if strings.Contains(page, `big-number">1</span> åpne<`) {
		t.Error(`the follow-up report reads "1 åpne"; want the singular, "1 åpen"`)
	}

	// Leave the demo adviser one open case of their three.
	admin := regionAdmin(t, ts)
	coordinator, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleCoordinator))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{2, 4} {
		e, err := ts.store.Enquiry(ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := ts.store.AssignEnquiry(ctx, admin, models.Actor{}, id, coordinator.ID, e.Version); err != nil {
			t.Fatal(err)
		}
	}
	for lang, wrong := range map[string]string{"nb": "åpne saker tildelt deg", "en": "open cases assigned to you"} {
		a := ts.client(t)
		a.login(demoEmail(models.RoleAdviser), models.DemoPassword)
		a.post("/language", url.Values{"lang": {lang}, "back": {"/dashboard"}})
		_, page := a.get("/dashboard")
		if !strings.Contains(page, `href="/enquiries?tab=mine&amp;region=1"><span class="big-number">1</span>`) {
			t.Fatalf("%s: the adviser does not have exactly one open case; the test's set-up is wrong", lang)
		}
		if strings.Contains(page, `big-number">1</span> `+wrong) {
			t.Errorf("%s: the dashboard reads \"1 %s\"; want the singular", lang, wrong)
		}
	}
}

// The case page groups its numbers too: the jobs a closing recorded and an
// activity's minutes read "1 200", not "1200".
func TestCasePageGroupsThousands(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, _ := submit(t, ts, "3412", "Trenger hjelp", "")
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	path := "/enquiries/" + itoa(id)
	c.get(path)
	if res, _ := c.post(path+"/activities", url.Values{"kind": {"meeting"}, "occurred_on": {ts.store.Now().In(models.Oslo).Format("2006-01-02")}, "minutes": {"1200"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add activity = %d", res.StatusCode)
	}
	_, page := c.get(path)
	version := caseVersionField.FindStringSubmatch(page)[1]
	if res, _ := c.post(path+"/close", url.Values{"outcome": {"established"}, "outcome_org_number": {"923609016"}, "jobs_expected": {"1500"}, "jobs_created": {"2500"}, "version": {version}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close = %d", res.StatusCode)
	}
	_, page = c.get(path)
	for _, cell := range []*regexp.Regexp{
		regexp.MustCompile(`<dt>Forventede arbeidsplasser</dt><dd>([^<]*)</dd>`),
		regexp.MustCompile(`<dt>Skapte arbeidsplasser</dt><dd>([^<]*)</dd>`),
		regexp.MustCompile(`<td>Møte</td><td>([^<]*)</td>`),
	} {
		m := cell.FindStringSubmatch(page)
		if m == nil {
			t.Errorf("the case page lacks %s", cell)
			continue
		}
		if m[1] == "" || digitsWithoutGrouping.MatchString(m[1]) {
			t.Errorf("%s reads %q; want the thousands grouped", cell, m[1])
		}
	}
}

// An English page writes numbers the English way, "999.5", a Bokmål page
// "999,5" (their thousands: TestNumbers), both in what the page says (the audit log's words for a
// municipality's business FTE) and in its form fields, which read it back
// (TestDecimalFieldsRoundTripInEachLanguage). Before, English pages wrote "999,5".
func TestNumbersFollowThePageLanguage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	hamar, err := ts.store.Municipality(context.Background(), "3403")
	if err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	c.get("/admin/municipalities/3403")
	if res, body := c.post("/admin/municipalities/3403", url.Values{"organisation": {""}, "business_fte": {"999,5"}, "version": {itoa(int64(hamar.Version))}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("update = %d\n%s", res.StatusCode, body)
	}
	tests := []struct{ lang, says, field string }{
		{"nb", "999,5 årsverk til næringsutvikling", "999,5"},
		{"en", "999.5 FTE for business development", "999.5"},
	}
	for _, tt := range tests {
		c.post("/language", url.Values{"lang": {tt.lang}, "back": {"/admin/audit"}})
		if _, page := c.get("/admin/audit?object=municipality&action=update"); !strings.Contains(page, tt.says) {
			t.Errorf("the audit log in %s does not say %q", tt.lang, tt.says)
		}
		_, form := c.get("/admin/municipalities/3403")
		if !strings.Contains(form, `value="`+tt.field+`"`) {
			t.Errorf("the business FTE field in %s is not written as the language writes it, %s", tt.lang, tt.field)
		}
	}
}

// A form's decimals are pre-filled as the page's language writes them, "0,5"
// in Bokmål and "0.5" in English, and a form opened and saved unchanged
// changes nothing, in either language: the form reads back what it wrote,
// thousands grouped too ("1 250 000,5", "1,250,000.5"). Before, English
// forms pre-filled "0,5" and "1 250 000,5".
func TestDecimalFieldsRoundTripInEachLanguage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	pid := demoProjectID(t, ts, demoHamarStange)
	project, region := "/projects/"+itoa(pid), "/admin/regions/"+itoa(demoRegion(t, ts).ID)
	kind := models.IndicatorKinds[0]
	forms := []struct {
		name, role, page, action string
		set                      url.Values // in Bokmål, before the round trips
		field                    string
		nb, en                   string // how the field is pre-filled
	}{
		{"project", models.RoleCoordinator, project + "/edit", project,
			url.Values{"indicator_target_" + kind: {"1 250 000,5"}, "indicator_actual_" + kind: {"0,25"}},
			"indicator_target_" + kind, "1\u00a0250\u00a0000,5", "1,250,000.5"},
		{"municipality", models.RoleAdmin, "/admin/municipalities/3403", "/admin/municipalities/3403",
			url.Values{"business_fte": {"2,5"}}, "business_fte", "2,5", "2.5"},
		{"region membership", models.RoleAdmin, region + "?member=3412", region + "/members",
			url.Values{"committed_fte": {"0,5"}}, "committed_fte", "0,5", "0.5"},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			c := ts.client(t)
			c.login(demoEmail(f.role), models.DemoPassword)
			c.post("/language", url.Values{"lang": {"nb"}, "back": {"/"}})
			_, page := c.get(f.page)
			form := pageForm(t, page, f.action)
			for k, v := range f.set {
				form[k] = v
			}
			if res, body := c.post(f.action, form); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("setting %v = %d\n%s", f.set, res.StatusCode, body)
			}
			for _, lang := range []string{"nb", "en", "nb"} {
				c.post("/language", url.Values{"lang": {lang}, "back": {"/"}})
				_, page := c.get(f.page)
				before := pageForm(t, page, f.action)
				want := map[string]string{"nb": f.nb, "en": f.en}[lang]
				if got := before.Get(f.field); got != want {
					t.Errorf("%s: %s is pre-filled %q; want %q", lang, f.field, got, want)
				}
				if res, body := c.post(f.action, before); res.StatusCode != http.StatusSeeOther {
					t.Fatalf("%s: saving the form unchanged = %d\n%s", lang, res.StatusCode, body)
				}
				_, page = c.get(f.page)
				after := pageForm(t, page, f.action)
				for k := range before {
					if k != "version" && k != "_csrf" && strings.Join(after[k], "|") != strings.Join(before[k], "|") {
						t.Errorf("%s: saving unchanged changed %s from %q to %q", lang, k, before[k], after[k])
					}
				}
			}
		})
	}
}

// A project's amounts in whole kroner (its budget, a municipality's
// contribution, a funding source's amount) are read as the page's language
// writes them: an English "1,500,000" is one and a half million, as the
// Bokmål "1 500 000" and "1.500.000" are; and the form opened and saved
// unchanged changes nothing, in either language. Before, English pages
// refused "1,500,000" ("Enter an amount in whole kroner").
func TestAmountFieldsReadEachLanguage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	pid := demoProjectID(t, ts, demoHamarStange)
	project := "/projects/" + itoa(pid)
	c := ts.client(t)
	c.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	typed := []struct {
		lang   string
		budget string
		want   string // the budget field pre-filled after saving
	}{
		{"en", "1,500,000", "1500000"},
		{"en", "NOK 2,500,000", "2500000"},
		{"en", "3.500.000", "3500000"}, // a Norwegian writing no English number can be
		{"nb", "1 750 000", "1750000"},
		{"nb", "1.250.000 kr", "1250000"},
		{"nb", "4,500,000", "4500000"}, // an English writing no Bokmål number can be
	}
	for _, tt := range typed {
		c.post("/language", url.Values{"lang": {tt.lang}, "back": {"/"}})
		_, page := c.get(project + "/edit")
		form := pageForm(t, page, project)
		form.Set("budget_nok", tt.budget)
		form["mun_nok"][0], form["funding_nok"][0] = tt.budget, tt.budget
		if res, body := c.post(project, form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: saving the budget %q = %d\n%s", tt.lang, tt.budget, res.StatusCode, body)
		}
		_, page = c.get(project + "/edit")
		after := pageForm(t, page, project)
		if got := after.Get("budget_nok"); got != tt.want {
			t.Errorf("%s: the budget typed %q is saved as %q; want %q", tt.lang, tt.budget, got, tt.want)
		}
		if got := []string{after["mun_nok"][0], after["funding_nok"][0]}; got[0] != tt.want || got[1] != tt.want {
			t.Errorf("%s: the contribution and funding typed %q are saved as %q; want %q", tt.lang, tt.budget, got, tt.want)
		}
	}
	for _, lang := range []string{"nb", "en", "nb"} {
		c.post("/language", url.Values{"lang": {lang}, "back": {"/"}})
		_, page := c.get(project + "/edit")
		before := pageForm(t, page, project)
		if res, body := c.post(project, before); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: saving the form unchanged = %d\n%s", lang, res.StatusCode, body)
		}
		_, page = c.get(project + "/edit")
		after := pageForm(t, page, project)
		for k := range before {
			if k != "version" && k != "_csrf" && strings.Join(after[k], "|") != strings.Join(before[k], "|") {
				t.Errorf("%s: saving unchanged changed %s from %q to %q", lang, k, before[k], after[k])
			}
		}
	}
	// What either language would read otherwise is refused, with nothing saved.
	refused := []struct{ lang, budget string }{
		{"en", "1.500"},   // English one and a half
		{"nb", "1,500"},   // Bokmål one and a half
		{"en", "1,500.5"}, // no whole kroner
	}
	for _, tt := range refused {
		c.post("/language", url.Values{"lang": {tt.lang}, "back": {"/"}})
		_, page := c.get(project + "/edit")
		form := pageForm(t, page, project)
		form.Set("budget_nok", tt.budget)
		if res, _ := c.post(project, form); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: the budget %q = %d; want 422", tt.lang, tt.budget, res.StatusCode)
		}
		_, page = c.get(project + "/edit")
		if got := pageForm(t, page, project).Get("budget_nok"); got != "4500000" {
			t.Errorf("%s: after %q was refused the budget is %q; want 4500000 as before", tt.lang, tt.budget, got)
		}
	}
}
