package models

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Redacted replaces free text whose person data has been removed.
const Redacted = "[fjernet]"

// anonymise clears an enquiry's person data and free text in tx, keeping the
// codes and dates that statistics need. It updates the full-text index too.
// It reports whether the enquiry still held person data (and met the
// conditions in only, if any).
func (s *Store) anonymise(tx *gorm.DB, id int64, only ...func(*gorm.DB) *gorm.DB) (bool, error) {
	changed, err := s.anonymiseRows(tx, id, only)
	if err != nil || !changed {
		return false, err
	}
	if s.dialect == SQLite {
		// In the anonymisation's own transaction: whoever made it, and
		// whatever happens to the process after, the clean-up of the files
		// is known to be due (forgetErased).
		err := tx.Exec(`INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1`, forgetCounter).Error
		if err != nil {
			return false, fmt.Errorf("anonymise enquiry %d: %w", id, err)
		}
	}
	return true, s.indexEnquiry(tx, id)
}

func (s *Store) anonymiseRows(tx *gorm.DB, id int64, only []func(*gorm.DB) *gorm.DB) (bool, error) {
	now := s.now()
	var person Enquiry // as it was: the referrals' contacts are checked against it
	if err := tx.Select("name", "email", "phone").Where("id = ?", id).Limit(1).Find(&person).Error; err != nil {
		return false, fmt.Errorf("anonymise enquiry %d: %w", id, err)
	}
	// The conditions are in the UPDATE itself, which PostgreSQL checks again
	// on the row as it is once a concurrent change of it commits.
	res := tx.Model(&Enquiry{}).Scopes(only...).Where("id = ? AND anonymised_at IS NULL", id).Updates(map[string]any{
		"name": Redacted, "email": "", "phone": "", "org_number": "", "business_name": "", "description": Redacted,
		"outcome_org_number": "", "under30": nil, "immigrant_background": nil, "anonymised_at": now, "updated_at": now,
		"version": gorm.Expr("version + 1"),
	})
	if res.Error != nil {
		return false, fmt.Errorf("anonymise enquiry %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil // already anonymised, by another transaction perhaps
	}
	if err := tx.Model(&Activity{}).Where("enquiry_id = ? AND text <> ''", id).Update("text", Redacted).Error; err != nil {
		return false, err
	}
	if err := tx.Model(&Referral{}).Where("enquiry_id = ?", id).Update("message", Redacted).Error; err != nil {
		return false, err
	}
	if err := eraseContactsNaming(tx, id, &person); err != nil {
		return false, err
	}
	if err := tx.Model(&ReferralComment{}).Where("referral_id IN (SELECT id FROM referrals WHERE enquiry_id = ?)", id).Update("text", Redacted).Error; err != nil {
		return false, err
	}
	return true, nil
}

// RetentionCandidate is a closed enquiry past its retention period.
type RetentionCandidate struct {
	ID        int64
	Reference string
	ClosedAt  time.Time
	RegionID  int64     // 0 for the admin queue
	Cutoff    time.Time `gorm:"-"` // the region's retention cutoff it was found by
}

// RetentionDue lists closed enquiries whose retention period has run out since
// they closed, and that still hold person data: a region's enquiries after the
// region's period, the admin queue's after DefaultRetentionMonths. Each region's
// are read from the partial index enquiries_retention, which holds only those.
// An enquiry with a referral still open waits (see noOpenReferral).
func (s *Store) RetentionDue(ctx context.Context) ([]RetentionCandidate, error) {
	var regions []Region
	if err := s.read(ctx).Find(&regions).Error; err != nil {
		return nil, err
	}
	scopes := make([]*Region, 0, len(regions)+1)
	for i := range regions {
		scopes = append(scopes, &regions[i])
	}
	scopes = append(scopes, nil) // the admin queue
	now := s.now()
	var out []RetentionCandidate
	for _, r := range scopes {
		var batch []RetentionCandidate
		if err := s.retentionDueIn(s.read(ctx), r, now).Scan(&batch).Error; err != nil {
			return nil, fmt.Errorf("retention due: %w", err)
		}
		for i := range batch {
			batch[i].Cutoff = retentionCutoff(r, now)
		}
		out = append(out, batch...)
	}
	return out, nil
}

// retentionDueIn is the query for one region's enquiries due for retention, or
// with r nil the admin queue's. Without statistics SQLite reads the queue's
// through enquiries_closed rather than enquiries_retention (it guesses that IS
// NULL matches more rows than =): one range over the closed enquiries, once a
// day, about 0.1 s over 500 000 enquiries.
func (s *Store) retentionDueIn(db *gorm.DB, r *Region, now time.Time) *gorm.DB {
	cutoff := retentionCutoff(r, now)
	db = db.Model(&Enquiry{}).Select("id, reference, closed_at, COALESCE(region_id, 0) AS region_id").
		Where("status = 'closed' AND anonymised_at IS NULL").Where(noOpenReferral, pendingReferral, cutoff)
	if r == nil {
		db = db.Where("region_id IS NULL AND closed_at < ?", cutoff)
	} else {
		db = db.Where("region_id = ? AND closed_at < ?", r.ID, cutoff)
	}
	return db.Order("id")
}

// retentionCutoff is the time before which a case closed (or a referral's
// follow-up date passed) has run out its retention period at now: region r's
// period, or with r nil the admin queue's.
func retentionCutoff(r *Region, now time.Time) time.Time {
	if r == nil {
		return monthsBefore(now, DefaultRetentionMonths)
	}
	return monthsBefore(now, r.RetentionMonths)
}

// noOpenReferral is the condition that none of an enquiry's referrals is sent
// and still open: the partner may still answer a closed case (Innovation
// Norway reports back months later) and reads the person's details meanwhile,
// so retention waits for it. A sent referral nobody answers is closed as
// unanswered by MarkNoResponse; one acknowledged or in progress stays open
// until the partner or the adviser records its outcome, and shows as overdue
// after its follow-up date. It holds retention back for the retention period
// after that date (the second parameter, the cutoff), no longer: a partner
// neither heard from nor chased for so long will not report back, and the
// person's data would be kept for good. Drafts do not hold retention back:
// nothing closes them by itself, and a closed case takes none (CloseEnquiry).
const noOpenReferral = "NOT EXISTS (SELECT 1 FROM referrals WHERE referrals.enquiry_id = enquiries.id AND referrals.status IN ? AND referrals.follow_up_due >= ?)"

// monthsBefore is the time n calendar months before t in Norway, on the
// month's last day where it is shorter: 29 February 2028 less 36 months is
// 28 February 2025. (time's AddDate rolls 29 February 2025 over to 1 March,
// and retention ran up to three days before the months had passed.)
func monthsBefore(t time.Time, n int) time.Time {
	t = t.In(Oslo)
	y, m, d := t.Date()
	first := time.Date(y, m-time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), Oslo)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1).UTC()
}

// ApplyRetention anonymises every enquiry RetentionDue finds, each in its own
// transaction with its audit entry. Only one server instance runs it at a time
// (ErrJobRunning for the others); even so, an enquiry already anonymised is
// skipped.
func (s *Store) ApplyRetention(ctx context.Context) (n int, err error) {
	err = s.exclusive(ctx, JobRetention, func() error {
		n, err = s.applyRetention(ctx)
		return err
	})
	return n, err
}

func (s *Store) applyRetention(ctx context.Context) (int, error) {
	due, err := s.RetentionDue(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range due {
		done, err := s.anonymiseDue(ctx, c)
		if err != nil {
			if n > 0 {
				// Said, but not as ErrForgetPending: retention failed, and
				// is not done. The clean-up stays due (forgetCounter).
				if ferr := s.forgetErased(ctx); ferr != nil {
					err = fmt.Errorf("%w (and %v)", err, ferr)
				}
			}
			return n, err
		}
		if done {
			n++
		}
	}
	if n > 0 {
		return n, s.forgetErased(ctx)
	}
	return n, nil
}

// anonymiseDue anonymises one enquiry RetentionDue found, with its audit
// entry, if it is still closed as it was when found: a case reopened since (or
// reopened and closed again, which starts its period anew) keeps its person
// data, and so does one already anonymised, or one with a referral open again.
func (s *Store) anonymiseDue(ctx context.Context, c RetentionCandidate) (done bool, err error) {
	stillDue := func(db *gorm.DB) *gorm.DB {
		return db.Where("status = 'closed' AND closed_at <= ?", c.ClosedAt).Where(noOpenReferral, pendingReferral, c.Cutoff)
	}
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		if done, err = s.anonymise(tx, c.ID, stillDue); err != nil || !done {
			return err
		}
		return s.audit(tx, Actor{RequestID: "retention", RegionID: c.RegionID}, "anonymise", "enquiry", fmt.Sprint(c.ID), "retention period ended")
	})
	return done && err == nil, err
}

// PersonQuery finds one person's enquiries by e-mail or phone.
type PersonQuery struct {
	Email string
	Phone string
}

// minPhoneDigits is the fewest digits a phone query may have: a Norwegian
// number has eight, and a part of a number finds other people, whose data an
// erasure would remove for good.
const minPhoneDigits = 8

// check puts what is wrong with the query in fields: it needs an e-mail or a
// phone number, an e-mail must be an address (as enquiries store them), and a
// phone number must be whole.
func (q PersonQuery) check(fields map[string]string) {
	email, phone := strings.ToLower(strings.TrimSpace(q.Email)), strings.TrimSpace(q.Phone)
	switch {
	case email == "" && phone == "":
		fields["email"] = "error.contact_required"
	case phone != "" && len(strings.Map(keepDigit, phone)) < minPhoneDigits:
		fields["phone"] = "error.phone_too_short"
	}
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
			fields["email"] = "error.email"
		}
	}
}

// tied puts in fields what is wrong with a query by e-mail and phone together:
// each must find an enquiry, and some enquiry must hold both. Else the two may
// be two people's (one digit mistyped is enough), and one person's data would
// be exported to, or erased on the request of, the other.
func (q PersonQuery) tied(db *gorm.DB, fields map[string]string) error {
	email, phones := q.forms()
	if email == "" || len(phones) == 0 {
		return nil
	}
	count := func(where string, args ...any) (int64, error) {
		var n int64
		err := db.Model(&Enquiry{}).Where(where, args...).Count(&n).Error
		return n, err
	}
	byEmail, err := count("email = ?", email)
	if err != nil {
		return err
	}
	byPhone, err := count(storedPhone+" IN ?", phones)
	if err != nil {
		return err
	}
	both, err := count("email = ? AND "+storedPhone+" IN ?", email, phones)
	if err != nil {
		return err
	}
	switch {
	case byEmail == 0:
		fields["email"] = "error.person_not_found"
	case byPhone == 0:
		fields["phone"] = "error.person_not_found"
	case both == 0:
		fields["email"], fields["phone"] = "error.person_ambiguous", "error.person_ambiguous"
	}
	return nil
}

// writtenAgain takes the anonymised mark off enquiry id when text is written
// about it (an activity, a referral's message, a board comment): the text may
// name the person, and retention and erasure skip an enquiry marked
// anonymised.
func writtenAgain(tx *gorm.DB, id int64) error {
	err := tx.Model(&Enquiry{}).Where("id = ? AND anonymised_at IS NOT NULL", id).Update("anonymised_at", nil).Error
	if err != nil {
		return fmt.Errorf("enquiry %d written again: %w", id, err)
	}
	return nil
}

func keepDigit(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}

// storedPhone is an enquiry's phone without the spaces, hyphens and
// parentheses people type (validPhone allows nothing else besides digits and
// +), and without the trunk zero "(0)" written after a country code ("+44
// (0)20 …"), which is not dialled from abroad: as phoneForms reads a query.
// The index enquiries_phone (migration 25) holds this expression as it is
// spelt here: a change of it needs a migration that makes the index again.
const storedPhone = `REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(phone, '(0)', ''), ' ', ''), '-', ''), '(', ''), ')', '')`

// forms is the query as enquiries are compared with it: the e-mail in lower
// case, as enquiries store it, and the ways a phone equal to the query's may
// be stored (phoneForms, compared with storedPhone). Either is empty when the
// query has none.
func (q PersonQuery) forms() (email string, phones []string) {
	return strings.ToLower(strings.TrimSpace(q.Email)), phoneForms(q.Phone)
}

func (q PersonQuery) scope(db *gorm.DB) *gorm.DB {
	email, phones := q.forms()
	switch {
	case email != "" && len(phones) > 0:
		// One of them matches and neither differs: an enquiry with the same
		// phone but another e-mail (a shared switchboard, a household) is
		// another person's, and so is one with the e-mail but another phone.
		return db.Where("(email = ? OR "+storedPhone+" IN ?) AND (email = ? OR COALESCE(email, '') = '') AND ("+storedPhone+" IN ? OR COALESCE(phone, '') = '')",
			email, phones, email, phones)
	case email != "":
		return db.Where("email = ?", email)
	case len(phones) > 0:
		return db.Where(storedPhone+" IN ?", phones)
	}
	return db.Where("1 = 0")
}

// phoneForms lists how a stored phone equal to p may read once storedPhone has
// cleaned it: the whole number, never a part of it, its E.164 digits first
// (repeats compare that one). Norwegian numbers are stored as typed, with or
// without +47 or 0047, so an eight-digit number (or one with either prefix)
// matches all three; a foreign number with + or 00 matches either way of
// writing that prefix. A trunk zero written "(0)" after the country code is
// left out, as storedPhone leaves it out: "+46 (0)70 …" is "+46 70 …". So is
// the zero of an area code written the old way in parentheses after the
// country code, "+49 (030) 1234567", which E.164 writes "+49 30 1234567";
// storedPhone keeps that zero (its index would have to be made again), so a
// foreign number matches the stored writing with the zero too. Where the
// zero is part of the number (trunkZeroKept) nothing is dropped, and a
// number without a country code is left as it is: which country's it is
// cannot be known.
func phoneForms(p string) []string {
	var b strings.Builder
	paren := -1 // where in the digits the last "(" was
	for _, r := range strings.ReplaceAll(strings.TrimSpace(p), "(0)", "") {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && b.Len() == 0:
			b.WriteString("00")
		case r == '(':
			paren = b.Len()
		}
	}
	d := b.String()
	trunk := "" // the number's digits with the dropped trunk zero, "0049030…"
	if strings.HasPrefix(d, "00") {
		cc := countryCode(d[2:])
		if at := 2 + len(cc); cc != "" && paren == at && len(d) > at+1 && d[at] == '0' && !trunkZeroKept[cc] {
			trunk, d = d, d[:at]+d[at+1:]
		}
	}
	if len(d) == 12 && strings.HasPrefix(d, "0047") {
		d = d[4:]
	}
	switch {
	case d == "":
		return nil
	case len(d) == 8:
		return []string{d, "+47" + d, "0047" + d}
	case trunk != "":
		return []string{d, "+" + d[2:], trunk, "+" + trunk[2:]}
	case strings.HasPrefix(d, "00"):
		cc := countryCode(d[2:])
		if at := 2 + len(cc); cc != "" && len(d) > at && d[at] != '0' && !trunkZeroKept[cc] {
			// Stored as "+49 (030) …", cleaned "+490 30…".
			withZero := d[:at] + "0" + d[at:]
			return []string{d, "+" + d[2:], withZero, "+" + withZero[2:]}
		}
		return []string{d, "+" + d[2:]}
	}
	return []string{d}
}

// countryCode is the calling code that begins the international digits d
// (after + or 00), "" if d is too short. The codes are prefix-free, so the
// first digits tell it: 1 and 7 are codes of one digit, twoDigitCodes of
// two, every other code has three.
func countryCode(d string) string {
	switch {
	case len(d) < 3:
		return ""
	case d[0] == '1' || d[0] == '7':
		return d[:1]
	case twoDigitCodes[d[:2]]:
		return d[:2]
	}
	return d[:3]
}

// twoDigitCodes are the ITU calling codes of two digits.
var twoDigitCodes = map[string]bool{
	"20": true, "27": true, "30": true, "31": true, "32": true, "33": true, "34": true, "36": true, "39": true,
	"40": true, "41": true, "43": true, "44": true, "45": true, "46": true, "47": true, "48": true, "49": true,
	"51": true, "52": true, "53": true, "54": true, "55": true, "56": true, "57": true, "58": true,
	"60": true, "61": true, "62": true, "63": true, "64": true, "65": true, "66": true,
	"81": true, "82": true, "84": true, "86": true, "90": true, "91": true, "92": true, "93": true, "94": true, "95": true, "98": true,
}

// trunkZeroKept are the countries where a leading zero after the calling code
// is part of the number, dialled from abroad too (Italy's "+39 06 …", San
// Marino, the Vatican, Côte d'Ivoire, Gabon, Congo), and Norway, which has no
// trunk zero: a "(0…" after these codes is left as written.
var trunkZeroKept = map[string]bool{"39": true, "378": true, "379": true, "225": true, "241": true, "242": true, "47": true}

// PersonExport is everything Samspill holds about one person, for an access
// request under GDPR article 15. It is read as the records are; the app puts
// it in the reader's words or in the API's JSON.
type PersonExport struct {
	ExportedAt     time.Time
	Query          PersonQuery
	Enquiries      []Enquiry         // with Municipality, Region and Assignee
	Consents       []Consent         // with Recorder
	Activities     []Activity        // with User
	StatusChanges  []StatusChange    // the enquiries' status histories, with User
	Referrals      []Referral        // with Partner and Adviser
	ReferralEvents []ReferralEvent   // the referrals' status histories, with User
	Comments       []ReferralComment // with User
	Audit          []HistoryEntry    // with the user's name, without the IP address
	Sections       []IndustrySection // SN2007, to name an enquiry's section in words
}

// ExportPerson gathers one person's data. Only admins may; the export itself is audited.
func (s *Store) ExportPerson(ctx context.Context, v *Viewer, a Actor, q PersonQuery) (*PersonExport, error) {
	if !v.IsAdmin() {
		return nil, ErrNotFound
	}
	fields := map[string]string{}
	if q.check(fields); len(fields) > 0 {
		return nil, &ValidationError{Fields: fields}
	}
	db := s.read(ctx)
	if err := q.tied(db, fields); err != nil {
		return nil, err
	}
	if len(fields) > 0 {
		return nil, &ValidationError{Fields: fields}
	}
	out := &PersonExport{ExportedAt: s.now(), Query: q}
	if err := db.Preload("Municipality").Preload("Region").Preload("Assignee").Scopes(q.scope).Order("id").Find(&out.Enquiries).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(out.Enquiries))
	strIDs := make([]string, 0, len(out.Enquiries))
	for _, e := range out.Enquiries {
		ids = append(ids, e.ID)
		strIDs = append(strIDs, fmt.Sprint(e.ID))
	}
	if len(ids) > 0 {
		if err := db.Preload("Partner").Preload("Adviser").Where("enquiry_id IN ?", ids).Order("id").Find(&out.Referrals).Error; err != nil { // whom the data went to
			return nil, fmt.Errorf("export person: %w", err)
		}
		// The histories and comments of the referrals read, by their ids: a
		// referral made meanwhile would bring a history without its referral.
		refIDs := []int64{0} // 0 is no referral's: IN needs one value
		for _, r := range out.Referrals {
			refIDs = append(refIDs, r.ID)
		}
		for _, step := range []error{
			db.Preload("Recorder").Where("enquiry_id IN ?", ids).Order("id").Find(&out.Consents).Error,
			db.Preload("User").Where("enquiry_id IN ?", ids).Order("occurred_on, id").Find(&out.Activities).Error,
			db.Preload("User").Where("enquiry_id IN ?", ids).Order("at, id").Find(&out.StatusChanges).Error,
			db.Preload("User").Where("referral_id IN ?", refIDs).Order("at, id").Find(&out.ReferralEvents).Error,
			db.Preload("User").Where("referral_id IN ?", refIDs).Order("at, id").Find(&out.Comments).Error,
			// The referrals' entries too: the partner's reading of the case above all.
			db.Table("audit_log").Select("audit_log.*, users.name AS user_name").Joins("LEFT JOIN users ON users.id = audit_log.user_id").
				Where("(audit_log.object = 'enquiry' AND audit_log.object_id IN ?) OR (audit_log.object = 'referral' AND audit_log.object_id IN (SELECT CAST(id AS TEXT) FROM referrals WHERE enquiry_id IN ?))", strIDs, ids).
				Order("audit_log.seq").Scan(&out.Audit).Error,
			db.Order("code").Find(&out.Sections).Error,
		} {
			if step != nil {
				return nil, fmt.Errorf("export person: %w", step)
			}
		}
		for i := range out.Audit {
			out.Audit[i].IP = "" // the staff's, not the person's: the export is handed to the person
		}
	}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		// Each enquiry's own entry too, so that its audit shows who read it.
		for _, id := range strIDs {
			if err := s.audit(tx, a, "view", "enquiry", id, "access request export"); err != nil {
				return err
			}
		}
		return s.audit(tx, a, "view", "person", "", fmt.Sprintf("access request export, enquiries=%d", len(ids)))
	})
	return out, err
}

// ErasePerson anonymises every enquiry of one person on request (GDPR article
// 17), with the reason recorded in the audit log. Only admins may.
func (s *Store) ErasePerson(ctx context.Context, v *Viewer, a Actor, q PersonQuery, reason string) (int, error) {
	if !v.IsAdmin() {
		return 0, ErrNotFound
	}
	fields := map[string]string{}
	q.check(fields)
	checkText(fields, "reason", reason, 500, true)
	if len(fields) == 0 {
		if err := q.tied(s.read(ctx), fields); err != nil {
			return 0, err
		}
	}
	if len(fields) > 0 {
		return 0, &ValidationError{Fields: fields}
	}
	var people []Enquiry
	if err := s.read(ctx).Select("id", "name", "email", "phone").Scopes(q.scope).Where("anonymised_at IS NULL").Order("id").Find(&people).Error; err != nil {
		return 0, err
	}
	ids := make([]int64, len(people))
	for i, e := range people {
		ids[i] = e.ID
	}
	if reasonNames(reason, q, people) {
		// The reason stays in the audit log after the erasure, where
		// nothing erases it.
		fields["reason"] = "error.reason_names_person"
	}
	if len(ids) == 0 {
		// Said as an error beside what was typed, not as "removed from 0":
		// a mistyped address or number must not pass for a request carried out.
		for field, typed := range map[string]string{"email": q.Email, "phone": q.Phone} {
			if strings.TrimSpace(typed) != "" {
				fields[field] = "error.person_not_found"
			}
		}
	}
	if len(fields) > 0 {
		return 0, &ValidationError{Fields: fields}
	}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		for _, id := range ids {
			if _, err := s.anonymise(tx, id); err != nil {
				return err
			}
			if err := s.audit(tx, a, "erase", "enquiry", fmt.Sprint(id), "reason: "+strings.TrimSpace(reason)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(ids), s.forgetErased(ctx)
}

// reasonNames tells whether an erasure's reason names the person being
// erased: the full name of one of their enquiries (two words or more, as
// whole words; a single word such as "Per" is an ordinary word too), an
// e-mail address, or a phone number (its last eight digits, written with or
// without spaces, hyphens or parentheses) of the query or of one of the
// enquiries. What it cannot tell (a first name alone, an address) the form's
// hint asks the admin not to write.
func reasonNames(reason string, q PersonQuery, people []Enquiry) bool {
	text := strings.ToLower(strings.Join(strings.Fields(reason), " "))
	emails, phones := []string{q.Email}, []string{q.Phone}
	for _, e := range people {
		emails, phones = append(emails, e.Email), append(phones, e.Phone)
		if name := strings.ToLower(strings.Join(strings.Fields(e.Name), " ")); strings.Contains(name, " ") && containsWords(text, name) {
			return true
		}
	}
	for _, email := range emails {
		if email = strings.ToLower(strings.TrimSpace(email)); email != "" && strings.Contains(text, email) {
			return true
		}
	}
	numbers := numbersIn(reason)
	for _, phone := range phones {
		d := strings.Map(keepDigit, phone)
		if len(d) < minPhoneDigits {
			continue
		}
		d = d[len(d)-minPhoneDigits:]
		for _, n := range numbers {
			if strings.Contains(n, d) {
				return true
			}
		}
	}
	return false
}

// containsWords tells whether text holds words as whole words: not as part
// of a longer one.
func containsWords(text, words string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], words)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(words)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if (start == 0 || !unicode.IsLetter(before) && !unicode.IsDigit(before)) && (end == len(text) || !unicode.IsLetter(after) && !unicode.IsDigit(after)) {
			return true
		}
		i = start + 1
	}
}

// numbersIn lists the digits of each number in text as a phone number is
// written: digits with spaces, hyphens, parentheses or a leading + between
// them ("+47 912 34 567"), not dots ("27.11.2026" is three numbers).
func numbersIn(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range text {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune(" -()+", r):
		default:
			flush()
		}
	}
	flush()
	return out
}

// ErrForgetPending is forgetErased's failure: the enquiries are anonymised,
// but what they held may still be readable in SQLite's files until the
// janitor's next round (ForgetErased) tries again.
var ErrForgetPending = errors.New("the anonymised data may still be readable in the database's files")

// forgetCounter is the counter that says, in the database itself, that what
// an anonymisation removed may still be readable in SQLite's files: each
// anonymisation raises it in its own transaction, and forgetErased removes it
// once it has cleaned the files of every anonymisation up to the value it
// read. In the database, not in the process: a clean-up that `samspill
// retention --apply` or a restore could not finish (a long read held it up)
// is the running server's janitor's to finish, or the next start's, and so is
// one a crash cut off.
const forgetCounter = "forget_erased"

// forgetErased makes what an anonymisation removed unreadable in SQLite's
// files too, not only in its rows. The writer's secure_delete has zeroed what
// was deleted or overwritten in the pages (openSQLite); what remains is
//
//   - the search index (FTS4), which marks a deleted document's words as
//     deleted in a new segment and keeps them in its older segments until
//     these are merged, in the file and in every backup: "optimize" merges
//     each region's segments into one, leaving the deleted words out (FTS4
//     has no secure-delete of its own, FTS5's is not built into the driver);
//   - the write-ahead log, which keeps the pages' old images until it is
//     written over: a TRUNCATE checkpoint copies its pages into the file and
//     empties it.
//
// Both wait for the writes under way, and the checkpoint for the readers of
// older pages (the busy timeout). The merge rewrites the whole index (about
// a second per 100 000 enquiries); erasures are rare and retention runs
// daily. It runs even if ctx ends: the anonymisation has been committed. On
// PostgreSQL there is nothing to do here (README: VACUUM).
func (s *Store) forgetErased(ctx context.Context) error {
	if s.dialect != SQLite {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	var due int64 // the anonymisations the merge covers: those committed before it
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT value FROM counters WHERE name = ?`, forgetCounter).Scan(&due).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO enquiry_search (enquiry_search) VALUES ('optimize')`).Error
	})
	if err == nil {
		err = s.truncateLog(ctx)
	}
	if err == nil && due > 0 {
		// An anonymisation since has raised the counter: it stays due.
		err = s.inTx(ctx, func(tx *gorm.DB) error {
			return tx.Exec(`DELETE FROM counters WHERE name = ? AND value = ?`, forgetCounter, due).Error
		})
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrForgetPending, err)
	}
	return nil
}

// ForgetErased finishes a forgetErased that failed or was cut off, in this
// process or another (the janitor calls it each round); it does nothing if
// none is due.
func (s *Store) ForgetErased(ctx context.Context) error {
	due, err := s.forgetDue(ctx)
	if err != nil || !due {
		return err
	}
	return s.forgetErased(ctx)
}

// forgetDue tells whether what an anonymisation removed may still be readable
// in SQLite's files (forgetCounter).
func (s *Store) forgetDue(ctx context.Context) (bool, error) {
	if s.dialect != SQLite {
		return false, nil
	}
	var n int64
	err := s.read(ctx).Raw(`SELECT COUNT(*) FROM counters WHERE name = ?`, forgetCounter).Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("is an erasure's clean-up due: %w", err)
	}
	return n > 0, nil
}

// truncateLog checkpoints SQLite's write-ahead log into the database file and
// truncates it to nothing, on the writer connection between two transactions.
func (s *Store) truncateLog(ctx context.Context) error {
	var busy, frames, copied int
	if err := s.db.WithContext(ctx).Raw("PRAGMA wal_checkpoint(TRUNCATE)").Row().Scan(&busy, &frames, &copied); err != nil {
		return fmt.Errorf("checkpoint the log: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint the log: readers held it (%d of %d pages copied)", copied, frames)
	}
	return nil
}
