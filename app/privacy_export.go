package app

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"samspill/models"
	"samspill/views"
)

// personCase is one enquiry of an access export with what belongs to it: the
// export's lists, which models reads flat, sorted under the enquiry they are
// about, for the document and the JSON alike.
type personCase struct {
	Enquiry    *models.Enquiry
	Consents   []models.Consent
	Activities []models.Activity
	Status     []models.StatusChange
	Referrals  []personReferral
	Audit      []models.HistoryEntry
}

// personReferral is one referral of a case with its status history and the
// board's comments.
type personReferral struct {
	Referral *models.Referral
	Events   []models.ReferralEvent
	Comments []models.ReferralComment
}

// personCases sorts an export's records under their enquiries, in the order read.
func personCases(exp *models.PersonExport) []personCase {
	cases := make([]personCase, len(exp.Enquiries))
	byEnquiry := map[int64]*personCase{}
	for i := range exp.Enquiries {
		cases[i].Enquiry = &exp.Enquiries[i]
		byEnquiry[exp.Enquiries[i].ID] = &cases[i]
	}
	for _, c := range exp.Consents {
		byEnquiry[c.EnquiryID].Consents = append(byEnquiry[c.EnquiryID].Consents, c)
	}
	for _, a := range exp.Activities {
		byEnquiry[a.EnquiryID].Activities = append(byEnquiry[a.EnquiryID].Activities, a)
	}
	for _, sc := range exp.StatusChanges {
		byEnquiry[sc.EnquiryID].Status = append(byEnquiry[sc.EnquiryID].Status, sc)
	}
	type place struct {
		c *personCase
		i int
	} // a referral's case, and its index there
	byReferral := map[int64]place{}
	for i := range exp.Referrals {
		r := &exp.Referrals[i]
		c := byEnquiry[r.EnquiryID]
		c.Referrals = append(c.Referrals, personReferral{Referral: r})
		byReferral[r.ID] = place{c, len(c.Referrals) - 1}
	}
	for _, ev := range exp.ReferralEvents {
		p := byReferral[ev.ReferralID]
		p.c.Referrals[p.i].Events = append(p.c.Referrals[p.i].Events, ev)
	}
	for _, cm := range exp.Comments {
		p := byReferral[cm.ReferralID]
		p.c.Referrals[p.i].Comments = append(p.c.Referrals[p.i].Comments, cm)
	}
	for _, e := range exp.Audit {
		id, err := strconv.ParseInt(e.ObjectID, 10, 64)
		if err != nil {
			continue // models reads only entries of these enquiries and referrals, by number
		}
		switch e.Object {
		case "enquiry":
			if c := byEnquiry[id]; c != nil {
				c.Audit = append(c.Audit, e)
			}
		case "referral":
			if p, ok := byReferral[id]; ok {
				p.c.Audit = append(p.c.Audit, e)
			}
		}
	}
	return cases
}

// accessDocument is the access export as a document written to the person.
type accessDocument struct {
	page
	ExportedAt time.Time
	Contact    string // the e-mail address or phone number (or both) the person was found by
	Cases      []accessCase
	Regions    []*models.Region // the regions that hold the person's enquiries, in the cases' order, each once
}

// accessCase is one enquiry of the document, with the person's answers and
// the log in words.
type accessCase struct {
	personCase
	Given []givenField
	Log   []logLine
}

// givenField is one question of the enquiry form and the person's answer, in words.
type givenField struct{ Label, Value string }

// logLine is one entry of the audit log in words: who (a name, never an
// address), did what, to the enquiry or to which referral.
type logLine struct {
	At               time.Time
	Who, What, Which string
}

// newAccessDocument puts an export in the reader's words.
func newAccessDocument(p page, exp *models.PersonExport) accessDocument {
	var contact []string
	for _, s := range []string{exp.Query.Email, exp.Query.Phone} {
		if s = strings.TrimSpace(s); s != "" {
			contact = append(contact, s)
		}
	}
	d := accessDocument{page: p, ExportedAt: exp.ExportedAt, Contact: strings.Join(contact, ", "), Regions: regionsHolding(exp)}
	for _, c := range personCases(exp) {
		d.Cases = append(d.Cases, accessCase{personCase: c, Given: givenFields(p.loc, c.Enquiry, exp.Sections), Log: logLines(p, c)})
	}
	return d
}

// documentLanguage is the language of the access document for the person of
// exp: the one their newest enquiry was written in (the one door's, or what
// the adviser registered), where the signed-in interface speaks it. Nynorsk
// is read in Bokmål, as the one door falls back; the one door's other
// languages (Polish, Ukrainian, Arabic, Lithuanian) in English, as the one
// door falls back for them too: the document's words (the form's questions,
// the log) exist in Bokmål and English only. None recorded: Bokmål.
func documentLanguage(exp *models.PersonExport) string {
	for i := len(exp.Enquiries) - 1; i >= 0; i-- {
		switch lang := exp.Enquiries[i].Language; {
		case lang == "":
			continue
		case slices.Contains(views.Languages, lang):
			return lang
		case lang == "nn":
			return "nb"
		case slices.Contains(views.PublicLanguages, lang):
			return "en"
		}
	}
	return "nb"
}

// regionsHolding lists the regions that hold the person's enquiries, in the
// cases' order, each once: whom the person contacts.
func regionsHolding(exp *models.PersonExport) []*models.Region {
	var out []*models.Region
	seen := map[int64]bool{}
	for _, c := range personCases(exp) {
		if r := c.Enquiry.Region; r != nil && !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	return out
}

// givenFields are the enquiry form's questions the person answered, labelled
// and worded as the form words them, in the form's order. The enquiry form is
// built from the enquiry and each field's answer read off it, so that the
// document can never name a field or a choice otherwise than the form does.
func givenFields(loc *views.Localizer, e *models.Enquiry, sections []models.IndustrySection) []givenField {
	f := newEnquiryFields(loc, formOf(e), nil, []models.Municipality{e.Municipality}, sections, false)
	var out []givenField
	for _, x := range []views.Field{f.EnquirerKind, f.Needs, f.Description, f.Name, f.Email, f.Phone, f.Language, f.OrgNumber,
		f.BusinessName, f.Stage, f.Founder, f.Under30, f.Immigrant, f.Employees, f.Market, f.Ownership, f.GoodsServices,
		f.RawMaterial, f.Agriculture, f.Section} {
		if x.Name == "language" && e.Language == "" {
			continue // the form shows the reader's language for none given
		}
		if v := answer(x); v != "" {
			out = append(out, givenField{Label: x.SummaryLabel(), Value: v})
		}
	}
	return out
}

// answer is what a field holds in words: its text, or the labels of the
// choices made (not "choose" or "not stated", which are no answer).
func answer(f views.Field) string {
	if f.Kind == "" || f.Kind == "textarea" {
		return strings.TrimSpace(f.Value)
	}
	var chosen []string
	for _, o := range f.Options {
		if o.Selected && o.Value != "" {
			chosen = append(chosen, o.Label)
		}
	}
	return strings.Join(chosen, ", ")
}

// logLines puts a case's audit entries in words. An entry without a user is
// the one door's (the enquiry sent), the partner's by a one-time link, or
// Samspill's own.
func logLines(p page, c personCase) []logLine {
	partners := map[string]string{}
	for _, r := range c.Referrals {
		if r.Referral.Partner != nil {
			partners[strconv.FormatInt(r.Referral.ID, 10)] = r.Referral.Partner.Name
		}
	}
	out := make([]logLine, len(c.Audit))
	for i, e := range c.Audit {
		l := logLine{At: e.At, Who: e.UserName, What: auditLabel(p.loc, "action", e.Action),
			Which: p.T("privacy.doc_enquiry", "Reference", c.Enquiry.Reference)}
		if e.Object == "referral" {
			l.Which = p.T("referral.heading", "Partner", partners[e.ObjectID])
		}
		switch {
		case l.Who != "":
		case e.Object == "enquiry" && e.Action == "create":
			l.Who = p.T("enquiry.public")
		case e.Action == "acknowledge_by_link":
			l.Who = partners[e.ObjectID] + " (" + p.T("referral.via_link") + ")"
		default:
			l.Who = p.T("enquiry.system")
		}
		out[i] = l
	}
	return out
}

// personJSON is the access export for another service to read (GDPR article
// 20, portability): the API's snake_case fields and codes, the municipality by
// kommunenummer and name, each enquiry with what belongs to it.
type personJSON struct {
	ExportedAt time.Time `json:"exported_at"`
	Query      struct {
		Email string `json:"email,omitempty"`
		Phone string `json:"phone,omitempty"`
	} `json:"query"`
	Enquiries []personEnquiryJSON `json:"enquiries"`
	Regions   []regionContactJSON `json:"regions"` // whom to contact: each region holding an enquiry
}

// regionContactJSON is a region that holds the person's enquiries, with the
// contact details it publishes.
type regionContactJSON struct {
	Name         string `json:"name"`
	ContactEmail string `json:"contact_email"`
	ContactPhone string `json:"contact_phone"`
}

// personEnquiryJSON is an enquiry as the API shows it, with the rest of the
// person's answers and its history.
type personEnquiryJSON struct {
	enquiryOut
	// Municipality takes the place of enquiryOut's (the kommunenummer
	// alone): encoding/json uses the shallower of two fields of one name.
	Municipality     municipalityRef      `json:"municipality"`
	Region           string               `json:"region,omitempty"`
	Adviser          string               `json:"adviser,omitempty"`
	Employees        string               `json:"employees"`
	Market           string               `json:"market"`
	Ownership        string               `json:"ownership"`
	GoodsServices    string               `json:"goods_services"`
	RawMaterial      *bool                `json:"raw_material"`
	Agriculture      *bool                `json:"agriculture"`
	IndustrySection  *string              `json:"industry_section"`
	OutcomeOrgNumber string               `json:"outcome_org_number"`
	Consents         []consentJSON        `json:"consents"`
	Activities       []personActivityJSON `json:"activities"`
	StatusHistory    []statusJSON         `json:"status_history"`
	Referrals        []personReferralJSON `json:"referrals"`
	Log              []logJSON            `json:"log"`
}

type municipalityRef struct {
	Kommunenummer string `json:"kommunenummer"`
	Name          string `json:"name"`
}

// consentJSON is one consent, or the withdrawal of one (withdrawal true,
// granted false, with the text withdrawn), and who recorded it for the person
// (none: the person through the one door).
type consentJSON struct {
	Purpose    string    `json:"purpose"` // store or share
	Granted    bool      `json:"granted"`
	Withdrawal bool      `json:"withdrawal"`
	Text       string    `json:"text"`
	Version    string    `json:"version"`
	Language   string    `json:"language"`
	At         time.Time `json:"at"`
	RecordedBy string    `json:"recorded_by,omitempty"`
}

type personActivityJSON struct {
	activityOut
	By string `json:"by,omitempty"`
}

// statusJSON is one step of a status history; Via is a referral's (user,
// link or system).
type statusJSON struct {
	FromStatus string    `json:"from_status"`
	ToStatus   string    `json:"to_status"`
	At         time.Time `json:"at"`
	By         string    `json:"by,omitempty"`
	Via        string    `json:"via,omitempty"`
}

type personReferralJSON struct {
	ID                int64         `json:"id"`
	Partner           partnerRef    `json:"partner"`
	Adviser           string        `json:"adviser,omitempty"`
	Reason            string        `json:"reason"`
	Message           string        `json:"message"`
	SharePersonalData bool          `json:"share_personal_data"`
	Status            string        `json:"status"`
	FollowUpDue       string        `json:"follow_up_due"`
	SentAt            *time.Time    `json:"sent_at"`
	AcknowledgedAt    *time.Time    `json:"acknowledged_at"`
	ClosedAt          *time.Time    `json:"closed_at"`
	Outcome           string        `json:"outcome"`
	OutcomeReason     string        `json:"outcome_reason"`
	Instrument        string        `json:"instrument"`
	AmountNOK         int64         `json:"amount_nok"`
	StatusHistory     []statusJSON  `json:"status_history"`
	Comments          []commentJSON `json:"comments"`
}

type partnerRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type commentJSON struct {
	At   time.Time `json:"at"`
	By   string    `json:"by,omitempty"`
	Text string    `json:"text"`
}

// logJSON is one audit entry: who (by name) did what to which record.
type logJSON struct {
	At       time.Time `json:"at"`
	By       string    `json:"by,omitempty"`
	Action   string    `json:"action"`
	Object   string    `json:"object"` // enquiry or referral
	ObjectID string    `json:"object_id"`
}

func nameOf(u *models.User) string {
	if u == nil {
		return ""
	}
	return u.Name
}

// newPersonJSON puts an export in the API's terms.
func newPersonJSON(exp *models.PersonExport, now time.Time) personJSON {
	out := personJSON{ExportedAt: exp.ExportedAt, Enquiries: []personEnquiryJSON{}, Regions: []regionContactJSON{}}
	for _, r := range regionsHolding(exp) {
		out.Regions = append(out.Regions, regionContactJSON{Name: r.Name, ContactEmail: r.ContactEmail, ContactPhone: r.ContactPhone})
	}
	out.Query.Email, out.Query.Phone = strings.TrimSpace(exp.Query.Email), strings.TrimSpace(exp.Query.Phone)
	for _, c := range personCases(exp) {
		e := c.Enquiry
		j := personEnquiryJSON{enquiryOut: enquiryJSONOut(e, now), Municipality: municipalityRef{e.Kommunenummer, e.Municipality.Name},
			Adviser: nameOf(e.Assignee), Employees: e.Employees, Market: e.Market, Ownership: e.Ownership, GoodsServices: e.GoodsServices,
			RawMaterial: e.RawMaterial, Agriculture: e.Agriculture, IndustrySection: e.IndustrySection, OutcomeOrgNumber: e.OutcomeOrgNumber,
			Consents: []consentJSON{}, Activities: []personActivityJSON{}, StatusHistory: []statusJSON{}, Referrals: []personReferralJSON{}, Log: []logJSON{}}
		if e.Region != nil {
			j.Region = e.Region.Name
		}
		for _, x := range c.Consents {
			j.Consents = append(j.Consents, consentJSON{Purpose: x.Purpose, Granted: x.Granted, Withdrawal: x.Withdrawal(), Text: x.Text,
				Version: x.Version, Language: x.Language, At: x.At, RecordedBy: nameOf(x.Recorder)})
		}
		for _, a := range c.Activities {
			j.Activities = append(j.Activities, personActivityJSON{activityOut: activityJSONOut(a), By: nameOf(a.User)})
		}
		for _, sc := range c.Status {
			j.StatusHistory = append(j.StatusHistory, statusJSON{FromStatus: sc.FromStatus, ToStatus: sc.ToStatus, At: sc.At, By: nameOf(sc.User)})
		}
		for _, pr := range c.Referrals {
			r := pr.Referral
			rj := personReferralJSON{ID: r.ID, Partner: partnerRef{ID: r.PartnerID}, Adviser: nameOf(r.Adviser), Reason: r.Reason, Message: r.Message,
				SharePersonalData: r.SharePersonalData, Status: r.Status, FollowUpDue: r.FollowUpDue.In(models.Oslo).Format("2006-01-02"),
				SentAt: r.SentAt, AcknowledgedAt: r.AcknowledgedAt, ClosedAt: r.ClosedAt, Outcome: r.Outcome, OutcomeReason: r.OutcomeReason,
				Instrument: r.Instrument, AmountNOK: r.AmountNOK, StatusHistory: []statusJSON{}, Comments: []commentJSON{}}
			if r.Partner != nil {
				rj.Partner.Name = r.Partner.Name
			}
			for _, ev := range pr.Events {
				rj.StatusHistory = append(rj.StatusHistory, statusJSON{FromStatus: ev.FromStatus, ToStatus: ev.ToStatus, At: ev.At, By: nameOf(ev.User), Via: ev.Via})
			}
			for _, cm := range pr.Comments {
				rj.Comments = append(rj.Comments, commentJSON{At: cm.At, By: nameOf(cm.User), Text: cm.Text})
			}
			j.Referrals = append(j.Referrals, rj)
		}
		for _, a := range c.Audit {
			j.Log = append(j.Log, logJSON{At: a.At, By: a.UserName, Action: a.Action, Object: a.Object, ObjectID: a.ObjectID})
		}
		out.Enquiries = append(out.Enquiries, j)
	}
	return out
}
