package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"samspill/models"
)

// enquiryOut is an enquiry as the API shows it, to those who may see person data.
type enquiryOut struct {
	ID                  int64      `json:"id"`
	Reference           string     `json:"reference"`
	RegionID            *int64     `json:"region_id"`
	Channel             string     `json:"channel"`
	Status              string     `json:"status"`
	Municipality        string     `json:"municipality"`
	EnquirerKind        string     `json:"enquirer_kind"`
	Needs               []string   `json:"needs"`
	Description         string     `json:"description"`
	Name                string     `json:"name"`
	Email               string     `json:"email"`
	Phone               string     `json:"phone"`
	Language            string     `json:"language"`
	OrgNumber           string     `json:"org_number"`
	BusinessName        string     `json:"business_name"`
	Stage               string     `json:"stage"`
	Founder             string     `json:"founder"`
	Under30             *bool      `json:"under_30"`
	ImmigrantBackground *bool      `json:"immigrant_background"`
	ConsentStore        bool       `json:"consent_store"`
	ConsentShare        bool       `json:"consent_share"`
	AssignedTo          *int64     `json:"assigned_to"`
	ReceivedAt          time.Time  `json:"received_at"`
	FirstResponseDue    time.Time  `json:"first_response_due"`
	FirstResponseAt     *time.Time `json:"first_response_at"`
	Overdue             bool       `json:"overdue"`
	ClosedAt            *time.Time `json:"closed_at"`
	Outcome             string     `json:"outcome"`
	OutcomeOrgNumber    string     `json:"outcome_org_number"` // the company established, with outcome "established"
	JobsExpected        *int       `json:"jobs_expected"`
	JobsCreated         *int       `json:"jobs_created"`
	Version             int        `json:"version"`
}

func enquiryJSONOut(e *models.Enquiry, now time.Time) enquiryOut {
	return enquiryOut{ID: e.ID, Reference: e.Reference, RegionID: e.RegionID, Channel: e.Channel, Status: e.Status,
		Municipality: e.Kommunenummer, EnquirerKind: e.EnquirerKind, Needs: e.NeedList(), Description: e.Description,
		Name: e.Name, Email: e.Email, Phone: e.Phone, Language: e.Language, OrgNumber: e.OrgNumber, BusinessName: e.BusinessName,
		Stage: e.Stage, Founder: e.Founder, Under30: e.Under30, ImmigrantBackground: e.ImmigrantBackground,
		// An enquiry is stored only with the consent to store it (CreateEnquiry
		// refuses it without), so every enquiry the API shows has it.
		ConsentStore: true, ConsentShare: e.ConsentShare,
		AssignedTo: e.AssignedTo, ReceivedAt: e.ReceivedAt, FirstResponseDue: e.FirstResponseDue, FirstResponseAt: e.FirstResponseAt,
		Overdue: e.Overdue(now), ClosedAt: e.ClosedAt, Outcome: e.Outcome, OutcomeOrgNumber: e.OutcomeOrgNumber, JobsExpected: e.JobsExpected, JobsCreated: e.JobsCreated, Version: e.Version}
}

func (s *Server) apiListEnquiries(c echo.Context) error {
	q := newListQuery(c)
	f := parseFilter(c, q)
	if err := q.refuseUnknown().err(); err != nil {
		return err
	}
	list, total, err := s.store.Enquiries(c.Request().Context(), viewer(c), f)
	if err != nil {
		return err
	}
	now := s.store.Now()
	out := make([]enquiryOut, 0, len(list))
	for i := range list {
		out = append(out, enquiryJSONOut(&list[i], now))
	}
	if err := s.store.RecordView(c.Request().Context(), actor(c), "enquiry", "list", "api rows="+strconv.Itoa(len(out))); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newList(out, total, f.Page))
}

func (s *Server) apiShowEnquiry(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, err := s.store.Enquiry(c.Request().Context(), viewer(c), id)
	if err != nil {
		return err
	}
	if err := s.store.RecordView(c.Request().Context(), actor(c), "enquiry", strconv.FormatInt(id, 10), "api"); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, enquiryJSONOut(e, s.store.Now()))
}

// enquiryJSON is an enquiry as the API takes it; pointers tell absent from empty.
type enquiryJSON struct {
	Municipality        *string   `json:"municipality"`
	EnquirerKind        *string   `json:"enquirer_kind"`
	Needs               *[]string `json:"needs"`
	Description         *string   `json:"description"`
	Name                *string   `json:"name"`
	Email               *string   `json:"email"`
	Phone               *string   `json:"phone"`
	Language            *string   `json:"language"`
	OrgNumber           *string   `json:"org_number"`
	BusinessName        *string   `json:"business_name"`
	Stage               *string   `json:"stage"`
	Founder             *string   `json:"founder"`
	Under30             *bool     `json:"under_30"`
	ImmigrantBackground *bool     `json:"immigrant_background"`
	Channel             *string   `json:"channel"`
	Status              *string   `json:"status"`
	Reference           *string   `json:"reference"` // names the case: a PATCH may send it back as read (see apiUpdateEnquiry)
	ConsentStore        *bool     `json:"consent_store"`
	ConsentShare        *bool     `json:"consent_share"`
	Version             *int      `json:"version"`

	// The closing's fields, as the case page's closing form has them: sent
	// only with "status": "closed".
	Outcome          *string `json:"outcome"`
	OutcomeOrgNumber *string `json:"outcome_org_number"`
	JobsExpected     *int    `json:"jobs_expected"`
	JobsCreated      *int    `json:"jobs_created"`

	// What the API shows of a case and no request sets (enquiryOut): a
	// PATCH may send them back as read (see sentBackAsRead).
	ID               *int64     `json:"id"`
	RegionID         *int64     `json:"region_id"`
	AssignedTo       *int64     `json:"assigned_to"`
	ReceivedAt       *time.Time `json:"received_at"`
	FirstResponseDue *time.Time `json:"first_response_due"`
	FirstResponseAt  *time.Time `json:"first_response_at"`
	ClosedAt         *time.Time `json:"closed_at"`
	Overdue          *bool      `json:"overdue"`

	nulls map[string]bool // the fields sent as null, which a pointer cannot tell from absent
	sent  map[string]bool // every field sent, null or not
}

// closingFields are the fields a closing takes besides status and version.
var closingFields = []string{"outcome", "outcome_org_number", "jobs_expected", "jobs_created"}

// shownOnly are the fields the API shows of a case that no request sets:
// the case's number in the series (id), where it was routed, whom it is
// assigned to (the case page assigns), and the times the case's steps set.
var shownOnly = []string{"id", "region_id", "assigned_to", "received_at", "first_response_due", "first_response_at", "closed_at", "overdue"}

// sentBackAsRead takes out of j the fields that hold what e holds and that a
// PATCH cannot change (how the case came in, the consents, what is shown
// only, and the closing's fields outside a closing): an integration that
// GETs a case, changes one field and sends the whole object back is not
// refused for them, and they change nothing (no audit entry). A value that
// differs is refused in fields, by the message a change of it always had;
// consent_share false stays, a withdrawal. The reference is checked by the
// caller, as before.
func (j *enquiryJSON) sentBackAsRead(e *models.Enquiry, fields map[string]string) {
	keep := func(name string, same bool, refusal string) {
		if !j.sent[name] {
			return
		}
		delete(fields, name) // a null that is the stored nothing
		if same {
			delete(j.sent, name)
			return
		}
		fields[name] = refusal
	}
	null := func(name string) bool { return j.nulls[name] }
	keep("id", j.ID != nil && *j.ID == e.ID, "error.read_only")
	keep("region_id", sameRef(j.RegionID, null("region_id"), e.RegionID), "error.read_only")
	keep("assigned_to", sameRef(j.AssignedTo, null("assigned_to"), e.AssignedTo), "error.read_only")
	keep("received_at", j.ReceivedAt != nil && sameTime(*j.ReceivedAt, e.ReceivedAt), "error.read_only")
	keep("first_response_due", j.FirstResponseDue != nil && sameTime(*j.FirstResponseDue, e.FirstResponseDue), "error.read_only")
	keep("first_response_at", sameOptionalTime(j.FirstResponseAt, null("first_response_at"), e.FirstResponseAt), "error.read_only")
	keep("closed_at", sameOptionalTime(j.ClosedAt, null("closed_at"), e.ClosedAt), "error.read_only")
	// Overdue is worked out from the clock when the case is shown: one read
	// before the deadline passed and sent back after it still says what the
	// sender read, and changes nothing, as any value of it would.
	keep("overdue", j.Overdue != nil, "error.read_only")
	keep("channel", j.Channel != nil && *j.Channel == e.Channel, "error.read_only")
	// Every case the API shows has the consent to store (enquiryJSONOut).
	keep("consent_store", j.ConsentStore != nil && *j.ConsentStore, "error.consent_store_by_erasure")
	if j.ConsentShare != nil && (*j.ConsentShare || !e.ConsentShare) { // false on true withdraws it
		keep("consent_share", *j.ConsentShare == e.ConsentShare, "error.consent_share_given_at_registration")
	}
	// The closing's fields as the case holds them are no closing, but for
	// the closing of an open case, which takes them as sent.
	if j.Status == nil || *j.Status != "closed" || e.Status == "closed" {
		keep("outcome", j.Outcome != nil && *j.Outcome == e.Outcome, "error.outcome_at_close")
		keep("outcome_org_number", j.OutcomeOrgNumber != nil && *j.OutcomeOrgNumber == e.OutcomeOrgNumber, "error.outcome_at_close")
		keep("jobs_expected", sameRef(j.JobsExpected, null("jobs_expected"), e.JobsExpected), "error.outcome_at_close")
		keep("jobs_created", sameRef(j.JobsCreated, null("jobs_created"), e.JobsCreated), "error.outcome_at_close")
	}
}

// editedFields are the fields a PATCH edits (enquiryJSON.apply), each as an
// input holds it: a closing sent as the whole object read names them all.
var editedFields = map[string]func(in *models.EnquiryInput) any{
	"municipality":  func(in *models.EnquiryInput) any { return in.Kommunenummer },
	"enquirer_kind": func(in *models.EnquiryInput) any { return in.EnquirerKind },
	"needs":         func(in *models.EnquiryInput) any { return strings.Join(in.Needs, ",") },
	"description":   func(in *models.EnquiryInput) any { return in.Description },
	"name":          func(in *models.EnquiryInput) any { return in.Name },
	"email":         func(in *models.EnquiryInput) any { return in.Email },
	"phone":         func(in *models.EnquiryInput) any { return in.Phone },
	"language":      func(in *models.EnquiryInput) any { return in.Language },
	"org_number":    func(in *models.EnquiryInput) any { return in.OrgNumber },
	"business_name": func(in *models.EnquiryInput) any { return in.BusinessName },
	"stage":         func(in *models.EnquiryInput) any { return in.Stage },
	"founder":       func(in *models.EnquiryInput) any { return in.Founder },
	"under_30": func(in *models.EnquiryInput) any {
		return fmt.Sprint(in.Under30 != nil, in.Under30 != nil && *in.Under30)
	},
	"immigrant_background": func(in *models.EnquiryInput) any {
		return fmt.Sprint(in.ImmigrantBackground != nil, in.ImmigrantBackground != nil && *in.ImmigrantBackground)
	},
}

// edits are the fields of j that would change e: a closing refuses them
// (error.close_alone), and takes the others sent back as read.
func (j enquiryJSON) edits(e *models.Enquiry) map[string]bool {
	was := models.InputOf(e)
	now := was
	j.apply(&now)
	out := map[string]bool{}
	for name := range j.sent {
		if field, ok := editedFields[name]; !ok || field(&was) != field(&now) {
			out[name] = true
		}
	}
	return out
}

// sameRef says whether a value sent (or null, sent) is the stored one.
func sameRef[T comparable](sent *T, null bool, stored *T) bool {
	if sent == nil || stored == nil {
		return sent == nil && stored == nil && null
	}
	return *sent == *stored
}

// sameTime compares a time sent back with the stored one to the microsecond,
// what PostgreSQL keeps: an answer given before the save was read back from
// the database (a registration's) may carry nanoseconds it dropped.
func sameTime(sent, stored time.Time) bool {
	d := sent.Sub(stored)
	return d > -time.Microsecond && d < time.Microsecond
}

func sameOptionalTime(sent *time.Time, null bool, stored *time.Time) bool {
	if sent == nil || stored == nil {
		return sent == nil && stored == nil && null
	}
	return sameTime(*sent, *stored)
}

// closes reports whether the PATCH closes e: "status": "closed" on an open
// case, or with an outcome on a closed one (a closed case sent back as read,
// with its status, is no move).
func (j enquiryJSON) closes(e *models.Enquiry) bool {
	if j.Status == nil || *j.Status != "closed" {
		return false
	}
	return e.Status != "closed" || slices.ContainsFunc(closingFields, func(f string) bool { return j.sent[f] })
}

// closeInput is the closing j asks for. What it leaves out is kept: the
// jobs (a reopened case keeps them, as the page's closing form offers them
// again), and a closed case's outcome; null empties the jobs, as an empty
// field of the form does.
func (j enquiryJSON) closeInput(e *models.Enquiry) models.CloseInput {
	in := models.CloseInput{Outcome: e.Outcome, OrgNumber: e.OutcomeOrgNumber, JobsExpected: e.JobsExpected, JobsCreated: e.JobsCreated}
	set(&in.Version, j.Version)
	set(&in.Outcome, j.Outcome)
	set(&in.OrgNumber, j.OutcomeOrgNumber)
	if j.sent["jobs_expected"] {
		in.JobsExpected = j.JobsExpected
	}
	if j.sent["jobs_created"] {
		in.JobsCreated = j.JobsCreated
	}
	return in
}

// UnmarshalJSON decodes as usual, unknown fields refused, and records which
// fields were sent as null: null clears an optional answer (under_30,
// immigrant_background), which the person may take back.
func (j *enquiryJSON) UnmarshalJSON(b []byte) error {
	type plain enquiryJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode((*plain)(j)); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	j.nulls, j.sent = map[string]bool{}, map[string]bool{}
	for k, v := range raw {
		j.sent[k] = true
		if string(v) == "null" {
			j.nulls[k] = true
		}
	}
	return nil
}

func (j enquiryJSON) apply(in *models.EnquiryInput) {
	set(&in.Kommunenummer, j.Municipality)
	set(&in.EnquirerKind, j.EnquirerKind)
	set(&in.Needs, j.Needs)
	set(&in.Description, j.Description)
	set(&in.Name, j.Name)
	set(&in.Email, j.Email)
	set(&in.Phone, j.Phone)
	set(&in.Language, j.Language)
	set(&in.OrgNumber, j.OrgNumber)
	set(&in.BusinessName, j.BusinessName)
	set(&in.Stage, j.Stage)
	set(&in.Founder, j.Founder)
	if j.Under30 != nil || j.nulls["under_30"] {
		in.Under30 = j.Under30
	}
	if j.ImmigrantBackground != nil || j.nulls["immigrant_background"] {
		in.ImmigrantBackground = j.ImmigrantBackground
	}
}

// apiCreateEnquiry registers an enquiry from another channel. Its errors are
// said as the staff forms say them (staffWorded): an integration registers
// someone else's enquiry, as an adviser does.
func (s *Server) apiCreateEnquiry(c echo.Context) (err error) {
	defer func() { err = staffWorded(err) }()
	var j enquiryJSON
	if err := decodeJSON(c, &j); err != nil {
		return err
	}
	fields := map[string]string{}
	if j.Status != nil { // every case starts new
		fields["status"] = "error.read_only"
	}
	if j.Reference != nil { // the case's number is given, not chosen
		fields["reference"] = "error.read_only"
	}
	for _, f := range shownOnly {
		if j.sent[f] {
			fields[f] = "error.read_only"
		}
	}
	for _, f := range closingFields {
		if j.sent[f] {
			fields[f] = "error.outcome_on_create"
		}
	}
	var in models.EnquiryInput
	j.apply(&in)
	n := models.NewEnquiry{Input: in, Channel: "phone"}
	set(&n.Channel, j.Channel)
	lang := in.Language
	if lang == "" {
		lang = "nb"
	}
	n.Consent = s.consentFor(lang, j.ConsentStore != nil && *j.ConsentStore, j.ConsentShare != nil && *j.ConsentShare)
	if len(fields) > 0 { // refused already: the rest of the body's errors in the same answer
		problems, err := s.store.NewEnquiryProblems(c.Request().Context(), n)
		if err != nil {
			return err
		}
		addProblems(fields, problems)
		return invalidFields(fields)
	}
	e, err := s.store.CreateEnquiry(c.Request().Context(), viewer(c), actor(c), n)
	if err != nil {
		return err
	}
	if e.Repeated {
		// The same enquiry was registered a moment ago (a retry): 200 with
		// that one, nothing made, and its reading audited as a view is.
		if err := s.store.RecordView(c.Request().Context(), actor(c), "enquiry", strconv.FormatInt(e.ID, 10), "api"); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, enquiryJSONOut(e, s.store.Now()))
	}
	return c.JSON(http.StatusCreated, enquiryJSONOut(e, s.store.Now()))
}

// apiUpdateEnquiry changes the fields sent, if version is still current. Its
// errors are said as the staff forms say them (staffWorded).
func (s *Server) apiUpdateEnquiry(c echo.Context) (err error) {
	defer func() { err = staffWorded(err) }()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := viewer(c)
	e, err := s.store.Enquiry(ctx, v, id)
	if err != nil {
		return err
	}
	var j enquiryJSON
	fields, err := decodePatch(c, &j, "municipality", "enquirer_kind", "needs", "description", "name")
	if err != nil {
		return err
	}
	// A null takes a yes/no answer back (see enquiryJSON), and the jobs of a
	// closing (see closeInput).
	delete(fields, "under_30")
	delete(fields, "immigrant_background")
	delete(fields, "jobs_expected")
	delete(fields, "jobs_created")
	addProblems(fields, versionRequired(j.Version))
	// The reference names the case, as the path does: sent back as read it
	// changes nothing, another one is no edit a case can take.
	if j.Reference != nil && *j.Reference != e.Reference {
		fields["reference"] = "error.read_only"
	}
	j.sentBackAsRead(e, fields)
	if j.closes(e) {
		// A closing is the case page's closing form: the outcome and the
		// jobs, by the same checks and the same model function. Edits go in
		// a PATCH of their own, so that a refused closing leaves no half.
		for name := range j.edits(e) {
			if name != "status" && name != "version" && name != "reference" && !slices.Contains(closingFields, name) {
				fields[name] = "error.close_alone"
			}
		}
		if len(fields) > 0 {
			problems, err := s.store.CloseEnquiryProblems(ctx, v, id, j.closeInput(e))
			if err != nil {
				return err
			}
			addProblems(fields, problems)
		}
		if err := invalidFields(fields); err != nil {
			return err
		}
		if e, err = s.store.CloseEnquiry(ctx, v, actor(c), id, j.closeInput(e)); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, enquiryJSONOut(e, s.store.Now()))
	}
	for _, f := range closingFields {
		if j.sent[f] {
			fields[f] = "error.outcome_at_close"
		}
	}
	// How an enquiry came in and what the person consented to are facts, not
	// edits, refused when they differ (sentBackAsRead). The person may
	// withdraw the consent to share (false); consent is given when the
	// enquiry is registered, never here. Consent to store is withdrawn by
	// erasing the person's data (/admin/privacy): without it nothing of the
	// person may be kept.
	in := models.InputOf(e)
	j.apply(&in)
	in.WithdrawShare = j.ConsentShare != nil && !*j.ConsentShare // true: as held, or refused
	if j.Status != nil {
		in.Status = *j.Status
	}
	if len(fields) > 0 {
		// Refused already: the edit's other errors in the same answer. A
		// closed case's refusal is the model's to say, first and alone.
		if e.Status != "closed" {
			problems, err := s.store.EnquiryProblems(ctx, e, in)
			if err != nil {
				return err
			}
			addProblems(fields, problems)
		}
		return invalidFields(fields)
	}
	if e, err = s.store.UpdateEnquiry(ctx, v, actor(c), id, in, *j.Version); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, enquiryJSONOut(e, s.store.Now()))
}

type activityOut struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	OccurredOn string    `json:"occurred_on"`
	Minutes    int       `json:"minutes"`
	Text       string    `json:"text"`
	UserID     *int64    `json:"user_id"`
	CreatedAt  time.Time `json:"created_at"`
}

func activityJSONOut(a models.Activity) activityOut {
	return activityOut{ID: a.ID, Kind: a.Kind, OccurredOn: a.OccurredOn.Format("2006-01-02"), Minutes: a.Minutes, Text: a.Text, UserID: a.UserID, CreatedAt: a.CreatedAt}
}

func (s *Server) apiListActivities(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	list, err := s.store.Activities(c.Request().Context(), viewer(c), id)
	if err != nil {
		return err
	}
	out := make([]activityOut, 0, len(list))
	for _, a := range list {
		out = append(out, activityJSONOut(a))
	}
	page, err := pageList(c, out, func(a activityOut) []string { return []string{a.Kind, a.Text} })
	if err != nil {
		return err
	}
	// Notes of calls and meetings are about the person: reading them is audited.
	if err := s.store.RecordView(c.Request().Context(), actor(c), "enquiry", strconv.FormatInt(id, 10), "api activities"); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

type activityJSON struct {
	Kind       *string `json:"kind"`
	OccurredOn *string `json:"occurred_on"`
	Minutes    *int    `json:"minutes"`
	Text       *string `json:"text"`
}

func (s *Server) apiCreateActivity(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var j activityJSON
	if err := decodeJSON(c, &j); err != nil {
		return err
	}
	in := models.ActivityInput{}
	set(&in.Kind, j.Kind)
	set(&in.Minutes, j.Minutes)
	set(&in.Text, j.Text)
	if j.OccurredOn == nil {
		in.OccurredOn = s.store.Now().In(models.Oslo)
		in.OccurredOn = time.Date(in.OccurredOn.Year(), in.OccurredOn.Month(), in.OccurredOn.Day(), 0, 0, 0, 0, time.UTC)
	} else if d, problem := readDate(*j.OccurredOn); problem == "" {
		in.OccurredOn = d
	} else {
		in.Unread = map[string]string{"occurred_on": problem} // refused after a closed case is
	}
	a, err := s.store.AddActivity(c.Request().Context(), viewer(c), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, activityJSONOut(*a))
}
