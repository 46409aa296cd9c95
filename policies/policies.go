// Package policies embeds the Casbin model and the role → permission table, and
// builds the enforcer that answers "may this user do this here?".
package policies

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
)

//go:embed model.conf
var modelText string

//go:embed policy.csv
var policyText string

// Objects: the kinds of thing a permission is about.
const (
	Dashboard    = "dashboard"
	Profile      = "profile"
	Token        = "token"
	Region       = "region"
	Municipality = "municipality"
	Partner      = "partner"
	User         = "user"
	Factor       = "factor"
	Enquiry      = "enquiry"
	Statistics   = "statistics"
	Referral     = "referral"
	Report       = "report"
	Audit        = "audit"
	Privacy      = "privacy"

	Project     = "project"
	Assessment  = "assessment"
	Portfolio   = "portfolio"
	Load        = "load"
	Cooperation = "cooperation"
)

// Actions.
const (
	Read    = "read"
	Create  = "create"
	Update  = "update"
	Manage  = "manage"
	Members = "members"
	Export  = "export"
	Route   = "route"
	Comment = "comment"
)

// Binding gives a subject (a user) a role in a domain (a region ID, or "*").
type Binding struct {
	Subject, Role, Domain string
}

// Enforcer answers permission questions with Casbin. Reloading builds a whole new
// Casbin enforcer and swaps it in, so a request never sees a half-loaded set of
// role bindings. The bindings are tagged with the database's roles version so
// that a change made by any server instance is picked up on the next request.
type Enforcer struct {
	current atomic.Pointer[loaded]
}

type loaded struct {
	e       *casbin.SyncedEnforcer
	version int64
	// answers memoises Enforce: the bindings and the policy of a loaded set
	// never change (a change loads a new set), so neither can an answer.
	// Casbin evaluates its matcher expression on every call, and a page asks
	// a score of questions to draw its menu.
	answers sync.Map // sub \x00 dom \x00 obj \x00 act → bool
}

// Permission is one line of the policy: role, domain, object, action.
type Permission struct {
	Role, Domain, Object, Action string
}

// Permissions parses the embedded policy table.
func Permissions() ([]Permission, error) {
	var out []Permission
	for i, line := range strings.Split(policyText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, ",")
		if len(parts) != 5 || strings.TrimSpace(parts[0]) != "p" {
			return nil, fmt.Errorf("policy.csv line %d: want p, role, region, object, action", i+1)
		}
		out = append(out, Permission{strings.TrimSpace(parts[1]), strings.TrimSpace(parts[2]), strings.TrimSpace(parts[3]), strings.TrimSpace(parts[4])})
	}
	return out, nil
}

// New builds an enforcer from the embedded model and policy, with no role bindings yet.
func New() (*Enforcer, error) {
	en := &Enforcer{}
	if err := en.LoadBindings(nil, -1); err != nil {
		return nil, err
	}
	return en, nil
}

func build(bs []Binding) (*casbin.SyncedEnforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("casbin model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("casbin enforcer: %w", err)
	}
	perms, err := Permissions()
	if err != nil {
		return nil, err
	}
	rules := make([][]string, 0, len(perms))
	for _, p := range perms {
		rules = append(rules, []string{p.Role, p.Domain, p.Object, p.Action})
	}
	if _, err := e.AddPolicies(rules); err != nil {
		return nil, fmt.Errorf("casbin policy: %w", err)
	}
	if len(bs) > 0 {
		groups := make([][]string, 0, len(bs))
		for _, b := range bs {
			groups = append(groups, []string{b.Subject, b.Role, b.Domain})
		}
		if _, err := e.AddGroupingPolicies(groups); err != nil {
			return nil, fmt.Errorf("casbin role bindings: %w", err)
		}
	}
	return e, nil
}

// Version is the roles version the bindings were loaded at (-1 before the first load).
func (en *Enforcer) Version() int64 { return en.current.Load().version }

// LoadBindings replaces every role binding with bs, tagged with version.
func (en *Enforcer) LoadBindings(bs []Binding, version int64) error {
	e, err := build(bs)
	if err != nil {
		return err
	}
	en.current.Store(&loaded{e: e, version: version})
	return nil
}

// Enforce answers whether sub may do act on obj in domain dom.
func (en *Enforcer) Enforce(sub, dom, obj, act string) (bool, error) {
	l := en.current.Load()
	key := sub + "\x00" + dom + "\x00" + obj + "\x00" + act
	if ok, found := l.answers.Load(key); found {
		return ok.(bool), nil
	}
	ok, err := l.e.Enforce(sub, dom, obj, act)
	if err == nil {
		l.answers.Store(key, ok)
	}
	return ok, err
}
