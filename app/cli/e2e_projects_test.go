package cli

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"samspill/models"
)

// TestScenarioProjectBetweenMunicipalities is scenario 5: the coordinator
// creates a project between Hamar and Stange, with a milestone and an
// assessment of the cooperation factors. The Stange municipality user sees it
// under «Våre samarbeid»; the Løten user does not, not even by its address.
func TestScenarioProjectBetweenMunicipalities(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	const title = "Felles reiselivssatsing Hamar–Stange"
	const milestone = "Felles besøksstrategi vedtatt i begge kommunestyrene"

	coordinator := e.visitor(t, "coordinator")
	coordinator.loginDemo(models.RoleCoordinator)
	coordinator.follow("Prosjekter")
	coordinator.follow("Nytt prosjekt")
	coordinator.fill("Tittel", title)
	coordinator.fill("Beskrivelse", "Hamar og Stange markedsfører Mjøs-regionen sammen og lager én felles besøksstrategi.")
	coordinator.choose("Status", "Aktiv")
	coordinator.tick("Bare de deltakende kommunene")
	coordinator.within("Kommune 1", func() {
		coordinator.choose("Kommune", "Hamar")
		coordinator.choose("Rolle i prosjektet", "Leder")
		coordinator.fill("Bidrag (kr)", "200000")
		coordinator.fill("Bidrag (årsverk)", "0,3")
	})
	coordinator.within("Kommune 2", func() {
		coordinator.choose("Kommune", "Stange")
		coordinator.choose("Rolle i prosjektet", "Deltaker")
		coordinator.fill("Bidrag (kr)", "100000")
		coordinator.fill("Bidrag (årsverk)", "0,2")
	})
	if status := coordinator.press("Opprett prosjekt"); status != http.StatusOK {
		coordinator.fatalf("creating the project answered %d", status)
	}
	coordinator.sees("Opprettet.", title)
	project := coordinator.path()

	coordinator.fill("Tiltak eller milepæl", milestone)
	coordinator.fill("Ansvarlig", "Kari Koordinator")
	coordinator.fillDate("Frist", coordinator.e.store.Today().AddDate(0, 2, 0))
	if status := coordinator.press("Legg til milepæl"); status != http.StatusOK {
		coordinator.fatalf("adding the milestone answered %d", status)
	}
	if rows := coordinator.tableRows("Tiltak og milepæler"); len(rows) != 2 || rows[1][0] != milestone || rows[1][3] != "Planlagt" {
		coordinator.fatalf("after adding a milestone the project's milestones are %q", rows)
	}
	coordinator.checkPage("nb")

	coordinator.follow("Vurder prosjektet")
	for factor, score := range map[string]string{
		"Felles forståelse av mål og nytte":        "4",
		"Likeverd mellom kommunene":                "3",
		"Flere samarbeid enn kapasiteten tillater": "2",
	} {
		coordinator.within("Score for "+factor, func() { coordinator.tick(score) })
	}
	coordinator.fill("Merknad", "Første vurdering etter oppstartsmøtet.")
	if status := coordinator.press("Lagre vurderingen"); status != http.StatusOK {
		coordinator.fatalf("saving the assessment answered %d", status)
	}
	coordinator.sees("Vurdering av «" + title + "»")
	scores := map[string]string{}
	rows := coordinator.tableRows("Score per faktor")
	score := slices.Index(rows[0], "Score")
	for _, row := range rows[1:] {
		if score > 0 && len(row) > score {
			scores[row[0]] = row[score]
		}
	}
	if scores["Felles forståelse av mål og nytte"] != "4 / 5" || scores["Likeverd mellom kommunene"] != "3 / 5" || scores["Flere samarbeid enn kapasiteten tillater"] != "2 / 5" {
		coordinator.fatalf("the saved assessment shows the scores %q", scores)
	}
	coordinator.checkPage("nb")

	stange := e.visitor(t, "stange")
	stange.login("stange@hamarregionen.example", models.DemoPassword)
	stange.follow("Våre samarbeid")
	stange.sees("Våre samarbeid – Stange", title, milestone)
	stange.checkPage("nb")
	stange.follow(title)
	stange.sees(title, "Hamar", "Stange")

	loten := e.visitor(t, "loten")
	loten.loginDemo(models.RoleMunicipality)
	loten.follow("Våre samarbeid")
	loten.sees("Våre samarbeid – Løten")
	if body := eval[string](loten, `document.body.innerText`); strings.Contains(body, title) {
		loten.errorf("the Løten user sees the Hamar–Stange project under «Våre samarbeid»")
	}
	if status := loten.open(project); status != http.StatusNotFound {
		loten.errorf("the Løten user opening the Hamar–Stange project got %d; want 404", status)
	}
}
