package models

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// The reads every page request makes (the user with their roles, the regions
// they may see) are scanned by hand, not by GORM: they give exactly what
// GORM's First with Preload and Find gave, for every demo user, an admin and
// users with roles in one region or several, and for a user without roles.
func TestPerRequestReadsAsGORMReadsThem(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if err := s.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Exec(`INSERT INTO users (email, name, password_hash, language, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		"utenroller@example.org", "Uten Roller", "x", "en", s.Now(), s.Now()).Error; err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := s.rdb.Raw(`SELECT id FROM users ORDER BY id`).Scan(&ids).Error; err != nil || len(ids) < 3 {
		t.Fatalf("users: %v %v", ids, err)
	}
	for _, id := range ids {
		var want User
		if err := s.rdb.Preload("Roles").First(&want, id).Error; err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("user %d:\n got %+v\nwant %+v", id, *got, want)
		}
		v := &Viewer{User: got}
		wantRegions, err := s.regionsVisibleTo(s.read(ctx), v)
		if err != nil {
			t.Fatal(err)
		}
		gotRegions, err := s.RegionsVisibleTo(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotRegions, wantRegions) {
			t.Errorf("regions of user %d (admin %v):\n got %+v\nwant %+v", id, v.IsAdmin(), gotRegions, wantRegions)
		}
	}
	if _, err := s.UserByID(ctx, 1<<40); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown user: %v; want not found", err)
	}
}
