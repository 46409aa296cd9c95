package app

import (
	"errors"
	"maps"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/views"
)

// listQuery reads the query parameters of a list and notes each value it
// cannot use. A filter dropped unsaid shows every row as if it were
// filtered, so the API refuses such a request and a page says what is wrong.
type listQuery struct {
	path      string // the list's, for the link to its first page
	values    url.Values
	known     map[string]bool   // the parameters read
	problems  map[string]string // parameter → message ID
	malformed bool              // a value of the wrong form (400), not only one not allowed (422)
}

func newListQuery(c echo.Context) *listQuery {
	return &listQuery{path: c.Request().URL.Path, values: c.QueryParams(), known: map[string]bool{}, problems: map[string]string{}}
}

func (q *listQuery) bad(name, messageID string, malformed bool) {
	q.problems[name] = messageID
	q.malformed = q.malformed || malformed
}

// text is the parameter as sent.
func (q *listQuery) text(name string) string {
	q.known[name] = true
	return q.values.Get(name)
}

// code is one of codes, or "" when the parameter is not sent.
func (q *listQuery) code(name string, codes []string) string {
	v := q.text(name)
	if v != "" && !slices.Contains(codes, v) {
		q.bad(name, "error.choice", false)
	}
	return v
}

// id is a record's ID, or 0 when the parameter is not sent.
func (q *listQuery) id(name string) int64 {
	v := q.text(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil:
		q.bad(name, "error.number", true)
	case n < 1:
		q.bad(name, "error.positive", false)
	}
	return n
}

// date is a calendar day, or nil when the parameter is not sent.
func (q *listQuery) date(name string) *time.Time {
	v := q.text(name)
	if v == "" {
		return nil
	}
	t, problem := readDate(v)
	if problem != "" {
		q.bad(name, problem, true)
		return nil
	}
	return &t
}

// period is the calendar days from and to, each nil when not sent. A period
// that ends before it starts holds nothing: to is refused, saying why, rather
// than answered with an empty list or swapped unsaid.
func (q *listQuery) period(from, to string) (*time.Time, *time.Time) {
	start, end := q.date(from), q.date(to)
	if start != nil && end != nil && end.Before(*start) {
		q.bad(to, "error.to_before_from", false)
	}
	return start, end
}

// pastPeriod is period for a count of what has happened, such as the
// referral report's: a start after today holds nothing yet, so from is
// refused, saying why, rather than answered empty or turned round unsaid.
// today is a calendar day at midnight UTC, as the dates parse.
func (q *listQuery) pastPeriod(from, to string, today time.Time) (*time.Time, *time.Time) {
	start, end := q.period(from, to)
	if start != nil && start.After(today) {
		q.bad(from, "error.from_in_future", false)
	}
	return start, end
}

// flag is a yes or no: "on" (a checked box) or "true", "false" or "off".
func (q *listQuery) flag(name string) bool {
	switch q.text(name) {
	case "on", "true":
		return true
	case "", "off", "false":
		return false
	}
	q.bad(name, "error.flag", true)
	return false
}

var (
	kommunenummerPattern = regexp.MustCompile(`^[0-9]{4}$`)
	countyPattern        = regexp.MustCompile(`^[0-9]{2}$`)
)

// kommunenummer is a municipality's number, or "".
func (q *listQuery) kommunenummer(name string) string {
	v := q.text(name)
	if v != "" && !kommunenummerPattern.MatchString(v) {
		q.bad(name, "error.unknown_municipality", false)
	}
	return v
}

// county is a county's number, or "".
func (q *listQuery) county(name string) string {
	v := q.text(name)
	if v != "" && !countyPattern.MatchString(v) {
		q.bad(name, "error.county", false)
	}
	return v
}

// page is the page and limit asked for. A limit above the most is the most
// (the answer's limit says so), a page past the end is empty; a value that is
// not a number, or under 1, is refused.
func (q *listQuery) page() models.Page {
	return models.Page{Number: max(q.count("page"), 1), Size: q.count("limit")}
}

func (q *listQuery) count(name string) int {
	v := q.text(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	var ne *strconv.NumError
	switch {
	case errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) && !strings.HasPrefix(v, "-"):
		return math.MaxInt // larger than any list
	case err != nil:
		q.bad(name, "error.number", true)
	case n < 1:
		q.bad(name, "error.positive", false)
	}
	return n
}

// refuseUnknown notes every parameter not read: the API refuses a misspelt
// filter as it refuses an unknown field of a JSON body. "_" is no filter but
// the cache-buster HTTP libraries add (jQuery's "cache: false"): it is let be.
func (q *listQuery) refuseUnknown() *listQuery {
	for name := range q.values {
		if !q.known[name] && name != "_" {
			q.bad(name, "error.query_unknown", true)
		}
	}
	return q
}

// status is the answer to the problems: 400 when a value is of the wrong
// form, 422 when it is only not allowed.
func (q *listQuery) status() int {
	if q.malformed {
		return http.StatusBadRequest
	}
	return http.StatusUnprocessableEntity
}

// err is nil when every value could be used, else the error naming each that
// could not.
func (q *listQuery) err() error {
	if len(q.problems) == 0 {
		return nil
	}
	if q.malformed {
		return &apiError{status: http.StatusBadRequest, code: "malformed", message: "error.query", fields: q.problems}
	}
	return &models.ValidationError{Fields: q.problems}
}

// pageLabels name the page and the page size of every list, which no field
// of a page sets (the pager's links do).
var pageLabels = map[string]string{"page": "list.page", "limit": "list.limit"}

// filterProblems is the error summary of a page's list asked with filters it
// cannot use: each of fields that has an error, then each other parameter
// refused that has no field there, named by labels (parameter → message ID
// of its name) or as the page or the page size. A page or size refused gets a
// link to the first page of the same selection, since nothing on the page
// sets them.
func filterProblems(p page, q *listQuery, fields []views.Field, labels map[string]string) problems {
	out := problems{Title: p.T("list.invalid")}
	shown := map[string]bool{}
	for _, f := range fields {
		if f.Error != "" {
			out.Fields = append(out.Fields, f)
			shown[f.Name] = true
		}
	}
	names := maps.Clone(pageLabels)
	maps.Copy(names, labels)
	for _, name := range slices.Sorted(maps.Keys(names)) {
		if id, ok := q.problems[name]; ok && !shown[name] {
			out.Fields = append(out.Fields, views.Field{Name: name, Label: p.T(names[name]), Error: p.T(id), Kind: "note"})
		}
	}
	if q.problems["page"] != "" || q.problems["limit"] != "" {
		first := maps.Clone(q.values)
		delete(first, "page")
		delete(first, "limit")
		out.Href, out.HrefLabel = q.path, p.T("list.first_page")
		if len(first) > 0 {
			out.Href += "?" + first.Encode()
		}
	}
	return out
}

// allChoices words the blank choice of a list's select filters "Alle": left
// blank, a filter lists every value, where a form's blank choice asks to
// choose one ("Velg").
func allChoices(p page, filters []views.Field) {
	for i := range filters {
		if f := &filters[i]; f.Kind == "select" && len(f.Options) > 0 && f.Options[0].Value == "" {
			f.Options[0].Label = p.T("common.all")
		}
	}
}
