package app

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"samspill/models"
)

// TestConcurrentUpdatesOfOneEnquiry sends 50 updates of one enquiry at once,
// each with the version it read. Each is a success or a 409, never an error,
// and the record ends equal to the last successful update: no update is lost.
func TestConcurrentUpdatesOfOneEnquiry(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleAdviser)
	const n = 50
	type result struct {
		status  int
		text    string
		version float64
	}
	results := make(chan result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			status, cur := ts.api(t, tok, http.MethodGet, "/api/v1/enquiries/1", "")
			if status != http.StatusOK {
				results <- result{status: status}
				return
			}
			text := fmt.Sprintf("Oppdatering nummer %d", i)
			status, out := ts.api(t, tok, http.MethodPatch, "/api/v1/enquiries/1", fmt.Sprintf(`{"description": %q, "version": %d}`, text, int(cur["version"].(float64))))
			r := result{status: status, text: text}
			if status == http.StatusOK {
				r.version = out["version"].(float64)
			}
			results <- r
		}(i)
	}
	close(start)
	wg.Wait()
	close(results)
	var last result
	ok, conflicts := 0, 0
	for r := range results {
		switch r.status {
		case http.StatusOK:
			ok++
			if r.version > last.version {
				last = r
			}
		case http.StatusConflict:
			conflicts++
		default:
			t.Errorf("an update answered %d", r.status)
		}
	}
	if ok == 0 || ok+conflicts != n {
		t.Fatalf("%d successes, %d conflicts of %d", ok, conflicts, n)
	}
	e, err := ts.store.Enquiry(context.Background(), adminViewer(t, ts), 1)
	if err != nil {
		t.Fatal(err)
	}
	if e.Description != last.text || float64(e.Version) != last.version {
		t.Errorf("final record %q v%d; the last successful update was %q v%.0f", e.Description, e.Version, last.text, last.version)
	}
	t.Logf("%d successes, %d conflicts", ok, conflicts)
}
