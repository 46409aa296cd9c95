package app

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/views"
)

// reportPeriod reads ?from= and ?to=, noting in q a date it cannot read, an
// end typed before the start and a start after today (the report counts
// referrals sent: a period ahead holds none, and a start alone ahead was
// turned into today..from unsaid); the default is the year so far. An end
// alone starts with its year; a start alone runs to today.
func (s *Server) reportPeriod(q *listQuery) (time.Time, time.Time) {
	to := s.store.Today()
	from := time.Date(to.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	start, end := q.pastPeriod("from", "to", to)
	if end != nil {
		to = *end
		from = time.Date(to.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if start != nil {
		from = *start
	}
	return from, to
}

// Bar is one bar of a chart drawn on the server.
type Bar struct {
	Label   string
	Value   int64
	Display string
	Width   int // per mille of the widest bar, for the SVG
	Y       int
	Href    string // the drill-down behind the bar
}

// barChart lays out bars for an inline SVG; the same numbers stand in a table
// beside it, so the chart needs no other text alternative than its title.
type barChart struct {
	ID     string
	Title  string
	Bars   []Bar
	Height int
}

func newBarChart(id, title string, bars []Bar) barChart {
	var top int64
	for _, b := range bars {
		top = max(top, b.Value)
	}
	for i := range bars {
		if top > 0 {
			bars[i].Width = int(bars[i].Value * 600 / top)
		}
		bars[i].Y = i * 32
	}
	return barChart{ID: id, Title: title, Bars: bars, Height: max(len(bars)*32, 32)}
}

type referralReportPage struct {
	page
	Report   *models.ReferralReport
	From, To time.Time // calendar days, at midnight UTC
	// Period is the report's period and region as a query string, for
	// drill-downs and exports; a URL part the page must not escape again.
	Period       template.URL
	PeriodFields []views.Field // the period's form
	Invalid      problems      // a period that cannot be read; the report is not shown
	Funnel       barChart
	GrantedChart barChart
	Print        bool
}

// periodFields are the report's from and to, as typed or as used.
func periodFields(m fieldMaker, from, to string) []views.Field {
	return []views.Field{m.text("from", "report.from", from).As("date"), m.text("to", "report.to", to).As("date")}
}

// referralReport is the board's follow-up of referrals ("Oppfølging av henvisninger").
func (s *Server) referralReport(c echo.Context) error {
	p := s.page(c, "report.title")
	q := newListQuery(c)
	from, to := s.reportPeriod(q)
	if q.err() != nil { // a period that cannot be read: say so, rather than show another
		m := fieldMaker{loc: p.loc, errs: q.problems}
		d := referralReportPage{page: p, PeriodFields: periodFields(m, q.text("from"), q.text("to"))}
		d.Invalid = filterProblems(p, q, d.PeriodFields, nil)
		return c.Render(q.status(), "reports/referrals", d)
	}
	rep, err := s.store.ReferralReport(c.Request().Context(), p.Viewer, from, to)
	if err != nil {
		return err
	}
	nameQuarters(p.loc, rep)
	// The report counts the viewer's current region; an admin's lists hold
	// every region's, so the drill-downs name it.
	period := url.Values{"from": {from.Format("2006-01-02")}, "to": {to.Format("2006-01-02")},
		"region": {strconv.FormatInt(p.Viewer.Region.ID, 10)}}.Encode()
	d := referralReportPage{page: p, Report: rep, From: from, To: to, Period: template.URL(period), Print: c.QueryParam("print") != "",
		PeriodFields: periodFields(fieldMaker{loc: p.loc}, from.Format("2006-01-02"), to.Format("2006-01-02"))}
	var funnel, granted []Bar
	for _, x := range rep.Partners {
		funnel = append(funnel, Bar{Label: x.Name, Value: int64(x.Sent), Display: strconv.Itoa(x.Sent), Href: fmt.Sprintf("/referrals?partner=%d&%s", x.PartnerID, period)})
	}
	for _, x := range rep.ByQuarter {
		granted = append(granted, Bar{Label: x.Label, Value: x.NOK, Display: p.loc.Numbers().NOK(x.NOK)})
	}
	d.Funnel = newBarChart("sent", p.T("report.chart_sent"), funnel)
	d.GrantedChart = newBarChart("granted", p.T("report.chart_granted"), granted)
	return c.Render(http.StatusOK, "reports/referrals", d)
}

// nameQuarters writes the quarters of the report in the reader's words, "1.
// kvartal 2026"; their keys ("2026-Q1") stay as the API gives them.
func nameQuarters(loc *views.Localizer, rep *models.ReferralReport) {
	for i, q := range rep.ByQuarter {
		var year, quarter int
		if _, err := fmt.Sscanf(q.Key, "%d-Q%d", &year, &quarter); err == nil {
			rep.ByQuarter[i].Label = loc.T("report.quarter_label", map[string]any{"Year": year, "Quarter": quarter})
		}
	}
}

// referralReportCSV exports one table of the board's follow-up.
func (s *Server) referralReportCSV(c echo.Context) error {
	loc := s.localizer(c)
	q := newListQuery(c)
	from, to := s.reportPeriod(q)
	if err := q.err(); err != nil { // not another period's table under the name of this one
		return err
	}
	rep, err := s.store.ReferralReport(c.Request().Context(), viewer(c), from, to)
	if err != nil {
		return err
	}
	nameQuarters(loc, rep)
	days := func(d *float64) string {
		if d == nil {
			return ""
		}
		return views.FormatDecimal(*d)
	}
	var rows [][]string
	switch c.QueryParam("table") {
	case "advisers":
		rows = append(rows, []string{loc.T("report.adviser"), loc.T("report.sent"), loc.T("report.open"), loc.T("report.overdue")})
		for _, a := range rep.Advisers {
			rows = append(rows, []string{a.Name, strconv.Itoa(a.Sent), strconv.Itoa(a.Open), strconv.Itoa(a.Overdue)})
		}
	case "municipalities", "quarters":
		buckets, head := rep.ByMunicipality, loc.T("report.municipality")
		if c.QueryParam("table") == "quarters" {
			buckets, head = rep.ByQuarter, loc.T("report.quarter")
		}
		rows = append(rows, []string{head, loc.T("report.supported"), loc.T("report.granted_nok")})
		for _, b := range buckets {
			rows = append(rows, []string{b.Label, strconv.Itoa(b.Supported), strconv.FormatInt(b.NOK, 10)})
		}
	default:
		rows = append(rows, []string{loc.T("report.partner"), loc.T("report.sent"), loc.T("report.acknowledged"), loc.T("report.completed"),
			loc.T("report.supported"), loc.T("report.declined"), loc.T("report.no_response"), loc.T("report.open"), loc.T("report.overdue"),
			loc.T("report.median_ack"), loc.T("report.median_outcome"), loc.T("report.granted_nok")})
		for _, x := range rep.Partners {
			rows = append(rows, []string{x.Name, strconv.Itoa(x.Sent), strconv.Itoa(x.Acknowledged), strconv.Itoa(x.Completed), strconv.Itoa(x.Supported),
				strconv.Itoa(x.Declined), strconv.Itoa(x.NoResponse), strconv.Itoa(x.Open), strconv.Itoa(x.Overdue), days(x.MedianAckDays), days(x.MedianOutcomeDays), strconv.FormatInt(x.GrantedNOK, 10)})
		}
	}
	var buf bytes.Buffer
	w, err := newCSVWriter(&buf)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, attachment(loc.T("report.file")+".csv"))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

func (s *Server) apiReferralReport(c echo.Context) error {
	q := newListQuery(c)
	from, to := s.reportPeriod(q)
	if err := q.refuseUnknown().err(); err != nil {
		return err
	}
	rep, err := s.store.ReferralReport(c.Request().Context(), viewer(c), from, to)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}
