package app

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"samspill/models"
	"samspill/views"
)

// ConsentVersion names the wording of the consent texts in the intake
// catalogues. Change it whenever those texts change: each answer is stored with
// the exact text and this version.
const ConsentVersion = "2026-11-27"

// intakeLimits wraps the one door's handlers in a body limit far below the
// global one (413), and makes the per-address rate limit the handlers ask
// (intakeAllowed) once a submission is whole. There is no CAPTCHA: it shuts
// people out.
func (s *Server) intakeLimits() func(echo.HandlerFunc) echo.HandlerFunc {
	s.intakeRate = middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Every(s.cfg.IntakeEvery), Burst: s.cfg.IntakeBurst, ExpiresIn: 30 * time.Minute,
	})
	return middleware.BodyLimit("64K")
}

// intakeAllowed counts a submission against its address's rate limit (429
// with a readable message beyond it). Only submissions that will be stored
// count: one refused for a typing error costs nothing, so that nobody mending
// their form, or sharing an office's address, is shut out by their own errors.
func (s *Server) intakeAllowed(c echo.Context) error {
	if ok, err := s.intakeRate.Allow(clientNetwork(c)); err != nil || !ok {
		return errTooManyIntakes
	}
	return nil
}

var errTooManyIntakes = &apiError{status: http.StatusTooManyRequests, code: "rate_limited", message: "intake.rate_limited"}

type intakePage struct {
	page
	Form      enquiryForm
	Fields    enquiryFields
	Languages []languageLink
}

type languageLink struct {
	Code, Name, Href string
	Current          bool
}

type receiptPage struct {
	page
	Reference string
	Region    *models.Region
	Days      int
}

// intakeLanguage is the language of the one door: ?lang=, else the language
// the form was filled in, else Bokmål.
func intakeLanguage(c echo.Context) string {
	for _, l := range []string{c.QueryParam("lang"), c.FormValue("form_language")} {
		if contains(models.IntakeLanguages, l) {
			return l
		}
	}
	return "nb"
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// intakePageData builds the one door's page in its language.
func (s *Server) intakePageData(c echo.Context, f enquiryForm, errs map[string]string) (intakePage, error) {
	lang := intakeLanguage(c)
	p := s.publicPage(c, lang, "intake.title")
	ms, err := s.store.ServedMunicipalities(c.Request().Context())
	if err != nil {
		return intakePage{}, err
	}
	if len(ms) == 0 { // nobody set up yet: offer every municipality; enquiries go to the admin queue
		if ms, err = s.store.AllMunicipalities(c.Request().Context()); err != nil {
			return intakePage{}, err
		}
	}
	data := intakePage{page: p, Form: f, Fields: newEnquiryFields(p.loc, f, errs, ms, nil, false)}
	for _, l := range models.IntakeLanguages {
		data.Languages = append(data.Languages, languageLink{Code: l, Name: views.LanguageName(l), Href: "/enquiry?lang=" + l, Current: l == lang})
	}
	return data, nil
}

// publicPage is the layout data of a public page in one of the intake languages.
func (s *Server) publicPage(c echo.Context, lang, titleID string) page {
	loc := s.views.PublicLocalizer(lang)
	p := page{Title: loc.T(titleID), Lang: loc.Lang, Dir: views.Direction(loc.Lang), Path: c.Request().URL.Path, Public: true, loc: loc}
	return p
}

func (s *Server) intakeForm(c echo.Context) error {
	data, err := s.intakePageData(c, enquiryForm{}, nil)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "intake/form", data)
}

// submitIntake takes an enquiry through the one door. A bot that filled in
// the hidden field is answered as a person is, so that it cannot tell it was
// caught: the same checks, the same rate limit, and a receipt of the same
// form with a reference of the series (ReserveReceipt); nothing is stored.
func (s *Server) submitIntake(c echo.Context) error {
	f := parseEnquiryForm(c)
	lang := intakeLanguage(c)
	in, fields := f.input()
	n := models.NewEnquiry{Input: in, Consent: s.consentFor(lang, f.ConsentStore, f.ConsentShare), Channel: "web"}
	problems, err := s.store.NewEnquiryProblems(c.Request().Context(), n)
	if err != nil {
		return err
	}
	addProblems(fields, problems)
	var r *models.Receipt
	if len(fields) == 0 {
		if err := s.intakeAllowed(c); err != nil {
			return err
		}
		if f.Honeypot != "" {
			r, err = s.store.ReserveReceipt(c.Request().Context(), n)
		} else {
			var e *models.Enquiry
			if e, err = s.store.CreateEnquiry(c.Request().Context(), nil, actor(c), n); err == nil {
				r = &models.Receipt{Reference: e.Reference, Region: e.Region}
			}
		}
		if ve := asValidation(err); ve != nil {
			fields = ve.Fields
		}
	}
	if len(fields) > 0 {
		data, err := s.intakePageData(c, f, fields)
		if err != nil {
			return err
		}
		return c.Render(http.StatusUnprocessableEntity, "intake/form", data)
	}
	if err != nil {
		return err
	}
	return s.toReceipt(c, lang, r)
}

// toReceipt sends the browser on to the receipt of the enquiry just sent.
// The receipt is a page of its own (POST, redirect, GET): reloading it, or
// going back and forth, must not send the form again and make a second case.
// The one door keeps no session, so what the receipt shows goes in a
// short-lived cookie of its own, signed (receiptCookieValue), which holds
// nothing of the person.
func (s *Server) toReceipt(c echo.Context, lang string, r *models.Receipt) error {
	value, err := s.receiptCookieValue(c.Request().Context(), r)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: receiptCookie, Value: value, Path: "/enquiry", MaxAge: int(receiptValid.Seconds()), HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, "/enquiry/receipt?lang="+url.QueryEscape(lang))
}

// receiptCookie carries the receipt of the enquiry just sent to its page.
const receiptCookie = "samspill_receipt"

// intakeReceipt shows the receipt of the enquiry just sent; without one (or
// with a cookie the server did not sign), the form.
func (s *Server) intakeReceipt(c echo.Context) error {
	lang := intakeLanguage(c)
	cookie, err := c.Cookie(receiptCookie)
	if err != nil {
		return c.Redirect(http.StatusSeeOther, "/enquiry?lang="+url.QueryEscape(lang))
	}
	reference, regionID, ok, err := s.openReceiptCookie(c.Request().Context(), cookie.Value)
	if err != nil {
		return err
	}
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/enquiry?lang="+url.QueryEscape(lang))
	}
	r, err := s.store.ReceiptFor(c.Request().Context(), reference, regionID)
	if errors.Is(err, models.ErrNotFound) {
		return c.Redirect(http.StatusSeeOther, "/enquiry?lang="+url.QueryEscape(lang))
	}
	if err != nil {
		return err
	}
	data := receiptPage{page: s.publicPage(c, lang, "intake.receipt_title"), Reference: r.Reference, Region: r.Region, Days: models.DefaultRegionInput().FirstResponseDays}
	if r.Region != nil {
		data.Days = r.Region.FirstResponseDays
	}
	return c.Render(http.StatusOK, "intake/receipt", data)
}

// consentFor records the consent texts exactly as the person read them, with
// what the form says of withdrawing them (GDPR art. 7(3): said before consent
// is given).
func (s *Server) consentFor(lang string, store, share bool) models.ConsentInput {
	loc := s.views.PublicLocalizer(lang)
	withdraw := loc.T("intake.consent_withdraw")
	return models.ConsentInput{Store: store, Share: share, StoreText: loc.T("intake.consent_store") + " " + withdraw,
		ShareText: loc.T("intake.consent_share") + " " + loc.T("intake.consent_share_hint") + " " + withdraw, Version: ConsentVersion, Language: loc.Lang}
}

// intakeJSON is an enquiry through the one door as JSON.
type intakeJSON struct {
	Municipality        string   `json:"municipality"`
	EnquirerKind        string   `json:"enquirer_kind"`
	Needs               []string `json:"needs"`
	Description         string   `json:"description"`
	Name                string   `json:"name"`
	Email               string   `json:"email"`
	Phone               string   `json:"phone"`
	Language            string   `json:"language"`
	OrgNumber           string   `json:"org_number"`
	BusinessName        string   `json:"business_name"`
	Stage               string   `json:"stage"`
	Founder             string   `json:"founder"`
	Under30             *bool    `json:"under_30"`
	ImmigrantBackground *bool    `json:"immigrant_background"`
	ConsentStore        bool     `json:"consent_store"`
	ConsentShare        bool     `json:"consent_share"`
}

func (j intakeJSON) input() models.EnquiryInput {
	return models.EnquiryInput{Kommunenummer: j.Municipality, EnquirerKind: j.EnquirerKind, Needs: j.Needs, Description: j.Description,
		Name: j.Name, Email: j.Email, Phone: j.Phone, Language: j.Language, OrgNumber: j.OrgNumber, BusinessName: j.BusinessName,
		Stage: j.Stage, Founder: j.Founder, Under30: j.Under30, ImmigrantBackground: j.ImmigrantBackground}
}

// apiIntake takes an enquiry through the one door as JSON. The consent texts
// stored are those of the language given, as GET /api/v1/intake/consent shows them.
func (s *Server) apiIntake(c echo.Context) error {
	var j intakeJSON
	if err := decodeJSON(c, &j); err != nil {
		return err
	}
	lang := j.Language
	if !contains(models.IntakeLanguages, lang) {
		lang = "nb"
	}
	c.Set(ctxIntakeLang, lang) // its errors are in the enquiry's language, as its form's would be
	n := models.NewEnquiry{Input: j.input(), Consent: s.consentFor(lang, j.ConsentStore, j.ConsentShare), Channel: "web"}
	fields, err := s.store.NewEnquiryProblems(c.Request().Context(), n)
	if err != nil {
		return err
	}
	if err := invalidFields(fields); err != nil {
		return err
	}
	if err := s.intakeAllowed(c); err != nil {
		return err
	}
	e, err := s.store.CreateEnquiry(c.Request().Context(), nil, actor(c), n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]string{"reference": e.Reference})
}

// apiConsentTexts shows the consent texts an API client must show before it
// sends consent_store and consent_share.
func (s *Server) apiConsentTexts(c echo.Context) error {
	lang := c.QueryParam("lang")
	if !contains(models.IntakeLanguages, lang) {
		lang = "nb"
	}
	ct := s.consentFor(lang, false, false)
	return c.JSON(http.StatusOK, map[string]string{"language": ct.Language, "version": ct.Version, "consent_store": ct.StoreText, "consent_share": ct.ShareText})
}
