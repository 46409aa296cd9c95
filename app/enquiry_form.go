package app

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/views"
)

// enquiryForm is the enquiry form as typed, kept for re-rendering on errors.
// Yes/no questions are "yes", "no" or "" (not answered).
type enquiryForm struct {
	Municipality, EnquirerKind, Description, Name, Email, Phone, Language          string
	OrgNumber, BusinessName, Stage, Founder, Under30, Immigrant                    string
	Employees, Market, Ownership, GoodsServices, RawMaterial, Agriculture, Section string
	Channel, Version                                                               string
	Needs                                                                          []string
	ConsentStore, ConsentShare                                                     bool
	Honeypot                                                                       string
}

func parseEnquiryForm(c echo.Context) enquiryForm {
	params, _ := c.FormParams()
	v := func(k string) string { return strings.TrimSpace(params.Get(k)) }
	return enquiryForm{
		Municipality: v("municipality"), EnquirerKind: v("enquirer_kind"), Description: params.Get("description"), Name: v("name"),
		Email: v("email"), Phone: v("phone"), Language: v("language"), OrgNumber: v("org_number"), BusinessName: v("business_name"),
		Stage: v("stage"), Founder: v("founder"), Under30: v("under_30"), Immigrant: v("immigrant_background"),
		Employees: v("employees"), Market: v("market"), Ownership: v("ownership"), GoodsServices: v("goods_services"),
		RawMaterial: v("raw_material"), Agriculture: v("agriculture"), Section: v("industry_section"),
		Channel: v("channel"), Version: v("version"), Needs: params["needs"],
		ConsentStore: v("consent_store") == "on", ConsentShare: v("consent_share") == "on", Honeypot: v("website"),
	}
}

// yesNo turns "yes"/"no"/"" into a tri-state answer. Anything else is an
// error under name, not "not answered": it would clear the answer given.
func yesNo(errs map[string]string, name, s string) *bool {
	switch s {
	case "yes":
		t := true
		return &t
	case "no":
		f := false
		return &f
	case "":
		return nil
	}
	errs[name] = "error.choice"
	return nil
}

func yesNoString(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "yes"
	}
	return "no"
}

// input is the form as the model takes it, with the errors of the fields
// that did not parse.
func (f enquiryForm) input() (models.EnquiryInput, map[string]string) {
	errs := map[string]string{}
	return models.EnquiryInput{
		Kommunenummer: f.Municipality, EnquirerKind: f.EnquirerKind, Needs: f.Needs, Description: f.Description, Name: f.Name,
		Email: f.Email, Phone: f.Phone, Language: f.Language, OrgNumber: f.OrgNumber, BusinessName: f.BusinessName,
		Stage: f.Stage, Founder: f.Founder, Employees: f.Employees, Market: f.Market, Ownership: f.Ownership,
		GoodsServices: f.GoodsServices, IndustrySection: f.Section,
		Under30: yesNo(errs, "under_30", f.Under30), ImmigrantBackground: yesNo(errs, "immigrant_background", f.Immigrant),
		RawMaterial: yesNo(errs, "raw_material", f.RawMaterial), Agriculture: yesNo(errs, "agriculture", f.Agriculture),
	}, errs
}

// formOf fills the form from a stored enquiry, for editing.
func formOf(e *models.Enquiry) enquiryForm {
	in := models.InputOf(e)
	return enquiryForm{
		Municipality: in.Kommunenummer, EnquirerKind: in.EnquirerKind, Needs: in.Needs, Description: in.Description, Name: in.Name,
		Email: in.Email, Phone: in.Phone, Language: in.Language, OrgNumber: in.OrgNumber, BusinessName: in.BusinessName,
		Stage: in.Stage, Founder: in.Founder, Under30: yesNoString(in.Under30), Immigrant: yesNoString(in.ImmigrantBackground),
		Employees: in.Employees, Market: in.Market, Ownership: in.Ownership, GoodsServices: in.GoodsServices,
		RawMaterial: yesNoString(in.RawMaterial), Agriculture: yesNoString(in.Agriculture), Section: in.IndustrySection,
		Channel: e.Channel, Version: strconv.Itoa(e.Version),
	}
}

// differingFields names the fields (by their form names) in which the form f
// differs from cur, the case's own form. A textarea's line breaks, which a
// browser sends as CRLF, and the spaces around a value do not count.
func differingFields(cur, f enquiryForm) []string {
	norm := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
	needs := func(n []string) string {
		n = slices.Clone(n)
		slices.Sort(n)
		return strings.Join(n, ",")
	}
	var out []string
	for _, x := range []struct{ name, was, now string }{
		{"municipality", cur.Municipality, f.Municipality}, // the channel is no field of the details form
		{"enquirer_kind", cur.EnquirerKind, f.EnquirerKind}, {"needs", needs(cur.Needs), needs(f.Needs)},
		{"description", cur.Description, f.Description}, {"name", cur.Name, f.Name}, {"email", cur.Email, f.Email},
		{"phone", cur.Phone, f.Phone}, {"org_number", cur.OrgNumber, f.OrgNumber}, {"business_name", cur.BusinessName, f.BusinessName},
		{"stage", cur.Stage, f.Stage}, {"founder", cur.Founder, f.Founder}, {"under_30", cur.Under30, f.Under30},
		{"immigrant_background", cur.Immigrant, f.Immigrant}, {"language", cur.Language, f.Language},
		{"employees", cur.Employees, f.Employees}, {"market", cur.Market, f.Market}, {"ownership", cur.Ownership, f.Ownership},
		{"goods_services", cur.GoodsServices, f.GoodsServices}, {"raw_material", cur.RawMaterial, f.RawMaterial},
		{"agriculture", cur.Agriculture, f.Agriculture}, {"industry_section", cur.Section, f.Section},
	} {
		if norm(x.was) != norm(x.now) {
			out = append(out, x.name)
		}
	}
	return out
}

// fieldMaker builds form fields with translated labels and errors.
type fieldMaker struct {
	loc  *views.Localizer
	errs map[string]string // field → message ID
}

func (m fieldMaker) t(id string) string { return m.loc.T(id) }

func (m fieldMaker) err(name string) string {
	if id, ok := m.errs[name]; ok {
		return m.loc.T(id)
	}
	return ""
}

func (m fieldMaker) text(name, labelID, value string) views.Field {
	return views.Field{Name: name, Label: m.t(labelID), Value: value, Error: m.err(name), Type: "text"}
}

// choice builds a select, radio or checkbox group over codes, labelled by
// prefix+code. An empty first option is added to selects, selected when
// nothing else is: a caller that adds options of its own passes the value
// chosen among them, or the blank option would be selected beside it.
func (m fieldMaker) choice(kind, name, labelID, prefix string, codes []string, selected ...string) views.Field {
	f := views.Field{Name: name, Label: m.t(labelID), Error: m.err(name), Kind: kind}
	if kind == "select" {
		f.Options = append(f.Options, views.Option{Value: "", Label: m.t("common.choose"), Selected: len(selected) == 0 || selected[0] == ""})
	}
	for _, c := range codes {
		sel := false
		for _, s := range selected {
			sel = sel || s == c
		}
		f.Options = append(f.Options, views.Option{Value: c, Label: m.t(prefix + c), Selected: sel})
	}
	return f
}

// chosenID is an id as a choice's selected value: none for 0, so that a
// select's blank first option is the one selected then, and only then.
func chosenID(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// yesNo is an optional yes-or-no question. Its third choice, not stated, is
// how an answer given is taken back: a chosen radio button cannot be unchosen.
func (m fieldMaker) yesNo(name, labelID, value string) views.Field {
	f := m.choice("radios", name, labelID, "answer.", []string{"yes", "no"}, value)
	f.Options = append(f.Options, views.Option{Value: "", Label: m.t("answer.unstated"), Selected: value == ""})
	return f
}

// enquiryFields are every field of the enquiry form, ready to draw.
type enquiryFields struct {
	Municipality, EnquirerKind, Needs, Description, Name, Email, Phone, Language views.Field
	OrgNumber, BusinessName, Stage, Founder, Under30, Immigrant                  views.Field
	Employees, Market, Ownership, GoodsServices, RawMaterial, Agriculture        views.Field
	Section, Channel, ConsentStore, ConsentShare                                 views.Field
}

// All lists the fields in form order, for the error summary.
func (f enquiryFields) All() []views.Field {
	return []views.Field{f.Channel, f.Municipality, f.EnquirerKind, f.Needs, f.Description, f.Name, f.Email, f.Phone,
		f.OrgNumber, f.BusinessName, f.Stage, f.Founder, f.Under30, f.Immigrant, f.Language, f.Employees, f.Market,
		f.Ownership, f.GoodsServices, f.RawMaterial, f.Agriculture, f.Section, f.ConsentStore, f.ConsentShare}
}

// Errors lists the fields that have an error.
func (f enquiryFields) Errors() []views.Field {
	var out []views.Field
	for _, x := range f.All() {
		if x.Error != "" {
			out = append(out, x)
		}
	}
	return out
}

// enquiryWords are the message IDs of the enquiry form's questions about the
// enquirer: the one door asks the enquirer ("Hvem er du?"), staff fill the
// form in about the enquirer ("Hvem tok kontakt?").
type enquiryWords struct {
	municipalityHint, enquirerKind, kinds, needs, description, descriptionHint string
	language, orgNumberHint, stage, stages, founder, founders                  string
	under30, immigrant, immigrantHint                                          string
}

var (
	oneDoorWords = enquiryWords{
		municipalityHint: "intake.municipality_hint", enquirerKind: "intake.enquirer_kind", kinds: "enquirer_kind.",
		needs: "intake.needs", description: "intake.description", descriptionHint: "intake.description_hint",
		language: "intake.language", orgNumberHint: "intake.org_number_hint", stage: "intake.stage", stages: "stage.",
		founder: "intake.founder", founders: "founder.", under30: "intake.under_30", immigrant: "intake.immigrant",
		immigrantHint: "intake.immigrant_hint",
	}
	staffWords = enquiryWords{
		municipalityHint: "enquiry.form.municipality_hint", enquirerKind: "enquiry.form.enquirer_kind", kinds: "enquirer.",
		needs: "enquiry.form.needs", description: "enquiry.form.description", descriptionHint: "enquiry.form.description_hint",
		language: "enquiry.language", orgNumberHint: "enquiry.form.org_number_hint", stage: "enquiry.stage", stages: "phase.",
		founder: "enquiry.form.founder", founders: "founded.", under30: "enquiry.form.under_30", immigrant: "enquiry.form.immigrant",
		immigrantHint: "enquiry.form.immigrant_hint",
	}
)

// staffErrorIDs are the one door's messages to the enquirer that a staff form
// says about the enquirer instead: the adviser registering a call is told what
// the person needs help with, not "what you need help with".
var staffErrorIDs = map[string]string{
	"error.needs_required":   "error.staff.needs_required",
	"error.contact_required": "error.staff.contact_required",
	"error.consent_required": "error.staff.consent_required",
}

// staffErrors returns errs (field → message ID) as a staff form says them.
func staffErrors(errs map[string]string) map[string]string {
	if errs == nil {
		return nil
	}
	out := make(map[string]string, len(errs))
	for field, id := range errs {
		if staff, ok := staffErrorIDs[id]; ok {
			id = staff
		}
		out[field] = id
	}
	return out
}

// staffWorded returns err with its field messages as a staff form says them
// (staffErrors), for the staff API; any other error as it is.
func staffWorded(err error) error {
	ve := asValidation(err)
	if ve == nil {
		return err
	}
	return &models.ValidationError{Fields: staffErrors(ve.Fields), Data: ve.Data}
}

// newEnquiryFields builds the form's fields. The one door (staff false) asks
// the enquirer in the second person, as does the access document written to
// the enquirer; staff forms (staff true) ask the same questions about the
// enquirer in the third person.
func newEnquiryFields(loc *views.Localizer, f enquiryForm, errs map[string]string, municipalities []models.Municipality, sections []models.IndustrySection, staff bool) enquiryFields {
	m := fieldMaker{loc: loc, errs: errs}
	w := oneDoorWords
	if staff {
		w = staffWords
	}
	mun := views.Field{Name: "municipality", Label: m.t("intake.municipality"), Hint: m.t(w.municipalityHint), Error: m.err("municipality"), Kind: "select", Required: true}
	mun.Options = append(mun.Options, views.Option{Value: "", Label: m.t("common.choose"), Selected: f.Municipality == ""})
	for _, x := range municipalities {
		mun.Options = append(mun.Options, views.Option{Value: x.Kommunenummer, Label: x.Name, Selected: x.Kommunenummer == f.Municipality})
	}
	sec := views.Field{Name: "industry_section", Label: m.t("enquiry.industry_section"), Error: m.err("industry_section"), Kind: "select"}
	sec.Options = append(sec.Options, views.Option{Value: "", Label: m.t("common.choose"), Selected: f.Section == ""})
	for _, x := range sections {
		label := x.NameNB
		if loc.Lang != "nb" && loc.Lang != "nn" {
			label = x.NameEN
		}
		sec.Options = append(sec.Options, views.Option{Value: x.Code, Label: x.Code + " – " + label, Selected: x.Code == f.Section})
	}
	lang := f.Language
	if lang == "" {
		lang = loc.Lang
	}
	out := enquiryFields{
		Municipality:  mun,
		EnquirerKind:  m.choice("radios", "enquirer_kind", w.enquirerKind, w.kinds, models.EnquirerKinds, f.EnquirerKind),
		Needs:         m.choice("checkboxes", "needs", w.needs, "need.", models.Needs, f.Needs...),
		Description:   views.Field{Name: "description", Label: m.t(w.description), Hint: m.t(w.descriptionHint), Value: f.Description, Error: m.err("description"), Kind: "textarea", Rows: 6, Max: 4000, Required: true},
		Name:          m.text("name", "intake.name", f.Name).Req(),
		Email:         m.text("email", "intake.email", f.Email).As("email"),
		Phone:         m.text("phone", "intake.phone", f.Phone).As("tel"),
		Language:      m.choice("select", "language", w.language, "language.", models.IntakeLanguages, lang),
		OrgNumber:     m.text("org_number", "intake.org_number", f.OrgNumber).WithHint(m.t(w.orgNumberHint)).LeftToRight(),
		BusinessName:  m.text("business_name", "intake.business_name", f.BusinessName),
		Stage:         m.choice("select", "stage", w.stage, w.stages, models.Stages, f.Stage),
		Founder:       m.choice("radios", "founder", w.founder, w.founders, models.Founders, f.Founder),
		Under30:       m.yesNo("under_30", w.under30, f.Under30),
		Immigrant:     m.yesNo("immigrant_background", w.immigrant, f.Immigrant),
		Employees:     m.choice("select", "employees", "enquiry.employees", "employees.", models.EmployeeBands, f.Employees),
		Market:        m.choice("select", "market", "enquiry.market", "market.", models.Markets, f.Market),
		Ownership:     m.choice("select", "ownership", "enquiry.ownership", "ownership.", models.Ownerships, f.Ownership),
		GoodsServices: m.choice("select", "goods_services", "enquiry.goods_services", "goods_services.", models.GoodsServices, f.GoodsServices),
		RawMaterial:   m.yesNo("raw_material", "enquiry.raw_material", f.RawMaterial),
		Agriculture:   m.yesNo("agriculture", "enquiry.agriculture", f.Agriculture),
		Section:       sec,
		Channel:       m.choice("select", "channel", "enquiry.channel", "channel.", models.Channels, f.Channel),
		ConsentStore:  views.Field{Name: "consent_store", Label: m.t("intake.consent_store"), Error: m.err("consent_store"), Kind: "checkbox", Checked: f.ConsentStore, Required: true},
		ConsentShare:  views.Field{Name: "consent_share", Label: m.t("intake.consent_share"), Hint: m.t("intake.consent_share_hint"), Error: m.err("consent_share"), Kind: "checkbox", Checked: f.ConsentShare},
	}
	out.Email.Autocomplete, out.Phone.Autocomplete, out.Name.Autocomplete = "email", "tel", "name"
	out.Immigrant.Hint = m.t(w.immigrantHint)
	out.Channel.Required = true
	out.EnquirerKind.Required, out.Needs.Required = true, true
	return out
}

// readDate reads a YYYY-MM-DD date as midnight UTC, the way dates are
// stored, or says what is wrong as a message ID: a date written as asked that the calendar does not have (31 February, month 13)
// is told apart from one written otherwise, which is asked for in the right
// form.
func readDate(s string) (time.Time, string) {
	s = strings.TrimSpace(s)
	t, err := time.Parse("2006-01-02", s)
	switch {
	case err == nil:
		return t, ""
	case writtenAsDate.MatchString(s):
		return time.Time{}, "error.date_not_exist"
	}
	return time.Time{}, "error.date"
}

// writtenAsDate is the form of a YYYY-MM-DD date, whether or not the day exists.
var writtenAsDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
