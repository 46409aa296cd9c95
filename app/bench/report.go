package bench

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// Targets of the issue, at the fixed rate on SQLite with national data.
const (
	targetSaturation = 1500 // mixed requests per second
	targetRSS        = 300 * 1024
	targetIntake     = 0.8 // of F_fsync
)

type limit struct{ p50, p99 time.Duration }

var targets = map[string]limit{
	"list":   {10 * time.Millisecond, 50 * time.Millisecond},
	"page":   {0, 30 * time.Millisecond},
	"search": {0, 100 * time.Millisecond},
	"report": {0, 200 * time.Millisecond},
}

func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f", float64(d)/1e6)
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1f", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0f", float64(d)/1e6)
}

func mark(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// floors are an endpoint's floors as measured beside the fixed-rate mix, or
// alone where no probe of the run measured them.
func floors(r *Result, endpoint string) (sql, http time.Duration) {
	sql, ok := r.FSQLRun[endpoint]
	if !ok {
		sql = r.FSQL[endpoint]
	}
	http = r.FHTTPRun
	if http == 0 {
		http = r.FHTTP.P50
	}
	return sql, http
}

// limitOf is the most a page's p50 may take: twice its SQL run directly, plus
// the empty page behind the same middleware, both measured beside the mix.
func limitOf(r *Result, endpoint string) time.Duration {
	sql, http := floors(r, endpoint)
	return 2*sql + http
}

// report writes the Markdown tables of one database.
func report(w io.Writer, r *Result, o Options) {
	fmt.Fprintf(w, "\n### %s (%s), %s\n\n", r.Dialect, r.DB, r.Date.Format("2006-01-02"))
	fmt.Fprintf(w, "Machine: %s. Medians of %d runs of %s each. Latencies in ms, from when a request was due to its last byte.\n\n", r.Machine, o.Runs, o.Duration)
	fmt.Fprintf(w, "Load average of the machine (1, 5, 15 min) at the start of each run and at the end: %s. Others' work on the machine slows the server; "+
		"the server's own CPU time per request does not depend on it.\n\n", strings.Join(r.Load, "; "))
	fmt.Fprintf(w, "Floors: F_http (empty page behind all middleware) p50 %s ms and p99 %s ms alone, p50 %s ms beside the fixed-rate mix, and at saturation %.0f/s at %.2f ms server CPU each; "+
		"F_fsync %.0f write+sync/s; F_sql per endpoint below (the handler's model calls run directly, one at a time, in the same regions as the mix), "+
		"measured alone before the runs and, %d times a second at random moments, beside the fixed-rate mix. "+
		"A page's limit is 2·F_sql+F_http, both measured beside the mix: the page and its floor then wait for the same cores and caches.\n\n",
		ms(r.FHTTP.P50), ms(r.FHTTP.P99), ms(r.FHTTPRun), r.FloorRate, r.CPUFloor, r.FFsync, floorProbeRate)

	fmt.Fprintf(w, "**Fixed rate, %.0f requests/s** (achieved %.1f/s; server CPU %.2f ms per request; peak RSS %d MB)\n\n", o.Rate, r.FixedRate, r.CPUFixed, r.RSSFixed/1024)
	fmt.Fprintln(w, "| endpoint | requests | errors | p50 | p95 | p99 | max | req/s | F_sql alone | F_sql beside | limit | p50/limit | target | met |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
	for _, s := range r.Fixed {
		limit := limitOf(r, s.Endpoint)
		sql, _ := floors(r, s.Endpoint)
		target, met := targetOf(s)
		fmt.Fprintf(w, "| %s | %d | %d | %s | %s | %s | %s | %.1f | %s | %s | %s | %.2f | %s | %s |\n", s.Endpoint, s.Requests, s.Errors,
			ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max), s.PerSecond, ms(r.FSQL[s.Endpoint]), ms(sql), ms(limit), float64(s.P50)/float64(max(limit, 1)),
			target+"; p50 ≤ 2·F_sql+F_http", mark(met && s.P50 <= limit && s.Errors == 0))
	}
	within := 0
	for _, s := range r.Fixed {
		if s.P50 <= 2*r.FSQL[s.Endpoint]+r.FHTTP.P50 {
			within++
		}
	}
	fmt.Fprintf(w, "\nAgainst the floors measured alone (2·F_sql+F_http before the runs), %d of %d pages are within their limit.\n", within, len(r.Fixed))

	fmt.Fprintf(w, "\n**Saturation, %d clients without pause** (%.0f requests/s in all, %d errors; server CPU %.2f ms per request, so %.0f requests/s would fill %d idle cores; "+
		"peak RSS %d MB, with one full CSV export running; intake alone: %.2f ms CPU per submission)\n\n",
		o.Clients, r.SatRate, r.SatErrors, r.CPUSat, float64(runtime.NumCPU())*1000/max(r.CPUSat, 0.001), runtime.NumCPU(), r.RSSSat/1024, r.CPUIntake)
	fmt.Fprintln(w, "| endpoint | requests | errors | p50 | p95 | p99 | max | req/s |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, s := range append(append([]Stats(nil), r.Saturation...), r.FullExport, r.Intake) {
		if s.Endpoint == "" {
			continue
		}
		name := s.Endpoint
		if s.Endpoint == "intake" && s.Requests == r.Intake.Requests && s.P50 == r.Intake.P50 {
			name = "intake alone (32 clients, one commit each or grouped)"
		}
		fmt.Fprintf(w, "| %s | %d | %d | %s | %s | %s | %s | %.1f |\n", name, s.Requests, s.Errors, ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max), s.PerSecond)
	}

	fmt.Fprint(w, "\n**Targets**\n\n")
	fmt.Fprintln(w, "| target | measured | met |")
	fmt.Fprintln(w, "|---|---|---|")
	cores := runtime.NumCPU()
	sqlBound := sqlBound(r, cores)
	fmt.Fprintf(w, "| saturation ≥ %d mixed requests/s, no errors, no \"database is locked\" | %.0f/s, %d errors (the mix's SQL alone, run directly, allows at most %.0f/s on %d cores) | %s |\n",
		targetSaturation, r.SatRate, r.SatErrors, sqlBound, cores, mark(r.SatRate >= targetSaturation && r.SatErrors == 0))
	fmt.Fprintf(w, "| intake ≥ %.1f × F_fsync (%.0f/s) | %.0f/s (%.2f × F_fsync; the empty page alone reaches %.0f/s) | %s |\n", targetIntake, targetIntake*r.FFsync, r.Intake.PerSecond,
		r.Intake.PerSecond/max(r.FFsync, 1), r.FloorRate, mark(r.Intake.PerSecond >= targetIntake*r.FFsync && r.Intake.Errors == 0))
	fmt.Fprintf(w, "| server RSS ≤ 300 MB under saturation and a full export | %d MB | %s |\n", r.RSSSat/1024, mark(r.RSSSat <= targetRSS))
	fixedOK := true
	for _, s := range r.Fixed {
		_, met := targetOf(s)
		fixedOK = fixedOK && met && s.Errors == 0
	}
	fmt.Fprintf(w, "| pages at %.0f/s within their latency targets | see above | %s |\n", o.Rate, mark(fixedOK))
}

// sqlBound is the most mixed requests a second the machine's cores could
// serve if a request cost nothing but its SQL, measured alone: the mix's
// shares weighted by each endpoint's F_sql. A target above it cannot be met
// by any handler on this machine, only by less SQL per request.
func sqlBound(r *Result, cores int) float64 {
	var weight, cost float64
	for _, e := range endpoints {
		d, ok := r.FSQL[e.name]
		if !ok {
			continue
		}
		weight += float64(e.weight)
		cost += float64(e.weight) * float64(d)
	}
	if cost == 0 {
		return 0
	}
	return float64(cores) * float64(time.Second) * weight / cost
}

// targetOf describes and checks an endpoint's latency target at the fixed rate.
func targetOf(s Stats) (string, bool) {
	for _, e := range endpoints {
		if e.name != s.Endpoint {
			continue
		}
		t, ok := targets[e.target]
		if !ok {
			return "–", true
		}
		desc := fmt.Sprintf("p99 ≤ %s", ms(t.p99))
		met := s.P99 <= t.p99
		if t.p50 > 0 {
			desc = fmt.Sprintf("p50 ≤ %s, ", ms(t.p50)) + desc
			met = met && s.P50 <= t.p50
		}
		return desc, met
	}
	return "–", true
}

// Compare writes the fixed-rate and saturation figures of two databases side
// by side.
func Compare(w io.Writer, a, b *Result) {
	fmt.Fprintf(w, "\n### %s beside %s\n\n", a.Dialect, b.Dialect)
	fmt.Fprintf(w, "| endpoint | %s p50 | %s p50 | %s p99 | %s p99 | %s sat. req/s | %s sat. req/s |\n", a.Dialect, b.Dialect, a.Dialect, b.Dialect, a.Dialect, b.Dialect)
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	find := func(list []Stats, name string) Stats {
		for _, s := range list {
			if s.Endpoint == name {
				return s
			}
		}
		return Stats{}
	}
	for _, s := range a.Fixed {
		t := find(b.Fixed, s.Endpoint)
		sa, sb := find(a.Saturation, s.Endpoint), find(b.Saturation, s.Endpoint)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %.0f | %.0f |\n", s.Endpoint, ms(s.P50), ms(t.P50), ms(s.P99), ms(t.P99), sa.PerSecond, sb.PerSecond)
	}
	fmt.Fprintf(w, "| **all, saturation** | | | | | %.0f | %.0f |\n", a.SatRate, b.SatRate)
	fmt.Fprintf(w, "| intake alone | | | | | %.0f | %.0f |\n", a.Intake.PerSecond, b.Intake.PerSecond)
	fmt.Fprintf(w, "| server peak RSS, MB | | | | | %d | %d |\n", a.RSSSat/1024, b.RSSSat/1024)
}
