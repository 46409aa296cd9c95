// Package bench is `samspill bench`: it starts the real server as a child
// process on a generated database and drives a realistic mix of authenticated
// requests at it, at a fixed arrival rate and at saturation, beside the floors
// each page is measured against: an empty page behind the same middleware
// (F_http), the same queries run directly (F_sql) and the disk's write-and-sync
// rate (F_fsync). It repeats every run and reports medians as Markdown tables.
package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"samspill/models"
)

// Options say what to measure and how long.
type Options struct {
	DB         string        // SQLite file or postgres:// URL; generated when empty
	Scale      string        // for gen, when the database is empty
	Seed       uint64        // for gen and for the request mix
	Until      string        // for gen: last day of the history (YYYY-MM-DD), default yesterday
	Duration   time.Duration // of each measured run
	Runs       int           // repetitions of each run; medians are reported
	Rate       float64       // requests per second of the fixed-rate runs
	Clients    int           // clients of the saturation runs
	Regions    int           // regions the users work in
	Executable string        // the samspill binary to start as the server
	Out        io.Writer     // the report
	Log        io.Writer     // progress
}

// Result is the whole measurement of one database.
type Result struct {
	DB         string
	Dialect    string
	Date       time.Time
	Machine    string
	Fixed      []Stats // per endpoint, medians over runs
	Saturation []Stats
	Intake     Stats // intake alone at saturation
	FullExport Stats // one full export during each saturation run
	FHTTP      Stats
	FSQL       map[string]time.Duration // median per endpoint, measured alone
	FHTTPRun   time.Duration            // F_http's p50 beside the fixed-rate mix, medians over runs
	FSQLRun    map[string]time.Duration // F_sql beside the fixed-rate mix, medians over runs
	FFsync     float64                  // write+sync per second
	RSSFixed   int64                    // peak RSS of the server in kB, medians over runs
	RSSSat     int64
	FixedRate  float64 // achieved requests/s, all endpoints
	SatRate    float64
	SatErrors  int
	CPUFixed   float64 // server CPU time (user+system) per request, ms
	CPUSat     float64
	CPUIntake  float64
	CPUFloor   float64  // per request of the empty page at saturation
	FloorRate  float64  // empty pages per second at saturation
	Load       []string // the machine's load averages during the runs
}

// Run measures one database and writes its report.
func Run(ctx context.Context, o Options) (*Result, error) {
	res := &Result{DB: o.DB, Dialect: models.SQLite, Date: time.Now(), Machine: machine()}
	if strings.HasPrefix(o.DB, "postgres://") || strings.HasPrefix(o.DB, "postgresql://") {
		res.Dialect = models.Postgres
	}
	if err := ensureData(ctx, o); err != nil {
		return nil, err
	}
	logf(o, "copying %s for this run", o.DB)
	scratch, drop, err := models.Scratch(ctx, o.DB)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := drop(); err != nil {
			logf(o, "the copy %s was not removed: %v", scratch, err)
		}
	}()
	o.DB = scratch
	store, err := models.Open(o.DB)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	regions, err := store.BenchRegions(ctx, o.Regions, o.Seed)
	if err != nil {
		return nil, err
	}
	logf(o, "regions: %s", regionNames(regions))

	srv, err := startServer(ctx, o)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	logf(o, "server pid %d on %s (log %s)", srv.cmd.Process.Pid, srv.base, srv.logPath)

	users, err := login(ctx, srv.base, regions)
	if err != nil {
		return nil, fmt.Errorf("%w (server log: %s)", err, srv.logPath)
	}
	m := newMix(srv.base, regions, users, o.Seed)

	logf(o, "warming up")
	saturate(ctx, m, o.Clients, 5*time.Second, 1)

	logf(o, "floors")
	if res.FFsync, err = fsyncRate(ctx, o.DB, 2*time.Second); err != nil {
		return nil, err
	}
	res.FHTTP = floorHTTP(ctx, m, 400)
	cpu := srv.cpu()
	floorSamples := saturateFloor(ctx, m, o.Clients, 3*time.Second)
	res.CPUFloor = perRequest(srv.cpu()-cpu, len(floorSamples))
	res.FloorRate = float64(len(floorSamples)) / 3
	fw, err := newFloorWork(ctx, store, regions)
	if err != nil {
		return nil, err
	}
	if res.FSQL, err = floorSQL(fw, 60); err != nil {
		return nil, err
	}

	var fixed, sat [][]Stats
	var intake, export []Stats
	var rssFixed, rssSat []int64
	var fixedRate, satRate, cpuFixed, cpuSat, cpuIntake []float64
	var floorRuns []probes
	for run := 1; run <= o.Runs; run++ {
		res.Load = append(res.Load, loadAverage())
		logf(o, "run %d/%d: %.0f requests/s for %s", run, o.Runs, o.Rate, o.Duration)
		srv.resetPeak()
		probed := make(chan probes, 1)
		probeErr := make(chan error, 1)
		go func() {
			p, err := probeFloors(ctx, m, fw, o.Duration, uint64(run))
			probed <- p
			probeErr <- err
		}()
		cpu = srv.cpu()
		samples := fixedRateRun(ctx, m, o.Rate, o.Duration, uint64(run))
		cpuFixed = append(cpuFixed, perRequest(srv.cpu()-cpu, len(samples)))
		floorRuns = append(floorRuns, <-probed)
		if err := <-probeErr; err != nil {
			return nil, err
		}
		fixed = append(fixed, summarise(samples, o.Duration))
		fixedRate = append(fixedRate, float64(len(samples))/o.Duration.Seconds())
		rssFixed = append(rssFixed, srv.peakRSS())

		logf(o, "run %d/%d: %d clients without pause for %s, with one full export", run, o.Runs, o.Clients, o.Duration)
		srv.resetPeak()
		full := make(chan []sample, 1)
		go func() { full <- fullExport(ctx, m) }()
		cpu = srv.cpu()
		samples = saturate(ctx, m, o.Clients, o.Duration, uint64(run))
		cpuSat = append(cpuSat, perRequest(srv.cpu()-cpu, len(samples)))
		export = append(export, summarise(<-full, o.Duration)...)
		sat = append(sat, summarise(samples, o.Duration))
		satRate = append(satRate, float64(len(samples))/o.Duration.Seconds())
		rssSat = append(rssSat, srv.peakRSS())
		for _, s := range samples {
			if s.failed {
				res.SatErrors++
			}
		}

		logf(o, "run %d/%d: intake alone, %d clients for %s", run, o.Runs, o.Clients, o.Duration/2)
		cpu = srv.cpu()
		samples = saturateIntake(ctx, m, o.Clients, o.Duration/2)
		cpuIntake = append(cpuIntake, perRequest(srv.cpu()-cpu, len(samples)))
		intake = append(intake, summarise(samples, o.Duration/2)...)
	}
	res.Load = append(res.Load, loadAverage())
	res.CPUFixed, res.CPUSat, res.CPUIntake = median(cpuFixed), median(cpuSat), median(cpuIntake)
	res.FHTTPRun, res.FSQLRun = floorMedians(floorRuns)
	res.Fixed, res.Saturation = medianStats(fixed), medianStats(sat)
	if s := medianStats(wrap(intake)); len(s) > 0 {
		res.Intake = s[0]
	}
	if s := medianStats(wrap(export)); len(s) > 0 {
		res.FullExport = s[0]
	}
	res.RSSFixed, res.RSSSat = median(rssFixed), median(rssSat)
	res.FixedRate, res.SatRate = median(fixedRate), median(satRate)
	if b, err := os.ReadFile(srv.logPath); err == nil && strings.Contains(string(b), "database is locked") {
		logf(o, "the server log mentions \"database is locked\": see %s", srv.logPath)
		res.SatErrors++
	}
	report(o.Out, res, o)
	return res, nil
}

// floorMedians combines the floors probed in each run: each endpoint's
// median in each run, then the median over the runs.
func floorMedians(runs []probes) (time.Duration, map[string]time.Duration) {
	var httpRuns []time.Duration
	sqlRuns := map[string][]time.Duration{}
	for _, p := range runs {
		if len(p.http) > 0 {
			httpRuns = append(httpRuns, median(p.http))
		}
		for e, ds := range p.sql {
			sqlRuns[e] = append(sqlRuns[e], median(ds))
		}
	}
	sql := map[string]time.Duration{}
	for e, ds := range sqlRuns {
		sql[e] = median(ds)
	}
	return median(httpRuns), sql
}

func wrap(list []Stats) [][]Stats {
	var out [][]Stats
	for _, s := range list {
		out = append(out, []Stats{s})
	}
	return out
}

func logf(o Options, format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, "bench: "+format+"\n", args...)
	}
}

func regionNames(rs []models.BenchRegion) string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s (%d enquiries)", r.Slug, r.Enquiries))
	}
	return strings.Join(out, ", ")
}

// ensureData generates the database with `samspill gen` when it has no regions.
func ensureData(ctx context.Context, o Options) error {
	store, err := models.Open(o.DB)
	if err != nil {
		return err
	}
	if _, err := store.Migrate(ctx); err != nil {
		store.Close()
		return err
	}
	_, err = store.BenchRegions(ctx, 1, o.Seed)
	store.Close()
	if err == nil {
		return nil
	}
	logf(o, "generating %s data into %s", o.Scale, o.DB)
	args := []string{"gen", "--db", o.DB, "--scale", o.Scale, "--seed", strconv.FormatUint(o.Seed, 10)}
	if o.Until != "" {
		args = append(args, "--until", o.Until)
	}
	cmd := exec.CommandContext(ctx, o.Executable, args...)
	cmd.Stdout, cmd.Stderr = o.Log, o.Log
	return cmd.Run()
}

// server is the server under test, a child process.
type server struct {
	cmd     *exec.Cmd
	base    string
	logPath string
	logFile *os.File
}

func startServer(ctx context.Context, o Options) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	logFile, err := os.CreateTemp("", "samspill-bench-server-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, o.Executable, "serve", "--db", o.DB, "--addr", addr, "--bench-floor",
		"--intake-burst", "1000000000", "--intake-every", "1ns")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr, logPath: logFile.Name(), logFile: logFile}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		res, err := http.Get(s.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("the server did not answer /healthz within two minutes (log: %s)", s.logPath)
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- s.cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
	}
	s.logFile.Close()
}

// resetPeak starts a new measurement of the server's peak RSS.
func (s *server) resetPeak() {
	_ = os.WriteFile(filepath.Join("/proc", strconv.Itoa(s.cmd.Process.Pid), "clear_refs"), []byte("5"), 0)
}

// peakRSS is the server's peak resident set since resetPeak, in kB (VmHWM).
func (s *server) peakRSS() int64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(s.cmd.Process.Pid), "status"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// cpu is the server's CPU time so far (user and system), from /proc.
func (s *server) cpu() time.Duration {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(s.cmd.Process.Pid), "stat"))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; the fields after it do not.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on Linux.
const clockTicks = 100

func perRequest(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(d) / float64(time.Millisecond) / float64(n)
}

// loadAverage is the machine's 1, 5 and 15 minute load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// user is a logged-in session of one demo role in one region.
type user struct {
	role, email string
	region      int // index into the mix's regions
	cookie      string
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// login logs in, in each region, a coordinator, three advisers, a board
// member, a municipality user of the host municipality and a partner contact.
func login(ctx context.Context, base string, regions []models.BenchRegion) ([]user, error) {
	var out []user
	for i, r := range regions {
		domain := r.Slug + ".example"
		want := []user{
			{role: models.RoleCoordinator, email: "koordinator-1@" + domain},
			{role: models.RoleAdviser, email: "radgiver-1@" + domain},
			{role: models.RoleAdviser, email: "radgiver-2@" + domain},
			{role: models.RoleAdviser, email: "radgiver-3@" + domain},
			{role: models.RoleBoard, email: "styret-1@" + domain},
			{role: models.RoleMunicipality, email: fmt.Sprintf("kommune-%s-1@%s", r.HostNumber, domain)},
		}
		if len(r.PartnerIDs) > 0 {
			want = append(want, user{role: models.RolePartner, email: fmt.Sprintf("partner-%d-1@%s", r.PartnerIDs[0], domain)})
		}
		for _, u := range want {
			u.region = i
			cookie, err := loginOne(ctx, base, u.email)
			if err != nil {
				if u.role == models.RoleAdviser && u.email != "radgiver-1@"+domain {
					continue // a small region has fewer advisers
				}
				return nil, err
			}
			u.cookie = cookie
			out = append(out, u)
		}
	}
	return out, nil
}

func loginOne(ctx context.Context, base, email string) (string, error) {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/login", nil)
	res, err := client.Do(req)
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var session string
	for _, c := range res.Cookies() {
		session = c.Name + "=" + c.Value
	}
	m := csrfField.FindSubmatch(body)
	if m == nil || session == "" {
		return "", errors.New("the log-in page has no session or CSRF token")
	}
	form := url.Values{"email": {email}, "password": {models.GenPassword}, "_csrf": {string(m[1])}}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", session)
	res, err = client.Do(req)
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("log in %s: status %d", email, res.StatusCode)
	}
	for _, c := range res.Cookies() {
		session = c.Name + "=" + c.Value
	}
	return session, nil
}

// machine describes the machine: CPU model and count, memory.
func machine() string {
	cpu, cores := "", 0
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "model name"); ok && cpu == "" {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ":"))
			}
			if strings.HasPrefix(line, "processor") {
				cores++
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				mem = fmt.Sprintf(", %d GiB", (kb+512*1024)/(1024*1024))
			}
		}
	}
	return fmt.Sprintf("%d × %s%s", cores, cpu, mem)
}
