package app

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"samspill/models"
)

// A user-level action (access, password, sessions, tokens, profile, the
// account's creation) is in the audit log of every region where the user
// holds a role, whichever region the admin was working in: each region's
// coordinator follows who has access there. A user without region roles is
// audited in the admin's region. Before, every entry lay in the admin's
// current region only, and Oslo's coordinator never saw that their adviser,
// also a Hamar adviser, was deactivated from Hamar.
func TestUserActionIsAuditedInEveryRegionOfTheUser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	hamar, oslo := twoRegions(t, ts)
	adminUser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdmin))
	both, err := ts.store.CreateUser(ctx, models.Actor{UserID: adminUser.ID, RegionID: hamar.ID},
		models.UserInput{Email: "to-regioner@example.org", Name: "To Regioner"}, "to-regioner-passord-1",
		[]models.RoleGrant{{RegionID: hamar.ID, Role: models.RoleAdviser}, {RegionID: oslo.ID, Role: models.RoleAdviser}})
	if err != nil {
		t.Fatal(err)
	}
	adminOnly, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "bare-admin@example.org", Name: "Bare Admin"},
		"bare-admin-passord-1", []models.RoleGrant{{Role: models.RoleAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := ts.store.CreateToken(ctx, models.Actor{}, both.ID, "integrasjon", models.TokenDays, models.TokenWrite)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := ts.store.UserByToken(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := ts.store.Tokens(ctx, &models.Viewer{User: token}, both.ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens = %v, %v", tokens, err)
	}
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	switchRegion(t, admin, hamar)
	path := "/admin/users/" + itoa(both.ID)
	admin.get(path)
	steps := []struct {
		action, object, id string
		do                 func() *http.Response
		hamar, oslo        bool
	}{
		{"create", "user", itoa(both.ID), nil, true, true},
		{"update", "user", itoa(both.ID), func() *http.Response {
			res, _ := admin.post(path, url.Values{"email": {both.Email}, "name": {"To Regioner Omdøpt"}, "version": {strconv.Itoa(both.Version)}})
			return res
		}, true, true},
		// Before the reset, which revokes the user's tokens too.
		{"revoke", "api_token", itoa(tokens[0].ID), func() *http.Response {
			res, _ := admin.post("/profile/tokens/"+itoa(tokens[0].ID)+"/revoke", url.Values{"back": {path}})
			return res
		}, true, true},
		{"reset_password", "user", itoa(both.ID), func() *http.Response {
			res, _ := admin.post(path+"/password", nil)
			return res
		}, true, true},
		{"end_sessions", "user", itoa(both.ID), func() *http.Response {
			res, _ := admin.post(path+"/sessions", nil)
			return res
		}, true, true},
		{"deactivate", "user", itoa(both.ID), func() *http.Response {
			res, _ := admin.post(path+"/active", url.Values{"active": {"false"}})
			return res
		}, true, true},
		{"activate", "user", itoa(both.ID), func() *http.Response {
			res, _ := admin.post(path+"/active", url.Values{"active": {"true"}})
			return res
		}, true, true},
		// No region role: the admin's region, Hamar, alone.
		{"deactivate", "user", itoa(adminOnly.ID), func() *http.Response {
			res, _ := admin.post("/admin/users/"+itoa(adminOnly.ID)+"/active", url.Values{"active": {"false"}})
			return res
		}, true, false},
	}
	hamarCoord := ts.client(t)
	hamarCoord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	osloCoord := ts.client(t)
	osloCoord.login("kanari@oslo.example", "kanari-passord-1")
	for _, st := range steps {
		if st.do != nil {
			if res := st.do(); res.StatusCode >= 400 {
				t.Fatalf("%s %s %s = %d", st.action, st.object, st.id, res.StatusCode)
			}
		}
		q := "/admin/audit?object=" + st.object + "&action=" + st.action + "&object_id=" + st.id
		for _, log := range []struct {
			name string
			c    *client
			want bool
		}{{"Hamar", hamarCoord, st.hamar}, {"Oslo", osloCoord, st.oslo}} {
			_, page := log.c.get(q)
			if got := strings.Count(page, "<tr><td>"); got != map[bool]int{true: 1, false: 0}[log.want] {
				t.Errorf("%s %s %s: entries in %s's audit log = %d; want %v", st.action, st.object, st.id, log.name, got, log.want)
			}
		}
	}
}

// The user list is filtered by region (an admin's), role and status, each
// validated as the other lists' filters are: a value that cannot be used is
// named beside its field and lists nothing. The count is of every user that
// matches, the page holds its share of them, and the next page's link keeps
// the filters. A coordinator's role filter is of roles in their region: a
// Hamar adviser who is on Oslo's board is not on Hamar's board.
func TestUserListFilters(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	hamar, oslo := twoRegions(t, ts)
	_, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "to-regioner@example.org", Name: "To Regioner"}, "to-regioner-passord-1",
		[]models.RoleGrant{{RegionID: hamar.ID, Role: models.RoleAdviser}, {RegionID: oslo.ID, Role: models.RoleBoard}})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "borte@example.org", Name: "Borte Brukersen"}, "borte-passord-123",
		[]models.RoleGrant{{RegionID: hamar.ID, Role: models.RoleAdviser}})
	if err != nil {
		t.Fatal(err)
	}
	adminUser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdmin))
	if _, err := ts.store.SetActive(ctx, &models.Viewer{User: adminUser}, models.Actor{}, gone.ID, false, ""); err != nil {
		t.Fatal(err)
	}
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	h, o := itoa(hamar.ID), itoa(oslo.ID)
	tests := []struct {
		name  string
		as    *client
		query string
		want  int    // status
		total int    // users matched
		rows  int    // users on the page; -1: as many as matched
		field string // the filter refused, with message
		msg   string
		names []string // on the page
	}{
		{"everyone", admin, "", http.StatusOK, 10, -1, "", "", nil},
		{"region Hamar", admin, "region=" + h, http.StatusOK, 8, -1, "", "", []string{"To Regioner", "Borte Brukersen"}},
		{"region Oslo", admin, "region=" + o, http.StatusOK, 2, -1, "", "", []string{"To Regioner"}},
		{"advisers anywhere", admin, "role=adviser", http.StatusOK, 3, -1, "", "", nil},
		{"advisers in Oslo", admin, "role=adviser&region=" + o, http.StatusOK, 0, -1, "", "", nil},
		{"board in Oslo", admin, "role=board&region=" + o, http.StatusOK, 1, -1, "", "", []string{"To Regioner"}},
		{"admins", admin, "role=admin", http.StatusOK, 1, -1, "", "", []string{"Ada Admin"}},
		{"inactive", admin, "status=inactive", http.StatusOK, 1, -1, "", "", []string{"Borte Brukersen"}},
		{"active", admin, "status=active", http.StatusOK, 9, -1, "", "", nil},
		{"active advisers", admin, "role=adviser&status=active", http.StatusOK, 2, -1, "", "", nil},
		{"search and status", admin, "q=borte&status=inactive", http.StatusOK, 1, -1, "", "", nil},
		{"search and another status", admin, "q=borte&status=active", http.StatusOK, 0, -1, "", "", nil},
		{"a page of Hamar", admin, "region=" + h + "&limit=2", http.StatusOK, 8, 2, "", "", nil},
		{"Hamar's board for its coordinator", coord, "role=board", http.StatusOK, 1, -1, "", "", []string{"Stein Styreleder"}},
		{"another region for a coordinator", coord, "region=" + o, http.StatusOK, 8, -1, "", "", nil},
		{"unknown role", admin, "role=sjef", http.StatusUnprocessableEntity, 0, 0, "role", "Velg et av alternativene.", nil},
		{"the admin role in a coordinator's region", coord, "role=admin", http.StatusUnprocessableEntity, 0, 0, "role", "Velg et av alternativene.", nil},
		{"unknown status", admin, "status=ja", http.StatusUnprocessableEntity, 0, 0, "status", "Velg et av alternativene.", nil},
		{"region not a number", admin, "region=hamar", http.StatusBadRequest, 0, 0, "region", "Skriv et tall.", nil},
		{"unknown region", admin, "region=99999", http.StatusUnprocessableEntity, 0, 0, "region", "Finner ikke denne regionen.", nil},
	}
	total := regexp.MustCompile(`Antall treff: (\d+)`)
	for _, tt := range tests {
		res, page := tt.as.get("/admin/users?" + tt.query)
		if res.StatusCode != tt.want {
			t.Errorf("%s: GET /admin/users?%s = %d; want %d", tt.name, tt.query, res.StatusCode, tt.want)
			continue
		}
		rows := strings.Count(page, `<a class="ds-link" href="/admin/users/`)
		if tt.field != "" {
			if !strings.Contains(page, `id="error-summary"`) || !strings.Contains(page, `href="#f-`+tt.field+`"`) ||
				!strings.Contains(page, `id="f-`+tt.field+`-error">`+tt.msg) {
				t.Errorf("%s: the refusal does not name %s beside its field with %q:\n%s", tt.name, tt.field, tt.msg, errorSummary(page))
			}
			if rows != 0 {
				t.Errorf("%s: %d users listed under a filter that cannot be used", tt.name, rows)
			}
			continue
		}
		m := total.FindStringSubmatch(page)
		if tt.total == 0 {
			if m != nil && m[1] != "0" || rows != 0 || !strings.Contains(page, "Ingen brukere passer") {
				t.Errorf("%s: lists %d users (%v); want none, said so", tt.name, rows, m)
			}
			continue
		}
		if m == nil || m[1] != strconv.Itoa(tt.total) {
			t.Errorf("%s: count %v; want %d", tt.name, m, tt.total)
		}
		if want := tt.rows; want >= 0 && rows != want || want < 0 && rows != tt.total {
			t.Errorf("%s: %d users on the page; want %d of %d", tt.name, rows, want, tt.total)
		}
		for _, n := range tt.names {
			if !strings.Contains(page, ">"+n+"</a>") {
				t.Errorf("%s: %s is not listed", tt.name, n)
			}
		}
		if tt.rows >= 0 && !strings.Contains(page, "region="+h) {
			t.Errorf("%s: the next page does not keep the region", tt.name)
		}
	}
	// The filters chosen are shown chosen.
	if _, page := admin.get("/admin/users?role=board&status=inactive&region=" + o); !strings.Contains(page, `value="board" selected`) ||
		!strings.Contains(page, `value="inactive" selected`) || !strings.Contains(page, `value="`+o+`" selected`) {
		t.Error("the filters chosen are not shown chosen")
	} else if strings.Contains(page, `value="" selected`) {
		t.Error(`a filter chosen shows "All" chosen too`)
	}
}

// The audit log names who acted, with their e-mail, instead of a user id, and
// its user filter takes a name or an e-mail instead of an id, which nobody
// knows. A link with a user's id (user_id) still filters, and the form keeps
// it when other filters are chosen.
func TestAuditLogNamesUsers(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	hamar, _ := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	adviserUser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	coordUser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleCoordinator))
	adviser := ts.client(t)
	adviser.login(adviserUser.Email, models.DemoPassword)
	adviser.get("/enquiries/1")
	adviser.get("/enquiries/2")
	coord := ts.client(t)
	coord.login(coordUser.Email, models.DemoPassword)
	coord.get("/enquiries/1")
	v := &models.Viewer{User: coordUser, Region: hamar}
	_, byAdviser, err := ts.store.AuditEntries(ctx, v, models.AuditFilter{UserID: adviserUser.ID})
	if err != nil || byAdviser < 2 {
		t.Fatalf("the adviser's entries: %d, %v", byAdviser, err)
	}
	_, views, err := ts.store.AuditEntries(ctx, v, models.AuditFilter{UserID: adviserUser.ID, Action: "view"})
	if err != nil {
		t.Fatal(err)
	}
	_, page := coord.get("/admin/audit?action=view")
	if !strings.Contains(page, adviserUser.Name) || !strings.Contains(page, adviserUser.Email) {
		t.Errorf("the audit log does not name %s (%s)", adviserUser.Name, adviserUser.Email)
	}
	if !strings.Contains(page, `name="user"`) || strings.Contains(page, `type="number" id="f-user_id"`) {
		t.Error("the user filter is not a name or e-mail but an id")
	}
	tests := []struct {
		query string
		want  int64
	}{
		{"user=rune", byAdviser},
		{"user=R%C3%A5dgiver", byAdviser},
		{"user=" + url.QueryEscape(strings.ToUpper(adviserUser.Email)), byAdviser},
		{"user=" + url.QueryEscape(adviserUser.Email) + "&action=view", views},
		{"user=ingen-slik-bruker", 0},
		{"user_id=" + itoa(adviserUser.ID), byAdviser},
		{"user_id=" + itoa(adviserUser.ID) + "&user=kari", 0},
	}
	total := regexp.MustCompile(`Antall treff: (\d+)`)
	for _, tt := range tests {
		res, page := coord.get("/admin/audit?" + tt.query)
		m := total.FindStringSubmatch(page)
		if res.StatusCode != http.StatusOK || m == nil || m[1] != strconv.FormatInt(tt.want, 10) {
			t.Errorf("GET /admin/audit?%s = %d, %v; want %d entries", tt.query, res.StatusCode, m, tt.want)
			continue
		}
		if tt.want > 0 && strings.Contains(page, coordUser.Email) {
			t.Errorf("GET /admin/audit?%s lists the coordinator's own entries", tt.query)
		}
	}
	_, page = coord.get("/admin/audit?user_id=" + itoa(adviserUser.ID))
	if !strings.Contains(page, `<input type="hidden" name="user_id" value="`+itoa(adviserUser.ID)+`">`) {
		t.Error("the form drops the user chosen by a link when other filters are chosen")
	}
	if !strings.Contains(page, "viser bare det "+adviserUser.Name+" gjorde,") {
		t.Error("the user field does not say whose entries the link chose")
	}
}

// Deactivating a user who holds open cases asks what becomes of them: the
// form says how many and offers to leave them assigned or to move them back
// to the region's queue (status new, no adviser), each move audited on its
// case. No answer, or another, is refused and changes nothing. Before, the
// cases stayed with someone who could no longer log in, and nobody's queue
// showed them.
func TestDeactivatingAnAdviserAsksAboutOpenCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, choice string
		want         int
		released     bool
	}{
		{"no answer", "", http.StatusUnprocessableEntity, false},
		{"another answer", "delete", http.StatusUnprocessableEntity, false},
		{"leave them assigned", "keep", http.StatusSeeOther, false},
		{"back to the queue", "release", http.StatusSeeOther, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			ctx := context.Background()
			adviserUser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
			v := adminViewer(t, ts)
			open, n, err := ts.store.Inbox(ctx, v, models.EnquiryFilter{Tab: "open", AssignedTo: adviserUser.ID, Page: models.Page{Number: 1, Size: 500}})
			if err != nil || n == 0 {
				t.Fatalf("the demo adviser's open cases: %d, %v", n, err)
			}
			admin := ts.client(t)
			admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
			path := "/admin/users/" + itoa(adviserUser.ID)
			_, page := admin.get(path)
			form := regexp.MustCompile(`(?s)<form method="post" action="` + path + `/active">.*?</form>`).FindString(page)
			if !strings.Contains(form, "de "+strconv.FormatInt(n, 10)+" åpne sakene") || !strings.Contains(form, `name="open_cases" value="keep"`) ||
				!strings.Contains(form, `name="open_cases" value="release"`) || strings.Contains(form, "checked") {
				t.Fatalf("the deactivation form does not tell the %d open cases and offer the choice, none chosen:\n%s", n, form)
			}
			values := url.Values{"active": {"false"}}
			if tt.choice != "" {
				values.Set("open_cases", tt.choice)
			}
			res, body := admin.post(path+"/active", values)
			if res.StatusCode != tt.want {
				t.Fatalf("deactivate with open_cases=%q = %d; want %d\n%s", tt.choice, res.StatusCode, tt.want, errorSummary(body))
			}
			after, _ := ts.store.UserByID(ctx, adviserUser.ID)
			if after.Active != (tt.want != http.StatusSeeOther) {
				t.Errorf("active = %v after the answer %q", after.Active, tt.choice)
			}
			if tt.want != http.StatusSeeOther && (!strings.Contains(body, `id="f-open_cases-error"`) || !strings.Contains(body, `href="#f-open_cases-0"`)) {
				t.Errorf("the refusal is not beside the choice, linked from the error summary:\n%s", errorSummary(body))
			}
			left, err := ts.store.OpenAssigned(ctx, v, adviserUser.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int64{true: 0, false: n}[tt.released]; left != want {
				t.Errorf("open cases still assigned = %d; want %d", left, want)
			}
			for _, e := range open {
				got, err := ts.store.Enquiry(ctx, v, e.ID)
				if err != nil {
					t.Fatal(err)
				}
				if moved := got.Status == "new" && got.AssignedTo == nil; moved != tt.released {
					t.Errorf("%s: status %s, assigned %v; moved to the queue: %v, want %v", e.Reference, got.Status, got.AssignedTo, moved, tt.released)
				}
			}
			// Each case moved says so in its region's audit log, as its coordinator reads it.
			coord := ts.client(t)
			coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
			for _, e := range open {
				_, log := coord.get("/admin/audit?object=enquiry&action=assign&object_id=" + itoa(e.ID) + "&user=" + url.QueryEscape(demoEmail(models.RoleAdmin)))
				if got := strings.Contains(log, "assigned_to=0"); got != tt.released {
					t.Errorf("%s: the move to the queue audited: %v; want %v", e.Reference, got, tt.released)
				}
			}
		})
	}
}

// A user without open cases is deactivated without the question.
func TestDeactivatingWithoutOpenCases(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	board, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleBoard))
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	path := "/admin/users/" + itoa(board.ID)
	if _, page := admin.get(path); strings.Contains(page, `name="open_cases"`) {
		t.Error("the board member's deactivation asks about open cases they do not have")
	}
	if res, body := admin.post(path+"/active", url.Values{"active": {"false"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate the board member = %d\n%s", res.StatusCode, errorSummary(body))
	}
}

// The deactivation's choice reads as Norwegian whatever the count (not "La 1
// sak", "alle 2 sakene"), and the page after it says what became of the open
// cases and of the user's API keys: before, it said only that the user was
// deactivated and logged out, though the cases had moved to the queue and the
// keys were revoked.
func TestDeactivationSaysWhatBecameOfCasesAndKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		choice string
		want   []string
	}{
		{models.KeepOpenCases, []string{"Brukeren er deaktivert og logget ut, og API-nøklene til brukeren er trukket tilbake.", "De %d åpne sakene står fortsatt tildelt brukeren til dere gir dem til andre."}},
		{models.ReleaseOpenCases, []string{"Brukeren er deaktivert og logget ut, og API-nøklene til brukeren er trukket tilbake.", "De %d åpne sakene er flyttet tilbake til regionens kø."}},
	}
	for _, tt := range tests {
		t.Run(tt.choice, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			ctx := context.Background()
			adviserUser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
			n, err := ts.store.OpenAssigned(ctx, adminViewer(t, ts), adviserUser.ID)
			if err != nil || n < 2 {
				t.Fatalf("the demo adviser's open cases: %d, %v; want 2 or more", n, err)
			}
			admin := ts.client(t)
			admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
			path := "/admin/users/" + itoa(adviserUser.ID)
			_, page := admin.get(path)
			form := regexp.MustCompile(`(?s)<form method="post" action="` + path + `/active">.*?</form>`).FindString(page)
			for _, awkward := range []string{"alle " + itoa(n), "La " + itoa(n), "Flytt " + itoa(n)} {
				if strings.Contains(form, awkward) {
					t.Errorf("the deactivation form says %q:\n%s", awkward, form)
				}
			}
			if !strings.Contains(page, "kan ikke logge inn igjen, og API-nøklene til brukeren blir trukket tilbake") {
				t.Error("the deactivation's hint does not say the API keys are revoked")
			}
			res, body := admin.post(path+"/active", url.Values{"active": {"false"}, "open_cases": {tt.choice}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("deactivate = %d\n%s", res.StatusCode, errorSummary(body))
			}
			_, after := admin.get(res.Header.Get("Location"))
			for _, w := range tt.want {
				if strings.Contains(w, "%d") {
					w = fmt.Sprintf(w, n)
				}
				if !strings.Contains(html.UnescapeString(after), w) {
					t.Errorf("the page after deactivating does not say %q", w)
				}
			}
		})
	}
}

// The audit log's introduction names the command that verifies the log to
// admins, who run the server; a coordinator is told only what the log is.
func TestAuditIntroNamesTheCommandToAdminsOnly(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, tt := range []struct {
		role string
		want bool
	}{{models.RoleAdmin, true}, {models.RoleCoordinator, false}} {
		c := ts.client(t)
		c.login(demoEmail(tt.role), models.DemoPassword)
		res, page := c.get("/admin/audit")
		if res.StatusCode != http.StatusOK || !strings.Contains(page, "Loggen kan ikke endres.") || strings.Contains(page, "samspill audit verify") != tt.want {
			t.Errorf("%s: the audit log = %d, names the command: %t; want %t", tt.role, res.StatusCode, strings.Contains(page, "samspill audit verify"), tt.want)
		}
	}
}
