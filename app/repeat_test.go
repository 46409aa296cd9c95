package app

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"samspill/models"
)

// An enquiry sent twice a second apart (a double click on "Send", the back
// button and "Send" again, a phone retrying a request whose answer it lost)
// is one case: the second sending is answered as the first was, with its
// reference, on each of the four ways in. Ten minutes on, the same text is a
// new enquiry.
func TestEnquirySentAgainIsOneCase(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	clk := &clock{now: time.Now().UTC()}
	ts.store.SetClock(clk.Now)

	oneDoor := func(t *testing.T) (string, string) {
		c := ts.client(t)
		c.get("/enquiry")
		form := intakeForm("nb")
		form.Set("description", "Dobbeltklikk på skjemaet")
		res, _ := c.post("/enquiry", form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /enquiry = %d; want 303 to the receipt", res.StatusCode)
		}
		_, page := c.get(res.Header.Get("Location"))
		ref := referenceIn(t, page)
		return ref, strings.ReplaceAll(page, ref, "REF")
	}
	intakeAPI := func(t *testing.T) (string, string) {
		body := `{"municipality":"3403","enquirer_kind":"prospective_entrepreneur","needs":["financing"],"description":"Mobilen sendte på nytt",` +
			`"name":"Kari Testesen","email":"kari@example.org","phone":"912 34 567","language":"nb","consent_store":true}`
		code, out := ts.api(t, "", http.MethodPost, "/api/v1/intake", body)
		if code != http.StatusCreated {
			t.Fatalf("POST /api/v1/intake = %d %v; want 201", code, out)
		}
		return out["reference"].(string), ""
	}
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	staffForm := func(t *testing.T) (string, string) {
		adviser.get("/enquiries/new")
		form := enquiryEditForm("Ringte om lokaler, registrert med dobbeltklikk")
		form.Set("channel", "phone")
		form.Set("consent_store", "on")
		res, body := adviser.post("/enquiries", form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /enquiries = %d\n%s", res.StatusCode, body)
		}
		_, page := adviser.get(res.Header.Get("Location"))
		return res.Header.Get("Location"), page
	}
	token := ts.token(t, models.RoleAdviser)
	staffAPI := func(t *testing.T) (string, string) {
		body := `{"municipality":"3412","enquirer_kind":"other","needs":["financing","recruitment"],"description":"Integrasjonen prøvde igjen",` +
			`"name":"Ola","email":"ola@example.org","channel":"email","consent_store":true}`
		code, out := ts.api(t, token, http.MethodPost, "/api/v1/enquiries", body)
		if code != http.StatusCreated && code != http.StatusOK {
			t.Fatalf("POST /api/v1/enquiries = %d %v", code, out)
		}
		return out["reference"].(string), http.StatusText(code)
	}

	for _, tt := range []struct {
		name string
		send func(t *testing.T) (id, page string)
		// again is what the second sending's page or answer must say.
		again func(t *testing.T, first, second string)
	}{
		{"one door", oneDoor, func(t *testing.T, first, second string) {
			if first != second {
				t.Errorf("the second receipt differs from the first but for the reference:\n%s\n----\n%s", first, second)
			}
		}},
		{"intake API", intakeAPI, func(t *testing.T, first, second string) {}},
		{"staff form", staffForm, func(t *testing.T, first, second string) {
			if !strings.Contains(second, "var allerede registrert") || strings.Contains(second, "Henvendelsen er registrert.") {
				t.Errorf("the case page after the second sending does not say it was already registered:\n%s", second)
			}
		}},
		{"staff API", staffAPI, func(t *testing.T, first, second string) {
			if first != "Created" || second != "OK" {
				t.Errorf("staff API answered %s then %s; want Created then OK", first, second)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := enquiryCount(t, ts)
			ref, first := tt.send(t)
			clk.Add(time.Second)
			again, second := tt.send(t)
			if again != ref {
				t.Errorf("sent again a second later: %s; want the first, %s", again, ref)
			}
			if n := enquiryCount(t, ts) - before; n != 1 {
				t.Errorf("%d enquiries made by sending twice; want 1", n)
			}
			tt.again(t, first, second)
			clk.Add(models.RepeatWindow)
			if later, _ := tt.send(t); later == ref {
				t.Errorf("sent again after %s: %s; want a new enquiry", models.RepeatWindow, later)
			}
			if n := enquiryCount(t, ts) - before; n != 2 {
				t.Errorf("%d enquiries after the window; want 2", n)
			}
		})
	}
}

// another numbers a test's description, so that the enquiries a test sends
// one after another are each a new one, not the first sent again.
func another(description string) string {
	return fmt.Sprintf("%s (%d)", description, sent.Add(1))
}

var sent atomic.Int64
