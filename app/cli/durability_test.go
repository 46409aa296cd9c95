package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"samspill/models"
)

// TestDurabilityUnderSIGKILL builds and starts the real server, drives
// concurrent intake submissions and enquiry updates, kills the server with
// SIGKILL at random moments over ten cycles, restarts it, and checks that every
// acknowledged record is there and unchanged, that no business transaction is
// half applied, and that the database passes its integrity checks.
func TestDurabilityUnderSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real server; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "samspill")
	build := exec.Command("go", "build", "-o", bin, "samspill") // the command, main.go at the module root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "durable.db")
	// A token for the API, made before the first start.
	var out bytes.Buffer
	env := func(string) string { return "" }
	if err := run(context.Background(), []string{"migrate", "--db", db}, io.Discard, env); err != nil {
		t.Fatal(err)
	}
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	store.Close()
	if err := run(context.Background(), []string{"token", "create", "--email", "radgiver@hamarregionen.example", "--db", db}, &out, env); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	token := lines[len(lines)-1]

	acked := map[string]string{} // reference → description, for every 2xx intake
	var updated int64            // the highest version an acknowledged update of enquiry 1 returned
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	for cycle := 0; cycle < 10; cycle++ {
		started := time.Now()
		cmd, base := startServerProcess(t, bin, db)
		ready := time.Since(started)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				client := &http.Client{Timeout: 5 * time.Second}
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					if w == 0 {
						if v, ok := patchEnquiry(client, base, token, fmt.Sprintf("cycle %d update %d", cycle, i)); ok {
							mu.Lock()
							updated = max(updated, v)
							mu.Unlock()
						}
						continue
					}
					desc := fmt.Sprintf("cycle %d writer %d enquiry %d", cycle, w, i)
					if ref, ok := submitIntake(client, base, desc); ok {
						mu.Lock()
						acked[ref] = desc
						mu.Unlock()
					}
				}
			}(w)
		}
		time.Sleep(time.Duration(150+rng.IntN(600)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		close(stop)
		wg.Wait()
		t.Logf("cycle %d: ready after %v, %d acknowledged so far", cycle, ready.Round(time.Millisecond), len(acked))
	}
	if len(acked) < 20 {
		t.Fatalf("only %d submissions were acknowledged: the test did not load the server", len(acked))
	}

	store, err = models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sqlDB, err := store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := sqlDB.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q (%v)", check, err)
	}
	rows, err := sqlDB.Query("PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("foreign_key_check found violations")
	}
	rows.Close()
	for ref, desc := range acked {
		var got string
		var id int64
		if err := sqlDB.QueryRow("SELECT id, description FROM enquiries WHERE reference = ?", ref).Scan(&id, &got); err != nil {
			t.Errorf("acknowledged %s is lost: %v", ref, err)
			continue
		}
		if got != desc {
			t.Errorf("%s changed: %q; want %q", ref, got, desc)
		}
	}
	// No half-applied business transaction: every enquiry has its two consents and its creation in the audit log.
	var broken int
	err = sqlDB.QueryRow(`SELECT COUNT(*) FROM enquiries e WHERE (SELECT COUNT(*) FROM consents c WHERE c.enquiry_id = e.id) <> 2
		OR NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.object = 'enquiry' AND a.object_id = CAST(e.id AS TEXT) AND a.action = 'create')`).Scan(&broken)
	if err != nil || broken != 0 {
		t.Errorf("%d enquiries lack their consents or audit entry (%v)", broken, err)
	}
	var version int64
	if err := sqlDB.QueryRow("SELECT version FROM enquiries WHERE id = 1").Scan(&version); err != nil || version < updated {
		t.Errorf("enquiry 1 is at version %d; an update to version %d was acknowledged (%v)", version, updated, err)
	}
	if _, err := store.VerifyAudit(context.Background()); err != nil {
		t.Errorf("audit chain after the kills: %v", err)
	}
}

var listening = regexp.MustCompile(`http://(\S+)`)

// startServerProcess starts the binary on a free port and waits until /healthz answers.
func startServerProcess(t *testing.T, bin, db string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--intake-burst", "1000000", "--admin-email", "admin@hamarregionen.example")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	base := ""
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			base = "http://" + m[1]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	if base == "" {
		_ = cmd.Process.Kill()
		t.Fatal("the server did not say where it listens")
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return cmd, base
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	t.Fatal("the server did not become ready")
	return nil, ""
}

func submitIntake(c *http.Client, base, desc string) (string, bool) {
	body := fmt.Sprintf(`{"municipality": "3412", "enquirer_kind": "other", "needs": ["other"], "description": %q, "name": "Varig Test", "phone": "99999999", "consent_store": true}`, desc)
	res, err := c.Post(base+"/api/v1/intake", "application/json", strings.NewReader(body))
	if err != nil {
		return "", false
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		return "", false
	}
	var out struct{ Reference string }
	if json.NewDecoder(res.Body).Decode(&out) != nil || out.Reference == "" {
		return "", false
	}
	return out.Reference, true
}

func patchEnquiry(c *http.Client, base, token, desc string) (int64, bool) {
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/enquiries/1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.Do(req)
	if err != nil {
		return 0, false
	}
	var cur struct{ Version int64 }
	err = json.NewDecoder(res.Body).Decode(&cur)
	res.Body.Close()
	if err != nil {
		return 0, false
	}
	req, _ = http.NewRequest(http.MethodPatch, base+"/api/v1/enquiries/1", strings.NewReader(fmt.Sprintf(`{"description": %q, "version": %d}`, desc, cur.Version)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err = c.Do(req)
	if err != nil {
		return 0, false
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, false
	}
	var after struct{ Version int64 }
	if json.NewDecoder(res.Body).Decode(&after) != nil {
		return 0, false
	}
	return after.Version, true
}
