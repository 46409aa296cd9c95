package views

import (
	"testing"

	"samspill/models"
)

// TestProjectCodesHaveMessages checks the codes of projects, milestones,
// indicators and factors, which templates show through computed message IDs
// ("project.status." + code), in both languages.
func TestProjectCodesHaveMessages(t *testing.T) {
	t.Parallel()
	cat := catalogue(t)
	var ids []string
	add := func(prefix string, codes []string) {
		for _, c := range codes {
			ids = append(ids, prefix+c)
		}
	}
	add("project.status.", models.ProjectStatuses)
	add("project.role.", models.ProjectRoles)
	add("project.municipal_role.", models.MunicipalRoles)
	add("project.focus.", models.ProjectFocuses)
	add("project.approach.", models.ProjectApproaches)
	add("project.visibility.", models.ProjectVisibilities)
	add("project.visibility_note.", models.ProjectVisibilities)
	add("project.participant_kind.", append([]string{models.ParticipantPartner}, models.ParticipantKinds...))
	add("indicator.kind.", models.IndicatorKinds)
	add("milestone.status.", models.MilestoneStatuses)
	add("factor.polarity.", models.FactorPolarities)
	add("assessment.level.", []string{"1", "2", "3", "4", "5"})
	for _, lang := range Languages {
		for _, id := range ids {
			if _, ok := cat[lang][id]; !ok {
				t.Errorf("%s: missing %s", lang, id)
			}
		}
	}
}
