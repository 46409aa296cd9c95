package policies

import "testing"

func TestEnforce(t *testing.T) {
	t.Parallel()
	en, err := New()
	if err != nil {
		t.Fatal(err)
	}
	err = en.LoadBindings([]Binding{
		{"user:1", "admin", "*"},
		{"user:2", "coordinator", "1"},
		{"user:3", "adviser", "1"},
		{"user:3", "coordinator", "2"},
		{"user:4", "board", "1"},
	}, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got := en.Version(); got != 7 {
		t.Errorf("Version() = %d; want 7", got)
	}
	tests := []struct {
		sub, dom, obj, act string
		want               bool
	}{
		{"user:1", "1", Region, Create, true},
		{"user:1", "99", User, Update, true},
		{"user:1", "-", Partner, Create, true},
		{"user:2", "1", User, Create, true},
		{"user:2", "2", User, Create, false},
		{"user:2", "1", Partner, Create, false},
		{"user:3", "1", User, Read, false},
		{"user:3", "2", User, Read, true},
		{"user:3", "1", Dashboard, Read, true},
		{"user:4", "1", Region, Update, false},
		{"user:4", "1", Dashboard, Read, true},
		{"user:5", "1", Dashboard, Read, false},
		{"user:4", "1", "nonsense", Read, false},
	}
	for _, tt := range tests {
		got, err := en.Enforce(tt.sub, tt.dom, tt.obj, tt.act)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("Enforce(%s, %s, %s, %s) = %t; want %t", tt.sub, tt.dom, tt.obj, tt.act, got, tt.want)
		}
	}
}

func TestPermissionsParse(t *testing.T) {
	t.Parallel()
	perms, err := Permissions()
	if err != nil {
		t.Fatal(err)
	}
	if len(perms) < 20 {
		t.Errorf("Permissions() gave %d lines; want the whole table", len(perms))
	}
}
