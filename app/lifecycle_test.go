package app

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"

	"samspill/models"
)

// A server that has been shut down, and its store closed, leaves none of its
// goroutines behind: every test starts a server, and a goroutine left by each
// kept what it refers to until the end of the run. scs.New started a memory
// store's sweeper that nothing stopped (the sessions are in the database).
// GORM's cache of SQLite's compiled reads swept itself on a goroutine that
// GORM gives no way to stop (v1.31, go-gorm/gorm#7788); the read pool keeps
// its statements itself now (readerStmts), with no goroutine.
func TestClosedServerLeavesNoGoroutines(t *testing.T) {
	// Not parallel: it counts the whole process's goroutines, and parallel
	// tests start only once the serial ones have ended.
	before := goroutineStacks()
	t.Run("server", func(t *testing.T) {
		ts := newTestServer(t)
		c := ts.client(t)
		c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
		if res, body := c.get("/enquiries"); res.StatusCode != 200 {
			t.Fatalf("/enquiries: %d\n%s", res.StatusCode, body)
		}
		c.post("/logout", nil)
	})
	// Connections and pools end their goroutines just after Close returns.
	var left []string
	for range 200 {
		left = left[:0]
		for id, stack := range goroutineStacks() {
			if _, ok := before[id]; !ok {
				left = append(left, stack)
			}
		}
		if len(left) == 0 {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Errorf("%d goroutines outlive the closed server:\n\n%s", len(left), strings.Join(left, "\n\n"))
}

// A test's server is let go of once the test has ended, though the testing
// package keeps the test itself (a parallel test's T, until its parent ends,
// which for a top-level test is the end of the run) and with it what was
// registered for its cleanup. Closures over each server kept several hundred
// servers, 8.7 GB, to the end of the package's run (see releasingCleanup).
func TestEndedTestLetsGoOfItsServer(t *testing.T) {
	t.Parallel()
	released := make(chan struct{})
	// The parent's cleanup runs once its parallel subtest has ended, while
	// the parent still holds the subtest's T.
	t.Cleanup(func() {
		for range 50 {
			runtime.GC()
			select {
			case <-released:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		t.Error("the ended test's server is still reachable")
	})
	t.Run("server", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t)
		runtime.AddCleanup(ts.srv, func(released chan struct{}) { close(released) }, released)
	})
}

// goroutineStacks is every goroutine's stack by its first line ("goroutine 7").
func goroutineStacks() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		s := string(g)
		id, _, _ := strings.Cut(s, " [")
		out[id] = s
	}
	return out
}
