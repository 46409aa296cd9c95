package models

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
)

// An enquiry the same as one registered within the RepeatWindow is that one
// sent again: CreateEnquiry answers with the first and writes nothing (no
// enquiry, no reference of the series, no audit entry). Anything the person
// filled in that differs makes it a new one, so nothing typed is lost; the
// contact is compared as an erasure compares it.
func TestCreateEnquirySentAgain(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 27, 10, 0, 0, 0, Oslo)
	yes := true
	tests := []struct {
		name   string
		after  time.Duration
		by     func(f *enquiryFixture) *Viewer
		change func(n *NewEnquiry)
		repeat bool
	}{
		{"the same, a second later", time.Second, nil, func(n *NewEnquiry) {}, true},
		{"the same, nine minutes later", 9 * time.Minute, nil, func(n *NewEnquiry) {}, true},
		{"the same, ten minutes later", RepeatWindow, nil, func(n *NewEnquiry) {}, false},
		{"the phone written otherwise", time.Second, nil, func(n *NewEnquiry) { n.Input.Phone = "+47 91234567" }, true},
		{"the e-mail in capitals, with spaces", time.Second, nil, func(n *NewEnquiry) { n.Input.Email = " OLA@Example.org " }, true},
		{"the needs in another order", time.Second, nil, func(n *NewEnquiry) { n.Input.Needs = []string{"network_competence", "financing"} }, true},
		{"the description trimmed", time.Second, nil, func(n *NewEnquiry) { n.Input.Description += "  " }, true},
		// What checkNew makes of the second input is what the first was stored as.
		{"the language left empty (Bokmål)", time.Second, nil, func(n *NewEnquiry) { n.Input.Language = "" }, true},
		{"the optional fields left as spaces", time.Second, nil, func(n *NewEnquiry) {
			n.Input.BusinessName, n.Input.OrgNumber, n.Input.Name = "   ", " ", n.Input.Name+"  "
		}, true},
		{"a need twice, and an empty one", time.Second, nil, func(n *NewEnquiry) { n.Input.Needs = append(n.Input.Needs, "financing", " ") }, true},
		{"the form's unread fields, none", time.Second, nil, func(n *NewEnquiry) { n.Input.Unread = map[string]string{} }, true},
		{"a business name added", time.Second, nil, func(n *NewEnquiry) { n.Input.BusinessName = "Gårdsutsalget AS " }, false},
		{"another language", time.Second, nil, func(n *NewEnquiry) { n.Input.Language = "en" }, false},
		{"a trait answered no", time.Second, nil, func(n *NewEnquiry) { no := false; n.Input.ImmigrantBackground = &no }, false},
		{"another phone", time.Second, nil, func(n *NewEnquiry) { n.Input.Phone = "91234568" }, false},
		{"no phone", time.Second, nil, func(n *NewEnquiry) { n.Input.Phone = "" }, false},
		{"another e-mail", time.Second, nil, func(n *NewEnquiry) { n.Input.Email = "kari@example.org" }, false},
		{"another description", time.Second, nil, func(n *NewEnquiry) { n.Input.Description += "!" }, false},
		{"another need", time.Second, nil, func(n *NewEnquiry) { n.Input.Needs = append(n.Input.Needs, "recruitment") }, false},
		{"another municipality", time.Second, nil, func(n *NewEnquiry) { n.Input.Kommunenummer = "3403" }, false},
		{"another channel", time.Second, nil, func(n *NewEnquiry) { n.Channel = "email" }, false},
		{"another name", time.Second, nil, func(n *NewEnquiry) { n.Input.Name = "Ola Normann" }, false},
		{"an organisation number added", time.Second, nil, func(n *NewEnquiry) { n.Input.OrgNumber = "974760673" }, false},
		{"a trait answered", time.Second, nil, func(n *NewEnquiry) { n.Input.Under30 = &yes }, false},
		{"consent to share given", time.Second, nil, func(n *NewEnquiry) { n.Consent.Share = true }, false},
		{"the same, registered by an adviser", time.Second, func(f *enquiryFixture) *Viewer { return f.adviser }, func(n *NewEnquiry) {}, true},
		// The other region's adviser cannot see the first: theirs is registered
		// (in the region that serves the municipality, as any would be).
		{"the same, by an adviser who cannot see it", time.Second, func(f *enquiryFixture) *Viewer { return f.otherAdviser }, func(n *NewEnquiry) {}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newEnquiryFixture(t)
			ctx := context.Background()
			clock := start
			f.s.SetClock(func() time.Time { return clock.UTC() })
			n := NewEnquiry{Input: sampleInput("3412"), Consent: consent(), Channel: "web"}
			n.Input.Phone = "912 34 567"
			first, err := f.s.CreateEnquiry(ctx, nil, Actor{}, n)
			if err != nil || first.Repeated {
				t.Fatalf("first: %v, repeated %v", err, first != nil && first.Repeated)
			}
			audited := len(auditOf(t, f.s))
			clock = clock.Add(tt.after)
			again := n
			again.Input.Needs = append([]string(nil), n.Input.Needs...)
			tt.change(&again)
			var v *Viewer
			if tt.by != nil {
				v = tt.by(f)
			}
			second, err := f.s.CreateEnquiry(ctx, v, Actor{}, again)
			if err != nil {
				t.Fatal(err)
			}
			_, total, _ := f.s.Enquiries(ctx, f.admin, EnquiryFilter{})
			if tt.repeat {
				if !second.Repeated || second.ID != first.ID || second.Reference != first.Reference || second.Region == nil || second.Region.ID != f.hamar.ID {
					t.Errorf("sent again: %s (id %d, repeated %v); want the first, %s (id %d), in its region", second.Reference, second.ID, second.Repeated, first.Reference, first.ID)
				}
				if total != 1 || len(auditOf(t, f.s)) != audited {
					t.Errorf("sent again: %d enquiries, %d audit entries added; want 1 and none", total, len(auditOf(t, f.s))-audited)
				}
				// Nothing was taken from the series: the next is the next number.
				n.Input.Description = "Noe annet"
				if next, err := f.s.CreateEnquiry(ctx, nil, Actor{}, n); err != nil || next.Reference != "HAM-2026-00002" {
					t.Errorf("the next enquiry: %v %v; want HAM-2026-00002", next.Reference, err)
				}
				return
			}
			if second.Repeated || second.ID == first.ID || second.Reference == first.Reference || total != 2 {
				t.Errorf("a new enquiry: %s (id %d, repeated %v), %d stored; want another than %s, and 2", second.Reference, second.ID, second.Repeated, total, first.Reference)
			}
		})
	}
}

func auditOf(t *testing.T, s *Store) []AuditEntry {
	t.Helper()
	var all []AuditEntry
	if err := s.db.Find(&all).Error; err != nil {
		t.Fatal(err)
	}
	return all
}

// The same enquiry sent by many at the same instant (a double click, a retry
// racing its original) is registered once, and every request is answered with
// it.
func TestCreateEnquirySentAgainAtOnce(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	n := NewEnquiry{Input: sampleInput("3412"), Consent: consent(), Channel: "web"}
	const senders = 8
	refs := make([]string, senders)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range senders {
		wg.Go(func() {
			<-start
			e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, n)
			if err != nil {
				t.Error(err)
				return
			}
			refs[i] = e.Reference
		})
	}
	close(start)
	wg.Wait()
	for _, r := range refs {
		if r != refs[0] {
			t.Errorf("references %v; want one", refs)
			break
		}
	}
	if _, total, _ := f.s.Enquiries(ctx, f.admin, EnquiryFilter{}); total != 1 {
		t.Errorf("%d enquiries stored; want 1", total)
	}
}

// The one door's bot trap answers a bot's submission sent again as a
// person's is answered: with the same reference, within the window, and with
// another when it says anything else or comes later. Nothing is stored.
func TestReserveReceiptSentAgain(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	clock := time.Date(2026, 11, 27, 10, 0, 0, 0, Oslo)
	f.s.SetClock(func() time.Time { return clock.UTC() })
	n := NewEnquiry{Input: sampleInput("3412"), Consent: consent(), Channel: "web"}
	reserve := func(n NewEnquiry) string {
		t.Helper()
		r, err := f.s.ReserveReceipt(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		return r.Reference
	}
	first := reserve(n)
	clock = clock.Add(time.Second)
	if again := reserve(n); again != first {
		t.Errorf("the bot's submission sent again: %s; want %s, as a person's", again, first)
	}
	other := n
	other.Input.Needs = []string{"recruitment"}
	if r := reserve(other); r == first {
		t.Errorf("another submission: %s; want another reference", r)
	}
	clock = clock.Add(RepeatWindow)
	if r := reserve(n); r == first {
		t.Errorf("the same after the window: %s; want another reference", r)
	}
	if _, total, _ := f.s.Enquiries(ctx, f.admin, EnquiryFilter{}); total != 0 {
		t.Errorf("%d enquiries stored by the bot trap", total)
	}
}

// An adviser who registers an enquiry from a municipality another region
// serves cannot see it afterwards (it goes to that region), but their own
// double click is still one case: the enquiry they registered themselves
// answers it. Another adviser of their region, who did not register it, is
// still not answered with the other region's case.
func TestCreateEnquirySentAgainToAnotherRegion(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	colleague, err := f.s.CreateUser(ctx, Actor{}, UserInput{Email: "k@ringsaker.example", Name: "Kollega Ringsaker"}, "passord-passord", []RoleGrant{{RegionID: f.ringsaker.ID, Role: RoleAdviser}})
	if err != nil {
		t.Fatal(err)
	}
	n := NewEnquiry{Input: sampleInput("3412"), Consent: consent(), Channel: "phone"}
	first, err := f.s.CreateEnquiry(ctx, f.otherAdviser, Actor{}, n)
	if err != nil {
		t.Fatal(err)
	}
	if first.Region == nil || first.Region.ID != f.hamar.ID {
		t.Fatalf("registered by Ringsaker's adviser for 3412: region %v; want Hamarregionen", first.Region)
	}
	again, err := f.s.CreateEnquiry(ctx, f.otherAdviser, Actor{}, n)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Repeated || again.ID != first.ID || again.Region == nil || again.Region.ID != f.hamar.ID {
		t.Errorf("sent again by the adviser who registered it: %s (repeated %v); want the first, %s, in Hamarregionen", again.Reference, again.Repeated, first.Reference)
	}
	other, err := f.s.CreateEnquiry(ctx, &Viewer{User: colleague, Region: f.ringsaker}, Actor{}, n)
	if err != nil {
		t.Fatal(err)
	}
	if other.Repeated || other.ID == first.ID {
		t.Errorf("the same sent by a colleague who cannot see it: answered with %s; want a new enquiry", other.Reference)
	}
}

// The bot trap's key (contentKey) tells apart two submissions exactly when
// the repeat rule (repeats) does, field by field of the input, whatever
// fields it gains: each field of EnquiryInput is changed in turn, by
// reflection, and the key must differ where repeats finds another enquiry and
// be the same where it finds the same one (the phone number written another
// way, the needs in another order, what is no part of the enquiry). The way
// it came, the consent to share and the region are keyed too.
func TestContentKeyFollowsRepeats(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	base := NewEnquiry{Input: sampleInput("3412"), Consent: consent(), Channel: "web"}
	base.Input.Phone = "912 34 567"
	// Every field given, so that each can be taken away as well as changed.
	in := reflect.ValueOf(&base.Input).Elem()
	for i := range in.NumField() {
		switch f := in.Field(i); f.Kind() {
		case reflect.String:
			if f.String() == "" {
				f.SetString("svar " + in.Type().Field(i).Name)
			}
		case reflect.Pointer:
			if f.Type().Elem().Kind() == reflect.Bool {
				f.Set(reflect.ValueOf(&no))
			}
		}
	}
	base.Input.Status = ""
	region := &Region{ID: 7}
	var stored Enquiry
	base.Input.apply(&stored)
	stored.ConsentShare = base.Consent.Share
	if !repeats(&base, &stored) {
		t.Fatal("the enquiry does not repeat itself")
	}
	key := contentKey(&base, region)

	type variant struct {
		name string
		edit func(v reflect.Value) // v is the field, settable
	}
	variants := func(f reflect.StructField) []variant {
		switch {
		case f.Type.Kind() == reflect.String && f.Name == "Phone":
			return []variant{{"another number", func(v reflect.Value) { v.SetString("912 34 568") }},
				{"the same number written otherwise", func(v reflect.Value) { v.SetString("+47 91234567") }},
				{"none", func(v reflect.Value) { v.SetString("") }}}
		case f.Type.Kind() == reflect.String:
			return []variant{{"another", func(v reflect.Value) { v.SetString(v.String() + " og mer") }},
				{"none", func(v reflect.Value) { v.SetString("") }}}
		case f.Type.Kind() == reflect.Bool:
			return []variant{{"flipped", func(v reflect.Value) { v.SetBool(!v.Bool()) }}}
		case f.Type == reflect.TypeOf(&yes):
			return []variant{{"yes", func(v reflect.Value) { v.Set(reflect.ValueOf(&yes)) }},
				{"not answered", func(v reflect.Value) { v.Set(reflect.Zero(f.Type)) }}}
		case f.Type == reflect.TypeOf([]string{}):
			return []variant{{"one more", func(v reflect.Value) { v.Set(reflect.ValueOf(append(slices.Clone(v.Interface().([]string)), "other"))) }},
				{"in another order", func(v reflect.Value) {
					s := slices.Clone(v.Interface().([]string))
					slices.Reverse(s)
					v.Set(reflect.ValueOf(s))
				}},
				{"none", func(v reflect.Value) { v.Set(reflect.Zero(f.Type)) }}}
		case f.Type == reflect.TypeOf(map[string]string{}):
			return []variant{{"given", func(v reflect.Value) { v.Set(reflect.ValueOf(map[string]string{"under_30": "error.choice"})) }}}
		}
		t.Fatalf("EnquiryInput.%s is a %s: give the test a way to change it", f.Name, f.Type)
		return nil
	}
	for i := range in.NumField() {
		field := in.Type().Field(i)
		for _, vr := range variants(field) {
			n := base
			n.Input.Needs = slices.Clone(base.Input.Needs)
			vr.edit(reflect.ValueOf(&n.Input).Elem().Field(i))
			same := repeats(&n, &stored)
			if got := contentKey(&n, region) == key; got != same {
				t.Errorf("%s %s: the same key %t; want %t, as repeats finds it the same enquiry %t", field.Name, vr.name, got, same, same)
			}
		}
	}
	others := map[string]func(n *NewEnquiry) *Region{
		"another channel":      func(n *NewEnquiry) *Region { n.Channel = "email"; return region },
		"consent to share":     func(n *NewEnquiry) *Region { n.Consent.Share = true; return region },
		"another region":       func(n *NewEnquiry) *Region { return &Region{ID: 8} },
		"the admin queue":      func(n *NewEnquiry) *Region { return nil },
		"another consent text": func(n *NewEnquiry) *Region { n.Consent.ShareText = "Dele, ny tekst"; return region },
	}
	for name, change := range others {
		n := base
		r := change(&n)
		want := name == "another consent text" // not compared: the person said the same
		if got := contentKey(&n, r) == key; got != want {
			t.Errorf("%s: the same key %t; want %t", name, got, want)
		}
	}
}
