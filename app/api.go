package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"samspill/models"
)

// list is the envelope of every list answer.
type list[T any] struct {
	Items []T   `json:"items"`
	Total int64 `json:"total"`
	Page  int   `json:"page"`
	Limit int   `json:"limit"`
}

func newList[T any](items []T, total int64, pg models.Page) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, Total: total, Page: max(pg.Number, 1), Limit: pg.Limit()}
}

// pageList answers a list read whole (the short ones: regions, factors,
// tokens, a case's activities) like every other list: q keeps the items
// whose texts hold it, whatever the case, and limit and page apply.
func pageList[T any](c echo.Context, items []T, texts func(T) []string) (list[T], error) {
	query := newListQuery(c)
	pg, text := query.page(), query.text("q")
	if err := query.refuseUnknown().err(); err != nil {
		return list[T]{}, err
	}
	if q := strings.ToLower(strings.TrimSpace(text)); q != "" {
		kept := make([]T, 0, len(items))
		for _, it := range items {
			if slices.ContainsFunc(texts(it), func(t string) bool { return strings.Contains(strings.ToLower(t), q) }) {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	from := min(pg.Offset(), len(items))
	to := min(from+pg.Limit(), len(items))
	return newList(items[from:to], int64(len(items)), pg), nil
}

// decodeJSON reads exactly one JSON object into dst. Unknown fields, wrong types
// and trailing data are malformed (400), so a typo never passes silently.
func decodeJSON(c echo.Context, dst any) error {
	_, err := readJSON(c, dst)
	return err
}

// decodePatch is decodeJSON for a PATCH, and returns the errors of the
// fields sent as null. dst's pointers cannot tell null from a field left out,
// which a PATCH keeps: a null was taken for "keep", and a client that meant to
// empty a field was told it had. A field in required gets error.required,
// any other error.json_null: an empty value ("", []) is how a field is emptied.
// A null version is left to versionRequired.
func decodePatch(c echo.Context, dst any, required ...string) (map[string]string, error) {
	_, fields, err := decodePatchFields(c, dst, required...)
	return fields, err
}

// decodePatchFields is decodePatch that also gives the fields as sent.
func decodePatchFields(c echo.Context, dst any, required ...string) (map[string]json.RawMessage, map[string]string, error) {
	body, err := readJSON(c, dst)
	if err != nil {
		return nil, nil, err
	}
	raw, err := rawFields(body)
	if err != nil {
		return nil, nil, err
	}
	return raw, nullFields(raw, required), nil
}

// nullFields are the errors of the fields raw sends as null (see decodePatch).
func nullFields(raw map[string]json.RawMessage, required []string) map[string]string {
	fields := map[string]string{}
	for name, v := range raw {
		if string(v) != "null" || name == "version" {
			continue
		}
		fields[name] = "error.json_null"
		if slices.Contains(required, name) {
			fields[name] = "error.required"
		}
	}
	return fields
}

// readJSON is decodeJSON, and returns the body it read.
func readJSON(c echo.Context, dst any) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		return nil, errMalformed("error.json_content_type")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return nil, he
		}
		if strings.Contains(err.Error(), "too large") {
			return nil, echo.ErrStatusRequestEntityTooLarge
		}
		return nil, errMalformed("error.malformed")
	}
	if jsonHoldsNUL(body) {
		return nil, errMalformed("error.nul")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, &apiError{status: http.StatusBadRequest, code: "malformed", message: "error.json_type", fields: map[string]string{jsonPath(te.Field): "error.json_type"}}
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return nil, &apiError{status: http.StatusBadRequest, code: "malformed", message: "error.json_unknown_field", fields: map[string]string{strings.Trim(f, `"`): "error.json_unknown_field"}}
		}
		return nil, errMalformed("error.malformed")
	}
	if dec.More() {
		return nil, errMalformed("error.malformed")
	}
	return body, nil
}

// jsonHoldsNUL reports whether a JSON text holds the NUL character, which it
// can only as the escape \u0000 (a backslash not itself escaped); see refuseNUL.
func jsonHoldsNUL(body []byte) bool {
	for i := 0; ; {
		j := bytes.Index(body[i:], []byte(`u0000`))
		if j < 0 {
			return false
		}
		at := i + j
		slashes := 0
		for k := at - 1; k >= 0 && body[k] == '\\'; k-- {
			slashes++
		}
		if slashes%2 == 1 {
			return true
		}
		i = at + 1
	}
}

// listIndex matches a list position in encoding/json's field paths.
var listIndex = regexp.MustCompile(`\.(\d+)(\.|$)`)

// jsonPath names a field as the validation errors do, a list's rows by
// index: "scores.0.score" is "scores[0].score".
func jsonPath(field string) string { return listIndex.ReplaceAllString(field, "[$1]$2") }

// required records a missing field.
func required(fields map[string]string, name string, present bool) {
	if !present {
		fields[name] = "error.required"
	}
}

func invalidFields(fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	return &models.ValidationError{Fields: fields}
}

type meJSON struct {
	*models.User
	CurrentRegion *models.Region `json:"current_region"`
	Regions       []regionRef    `json:"regions"`
	// TokenScope is what the calling token may do ("read" or "write"), so
	// that an integration can tell before it writes; absent in a session.
	TokenScope models.TokenScope `json:"token_scope,omitempty"`
}

type regionRef struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func (s *Server) apiMe(c echo.Context) error {
	v := viewer(c)
	regions, err := s.store.RegionsVisibleTo(c.Request().Context(), v)
	if err != nil {
		return err
	}
	refs := make([]regionRef, 0, len(regions))
	for _, r := range regions {
		refs = append(refs, regionRef{r.ID, r.Slug, r.Name})
	}
	scope, _ := c.Get(ctxBearer).(models.TokenScope)
	return c.JSON(http.StatusOK, meJSON{User: v.User, CurrentRegion: v.Region, Regions: refs, TokenScope: scope})
}

func (s *Server) apiListRegions(c echo.Context) error {
	regions, err := s.store.RegionList(c.Request().Context(), viewer(c))
	if err != nil {
		return err
	}
	out, err := pageList(c, regions, func(r models.Region) []string { return []string{r.Name, r.Slug} })
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiShowRegion(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.store.Region(c.Request().Context(), viewer(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// regionJSON is a region as the API takes it; pointers tell absent from zero.
type regionJSON struct {
	Slug                 *string `json:"slug"`
	Name                 *string `json:"name"`
	HostMunicipality     *string `json:"host_municipality"`
	FirstResponseDays    *int    `json:"first_response_days"`
	ReferralFollowUpDays *int    `json:"referral_follow_up_days"`
	NoResponseDays       *int    `json:"no_response_days"`
	RetentionMonths      *int    `json:"retention_months"`
	ContactEmail         *string `json:"contact_email"`
	ContactPhone         *string `json:"contact_phone"`
	Version              *int    `json:"version"`

	// Shown only (regionShown): known, to be sent back as read.
	ID        json.RawMessage `json:"id"`
	Members   json.RawMessage `json:"members"`
	CreatedAt json.RawMessage `json:"created_at"`
	UpdatedAt json.RawMessage `json:"updated_at"`
}

// apply copies the fields that were sent onto in.
func (j regionJSON) apply(in *models.RegionInput) {
	set(&in.Slug, j.Slug)
	set(&in.Name, j.Name)
	set(&in.HostMunicipality, j.HostMunicipality)
	set(&in.FirstResponseDays, j.FirstResponseDays)
	set(&in.ReferralFollowUpDays, j.ReferralFollowUpDays)
	set(&in.NoResponseDays, j.NoResponseDays)
	set(&in.RetentionMonths, j.RetentionMonths)
	set(&in.ContactEmail, j.ContactEmail)
	set(&in.ContactPhone, j.ContactPhone)
	set(&in.Version, j.Version)
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func (s *Server) apiCreateRegion(c echo.Context) error {
	var j regionJSON
	body, err := readJSON(c, &j)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	if err := refuseShown(body, fields, regionShown); err != nil {
		return err
	}
	required(fields, "slug", j.Slug != nil)
	required(fields, "name", j.Name != nil)
	in := models.DefaultRegionInput()
	j.apply(&in)
	if len(fields) > 0 { // refused already: the body's other errors in the same answer
		problems, err := s.store.RegionProblems(c.Request().Context(), 0, in)
		if err != nil {
			return err
		}
		addProblems(fields, problems)
		return invalidFields(fields)
	}
	r, err := s.store.CreateRegion(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

func (s *Server) apiUpdateRegion(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := s.store.Region(ctx, viewer(c), id)
	if err != nil {
		return err
	}
	var j regionJSON
	fields, err := decodeSentBack(c, &j, r, regionShown, "slug", "name")
	if err != nil {
		return err
	}
	addProblems(fields, versionRequired(j.Version))
	in := models.RegionInput{Slug: r.Slug, Name: r.Name, FirstResponseDays: r.FirstResponseDays, ReferralFollowUpDays: r.ReferralFollowUpDays,
		NoResponseDays: r.NoResponseDays, RetentionMonths: r.RetentionMonths, ContactEmail: r.ContactEmail, ContactPhone: r.ContactPhone}
	if r.HostMunicipality != nil {
		in.HostMunicipality = *r.HostMunicipality
	}
	j.apply(&in)
	if len(fields) > 0 { // refused already: the edit's other errors in the same answer
		problems, err := s.store.RegionProblems(ctx, id, in)
		if err != nil {
			return err
		}
		addProblems(fields, problems)
		return invalidFields(fields)
	}
	if err := s.store.UpdateRegion(ctx, viewer(c), actor(c), id, in); err != nil {
		return err
	}
	r, err = s.store.Region(ctx, viewer(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func versionRequired(v *int) map[string]string {
	if v == nil {
		return map[string]string{"version": "error.version_required"}
	}
	return nil
}

func (s *Server) apiListMunicipalities(c echo.Context) error {
	q := newListQuery(c)
	f := models.MunicipalityFilter{Q: q.text("q"), County: q.county("county"), Page: q.page()}
	if err := q.refuseUnknown().err(); err != nil {
		return err
	}
	ms, total, err := s.store.Municipalities(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newList(ms, total, f.Page))
}

func (s *Server) apiShowMunicipality(c echo.Context) error {
	m, err := s.store.Municipality(c.Request().Context(), c.Param("kommunenummer"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

// partnerOut is a partner as the API shows it, services as a list.
type partnerOut struct {
	models.Partner
	ServiceList []string `json:"services"`
}

func partnerJSONOut(p models.Partner) partnerOut {
	return partnerOut{Partner: p, ServiceList: p.ServiceList()}
}

func (s *Server) apiListPartners(c echo.Context) error {
	q := newListQuery(c)
	f := models.PartnerFilter{Q: q.text("q"), Page: q.page()}
	if err := q.refuseUnknown().err(); err != nil {
		return err
	}
	ps, total, err := s.store.Partners(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := make([]partnerOut, 0, len(ps))
	for _, p := range ps {
		out = append(out, partnerJSONOut(p))
	}
	return c.JSON(http.StatusOK, newList(out, total, f.Page))
}

func (s *Server) apiShowPartner(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.store.Partner(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, partnerJSONOut(*p))
}

// partnerJSON is a partner as the API takes it.
type partnerJSON struct {
	Name        *string   `json:"name"`
	Kind        *string   `json:"kind"`
	Services    *[]string `json:"services"`
	Description *string   `json:"description"`
	Website     *string   `json:"website"`
	Active      *bool     `json:"active"`
	Version     *int      `json:"version"`

	// Shown only (partnerShown): known, to be sent back as read.
	ID        json.RawMessage `json:"id"`
	CreatedAt json.RawMessage `json:"created_at"`
	UpdatedAt json.RawMessage `json:"updated_at"`
}

func (j partnerJSON) apply(in *models.PartnerInput) {
	set(&in.Name, j.Name)
	set(&in.Kind, j.Kind)
	set(&in.Services, j.Services)
	set(&in.Description, j.Description)
	set(&in.Website, j.Website)
	set(&in.Active, j.Active)
	set(&in.Version, j.Version)
}

func (s *Server) apiCreatePartner(c echo.Context) error {
	var j partnerJSON
	body, err := readJSON(c, &j)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	if err := refuseShown(body, fields, partnerShown); err != nil {
		return err
	}
	required(fields, "name", j.Name != nil)
	required(fields, "kind", j.Kind != nil)
	in := models.PartnerInput{Active: true}
	j.apply(&in)
	if len(fields) > 0 { // refused already: the body's other errors in the same answer
		problems, err := s.store.PartnerProblems(c.Request().Context(), 0, in)
		if err != nil {
			return err
		}
		addProblems(fields, problems.Fields)
		return &models.ValidationError{Fields: fields, Data: problems.Data}
	}
	p, err := s.store.CreatePartner(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, partnerJSONOut(*p))
}

func (s *Server) apiUpdatePartner(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := s.store.Partner(ctx, id)
	if err != nil {
		return err
	}
	var j partnerJSON
	fields, err := decodeSentBack(c, &j, partnerJSONOut(*p), partnerShown, "name", "kind")
	if err != nil {
		return err
	}
	addProblems(fields, versionRequired(j.Version))
	in := models.PartnerInput{Name: p.Name, Kind: p.Kind, Services: p.ServiceList(), Description: p.Description, Website: p.Website, Active: p.Active}
	j.apply(&in)
	if len(fields) > 0 { // refused already: the edit's other errors in the same answer
		problems, err := s.store.PartnerProblems(ctx, id, in)
		if err != nil {
			return err
		}
		addProblems(fields, problems.Fields)
		return &models.ValidationError{Fields: fields, Data: problems.Data}
	}
	if err := s.store.UpdatePartner(ctx, actor(c), id, in); err != nil {
		return err
	}
	if p, err = s.store.Partner(ctx, id); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, partnerJSONOut(*p))
}

func (s *Server) apiListFactors(c echo.Context) error {
	fs, err := s.store.Factors(c.Request().Context())
	if err != nil {
		return err
	}
	out, err := pageList(c, fs, func(f models.Factor) []string { return []string{f.Code, f.TitleNB, f.TitleEN} })
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiListTokens(c echo.Context) error {
	v := viewer(c)
	ts, err := s.store.Tokens(c.Request().Context(), v, v.User.ID)
	if err != nil {
		return err
	}
	out, err := pageList(c, ts, func(t models.APIToken) []string { return []string{t.Name} })
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiRevokeToken(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.RevokeToken(c.Request().Context(), viewer(c), actor(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
