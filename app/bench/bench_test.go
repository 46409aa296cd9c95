package bench

import (
	"testing"
	"time"
)

const ms1 = time.Millisecond

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []float64
		want float64
	}{
		{"empty", nil, 0},
		{"one", []float64{7}, 7},
		{"odd, unsorted", []float64{9, 1, 5}, 5},
		{"even: mean of the middle two", []float64{4, 1, 3, 2}, 2.5},
		{"an outlier does not move it", []float64{1, 2, 1000}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := append([]float64(nil), c.in...)
			if got := median(c.in); got != c.want {
				t.Errorf("median(%v) = %v; want %v", c.in, got, c.want)
			}
			for i := range in {
				if in[i] != c.in[i] {
					t.Fatalf("median reordered its input: %v", c.in)
				}
			}
		})
	}
	if got := median([]time.Duration{3 * ms1, 1 * ms1}); got != 2*ms1 {
		t.Errorf("median of durations = %v; want 2ms", got)
	}
}

func TestQuantile(t *testing.T) {
	sorted := make([]time.Duration, 100)
	for i := range sorted {
		sorted[i] = time.Duration(i+1) * ms1 // 1 ms … 100 ms
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.50, 50 * ms1}, {0.95, 95 * ms1}, {0.99, 99 * ms1}, {1, 100 * ms1}, {0, 1 * ms1}} {
		if got := quantile(sorted, c.q); got != c.want {
			t.Errorf("quantile(1..100 ms, %v) = %v; want %v", c.q, got, c.want)
		}
	}
	if got := quantile([]time.Duration{4 * ms1}, 0.99); got != 4*ms1 {
		t.Errorf("quantile of one sample = %v", got)
	}
	if got := quantile(nil, 0.5); got != 0 {
		t.Errorf("quantile of none = %v", got)
	}
}

// TestSummarise: samples are grouped by endpoint in the mix's order, errors
// counted, and the rate is per second of the run.
func TestSummarise(t *testing.T) {
	var samples []sample
	for i := 1; i <= 10; i++ {
		samples = append(samples, sample{endpoint: "intake", latency: time.Duration(i) * ms1, failed: i == 10})
	}
	samples = append(samples, sample{endpoint: "inbox", latency: 3 * ms1})
	got := summarise(samples, 2*time.Second)
	if len(got) != 2 || got[0].Endpoint != "inbox" || got[1].Endpoint != "intake" {
		t.Fatalf("order = %+v; want inbox before intake, as in the mix", got)
	}
	in := got[1]
	if in.Requests != 10 || in.Errors != 1 || in.P50 != 5*ms1 || in.Max != 10*ms1 || in.PerSecond != 5 {
		t.Errorf("intake = %+v; want 10 requests, 1 error, p50 5ms, max 10ms, 5/s", in)
	}
}

// TestMedianStats: each figure is the median over the runs on its own, so
// one slow run does not decide the table.
func TestMedianStats(t *testing.T) {
	runs := [][]Stats{
		{{Endpoint: "inbox", Requests: 100, P50: 5 * ms1, P99: 40 * ms1, PerSecond: 10}},
		{{Endpoint: "inbox", Requests: 90, P50: 50 * ms1, P99: 400 * ms1, PerSecond: 9}},
		{{Endpoint: "inbox", Requests: 110, P50: 6 * ms1, P99: 30 * ms1, PerSecond: 11}},
	}
	got := medianStats(runs)
	if len(got) != 1 {
		t.Fatalf("got %d endpoints", len(got))
	}
	if s := got[0]; s.Requests != 100 || s.P50 != 6*ms1 || s.P99 != 40*ms1 || s.PerSecond != 10 {
		t.Errorf("medians = %+v; want 100 requests, p50 6ms, p99 40ms, 10/s", s)
	}
}

func TestTargetOf(t *testing.T) {
	for _, c := range []struct {
		name string
		s    Stats
		met  bool
	}{
		{"inbox within", Stats{Endpoint: "inbox", P50: 9 * ms1, P99: 49 * ms1}, true},
		{"inbox p50 over", Stats{Endpoint: "inbox", P50: 11 * ms1, P99: 20 * ms1}, false},
		{"inbox p99 over", Stats{Endpoint: "inbox", P50: 5 * ms1, P99: 51 * ms1}, false},
		{"case page p99 only", Stats{Endpoint: "enquiry", P50: 29 * ms1, P99: 30 * ms1}, true},
		{"case page over", Stats{Endpoint: "enquiry", P50: 5 * ms1, P99: 31 * ms1}, false},
		{"board's follow-up", Stats{Endpoint: "referral follow-up (board)", P99: 199 * ms1}, true},
		{"intake has none", Stats{Endpoint: "intake", P99: time.Second}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, met := targetOf(c.s); met != c.met {
				t.Errorf("targetOf(%+v) met = %t; want %t", c.s, met, c.met)
			}
		})
	}
}

// TestFloorMedians: each run's probes give a median per endpoint, and the
// runs' medians their median, so one slow run does not decide a floor.
func TestFloorMedians(t *testing.T) {
	runs := []probes{
		{http: []time.Duration{1 * ms1, 9 * ms1, 2 * ms1}, sql: map[string][]time.Duration{"inbox": {2 * ms1, 4 * ms1, 3 * ms1}}},
		{http: []time.Duration{3 * ms1}, sql: map[string][]time.Duration{"inbox": {50 * ms1}, "intake": {1 * ms1}}},
		{http: []time.Duration{4 * ms1, 2 * ms1}, sql: map[string][]time.Duration{"inbox": {5 * ms1, 1 * ms1}}},
		{}, // a run whose probes measured nothing counts for nothing
	}
	http, sql := floorMedians(runs)
	if http != 3*ms1 {
		t.Errorf("F_http = %v; want 3ms, the median of the runs' 2, 3 and 3 ms", http)
	}
	if sql["inbox"] != 3*ms1 || sql["intake"] != 1*ms1 || len(sql) != 2 {
		t.Errorf("F_sql = %v; want inbox 3ms (of 3, 50 and 3 ms) and intake 1ms", sql)
	}
}

// TestLimitOf: a page may take twice its SQL plus the empty page, both as
// measured beside the mix; an endpoint no probe measured falls back to the
// floors measured alone.
func TestLimitOf(t *testing.T) {
	r := &Result{
		FHTTP: Stats{P50: 1 * ms1}, FSQL: map[string]time.Duration{"inbox": 2 * ms1, "portfolio": 3 * ms1},
		FHTTPRun: 2 * ms1, FSQLRun: map[string]time.Duration{"inbox": 4 * ms1},
	}
	for _, c := range []struct {
		endpoint string
		want     time.Duration
	}{
		{"inbox", 10 * ms1},    // 2·4 + 2, beside the mix
		{"portfolio", 8 * ms1}, // 2·3 alone + 2 beside
		{"unknown", 2 * ms1},   // no SQL at all: the empty page
	} {
		if got := limitOf(r, c.endpoint); got != c.want {
			t.Errorf("limitOf(%s) = %v; want %v", c.endpoint, got, c.want)
		}
	}
	r.FHTTPRun = 0
	if got := limitOf(r, "inbox"); got != 9*ms1 {
		t.Errorf("without a probed F_http, limitOf(inbox) = %v; want 2·4 + 1 alone", got)
	}
}

// TestSQLBound: with every request costing only its SQL, n cores serve n
// seconds of SQL a second, shared out by the mix's weights.
func TestSQLBound(t *testing.T) {
	r := &Result{FSQL: map[string]time.Duration{}}
	for _, e := range endpoints {
		r.FSQL[e.name] = 2 * ms1
	}
	if got := sqlBound(r, 2); got < 999.9 || got > 1000.1 {
		t.Errorf("every endpoint 2 ms of SQL on 2 cores: bound %v/s; want 1000", got)
	}
	r.FSQL["inbox"] = 2*ms1 + 1000*ms1 // one heavy endpoint drags the mix in proportion to its share
	heavy := sqlBound(r, 2)
	var total, inbox float64
	for _, e := range endpoints {
		total += float64(e.weight)
		if e.name == "inbox" {
			inbox = float64(e.weight)
		}
	}
	want := 2 * 1000 * total / (2*total + 1000*inbox)
	if heavy < want-0.01 || heavy > want+0.01 {
		t.Errorf("bound with a heavy inbox = %v; want %v", heavy, want)
	}
	if got := sqlBound(&Result{}, 2); got != 0 {
		t.Errorf("no floors measured: bound %v; want 0", got)
	}
}
