package models

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"
)

// takenKind is one of the four values a unique index keeps single: how to
// save a record with it (and with another error beside it), and the field and
// message a value already used is refused with.
type takenKind struct {
	name, table, field, msg string
	// save saves a record with value; broken adds an error in another field,
	// which must be said in the same answer.
	save func(ctx context.Context, s *Store, value string, broken bool) error
	// other is the field broken makes wrong.
	other string
}

var takenKinds = []takenKind{
	{"partner name", "partners", "name", "error.name_taken", func(ctx context.Context, s *Store, v string, broken bool) error {
		in := PartnerInput{Name: v, Kind: "regional", Active: true}
		if broken {
			in.Kind = "bogus"
		}
		_, err := s.CreatePartner(ctx, Actor{}, in)
		return err
	}, "kind"},
	{"region slug", "regions", "slug", "error.slug_taken", func(ctx context.Context, s *Store, v string, broken bool) error {
		in := DefaultRegionInput()
		in.Slug, in.Name = v, "Region "+v
		if broken {
			in.Name = ""
		}
		_, err := s.CreateRegion(ctx, Actor{}, in)
		return err
	}, "name"},
	{"factor code", "factors", "code", "error.code_taken", func(ctx context.Context, s *Store, v string, broken bool) error {
		in := FactorInput{Code: v, Polarity: "enabling", TitleNB: "Faktor " + v, TitleEN: "Factor " + v}
		if broken {
			in.Polarity = "bogus"
		}
		_, err := s.AddFactor(ctx, Actor{}, in)
		return err
	}, "polarity"},
	{"user e-mail", "users", "email", "error.email_taken", func(ctx context.Context, s *Store, v string, broken bool) error {
		in := UserInput{Email: v, Name: "Bruker"}
		if broken {
			in.Name = ""
		}
		_, err := s.CreateUser(ctx, Actor{}, in, GeneratePassword(), nil)
		return err
	}, "name"},
}

// A value a unique index already holds is said to be taken in the first
// round, beside the record's other errors, with the kind's own message, and
// exactly when the index would refuse it, on SQLite and PostgreSQL alike.
// None of the four indexes folds case (models/migrate.go: plain UNIQUE and a
// primary key, the byte-wise comparison on both databases), and taken
// compares as they do: e-mail addresses are stored in lower case (Go's, which
// knows Æ, Ø and Å), so an address in other letters is the same one and
// taken; slugs and factor codes are lower-case words, so one in capitals is
// refused for its form. A partner name differing in case or spacing only is
// another name to the index, but the same organisation to the advisers
// choosing it: it is refused as too like the stored one (partnerNameClash;
// the index on the folded name, migration 26, holds the names saved since
// only, and is for saves at the same moment: TestPartnerNameClashAtOnce).
func TestTakenAsItsIndex(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	// Per kind: the value stored, and what is tried after it with the
	// message wanted ("" saved).
	type try struct{ variant, value, want string }
	cases := map[string]struct {
		stored string
		tries  []try
	}{
		"partner name": {"Ålesund Næringsforum", []try{
			{"same", "Ålesund Næringsforum", "error.name_taken"},
			{"same, spaces around", "  Ålesund Næringsforum ", "error.name_taken"},
			{"other case", "ÅLESUND NÆRINGSFORUM", "error.name_clash"},
			{"other Norwegian letter case", "ålesund næringsforum", "error.name_clash"},
			{"spaces inside", "Ålesund  \tNæringsforum", "error.name_clash"},
			{"same, å typed as a and a combining ring", "A\u030alesund Næringsforum", "error.name_taken"},
			{"other case, å typed as a and a combining ring", "a\u030alesund næringsforum", "error.name_clash"},
			{"other name", "Ålesund Næringsforening", ""},
		}},
		"region slug": {"alesund", []try{
			{"same", "alesund", "error.slug_taken"},
			{"other case", "Alesund", "error.slug"},
			{"other Norwegian letter case", "ålesund", "error.slug"},
		}},
		"factor code": {"naeringsliv", []try{
			{"same", "naeringsliv", "error.code_taken"},
			{"other case", "Naeringsliv", "error.code"},
			{"other Norwegian letter case", "næringsliv", "error.code"},
		}},
		"user e-mail": {"åse.ødegård@ålesund.kommune.no", []try{
			{"same", "åse.ødegård@ålesund.kommune.no", "error.email_taken"},
			{"other case", "Åse.Ødegård@Ålesund.Kommune.NO", "error.email_taken"},
			{"other Norwegian letter case", "ÅSE.ØDEGÅRD@ÅLESUND.KOMMUNE.NO", "error.email_taken"},
		}},
	}
	for _, k := range takenKinds {
		c := cases[k.name]
		if err := k.save(ctx, s, c.stored, false); err != nil {
			t.Fatalf("%s %q: %v", k.name, c.stored, err)
		}
		for _, tr := range c.tries {
			t.Run(k.name+" "+tr.variant, func(t *testing.T) {
				// With another error: both in the first answer.
				var ve *ValidationError
				err := k.save(ctx, s, tr.value, true)
				if !errors.As(err, &ve) || ve.Fields[k.other] == "" {
					t.Fatalf("%q with a bad %s = %v; want a validation error on %s", tr.value, k.other, err, k.other)
				}
				if got := ve.Fields[k.field]; got != tr.want {
					t.Errorf("%q with a bad %s: %s = %q; want %q beside it", tr.value, k.other, k.field, got, tr.want)
				}
				// Alone: refused as said, or saved.
				err = k.save(ctx, s, tr.value, false)
				ve = nil
				switch {
				case tr.want == "" && err != nil:
					t.Errorf("%q = %v; want it saved, as its index takes it", tr.value, err)
				case tr.want != "" && (!errors.As(err, &ve) || ve.Fields[k.field] != tr.want || len(ve.Fields) != 1):
					t.Errorf("%q = %v; want %s %q alone", tr.value, err, k.field, tr.want)
				}
			})
		}
	}
}

// Two saves at once, both past the check, the unique index refusing the
// second: it is told that the value is taken, beside the field, as the
// check would have told it, not an internal error. A callback stores the
// same value in the save's transaction just before its insert, as the other
// save would have.
func TestTakenRaceSaidBesideTheField(t *testing.T) {
	t.Parallel()
	values := map[string]string{"partner name": "Samtidig AS", "region slug": "samtidig", "factor code": "samtidig", "user e-mail": "samtidig@example.org"}
	for _, k := range takenKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			ctx := context.Background()
			var raced atomic.Bool
			if err := s.db.Callback().Create().Before("gorm:create").Register("test:race", func(db *gorm.DB) {
				if db.Statement.Table != k.table || !raced.CompareAndSwap(false, true) {
					return
				}
				twin := reflect.New(reflect.TypeOf(db.Statement.Dest).Elem())
				twin.Elem().Set(reflect.ValueOf(db.Statement.Dest).Elem())
				if id := twin.Elem().FieldByName("ID"); id.IsValid() {
					id.SetInt(0)
				}
				if err := db.Session(&gorm.Session{NewDB: true}).Omit("Roles").Create(twin.Interface()).Error; err != nil {
					t.Errorf("the other save: %v", err)
				}
			}); err != nil {
				t.Fatal(err)
			}
			var ve *ValidationError
			err := k.save(ctx, s, values[k.name], false)
			if !raced.Load() {
				t.Fatal("the other save did not run")
			}
			if !errors.As(err, &ve) || ve.Fields[k.field] != k.msg || len(ve.Fields) != 1 {
				t.Errorf("the second save = %v; want %s %q", err, k.field, k.msg)
			}
		})
	}
}

// A partner name like another's but for case and spacing is refused beside
// the field, naming the partner it clashes with, when a partner is created
// or renamed; a partner may still take another case of its own name, and one
// of two near-duplicates stored before the check can still be edited.
func TestPartnerNameClash(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	create := func(name string) *Partner {
		t.Helper()
		p, err := s.CreatePartner(ctx, Actor{}, PartnerInput{Name: name, Kind: "national", Active: true})
		if err != nil {
			t.Fatalf("create %q: %v", name, err)
		}
		return p
	}
	rename := func(p *Partner, name string, active bool) error {
		t.Helper()
		cur, err := s.Partner(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return s.UpdatePartner(ctx, Actor{}, p.ID, PartnerInput{Name: name, Kind: cur.Kind, Active: active, Version: cur.Version})
	}
	clashes := func(what string, err error, with string) {
		t.Helper()
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields["name"] != "error.name_clash" || ve.Data["name"]["Name"] != with || len(ve.Fields) != 1 {
			t.Errorf("%s = %v (%+v); want name error.name_clash alone, naming %q", what, err, ve, with)
		}
	}
	vekst := create("Vekst Sør")
	acme := create("Acme AS")

	_, err := s.CreatePartner(ctx, Actor{}, PartnerInput{Name: " vekst  sør ", Kind: "national", Active: true})
	clashes("create ' vekst  sør '", err, "Vekst Sør")
	ve, err := s.PartnerProblems(ctx, 0, PartnerInput{Name: "VEKST SØR", Kind: "bogus"})
	if err != nil || ve.Fields["name"] != "error.name_clash" || ve.Data["name"]["Name"] != "Vekst Sør" || ve.Fields["kind"] == "" {
		t.Errorf("PartnerProblems(VEKST SØR, bad kind) = %+v, %v; want the clash beside the kind's error", ve, err)
	}
	clashes("rename Vekst Sør to ACME  as", rename(vekst, "ACME  as", true), "Acme AS")

	if err := rename(acme, "ACME AS", true); err != nil {
		t.Errorf("rename Acme AS to its own name in capitals: %v", err)
	}
	if p, _ := s.Partner(ctx, acme.ID); p.Name != "ACME AS" {
		t.Errorf("name = %q; want ACME AS", p.Name)
	}

	// Near-duplicates from before the check: either can still be edited
	// (deactivated) under its own name; a third partner cannot take theirs,
	// and hears of the first one stored.
	older := create("Gammel Partner")
	if err := s.db.Exec("INSERT INTO partners (name, kind, active, version, created_at, updated_at) VALUES (?, 'local', ?, 1, ?, ?)",
		"GAMMEL  PARTNER", true, s.now(), s.now()).Error; err != nil {
		t.Fatal(err)
	}
	twin, err := s.PartnerByName(ctx, "GAMMEL  PARTNER")
	if err != nil {
		t.Fatal(err)
	}
	if err := rename(twin, "GAMMEL  PARTNER", false); err != nil {
		t.Errorf("deactivate a near-duplicate stored before the check: %v", err)
	}
	if err := rename(older, "Gammel partner", true); err != nil {
		t.Errorf("rename the older near-duplicate within its own name: %v", err)
	}
	clashes("rename Acme AS to gammel partner", rename(acme, "gammel partner", true), "Gammel partner")
}

// A name typed with "å" as "a" and a combining ring (U+030A), as some
// keyboards and copies from PDF documents give it, is the name with "å" to an
// adviser, and stored as one character (NFC), so that the list, its order and
// a search find it as they find the name typed otherwise. A near-duplicate
// stored decomposed before names were normalised still clashes.
func TestPartnerNameNormalised(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	decomposed := "Innovasjon Ma\u030aløy"
	p, err := s.CreatePartner(ctx, Actor{}, PartnerInput{Name: decomposed, Kind: "national", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Partner(ctx, p.ID); got.Name != "Innovasjon Måløy" {
		t.Errorf("stored name = %+q; want %+q, with å as one character", got.Name, "Innovasjon Måløy")
	}
	if err := s.UpdatePartner(ctx, Actor{}, p.ID, PartnerInput{Name: "Innovasjon MA\u030aLØY", Kind: "national", Active: true, Version: 1}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Partner(ctx, p.ID); got.Name != "Innovasjon MÅLØY" {
		t.Errorf("renamed name = %+q; want %+q, with Å as one character", got.Name, "Innovasjon MÅLØY")
	}
	if err := s.db.Exec("INSERT INTO partners (name, kind, active, version, created_at, updated_at) VALUES (?, 'local', ?, 1, ?, ?)",
		"Vekst i Ba\u030ald", true, s.now(), s.now()).Error; err != nil {
		t.Fatal(err)
	}
	var ve *ValidationError
	_, err = s.CreatePartner(ctx, Actor{}, PartnerInput{Name: "Vekst i Båld", Kind: "national", Active: true})
	if !errors.As(err, &ve) || ve.Fields["name"] != "error.name_clash" || len(ve.Fields) != 1 {
		t.Errorf("create %+q beside %+q stored before = %v; want name error.name_clash alone", "Vekst i Båld", "Vekst i Ba\u030ald", err)
	}
}
