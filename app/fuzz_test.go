package app

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/labstack/echo/v4"

	"samspill/models"
)

// FuzzInboxFilters: any query string on the inbox gives a list, never an error:
// sort and filter values come from allowlists or become plain parameters.
func FuzzInboxFilters(f *testing.F) {
	ts := newFuzzServer(f)
	v := fuzzViewer(f, ts)
	for _, q := range []string{"sort=received_desc", "sort=id;DROP TABLE enquiries", "status=new&need=%", "from=2026-01-01&to=2025-01-01",
		"q=\"*)", "assigned_to=-1&page=-5&limit=999999", "tab=overdue&overdue=on", "municipality=' OR 1=1 --"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		e := echo.New()
		req := httptest.NewRequest(http.MethodGet, "/enquiries", nil)
		req.URL.RawQuery = url.Values(parseQueryLoose(raw)).Encode()
		c := e.NewContext(req, httptest.NewRecorder())
		filter := parseFilter(c, newListQuery(c))
		list, _, err := ts.store.Enquiries(context.Background(), v, filter)
		if err != nil {
			t.Fatalf("query %q: %v", raw, err)
		}
		if len(list) > models.MaxPageSize {
			t.Fatalf("query %q gave %d rows", raw, len(list))
		}
	})
}

func parseQueryLoose(raw string) map[string][]string {
	v, _ := url.ParseQuery(raw)
	return v
}

// FuzzIntakeJSON: any body to the JSON one door answers 201, 400 or 422, never 5xx.
func FuzzIntakeJSON(f *testing.F) {
	ts := newFuzzServer(f)
	for _, b := range []string{`{}`, `{"municipality": "3412"}`, `[]`, `null`, `{"needs": "x"}`, `{"consent_store": "yes"}`,
		`{"municipality":"3412","enquirer_kind":"other","needs":["other"],"description":"d","name":"n","phone":"99999999","consent_store":true}`} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/intake", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		switch res.StatusCode {
		case http.StatusCreated, http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("body %q = %d", body, res.StatusCode)
		}
	})
}

// newFuzzServer is newTestServer for a fuzz target.
func newFuzzServer(f *testing.F) *testServer {
	f.Helper()
	return newTestServerTB(f)
}

func fuzzViewer(f *testing.F, ts *testServer) *models.Viewer {
	f.Helper()
	ctx := context.Background()
	u, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		f.Fatal(err)
	}
	r, err := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	if err != nil {
		f.Fatal(err)
	}
	return &models.Viewer{User: u, Region: r}
}
