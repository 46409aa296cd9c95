package models

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
)

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
