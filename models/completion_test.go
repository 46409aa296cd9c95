package models

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// Completing a project while milestones of its plan are open is refused,
// naming them, and changes nothing: a completed project's open milestones
// would be neither done nor given up. Asked to, completing cancels them in
// the same step, each audited as a milestone update; the choice with any
// other status is refused; stopping needs none of it (a stopped project's
// open milestones are given up already); and the completed project, reopened,
// keeps them cancelled.
func TestCompletingWithOpenMilestones(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p := f.project(t, "Fullføres", "active", "members", lead("3403"))
	ids, created := map[string]int64{}, map[string]string{}
	for _, m := range []struct {
		title, status string
		due           int // day of June 2026; today is the 15th
	}{
		{"Utført", "done", 1}, {"Forsinket", "planned", 10}, {"Pågår", "in_progress", 30}, {"Avlyst", "cancelled", 5},
	} {
		in := MilestoneInput{Title: m.title, DueOn: date(2026, 6, m.due), Status: m.status}
		if m.status == "done" {
			in.DoneOn = date(2026, 6, 1)
		}
		got, err := f.s.AddMilestone(ctx, f.coord, Actor{}, p.ID, in)
		if err != nil {
			t.Fatalf("%s: %v", m.title, err)
		}
		ids[m.title], created[m.title] = got.ID, m.status
	}
	statuses := func() map[string]string {
		t.Helper()
		got, err := f.s.Project(ctx, f.coord, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{"project": got.Status}
		for _, m := range got.Milestones {
			out[m.Title] = fmt.Sprintf("%s v%d", m.Status, m.Version)
			if m.Overdue {
				out[m.Title] += " overdue"
			}
		}
		return out
	}
	before := map[string]string{"project": "active", "Utført": "done v1", "Forsinket": "planned v1 overdue", "Pågår": "in_progress v1", "Avlyst": "cancelled v1"}
	if got := statuses(); !reflect.DeepEqual(got, before) {
		t.Fatalf("before: %v; want %v", got, before)
	}

	refused := []struct {
		name, status string
		cancel       bool
		field, msg   string
		data         map[string]any
	}{
		{"completed with open milestones", "completed", false, "status", "error.project_open_milestones",
			map[string]any{"Count": 2, "Titles": []string{"Forsinket", "Pågår"}}},
		{"the cancelling asked without completing", "paused", true, "cancel_open_milestones", "error.cancel_milestones_not_completing", nil},
		{"the cancelling asked with stopping", "stopped", true, "cancel_open_milestones", "error.cancel_milestones_not_completing", nil},
	}
	for _, tt := range refused {
		want := snapshot(t, f.s)
		in := p.Input()
		in.Status, in.CancelOpenMilestones = tt.status, tt.cancel
		err := f.s.UpdateProject(ctx, f.coord, Actor{}, p.ID, in)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields[tt.field] != tt.msg || len(ve.Fields) != 1 {
			t.Errorf("%s: %v; want %s %s", tt.name, err, tt.field, tt.msg)
			continue
		}
		if tt.data != nil && !reflect.DeepEqual(ve.Data[tt.field], tt.data) {
			t.Errorf("%s: the message names %v; want %v", tt.name, ve.Data[tt.field], tt.data)
		}
		// The form's check before it saves says the same.
		problems, err := f.s.ProjectProblems(ctx, f.region.ID, p.ID, in)
		if err != nil || problems.Fields[tt.field] != tt.msg || !reflect.DeepEqual(problems.Data[tt.field], ve.Data[tt.field]) {
			t.Errorf("%s: ProjectProblems %+v, %v; want %s %s", tt.name, problems, err, tt.field, tt.msg)
		}
		if got := snapshot(t, f.s); !reflect.DeepEqual(got, want) {
			t.Errorf("%s changed something: %v; want %v", tt.name, got, want)
		}
		if got := statuses(); !reflect.DeepEqual(got, before) {
			t.Errorf("%s: %v; want %v", tt.name, got, before)
		}
	}

	in := p.Input()
	in.Status, in.CancelOpenMilestones = "completed", true
	if err := f.s.UpdateProject(ctx, f.coord, Actor{}, p.ID, in); err != nil {
		t.Fatalf("completed, cancelling its open milestones: %v", err)
	}
	completed := map[string]string{"project": "completed", "Utført": "done v1", "Forsinket": "cancelled v2", "Pågår": "cancelled v2", "Avlyst": "cancelled v1"}
	if got := statuses(); !reflect.DeepEqual(got, completed) {
		t.Errorf("completed: %v; want %v", got, completed)
	}
	for title, id := range ids {
		entries, err := f.s.AuditFor(ctx, "milestone", fmt.Sprint(id))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Action+" "+e.Detail)
		}
		want := []string{fmt.Sprintf("create project=%d status=%s", p.ID, created[title])}
		if title == "Forsinket" || title == "Pågår" { // newest first
			want = append([]string{fmt.Sprintf("update project=%d status=cancelled", p.ID)}, want...)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("the audit of milestone %q: %q; want %q", title, got, want)
		}
	}

	// Reopened, the plan's cancelled milestones stay cancelled: none is
	// overdue again.
	got, err := f.s.Project(ctx, f.coord, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	in = got.Input()
	in.Status = "active"
	if err := f.s.UpdateProject(ctx, f.coord, Actor{}, p.ID, in); err != nil {
		t.Fatalf("reopened: %v", err)
	}
	completed["project"] = "active"
	if got := statuses(); !reflect.DeepEqual(got, completed) {
		t.Errorf("reopened: %v; want %v", got, completed)
	}

	// Stopping asks nothing: the open milestones are given up as they are.
	stopped := f.project(t, "Stoppes", "active", "members", lead("3403"))
	if _, err := f.s.AddMilestone(ctx, f.coord, Actor{}, stopped.ID, MilestoneInput{Title: "Åpen", DueOn: date(2026, 6, 1), Status: "planned"}); err != nil {
		t.Fatal(err)
	}
	in = stopped.Input()
	in.Status = "stopped"
	if err := f.s.UpdateProject(ctx, f.coord, Actor{}, stopped.ID, in); err != nil {
		t.Fatalf("stopped with an open milestone: %v", err)
	}
	if got, err := f.s.Project(ctx, f.coord, stopped.ID); err != nil || got.Status != "stopped" || got.Milestones[0].Status != "planned" {
		t.Errorf("stopped: %+v, %v; want stopped, its milestone planned", got, err)
	}
}
