package app

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"samspill/models"
)

// A list of the API asked with a filter, page or limit it cannot use refuses
// the request and names the parameter: 400 for a value of the wrong form or
// an unknown parameter, 422 for a value of the right form that is not
// allowed. Before, most such values were dropped unsaid, and the answer held
// every row as if it were filtered.
func TestAPIListsRefuseBogusQueries(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleAdmin)
	_, projects := ts.api(t, tok, http.MethodGet, "/api/v1/projects?limit=1", "")
	items, _ := projects["items"].([]any)
	if len(items) == 0 {
		t.Fatal("the demo has no project")
	}
	project := "/api/v1/projects/" + itoa(int64(items[0].(map[string]any)["id"].(float64))) + "/assessments"
	tests := []struct {
		path  string
		want  int
		field string
	}{
		{"/api/v1/enquiries?status=bogus", http.StatusUnprocessableEntity, "status"},
		{"/api/v1/enquiries?channel=fax", http.StatusUnprocessableEntity, "channel"},
		{"/api/v1/enquiries?need=%25", http.StatusUnprocessableEntity, "need"},
		{"/api/v1/enquiries?enquirer_kind=alien", http.StatusUnprocessableEntity, "enquirer_kind"},
		{"/api/v1/enquiries?stage=late", http.StatusUnprocessableEntity, "stage"},
		{"/api/v1/enquiries?tab=everything", http.StatusUnprocessableEntity, "tab"},
		{"/api/v1/enquiries?sort=id", http.StatusUnprocessableEntity, "sort"},
		{"/api/v1/enquiries?municipality=Hamar", http.StatusUnprocessableEntity, "municipality"},
		{"/api/v1/enquiries?from=31.12.2026", http.StatusBadRequest, "from"},
		{"/api/v1/enquiries?to=yesterday", http.StatusBadRequest, "to"},
		{"/api/v1/enquiries?assigned_to=me", http.StatusBadRequest, "assigned_to"},
		{"/api/v1/enquiries?overdue=yes", http.StatusBadRequest, "overdue"},
		{"/api/v1/enquiries?stauts=new", http.StatusBadRequest, "stauts"},
		{"/api/v1/enquiries?limit=ten", http.StatusBadRequest, "limit"},
		{"/api/v1/enquiries?limit=0", http.StatusUnprocessableEntity, "limit"},
		{"/api/v1/enquiries?limit=-5", http.StatusUnprocessableEntity, "limit"},
		{"/api/v1/enquiries?page=0", http.StatusUnprocessableEntity, "page"},
		{"/api/v1/enquiries?page=-1", http.StatusUnprocessableEntity, "page"},
		{"/api/v1/enquiries?page=two", http.StatusBadRequest, "page"},
		{"/api/v1/referrals?status=open", http.StatusUnprocessableEntity, "status"},
		{"/api/v1/referrals?outcome=granted", http.StatusUnprocessableEntity, "outcome"},
		{"/api/v1/referrals?partner=innovasjon", http.StatusBadRequest, "partner"},
		{"/api/v1/referrals?from=2026-13-01", http.StatusBadRequest, "from"},
		{"/api/v1/referrals?open=1", http.StatusBadRequest, "open"},
		{"/api/v1/referrals?tab=mine", http.StatusUnprocessableEntity, "tab"},
		{"/api/v1/projects?status=running", http.StatusUnprocessableEntity, "status"},
		{"/api/v1/projects?municipality=34O3", http.StatusUnprocessableEntity, "municipality"},
		{"/api/v1/projects?limit=x", http.StatusBadRequest, "limit"},
		{"/api/v1/partners?page=x", http.StatusBadRequest, "page"},
		{"/api/v1/partners?kind=bank", http.StatusBadRequest, "kind"},
		{"/api/v1/municipalities?county=Innlandet", http.StatusUnprocessableEntity, "county"},
		{"/api/v1/municipalities?limit=-1", http.StatusUnprocessableEntity, "limit"},
		{"/api/v1/factors?limit=x", http.StatusBadRequest, "limit"},
		{"/api/v1/regions?page=0", http.StatusUnprocessableEntity, "page"},
		{project + "?page=x", http.StatusBadRequest, "page"},
		{"/api/v1/reports/referrals?from=1.1.2026", http.StatusBadRequest, "from"},
	}
	for _, tt := range tests {
		status, body := ts.api(t, tok, http.MethodGet, tt.path, "")
		e, _ := body["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		if status != tt.want || fields[tt.field] == nil || fields[tt.field] == "" {
			t.Errorf("GET %s = %d %v (total %v); want %d naming %s", tt.path, status, e, body["total"], tt.want, tt.field)
		}
	}
	// What a list may be asked still answers, every filter at once included.
	for _, path := range []string{
		"/api/v1/enquiries?status=new&municipality=3403&need=financing&q=hamar&channel=web&enquirer_kind=other&stage=idea" +
			"&assigned_to=1&from=2026-01-01&to=2026-12-31&overdue=on&tab=open&sort=received_asc&limit=10&page=2",
		"/api/v1/enquiries?overdue=true&queue=false&limit=200&page=1000001",
		"/api/v1/enquiries?limit=500", // more than the most is the most, as the answer's limit says
		"/api/v1/referrals?status=sent&outcome=supported&partner=1&adviser=1&region=1&municipality=3403&from=2026-01-01&to=2026-12-31&open=on&overdue=on&tab=due&q=HAM",
		"/api/v1/projects?status=active&municipality=3403&q=x",
		"/api/v1/municipalities?county=34&q=ham",
		"/api/v1/partners?q=x&limit=1&page=1",
		project + "?q=x&page=1&limit=5",
		"/api/v1/reports/referrals?from=2026-01-01&to=2026-06-30",
		// A cache-buster, as HTTP libraries add it ("cache: false"), is no
		// filter: it was refused as an unknown parameter.
		"/api/v1/enquiries?status=new&_=1764201600000",
		"/api/v1/referrals?_=1",
	} {
		if status, body := ts.api(t, tok, http.MethodGet, path, ""); status != http.StatusOK {
			t.Errorf("GET %s = %d %v; want 200", path, status, body["error"])
		}
	}
}

// A page's list asked with a filter it cannot use says so beside the field,
// in an error summary, and lists nothing; an export so asked is refused.
// Before, the inbox, the referrals and the audit log dropped such a filter
// unsaid and showed every row under the filter the user thought applied, and
// the export held every enquiry.
func TestPagesRefuseBogusFilters(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	tests := []struct {
		path, field, message string
		want                 int
	}{
		{"/enquiries?from=31.12.2026", "from", "Skriv en dato (åååå-mm-dd).", http.StatusBadRequest},
		{"/enquiries?assigned_to=Rune", "assigned_to", "Skriv et tall.", http.StatusBadRequest},
		{"/enquiries?status=ny", "status", "Velg et av alternativene.", http.StatusUnprocessableEntity},
		{"/enquiries?tab=alle", "tab", "Velg et av alternativene.", http.StatusUnprocessableEntity},
		{"/referrals?partner=innovasjon", "partner", "Skriv et tall.", http.StatusBadRequest},
		{"/referrals?to=i+dag", "to", "Skriv en dato (åååå-mm-dd).", http.StatusBadRequest},
		{"/admin/audit?user_id=rune", "user_id", "Skriv et tall.", http.StatusBadRequest},
		{"/admin/audit?from=1.1.2026", "from", "Skriv en dato (åååå-mm-dd).", http.StatusBadRequest},
		{"/admin/audit?object=enquiries", "object", "Velg et av alternativene.", http.StatusUnprocessableEntity},
		{"/admin/audit?action=read", "action", "Velg et av alternativene.", http.StatusUnprocessableEntity},
		{"/admin/audit?object=Enquiry&action=view", "object", "Velg et av alternativene.", http.StatusUnprocessableEntity},
		{"/projects?status=running", "status", "Velg et av alternativene.", http.StatusUnprocessableEntity},
		{"/reports/referrals?from=31.12.2026", "from", "Skriv en dato (åååå-mm-dd).", http.StatusBadRequest},
	}
	for _, tt := range tests {
		res, page := c.get(tt.path)
		if res.StatusCode != tt.want || !strings.Contains(page, `id="error-summary"`) || !strings.Contains(page, tt.message) ||
			!strings.Contains(page, "Utvalget kan ikke brukes slik det står") {
			t.Errorf("GET %s = %d; want %d with an error summary naming %s: %q", tt.path, res.StatusCode, tt.want, tt.field, tt.message)
		}
		if strings.Contains(page, "HAM-2026-0000") || strings.Contains(page, "<tbody>") {
			t.Errorf("GET %s lists rows under a filter it could not use", tt.path)
		}
		// Each error in the summary links to its field, or is no link when the
		// page has no field for it (the tab is chosen by the tabs' links).
		for _, target := range regexp.MustCompile(`href="#(f-[\w-]+)"`).FindAllStringSubmatch(page, -1) {
			if !strings.Contains(page, `id="`+target[1]+`"`) {
				t.Errorf("GET %s: the error summary links to #%s, which is not on the page", tt.path, target[1])
			}
		}
	}
	for _, path := range []string{"/enquiries/export.csv?from=31.12.2026", "/enquiries/export.xlsx?need=penger", "/reports/referrals.csv?table=partners&to=i+dag"} {
		if res, body := c.get(path); res.StatusCode < 400 || strings.Contains(body, "HAM-2026-0000") {
			t.Errorf("GET %s = %d; want it refused, not every enquiry", path, res.StatusCode)
		}
	}
	// Filters that can be used still list.
	for _, path := range []string{"/enquiries?from=2026-01-01&status=new&tab=open&overdue=on", "/referrals?from=2026-01-01&open=on",
		"/admin/audit?from=2026-01-01", "/admin/audit?object=enquiry&action=view", "/admin/audit?object=api_token&action=revoke", "/projects?status=active", "/reports/referrals?from=2026-01-01"} {
		if res, page := c.get(path); res.StatusCode != http.StatusOK || strings.Contains(page, "error-summary") {
			t.Errorf("GET %s = %d; want 200 without errors", path, res.StatusCode)
		}
	}
}

// Every list page asked for a page or a page size that is not a whole number
// of 1 or more says so in the error summary, as the API refuses it, lists
// nothing and links the first page of the same selection; before, the pages
// read `page=abc`, `page=-1` or `limit=0` silently as the first page or the
// default size. A size above the most is the most, as in the API, and a page
// past the end keeps saying so (TestListsPastTheirEndAndFiltered).
func TestPagesRefuseBogusPageNumbers(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	lists := []string{"/enquiries", "/referrals", "/projects", "/admin/audit", "/admin/partners", "/admin/users", "/admin/municipalities", "/assessments"}
	tests := []struct {
		query, message string
		want           int
	}{
		{"page=abc", "Side: Skriv et tall.", http.StatusBadRequest},
		{"page=-1", "Side: Skriv et helt tall som er 1 eller større.", http.StatusUnprocessableEntity},
		{"page=0", "Side: Skriv et helt tall som er 1 eller større.", http.StatusUnprocessableEntity},
		{"page=1.5", "Side: Skriv et tall.", http.StatusBadRequest},
		{"limit=ten", "Rader per side: Skriv et tall.", http.StatusBadRequest},
		{"limit=0", "Rader per side: Skriv et helt tall som er 1 eller større.", http.StatusUnprocessableEntity},
		{"limit=-50&page=2", "Rader per side: Skriv et helt tall som er 1 eller større.", http.StatusUnprocessableEntity},
	}
	for _, path := range lists {
		for _, tt := range tests {
			url := path + "?q=x&" + tt.query
			res, page := c.get(url)
			if res.StatusCode != tt.want || !strings.Contains(page, `id="error-summary"`) || !strings.Contains(page, tt.message) ||
				!strings.Contains(page, "Utvalget kan ikke brukes slik det står") {
				t.Errorf("GET %s = %d; want %d with an error summary saying %q", url, res.StatusCode, tt.want, tt.message)
				continue
			}
			if strings.Contains(page, "<tbody>") {
				t.Errorf("GET %s lists rows on a page it could not read", url)
			}
			if !strings.Contains(page, `href="`+path+`?q=x">Vis første side`) {
				t.Errorf("GET %s: no link to the first page of the same selection", url)
			}
		}
		// The most rows a page holds, or more, is a page of the most.
		for _, query := range []string{"limit=200", "limit=100000", "limit=99999999999999999999", "page=1&limit=1"} {
			if res, page := c.get(path + "?" + query); res.StatusCode != http.StatusOK || strings.Contains(page, "error-summary") {
				t.Errorf("GET %s?%s = %d; want 200 without errors", path, query, res.StatusCode)
			}
		}
	}
}

// A period that ends before it starts holds nothing: every list and report
// with from and to refuses it as the audit log does, beside the to date and
// in the error summary with both dates kept (422), and the API names to.
// Before, the inbox, the referrals and their API lists answered an empty
// list without a word, and the report swapped the dates unsaid.
func TestListsRefuseAPeriodEndingBeforeItStarts(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	const reversed = "from=2026-05-01&to=2026-01-01"
	pages := []struct{ path, label string }{
		{"/enquiries", "Mottatt til"},
		{"/referrals", "Sendt til"},
		{"/reports/referrals", "Til"},
		{"/admin/audit", "Til dato"},
	}
	for _, tt := range pages {
		res, page := c.get(tt.path + "?" + reversed)
		summary := regexp.MustCompile(`(?s)id="error-summary".*?</div>`).FindString(page)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(summary, `href="#f-to"`) ||
			!strings.Contains(summary, tt.label+": Til-datoen kan ikke være før fra-datoen.") {
			t.Errorf("GET %s?%s = %d; want 422 with the to date refused in the error summary:\n%s", tt.path, reversed, res.StatusCode, summary)
		}
		if !regexp.MustCompile(`(?s)id="f-to"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="f-to"`).MatchString(page) ||
			!strings.Contains(page, "Til-datoen kan ikke være før fra-datoen.</") {
			t.Errorf("GET %s?%s does not mark the to date with its error", tt.path, reversed)
		}
		for _, typed := range []string{`value="2026-05-01"`, `value="2026-01-01"`} {
			if !strings.Contains(page, typed) {
				t.Errorf("GET %s?%s does not keep %s", tt.path, reversed, typed)
			}
		}
		if strings.Contains(page, "<tbody>") || strings.Contains(page, "HAM-2026-0000") {
			t.Errorf("GET %s?%s lists rows for a period it refused", tt.path, reversed)
		}
		// One day, and a period the right way round, are periods like any other.
		for _, query := range []string{"from=2026-01-01&to=2026-01-01", "from=2026-01-01&to=2026-05-01"} {
			if res, page := c.get(tt.path + "?" + query); res.StatusCode != http.StatusOK || strings.Contains(page, "error-summary") {
				t.Errorf("GET %s?%s = %d; want 200 without errors", tt.path, query, res.StatusCode)
			}
		}
	}
	for _, path := range []string{"/enquiries/export.csv", "/enquiries/export.xlsx", "/reports/referrals.csv"} {
		if res, body := c.get(path + "?" + reversed); res.StatusCode != http.StatusUnprocessableEntity || strings.Contains(body, "HAM-2026-0000") {
			t.Errorf("GET %s?%s = %d; want 422, not an export of nothing", path, reversed, res.StatusCode)
		}
	}
	tok := ts.token(t, models.RoleAdmin)
	for _, path := range []string{"/api/v1/enquiries", "/api/v1/referrals", "/api/v1/enquiries/1/referrals", "/api/v1/reports/referrals"} {
		status, body := ts.api(t, tok, http.MethodGet, path+"?"+reversed, "")
		e, _ := body["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		if status != http.StatusUnprocessableEntity || fields["to"] != "Til-datoen kan ikke være før fra-datoen." {
			t.Errorf("GET %s?%s = %d %v; want 422 naming to", path, reversed, status, e)
		}
		if status, body := ts.api(t, tok, http.MethodGet, path+"?from=2026-01-01&to=2026-01-01", ""); status != http.StatusOK {
			t.Errorf("GET %s of one day = %d %v; want 200", path, status, body["error"])
		}
	}
}

// The board's referral report counts referrals sent: a period that starts
// after today holds none yet. A "from" alone in the future was made the period
// today..from unsaid, and with a "to" it showed an empty report; it is refused
// beside the field, the typed dates kept, on the page, its export and the API.
// Today, and a "to" ahead of a "from" that is not (the year so far and
// on), still answer.
func TestReferralReportRefusesFutureFrom(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	board := ts.client(t)
	board.login(demoEmail(models.RoleBoard), models.DemoPassword)
	tok := ts.token(t, models.RoleBoard)
	today := ts.store.Today()
	day := func(n int) string { return today.AddDate(0, 0, n).Format("2006-01-02") }
	const said = "Fra-datoen kan ikke ligge fram i tid"
	for _, query := range []string{"from=" + day(1), "from=" + day(30) + "&to=" + day(60), "from=" + day(400) + "&to=" + day(10)} {
		res, page := board.get("/reports/referrals?" + query)
		from := strings.TrimPrefix(strings.Split(query, "&")[0], "from=")
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(page), said) || !strings.Contains(page, `value="`+from+`"`) {
			t.Errorf("GET /reports/referrals?%s = %d; want 422 saying %q beside from, %s kept\n%s", query, res.StatusCode, said, from, errorSummary(page))
		}
		if res, _ := board.get("/reports/referrals.csv?" + query); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("GET /reports/referrals.csv?%s = %d; want 422", query, res.StatusCode)
		}
		status, out := ts.api(t, tok, http.MethodGet, "/api/v1/reports/referrals?"+query, "")
		e, _ := out["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		if status != http.StatusUnprocessableEntity || !strings.Contains(fmtAny(fields["from"]), said) {
			t.Errorf("GET /api/v1/reports/referrals?%s = %d %v; want 422 on from", query, status, out)
		}
	}
	for _, query := range []string{"from=" + day(0), "from=" + day(-30) + "&to=" + day(30), "to=" + day(30)} {
		if res, page := board.get("/reports/referrals?" + query); res.StatusCode != http.StatusOK || strings.Contains(page, "error-summary") {
			t.Errorf("GET /reports/referrals?%s = %d; want 200 without errors\n%s", query, res.StatusCode, errorSummary(page))
		}
		if status, out := ts.api(t, tok, http.MethodGet, "/api/v1/reports/referrals?"+query, ""); status != http.StatusOK {
			t.Errorf("GET /api/v1/reports/referrals?%s = %d %v; want 200", query, status, out)
		}
	}
}
