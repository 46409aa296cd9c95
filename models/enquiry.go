package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Codes of the enquiry's fields, as the API contract names them.
var (
	EnquirerKinds = []string{"prospective_entrepreneur", "established_business", "community_entrepreneur", "other"}
	Needs         = []string{"basic_information", "financing", "network_competence", "permits_zoning", "premises_land",
		"infrastructure_transport", "recruitment", "market_export", "innovation_rd", "restructuring", "other"}
	Channels         = []string{"web", "phone", "email", "walk_in", "event", "outreach_visit", "referral_in"}
	EnquiryStatuses  = []string{"new", "assigned", "in_progress", "waiting", "closed"}
	Stages           = []string{"idea", "starting", "young", "established", "growth"}
	Founders         = []string{"first_time", "serial"}
	EmployeeBands    = []string{"none", "1_4", "5_19", "20_plus"}
	Markets          = []string{"local", "regional", "national", "international"}
	Ownerships       = []string{"local", "external"}
	GoodsServices    = []string{"goods", "services", "both"}
	Outcomes         = []string{"guided", "referred", "established", "no_further_action", "declined"}
	ActivityKinds    = []string{"meeting", "call", "email", "visit", "note"}
	contactKinds     = []string{"meeting", "call", "email", "visit"} // a note is not contact with the enquirer
	IntakeLanguages  = []string{"nb", "nn", "en", "pl", "uk", "ar", "lt"}
	respondingStatus = []string{"in_progress", "waiting", "closed"} // a change to these is a response
	// openStatuses are the statuses of an enquiry that is not closed. Queries
	// name them rather than say "not closed": an index can seek to each.
	openStatuses = []string{"new", "assigned", "in_progress", "waiting"}
)

// Enquiry is one entrepreneur's or business's request, from first contact to close.
type Enquiry struct {
	ID                  int64
	Reference           string
	RegionID            *int64  // nil: nobody serves the municipality yet (the admin queue)
	Region              *Region `gorm:"foreignKey:RegionID"`
	Channel             string
	Kommunenummer       string
	Municipality        Municipality `gorm:"foreignKey:Kommunenummer;references:Kommunenummer"`
	EnquirerKind        string
	Needs               string // comma-separated codes
	Description         string
	Name                string
	Email               string
	Phone               string
	Language            string
	OrgNumber           string
	BusinessName        string
	Stage               string
	Founder             string
	Under30             *bool `gorm:"column:under30"`
	ImmigrantBackground *bool
	Employees           string
	Market              string
	Ownership           string
	GoodsServices       string
	RawMaterial         *bool
	Agriculture         *bool
	IndustrySection     *string
	Status              string
	AssignedTo          *int64
	Assignee            *User `gorm:"foreignKey:AssignedTo"`
	ReceivedAt          time.Time
	FirstResponseDue    time.Time
	FirstResponseAt     *time.Time
	ClosedAt            *time.Time
	Outcome             string
	OutcomeOrgNumber    string
	JobsExpected        *int
	JobsCreated         *int
	ConsentShare        bool
	CreatedBy           *int64
	AnonymisedAt        *time.Time
	Version             int
	CreatedAt           time.Time
	UpdatedAt           time.Time

	// Repeated is set by CreateEnquiry when it registered nothing: the
	// enquiry is the one that was sent the same a moment before (repeatOf).
	Repeated bool `gorm:"-"`
}

// NeedList is the enquiry's needs as codes.
func (e *Enquiry) NeedList() []string { return splitCodes(e.Needs) }

// HasNeed reports whether the enquiry names need.
func (e *Enquiry) HasNeed(need string) bool { return contains(e.NeedList(), need) }

// Overdue reports whether the first response is late at now.
func (e *Enquiry) Overdue(now time.Time) bool {
	return e.FirstResponseAt == nil && e.Status != "closed" && now.After(e.FirstResponseDue)
}

// ResponseWorkingDays is how many working days the first response took, or -1.
func (e *Enquiry) ResponseWorkingDays() int {
	if e.FirstResponseAt == nil {
		return -1
	}
	return WorkingDaysBetween(e.ReceivedAt, *e.FirstResponseAt)
}

func splitCodes(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// Consent is one answer to one purpose, with the exact text shown and when.
// A withdrawal is one too: not granted, with the text, version and language
// of the consent it withdraws.
type Consent struct {
	ID         int64
	EnquiryID  int64
	Purpose    string // store or share
	Granted    bool
	Text       string
	Version    string
	Language   string
	At         time.Time
	RecordedBy *int64 // the adviser who recorded it for the person; nil: the person through the one door
	Recorder   *User  `gorm:"foreignKey:RecordedBy"`
	Withdraws  *int64 // the consent this withdraws
}

// Withdrawal reports whether c records that the person withdrew a consent.
func (c Consent) Withdrawal() bool { return c.Withdraws != nil }

// Activity is one contact or note on an enquiry.
type Activity struct {
	ID         int64
	EnquiryID  int64
	Kind       string
	OccurredOn time.Time
	Minutes    int
	Text       string
	UserID     *int64
	User       *User `gorm:"foreignKey:UserID"`
	CreatedAt  time.Time
}

// StatusChange is one step of an enquiry's status history.
type StatusChange struct {
	ID         int64
	EnquiryID  int64
	FromStatus string
	ToStatus   string
	UserID     *int64
	User       *User `gorm:"foreignKey:UserID"`
	At         time.Time
}

// EnquiryInput is every field a person fills in, from the one door or an adviser.
type EnquiryInput struct {
	Kommunenummer       string
	EnquirerKind        string
	Needs               []string
	Description         string
	Name                string
	Email               string
	Phone               string
	Language            string
	OrgNumber           string
	BusinessName        string
	Stage               string
	Founder             string
	Under30             *bool
	ImmigrantBackground *bool
	Employees           string
	Market              string
	Ownership           string
	GoodsServices       string
	RawMaterial         *bool
	Agriculture         *bool
	IndustrySection     string
	// Status, when given, moves the case to a working status in the same save
	// (the API's PATCH); "" keeps it. Closing takes an outcome: CloseEnquiry.
	Status string
	// WithdrawShare records in the same save that the person withdrew the
	// consent to share (the API's PATCH with consent_share false); on an
	// enquiry without that consent it changes nothing. See WithdrawShareConsent.
	WithdrawShare bool
	// Unread are the fields a form could not read as typed (a yes/no answer),
	// each with its error. UpdateEnquiry refuses them with the edit's other
	// problems, once the case is found open: a closed case's refusal is said
	// first, and alone (as ActivityInput.Unread).
	Unread map[string]string
}

// ConsentInput is the consent given with an enquiry, with the texts as shown.
type ConsentInput struct {
	Store, Share         bool
	StoreText, ShareText string
	Version              string
	Language             string
}

// Field length limits.
const (
	maxDescription = 4000
	maxShortText   = 200
)

func checkChoice(fields map[string]string, name, v string, choices []string, required bool) {
	switch {
	case v == "" && required:
		fields[name] = "error.required"
	case v != "" && !contains(choices, v):
		fields[name] = "error.choice"
	}
}

// webAddress reports whether s is a web page's address: http or https and a
// host ("https://" alone, or "https:// x", is not one). The rest is taken as
// written: links copied from file shares hold spaces, which browsers mend, and
// links stored before must not stop a project's unrelated edits.
func webAddress(s string) bool {
	var rest string
	ok := false
	for _, scheme := range []string{"https://", "http://"} { // in any case: a phone writes "Https://"
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			rest, ok = s[len(scheme):], true
			break
		}
	}
	host, _, _ := strings.Cut(rest, "/")
	host, _, _ = strings.Cut(host, "?")
	host, _, _ = strings.Cut(host, "#")
	return ok && host != "" && !strings.ContainsAny(host, " \t\r\n")
}

// checkText checks a required or optional text's length in characters.
func checkText(fields map[string]string, name, v string, max int, required bool) {
	// A line break counts as one character, as a form's maxlength counts it;
	// browsers send it as two (CR LF).
	switch n := utf8.RuneCountInString(strings.ReplaceAll(strings.TrimSpace(v), "\r\n", "\n")); {
	case n == 0 && required:
		fields[name] = "error.required"
	case n > max:
		fields[name] = tooLong(max)
	}
}

// tooLong is the message ID of a text longer than max characters, with max
// after "#" for the message to name (views.CountedID): the user is told how
// much the field takes, not only that it is too much.
func tooLong(max int) string { return "error.too_long" + "#" + strconv.Itoa(max) }

// normalise trims text fields and the organisation number.
func (in *EnquiryInput) normalise() {
	for _, p := range []*string{&in.Description, &in.Name, &in.Email, &in.Phone, &in.BusinessName, &in.Kommunenummer} {
		*p = strings.TrimSpace(*p)
	}
	in.Email = strings.ToLower(in.Email)
	in.Phone = plainDigits(in.Phone)
	in.OrgNumber = NormaliseOrgNumber(plainDigits(in.OrgNumber))
	seen := map[string]bool{"": true} // an empty need is none: never stored as one
	needs := in.Needs[:0:0]
	for _, n := range in.Needs {
		if n = strings.TrimSpace(n); !seen[n] {
			seen[n] = true
			needs = append(needs, n)
		}
	}
	in.Needs = needs
}

// Problems is what is wrong with in before the database is asked: a form
// that could not parse a field shows these beside its own errors.
func (in EnquiryInput) Problems() map[string]string { return in.validate() }

// validate checks every field; municipality existence is checked in the transaction.
func (in *EnquiryInput) validate() map[string]string {
	in.normalise()
	fields := map[string]string{}
	if len(in.Kommunenummer) != 4 || strings.IndexFunc(in.Kommunenummer, func(r rune) bool { return !unicode.IsDigit(r) }) >= 0 {
		fields["municipality"] = "error.unknown_municipality"
	}
	checkChoice(fields, "enquirer_kind", in.EnquirerKind, EnquirerKinds, true)
	if len(in.Needs) == 0 {
		fields["needs"] = "error.needs_required"
	}
	for _, n := range in.Needs {
		checkChoice(fields, "needs", n, Needs, false)
	}
	checkText(fields, "description", in.Description, maxDescription, true)
	checkText(fields, "name", in.Name, maxShortText, true)
	checkText(fields, "business_name", in.BusinessName, maxShortText, false)
	if in.Email == "" && in.Phone == "" {
		fields["email"] = "error.contact_required"
		fields["phone"] = "error.contact_required"
	}
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
			fields["email"] = "error.email"
		}
	}
	if in.Phone != "" && !validPhone(in.Phone) {
		fields["phone"] = "error.phone"
	}
	if in.OrgNumber != "" {
		if msg := CheckOrgNumber(in.OrgNumber); msg != "" {
			fields["org_number"] = msg
		}
	}
	if in.Language == "" {
		in.Language = "nb"
	}
	checkChoice(fields, "language", in.Language, IntakeLanguages, false)
	checkChoice(fields, "stage", in.Stage, Stages, false)
	checkChoice(fields, "founder", in.Founder, Founders, false)
	checkChoice(fields, "employees", in.Employees, EmployeeBands, false)
	checkChoice(fields, "market", in.Market, Markets, false)
	checkChoice(fields, "ownership", in.Ownership, Ownerships, false)
	checkChoice(fields, "goods_services", in.GoodsServices, GoodsServices, false)
	checkChoice(fields, "status", in.Status, EnquiryStatuses, false)
	return fields
}

// plainDigits writes the digits of the scripts the one door's languages
// and phones use as 0–9, and any space (the non-breaking ones copied from web
// pages too) as a plain space: a phone number typed in Arabic-Indic or
// full-width digits is still a number.
func plainDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		for _, zero := range []rune{'\u0660', '\u06F0', '\uFF10'} { // Arabic-Indic, its Persian form, full-width
			if r >= zero && r <= zero+9 {
				return '0' + r - zero
			}
		}
		return r
	}, s)
}

// validPhone accepts what people type: digits, spaces, +, -, parentheses; 5–20 digits.
func validPhone(p string) bool {
	digits := 0
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '+' || r == '-' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 20 && len(p) <= 30
}

func (s *Store) checkReferences(tx *gorm.DB, in *EnquiryInput, fields map[string]string) error {
	if _, bad := fields["municipality"]; !bad {
		ok, err := s.checkMunicipality(tx, in.Kommunenummer)
		if err != nil {
			return err
		}
		if !ok {
			fields["municipality"] = "error.unknown_municipality"
		}
	}
	if in.IndustrySection != "" {
		var n int64
		if err := tx.Model(&IndustrySection{}).Where("code = ?", in.IndustrySection).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			fields["industry_section"] = "error.choice"
		}
	}
	return nil
}

// apply copies the input onto the enquiry.
func (in *EnquiryInput) apply(e *Enquiry) {
	e.Kommunenummer, e.EnquirerKind, e.Needs = in.Kommunenummer, in.EnquirerKind, strings.Join(in.Needs, ",")
	e.Description, e.Name, e.Email, e.Phone, e.Language = in.Description, in.Name, in.Email, in.Phone, in.Language
	e.OrgNumber, e.BusinessName, e.Stage, e.Founder = in.OrgNumber, in.BusinessName, in.Stage, in.Founder
	e.Under30, e.ImmigrantBackground = in.Under30, in.ImmigrantBackground
	e.Employees, e.Market, e.Ownership, e.GoodsServices = in.Employees, in.Market, in.Ownership, in.GoodsServices
	e.RawMaterial, e.Agriculture = in.RawMaterial, in.Agriculture
	e.IndustrySection = nil
	if in.IndustrySection != "" {
		e.IndustrySection = &in.IndustrySection
	}
}

// InputOf returns the fields of e as an input, for editing.
func InputOf(e *Enquiry) EnquiryInput {
	in := EnquiryInput{Kommunenummer: e.Kommunenummer, EnquirerKind: e.EnquirerKind, Needs: e.NeedList(), Description: e.Description,
		Name: e.Name, Email: e.Email, Phone: e.Phone, Language: e.Language, OrgNumber: e.OrgNumber, BusinessName: e.BusinessName,
		Stage: e.Stage, Founder: e.Founder, Under30: e.Under30, ImmigrantBackground: e.ImmigrantBackground, Employees: e.Employees,
		Market: e.Market, Ownership: e.Ownership, GoodsServices: e.GoodsServices, RawMaterial: e.RawMaterial, Agriculture: e.Agriculture}
	if e.IndustrySection != nil {
		in.IndustrySection = *e.IndustrySection
	}
	return in
}

// referencePrefix is the three letters a region's references start with.
func referencePrefix(r *Region) string {
	if r == nil {
		return "SAM"
	}
	var b strings.Builder
	for _, c := range strings.ToUpper(r.Slug) {
		if c >= 'A' && c <= 'Z' {
			b.WriteRune(c)
		}
		if b.Len() == 3 {
			break
		}
	}
	for b.Len() < 3 {
		b.WriteByte('X')
	}
	return b.String()
}

// nextReference takes the next number in the prefix's series for the year,
// inside the caller's transaction so two enquiries never share one.
func (s *Store) nextReference(tx *gorm.DB, prefix string, year int) (string, error) {
	name := fmt.Sprintf("ref:%s:%d", prefix, year)
	var n int64
	err := tx.Raw(`INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`, name).Scan(&n).Error
	if err != nil {
		return "", fmt.Errorf("next reference: %w", err)
	}
	return fmt.Sprintf("%s-%d-%05d", prefix, year, n), nil
}

// NewEnquiry is an enquiry to register: what the person said, their consent,
// and how it came in.
type NewEnquiry struct {
	Input   EnquiryInput
	Consent ConsentInput
	Channel string

	// receivedAt back-dates the demo's enquiries: routed, numbered and due as
	// on that day (a case received in December has that year's reference).
	receivedAt time.Time
}

// checkNew checks a new enquiry, its own fields and what they refer to (the
// municipality, the industry section), as CreateEnquiry and ReserveReceipt
// both do before anything is written.
func (s *Store) checkNew(tx *gorm.DB, n *NewEnquiry) error {
	fields := n.problems()
	if err := s.checkReferences(tx, &n.Input, fields); err != nil {
		return err
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

// CreateEnquiry registers an enquiry: it routes it to the region that serves the
// municipality (or the admin queue), gives it a reference and a first-response
// deadline, and stores it with its consents and audit entry in one transaction.
// v is nil for the public one door. The same enquiry sent again within the
// RepeatWindow (repeatOf) is not stored again: the first is returned, marked
// Repeated, and nothing is written, not even to the audit log (nothing was
// made, and the person only sent again what they had sent).
func (s *Store) CreateEnquiry(ctx context.Context, v *Viewer, a Actor, n NewEnquiry) (*Enquiry, error) {
	var e Enquiry
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		if err := s.checkNew(tx, &n); err != nil {
			return err
		}
		// Before the clock is read: a sending that waits here for the same
		// one before it to commit must be received after it, or the window
		// it looks back in (repeatOf) would end before the first was received.
		if err := s.lockRepeat(tx, &n); err != nil {
			return err
		}
		now := s.now()
		received := now
		if !n.receivedAt.IsZero() {
			received = n.receivedAt
		}
		region, err := s.regionFor(tx, n.Input.Kommunenummer, received)
		if err != nil {
			return err
		}
		// An adviser registering an enquiry from their own region's municipality
		// keeps it in their region even if another region usually takes it.
		if v != nil && v.Region != nil && (v.Has(RoleAdviser) || v.Has(RoleCoordinator)) {
			if member, err := s.isMember(tx, v.Region.ID, n.Input.Kommunenummer, received); err != nil {
				return err
			} else if member {
				region = v.Region
			}
		}
		if first, err := s.repeatOf(tx, v, region, &n, received); err != nil {
			return err
		} else if first != nil { // sent again: the first answers it, and nothing is written
			e, e.Repeated = *first, true
			return nil
		}
		days := DefaultRegionInput().FirstResponseDays
		if region != nil {
			days = region.FirstResponseDays
			e.RegionID = &region.ID
		}
		n.Input.apply(&e)
		e.Channel, e.Status, e.ReceivedAt, e.FirstResponseDue = n.Channel, "new", received, AddWorkingDays(received, days)
		e.ConsentShare, e.Version, e.CreatedAt, e.UpdatedAt = n.Consent.Share, 1, now, now
		if v != nil {
			e.CreatedBy = &v.User.ID
		}
		if e.Reference, err = s.nextReference(tx, referencePrefix(region), received.In(Oslo).Year()); err != nil {
			return err
		}
		if err := tx.Omit(clause.Associations).Create(&e).Error; err != nil {
			return fmt.Errorf("create enquiry: %w", err)
		}
		e.Region = region
		for _, c := range []Consent{
			{EnquiryID: e.ID, Purpose: "store", Granted: n.Consent.Store, Text: n.Consent.StoreText, Version: n.Consent.Version, Language: n.Consent.Language, At: now, RecordedBy: e.CreatedBy},
			{EnquiryID: e.ID, Purpose: "share", Granted: n.Consent.Share, Text: n.Consent.ShareText, Version: n.Consent.Version, Language: n.Consent.Language, At: now, RecordedBy: e.CreatedBy},
		} {
			if err := tx.Omit(clause.Associations).Create(&c).Error; err != nil {
				return fmt.Errorf("store consent: %w", err)
			}
		}
		if err := s.indexEnquiry(tx, e.ID); err != nil {
			return err
		}
		if region != nil {
			a.RegionID = region.ID
		}
		return s.audit(tx, a, "create", "enquiry", fmt.Sprint(e.ID), "channel="+e.Channel)
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// problems checks what CreateEnquiry can check without the database (not that
// the municipality exists), normalising the input as it goes.
func (n *NewEnquiry) problems() map[string]string {
	fields := n.Input.validate()
	checkChoice(fields, "channel", n.Channel, Channels, true)
	if !n.Consent.Store {
		fields["consent_store"] = "error.consent_required"
	}
	return fields
}

// Problems is what is wrong with an enquiry before the database is asked: the
// one door answers these without counting the submission against its rate
// limit, so that someone mending typing errors is not shut out.
func (n NewEnquiry) Problems() map[string]string { return n.problems() }

// NewEnquiryProblems is every error CreateEnquiry would refuse n with, the
// municipality and industry section it names read from the database too, with
// nothing written. The one door and the API answer them all at once, beside
// what they could not parse, without counting the submission against the rate
// limit: an unknown municipality is not said only after the other errors are
// mended.
func (s *Store) NewEnquiryProblems(ctx context.Context, n NewEnquiry) (map[string]string, error) {
	fields := n.problems()
	if err := s.checkReferences(s.read(ctx), &n.Input, fields); err != nil {
		return nil, err
	}
	return fields, nil
}

// EnquiryProblems is NewEnquiryProblems for an edit of e: what UpdateEnquiry
// would refuse in with, its fields and what they name, with nothing written.
// An API edit refused for a field it cannot take answers these beside it.
func (s *Store) EnquiryProblems(ctx context.Context, e *Enquiry, in EnquiryInput) (map[string]string, error) {
	fields := in.validate()
	if err := s.checkEdit(s.read(ctx), e, &in, fields); err != nil {
		return nil, err
	}
	return fields, nil
}

// checkEdit adds to fields what is wrong with the edit in of e that only e
// and the database know: a move to a status e cannot take, the municipality
// and industry section it names, and that the case stays with a municipality
// its region serves (one set to another region's would be handled and counted
// by the wrong region; moving it is routing, which admins do).
func (s *Store) checkEdit(tx *gorm.DB, e *Enquiry, in *EnquiryInput, fields map[string]string) error {
	if moves := in.Status != "" && in.Status != e.Status; moves && fields["status"] == "" {
		if in.Status == "closed" {
			fields["status"] = "error.status_closed_by_outcome"
		} else if msg := statusProblem(e, in.Status); msg != "" {
			fields["status"] = msg
		}
	}
	if err := s.checkReferences(tx, in, fields); err != nil {
		return err
	}
	if _, bad := fields["municipality"]; !bad && e.RegionID != nil && in.Kommunenummer != e.Kommunenummer {
		if member, err := s.isMember(tx, *e.RegionID, in.Kommunenummer, s.now()); err != nil {
			return err
		} else if !member {
			fields["municipality"] = "error.municipality_outside_region"
		}
	}
	return nil
}

// Receipt is what the one door's receipt says of an enquiry: its reference
// and the region that will answer it (nil: the admin queue). Nothing of the
// person.
type Receipt struct {
	Reference string
	Region    *Region
}

// ReceiptFor is the receipt of reference, answered by the region with
// regionID (0: the admin queue), as the one door's signed receipt cookie
// carries them. The enquiry itself is not looked up: the receipt of one the
// one door refused as a bot's (ReserveReceipt) is made the same way.
func (s *Store) ReceiptFor(ctx context.Context, reference string, regionID int64) (*Receipt, error) {
	r := Receipt{Reference: reference}
	if regionID == 0 {
		return &r, nil
	}
	var region Region
	err := s.read(ctx).First(&region, regionID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("region %d: %w", regionID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("receipt %s: %w", reference, err)
	}
	r.Region = &region
	return &r, nil
}

// ReserveReceipt is CreateEnquiry for a submission the one door takes for a
// bot's (it filled in the hidden field): checked alike, routed alike and
// given the next reference of the series, but nothing of it is stored. The
// bot is answered as a person is, down to a reference of the series; the
// price is a number the region's series skips. Sent again the same within the
// RepeatWindow, it is given the same reference, as a person's repeat is
// (CreateEnquiry), from the store's memory of the receipts it reserved.
func (s *Store) ReserveReceipt(ctx context.Context, n NewEnquiry) (*Receipt, error) {
	var r Receipt
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		if err := s.checkNew(tx, &n); err != nil {
			return err
		}
		now := s.now()
		region, err := s.regionFor(tx, n.Input.Kommunenummer, now)
		if err != nil {
			return err
		}
		r.Region = region
		key := contentKey(&n, region)
		if err := s.lockRepeat(tx, &n); err != nil {
			return err
		}
		if first, ok := s.reserved.find(key, now); ok { // sent again: the same reference, as a person's
			r = first
			return nil
		}
		if r.Reference, err = s.nextReference(tx, referencePrefix(region), now.In(Oslo).Year()); err != nil {
			return err
		}
		s.reserved.remember(key, r, now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// regionFor is RegionForMunicipality inside a transaction; nil means the admin queue.
func (s *Store) regionFor(tx *gorm.DB, kommunenummer string, day time.Time) (*Region, error) {
	return routedRegion(tx, kommunenummer, day)
}

func (s *Store) isMember(tx *gorm.DB, regionID int64, kommunenummer string, day time.Time) (bool, error) {
	day = dateOf(day) // by Norway's calendar day, as routedRegion
	var n int64
	err := tx.Model(&RegionMember{}).Where("region_id = ? AND kommunenummer = ? AND joined_on <= ? AND (left_on IS NULL OR left_on > ?)",
		regionID, kommunenummer, day, day).Count(&n).Error
	return n > 0, err
}

// queuePartition is the part of SQLite's search index that holds the admin
// queue's enquiries (no region); the others are numbered by region.
const queuePartition = 0

// indexEnquiry keeps the full-text index in step with the row, in the same
// transaction: its words, and its region, which decides the part of the index
// it is in (a routed enquiry moves). On PostgreSQL the index is a generated
// column of the row itself (migration 7), so there is nothing to do.
func (s *Store) indexEnquiry(tx *gorm.DB, id int64) error {
	if s.dialect != SQLite {
		return nil
	}
	if err := tx.Exec(`DELETE FROM enquiry_search WHERE docid = ?`, id).Error; err != nil {
		return fmt.Errorf("unindex enquiry: %w", err)
	}
	err := tx.Exec(`INSERT INTO enquiry_search (docid, reference, name, business_name, org_number, email, description, region)
		SELECT id, reference, name, business_name, org_number, email, description, COALESCE(region_id, ?) FROM enquiries WHERE id = ?`, queuePartition, id).Error
	if err != nil {
		return fmt.Errorf("index enquiry: %w", err)
	}
	return nil
}

// indexEnquiries fills the full-text index for the enquiries with ids from
// first to last in one statement, for bulk loads (the generator). Like
// indexEnquiry it does nothing on PostgreSQL, whose index is a generated column.
func (s *Store) indexEnquiries(tx *gorm.DB, first, last int64) error {
	if s.dialect != SQLite {
		return nil
	}
	err := tx.Exec(`INSERT INTO enquiry_search (docid, reference, name, business_name, org_number, email, description, region)
		SELECT id, reference, name, business_name, org_number, email, description, COALESCE(region_id, ?) FROM enquiries WHERE id BETWEEN ? AND ?`, queuePartition, first, last).Error
	if err != nil {
		return fmt.Errorf("index enquiries %d–%d: %w", first, last, err)
	}
	return nil
}

// maxSearchWords caps how many words of a search are used.
const maxSearchWords = 10

// searchWords splits what a person typed into lower-case words of letters and
// digits. Everything else is dropped, so no input can reach the full-text
// engines' own query syntax.
func searchWords(q string) []string {
	// Digits and spaces alone are a number typed in groups, as organisation
	// numbers are written ("923 609 016"); the index holds it as one word.
	if strings.Trim(q, "0123456789 ") == "" {
		q = strings.ReplaceAll(q, " ", "")
	}
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) > maxSearchWords {
		words = words[:maxSearchWords]
	}
	return words
}

// ftsQuery turns what a person typed into an FTS4 query: every word must match,
// as a prefix.
func ftsQuery(q string) string {
	words := searchWords(q)
	for i, w := range words {
		words[i] = w + "*"
	}
	return strings.Join(words, " ")
}

// tsQuery is the PostgreSQL counterpart of ftsQuery: an SQL expression of type
// tsquery in which every word must match as a prefix, either as written (names,
// references) or as its Norwegian stem (a stop word drops out of that half).
// The words, letters and digits only, are bound as parameters.
func tsQuery(q string) (string, []any) {
	words := searchWords(q)
	parts := make([]string, 0, len(words))
	args := make([]any, 0, 2*len(words))
	for _, w := range words {
		parts = append(parts, "(to_tsquery('simple', ?) || to_tsquery('norwegian', ?))")
		args = append(args, w+":*", w+":*")
	}
	return strings.Join(parts, " && "), args
}

// referencePattern is a whole enquiry reference, as HAM-2026-00042.
var referencePattern = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4}-[0-9]{5}$`)

// prefixTerm is a LIKE pattern matching values that start with term, with the
// LIKE wildcards in term taken literally.
func prefixTerm(term string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(term) + "%"
}

// searchScope limits enquiries to those matching q. This is the one place where
// search differs between the databases: SQLite's FTS4 table enquiry_search, and
// on PostgreSQL the generated tsvector column with a GIN index, beside exact and
// prefix matches of the reference, organisation number and e-mail as typed.
//
// On SQLite the index is kept apart per region (see migration 11), and a search
// reads the parts of the regions the viewer sees: one region's for its advisers,
// all for an admin. The enquiries are then read by id from what the index found
// (NOT INDEXED keeps SQLite from walking the region's whole history instead and
// checking each enquiry against the matches, 10–20 ms for a common name).
func (s *Store) searchScope(v *Viewer, q string) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		if ref := strings.ToUpper(strings.TrimSpace(q)); referencePattern.MatchString(ref) {
			return db.Where("enquiries.reference = ?", ref) // a whole reference: the unique index, not the words
		}
		if s.dialect == SQLite {
			fts := ftsQuery(q)
			if fts == "" {
				// Typed, but no letter or digit to search by ("!!", an emoji): no
				// match, as on PostgreSQL, rather than every enquiry counted as hits.
				if strings.TrimSpace(q) != "" {
					return db.Where("1 = 0")
				}
				return db
			}
			db = db.Table("enquiries NOT INDEXED")
			all, region := enquiryScope(v)
			if all {
				return db.Where("enquiries.id IN (SELECT docid FROM enquiry_search WHERE enquiry_search MATCH ? AND region IN (SELECT id FROM regions UNION ALL SELECT ?))", fts, queuePartition)
			}
			if region == 0 {
				return db.Where("1 = 0")
			}
			return db.Where("enquiries.id IN (SELECT docid FROM enquiry_search WHERE enquiry_search MATCH ? AND region = ?)", fts, region)
		}
		term := strings.TrimSpace(q)
		conds := []string{`enquiries.reference LIKE ? ESCAPE '\'`, `enquiries.email LIKE ? ESCAPE '\'`}
		args := []any{prefixTerm(strings.ToUpper(term)), prefixTerm(strings.ToLower(term))}
		if digits := strings.ReplaceAll(term, " ", ""); digits != "" && strings.Trim(digits, "0123456789") == "" {
			conds = append(conds, "enquiries.org_number LIKE ?")
			args = append(args, digits+"%")
		}
		if tsq, targs := tsQuery(q); tsq != "" {
			conds = append(conds, "enquiries.search @@ ("+tsq+")")
			args = append(args, targs...)
		}
		return db.Where("("+strings.Join(conds, " OR ")+")", args...)
	}
}

// enquiryScope says which enquiries the viewer sees: all for an admin (the
// admin queue included), the current region's for its coordinators and
// advisers, and none for anyone else: board, municipality and partner users see
// no person data. region is 0 unless one region's.
func enquiryScope(v *Viewer) (all bool, region int64) {
	switch {
	case v.IsAdmin():
		return true, 0
	case v.Region != nil && (v.Has(RoleCoordinator) || v.Has(RoleAdviser)):
		return false, v.Region.ID
	}
	return false, 0
}

// enquiriesVisibleTo scopes enquiries to the viewer (see enquiryScope).
func enquiriesVisibleTo(v *Viewer) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch all, region := enquiryScope(v); {
		case all:
			return db
		case region != 0:
			return db.Where("enquiries.region_id = ?", region)
		}
		return db.Where("1 = 0")
	}
}

// Enquiry loads one enquiry the viewer may see.
func (s *Store) Enquiry(ctx context.Context, v *Viewer, id int64) (*Enquiry, error) {
	var e Enquiry
	err := s.read(ctx).Scopes(enquiriesVisibleTo(v)).Preload("Municipality").Preload("Assignee").Preload("Region").First(&e, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("enquiry %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load enquiry %d: %w", id, err)
	}
	return &e, nil
}

// EnquiryFilter is the inbox's filters. Every field is optional.
type EnquiryFilter struct {
	Tab          string // new, mine, waiting, overdue, open, all
	Status       string
	Municipality string
	Channel      string
	Need         string
	Kind         string
	Stage        string
	AssignedTo   int64
	From, To     *time.Time // received, inclusive dates
	Overdue      bool
	Queue        bool  // the admin queue: enquiries no region serves
	Region       int64 // one region's enquiries (an admin's inbox holds every region's); 0 all the viewer sees
	Q            string
	Sort         string
	Page         Page
}

// EnquirySorts maps the sort names a request may use to SQL. Only these reach
// ORDER BY: GORM does not escape Order strings. Each is served by an index in
// its order within a region (TestQueryPlans): received and due by the browsing
// indexes, status by enquiries_region_status_order (migration 20, on the very
// CASE expression of statusOrder), municipality by the municipalities in
// name_order and each one's enquiries in enquiries_region_municipality, whose
// order (received, then status) the terms after the municipality follow. The
// municipality sort needs the municipalities in the FROM clause (see sorted),
// and on SQLite orders them by rowid after name_order (see enquiryOrder).
var EnquirySorts = map[string]string{
	"received_desc": "enquiries.received_at DESC, enquiries.id DESC",
	"received_asc":  "enquiries.received_at ASC, enquiries.id ASC",
	"due_asc":       "enquiries.first_response_due ASC, enquiries.id ASC",
	"status":        statusOrder + ", enquiries.received_at DESC, enquiries.id DESC",
	"municipality":  "municipalities.name_order, municipalities.kommunenummer, enquiries.received_at DESC, enquiries.status DESC, enquiries.id DESC",
	"reference":     "enquiries.reference ASC",
}

// statusOrder sorts enquiries by where they are in their handling (new,
// assigned, in progress, waiting, closed), not by the spelling of the status
// codes. The index enquiries_region_status_order (migration 20) holds this
// expression as it is spelt here: a change of the statuses needs a migration
// that makes the index again, or the sort scans (TestQueryPlans says so).
var statusOrder = func() string {
	var b strings.Builder
	b.WriteString("CASE enquiries.status")
	for i, st := range EnquiryStatuses {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", st, i)
	}
	b.WriteString(" END")
	return b.String()
}()

// filterScope applies the filter's conditions.
func (s *Store) filterScope(v *Viewer, f EnquiryFilter) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		now := s.now()
		switch f.Tab {
		case "new":
			db = db.Where("enquiries.status = ?", "new")
		case "mine":
			db = db.Where("enquiries.assigned_to = ? AND enquiries.status IN ?", v.User.ID, openStatuses)
		case "waiting":
			db = db.Where("enquiries.status = ?", "waiting")
		case "overdue":
			f.Overdue = true
		case "open":
			db = db.Where("enquiries.status IN ?", openStatuses)
		}
		if f.Queue {
			db = db.Where("enquiries.region_id IS NULL")
		}
		if f.Region != 0 {
			db = db.Where("enquiries.region_id = ?", f.Region)
		}
		for col, val := range map[string]string{"status": f.Status, "kommunenummer": f.Municipality, "channel": f.Channel, "enquirer_kind": f.Kind, "stage": f.Stage} {
			if val != "" {
				db = db.Where("enquiries."+col+" = ?", val)
			}
		}
		switch {
		case f.Need != "" && !contains(Needs, f.Need):
			// Not a need: nothing, as the kept totals count it, rather than
			// whatever its LIKE wildcards ("%", "_") would match.
			db = db.Where("1 = 0")
		case f.Need != "":
			db = db.Where("(',' || enquiries.needs || ',') LIKE ?", "%,"+f.Need+",%")
		}
		if f.AssignedTo != 0 {
			db = db.Where("enquiries.assigned_to = ?", f.AssignedTo)
		}
		if f.From != nil {
			db = db.Where("enquiries.received_at >= ?", time.Date(f.From.Year(), f.From.Month(), f.From.Day(), 0, 0, 0, 0, Oslo).UTC())
		}
		if f.To != nil {
			db = db.Where("enquiries.received_at < ?", time.Date(f.To.Year(), f.To.Month(), f.To.Day()+1, 0, 0, 0, 0, Oslo).UTC())
		}
		if f.Overdue {
			db = db.Where("enquiries.status IN ? AND enquiries.first_response_due < ? AND enquiries.first_response_at IS NULL", openStatuses, now)
		}
		if strings.TrimSpace(f.Q) != "" {
			db = db.Scopes(s.searchScope(v, f.Q))
		}
		return db
	}
}

// Enquiries lists the enquiries the viewer may see that match the filter.
func (s *Store) Enquiries(ctx context.Context, v *Viewer, f EnquiryFilter) ([]Enquiry, int64, error) {
	return s.enquiries(ctx, v, f, "")
}

// inboxColumns are what the inbox's table shows of each enquiry. Reading fifty
// whole enquiries (description, contact details, thirty other fields, and on
// PostgreSQL the search vector) cost more than finding them.
const inboxColumns = "enquiries.id, enquiries.reference, enquiries.region_id, enquiries.kommunenummer, enquiries.needs, " +
	"enquiries.name, enquiries.business_name, enquiries.status, enquiries.assigned_to, enquiries.received_at, " +
	"enquiries.first_response_due, enquiries.first_response_at"

// Inbox is Enquiries for the inbox's table: only the ID, reference, region,
// municipality (with its name), needs, name, business name, status, assignee
// (with their name), received time and first response (due and done) are filled.
func (s *Store) Inbox(ctx context.Context, v *Viewer, f EnquiryFilter) ([]Enquiry, int64, error) {
	return s.enquiries(ctx, v, f, inboxColumns)
}

// enquiries lists what Enquiries and Inbox list, reading the columns given
// (all when "").
func (s *Store) enquiries(ctx context.Context, v *Viewer, f EnquiryFilter, columns string) ([]Enquiry, int64, error) {
	q := s.read(ctx).Model(&Enquiry{}).Scopes(enquiriesVisibleTo(v), s.filterScope(v, f))
	total, err := s.enquiryTotal(ctx, v, f)
	if errors.Is(err, errNoTotal) {
		err = q.Count(&total).Error
	}
	if err != nil {
		return nil, 0, fmt.Errorf("count enquiries: %w", err)
	}
	municipality, assignee := noScope, noScope
	if columns != "" {
		// A lean list names each municipality and adviser; it reads no more of them.
		q = q.Select(columns)
		municipality = func(db *gorm.DB) *gorm.DB { return db.Select("kommunenummer, name") }
		assignee = func(db *gorm.DB) *gorm.DB { return db.Select("id, name") }
	}
	var out []Enquiry
	err = q.Preload("Municipality", municipality).Preload("Assignee", assignee).Scopes(s.sorted(f)).Limit(f.Page.Limit()).Offset(f.Page.Offset()).Find(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list enquiries: %w", err)
	}
	return out, total, nil
}

func noScope(db *gorm.DB) *gorm.DB { return db }

// enquiryOrder is the ORDER BY of sort, by received date (newest first) when
// sort is none of EnquirySorts. On SQLite the municipalities sort by rowid
// after name_order, not by kommunenummer: SQLite uses the order of each
// municipality's enquiries in the index only when the municipalities' order is
// of distinct rows, and a TEXT PRIMARY KEY may be NULL there, a rowid not.
// (name_order is distinct once the reference data is loaded; the rowid only
// decides the order of a municipality added since.)
func (s *Store) enquiryOrder(sort string) string {
	order, ok := EnquirySorts[sort]
	if !ok {
		return EnquirySorts["received_desc"]
	}
	if sort == "municipality" && s.dialect == SQLite {
		return sqliteByMunicipality
	}
	return order
}

// sqliteByMunicipality is EnquirySorts["municipality"] on SQLite.
const sqliteByMunicipality = "municipalities.name_order, municipalities.rowid, enquiries.received_at DESC, enquiries.status DESC, enquiries.id DESC"

// sorted orders a list of enquiries as f.Sort says. The sort by municipality
// reads the municipalities first, in name order, and each one's enquiries in
// the region from its index: SQLite, without statistics, otherwise reads the
// region's every enquiry and sorts them, so the order is fixed with CROSS
// JOIN (PostgreSQL plans it freely). A search (its few matches found first,
// from a table named NOT INDEXED) joins the municipalities as any join.
// The list's columns are named, as the joined table has columns of the same
// names.
func (s *Store) sorted(f EnquiryFilter) func(*gorm.DB) *gorm.DB {
	order := s.enquiryOrder(f.Sort)
	return func(db *gorm.DB) *gorm.DB {
		if f.Sort == "municipality" {
			if len(db.Statement.Selects) == 0 {
				db = db.Select("enquiries.*")
			}
			if strings.TrimSpace(f.Q) != "" {
				db = db.Joins("JOIN municipalities ON municipalities.kommunenummer = enquiries.kommunenummer")
			} else {
				db = db.Table("municipalities CROSS JOIN enquiries").Where("municipalities.kommunenummer = enquiries.kommunenummer")
			}
		}
		return db.Order(order)
	}
}

// errNoTotal says that the kept totals cannot answer a filter: it must be counted.
var errNoTotal = errors.New("no kept total for this filter")

// enquiryTotal is how many enquiries the viewer sees that match f, read from
// the totals the triggers of migrations 12 and 13 keep per region and status
// (and need), when f asks for nothing but a status (the inbox's tabs "all",
// "new", "waiting" and "open", or one status) and perhaps a need: what most
// pages of the inbox ask. Any other filter answers errNoTotal.
func (s *Store) enquiryTotal(ctx context.Context, v *Viewer, f EnquiryFilter) (int64, error) {
	var statuses []string
	switch f.Tab {
	case "":
		if f.Status != "" {
			statuses = []string{f.Status}
		}
	case "new", "waiting":
		statuses = []string{f.Tab}
	case "open":
		statuses = openStatuses
	default:
		return 0, errNoTotal
	}
	if f.Tab != "" && f.Status != "" || f.Municipality != "" || f.Channel != "" || f.Kind != "" || f.Stage != "" ||
		f.AssignedTo != 0 || f.From != nil || f.To != nil || f.Overdue || f.Queue || strings.TrimSpace(f.Q) != "" {
		return 0, errNoTotal
	}
	q := s.read(ctx).Table("enquiry_totals").Select("COALESCE(SUM(n), 0)")
	if f.Need != "" {
		q = s.read(ctx).Table("enquiry_need_totals").Select("COALESCE(SUM(n), 0)").Where("need = ?", f.Need)
	}
	switch all, region := enquiryScope(v); {
	case all && f.Region != 0:
		q = q.Where("region_id = ?", f.Region)
	case all:
	case region != 0 && (f.Region == 0 || f.Region == region):
		q = q.Where("region_id = ?", region)
	default:
		return 0, nil // sees none
	}
	if statuses != nil {
		q = q.Where("status IN ?", statuses)
	}
	var n int64
	err := q.Scan(&n).Error
	return n, err
}

// DefaultExportLimit caps one export; a larger selection must be narrowed by
// filters. The inbox says so when its selection is larger.
const DefaultExportLimit = 50000

// ExportCount is how many enquiries an export of the filter holds: those the
// viewer may see that match, up to the store's ExportLimit.
func (s *Store) ExportCount(ctx context.Context, v *Viewer, f EnquiryFilter) (int, error) {
	var n int64
	if err := s.read(ctx).Model(&Enquiry{}).Scopes(enquiriesVisibleTo(v), s.filterScope(v, f)).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count export: %w", err)
	}
	return int(min(n, int64(s.ExportLimit()))), nil
}

// ExportEnquiries calls fn with every enquiry matching the filter, in the
// filter's order, up to the store's ExportLimit. It reads them one at a time from one
// query, so an export of any size holds one row in memory. Only the fields an
// export shows are filled: reference, received, status, channel, municipality
// (with its name), kind, needs, name, e-mail, phone, organisation number,
// business name, stage, the assignee's name, first response and its due time,
// outcome and description.
func (s *Store) ExportEnquiries(ctx context.Context, v *Viewer, f EnquiryFilter, fn func(*Enquiry) error) (int, error) {
	order := s.enquiryOrder(f.Sort)
	rows, err := s.read(ctx).Model(&Enquiry{}).Scopes(enquiriesVisibleTo(v), s.filterScope(v, f)).
		Select(`enquiries.reference, enquiries.received_at, enquiries.status, enquiries.channel, enquiries.kommunenummer, municipalities.name,
			enquiries.enquirer_kind, enquiries.needs, enquiries.name, enquiries.email, enquiries.phone, enquiries.org_number, enquiries.business_name,
			enquiries.stage, enquiries.assigned_to, users.name, enquiries.first_response_at, enquiries.first_response_due, enquiries.outcome, enquiries.description`).
		Joins("JOIN municipalities ON municipalities.kommunenummer = enquiries.kommunenummer").
		Joins("LEFT JOIN users ON users.id = enquiries.assigned_to").
		Order(order).Limit(s.ExportLimit()).Rows()
	if err != nil {
		return 0, fmt.Errorf("export enquiries: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var e Enquiry
		var assignedTo sql.NullInt64
		var assignee sql.NullString
		var responded sql.NullTime
		err := rows.Scan(&e.Reference, &e.ReceivedAt, &e.Status, &e.Channel, &e.Kommunenummer, &e.Municipality.Name,
			&e.EnquirerKind, &e.Needs, &e.Name, &e.Email, &e.Phone, &e.OrgNumber, &e.BusinessName,
			&e.Stage, &assignedTo, &assignee, &responded, &e.FirstResponseDue, &e.Outcome, &e.Description)
		if err != nil {
			return n, fmt.Errorf("export enquiries: %w", err)
		}
		e.Municipality.Kommunenummer = e.Kommunenummer
		if assignedTo.Valid {
			e.AssignedTo = &assignedTo.Int64
			e.Assignee = &User{ID: assignedTo.Int64, Name: assignee.String}
		}
		if responded.Valid {
			e.FirstResponseAt = &responded.Time
		}
		if err := fn(&e); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// lockEnquiry loads the enquiry the viewer may change, in tx.
func (s *Store) lockEnquiry(tx *gorm.DB, v *Viewer, id int64) (*Enquiry, error) {
	var e Enquiry
	// FOR UPDATE on PostgreSQL: what is read stays as read until the
	// transaction ends (SQLite writes one transaction at a time anyway).
	err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Scopes(enquiriesVisibleTo(v)).First(&e, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("enquiry %d: %w", id, ErrNotFound)
	}
	return &e, err
}

// saveVersioned writes changes to an enquiry if it still has version, and bumps it.
func (s *Store) saveVersioned(tx *gorm.DB, id int64, version int, changes map[string]any) error {
	changes["version"] = gorm.Expr("version + 1")
	changes["updated_at"] = s.now()
	res := tx.Model(&Enquiry{}).Where("id = ? AND version = ?", id, version).Updates(changes)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("enquiry %d: %w", id, ErrConflict)
	}
	return nil
}

// UpdateEnquiry saves an adviser's edit of an enquiry's fields, if nobody saved
// since version was read.
//
// It returns the enquiry as this update left it, read in its transaction: read
// afterwards, it may already hold another's update, whose version a client
// would then send next and overwrite unawares.
func (s *Store) UpdateEnquiry(ctx context.Context, v *Viewer, a Actor, id int64, in EnquiryInput, version int) (*Enquiry, error) {
	fields := in.validate()
	var updated Enquiry
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		e, err := s.lockEnquiry(tx, v, id)
		if err != nil {
			return err
		}
		// A closed case is reopened before its fields are edited (a PATCH
		// that moves it to a working status reopens it in the same save).
		// Withdrawing the consent to share changes no field: the person's
		// wish is recorded on a closed case too.
		if reopens := in.Status != "" && in.Status != "closed"; !reopens {
			after := *e
			in.apply(&after)
			if len(changedFields(e, &after)) > 0 {
				if err := reopenFirst(e, "error.closed_reopen_to_edit"); err != nil {
					return err
				}
			}
		}
		maps.Copy(fields, in.Unread)
		if err := s.checkEdit(tx, e, &in, fields); err != nil {
			return err
		}
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		before := *e
		in.apply(e)
		changed := changedFields(&before, e)
		moves := in.Status != "" && in.Status != before.Status
		if moves && in.Status == "closed" { // a status sent back as it was read is no move
			return invalid("status", "error.status_closed_by_outcome")
		}
		if msg := statusProblem(&before, in.Status); moves && msg != "" {
			return invalid("status", msg)
		}
		withdraws := in.WithdrawShare && before.ConsentShare
		if len(changed) == 0 && !moves && !withdraws {
			// Nothing to save: the version stays, so that a save that changed
			// nothing does not make another's open window stale, and the audit
			// log records no edit. A stale version is still a conflict.
			if e.Version != version {
				return fmt.Errorf("enquiry %d: %w", id, ErrConflict)
			}
			return tx.Preload("Municipality").Preload("Assignee").Preload("Region").First(&updated, id).Error
		}
		changes := map[string]any{}
		if len(changed) > 0 {
			changes = map[string]any{
				"kommunenummer": e.Kommunenummer, "enquirer_kind": e.EnquirerKind, "needs": e.Needs, "description": e.Description,
				"name": e.Name, "email": e.Email, "phone": e.Phone, "language": e.Language, "org_number": e.OrgNumber,
				"business_name": e.BusinessName, "stage": e.Stage, "founder": e.Founder, "under30": e.Under30,
				"immigrant_background": e.ImmigrantBackground, "employees": e.Employees, "market": e.Market, "ownership": e.Ownership,
				"goods_services": e.GoodsServices, "raw_material": e.RawMaterial, "agriculture": e.Agriculture, "industry_section": e.IndustrySection,
				// What is written now holds person data again: retention and
				// erasure skip an enquiry marked anonymised.
				"anonymised_at": nil,
			}
		}
		if moves { // as ChangeStatus, in the same save
			s.recordStatus(tx, v, &before, in.Status, changes)
			if before.Status == "closed" {
				reopen(changes)
			}
		}
		if withdraws {
			changes["consent_share"] = false
		}
		if err = s.saveVersioned(tx, id, version, changes); err != nil {
			return err
		}
		if withdraws {
			if err := s.withdrawShare(tx, v, a, &before); err != nil {
				return err
			}
		}
		if len(changed) > 0 {
			if err := s.indexEnquiry(tx, id); err != nil {
				return err
			}
			if err := s.audit(tx, a, "update", "enquiry", fmt.Sprint(id), "fields="+strings.Join(changed, ",")); err != nil {
				return err
			}
		}
		if moves {
			if err := s.statusHistory(tx, v, &before, in.Status); err != nil {
				return err
			}
			if err := s.audit(tx, a, "status", "enquiry", fmt.Sprint(id), before.Status+"->"+in.Status); err != nil {
				return err
			}
		}
		return tx.Preload("Municipality").Preload("Assignee").Preload("Region").First(&updated, id).Error
	})
	if err != nil {
		return nil, err
	}
	return &updated, nil
}

// changedFields names the fields that differ, never their values: the audit log
// holds no personal data.
func changedFields(a, b *Enquiry) []string {
	var out []string
	pairs := []struct {
		name string
		x, y any
	}{
		{"municipality", a.Kommunenummer, b.Kommunenummer}, {"enquirer_kind", a.EnquirerKind, b.EnquirerKind}, {"needs", a.Needs, b.Needs},
		{"description", a.Description, b.Description}, {"name", a.Name, b.Name}, {"email", a.Email, b.Email}, {"phone", a.Phone, b.Phone},
		{"language", a.Language, b.Language}, {"org_number", a.OrgNumber, b.OrgNumber}, {"business_name", a.BusinessName, b.BusinessName},
		{"stage", a.Stage, b.Stage}, {"founder", a.Founder, b.Founder}, {"employees", a.Employees, b.Employees}, {"market", a.Market, b.Market},
		{"ownership", a.Ownership, b.Ownership}, {"goods_services", a.GoodsServices, b.GoodsServices},
		{"under30", fmt.Sprint(deref(a.Under30)), fmt.Sprint(deref(b.Under30))},
		{"immigrant_background", fmt.Sprint(deref(a.ImmigrantBackground)), fmt.Sprint(deref(b.ImmigrantBackground))},
		{"raw_material", fmt.Sprint(deref(a.RawMaterial)), fmt.Sprint(deref(b.RawMaterial))},
		{"agriculture", fmt.Sprint(deref(a.Agriculture)), fmt.Sprint(deref(b.Agriculture))},
		{"industry_section", fmt.Sprint(deref(a.IndustrySection)), fmt.Sprint(deref(b.IndustrySection))},
	}
	for _, p := range pairs {
		if p.x != p.y {
			out = append(out, p.name)
		}
	}
	return out
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// recordStatus changes the status and writes its history, in tx. A change to a
// working status by an adviser is the first response if none was recorded.
func (s *Store) recordStatus(tx *gorm.DB, v *Viewer, e *Enquiry, to string, changes map[string]any) {
	if e.Status != to {
		changes["status"] = to
	}
	if e.FirstResponseAt == nil && contains(respondingStatus, to) {
		changes["first_response_at"] = s.now()
	}
	if to == "closed" && e.ClosedAt == nil {
		changes["closed_at"] = s.now()
	}
	if to != "closed" {
		changes["closed_at"] = nil
	}
}

func (s *Store) statusHistory(tx *gorm.DB, v *Viewer, e *Enquiry, to string) error {
	if e.Status == to {
		return nil
	}
	var by *int64 // nobody when the system makes the change
	if v != nil {
		by = &v.User.ID
	}
	return tx.Create(&StatusChange{EnquiryID: e.ID, FromStatus: e.Status, ToStatus: to, UserID: by, At: s.now()}).Error
}

// ChangeStatus moves an enquiry to status. Closing goes through CloseEnquiry.
// It reports whether the move reopened a closed case, which the page says.
func (s *Store) ChangeStatus(ctx context.Context, v *Viewer, a Actor, id int64, status string, version int) (reopened bool, err error) {
	if !contains(EnquiryStatuses, status) || status == "closed" {
		return false, invalid("status", "error.choice")
	}
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		e, err := s.lockEnquiry(tx, v, id)
		if err != nil {
			return err
		}
		if msg := statusProblem(e, status); msg != "" && e.Status != status {
			return invalid("status", msg)
		}
		if e.Status == status {
			// No move: nothing is written, so that the history shows no
			// change "in progress → in progress" and another's open window
			// does not become stale. A stale version is still a conflict.
			return sameAsRead(e, id, version)
		}
		changes := map[string]any{}
		s.recordStatus(tx, v, e, status, changes)
		if e.Status == "closed" {
			reopen(changes)
		}
		if err := s.saveVersioned(tx, id, version, changes); err != nil {
			return err
		}
		if err := s.statusHistory(tx, v, e, status); err != nil {
			return err
		}
		reopened = e.Status == "closed"
		return s.audit(tx, a, "status", "enquiry", fmt.Sprint(id), e.Status+"->"+status)
	})
	return reopened && err == nil, err
}

// StatusChoices are the statuses the case page's status form offers: the
// four working statuses for an open case, whose assign form stands beside it
// to mend what statusProblem refuses; for a closed case, which is reopened
// before it is assigned, only those it can be reopened to as it is held.
func (e *Enquiry) StatusChoices() []string {
	out := []string{}
	for _, st := range []string{"new", "assigned", "in_progress", "waiting"} {
		if e.Status != "closed" || statusProblem(e, st) == "" {
			out = append(out, st)
		}
	}
	return out
}

// statusProblem says why e cannot be moved to status to by hand, or "". New
// and assigned tell whether an adviser holds the case, which AssignEnquiry
// keeps true: "assigned" to nobody, or "new" with an adviser, was neither in
// the new tab nor the unassigned count, or counted as unassigned while held.
func statusProblem(e *Enquiry, to string) string {
	switch {
	case to == "assigned" && e.AssignedTo == nil:
		return "error.status_assigned_without_adviser"
	case to == "new" && e.AssignedTo != nil:
		return "error.status_new_with_adviser"
	}
	return ""
}

// reopen adds to changes what reopening a closed case clears: its outcome and
// the company's org number that came with it no longer hold (the jobs stay,
// and the closing form offers them again).
func reopen(changes map[string]any) {
	changes["outcome"] = ""
	changes["outcome_org_number"] = ""
}

// reopenFirst refuses work on e if it is closed, saying msg (a message ID
// "error.closed_reopen_to_…" naming the work): a closed case is reopened
// first, by whoever takes it up again, and work on it is then counted as open
// work. The refusal is said alone: the request's other problems can wait for
// the reopening.
func reopenFirst(e *Enquiry, msg string) error {
	if e.Status == "closed" {
		return invalid("status", msg)
	}
	return nil
}

// sameAsRead answers a change that would leave e as it is: nothing to do, or a
// conflict if version is no longer e's.
func sameAsRead(e *Enquiry, id int64, version int) error {
	if e.Version != version {
		return fmt.Errorf("enquiry %d: %w", id, ErrConflict)
	}
	return nil
}

// AssignEnquiry gives the enquiry to an adviser or coordinator of its region
// (userID 0 unassigns). A new enquiry becomes assigned, and an assigned one
// that nobody holds any longer is new again, so that it shows among the new
// ones and is counted as unassigned. A closed case is reopened first: whoever
// takes it over takes it up again.
func (s *Store) AssignEnquiry(ctx context.Context, v *Viewer, a Actor, id, userID int64, version int) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		e, err := s.lockEnquiry(tx, v, id)
		if err != nil {
			return err
		}
		if (userID == 0 && e.AssignedTo == nil && e.Status != "assigned") || (e.AssignedTo != nil && *e.AssignedTo == userID && e.Status != "new") {
			return sameAsRead(e, id, version) // the adviser it has already, as ChangeStatus
		}
		if err := reopenFirst(e, "error.closed_reopen_to_assign"); err != nil {
			return err
		}
		changes := map[string]any{"assigned_to": nil}
		if userID == 0 && e.Status == "assigned" {
			changes["status"] = "new"
		}
		if userID != 0 {
			if e.RegionID == nil {
				return invalid("assigned_to", "error.assign_queue")
			}
			var n int64
			err := tx.Model(&UserRole{}).Joins("JOIN users ON users.id = user_roles.user_id").
				Where("user_roles.user_id = ? AND user_roles.region_id = ? AND user_roles.role IN ? AND users.active = ?", userID, *e.RegionID, []string{RoleAdviser, RoleCoordinator}, true).
				Count(&n).Error
			if err != nil {
				return err
			}
			if n == 0 {
				return invalid("assigned_to", "error.assignee")
			}
			changes["assigned_to"] = userID
			if e.Status == "new" {
				changes["status"] = "assigned"
			}
		}
		if err := s.saveVersioned(tx, id, version, changes); err != nil {
			return err
		}
		if to, ok := changes["status"].(string); ok {
			if err := s.statusHistory(tx, v, e, to); err != nil {
				return err
			}
		}
		return s.audit(tx, a, "assign", "enquiry", fmt.Sprint(id), fmt.Sprintf("assigned_to=%d", userID))
	})
}

// MoveToRegion routes an enquiry from the admin queue (or another region) to a
// region; only admins see enquiries outside their region, so only they can.
func (s *Store) MoveToRegion(ctx context.Context, v *Viewer, a Actor, id, regionID int64, version int) error {
	if !v.IsAdmin() {
		return ErrNotFound
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		e, err := s.lockEnquiry(tx, v, id)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&Region{}).Where("id = ?", regionID).Count(&n).Error; err != nil || n == 0 {
			return invalid("region_id", "error.choice")
		}
		if e.RegionID != nil && *e.RegionID == regionID {
			// Already there (the form offers its own region first): its
			// adviser keeps it, as with a status or adviser it already has.
			return sameAsRead(e, id, version)
		}
		// A closed case is reopened first, by whoever takes it up again: in
		// another region it would arrive closed, with nobody to reopen it.
		if err := reopenFirst(e, "error.closed_reopen_to_route"); err != nil {
			return err
		}
		return s.moveEnquiry(tx, v, a, e, regionID, version)
	})
}

// moveEnquiry moves enquiry e, read at version, to region regionID, which
// exists: for an admin's routing, and for a region that takes on the
// municipality of enquiries waiting in the admin queue (v nil).
func (s *Store) moveEnquiry(tx *gorm.DB, v *Viewer, a Actor, e *Enquiry, regionID int64, version int) error {
	id := e.ID
	// The region it leaves keeps a trace of where it went (the entry lies
	// in the case's region, which is still the old one here); the new
	// region's entry is written once it has arrived.
	if err := s.audit(tx, a, "route", "enquiry", fmt.Sprint(id), fmt.Sprintf("region=%d", regionID)); err != nil {
		return err
	}
	// Nobody in the new region holds it yet: an assigned enquiry is new there.
	changes := map[string]any{"region_id": regionID, "assigned_to": nil}
	if e.Status == "assigned" {
		changes["status"] = "new"
	}
	if err := s.saveVersioned(tx, id, version, changes); err != nil {
		return err
	}
	if changes["status"] == "new" {
		if err := s.statusHistory(tx, v, e, "new"); err != nil {
			return err
		}
	}
	// Its referrals go with it: the old region's people no longer see the
	// person, and the new region's follow them up by its own settings.
	if err := tx.Model(&Referral{}).Where("enquiry_id = ?", id).Update("region_id", regionID).Error; err != nil {
		return fmt.Errorf("move the enquiry's referrals: %w", err)
	}
	if err := s.indexEnquiry(tx, id); err != nil { // into the new region's part of the search index
		return err
	}
	from := "queue"
	if e.RegionID != nil {
		from = fmt.Sprint(*e.RegionID)
	}
	return s.audit(tx, a, "route", "enquiry", fmt.Sprint(id), "from_region="+from)
}

// CloseInput is how an enquiry ended.
type CloseInput struct {
	Outcome      string
	OrgNumber    string // the new company's, when the outcome is established
	JobsExpected *int
	JobsCreated  *int
	Version      int
}

// CloseProblems reports what is wrong with a closing, by the checks
// CloseEnquiry makes before it touches the database.
func CloseProblems(in CloseInput) map[string]string {
	fields := map[string]string{}
	checkChoice(fields, "outcome", in.Outcome, Outcomes, true)
	org := NormaliseOrgNumber(in.OrgNumber)
	if in.Outcome == "established" && org == "" {
		fields["outcome_org_number"] = "error.orgnr_required"
	} else if org != "" {
		if msg := CheckOrgNumber(org); msg != "" {
			fields["outcome_org_number"] = msg
		}
	}
	for name, jobs := range map[string]*int{"jobs_expected": in.JobsExpected, "jobs_created": in.JobsCreated} {
		if jobs != nil && (*jobs < 0 || *jobs > 100000) {
			fields[name] = "error.range"
		}
	}
	return fields
}

// CloseEnquiryProblems is every error CloseEnquiry would refuse in with on
// enquiry id, which v may see, its unsent drafts read too, writing nothing: a
// closing form whose jobs did not parse, or an API closing refused for a
// missing version, hears about the drafts in the same answer. A case closed
// already is refused as CloseEnquiry refuses it, first and alone (a
// *ValidationError): its outcome is changed by reopening it, so the closing's
// other problems can wait.
func (s *Store) CloseEnquiryProblems(ctx context.Context, v *Viewer, id int64, in CloseInput) (map[string]string, error) {
	var e Enquiry
	err := s.read(ctx).Select("id", "status").Scopes(enquiriesVisibleTo(v)).First(&e, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("enquiry %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load enquiry %d: %w", id, err)
	}
	if err := reopenFirst(&e, "error.closed_reopen_to_close"); err != nil {
		return nil, err
	}
	fields := CloseProblems(in)
	if err := checkDrafts(s.read(ctx), id, fields); err != nil {
		return nil, err
	}
	return fields, nil
}

// checkDrafts refuses the closing of enquiry id while it has an unsent draft
// of a referral (see CloseEnquiry).
func checkDrafts(tx *gorm.DB, id int64, fields map[string]string) error {
	var drafts int64
	if err := tx.Model(&Referral{}).Where("enquiry_id = ? AND status = ?", id, "draft").Count(&drafts).Error; err != nil {
		return fmt.Errorf("count the enquiry's drafts: %w", err)
	}
	if drafts > 0 {
		fields["status"] = "error.close_with_drafts"
	}
	return nil
}

// CloseEnquiry closes an enquiry with its outcome. A case with an unsent
// draft of a referral is not closed: the adviser sends or discards it first.
// A draft of a closed case is work nobody will finish (a closed case takes no
// referrals), and discarding it unasked would lose what the adviser wrote. Its
// sent referrals stay open: the partner may still answer.
//
// It returns the enquiry as the closing left it, read in its transaction (as
// UpdateEnquiry, for the API's answer).
func (s *Store) CloseEnquiry(ctx context.Context, v *Viewer, a Actor, id int64, in CloseInput) (*Enquiry, error) {
	fields := CloseProblems(in)
	in.OrgNumber = NormaliseOrgNumber(plainDigits(in.OrgNumber))
	var closed Enquiry
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		e, err := s.lockEnquiry(tx, v, id)
		if err != nil {
			return err
		}
		// Closed again, it would move its closing time and with it the
		// retention clock; an outcome is changed by reopening first.
		if err := reopenFirst(e, "error.closed_reopen_to_close"); err != nil {
			return err
		}
		if err := checkDrafts(tx, id, fields); err != nil {
			return err
		}
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		changes := map[string]any{"outcome": in.Outcome, "outcome_org_number": in.OrgNumber, "jobs_expected": in.JobsExpected, "jobs_created": in.JobsCreated}
		s.recordStatus(tx, v, e, "closed", changes)
		if err := s.saveVersioned(tx, id, in.Version, changes); err != nil {
			return err
		}
		if err := s.statusHistory(tx, v, e, "closed"); err != nil {
			return err
		}
		if err := s.audit(tx, a, "close", "enquiry", fmt.Sprint(id), "outcome="+in.Outcome); err != nil {
			return err
		}
		return tx.Preload("Municipality").Preload("Assignee").Preload("Region").First(&closed, id).Error
	})
	if err != nil {
		return nil, err
	}
	return &closed, nil
}

// ActivityInput is one logged contact or note.
type ActivityInput struct {
	Kind       string
	OccurredOn time.Time
	Minutes    int
	Text       string
	// Unread are the fields a form or request could not read as typed (a
	// date, a number), each with its error. AddActivity refuses them with the
	// activity's other problems, once the case is found open: a closed case's
	// refusal is said first, and alone.
	Unread map[string]string
}

// ActivityProblems reports what is wrong with an activity, by the checks
// AddActivity makes of the activity itself (once the case is found open, which
// a closed case's refusal says first), beside the fields the form could not
// read (ActivityInput.Unread), so that every error shows in one round.
func (s *Store) ActivityProblems(in ActivityInput) map[string]string {
	fields := map[string]string{}
	checkChoice(fields, "kind", in.Kind, ActivityKinds, true)
	if in.OccurredOn.IsZero() {
		fields["occurred_on"] = "error.date"
	} else if dateOf(in.OccurredOn).After(s.Today()) { // today in Norway is the last day allowed
		fields["occurred_on"] = "error.future_date"
	}
	if in.Minutes < 0 || in.Minutes > 24*60 {
		fields["minutes"] = "error.minutes"
	}
	checkText(fields, "text", in.Text, maxDescription, false)
	return fields
}

// AddActivity logs a contact or note. The first contact of an adviser is the
// enquiry's first response. A closed case is reopened first: work on it
// after its outcome was recorded reopens it, and is counted as open work. Activities are appended, never edited, so they need
// no version; the enquiry's version moves only when its first response is set.
func (s *Store) AddActivity(ctx context.Context, v *Viewer, a Actor, id int64, in ActivityInput) (*Activity, error) {
	act := Activity{EnquiryID: id, Kind: in.Kind, OccurredOn: in.OccurredOn, Minutes: in.Minutes, Text: strings.TrimSpace(in.Text), UserID: &v.User.ID, CreatedAt: s.now()}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		e, err := s.lockEnquiry(tx, v, id)
		if err != nil {
			return err
		}
		if err := reopenFirst(e, "error.closed_reopen_to_log"); err != nil {
			return err
		}
		fields := s.ActivityProblems(in)
		var data map[string]map[string]any
		if _, bad := fields["occurred_on"]; !bad && dateOf(in.OccurredOn).Before(dateOf(e.ReceivedAt)) {
			// Dated before the case came in, it would count as its answer at
			// receipt (see respondedAt) and flatter the response times.
			fields["occurred_on"] = "error.activity_before_received"
			data = map[string]map[string]any{"occurred_on": {"Date": e.ReceivedAt}}
		}
		maps.Copy(fields, in.Unread) // "ti" minutes is unreadable, not 0
		if len(fields) > 0 {
			return &ValidationError{Fields: fields, Data: data}
		}
		if err := tx.Omit("User").Create(&act).Error; err != nil {
			return fmt.Errorf("add activity: %w", err)
		}
		if act.Text != "" {
			if err := writtenAgain(tx, id); err != nil {
				return err
			}
		}
		if e.FirstResponseAt == nil && contains(contactKinds, in.Kind) {
			changes := map[string]any{"first_response_at": s.respondedAt(e, in.OccurredOn)}
			if e.Status == "new" || e.Status == "assigned" {
				changes["status"] = "in_progress"
				if err := s.statusHistory(tx, v, e, "in_progress"); err != nil {
					return err
				}
			}
			if err := s.saveVersioned(tx, id, e.Version, changes); err != nil {
				return err
			}
		}
		return s.audit(tx, a, "activity", "enquiry", fmt.Sprint(id), "kind="+in.Kind)
	})
	if err != nil {
		return nil, err
	}
	return &act, nil
}

// respondedAt is when a contact logged now as made on day answered e: now for
// a contact today; for one logged afterwards, the end of the day it was made
// (a call on Tuesday logged on Thursday answered on Tuesday), but never before
// the enquiry came in.
func (s *Store) respondedAt(e *Enquiry, day time.Time) time.Time {
	now := s.now()
	if !dateOf(day).Before(dateOf(now)) {
		return now
	}
	at := endOfDay(dateOf(day))
	if at.Before(e.ReceivedAt) {
		return e.ReceivedAt
	}
	return at
}

// checkEnquiry answers ErrNotFound unless the viewer may see enquiry id. It
// reads nothing of the enquiry: the lists of its parts ask it before each read,
// and the case page draws four of them after loading the enquiry itself.
func (s *Store) checkEnquiry(ctx context.Context, v *Viewer, id int64) error {
	var n int64
	if err := s.read(ctx).Model(&Enquiry{}).Scopes(enquiriesVisibleTo(v)).Where("enquiries.id = ?", id).Count(&n).Error; err != nil {
		return fmt.Errorf("check enquiry %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("enquiry %d: %w", id, ErrNotFound)
	}
	return nil
}

// Activities lists an enquiry's activities, newest first.
func (s *Store) Activities(ctx context.Context, v *Viewer, id int64) ([]Activity, error) {
	if err := s.checkEnquiry(ctx, v, id); err != nil {
		return nil, err
	}
	var out []Activity
	err := s.read(ctx).Preload("User").Where("enquiry_id = ?", id).Order("occurred_on DESC, id DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list activities: %w", err)
	}
	return out, nil
}

// StatusHistory lists an enquiry's status changes, oldest first.
func (s *Store) StatusHistory(ctx context.Context, v *Viewer, id int64) ([]StatusChange, error) {
	if err := s.checkEnquiry(ctx, v, id); err != nil {
		return nil, err
	}
	var out []StatusChange
	if err := s.read(ctx).Preload("User").Where("enquiry_id = ?", id).Order("at, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("status history: %w", err)
	}
	return out, nil
}

// Consents lists the consents recorded with an enquiry.
func (s *Store) Consents(ctx context.Context, v *Viewer, id int64) ([]Consent, error) {
	if err := s.checkEnquiry(ctx, v, id); err != nil {
		return nil, err
	}
	var out []Consent
	if err := s.read(ctx).Preload("Recorder", func(db *gorm.DB) *gorm.DB { return db.Select("id, name") }).
		Where("enquiry_id = ?", id).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("consents: %w", err)
	}
	return out, nil
}

// Assignees lists the active advisers and coordinators of a region, by name,
// for the choice of whom a case is assigned to: only ID and Name are filled.
// A case is assigned within its own region (AssignEnquiry holds it there),
// which for an admin need not be the one they work in; nil is the admin
// queue, whose cases nobody is assigned.
func (s *Store) Assignees(ctx context.Context, regionID *int64) ([]User, error) {
	if regionID == nil {
		return []User{}, nil
	}
	var out []User
	err := s.read(ctx).Select("id, name").Where("active = ? AND id IN (SELECT user_id FROM user_roles WHERE region_id = ? AND role IN ?)", true, *regionID,
		[]string{RoleAdviser, RoleCoordinator}).Order(s.byName("name") + ", id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("assignees: %w", err)
	}
	return out, nil
}
