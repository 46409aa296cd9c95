package policies

import "testing"

// TestProjectPermissions follows DESIGN.md's access table for projects and
// assessments, and the portfolio, load and factor rules.
func TestProjectPermissions(t *testing.T) {
	t.Parallel()
	en, err := New()
	if err != nil {
		t.Fatal(err)
	}
	roles := []string{"admin", "coordinator", "adviser", "municipality", "board", "partner"}
	var bs []Binding
	for i, r := range roles {
		dom := "1"
		if r == "admin" {
			dom = "*"
		}
		bs = append(bs, Binding{Subject: "user:" + string(rune('1'+i)), Role: r, Domain: dom})
	}
	if err := en.LoadBindings(bs, 1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		obj, act string
		who      string // the roles allowed, as initials: a c v m b p
	}{
		{Project, Read, "acvmb"},
		{Project, Create, "ac"},
		{Project, Update, "ac"},
		{Assessment, Read, "acvmb"},
		{Assessment, Create, "acv"},
		{Factor, Read, "acvmb"},
		{Factor, Create, "a"},
		{Factor, Update, "a"},
		{Portfolio, Read, "acvb"},
		{Load, Read, "acvb"},
		{Load, Update, "ac"},
		{Cooperation, Read, "m"},
	}
	initials := "acvmbp"
	for _, tt := range tests {
		for i := range roles {
			want := false
			for _, w := range tt.who {
				want = want || byte(w) == initials[i]
			}
			got, err := en.Enforce("user:"+string(rune('1'+i)), "1", tt.obj, tt.act)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s may %s %s: %t; want %t", roles[i], tt.act, tt.obj, got, want)
			}
		}
	}
	// Another region's coordinator has no say here.
	if ok, _ := en.Enforce("user:2", "2", Project, Update); ok {
		t.Error("a coordinator may update projects in another region")
	}
}
