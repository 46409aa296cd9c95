package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Referral statuses, outcomes and what closes a referral.
var (
	ReferralStatuses = []string{"draft", "sent", "acknowledged", "in_progress", "completed", "declined", "withdrawn", "no_response"}
	ClosedReferral   = []string{"completed", "declined", "withdrawn", "no_response"}
	// Statuses named in queries rather than "not draft" or "not closed", so an
	// index can seek to each.
	sentReferral     = []string{"sent", "acknowledged", "in_progress", "completed", "declined", "withdrawn", "no_response"} // not a draft
	pendingReferral  = []string{"sent", "acknowledged", "in_progress"}                                                      // sent, not closed
	unclosedReferral = []string{"draft", "sent", "acknowledged", "in_progress"}                                             // not closed
	ReferralOutcomes = []string{"supported", "declined", "withdrawn", "no_response"}
	// OutcomeReasons are the reasons a referral may be closed with, per outcome.
	OutcomeReasons = map[string][]string{
		"supported":   {"granted", "advice_given", "network_given"},
		"declined":    {"not_eligible", "not_ready", "outside_scope", "better_elsewhere", "other"},
		"withdrawn":   {"enquirer_withdrew", "solved_elsewhere", "sent_by_mistake", "other"},
		"no_response": {"partner_silent", "enquirer_silent"},
	}
	// Instruments are what a supported referral gave.
	Instruments = []string{"start_up_grant", "grant", "loan", "guarantee", "equity", "advice", "mentor", "network", "other"}
	// outcomeStatus is the status a referral closes in.
	outcomeStatus = map[string]string{"supported": "completed", "declined": "declined", "withdrawn": "withdrawn", "no_response": "no_response"}
)

// Referral is an enquiry sent to a partner, followed until the partner answers.
type Referral struct {
	ID                int64
	EnquiryID         int64
	Enquiry           *Enquiry `gorm:"foreignKey:EnquiryID"`
	RegionID          int64
	PartnerID         int64
	Partner           *Partner `gorm:"foreignKey:PartnerID"`
	AdviserID         *int64
	Adviser           *User `gorm:"foreignKey:AdviserID"`
	ContactName       string
	ContactEmail      string
	Reason            string
	Message           string
	SharePersonalData bool
	Status            string
	FollowUpDue       time.Time
	FollowUpDefault   bool // the region's default, counted again when a draft is sent
	SentAt            *time.Time
	AcknowledgedAt    *time.Time
	ClosedAt          *time.Time
	Outcome           string
	OutcomeReason     string
	Instrument        string
	AmountNOK         int64 `gorm:"column:amount_nok"`
	ForBoard          bool
	Version           int
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Closed reports whether the referral has ended.
func (r *Referral) Closed() bool { return contains(ClosedReferral, r.Status) }

// TakesOutcome reports whether an outcome may be recorded on the referral:
// it was sent and is open, or it was closed as unanswered and the partner's
// late answer came after all.
func (r *Referral) TakesOutcome() bool {
	return contains(pendingReferral, r.Status) || r.Status == "no_response"
}

// Overdue reports whether the referral is still open after its follow-up date.
func (r *Referral) Overdue(now time.Time) bool {
	return !r.Closed() && r.Status != "draft" && now.After(r.FollowUpDue)
}

// FollowUpWhenSent reports whether the referral's follow-up date is yet to
// be set: a draft saved without one is due the region's days after it is
// sent, so the date stored meanwhile is none anyone follows up on.
func (r *Referral) FollowUpWhenSent() bool { return r.Status == "draft" && r.FollowUpDefault }

// DaysToAcknowledge is the partner's time from sent to acknowledged, or -1.
func (r *Referral) DaysToAcknowledge() float64 { return days(r.SentAt, r.AcknowledgedAt) }

// DaysToOutcome is the time from sent to closed, or -1.
func (r *Referral) DaysToOutcome() float64 { return days(r.SentAt, r.ClosedAt) }

func days(from, to *time.Time) float64 {
	if from == nil || to == nil {
		return -1
	}
	return to.Sub(*from).Hours() / 24
}

// ReferralEvent is one step of a referral's history.
type ReferralEvent struct {
	ID         int64
	ReferralID int64
	FromStatus string
	ToStatus   string
	UserID     *int64
	User       *User  `gorm:"foreignKey:UserID"`
	Via        string // user, link or system
	Note       string
	At         time.Time
}

// ReferralComment is a board member's follow-up comment.
type ReferralComment struct {
	ID         int64
	ReferralID int64
	UserID     *int64
	User       *User `gorm:"foreignKey:UserID"`
	Text       string
	At         time.Time
}

type referralLink struct {
	ID         int64
	ReferralID int64
	TokenHash  string
	ExpiresAt  time.Time
	UsedAt     *time.Time
	CreatedBy  *int64
	CreatedAt  time.Time
}

func (referralLink) TableName() string { return "referral_links" }

// referralsVisibleTo scopes referrals to the viewer: every referral for an
// admin; the region's for its coordinators and advisers; the region's sent
// ones for its board (a draft is the adviser's work, not yet a referral to
// follow up); for a partner contact, those in the region sent to their own
// organisation.
func referralsVisibleTo(v *Viewer) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch {
		case v.IsAdmin():
			return db
		case v.Region == nil:
		case v.Has(RoleCoordinator) || v.Has(RoleAdviser):
			return db.Where("referrals.region_id = ?", v.Region.ID)
		case v.Has(RoleBoard):
			return db.Where("referrals.region_id = ? AND referrals.status IN ?", v.Region.ID, sentReferral)
		case v.Has(RolePartner) && v.User.PartnerID != nil:
			return db.Where("referrals.partner_id = ? AND referrals.region_id = ? AND referrals.status IN ?", *v.User.PartnerID, v.Region.ID, sentReferral)
		}
		return db.Where("1 = 0")
	}
}

// ReferralStatusesSeen are the statuses of the referrals v may see, as
// referralsVisibleTo has it: the board and partners never see a draft.
func (v *Viewer) ReferralStatusesSeen() []string {
	if v.IsAdmin() || v.Has(RoleCoordinator) || v.Has(RoleAdviser) {
		return ReferralStatuses
	}
	return sentReferral
}

// SeesPersonData reports whether the viewer may see the person behind a
// referral: the region's advisers and coordinators and admins always; a partner
// contact only for a referral to their own organisation, when the adviser
// chose to share and the person's consent to share still holds (r.Enquiry
// loaded: once withdrawn, not even on a referral answered before); the board
// never. (A board member who is also a partner's contact sees every referral
// of the region as the board, and must not see the persons behind other
// partners' referrals.)
func (v *Viewer) SeesPersonData(r *Referral) bool {
	switch {
	case v.IsAdmin(), v.Has(RoleCoordinator), v.Has(RoleAdviser):
		return true
	case v.Has(RolePartner):
		return r.SharePersonalData && v.AnswersFor(r) && r.Enquiry != nil && r.Enquiry.ConsentShare
	}
	return false
}

// AnswersFor reports whether the viewer is a contact of r's partner in the
// current region, who answers r. A board member may be one too (a partner's
// representative on the board), and answers their own organisation's
// referrals only.
func (v *Viewer) AnswersFor(r *Referral) bool {
	return v.Has(RolePartner) && v.User.PartnerID != nil && *v.User.PartnerID == r.PartnerID
}

// boardOnly reports whether the viewer follows r up as the board and has no
// other part in it: the board reads and comments, and changes nothing.
func boardOnly(v *Viewer, r *Referral) bool {
	return v.Has(RoleBoard) && !v.Has(RoleAdviser) && !v.Has(RoleCoordinator) && !v.IsAdmin() && !v.AnswersFor(r)
}

// lockToChange locks referral id for a change by the viewer: the board, which
// reads and comments, changes nothing, and is told it is not found.
func (s *Store) lockToChange(tx *gorm.DB, v *Viewer, id int64) (*Referral, error) {
	r, err := s.lockReferral(tx, v, id)
	if err != nil {
		return nil, err
	}
	if boardOnly(v, r) {
		return nil, fmt.Errorf("referral %d: %w", id, ErrNotFound)
	}
	return r, nil
}

// minimise blanks what the viewer may not see of the enquiry behind r: person
// data and free text. Data minimisation happens here, in the data layer, so no
// page or API answer can show more than this.
func minimise(v *Viewer, r *Referral) {
	if r.Enquiry == nil {
		return
	}
	e := *r.Enquiry
	if !v.SeesPersonData(r) {
		e.Name, e.Email, e.Phone, e.OrgNumber, e.BusinessName, e.Description = "", "", "", "", "", ""
		e.Under30, e.ImmigrantBackground = nil, nil
		// The board member who is the partner's contact too reads what was
		// written for the partner, on their own organisation's referrals.
		if v.Has(RoleBoard) && !v.Has(RoleCoordinator) && !v.Has(RoleAdviser) && !v.IsAdmin() && !v.AnswersFor(r) {
			r.Message = "" // the adviser's free text may name the person
			r.ContactName, r.ContactEmail = "", ""
		}
	}
	r.Enquiry = &e
}

// eraseContactsNaming blanks the partner contact of enquiry id's referrals
// where it names the person p (the enquiry as it was before anonymising): the
// contact is the partner's employee who handled the case, and is kept when
// the person's data is erased, unless an adviser typed the person's name,
// e-mail or phone in it.
func eraseContactsNaming(tx *gorm.DB, id int64, p *Enquiry) error {
	var contacts []Referral
	if err := tx.Select("id", "contact_name", "contact_email").Where("enquiry_id = ? AND (contact_name <> '' OR contact_email <> '')", id).Find(&contacts).Error; err != nil {
		return fmt.Errorf("referral contacts of enquiry %d: %w", id, err)
	}
	var ids []int64
	for _, r := range contacts {
		if namesPerson(p, r.ContactName) || namesPerson(p, r.ContactEmail) {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if err := tx.Model(&Referral{}).Where("id IN ?", ids).Updates(map[string]any{"contact_name": "", "contact_email": ""}).Error; err != nil {
		return fmt.Errorf("erase referral contacts of enquiry %d: %w", id, err)
	}
	return nil
}

// namesPerson reports whether text holds the person's name or e-mail address
// (in any case) or phone number (in any spacing, with or without the country
// code).
func namesPerson(p *Enquiry, text string) bool {
	lower := strings.ToLower(text)
	name, email := strings.ToLower(strings.TrimSpace(p.Name)), strings.ToLower(strings.TrimSpace(p.Email))
	if name != "" && name != strings.ToLower(Redacted) && strings.Contains(lower, name) || email != "" && strings.Contains(lower, email) {
		return true
	}
	phone := strings.Map(keepDigit, p.Phone)
	if len(phone) == 10 && strings.HasPrefix(phone, "47") || len(phone) == 12 && strings.HasPrefix(phone, "0047") {
		phone = phone[len(phone)-8:] // a Norwegian number, as it may be written without +47
	}
	phone = strings.TrimLeft(phone, "0")
	return len(phone) >= 6 && strings.Contains(strings.Map(keepDigit, text), phone)
}

// ReferralInput is what an adviser sets when referring.
type ReferralInput struct {
	PartnerID         int64
	ContactName       string
	ContactEmail      string
	Reason            string
	Message           string
	SharePersonalData bool
	FollowUpDue       *time.Time // nil: the region's default
	Send              bool       // false saves a draft
	// Unread are the fields a form or request could not read as typed (a
	// date), each with its error, refused with the referral's other problems
	// once the case is found open: a closed case's refusal is said first.
	Unread map[string]string
}

// checkReferralText checks what the adviser writes on a referral, new or a
// draft, and returns the contact's e-mail address as it is stored.
func checkReferralText(fields map[string]string, reason, message, contactName, contactEmail string) string {
	checkChoice(fields, "reason", reason, Needs, true)
	checkText(fields, "message", message, maxDescription, false)
	checkText(fields, "contact_name", contactName, maxShortText, false)
	contactEmail = strings.TrimSpace(strings.ToLower(contactEmail))
	if contactEmail != "" {
		if m, err := mail.ParseAddress(contactEmail); err != nil || m.Address != contactEmail {
			fields["contact_email"] = "error.email"
		}
	}
	return contactEmail
}

// CreateReferral refers an enquiry to a partner. Personal data can be shared
// only when the enquiry records consent to share. A closed case is reopened
// first: a referral, or a draft of one, is work on it.
func (s *Store) CreateReferral(ctx context.Context, v *Viewer, a Actor, enquiryID int64, in ReferralInput) (*Referral, error) {
	fields := map[string]string{}
	in.ContactEmail = checkReferralText(fields, in.Reason, in.Message, in.ContactName, in.ContactEmail)
	now := s.now()
	if in.FollowUpDue != nil {
		checkFollowUp(fields, *in.FollowUpDue, now)
	}
	maps.Copy(fields, in.Unread)
	var r Referral
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		e, err := s.lockEnquiry(tx, v, enquiryID)
		if err != nil {
			return err
		}
		if err := reopenFirst(e, "error.closed_reopen_to_refer"); err != nil {
			return err
		}
		if e.RegionID == nil {
			fields["partner_id"] = "error.assign_queue"
		}
		var partner Partner
		if err := tx.Where("id = ? AND active = ?", in.PartnerID, true).First(&partner).Error; err != nil {
			fields["partner_id"] = "error.unknown_partner"
		} else {
			// One open referral per partner: a form sent twice (a double
			// click, a reload) must not send the partner the case twice. The
			// enquiry is locked, so two at once cannot both pass.
			var open int64
			if err := tx.Model(&Referral{}).Where("enquiry_id = ? AND partner_id = ? AND status IN ?", e.ID, partner.ID, unclosedReferral).Count(&open).Error; err != nil {
				return err
			}
			if open > 0 {
				fields["partner_id"] = "error.referral_open_to_partner"
			}
		}
		if in.SharePersonalData && !e.ConsentShare {
			fields["share_personal_data"] = "error.no_share_consent"
		}
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		var region Region
		if err := tx.First(&region, *e.RegionID).Error; err != nil {
			return err
		}
		due := defaultFollowUp(now, &region)
		if in.FollowUpDue != nil {
			due = endOfDay(*in.FollowUpDue)
		}
		r = Referral{EnquiryID: e.ID, RegionID: region.ID, PartnerID: partner.ID, AdviserID: &v.User.ID, ContactName: strings.TrimSpace(in.ContactName),
			ContactEmail: in.ContactEmail, Reason: in.Reason, Message: strings.TrimSpace(in.Message), SharePersonalData: in.SharePersonalData,
			Status: "draft", FollowUpDue: due, FollowUpDefault: in.FollowUpDue == nil, Version: 1, CreatedAt: now, UpdatedAt: now}
		if in.Send {
			r.Status, r.SentAt = "sent", &now
		}
		if err := tx.Omit(clause.Associations).Create(&r).Error; err != nil {
			return fmt.Errorf("create referral: %w", err)
		}
		if err := tx.Create(&ReferralEvent{ReferralID: r.ID, FromStatus: "", ToStatus: r.Status, UserID: &v.User.ID, Via: "user", At: now}).Error; err != nil {
			return err
		}
		if r.Message != "" {
			if err := writtenAgain(tx, e.ID); err != nil {
				return err
			}
		}
		return s.audit(tx, a, "create", "referral", fmt.Sprint(r.ID), fmt.Sprintf("enquiry=%d partner=%d share=%t", e.ID, partner.ID, in.SharePersonalData))
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// checkFollowUp refuses a follow-up date before today or more than a year
// after it: a typo (2062 for 2026) would leave a referral never due, and never
// closed as unanswered. Dates are days in Norway: in the hour or two after
// midnight there, UTC is still on yesterday, which would be due, and overdue,
// at once.
func checkFollowUp(fields map[string]string, due, now time.Time) {
	today := dateOf(now)
	due = time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case due.Before(today):
		fields["follow_up_due"] = "error.past_date"
	case due.After(today.AddDate(1, 0, 0)):
		fields["follow_up_due"] = "error.follow_up_too_far"
	}
}

// adviserSide reports whether the viewer acts for the region on referrals
// (sends, withdraws, follows up), not only as a partner's contact or the board.
func adviserSide(v *Viewer) bool {
	return v.IsAdmin() || v.Has(RoleAdviser) || v.Has(RoleCoordinator)
}

// SetReferralFollowUp moves the follow-up date of a referral not yet closed,
// drafts included: the overdue marking and the closing as unanswered follow
// the new date. Only the adviser's side changes it. Keeping the date it has is
// no change, even when that date has passed (a form sent again).
func (s *Store) SetReferralFollowUp(ctx context.Context, v *Viewer, a Actor, id int64, due time.Time, version int) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		r, err := s.lockToChange(tx, v, id)
		if err != nil {
			return err
		}
		if !adviserSide(v) {
			return invalid("follow_up_due", "error.follow_up_adviser")
		}
		if r.Closed() {
			return invalid("follow_up_due", "error.referral_not_open")
		}
		old := r.FollowUpDue.In(Oslo).Format("2006-01-02")
		// A draft saved without a date counts from its sending: a date
		// chosen now is kept, even the one it shows.
		if due.Format("2006-01-02") == old && !(r.Status == "draft" && r.FollowUpDefault) {
			return noChange(r, version)
		}
		fields := map[string]string{}
		if checkFollowUp(fields, due, s.now()); len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		changes := map[string]any{"follow_up_due": endOfDay(due), "follow_up_default": false, "version": gorm.Expr("version + 1"), "updated_at": s.now()}
		res := tx.Model(&Referral{}).Where("id = ? AND version = ?", r.ID, version).Updates(changes)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("referral %d: %w", r.ID, ErrConflict)
		}
		return s.audit(tx, a, "follow_up", "referral", fmt.Sprint(id), old+"->"+due.Format("2006-01-02"))
	})
}

// Referral loads one referral the viewer may see, minimised to what they may read.
func (s *Store) Referral(ctx context.Context, v *Viewer, id int64) (*Referral, error) {
	var r Referral
	err := s.read(ctx).Scopes(referralsVisibleTo(v)).Preload("Enquiry").Preload("Enquiry.Municipality").Preload("Partner").Preload("Adviser").First(&r, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("referral %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load referral %d: %w", id, err)
	}
	minimise(v, &r)
	return &r, nil
}

// ReferralFilter narrows referral lists.
type ReferralFilter struct {
	Tab          string // due: due this week or overdue and mine; for_board
	Status       string
	PartnerID    int64
	AdviserID    int64
	Municipality string
	EnquiryID    int64
	Overdue      bool
	Open         bool
	Outcome      string
	From, To     *time.Time // sent, inclusive dates
	Q            string     // the start of an enquiry's reference ("HAM-2026-0004")
	RegionID     int64      // one region's, for an admin (the others see their region's only)
	Page         Page
}

func (s *Store) referralFilter(v *Viewer, f ReferralFilter) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		now := s.now()
		if f.Tab == "due" {
			local := now.In(Oslo)
			weekday := (int(local.Weekday()) + 6) % 7
			weekEnd := time.Date(local.Year(), local.Month(), local.Day()-weekday+7, 0, 0, 0, 0, Oslo).UTC()
			db = db.Where("referrals.adviser_id = ? AND referrals.status IN ? AND referrals.follow_up_due < ?", v.User.ID, pendingReferral, weekEnd)
		}
		if f.Tab == "for_board" {
			db = db.Where("referrals.for_board = ?", true)
		}
		if f.Status != "" {
			db = db.Where("referrals.status = ?", f.Status)
		}
		if f.Outcome != "" {
			db = db.Where("referrals.outcome = ?", f.Outcome)
		}
		if f.PartnerID != 0 {
			db = db.Where("referrals.partner_id = ?", f.PartnerID)
		}
		if f.AdviserID != 0 {
			db = db.Where("referrals.adviser_id = ?", f.AdviserID)
		}
		if f.EnquiryID != 0 {
			db = db.Where("referrals.enquiry_id = ?", f.EnquiryID)
		}
		if f.RegionID != 0 {
			db = db.Where("referrals.region_id = ?", f.RegionID)
		}
		if f.Municipality != "" {
			db = db.Where("referrals.enquiry_id IN (SELECT id FROM enquiries WHERE kommunenummer = ?)", f.Municipality)
		}
		// A referral is searched by its enquiry's reference only: partners
		// and the board search the list too, and it must find nobody by
		// what they may not see.
		// A whole reference is looked up by the unique index; the start of one
		// is checked against each referral in scope.
		switch q := strings.ToUpper(strings.TrimSpace(f.Q)); {
		case referencePattern.MatchString(q):
			db = db.Where("referrals.enquiry_id IN (SELECT id FROM enquiries WHERE reference = ?)", q)
		case q != "":
			db = db.Where(`EXISTS (SELECT 1 FROM enquiries WHERE enquiries.id = referrals.enquiry_id AND enquiries.reference LIKE ? ESCAPE '\')`, prefixTerm(q))
		}
		if f.Overdue {
			db = db.Where("referrals.status IN ? AND referrals.follow_up_due < ?", pendingReferral, now)
		}
		if f.Open {
			db = db.Where("referrals.status IN ?", unclosedReferral)
		}
		if f.From != nil {
			db = db.Where("referrals.sent_at >= ?", time.Date(f.From.Year(), f.From.Month(), f.From.Day(), 0, 0, 0, 0, Oslo).UTC())
		}
		if f.To != nil {
			db = db.Where("referrals.sent_at < ?", time.Date(f.To.Year(), f.To.Month(), f.To.Day()+1, 0, 0, 0, 0, Oslo).UTC())
		}
		return db
	}
}

// EnquiryReferrals lists the referrals of an enquiry the viewer may see, most
// urgent first, each with its partner: what the case page shows. Unlike
// Referrals it does not count them or load the enquiry again; the viewers of
// a case (its region's advisers and coordinators, admins) see its person data,
// so nothing is minimised.
func (s *Store) EnquiryReferrals(ctx context.Context, v *Viewer, id int64) ([]Referral, error) {
	if err := s.checkEnquiry(ctx, v, id); err != nil {
		return nil, err
	}
	var out []Referral
	err := s.read(ctx).Scopes(referralsVisibleTo(v)).Where("referrals.enquiry_id = ?", id).Preload("Partner").
		Order("referrals.follow_up_due ASC, referrals.id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list the enquiry's referrals: %w", err)
	}
	return out, nil
}

// Referrals lists the referrals the viewer may see, most urgent first, each
// with its enquiry (minimised for who may not see the person), the enquiry's
// municipality, its partner and its adviser.
func (s *Store) Referrals(ctx context.Context, v *Viewer, f ReferralFilter) ([]Referral, int64, error) {
	return s.referrals(ctx, v, f, true)
}

// ReferralsOfEnquiry is Referrals of one enquiry: ErrNotFound when the
// viewer may not see the enquiry, rather than an empty list that would not
// tell an enquiry without referrals from one out of scope.
func (s *Store) ReferralsOfEnquiry(ctx context.Context, v *Viewer, id int64, f ReferralFilter) ([]Referral, int64, error) {
	if err := s.checkEnquiry(ctx, v, id); err != nil {
		return nil, 0, err
	}
	f.EnquiryID = id
	return s.referrals(ctx, v, f, true)
}

// CountReferrals counts the referrals the viewer may see that f picks, as
// Referrals totals them: the start page's counts, each a link to the list
// it counts.
func (s *Store) CountReferrals(ctx context.Context, v *Viewer, f ReferralFilter) (int64, error) {
	var n int64
	if err := s.read(ctx).Model(&Referral{}).Scopes(referralsVisibleTo(v), s.referralFilter(v, f)).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count referrals: %w", err)
	}
	return n, nil
}

// ReferralList is Referrals for the list of referrals: of each enquiry only
// the ID, reference and municipality (with its name) are read, and the
// adviser is not. The enquiry's description and contact details were most of
// what a partner's list read.
func (s *Store) ReferralList(ctx context.Context, v *Viewer, f ReferralFilter) ([]Referral, int64, error) {
	return s.referrals(ctx, v, f, false)
}

func (s *Store) referrals(ctx context.Context, v *Viewer, f ReferralFilter, whole bool) ([]Referral, int64, error) {
	q := s.read(ctx).Model(&Referral{}).Scopes(referralsVisibleTo(v), s.referralFilter(v, f))
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count referrals: %w", err)
	}
	if whole {
		q = q.Preload("Enquiry").Preload("Adviser")
	} else {
		q = q.Preload("Enquiry", func(db *gorm.DB) *gorm.DB { return db.Select("id, reference, kommunenummer") })
	}
	var out []Referral
	err := q.Preload("Enquiry.Municipality").Preload("Partner").
		Order("referrals.follow_up_due ASC, referrals.id").Limit(f.Page.Limit()).Offset(f.Page.Offset()).Find(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list referrals: %w", err)
	}
	for i := range out {
		minimise(v, &out[i])
	}
	return out, total, nil
}

// lockReferral loads the referral the viewer may act on, in tx.
func (s *Store) lockReferral(tx *gorm.DB, v *Viewer, id int64) (*Referral, error) {
	var r Referral
	// FOR UPDATE on PostgreSQL, as lockEnquiry.
	err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Scopes(referralsVisibleTo(v)).First(&r, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("referral %d: %w", id, ErrNotFound)
	}
	return &r, err
}

// endOfDay is the end of a follow-up date in Norway: a referral is due
// until the day is over.
func endOfDay(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 23, 59, 59, 0, Oslo).UTC()
}

// defaultFollowUp is the follow-up date of a referral sent now: the region's
// number of days ahead, moved on to the next working day when that is a
// weekend or a public holiday (nobody follows up on Christmas Day).
func defaultFollowUp(now time.Time, region *Region) time.Time {
	day := now.In(Oslo)
	day = time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, Oslo).AddDate(0, 0, region.ReferralFollowUpDays) // noon: immune to DST shifts
	for !IsWorkingDay(day) {
		day = day.AddDate(0, 0, 1)
	}
	return endOfDay(day)
}

// changeReferral applies a status change with its history entry, if version is current.
func (s *Store) changeReferral(tx *gorm.DB, r *Referral, version int, to string, changes map[string]any, userID *int64, via, note string) error {
	now := s.now()
	if to != r.Status {
		changes["status"] = to
	}
	if to == "sent" && r.SentAt == nil {
		changes["sent_at"] = now
		// A draft sent after its follow-up date would be overdue at once, and
		// closed as unanswered on the next round; one saved without a date
		// is due the region's days after it is sent, as the form says: its
		// follow-up counts from now, by the region's setting.
		if r.FollowUpDefault || r.FollowUpDue.Before(now) {
			var region Region
			if err := tx.First(&region, r.RegionID).Error; err != nil {
				return err
			}
			changes["follow_up_due"] = defaultFollowUp(now, &region)
		}
	}
	if (to == "acknowledged" || to == "in_progress" || outcomeStatus["supported"] == to || to == "declined") && r.AcknowledgedAt == nil && r.Status != "draft" {
		changes["acknowledged_at"] = now
	}
	if contains(ClosedReferral, to) && r.ClosedAt == nil {
		changes["closed_at"] = now
	}
	changes["version"] = gorm.Expr("version + 1")
	changes["updated_at"] = now
	res := tx.Model(&Referral{}).Where("id = ? AND version = ?", r.ID, version).Updates(changes)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("referral %d: %w", r.ID, ErrConflict)
	}
	return tx.Create(&ReferralEvent{ReferralID: r.ID, FromStatus: r.Status, ToStatus: to, UserID: userID, Via: via, Note: note, At: now}).Error
}

// allowedTransition tells which status changes each side may make before closing.
// Both sides record the partner's answer (an adviser may have had it by phone),
// and only on a referral that was sent: a draft acknowledged or in progress
// would never have been sent, and the board counts what was sent.
func allowedTransition(v *Viewer, from, to string) bool {
	partnerSide := v.Has(RolePartner) && !v.Has(RoleAdviser) && !v.Has(RoleCoordinator) && !v.IsAdmin()
	switch {
	case contains(ClosedReferral, from):
		return false
	case to == "acknowledged":
		return from == "sent"
	case to == "in_progress":
		return from == "sent" || from == "acknowledged"
	default: // only the adviser's side sends a draft
		return to == "sent" && from == "draft" && !partnerSide
	}
}

// noChange answers a change to what r already holds: nothing is written, but
// from a version read before another's change it is stale, as every save
// that changes nothing is (see unchanged).
func noChange(r *Referral, version int) error {
	if r.Version != version {
		return fmt.Errorf("referral %d: %w", r.ID, ErrConflict)
	}
	return nil
}

// SetReferralStatus moves a referral along: an adviser sends a draft; a partner
// acknowledges it or reports it in progress. Closing goes through CloseReferral.
func (s *Store) SetReferralStatus(ctx context.Context, v *Viewer, a Actor, id int64, status string, version int) error {
	if err := referralStatusProblem(status); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		r, err := s.lockToChange(tx, v, id)
		if err != nil {
			return err
		}
		if r.Status == status {
			return noChange(r, version)
		}
		if !allowedTransition(v, r.Status, status) {
			return invalid("status", "error.transition")
		}
		if status == "sent" {
			// As a new referral: a partner deactivated since the draft was
			// saved takes no referrals, and a closed case none at all (a
			// draft of one closed before CloseEnquiry refused drafts).
			var p Partner
			if err := tx.Select("id", "active").First(&p, r.PartnerID).Error; err != nil {
				return err
			}
			if !p.Active {
				return invalid("status", "error.partner_inactive")
			}
			var e Enquiry
			if err := tx.Select("id", "status").First(&e, r.EnquiryID).Error; err != nil {
				return err
			}
			if err := reopenFirst(&e, "error.closed_reopen_to_refer"); err != nil {
				return err
			}
		}
		if err := s.changeReferral(tx, r, version, status, map[string]any{}, &v.User.ID, "user", ""); err != nil {
			return err
		}
		return s.audit(tx, a, "status", "referral", fmt.Sprint(id), r.Status+"->"+status)
	})
}

// DraftInput is what the adviser may change in a draft before sending it.
// The partner is not among it: a draft to another partner is a new referral.
// The follow-up date is changed by SetReferralFollowUp, as on a sent one.
type DraftInput struct {
	ContactName       string
	ContactEmail      string
	Reason            string
	Message           string
	SharePersonalData bool
	Version           int
}

// ReferralChangeProblems reports what is wrong with a change of a referral
// by the checks made before the referral is read (its state and the
// enquiry's consent are known only then), writing nothing: a request refused
// for a missing version still hears about the rest in the same answer. Give
// the one change asked: a draft's new text, an outcome, or a status.
func ReferralChangeProblems(draft *DraftInput, outcome *ReferralOutcome, status string) map[string]string {
	fields := map[string]string{}
	var ve *ValidationError
	switch {
	case draft != nil:
		checkReferralText(fields, draft.Reason, draft.Message, draft.ContactName, draft.ContactEmail)
	case outcome != nil:
		if errors.As(outcome.validate(), &ve) {
			return ve.Fields
		}
	case status != "":
		if errors.As(referralStatusProblem(status), &ve) {
			return ve.Fields
		}
	}
	return fields
}

// OutcomeProblems is ReferralChangeProblems for an outcome of r, the
// referral as v loaded it, writing nothing: a referral that takes no outcome
// (closed already) is refused as CloseReferral refuses it, first and alone
// (a *ValidationError), and one the viewer only reads is not found.
func OutcomeProblems(v *Viewer, r *Referral, o ReferralOutcome) (map[string]string, error) {
	if boardOnly(v, r) {
		return nil, fmt.Errorf("referral %d: %w", r.ID, ErrNotFound)
	}
	if !r.TakesOutcome() {
		return nil, invalid("outcome", "error.referral_not_open")
	}
	return ReferralChangeProblems(nil, &o, ""), nil
}

// DraftProblems is ReferralChangeProblems for a new text of r, the referral
// as v loaded it, writing nothing: a referral sent already, whose text is
// what the partner got, is refused as UpdateDraftReferral refuses it, first
// and alone (a *ValidationError), and one the viewer may not edit is not found.
func DraftProblems(v *Viewer, r *Referral, in DraftInput) (map[string]string, error) {
	if !adviserSide(v) {
		return nil, fmt.Errorf("referral %d: %w", r.ID, ErrNotFound)
	}
	if r.Status != "draft" {
		return nil, invalid("status", "error.edit_only_draft")
	}
	return ReferralChangeProblems(&in, nil, ""), nil
}

// referralStatusProblem is what SetReferralStatus refuses status with before
// it reads the referral.
func referralStatusProblem(status string) error {
	if contains(ClosedReferral, status) {
		return invalid("status", "error.close_with_outcome")
	}
	if !contains(ReferralStatuses, status) {
		return invalid("status", "error.choice")
	}
	return nil
}

// lockDraft locks referral id for a change only its drafts take, made by the
// adviser's side: notDraft is the refusal of one already sent.
func (s *Store) lockDraft(tx *gorm.DB, v *Viewer, id int64, notDraft string) (*Referral, error) {
	r, err := s.lockReferral(tx, v, id)
	if err != nil {
		return nil, err
	}
	if !adviserSide(v) {
		return nil, fmt.Errorf("referral %d: %w", id, ErrNotFound)
	}
	if r.Status != "draft" {
		return nil, invalid("status", notDraft)
	}
	return r, nil
}

// UpdateDraftReferral changes a draft's contact, reason, message and sharing,
// checked as when referring. A sent referral's text is what the partner got,
// and stays as it was.
func (s *Store) UpdateDraftReferral(ctx context.Context, v *Viewer, a Actor, id int64, in DraftInput) error {
	fields := map[string]string{}
	in.ContactEmail = checkReferralText(fields, in.Reason, in.Message, in.ContactName, in.ContactEmail)
	return s.inTx(ctx, func(tx *gorm.DB) error {
		r, err := s.lockDraft(tx, v, id, "error.edit_only_draft")
		if err != nil {
			return err
		}
		if in.SharePersonalData {
			var e Enquiry
			if err := tx.Select("id", "consent_share").First(&e, r.EnquiryID).Error; err != nil {
				return err
			}
			if !e.ConsentShare {
				fields["share_personal_data"] = "error.no_share_consent"
			}
		}
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		values := map[string]any{"contact_name": strings.TrimSpace(in.ContactName), "contact_email": in.ContactEmail, "reason": in.Reason,
			"message": strings.TrimSpace(in.Message), "share_personal_data": in.SharePersonalData}
		// A form sent again as it was is no edit: the version stays.
		if same, err := unchanged(tx, &Referral{}, in.Version, values, "id = ?", id); err != nil || same {
			return err
		}
		changes := map[string]any{"version": gorm.Expr("version + 1"), "updated_at": s.now()}
		for k, v := range values {
			changes[k] = v
		}
		res := tx.Model(&Referral{}).Where("id = ? AND version = ?", id, in.Version).Updates(changes)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("referral %d: %w", id, ErrConflict)
		}
		if changes["message"] != "" {
			if err := writtenAgain(tx, r.EnquiryID); err != nil {
				return err
			}
		}
		return s.audit(tx, a, "update", "referral", fmt.Sprint(id), fmt.Sprintf("draft reason=%s share=%t", in.Reason, in.SharePersonalData))
	})
}

// DiscardReferral deletes a draft that was never sent, with its history, and
// returns the enquiry it was of. A draft is the adviser's work, not yet a
// referral: nobody outside the region's staff saw it, the board's figures
// never counted it, and left standing it blocked a new referral to the same
// partner. A sent referral is withdrawn instead, and stays counted. The audit
// log keeps that there was one, of which enquiry, to which partner, and who
// discarded it.
func (s *Store) DiscardReferral(ctx context.Context, v *Viewer, a Actor, id int64, version int) (int64, error) {
	var enquiryID int64
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		r, err := s.lockDraft(tx, v, id, "error.discard_only_draft")
		if err != nil {
			return err
		}
		if r.Version != version {
			return fmt.Errorf("referral %d: %w", id, ErrConflict)
		}
		// Audited while the draft is there, so that the entry lies in its
		// region (read from the record), not in the actor's.
		if err := s.audit(tx, a, "discard", "referral", fmt.Sprint(id), fmt.Sprintf("enquiry=%d partner=%d", r.EnquiryID, r.PartnerID)); err != nil {
			return err
		}
		// Its rows by name rather than by the foreign keys' cascade: a
		// draft has history only, but nothing must be left pointing at it.
		for _, child := range []any{&ReferralEvent{}, &ReferralComment{}, &referralLink{}} {
			if err := tx.Where("referral_id = ?", id).Delete(child).Error; err != nil {
				return fmt.Errorf("discard referral %d: %w", id, err)
			}
		}
		res := tx.Where("id = ? AND version = ? AND status = ?", id, version, "draft").Delete(&Referral{})
		if res.Error != nil {
			return fmt.Errorf("discard referral %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("referral %d: %w", id, ErrConflict)
		}
		enquiryID = r.EnquiryID
		return nil
	})
	return enquiryID, err
}

// maxAmountNOK is the most a referral's outcome may record: a billion kroner.
const maxAmountNOK = 1_000_000_000

// ReferralOutcome is how a referral ended.
type ReferralOutcome struct {
	Outcome    string
	Reason     string
	Instrument string
	AmountNOK  int64
	Version    int
	// Unread are the fields a form could not read as typed (an amount that
	// is no sum), each with its error. CloseReferral refuses them with the
	// outcome's other problems, once the referral is found to take an
	// outcome: a referral closed meanwhile is said first, and alone, as its
	// page then draws no outcome form to show them beside.
	Unread map[string]string
}

func (o *ReferralOutcome) validate() error {
	fields := map[string]string{}
	checkChoice(fields, "outcome", o.Outcome, ReferralOutcomes, true)
	if o.Outcome != "" && fields["outcome"] == "" {
		checkChoice(fields, "outcome_reason", o.Reason, OutcomeReasons[o.Outcome], true)
		if fields["outcome_reason"] == "error.choice" && slices.ContainsFunc(ReferralOutcomes, func(other string) bool { return contains(OutcomeReasons[other], o.Reason) }) {
			// The form lists every outcome's reasons, grouped by outcome.
			fields["outcome_reason"] = "error.reason_for_outcome"
		}
		if fields["outcome_reason"] == "error.required" { // a drop-down: say what to choose
			fields["outcome_reason"] = "error.reason_required"
		}
	}
	if o.Outcome == "supported" {
		checkChoice(fields, "instrument", o.Instrument, Instruments, true)
		if fields["instrument"] == "error.required" {
			fields["instrument"] = "error.instrument_required"
		}
		if o.AmountNOK < 0 || o.AmountNOK > maxAmountNOK {
			fields["amount_nok"] = "error.amount_range"
		}
	} else {
		// Each beside the field it was typed in.
		if o.Instrument != "" {
			fields["instrument"] = "error.instrument_only_supported"
		}
		if o.AmountNOK != 0 {
			fields["amount_nok"] = "error.instrument_only_supported"
		}
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

// CloseReferral records the outcome: the partner reports supported or declined,
// the adviser may also withdraw it or record that nobody answered. A referral
// closed as unanswered takes the real outcome when the answer comes late, so
// that the board counts what came of it; no other closed referral reopens.
func (s *Store) CloseReferral(ctx context.Context, v *Viewer, a Actor, id int64, o ReferralOutcome) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		r, err := s.lockToChange(tx, v, id)
		if err != nil {
			return err
		}
		if !r.TakesOutcome() {
			return invalid("outcome", "error.referral_not_open")
		}
		fields := map[string]string{}
		var ve *ValidationError
		if errors.As(o.validate(), &ve) {
			fields = ve.Fields
		}
		maps.Copy(fields, o.Unread)
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		partnerSide := v.Has(RolePartner) && !v.Has(RoleAdviser) && !v.Has(RoleCoordinator) && !v.IsAdmin()
		if partnerSide && o.Outcome != "supported" && o.Outcome != "declined" {
			return invalid("outcome", "error.choice")
		}
		if r.Status == "no_response" && o.Outcome == "no_response" {
			return invalid("outcome", "error.late_outcome")
		}
		return s.closeReferral(tx, r, o, &v.User.ID, "user", a)
	})
}

func (s *Store) closeReferral(tx *gorm.DB, r *Referral, o ReferralOutcome, userID *int64, via string, a Actor) error {
	changes := map[string]any{"outcome": o.Outcome, "outcome_reason": o.Reason, "instrument": o.Instrument, "amount_nok": o.AmountNOK}
	detail, note := fmt.Sprintf("outcome=%s via=%s", o.Outcome, via), ""
	if r.Status == "no_response" {
		// The late answer closes it now: days to the outcome, and the
		// quarter money was granted in, count from the answer, not from
		// the round that found none.
		changes["closed_at"] = s.now()
		detail, note = detail+" after=no_response", "late answer"
	}
	if err := s.changeReferral(tx, r, o.Version, outcomeStatus[o.Outcome], changes, userID, via, note); err != nil {
		return err
	}
	return s.audit(tx, a, "close", "referral", fmt.Sprint(r.ID), detail)
}

// MarkNoResponse closes as no_response every referral the partner never
// answered, noResponseDays (the region's setting) after its follow-up date.
// Only one server instance runs it at a time (ErrJobRunning for the others);
// even so, each update re-checks the status.
func (s *Store) MarkNoResponse(ctx context.Context) (n int, err error) {
	err = s.exclusive(ctx, JobNoResponse, func() error {
		n, err = s.markNoResponse(ctx)
		return err
	})
	return n, err
}

func (s *Store) markNoResponse(ctx context.Context) (int, error) {
	now := s.now()
	var candidates []Referral
	err := s.read(ctx).Joins("JOIN regions ON regions.id = referrals.region_id").
		Where("referrals.status = ? AND referrals.acknowledged_at IS NULL", "sent").
		Find(&candidates).Error
	if err != nil {
		return 0, fmt.Errorf("find unanswered referrals: %w", err)
	}
	n := 0
	for _, r := range candidates {
		var region Region
		if err := s.read(ctx).First(&region, r.RegionID).Error; err != nil {
			return n, err
		}
		// Days in Norway: counted on the UTC instant, the limit moved an hour
		// across a change of summer time.
		if !now.After(endOfDay(r.FollowUpDue.In(Oslo).AddDate(0, 0, region.NoResponseDays))) {
			continue
		}
		err := s.inTx(ctx, func(tx *gorm.DB) error {
			changes := map[string]any{"outcome": "no_response", "outcome_reason": "partner_silent", "status": "no_response", "closed_at": now,
				"version": gorm.Expr("version + 1"), "updated_at": now}
			res := tx.Model(&Referral{}).Where("id = ? AND status = ? AND acknowledged_at IS NULL", r.ID, "sent").Updates(changes)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error // another server got there first
			}
			note := fmt.Sprintf("no answer %d days after the follow-up date", region.NoResponseDays)
			if err := tx.Create(&ReferralEvent{ReferralID: r.ID, FromStatus: r.Status, ToStatus: "no_response", Via: "system", Note: note, At: now}).Error; err != nil {
				return err
			}
			n++
			return s.audit(tx, Actor{RequestID: "system", RegionID: r.RegionID}, "no_response", "referral", fmt.Sprint(r.ID), note)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// ReferralHistory lists a referral's status events, oldest first.
func (s *Store) ReferralHistory(ctx context.Context, v *Viewer, id int64) ([]ReferralEvent, error) {
	if _, err := s.Referral(ctx, v, id); err != nil {
		return nil, err
	}
	var out []ReferralEvent
	if err := s.read(ctx).Preload("User").Where("referral_id = ?", id).Order("at, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("referral history: %w", err)
	}
	return out, nil
}

// ReferralComments lists the board's comments on a referral, for those who may
// see them: the region's board, coordinators, advisers and admins.
func (s *Store) ReferralComments(ctx context.Context, v *Viewer, id int64) ([]ReferralComment, error) {
	if _, err := s.Referral(ctx, v, id); err != nil {
		return nil, err
	}
	if v.Has(RolePartner) && !v.Has(RoleAdviser) && !v.Has(RoleCoordinator) && !v.Has(RoleBoard) && !v.IsAdmin() {
		return []ReferralComment{}, nil
	}
	var out []ReferralComment
	if err := s.read(ctx).Preload("User").Where("referral_id = ?", id).Order("at, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("referral comments: %w", err)
	}
	return out, nil
}

// CommentOnReferral adds a board member's follow-up comment.
func (s *Store) CommentOnReferral(ctx context.Context, v *Viewer, a Actor, id int64, text string) error {
	fields := map[string]string{}
	checkText(fields, "comment", text, 2000, true)
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		r, err := s.lockReferral(tx, v, id)
		if err != nil {
			return err
		}
		if err := tx.Create(&ReferralComment{ReferralID: id, UserID: &v.User.ID, Text: strings.TrimSpace(text), At: s.now()}).Error; err != nil {
			return err
		}
		if err := writtenAgain(tx, r.EnquiryID); err != nil {
			return err
		}
		return s.audit(tx, a, "comment", "referral", fmt.Sprint(id), "")
	})
}

// MarkForBoard puts a referral on, or takes it off, the next board meeting's list.
// It is the board's own note and does not move the referral's version.
func (s *Store) MarkForBoard(ctx context.Context, v *Viewer, a Actor, id int64, on bool) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		r, err := s.lockReferral(tx, v, id)
		if err != nil {
			return err
		}
		// The board sees what was sent: a draft marked for it would be a mark
		// nobody on the board could find.
		if on && r.Status == "draft" {
			return invalid("for_board", "error.draft_for_board")
		}
		if err := tx.Model(&Referral{}).Where("id = ?", id).Update("for_board", on).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "for_board", "referral", fmt.Sprint(id), fmt.Sprint(on))
	})
}

// linkPrefix marks one-time referral links.
const linkPrefix = "rl_"

// CreateReferralLink makes a one-time link for a partner contact without an
// account. Only the token's hash is stored; the token is returned once.
func (s *Store) CreateReferralLink(ctx context.Context, v *Viewer, a Actor, id int64, valid time.Duration) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := linkPrefix + base64.RawURLEncoding.EncodeToString(raw)
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		r, err := s.lockReferral(tx, v, id)
		if err != nil {
			return err
		}
		if !(v.IsAdmin() || v.Has(RoleAdviser) || v.Has(RoleCoordinator)) {
			return ErrNotFound
		}
		// A referral closed as unanswered takes a link too: the partner's
		// late answer is what the board wants to know, and a link made at
		// sending has run out by the time the nightly round marks it.
		if !r.TakesOutcome() {
			return invalid("link", "error.referral_not_open")
		}
		now := s.now()
		if err := tx.Create(&referralLink{ReferralID: id, TokenHash: hashToken(token), ExpiresAt: now.Add(valid), CreatedBy: &v.User.ID, CreatedAt: now}).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "create_link", "referral", fmt.Sprint(id), "")
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// linkViewer is who a one-time link acts as: the referral's partner, seeing
// only what was shared with it.
func linkViewer(r *Referral) *Viewer {
	pid := r.PartnerID
	region := &Region{ID: r.RegionID}
	return &Viewer{User: &User{PartnerID: &pid, Roles: []UserRole{{RegionID: &region.ID, Role: RolePartner}}}, Region: region}
}

// ErrLinkEnded is a one-time link that was made but has done its work: its
// outcome was reported, its referral closed or its time ran out. It is a not
// found, and shows nothing of the referral; its holder is told that it ended.
var ErrLinkEnded = fmt.Errorf("referral link ended: %w", ErrNotFound)

// liveLink finds the link of token in db: ErrNotFound if none was made,
// ErrLinkEnded if it was used or has expired.
func (s *Store) liveLink(db *gorm.DB, token string) (*referralLink, error) {
	if !strings.HasPrefix(token, linkPrefix) || len(token) > 100 {
		return nil, ErrNotFound
	}
	var l referralLink
	err := db.Where("token_hash = ?", hashToken(token)).First(&l).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if l.UsedAt != nil || !l.ExpiresAt.After(s.now()) {
		return nil, ErrLinkEnded
	}
	return &l, nil
}

// LinkedReferral is the referral behind a one-time link, with the time the
// link stops working: its holder is told until when it does.
type LinkedReferral struct {
	*Referral
	LinkExpiresAt time.Time
}

// ReferralByLink returns the referral a valid, unused, unexpired one-time link
// answers, minimised to what was shared with the partner. A referral closed
// as unanswered still takes the partner's late outcome through it (see
// TakesOutcome); one closed otherwise has ended the link.
func (s *Store) ReferralByLink(ctx context.Context, token string) (*Referral, error) {
	l, err := s.ReferralLink(ctx, token)
	if err != nil {
		return nil, err
	}
	return l.Referral, nil
}

// ReferralLink is ReferralByLink with the link's expiry, and the adviser who
// sent the referral (name and e-mail alone): whom its holder may ask.
func (s *Store) ReferralLink(ctx context.Context, token string) (*LinkedReferral, error) {
	l, err := s.liveLink(s.read(ctx), token)
	if err != nil {
		return nil, err
	}
	var r Referral
	err = s.read(ctx).Preload("Enquiry").Preload("Enquiry.Municipality").Preload("Partner").
		Preload("Adviser", func(db *gorm.DB) *gorm.DB { return db.Select("id", "name", "email") }).First(&r, l.ReferralID).Error
	if err != nil {
		return nil, fmt.Errorf("referral by link: %w", err)
	}
	if !r.TakesOutcome() {
		// Closed by anyone, withdrawn by the adviser say: the link has done
		// its work, and shows the person to nobody.
		return nil, ErrLinkEnded
	}
	minimise(linkViewer(&r), &r)
	return &LinkedReferral{Referral: &r, LinkExpiresAt: l.ExpiresAt}, nil
}

// AnswerByLink lets the partner acknowledge the referral, or report its outcome,
// through a one-time link. Reporting the outcome uses the link up. A referral
// closed as unanswered takes the late outcome, as on the partner's page, but
// no acknowledgement: that would record nothing, and thank for it.
func (s *Store) AnswerByLink(ctx context.Context, a Actor, token string, acknowledge bool, o *ReferralOutcome) error {
	if o != nil {
		if o.Outcome != "supported" && o.Outcome != "declined" {
			return invalid("outcome", "error.choice")
		}
		if err := o.validate(); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		// The link and its referral locked (FOR UPDATE on PostgreSQL; SQLite
		// writes one at a time): the same answer sent twice at once (a double
		// click) waits for the first, then finds the link used, or the
		// referral acknowledged, as one sent after it does, not a version
		// the first changed under it (a conflict).
		locked := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
		l, err := s.liveLink(locked, token)
		if err != nil {
			return err
		}
		var r Referral
		if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).First(&r, l.ReferralID).Error; err != nil {
			return err
		}
		if !r.TakesOutcome() {
			return ErrLinkEnded
		}
		if r.Status == "no_response" && o == nil {
			return invalid("form", "referral.link_late_outcome_only")
		}
		a.RegionID = r.RegionID
		if acknowledge && r.Status == "sent" {
			if err := s.changeReferral(tx, &r, r.Version, "acknowledged", map[string]any{}, nil, "link", ""); err != nil {
				return err
			}
			r.Status, r.Version = "acknowledged", r.Version+1
			now := s.now()
			r.AcknowledgedAt = &now
			if err := s.audit(tx, a, "acknowledge_by_link", "referral", fmt.Sprint(r.ID), ""); err != nil {
				return err
			}
		}
		if o != nil {
			o.Version = r.Version
			if err := s.closeReferral(tx, &r, *o, nil, "link", a); err != nil {
				return err
			}
			return tx.Model(&referralLink{}).Where("id = ?", l.ID).Update("used_at", s.now()).Error
		}
		return nil
	})
}

// linkRepeatWindow is how long after a one-time link's outcome the same
// outcome sent through it again is taken as the same answer sent twice.
const linkRepeatWindow = 10 * time.Minute

// RepeatedLinkAnswer tells whether o, sent through the used link of token, is
// the outcome that used it up, sent again within linkRepeatWindow (a double
// click, a slow connection): then it returns the referral with its partner
// alone, to thank for the answer recorded; nothing is written. Otherwise it
// is ErrLinkEnded (or ErrNotFound for a link that never was): after the
// window, or for another answer, a holder of the link learns nothing of the
// outcome.
func (s *Store) RepeatedLinkAnswer(ctx context.Context, token string, o ReferralOutcome) (*Referral, error) {
	if !strings.HasPrefix(token, linkPrefix) || len(token) > 100 {
		return nil, ErrNotFound
	}
	var l referralLink
	err := s.read(ctx).Where("token_hash = ?", hashToken(token)).First(&l).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if l.UsedAt == nil || s.now().Sub(*l.UsedAt) > linkRepeatWindow {
		return nil, ErrLinkEnded
	}
	var r Referral
	if err := s.read(ctx).Preload("Partner").First(&r, l.ReferralID).Error; err != nil {
		return nil, fmt.Errorf("referral by link: %w", err)
	}
	if r.Outcome != o.Outcome || r.OutcomeReason != o.Reason || r.Instrument != o.Instrument || r.AmountNOK != o.AmountNOK {
		return nil, ErrLinkEnded
	}
	return &Referral{ID: r.ID, PartnerID: r.PartnerID, Partner: r.Partner, Status: r.Status}, nil
}
