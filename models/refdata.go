package models

import (
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

//go:embed refdata/*.csv
var refdata embed.FS

// readCSV reads an embedded CSV file into records keyed by its header.
func readCSV(name string) ([]map[string]string, error) {
	f, err := refdata.Open("refdata/" + name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var rows []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
}

// LoadReferenceData inserts the embedded counties, municipalities, industry
// sections, factor catalogue and partner catalogue. Rows whose key exists are left
// alone, so running it again adds nothing and keeps edits made in the app.
func (s *Store) LoadReferenceData(ctx context.Context) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		keep := clause.OnConflict{DoNothing: true}

		rows, err := readCSV("fylker.csv")
		if err != nil {
			return err
		}
		counties := make([]County, 0, len(rows))
		for _, r := range rows {
			counties = append(counties, County{Number: r["fylkesnummer"], Name: r["name"], OfficialName: r["official_name"]})
		}
		if err := tx.Clauses(keep).Create(&counties).Error; err != nil {
			return fmt.Errorf("load counties: %w", err)
		}

		if rows, err = readCSV("kommuner.csv"); err != nil {
			return err
		}
		ms := make([]Municipality, 0, len(rows))
		for _, r := range rows {
			class, err1 := strconv.Atoi(r["sentralitetsklasse"])
			index, err2 := strconv.Atoi(r["sentralitetsindeks"])
			pop, err3 := strconv.Atoi(r["befolkning_2024_01_01"])
			if err1 != nil || err2 != nil || err3 != nil {
				return fmt.Errorf("kommuner.csv: bad number in row %s", r["kommunenummer"])
			}
			ms = append(ms, Municipality{
				Kommunenummer: r["kommunenummer"], Name: r["name"], OfficialName: r["official_name"],
				CountyNumber: r["fylkesnummer"], CentralityClass: class, CentralityIndex: index,
				Population: pop, Version: 1, UpdatedAt: s.now(),
			})
		}
		if err := tx.Clauses(keep).CreateInBatches(&ms, 100).Error; err != nil {
			return fmt.Errorf("load municipalities: %w", err)
		}
		if err := rankMunicipalities(tx); err != nil {
			return err
		}

		if rows, err = readCSV("naering_sections.csv"); err != nil {
			return err
		}
		sections := make([]IndustrySection, 0, len(rows))
		for _, r := range rows {
			sections = append(sections, IndustrySection{Code: r["code"], NameNB: r["name_nb"], NameEN: r["name_en"]})
		}
		if err := tx.Clauses(keep).Create(&sections).Error; err != nil {
			return fmt.Errorf("load industry sections: %w", err)
		}

		if rows, err = readCSV("factors.csv"); err != nil {
			return err
		}
		factors := make([]Factor, 0, len(rows))
		for i, r := range rows {
			factors = append(factors, Factor{
				Code: r["code"], Polarity: r["polarity"], TitleNB: r["title_nb"], TitleEN: r["title_en"],
				DescriptionNB: r["description_nb"], DescriptionEN: r["description_en"], Position: i + 1,
			})
		}
		if err := tx.Clauses(keep).Create(&factors).Error; err != nil {
			return fmt.Errorf("load factors: %w", err)
		}

		// The partner catalogue is a start: it is loaded into an installation
		// that has no partners, and never again. Loaded at every start by name,
		// a partner an admin had renamed came back beside it under the old name.
		var existing int64
		if err := tx.Model(&Partner{}).Count(&existing).Error; err != nil || existing > 0 {
			return err
		}
		if rows, err = readCSV("partners.csv"); err != nil {
			return err
		}
		partners := make([]Partner, 0, len(rows))
		for _, r := range rows {
			// Each with its folded name (migration 26), as CreatePartner
			// gives it: the catalogue holds no two names alike, and the table
			// was empty.
			key := foldName(r["name"])
			partners = append(partners, Partner{
				Name: r["name"], NameFold: &key, Kind: r["kind"], Services: strings.ReplaceAll(r["services"], ";", ","),
				Description: r["description"], Website: r["website"], Active: true, Version: 1,
				CreatedAt: s.now(), UpdatedAt: s.now(),
			})
		}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "name"}}, DoNothing: true}).Create(&partners).Error; err != nil {
			return fmt.Errorf("load partners: %w", err)
		}
		return nil
	})
}

// rankMunicipalities sets each municipality's name_order (migration 14) to
// its place in Norwegian alphabetical order, writing only the ones that moved:
// on an installation that has them right, it reads and writes nothing more.
func rankMunicipalities(tx *gorm.DB) error {
	var rows []struct {
		Kommunenummer, Name string
		NameOrder           int
	}
	// By number first, so that namesakes (Herøy, Våler) rank by number, as
	// AllMunicipalities lists them: read in the table's order, they ranked
	// by where their rows lay, which on PostgreSQL moves when a row is
	// rewritten, and the inbox's sort by municipality swapped them.
	if err := tx.Table("municipalities").Select("kommunenummer, name, name_order").Order("kommunenummer").Scan(&rows).Error; err != nil {
		return fmt.Errorf("rank municipalities: %w", err)
	}
	sort.SliceStable(rows, func(i, j int) bool { return compareNorwegian(rows[i].Name, rows[j].Name) < 0 })
	for i, r := range rows {
		if r.NameOrder == i+1 {
			continue
		}
		if err := tx.Table("municipalities").Where("kommunenummer = ?", r.Kommunenummer).Update("name_order", i+1).Error; err != nil {
			return fmt.Errorf("rank municipalities: %w", err)
		}
	}
	return nil
}
