package app

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"samspill/models"
)

// referralOut is a referral as the API shows it. The enquiry part holds only
// what the caller may see (models minimises it): person data is empty unless
// the caller may see it.
type referralOut struct {
	ID                int64           `json:"id"`
	EnquiryID         int64           `json:"enquiry_id"`
	Reference         string          `json:"reference"`
	PartnerID         int64           `json:"partner_id"`
	AdviserID         *int64          `json:"adviser_id"`
	Reason            string          `json:"reason"`
	Message           string          `json:"message"`
	SharePersonalData bool            `json:"share_personal_data"`
	Status            string          `json:"status"`
	FollowUpDue       string          `json:"follow_up_due"`
	Overdue           bool            `json:"overdue"`
	SentAt            *time.Time      `json:"sent_at"`
	AcknowledgedAt    *time.Time      `json:"acknowledged_at"`
	ClosedAt          *time.Time      `json:"closed_at"`
	Outcome           string          `json:"outcome"`
	OutcomeReason     string          `json:"outcome_reason"`
	Instrument        string          `json:"instrument"`
	AmountNOK         int64           `json:"amount_nok"`
	Version           int             `json:"version"`
	Enquiry           referralEnquiry `json:"enquiry"`
}

// referralEnquiry is the summary of the enquiry behind a referral.
type referralEnquiry struct {
	Municipality string   `json:"municipality"`
	EnquirerKind string   `json:"enquirer_kind"`
	Needs        []string `json:"needs"`
	Stage        string   `json:"stage"`
	Name         string   `json:"name,omitempty"`
	Email        string   `json:"email,omitempty"`
	Phone        string   `json:"phone,omitempty"`
	OrgNumber    string   `json:"org_number,omitempty"`
	BusinessName string   `json:"business_name,omitempty"`
	Description  string   `json:"description,omitempty"`
}

func referralJSONOut(r *models.Referral, now time.Time) referralOut {
	out := referralOut{ID: r.ID, EnquiryID: r.EnquiryID, PartnerID: r.PartnerID, AdviserID: r.AdviserID, Reason: r.Reason, Message: r.Message,
		SharePersonalData: r.SharePersonalData, Status: r.Status, FollowUpDue: r.FollowUpDue.In(models.Oslo).Format("2006-01-02"), Overdue: r.Overdue(now),
		SentAt: r.SentAt, AcknowledgedAt: r.AcknowledgedAt, ClosedAt: r.ClosedAt, Outcome: r.Outcome, OutcomeReason: r.OutcomeReason,
		Instrument: r.Instrument, AmountNOK: r.AmountNOK, Version: r.Version}
	if e := r.Enquiry; e != nil {
		out.Reference = e.Reference
		out.Enquiry = referralEnquiry{Municipality: e.Kommunenummer, EnquirerKind: e.EnquirerKind, Needs: e.NeedList(), Stage: e.Stage,
			Name: e.Name, Email: e.Email, Phone: e.Phone, OrgNumber: e.OrgNumber, BusinessName: e.BusinessName, Description: e.Description}
	}
	return out
}

func (s *Server) apiListReferrals(c echo.Context) error {
	q := newListQuery(c)
	f := parseReferralFilter(c, q)
	if err := q.refuseUnknown().err(); err != nil {
		return err
	}
	list, total, err := s.store.Referrals(c.Request().Context(), viewer(c), f)
	if err != nil {
		return err
	}
	return s.referralListJSON(c, list, total, f.Page, "referral", "list", "api")
}

// apiListEnquiryReferrals lists the referrals of one enquiry, with the
// filters of the referral list; 404 for an enquiry out of the viewer's scope.
func (s *Server) apiListEnquiryReferrals(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	q := newListQuery(c)
	f := parseReferralFilter(c, q)
	if err := q.refuseUnknown().err(); err != nil {
		return err
	}
	list, total, err := s.store.ReferralsOfEnquiry(c.Request().Context(), viewer(c), id, f)
	if err != nil {
		return err
	}
	return s.referralListJSON(c, list, total, f.Page, "enquiry", strconv.FormatInt(id, 10), "api referrals")
}

// referralListJSON answers a list of referrals, auditing the read of the
// person data it holds as a view of the record (object, id).
func (s *Server) referralListJSON(c echo.Context, list []models.Referral, total int64, pg models.Page, object, id, detail string) error {
	now := s.store.Now()
	v := viewer(c)
	out := make([]referralOut, 0, len(list))
	shown := 0 // rows whose person data the answer holds
	for i := range list {
		out = append(out, referralJSONOut(&list[i], now))
		if v.SeesPersonData(&list[i]) {
			shown++
		}
	}
	// Reads of person data are audited, as for one referral: a list that shows
	// none (the board's, a partner's without consent) is not.
	if shown > 0 {
		if err := s.store.RecordView(c.Request().Context(), actor(c), object, id, detail+" rows="+strconv.Itoa(shown)); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, newList(out, total, pg))
}

func (s *Server) apiShowReferral(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.store.Referral(c.Request().Context(), viewer(c), id)
	if err != nil {
		return err
	}
	if viewer(c).SeesPersonData(r) {
		if err := s.store.RecordView(c.Request().Context(), actor(c), "referral", strconv.FormatInt(id, 10), "api"); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, referralJSONOut(r, s.store.Now()))
}

// referralText is what the adviser writes in a referral: sent with a new
// one, and changed in a draft.
type referralText struct {
	ContactName       *string `json:"contact_name"`
	ContactEmail      *string `json:"contact_email"`
	Reason            *string `json:"reason"`
	Message           *string `json:"message"`
	SharePersonalData *bool   `json:"share_personal_data"`
}

// referralJSON is a referral as the API takes it. enquiry_id, which the
// contract lists among a referral's fields, may come too: the path's enquiry,
// or refused.
type referralJSON struct {
	EnquiryID *int64 `json:"enquiry_id"`
	PartnerID *int64 `json:"partner_id"`
	referralText
	FollowUpDue *string `json:"follow_up_due"`
	Status      *string `json:"status"`
}

func (s *Server) apiCreateReferral(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var j referralJSON
	if err := decodeJSON(c, &j); err != nil {
		return err
	}
	in := models.ReferralInput{Send: true}
	set(&in.PartnerID, j.PartnerID)
	set(&in.ContactName, j.ContactName)
	set(&in.ContactEmail, j.ContactEmail)
	set(&in.Reason, j.Reason)
	set(&in.Message, j.Message)
	set(&in.SharePersonalData, j.SharePersonalData)
	// What the request cannot take is refused beside the model's problems,
	// every one in one answer, after a closed case is.
	unread := map[string]string{}
	if j.EnquiryID != nil && *j.EnquiryID != id {
		unread["enquiry_id"] = "error.enquiry_id_mismatch"
	}
	if j.Status != nil {
		switch *j.Status {
		case "draft":
			in.Send = false
		case "sent":
		default:
			unread["status"] = "error.choice"
		}
	}
	if j.FollowUpDue != nil {
		if d, problem := readDate(*j.FollowUpDue); problem == "" {
			in.FollowUpDue = &d
		} else {
			unread["follow_up_due"] = problem
		}
	}
	if len(unread) > 0 {
		in.Unread = unread
	}
	r, err := s.store.CreateReferral(c.Request().Context(), viewer(c), actor(c), id, in)
	if err != nil {
		return err
	}
	if r, err = s.store.Referral(c.Request().Context(), viewer(c), r.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, referralJSONOut(r, s.store.Now()))
}

// referralPatch moves a referral on: a new status, an outcome that closes it,
// a new follow-up date, or (a draft only) a new text; one of them at a time.
// enquiry_id and partner_id, which the contract lists among a referral's
// fields, may come too, as a client read them: they say which referral it
// is, and a referral moves to no other case or partner, so another value is
// refused and the same one changes nothing.
type referralPatch struct {
	EnquiryID *int64 `json:"enquiry_id"`
	PartnerID *int64 `json:"partner_id"`
	referralText
	FollowUpDue   *string `json:"follow_up_due"`
	Status        *string `json:"status"`
	Outcome       *string `json:"outcome"`
	OutcomeReason *string `json:"outcome_reason"`
	Instrument    *string `json:"instrument"`
	AmountNOK     *int64  `json:"amount_nok"`
	Version       *int    `json:"version"`
}

func (s *Server) apiUpdateReferral(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := viewer(c)
	r, err := s.store.Referral(ctx, v, id)
	if err != nil {
		return err
	}
	var j referralPatch
	fields, err := decodePatch(c, &j)
	if err != nil {
		return err
	}
	addProblems(fields, versionRequired(j.Version))
	if j.EnquiryID != nil && *j.EnquiryID != r.EnquiryID {
		fields["enquiry_id"] = "error.referral_enquiry_fixed"
	}
	if j.PartnerID != nil && *j.PartnerID != r.PartnerID {
		fields["partner_id"] = "error.referral_partner_fixed"
	}
	if j.Status != nil && j.Outcome != nil {
		// The outcome sets the status it closes in: a status beside it would
		// be one of the two ignored.
		addProblems(fields, map[string]string{"status": "error.status_with_outcome", "outcome": "error.status_with_outcome"})
	}
	var due time.Time
	if j.FollowUpDue != nil {
		var problem string
		if due, problem = readDate(*j.FollowUpDue); problem != "" {
			addProblems(fields, map[string]string{"follow_up_due": problem})
		}
		if j.Status != nil || j.Outcome != nil {
			addProblems(fields, map[string]string{"follow_up_due": "error.follow_up_alone"})
		}
	}
	draftText := j.ContactName != nil || j.ContactEmail != nil || j.Reason != nil || j.Message != nil || j.SharePersonalData != nil
	if draftText && (j.Status != nil || j.Outcome != nil || j.FollowUpDue != nil) {
		// Sending a draft with a new text in one request would half succeed
		// when the text is refused; the two are saved one after the other.
		addProblems(fields, map[string]string{"status": "error.draft_text_alone"})
	}
	// A PATCH names what it changes: the rest of the draft stays as it is.
	draft := models.DraftInput{ContactName: r.ContactName, ContactEmail: r.ContactEmail, Reason: r.Reason, Message: r.Message,
		SharePersonalData: r.SharePersonalData}
	set(&draft.ContactName, j.ContactName)
	set(&draft.ContactEmail, j.ContactEmail)
	set(&draft.Reason, j.Reason)
	set(&draft.Message, j.Message)
	set(&draft.SharePersonalData, j.SharePersonalData)
	set(&draft.Version, j.Version)
	var o models.ReferralOutcome
	set(&o.Outcome, j.Outcome)
	set(&o.Reason, j.OutcomeReason)
	set(&o.Instrument, j.Instrument)
	set(&o.AmountNOK, j.AmountNOK)
	set(&o.Version, j.Version)
	if len(fields) > 0 && fields["status"] == "" && fields["follow_up_due"] == "" {
		// Refused already, and for one change asked: its other errors in
		// the same answer.
		switch {
		case draftText: // a referral sent already is said alone
			problems, err := models.DraftProblems(v, r, draft)
			if err != nil {
				return err
			}
			addProblems(fields, problems)
		case j.Outcome != nil: // a referral closed already is said alone
			problems, err := models.OutcomeProblems(v, r, o)
			if err != nil {
				return err
			}
			addProblems(fields, problems)
		case j.Status != nil:
			addProblems(fields, models.ReferralChangeProblems(nil, nil, *j.Status))
		}
	}
	if err := invalidFields(fields); err != nil {
		return err
	}
	switch {
	case draftText:
		err = s.store.UpdateDraftReferral(ctx, v, actor(c), id, draft)
	case j.FollowUpDue != nil:
		err = s.store.SetReferralFollowUp(ctx, v, actor(c), id, due, *j.Version)
	case j.Outcome != nil:
		err = s.store.CloseReferral(ctx, v, actor(c), id, o)
	case j.Status != nil:
		err = s.store.SetReferralStatus(ctx, v, actor(c), id, *j.Status, *j.Version)
	default:
		err = invalidFields(map[string]string{"status": "error.required"})
	}
	if err != nil {
		return err
	}
	if r, err = s.store.Referral(ctx, v, id); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, referralJSONOut(r, s.store.Now()))
}

// apiDiscardReferral deletes a draft that was never sent. The version it read
// comes as ?version=, as a DELETE carries no body that every client sends.
func (s *Server) apiDiscardReferral(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(c.QueryParam("version"))
	if err != nil {
		return invalidFields(map[string]string{"version": "error.version_required"})
	}
	if _, err := s.store.DiscardReferral(c.Request().Context(), viewer(c), actor(c), id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
