package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"samspill/models"
)

// BenchmarkPages measures the server's own cost of each page on the demo data,
// in process (no network): what middleware, the handler's queries and drawing
// the page take. It is where CPU profiles of the pages come from:
//
//	go test ./app -run '^$' -bench Pages -cpuprofile cpu.out
//
// The load benchmark (`samspill bench`) measures the same pages over HTTP on
// national data; this one isolates the server's work, to compare changes.
func BenchmarkPages(b *testing.B) {
	ts := newTestServerTB(b, func(c *Config) { c.BenchFloor = true })
	h := ts.Config.Handler
	cookie := benchLogin(b, h, demoEmail(models.RoleCoordinator))
	ctx := context.Background()
	admin, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdmin))
	if err != nil {
		b.Fatal(err)
	}
	list, _, err := ts.store.Enquiries(ctx, &models.Viewer{User: admin}, models.EnquiryFilter{})
	if err != nil || len(list) == 0 {
		b.Fatalf("no demo enquiry: %v", err)
	}
	id := list[0].ID
	pages := []struct {
		name, path string
		status     int
	}{
		{"floor", "/bench/floor", http.StatusNoContent},
		{"dashboard", "/dashboard", http.StatusOK},
		{"inbox", "/enquiries", http.StatusOK},
		{"inbox-filtered", "/enquiries?tab=open&q=&municipality=3403", http.StatusOK},
		{"enquiry", "/enquiries/" + itoa(id), http.StatusOK},
		{"referrals", "/referrals", http.StatusOK},
		{"portfolio", "/projects", http.StatusOK},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, p.path, nil)
			req.Header.Set("Cookie", cookie)
			// The process's CPU time per request as well: with the
			// machine shared, the time per request says less.
			var r0, r1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != p.status {
					b.Fatalf("GET %s: %d; want %d", p.path, rec.Code, p.status)
				}
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
			cpu := r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano()
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// benchLogin logs in through the form and returns the session cookie.
func benchLogin(b *testing.B, h http.Handler, email string) string {
	b.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	cookie := strings.Split(rec.Header().Get("Set-Cookie"), ";")[0]
	m := csrfField.FindStringSubmatch(rec.Body.String())
	if m == nil || cookie == "" {
		b.Fatal("no CSRF token or cookie on the login page")
	}
	form := url.Values{"email": {email}, "password": {models.DemoPassword}, "_csrf": {m[1]}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", cookie)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		b.Fatalf("login: %d", rec.Code)
	}
	return strings.Split(rec.Header().Get("Set-Cookie"), ";")[0]
}

// BenchmarkIntake measures the server's own cost of one submission through the
// one door's JSON API: validation, the enquiry, its consents, the search index
// and the audit entry, committed durably. Each submission is another person's
// (the same sent again within minutes is the first's, and stores nothing).
func BenchmarkIntake(b *testing.B) {
	ts := newTestServerTB(b)
	h := ts.Config.Handler
	n := 0
	for b.Loop() {
		n++
		body := `{"municipality":"3403","enquirer_kind":"prospective_entrepreneur","needs":["financing"],` +
			`"description":"Jeg vil starte et lite firma og trenger hjelp med finansiering og regler.",` +
			`"name":"Kari Testesen","email":"kari` + strconv.Itoa(n) + `@example.org","language":"nb","consent_store":true}`
		req := httptest.NewRequest(http.MethodPost, "/api/v1/intake", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("intake: %d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkIntakeForm is BenchmarkIntake through the one door's form, as
// people send it: the form's fields, its CSRF cookie, the signed receipt
// cookie it answers with and the redirect to the receipt.
func BenchmarkIntakeForm(b *testing.B) {
	ts := newTestServerTB(b)
	h := ts.Config.Handler
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/enquiry", nil))
	cookie := strings.Split(rec.Header().Get("Set-Cookie"), ";")[0]
	form := url.Values{"form_language": {"nb"}, "municipality": {"3412"}, "enquirer_kind": {"prospective_entrepreneur"},
		"needs": {"financing", "network_competence"}, "description": {"Jeg vil starte et bakeri i Løten"},
		"name": {"Ola Nordmann"}, "email": {"ola@example.org"}, "language": {"nb"}, "consent_store": {"on"}}
	if m := csrfField.FindStringSubmatch(rec.Body.String()); m != nil {
		form.Set("_csrf", m[1])
	}
	n := 0
	for b.Loop() {
		n++
		form.Set("email", "ola"+strconv.Itoa(n)+"@example.org") // each another person's, as in BenchmarkIntake
		req := httptest.NewRequest(http.MethodPost, "/enquiry", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther {
			b.Fatalf("POST /enquiry: %d %s", rec.Code, rec.Body)
		}
	}
}
