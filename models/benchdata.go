package models

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
)

// Scratch makes a working copy of the database dsn for one benchmark and
// returns its DSN and a function that removes it. The benchmark's requests
// write (one-door submissions, sessions, audit entries): on the copy, every
// invocation starts from the same generated data instead of from what the last
// one left. SQLite is copied file by file after its write-ahead log is emptied
// into it; PostgreSQL makes the copy with CREATE DATABASE … TEMPLATE.
func Scratch(ctx context.Context, dsn string) (string, func() error, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return scratchPostgres(ctx, dsn)
	}
	s, err := Open(dsn)
	if err != nil {
		return "", nil, err
	}
	err = s.db.WithContext(ctx).Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
	s.Close()
	if err != nil {
		return "", nil, fmt.Errorf("scratch copy: %w", err)
	}
	path, params, _ := strings.Cut(dsn, "?")
	copyPath := strings.TrimSuffix(path, ".db") + ".run.db"
	if err := copyFile(path, copyPath); err != nil {
		return "", nil, fmt.Errorf("scratch copy: %w", err)
	}
	drop := func() error {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(copyPath + suffix); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
		return nil
	}
	if params != "" {
		return copyPath + "?" + params, drop, nil
	}
	return copyPath, drop, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// scratchPostgres copies the database named in dsn to one named with "_run"
// after it, through the server's maintenance database (the template may have
// no other session while it is copied).
func scratchPostgres(ctx context.Context, dsn string) (string, func() error, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || strings.ContainsAny(name, `"`) {
		return "", nil, fmt.Errorf("scratch copy: no usable database name in %s", u.Redacted())
	}
	copyName := name + "_run"
	maint := *u
	maint.Path = "/postgres"
	admin, err := openPostgres(maint.String())
	if err != nil {
		return "", nil, err
	}
	exec := func(sql string) error { return admin.db.Exec(sql).Error }
	quote := func(n string) string { return `"` + n + `"` }
	if err := exec("DROP DATABASE IF EXISTS " + quote(copyName)); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("scratch copy: %w", err)
	}
	if err := exec("CREATE DATABASE " + quote(copyName) + " TEMPLATE " + quote(name)); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("scratch copy: %w", err)
	}
	drop := func() error {
		defer admin.Close()
		return exec("DROP DATABASE IF EXISTS " + quote(copyName) + " WITH (FORCE)")
	}
	run := *u
	run.Path = "/" + copyName
	return run.String(), drop, nil
}

// BenchRegion is what `samspill bench` needs to know of one region of a
// generated database to make realistic requests in it.
type BenchRegion struct {
	ID             int64
	Slug           string
	Enquiries      int64
	EnquiryIDs     []int64  // a sample of the region's enquiries
	SearchTerms    []string // family names, words of descriptions and references, as people search
	Municipalities []string // current members
	HostNumber     string
	PartnerIDs     []int64 // partners with a contact user in the region
}

// BenchRegions picks n regions of a generated database, the largest first and
// then others spread over the sizes, and samples their enquiries. The same
// seed picks the same.
func (s *Store) BenchRegions(ctx context.Context, n int, seed uint64) ([]BenchRegion, error) {
	db := s.read(ctx)
	var rows []struct {
		ID         int64
		Slug       string
		HostNumber string
		Enquiries  int64
	}
	err := db.Raw(`SELECT regions.id, regions.slug, regions.host_municipality AS host_number, COUNT(enquiries.id) AS enquiries
		FROM regions LEFT JOIN enquiries ON enquiries.region_id = regions.id
		GROUP BY regions.id, regions.slug, regions.host_municipality ORDER BY COUNT(enquiries.id) DESC, regions.id`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("bench regions: %w", err)
	}
	all := make([]BenchRegion, len(rows))
	for i, r := range rows {
		all[i] = BenchRegion{ID: r.ID, Slug: r.Slug, HostNumber: r.HostNumber, Enquiries: r.Enquiries}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("bench regions: the database has no regions: run samspill gen first")
	}
	var picked []BenchRegion
	for i := 0; i < n && i < len(all); i++ {
		picked = append(picked, all[i*len(all)/n])
	}
	rng := rand.New(rand.NewPCG(seed, 17))
	for i := range picked {
		r := &picked[i]
		var ids []int64
		if err := db.Model(&Enquiry{}).Where("region_id = ?", r.ID).Order("id").Pluck("id", &ids).Error; err != nil {
			return nil, err
		}
		for k := 0; k < 2000 && len(ids) > 0; k++ {
			r.EnquiryIDs = append(r.EnquiryIDs, ids[rng.IntN(len(ids))])
		}
		var people []struct{ Name, Reference, Description string }
		err := db.Model(&Enquiry{}).Select("name, reference, description").Where("region_id = ? AND anonymised_at IS NULL", r.ID).
			Order("id DESC").Limit(3000).Scan(&people).Error
		if err != nil {
			return nil, err
		}
		for k := 0; k < 300 && len(people) > 0; k++ {
			p := people[rng.IntN(len(people))]
			switch k % 3 {
			case 0: // a family name
				if f := strings.Fields(p.Name); len(f) > 1 {
					r.SearchTerms = append(r.SearchTerms, f[len(f)-1])
				}
			case 1: // a word of at least six letters from the description
				var long []string
				for _, w := range strings.FieldsFunc(p.Description, func(c rune) bool { return c == ' ' || c == ',' || c == '.' || c == '?' }) {
					if len([]rune(w)) >= 6 {
						long = append(long, w)
					}
				}
				if len(long) > 0 {
					r.SearchTerms = append(r.SearchTerms, long[rng.IntN(len(long))])
				}
			default: // a reference
				r.SearchTerms = append(r.SearchTerms, p.Reference)
			}
		}
		if err := db.Model(&RegionMember{}).Where("region_id = ? AND left_on IS NULL", r.ID).Order("kommunenummer").
			Pluck("kommunenummer", &r.Municipalities).Error; err != nil {
			return nil, err
		}
		err = db.Raw(`SELECT DISTINCT users.partner_id FROM users JOIN user_roles ON user_roles.user_id = users.id
			WHERE user_roles.region_id = ? AND user_roles.role = ? AND users.partner_id IS NOT NULL ORDER BY users.partner_id`, r.ID, RolePartner).
			Scan(&r.PartnerIDs).Error
		if err != nil {
			return nil, err
		}
	}
	return picked, nil
}
