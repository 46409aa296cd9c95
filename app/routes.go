package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"samspill/policies"
)

// access is what a route demands of the caller.
type access struct {
	kind     accessKind
	obj, act string
}

type accessKind int

const (
	undeclared    accessKind = iota // the zero value: refused, so a forgotten permission fails closed
	public                          // anyone, logged in or not
	authenticated                   // any logged-in user: their own session, language and region
	permission                      // a Casbin permission (obj, act) in the current region
)

var (
	open     = access{kind: public}
	loggedIn = access{kind: authenticated}
)

// can declares that a route needs permission act on obj.
func can(obj, act string) access { return access{kind: permission, obj: obj, act: act} }

// route is one line of the route table.
type route struct {
	method, path string
	handler      echo.HandlerFunc
	access       access
}

// routeTable is every route Samspill answers, with the access each demands
// beside it. HTML pages live under "/", the JSON API under "/api/v1".
func (s *Server) routeTable() []route {
	const (
		get, post, patch, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
	)
	return []route{
		{get, "/healthz", s.health, open},
		{get, "/static/*", s.static, open},
		{get, "/", s.home, open},
		{get, "/login", s.loginForm, open},
		{post, "/login", s.login, open},
		{get, "/accessibility", s.accessibility, open},
		{post, "/logout", s.logout, loggedIn},
		{post, "/language", s.setLanguage, open},
		{post, "/region", s.switchRegion, loggedIn},

		{get, "/dashboard", s.dashboard, can(policies.Dashboard, policies.Read)},

		{get, "/profile", s.profile, can(policies.Profile, policies.Update)},
		{post, "/profile", s.updateProfile, can(policies.Profile, policies.Update)},
		{post, "/profile/password", s.changePassword, can(policies.Profile, policies.Update)},
		{post, "/profile/tokens", s.createToken, can(policies.Token, policies.Manage)},
		{post, "/profile/tokens/:id/revoke", s.revokeToken, can(policies.Token, policies.Manage)},

		{get, "/admin/regions", s.listRegions, can(policies.Region, policies.Read)},
		{get, "/admin/regions/new", s.newRegionForm, can(policies.Region, policies.Create)},
		{post, "/admin/regions", s.createRegion, can(policies.Region, policies.Create)},
		{get, "/admin/regions/:id", s.showRegion, can(policies.Region, policies.Read)},
		{post, "/admin/regions/:id", s.updateRegion, can(policies.Region, policies.Update)},
		{post, "/admin/regions/:id/members", s.saveMember, can(policies.Region, policies.Members)},
		{post, "/admin/regions/:id/members/:kommunenummer/delete", s.removeMember, can(policies.Region, policies.Members)},

		{get, "/admin/municipalities", s.listMunicipalities, can(policies.Municipality, policies.Read)},
		{get, "/admin/municipalities/:kommunenummer", s.showMunicipality, can(policies.Municipality, policies.Read)},
		{post, "/admin/municipalities/:kommunenummer", s.updateMunicipality, can(policies.Municipality, policies.Update)},

		{get, "/admin/partners", s.listPartners, can(policies.Partner, policies.Read)},
		{get, "/admin/partners/new", s.newPartnerForm, can(policies.Partner, policies.Create)},
		{post, "/admin/partners", s.createPartner, can(policies.Partner, policies.Create)},
		{get, "/admin/partners/:id", s.showPartner, can(policies.Partner, policies.Read)},
		{post, "/admin/partners/:id", s.updatePartner, can(policies.Partner, policies.Update)},

		{get, "/admin/users", s.listUsers, can(policies.User, policies.Read)},
		{get, "/admin/users/new", s.newUserForm, can(policies.User, policies.Create)},
		{post, "/admin/users", s.createUser, can(policies.User, policies.Create)},
		{get, "/admin/users/:id", s.showUser, can(policies.User, policies.Read)},
		{post, "/admin/users/:id", s.updateUser, can(policies.User, policies.Update)},
		{post, "/admin/users/:id/roles", s.setUserRoles, can(policies.User, policies.Update)},
		{post, "/admin/users/:id/active", s.setUserActive, can(policies.User, policies.Update)},
		{post, "/admin/users/:id/password", s.resetPassword, can(policies.User, policies.Update)},
		{post, "/admin/users/:id/sessions", s.endSessions, can(policies.User, policies.Update)},

		{get, "/api/v1/me", s.apiMe, loggedIn},
		{get, "/api/v1/regions", s.apiListRegions, can(policies.Region, policies.Read)},
		{post, "/api/v1/regions", s.apiCreateRegion, can(policies.Region, policies.Create)},
		{get, "/api/v1/regions/:id", s.apiShowRegion, can(policies.Region, policies.Read)},
		{patch, "/api/v1/regions/:id", s.apiUpdateRegion, can(policies.Region, policies.Update)},
		{get, "/api/v1/municipalities", s.apiListMunicipalities, can(policies.Municipality, policies.Read)},
		{get, "/api/v1/municipalities/:kommunenummer", s.apiShowMunicipality, can(policies.Municipality, policies.Read)},
		{get, "/api/v1/partners", s.apiListPartners, can(policies.Partner, policies.Read)},
		{post, "/api/v1/partners", s.apiCreatePartner, can(policies.Partner, policies.Create)},
		{get, "/api/v1/partners/:id", s.apiShowPartner, can(policies.Partner, policies.Read)},
		{patch, "/api/v1/partners/:id", s.apiUpdatePartner, can(policies.Partner, policies.Update)},
		{get, "/api/v1/factors", s.apiListFactors, can(policies.Factor, policies.Read)},
		{get, "/api/v1/tokens", s.apiListTokens, can(policies.Token, policies.Manage)},
		{del, "/api/v1/tokens/:id", s.apiRevokeToken, can(policies.Token, policies.Manage)},
	}
}

// register adds every route with its access check in front of the handler.
func (s *Server) register(e *echo.Echo) {
	for _, r := range s.routes {
		e.Add(r.method, r.path, r.handler, s.guard(r.access))
	}
}

// Route is the method and path of one route of the route table.
type Route struct{ Method, Path string }

// Routes lists every route of the route table, for tests outside this package:
// the browser tests visit every page it has, so that no page goes unchecked.
func Routes() []Route {
	table := (&Server{}).routeTable()
	out := make([]Route, len(table))
	for i, r := range table {
		out[i] = Route{Method: r.method, Path: r.path}
	}
	return out
}
