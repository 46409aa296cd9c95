package models

import (
	"context"
	"path/filepath"
	"testing"

	"samspill/models/dbtest"
)

// A copy holds every row, keeps the audit chain, finds by search and lets the
// same people log in; new enquiries continue the copied references.
func TestCopy(t *testing.T) {
	t.Parallel()
	checkCopy(t, generated(t, 5, 300))
}

// With SAMSPILL_TEST_POSTGRES set, TestCopy copies PostgreSQL to PostgreSQL;
// this one copies a SQLite file into PostgreSQL, the way an installation moves.
func TestCopySQLiteToPostgres(t *testing.T) {
	t.Parallel()
	if !dbtest.Postgres() {
		t.Skip("needs SAMSPILL_TEST_POSTGRES")
	}
	src, err := Open(filepath.Join(t.TempDir(), "src.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	ctx := context.Background()
	if _, err := src.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := src.LoadReferenceData(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Generate(ctx, GenOptions{Scale: GenRegional, Seed: 5, Until: genTestUntil, Enquiries: 300}); err != nil {
		t.Fatal(err)
	}
	checkCopy(t, src)
}

func checkCopy(t *testing.T, src *Store) {
	t.Helper()
	ctx := context.Background()
	if err := src.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	dst, err := Open(dbtest.DSN(t, "copy.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dst.Close() })
	if _, err := dst.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := src.CopyTo(ctx, dst, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range copyTables {
		if a, b := count(t, src, tc.name), count(t, dst, tc.name); a != b {
			t.Errorf("%s: %d rows in the source, %d in the copy", tc.name, a, b)
		}
	}
	if fingerprint(t, src) != fingerprint(t, dst) {
		t.Error("the copy differs from the source")
	}
	if _, err := dst.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := dst.Authenticate(ctx, "radgiver-1@mjosregionen.example", GenPassword)
	if err != nil {
		t.Fatal(err)
	}
	u, _ = dst.UserByID(ctx, u.ID)
	r, _ := dst.RegionBySlug(ctx, "mjosregionen")
	v := &Viewer{User: u, Region: r}
	list, _, err := dst.Enquiries(ctx, v, EnquiryFilter{Page: Page{Size: 1}})
	if err != nil || len(list) != 1 {
		t.Fatalf("inbox of the copy: %v %v", list, err)
	}
	if found, _, err := dst.Enquiries(ctx, v, EnquiryFilter{Q: list[0].Name}); err != nil || len(found) == 0 {
		t.Errorf("search in the copy does not find %q (%v)", list[0].Name, err)
	}
	if _, err := dst.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3403"), Consent: consent(), Channel: "web"}); err != nil {
		t.Errorf("a new enquiry in the copy: %v", err)
	}
	if _, err := dst.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
	if err := src.CopyTo(ctx, dst, nil); err == nil {
		t.Error("a second copy into a database with data succeeded")
	}
}
