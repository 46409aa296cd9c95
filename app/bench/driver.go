package bench

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"samspill/models"
)

// sample is one request's outcome.
type sample struct {
	endpoint string
	latency  time.Duration // from when it was due to be sent to the last byte read
	failed   bool
}

// do sends req, due at due, and reads the whole answer.
func (m *mix) do(ctx context.Context, req request, due time.Time) sample {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		return sample{endpoint: req.endpoint, failed: true}
	}
	if req.cookie != "" {
		hr.Header.Set("Cookie", req.cookie)
	}
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	res, err := m.client.Do(hr)
	if err != nil {
		return sample{endpoint: req.endpoint, latency: time.Since(due), failed: true}
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return sample{endpoint: req.endpoint, latency: time.Since(due), failed: err != nil || res.StatusCode != req.status}
}

// fixedRateRun sends the mix at rate requests per second for d, each request
// at its due time whether or not earlier ones have been answered (an open
// model: a slow answer cannot hold back the requests behind it), and measures
// each from its due time.
func fixedRateRun(ctx context.Context, m *mix, rate float64, d time.Duration, run uint64) []sample {
	rng := rand.New(rand.NewPCG(m.seed, run))
	interval := time.Duration(float64(time.Second) / rate)
	var mu sync.Mutex
	var out []sample
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= d {
			break
		}
		time.Sleep(time.Until(due))
		req := m.next(rng)
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := m.do(ctx, req, due)
			mu.Lock()
			out = append(out, s)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// floorProbeRate is how many floor measurements a second run beside the mix
// at the fixed rate: few enough to add little load (about 2 % of the mix's
// CPU), enough for a median per endpoint over the runs.
const floorProbeRate = 10

// probes are the floors measured during one fixed-rate run.
type probes struct {
	http []time.Duration            // the empty page
	sql  map[string][]time.Duration // each endpoint's calls, run directly
}

// probeFloors measures the floors in the same seconds as the pages, for d:
// at random moments (floorProbeRate a second on average), one at a time, the
// empty page (one probe in five) or the next endpoint's SQL run directly. A
// page measured under the mix waits for the cores and the caches the mix
// uses; its floor, measured beside it, does too, so the two compare.
func probeFloors(ctx context.Context, m *mix, fw *floorWork, d time.Duration, run uint64) (probes, error) {
	rng := rand.New(rand.NewPCG(m.seed+7, run))
	p := probes{sql: map[string][]time.Duration{}}
	end := time.Now().Add(d)
	for i := 0; ; i++ {
		time.Sleep(time.Duration(rng.ExpFloat64() * float64(time.Second) / floorProbeRate))
		if !time.Now().Before(end) || ctx.Err() != nil {
			return p, ctx.Err()
		}
		if i%5 == 0 {
			u := m.byRole[models.RoleAdviser][rng.IntN(len(m.byRole[models.RoleAdviser]))]
			s := m.do(ctx, request{endpoint: "F_http", method: http.MethodGet, url: m.base + "/bench/floor", cookie: u.cookie, status: http.StatusNoContent}, time.Now())
			if !s.failed {
				p.http = append(p.http, s.latency)
			}
			continue
		}
		e := endpoints[(i-i/5-1)%len(endpoints)].name
		dur, err := fw.time(e, rng.IntN(len(fw.all)))
		if err != nil {
			return p, err
		}
		p.sql[e] = append(p.sql[e], dur)
	}
}

// saturate runs clients that each send the mix without pause for d.
func saturate(ctx context.Context, m *mix, clients int, d time.Duration, run uint64) []sample {
	return closedLoop(ctx, clients, d, func(rng *rand.Rand) request { return m.next(rng) }, m, run)
}

// saturateFloor sends only the empty page, as advisers, as fast as clients can.
func saturateFloor(ctx context.Context, m *mix, clients int, d time.Duration) []sample {
	return closedLoop(ctx, clients, d, func(rng *rand.Rand) request {
		u := m.byRole[models.RoleAdviser][rng.IntN(len(m.byRole[models.RoleAdviser]))]
		return request{endpoint: "F_http", method: http.MethodGet, url: m.base + "/bench/floor", cookie: u.cookie, status: http.StatusNoContent}
	}, m, 2000)
}

// saturateIntake sends only one-door submissions, as fast as clients can.
func saturateIntake(ctx context.Context, m *mix, clients int, d time.Duration) []sample {
	var intake endpoint
	for _, e := range endpoints {
		if e.name == "intake" {
			intake = e
		}
	}
	return closedLoop(ctx, clients, d, func(rng *rand.Rand) request { return m.make(rng, intake) }, m, 1000)
}

func closedLoop(ctx context.Context, clients int, d time.Duration, next func(*rand.Rand) request, m *mix, run uint64) []sample {
	var mu sync.Mutex
	var out []sample
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(m.seed+run, uint64(c)))
			var mine []sample
			for time.Now().Before(end) {
				mine = append(mine, m.do(ctx, next(rng), time.Now()))
			}
			mu.Lock()
			out = append(out, mine...)
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	return out
}

// fullExport is one coordinator's export of every enquiry of the largest
// region (up to the export limit), while the saturation run goes on.
func fullExport(ctx context.Context, m *mix) []sample {
	for _, u := range m.byRole[models.RoleCoordinator] {
		if u.region == 0 {
			req := request{endpoint: "export CSV (full)", method: http.MethodGet, url: m.base + "/enquiries/export.csv", cookie: u.cookie, status: http.StatusOK}
			return []sample{m.do(ctx, req, time.Now())}
		}
	}
	return nil
}

// Stats are one endpoint's figures in one run, or the medians over runs.
type Stats struct {
	Endpoint           string
	Requests, Errors   int
	P50, P95, P99, Max time.Duration
	PerSecond          float64
}

// summarise groups samples by endpoint, in the mix's order.
func summarise(samples []sample, d time.Duration) []Stats {
	by := map[string][]sample{}
	var order []string
	for _, s := range samples {
		if by[s.endpoint] == nil {
			order = append(order, s.endpoint)
		}
		by[s.endpoint] = append(by[s.endpoint], s)
	}
	rank := map[string]int{}
	for i, e := range endpoints {
		rank[e.name] = i + 1
	}
	sort.SliceStable(order, func(i, j int) bool { return rank[order[i]] < rank[order[j]] })
	var out []Stats
	for _, name := range order {
		ss := by[name]
		ds := make([]time.Duration, 0, len(ss))
		st := Stats{Endpoint: name, Requests: len(ss), PerSecond: float64(len(ss)) / d.Seconds()}
		for _, s := range ss {
			ds = append(ds, s.latency)
			if s.failed {
				st.Errors++
			}
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		st.P50, st.P95, st.P99, st.Max = quantile(ds, 0.50), quantile(ds, 0.95), quantile(ds, 0.99), ds[len(ds)-1]
		out = append(out, st)
	}
	return out
}

// quantile of sorted durations: the smallest value at or above the share q.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// medianStats combines runs: for each endpoint, the median of each figure.
func medianStats(runs [][]Stats) []Stats {
	by := map[string][]Stats{}
	var order []string
	for _, run := range runs {
		for _, s := range run {
			if by[s.Endpoint] == nil {
				order = append(order, s.Endpoint)
			}
			by[s.Endpoint] = append(by[s.Endpoint], s)
		}
	}
	var out []Stats
	for _, name := range order {
		ss := by[name]
		pick := func(f func(Stats) time.Duration) time.Duration {
			var ds []time.Duration
			for _, s := range ss {
				ds = append(ds, f(s))
			}
			return median(ds)
		}
		var reqs, errs []int64
		var rates []float64
		for _, s := range ss {
			reqs, errs, rates = append(reqs, int64(s.Requests)), append(errs, int64(s.Errors)), append(rates, s.PerSecond)
		}
		out = append(out, Stats{Endpoint: name, Requests: int(median(reqs)), Errors: int(median(errs)),
			P50: pick(func(s Stats) time.Duration { return s.P50 }), P95: pick(func(s Stats) time.Duration { return s.P95 }),
			P99: pick(func(s Stats) time.Duration { return s.P99 }), Max: pick(func(s Stats) time.Duration { return s.Max }),
			PerSecond: median(rates)})
	}
	return out
}

// median is the middle value, or the mean of the two middle values of an even
// count (repeated runs are usually odd, but a run may be cut short).
func median[T ~int64 | ~float64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// fsyncRate measures F_fsync: how many times a second a 4 kB write followed by
// fdatasync completes, in the database's directory (for PostgreSQL, the
// system's temporary directory: on this kind of machine, the same disk).
func fsyncRate(ctx context.Context, db string, d time.Duration) (float64, error) {
	dir := os.TempDir()
	if !strings.Contains(db, "://") {
		dir = filepath.Dir(db)
	}
	f, err := os.CreateTemp(dir, "samspill-fsync-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := bytes.Repeat([]byte{'x'}, 4096)
	n := 0
	start := time.Now()
	for time.Since(start) < d && ctx.Err() == nil {
		if _, err := f.WriteAt(buf, int64(n%256)*4096); err != nil {
			return 0, err
		}
		if err := unix.Fdatasync(int(f.Fd())); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
