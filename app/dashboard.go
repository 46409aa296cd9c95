package app

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/views"
)

type dashboardPage struct {
	page
	Roles   []string // the viewer's roles in the current region, each with its own section
	Adviser *models.AdviserSummary
	Queue   int64 // enquiries in the admin queue, for admins
	// Referrals are the region's open and overdue referrals for the board,
	// and those to the viewer's organisation for a partner's contact: one
	// section each.
	Referrals []*referralCounts
}

// referralCounts are a start page's counts of referrals in the current
// region, of one partner if PartnerID is not 0.
type referralCounts struct {
	Open, Overdue int64
	PartnerID     int64
	Section       string // the section's id and its heading's message ID: board_referrals or partner_referrals
	OpenLabel     string // the message ID that says what Open counts
}

// referralCounts counts the open and overdue referrals the viewer sees in
// the current region, of one partner if partnerID is not 0.
func (s *Server) referralCounts(ctx context.Context, v *models.Viewer, partnerID int64) (*referralCounts, error) {
	f := models.ReferralFilter{RegionID: v.Region.ID, PartnerID: partnerID}
	open, overdue := f, f
	open.Open, overdue.Overdue = true, true
	rc := &referralCounts{PartnerID: partnerID, Section: "board_referrals", OpenLabel: "dashboard.referrals_open_label"}
	if partnerID != 0 {
		rc.Section, rc.OpenLabel = "partner_referrals", "dashboard.referrals_awaiting_label"
	}
	var err error
	if rc.Open, err = s.store.CountReferrals(ctx, v, open); err != nil {
		return nil, err
	}
	if rc.Overdue, err = s.store.CountReferrals(ctx, v, overdue); err != nil {
		return nil, err
	}
	return rc, nil
}

// dashboard is the start page: what each of the viewer's roles can do here,
// for advisers and coordinators their workload at a glance, for the board
// and partners the referrals they follow up.
func (s *Server) dashboard(c echo.Context) error {
	ctx := c.Request().Context()
	p := s.page(c, "dashboard.title")
	d := dashboardPage{page: p, Roles: p.Viewer.RoleNames()}
	var err error
	if p.Viewer.Has(models.RoleAdviser) || p.Viewer.Has(models.RoleCoordinator) {
		if d.Adviser, err = s.store.AdviserSummary(ctx, p.Viewer); err != nil {
			return err
		}
	}
	if v := p.Viewer; v.Region != nil && v.Has(models.RoleBoard) {
		rc, err := s.referralCounts(ctx, v, 0)
		if err != nil {
			return err
		}
		d.Referrals = append(d.Referrals, rc)
	}
	if v := p.Viewer; v.Region != nil && v.Has(models.RolePartner) && v.User.PartnerID != nil {
		rc, err := s.referralCounts(ctx, v, *v.User.PartnerID)
		if err != nil {
			return err
		}
		d.Referrals = append(d.Referrals, rc)
	}
	if p.Viewer.IsAdmin() {
		if d.Queue, err = s.store.QueueCount(ctx); err != nil {
			return err
		}
	}
	return c.Render(http.StatusOK, "dashboard/index", d)
}

type profilePage struct {
	page
	Tokens    []models.APIToken
	NewToken  string // shown once, right after it is made
	TokenName string // the new key's form, as typed
	TokenDays string
	// TokenScope is the scope chosen on the new key's form, read-only
	// beforehand; Scopes are the choices, the safer first.
	TokenScope string
	Scopes     []models.TokenScope
}

// TokenOwner is "" on the profile page: its tokens are the viewer's own.
func (profilePage) TokenOwner() string { return "" }

func (s *Server) profile(c echo.Context) error {
	return s.renderProfile(c, http.StatusOK, s.page(c, "profile.title"), "")
}

func (s *Server) renderProfile(c echo.Context, status int, p page, newToken string) error {
	return s.renderProfilePage(c, status, profilePage{page: p, NewToken: newToken, TokenDays: strconv.Itoa(models.TokenDays), TokenScope: string(models.TokenRead)})
}

func (s *Server) renderProfilePage(c echo.Context, status int, data profilePage) error {
	tokens, err := s.store.Tokens(c.Request().Context(), data.Viewer, data.Viewer.User.ID)
	if err != nil {
		return err
	}
	data.Tokens = tokens
	data.Scopes = models.TokenScopes
	return c.Render(status, "profile/show", data)
}

// updateProfile saves the viewer's own name and preferred language.
func (s *Server) updateProfile(c echo.Context) error {
	v := viewer(c)
	lang := c.FormValue("language")
	if lang != "nb" && lang != "en" {
		return errMalformed("error.malformed")
	}
	if err := s.store.SetPreferences(c.Request().Context(), v.User.ID, lang, 0); err != nil {
		return err
	}
	s.sessions.Put(c.Request().Context(), sessLang, lang)
	s.flash(c, "flash.saved")
	return redirect(c, "/profile")
}

// changePassword changes the viewer's own password. Other sessions end; this one
// gets a new id and goes on.
func (s *Server) changePassword(c echo.Context) error {
	v := viewer(c)
	ctx := c.Request().Context()
	f := passwordForm{Current: c.FormValue("current_password"), New: c.FormValue("new_password"), Repeat: c.FormValue("repeat_password")}
	fields := f.validate()
	if fields["current_password"] != "" {
		return s.renderProfile(c, http.StatusUnprocessableEntity, s.page(c, "profile.title").withErrors(fields), "")
	}
	// The current password is guessed no more often here than at log-in,
	// and a wrong one counts against the same limit: recorded as one until
	// the password proves right (BeginLogin).
	until, blocked, err := s.store.BeginLogin(ctx, v.User.Email, clientNetwork(c))
	if err != nil {
		return err
	}
	if blocked {
		p := s.page(c, "profile.title")
		p.Errors = map[string]string{"current_password": p.T("login.throttled", "Time", until.In(views.Oslo).Format("15:04"))}
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(until.Sub(s.store.Now()).Seconds())+1))
		return s.renderProfile(c, http.StatusTooManyRequests, p, "")
	}
	if len(fields) > 0 {
		// The new password is refused: the current one is checked all the
		// same (an attempt as any other), and said wrong in the same answer.
		ok, err := s.store.PasswordMatches(ctx, v.User.ID, f.Current)
		if err != nil {
			return err
		}
		if ok {
			if err := s.store.RecordLogin(ctx, v.User.Email, clientNetwork(c), true); err != nil {
				return err
			}
		} else {
			fields["current_password"] = "error.wrong_password"
		}
		return s.renderProfile(c, http.StatusUnprocessableEntity, s.page(c, "profile.title").withErrors(fields), "")
	}
	changed, err := s.store.ChangePassword(ctx, actor(c), v.User.ID, f.Current, f.New)
	ve := asValidation(err)
	if err == nil || ve != nil && ve.Fields["current_password"] == "" {
		// The current password was right: the attempt was no failure.
		if err := s.store.RecordLogin(ctx, v.User.Email, clientNetwork(c), true); err != nil {
			return err
		}
	}
	if ve != nil {
		return s.renderProfile(c, http.StatusUnprocessableEntity, s.page(c, "profile.title").withErrors(ve.Fields), "")
	}
	if err != nil {
		return err
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessEpoch, changed.Epoch)
	if changed.LiveTokens > 0 {
		// The tokens are kept (ChangePassword says why): the user is told.
		s.flash(c, "flash.password_changed_tokens", map[string]any{"Count": changed.LiveTokens})
	} else {
		s.flash(c, "flash.password_changed")
	}
	return redirect(c, "/profile")
}

// createToken makes an API token for the viewer, working for the days asked
// (TokenDays when the field is left empty) with the scope chosen (read-only,
// the safer, when none is sent, as the form chooses it beforehand), and shows
// it once.
func (s *Server) createToken(c echo.Context) error {
	v := viewer(c)
	data := profilePage{TokenName: c.FormValue("name"), TokenDays: strings.TrimSpace(c.FormValue("days")), TokenScope: c.FormValue("scope")}
	if data.TokenScope == "" {
		data.TokenScope = string(models.TokenRead)
	}
	scope := models.TokenScope(data.TokenScope)
	errs := map[string]string{}
	days := models.TokenDays
	if data.TokenDays != "" {
		days = formInt(errs, "days", data.TokenDays)
	}
	var token string
	var err error
	if len(errs) == 0 {
		token, _, err = s.store.CreateToken(c.Request().Context(), actor(c), v.User.ID, data.TokenName, days, scope)
	} else {
		addProblems(errs, models.TokenProblems(data.TokenName, days, scope))
	}
	if ve := asValidation(err); ve != nil {
		errs = ve.Fields
	} else if err != nil {
		return err
	}
	if len(errs) > 0 {
		data.page = s.page(c, "profile.title").withErrors(errs)
		return s.renderProfilePage(c, http.StatusUnprocessableEntity, data)
	}
	return s.renderProfile(c, http.StatusOK, s.page(c, "profile.title"), token)
}

func (s *Server) revokeToken(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.RevokeToken(c.Request().Context(), viewer(c), actor(c), id); err != nil {
		return err
	}
	s.flash(c, "flash.token_revoked")
	if back := safeNext(c.FormValue("back")); back != "" {
		return redirect(c, back)
	}
	return redirect(c, "/profile")
}
