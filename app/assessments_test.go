package app

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"samspill/models"
)

// assessDaysAgo makes an assessment of the region (projectID 0) or a project,
// daysAgo days back, by the demo admin.
func assessDaysAgo(t *testing.T, ts *testServer, projectID int64, daysAgo int, scores ...models.ScoreInput) *models.Assessment {
	t.Helper()
	admin := regionAdmin(t, ts)
	on := ts.store.Today().AddDate(0, 0, -daysAgo)
	a, err := ts.store.CreateAssessment(context.Background(), admin, models.Actor{}, admin.Region.ID, projectID,
		models.AssessmentInput{AssessedOn: &on, Scores: scores})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Comparing a newer assessment (chosen first) with an older one (chosen
// second) must still show the change over time: cohesion fell from 4 to 2,
// which is worse. The column is headed "Endring siden forrige".
func TestCompareChangeFollowsTime(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := demoProjectID(t, ts, demoHamarStange)
	older := assessDaysAgo(t, ts, id, 4000, models.ScoreInput{Factor: "cohesion", Score: 4})
	newer := assessDaysAgo(t, ts, id, 3990, models.ScoreInput{Factor: "cohesion", Score: 2})
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	// As from the older assessment's page, "Sammenlign med en annen vurdering"
	// (b = this one), choosing the newer one as the other.
	res, body := coord.get("/assessments/compare?a=" + itoa(newer.ID) + "&b=" + itoa(older.ID))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("compare = %d", res.StatusCode)
	}
	if strings.Contains(body, `data-color="success">bedre`) || !strings.Contains(body, `data-color="danger">verre`) {
		t.Errorf("cohesion fell from 4 (%s) to 2 (%s), but the comparison calls it better (+2 bedre)",
			older.AssessedOn.Format("02.01.2006"), newer.AssessedOn.Format("02.01.2006"))
	}
}

// Comparing an assessment with itself shows nothing worth reading (every
// change 0): the page refuses it, says why beside the second choice, and
// shows no comparison. It compared the assessment with itself.
func TestCompareRefusesTheSameAssessment(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := demoProjectID(t, ts, demoHamarStange)
	a := assessDaysAgo(t, ts, id, 4000, models.ScoreInput{Factor: "cohesion", Score: 4})
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	res, body := coord.get("/assessments/compare?a=" + itoa(a.ID) + "&b=" + itoa(a.ID))
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("compare an assessment with itself = %d; want %d", res.StatusCode, http.StatusUnprocessableEntity)
	}
	if strings.Contains(body, "<caption>") {
		t.Error("the assessment is compared with itself; want no comparison")
	}
	if !strings.Contains(body, "Velg en annen vurdering enn den første") || !strings.Contains(body, `id="f-b-error"`) {
		t.Errorf("the page does not say, beside the second choice, to choose another assessment:\n%s", body)
	}
}

// A project's page lists "Alle vurderinger" (all assessments) a page at a
// time: it showed the newest 20, with no way to reach the older ones.
func TestProjectPageListsEveryAssessment(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := demoProjectID(t, ts, demoHamarStange)
	oldest := assessDaysAgo(t, ts, id, 4000, models.ScoreInput{Factor: "cohesion", Score: 3})
	for i := 1; i <= 24; i++ {
		assessDaysAgo(t, ts, id, 4000-i*30, models.ScoreInput{Factor: "cohesion", Score: 3})
	}
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, page := coord.get("/projects/" + itoa(id))
	if !strings.Contains(page, "Alle vurderinger") {
		t.Fatal("the project page has no list of all assessments")
	}
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(page)
	if next == nil {
		t.Fatal("the project's list of its 27 assessments offers no next page")
	}
	_, second := coord.get(html.UnescapeString(next[1]))
	if !strings.Contains(second, `href="/assessments/`+itoa(oldest.ID)+`"`) {
		t.Errorf("the second page of the project's assessments (%s) does not reach the oldest (%s)", next[1], oldest.AssessedOn.Format("02.01.2006"))
	}
}

// The evidence field takes 2000 characters (maxlength). Ticking "Legg
// samarbeidsbelastningen til som dokumentasjon", which the form offers and
// ticks itself, must not turn evidence within the limit into "too long".
func TestLoadEvidenceWithinLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, form := coord.get("/assessments/new")
	if !strings.Contains(form, `name="use_load_evidence"`) {
		t.Fatal("the demo form does not offer the load as evidence")
	}
	typed := strings.Repeat("Løten sier ja til mye. ", 86) // 1978 characters, under the field's maxlength of 2000
	res, body := coord.post("/assessments", url.Values{"assessed_at": {ts.store.Today().Format("2006-01-02")},
		"score_overcommitment": {"4"}, "evidence_overcommitment": {typed}, "use_load_evidence": {"on"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("evidence of %d characters with the load offered = %d; want 303 (the user typed within the limit)\nerror shown: %v",
			len([]rune(typed)), res.StatusCode, strings.Contains(body, "f-evidence_overcommitment-error"))
	}
}

// A factor retired by an admin while a coordinator fills in the form is
// refused with what was typed for it kept: the score was dropped without a
// word, and the assessment saved without it.
func TestRetiredWhileTypingIsNotSilentlyDropped(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, form := coord.get("/assessments/new")
	if !strings.Contains(form, `name="score_overcommitment"`) {
		t.Fatal("the form does not offer overcommitment")
	}
	if err := ts.store.SetFactorRetired(context.Background(), models.Actor{}, "overcommitment", true); err != nil {
		t.Fatal(err)
	}
	res, body := coord.post("/assessments", url.Values{"assessed_at": {ts.store.Today().Format("2006-01-02")},
		"score_cohesion": {"3"}, "score_overcommitment": {"5"}, "comment_overcommitment": {"Løten er overbooket, se sak 12."}})
	if res.StatusCode == http.StatusUnprocessableEntity {
		// The form comes back with the retired factor, what was typed for it, and why.
		for _, want := range []string{"Løten er overbooket, se sak 12.", "Faktoren er tatt ut av bruk og kan ikke vurderes lenger."} {
			if !strings.Contains(body, want) {
				t.Errorf("the refused form does not show %q", want)
			}
		}
	} else if res.StatusCode == http.StatusSeeOther {
		var id int64
		fmt.Sscanf(res.Header.Get("Location"), "/assessments/%d", &id)
		a, err := ts.store.Assessment(context.Background(), regionAdmin(t, ts), id)
		if err != nil {
			t.Fatal(err)
		}
		if a.ScoreOf("overcommitment") == 0 {
			t.Errorf("saved assessment %d without the typed overcommitment score 5 and its comment, and told the user nothing", id)
		}
	}
}

// A comment of several lines that fits the textarea's maxlength="2000" (a
// browser counts a line break as one character) is taken, although the
// browser sends each line break as CR LF: it was refused as too long.
func TestAssessmentLineBreaksCountOnce(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	coord.get("/assessments/new")
	lines := make([]string, 300)
	for i := range lines {
		lines[i] = "Punkt"
	}
	asTyped := strings.Join(lines, "\n") // 1799 characters in the textarea
	sent := strings.ReplaceAll(asTyped, "\n", "\r\n")
	res, body := coord.post("/assessments", url.Values{"assessed_at": {ts.store.Today().Format("2006-01-02")},
		"score_cohesion": {"4"}, "comment_cohesion": {sent}, "note": {sent}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("a comment and note of %d characters as typed (%d as sent) = %d; want 303\ntoo long shown: %v",
			len(asTyped), len(sent), res.StatusCode, strings.Contains(body, "f-comment_cohesion-error"))
	}
}

// The contract: list endpoints take q for free-text search; the assessment
// lists ignored it.
func TestAssessmentListTakesQ(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := demoProjectID(t, ts, demoHamarStange)
	admin := regionAdmin(t, ts)
	on := ts.store.Today().AddDate(0, 0, -10)
	if _, err := ts.store.CreateAssessment(context.Background(), admin, models.Actor{}, admin.Region.ID, id,
		models.AssessmentInput{AssessedOn: &on, Note: "Etter styreseminaret på Hamar", Scores: []models.ScoreInput{{Factor: "cohesion", Score: 3}}}); err != nil {
		t.Fatal(err)
	}
	tok := ts.token(t, models.RoleCoordinator)
	status, all := ts.api(t, tok, http.MethodGet, "/api/v1/projects/"+itoa(id)+"/assessments", "")
	if status != http.StatusOK || all["total"].(float64) < 2 {
		t.Fatalf("list = %d %v", status, all["total"])
	}
	_, found := ts.api(t, tok, http.MethodGet, "/api/v1/projects/"+itoa(id)+"/assessments?q=styreseminaret", "")
	if found["total"] != float64(1) {
		t.Errorf("?q=styreseminaret finds %v of %v assessments; want the 1 whose note holds it", found["total"], all["total"])
	}
}
