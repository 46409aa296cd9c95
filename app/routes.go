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
	limits := s.intakeLimits()
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

		{get, "/enquiry", s.intakeForm, open},
		{post, "/enquiry", limits(s.submitIntake), open},
		{get, "/enquiry/receipt", s.intakeReceipt, open},
		{post, "/api/v1/intake", limits(s.apiIntake), open},
		{get, "/api/v1/intake/consent", s.apiConsentTexts, open},

		{get, "/dashboard", s.dashboard, can(policies.Dashboard, policies.Read)},

		{get, "/enquiries", s.listEnquiries, can(policies.Enquiry, policies.Read)},
		{get, "/enquiries/new", s.newEnquiryForm, can(policies.Enquiry, policies.Create)},
		{post, "/enquiries", s.createEnquiry, can(policies.Enquiry, policies.Create)},
		{get, "/enquiries/export.csv", s.exportCSV, can(policies.Enquiry, policies.Export)},
		{get, "/enquiries/export.xlsx", s.exportXLSX, can(policies.Enquiry, policies.Export)},
		{get, "/enquiries/:id", s.showEnquiry, can(policies.Enquiry, policies.Read)},
		{post, "/enquiries/:id", s.updateEnquiry, can(policies.Enquiry, policies.Update)},
		{post, "/enquiries/:id/assign", s.assignEnquiry, can(policies.Enquiry, policies.Update)},
		{post, "/enquiries/:id/status", s.changeEnquiryStatus, can(policies.Enquiry, policies.Update)},
		{post, "/enquiries/:id/activities", s.addActivity, can(policies.Enquiry, policies.Update)},
		{post, "/enquiries/:id/close", s.closeEnquiry, can(policies.Enquiry, policies.Update)},
		{post, "/enquiries/:id/withdraw-consent", s.withdrawShareConsent, can(policies.Enquiry, policies.Update)},
		{post, "/enquiries/:id/region", s.routeEnquiry, can(policies.Enquiry, policies.Route)},
		{get, "/statistics", s.statistics, can(policies.Statistics, policies.Read)},

		{post, "/enquiries/:id/referrals", s.referEnquiry, can(policies.Referral, policies.Create)},
		{get, "/referrals", s.listReferrals, can(policies.Referral, policies.Read)},
		{get, "/referrals/:id", s.showReferral, can(policies.Referral, policies.Read)},
		{post, "/referrals/:id/status", s.setReferralStatus, can(policies.Referral, policies.Update)},
		{post, "/referrals/:id/close", s.closeReferral, can(policies.Referral, policies.Update)},
		{post, "/referrals/:id/follow-up", s.setReferralFollowUp, can(policies.Referral, policies.Manage)},
		{post, "/referrals/:id/draft", s.updateDraftReferral, can(policies.Referral, policies.Manage)},
		{post, "/referrals/:id/discard", s.discardReferral, can(policies.Referral, policies.Manage)},
		{post, "/referrals/:id/link", s.createReferralLink, can(policies.Referral, policies.Create)},
		{post, "/referrals/:id/comments", s.commentOnReferral, can(policies.Referral, policies.Comment)},
		{post, "/referrals/:id/board", s.markReferralForBoard, can(policies.Referral, policies.Comment)},
		{get, "/reports/referrals", s.referralReport, can(policies.Report, policies.Read)},
		{get, "/reports/referrals.csv", s.referralReportCSV, can(policies.Report, policies.Read)},
		{get, "/r/:token", s.linkReferral, open},
		{post, "/r/:token", s.answerLink, open},

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

		{get, "/admin/audit", s.listAudit, can(policies.Audit, policies.Read)},
		{get, "/admin/privacy", s.privacy, can(policies.Privacy, policies.Manage)},
		{post, "/admin/privacy/export", s.exportPerson, can(policies.Privacy, policies.Manage)},
		{post, "/admin/privacy/erase", s.erasePerson, can(policies.Privacy, policies.Manage)},

		{get, "/admin/users", s.listUsers, can(policies.User, policies.Read)},
		{get, "/admin/users/new", s.newUserForm, can(policies.User, policies.Create)},
		{post, "/admin/users", s.createUser, can(policies.User, policies.Create)},
		{get, "/admin/users/:id", s.showUser, can(policies.User, policies.Read)},
		{post, "/admin/users/:id", s.updateUser, can(policies.User, policies.Update)},
		{post, "/admin/users/:id/roles", s.setUserRoles, can(policies.User, policies.Update)},
		{post, "/admin/users/:id/active", s.setUserActive, can(policies.User, policies.Update)},
		{post, "/admin/users/:id/password", s.resetPassword, can(policies.User, policies.Update)},
		{post, "/admin/users/:id/sessions", s.endSessions, can(policies.User, policies.Update)},
		{post, "/admin/users/:id/admin", s.setUserAdmin, can(policies.User, policies.Manage)},

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
		{get, "/api/v1/enquiries", s.apiListEnquiries, can(policies.Enquiry, policies.Read)},
		{post, "/api/v1/enquiries", s.apiCreateEnquiry, can(policies.Enquiry, policies.Create)},
		{get, "/api/v1/enquiries/:id", s.apiShowEnquiry, can(policies.Enquiry, policies.Read)},
		{patch, "/api/v1/enquiries/:id", s.apiUpdateEnquiry, can(policies.Enquiry, policies.Update)},
		{get, "/api/v1/enquiries/:id/activities", s.apiListActivities, can(policies.Enquiry, policies.Read)},
		{post, "/api/v1/enquiries/:id/activities", s.apiCreateActivity, can(policies.Enquiry, policies.Update)},
		{get, "/api/v1/reports/municipality", s.apiStatistics, can(policies.Statistics, policies.Read)},
		{get, "/api/v1/enquiries/:id/referrals", s.apiListEnquiryReferrals, can(policies.Enquiry, policies.Read)},
		{post, "/api/v1/enquiries/:id/referrals", s.apiCreateReferral, can(policies.Referral, policies.Create)},
		{get, "/api/v1/referrals", s.apiListReferrals, can(policies.Referral, policies.Read)},
		{get, "/api/v1/referrals/:id", s.apiShowReferral, can(policies.Referral, policies.Read)},
		{patch, "/api/v1/referrals/:id", s.apiUpdateReferral, can(policies.Referral, policies.Update)},
		{del, "/api/v1/referrals/:id", s.apiDiscardReferral, can(policies.Referral, policies.Manage)},
		{get, "/api/v1/reports/referrals", s.apiReferralReport, can(policies.Report, policies.Read)},
		{get, "/api/v1/tokens", s.apiListTokens, can(policies.Token, policies.Manage)},
		{del, "/api/v1/tokens/:id", s.apiRevokeToken, can(policies.Token, policies.Manage)},

		// Projects, assessments of the cooperation factors, portfolio, cooperation load and "Våre samarbeid".
		{get, "/projects", s.listProjects, can(policies.Project, policies.Read)},
		{get, "/projects/new", s.newProjectForm, can(policies.Project, policies.Create)},
		{post, "/projects", s.createProject, can(policies.Project, policies.Create)},
		{get, "/projects/:id", s.showProject, can(policies.Project, policies.Read)},
		{get, "/projects/:id/edit", s.editProjectForm, can(policies.Project, policies.Update)},
		{post, "/projects/:id", s.updateProject, can(policies.Project, policies.Update)},
		{post, "/projects/:id/status", s.setProjectStatus, can(policies.Project, policies.Update)},
		{post, "/projects/:id/milestones", s.addMilestone, can(policies.Project, policies.Update)},
		{post, "/projects/:id/milestones/:mid", s.updateMilestone, can(policies.Project, policies.Update)},
		{get, "/projects/:id/assessments/new", s.newProjectAssessment, can(policies.Assessment, policies.Create)},
		{post, "/projects/:id/assessments", s.createProjectAssessment, can(policies.Assessment, policies.Create)},
		{get, "/portfolio", s.portfolio, can(policies.Portfolio, policies.Read)},
		{get, "/assessments", s.listAssessments, can(policies.Assessment, policies.Read)},
		{get, "/assessments/new", s.newRegionAssessment, can(policies.Assessment, policies.Create)},
		{post, "/assessments", s.createRegionAssessment, can(policies.Assessment, policies.Create)},
		{get, "/assessments/trend", s.assessmentTrend, can(policies.Assessment, policies.Read)},
		{get, "/assessments/heatmap", s.assessmentHeatMap, can(policies.Assessment, policies.Read)},
		{get, "/assessments/compare", s.compareAssessments, can(policies.Assessment, policies.Read)},
		{get, "/assessments/:id", s.showAssessment, can(policies.Assessment, policies.Read)},
		{get, "/load", s.cooperationLoad, can(policies.Load, policies.Read)},
		{post, "/load/threshold", s.setLoadThreshold, can(policies.Load, policies.Update)},
		{get, "/cooperation", s.cooperation, can(policies.Cooperation, policies.Read)},
		{get, "/admin/factors", s.listFactors, can(policies.Factor, policies.Read)},
		{post, "/admin/factors", s.createFactor, can(policies.Factor, policies.Create)},
		{post, "/admin/factors/:code/retire", s.retireFactor, can(policies.Factor, policies.Update)},
		{post, "/admin/factors/:code/reinstate", s.reinstateFactor, can(policies.Factor, policies.Update)},

		{get, "/api/v1/projects", s.apiListProjects, can(policies.Project, policies.Read)},
		{post, "/api/v1/projects", s.apiCreateProject, can(policies.Project, policies.Create)},
		{get, "/api/v1/projects/:id", s.apiShowProject, can(policies.Project, policies.Read)},
		{patch, "/api/v1/projects/:id", s.apiUpdateProject, can(policies.Project, policies.Update)},
		{get, "/api/v1/projects/:id/assessments", s.apiListProjectAssessments, can(policies.Assessment, policies.Read)},
		{post, "/api/v1/projects/:id/assessments", s.apiCreateProjectAssessment, can(policies.Assessment, policies.Create)},
		{get, "/api/v1/regions/:id/assessments", s.apiListRegionAssessments, can(policies.Assessment, policies.Read)},
		{post, "/api/v1/regions/:id/assessments", s.apiCreateRegionAssessment, can(policies.Assessment, policies.Create)},
		{get, "/api/v1/assessments/:id", s.apiShowAssessment, can(policies.Assessment, policies.Read)},
		{post, "/api/v1/factors", s.apiCreateFactor, can(policies.Factor, policies.Create)},
		{get, "/api/v1/factors/:code", s.apiShowFactor, can(policies.Factor, policies.Read)},
		{post, "/api/v1/factors/:code/retire", s.apiRetireFactor, can(policies.Factor, policies.Update)},
		{post, "/api/v1/factors/:code/reinstate", s.apiReinstateFactor, can(policies.Factor, policies.Update)},
	}
}

// benchFloor is the page `samspill bench` measures the floor of every page
// with: it passes through all the middleware (session, log-in, region, roles,
// CSRF) as a logged-in user and then does nothing. Only with BenchFloor.
func (s *Server) benchFloor(c echo.Context) error { return c.NoContent(http.StatusNoContent) }

// register adds every route with its access check in front of the handler.
func (s *Server) register(e *echo.Echo) {
	for _, r := range s.routes {
		e.Add(r.method, r.path, r.handler, s.guard(r.path, r.access))
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
