package models

import (
	"context"
	"fmt"
	"time"
)

// demoEnquiry is one realistic enquiry of the demo region.
type demoEnquiry struct {
	daysAgo  int
	channel  string
	in       EnquiryInput
	share    bool
	activity string // a contact logged by the adviser, "" for none
	minutes  int
	status   string      // the status to end in: "" leaves it as the activity left it
	close    *CloseInput // how the adviser closed the case, after the activity; nil leaves it open
}

func boolp(b bool) *bool { return &b }

var demoEnquiries = []demoEnquiry{
	{20, "web", EnquiryInput{Kommunenummer: "3412", EnquirerKind: "prospective_entrepreneur", Needs: []string{"financing", "basic_information"},
		Description: "Jeg vil starte gårdsutsalg med egen ost og spekemat, og lurer på tilskudd og hva som kreves av Mattilsynet.",
		Name:        "Ingrid Bakken", Email: "ingrid.bakken@example.org", Language: "nb", Stage: "starting", Founder: "first_time", Under30: boolp(true)}, true, "meeting", 60, "", nil},
	{12, "phone", EnquiryInput{Kommunenummer: "3403", EnquirerKind: "established_business", Needs: []string{"premises_land", "recruitment"},
		Description: "Verksted med 12 ansatte trenger større lokaler i Hamar og hjelp til å rekruttere to fagarbeidere.",
		Name:        "Per Olsen", Phone: "+47 912 34 567", Language: "nb", OrgNumber: "923609016", BusinessName: "Olsen Mekaniske AS", Stage: "growth", Founder: "serial"}, false, "call", 20, "waiting", nil},
	{9, "web", EnquiryInput{Kommunenummer: "3413", EnquirerKind: "prospective_entrepreneur", Needs: []string{"basic_information", "network_competence"},
		Description: "I am from Poland and want to start a cleaning company. I need help with rules, tax and how to register.",
		Name:        "Anna Kowalska", Email: "anna.k@example.org", Language: "pl", Stage: "idea", Founder: "first_time", ImmigrantBackground: boolp(true)}, true, "", 0, "", nil},
	{5, "walk_in", EnquiryInput{Kommunenummer: "3403", EnquirerKind: "community_entrepreneur", Needs: []string{"financing", "network_competence"},
		Description: "Ildsjel som vil starte en møteplass for ungdom med kafé i sentrum. Ser etter støtte og samarbeidspartnere.",
		Name:        "Jonas Berg", Email: "jonas.berg@example.org", Language: "nb", Stage: "idea", Under30: boolp(true)}, false, "meeting", 45, "", nil},
	{3, "web", EnquiryInput{Kommunenummer: "3412", EnquirerKind: "established_business", Needs: []string{"innovation_rd", "financing"},
		Description: "Vi utvikler et sensorsystem for fjøs og vil søke midler til et forskningsprosjekt sammen med høgskolen.",
		Name:        "Marte Løken", Email: "marte@example.org", Language: "nb", OrgNumber: "984851006", BusinessName: "Fjøssensor AS", Stage: "young"}, true, "", 0, "", nil},
	{1, "email", EnquiryInput{Kommunenummer: "3413", EnquirerKind: "established_business", Needs: []string{"market_export"},
		Description: "Eksport av økologisk mel til Sverige: hvilke krav gjelder, og finnes det hjelp til å komme i gang?",
		Name:        "Lars Haug", Email: "lars.haug@example.org", Language: "nb", OrgNumber: "974760673", BusinessName: "Stange Mølle", Stage: "established"}, true, "", 0, "", nil},
	// A closed case, so that a closed case's page is seen: a frisør in Stange
	// who, after a meeting, registered her business (a made-up organisation
	// number, valid by its check digit). Added last, so the demo's other cases
	// keep their ids; its reference is the last, though it came in first.
	{34, "phone", EnquiryInput{Kommunenummer: "3413", EnquirerKind: "prospective_entrepreneur", Needs: []string{"basic_information", "premises_land"},
		Description: "Frisør som vil starte egen salong i Stange sentrum. Trenger hjelp med etablering, regnskap og å finne lokale.",
		Name:        "Sara Nilsen", Email: "sara.nilsen@example.org", Language: "nb", BusinessName: "Salong Sara", Stage: "starting", Founder: "first_time"}, false, "meeting", 50, "",
		&CloseInput{Outcome: "established", OrgNumber: "931725483", JobsExpected: intp(2), JobsCreated: intp(1)}},
}

func intp(n int) *int { return &n }

// loadDemoEnquiries adds the demo region's enquiries once: it does nothing
// when the region has enquiries.
func (s *Store) loadDemoEnquiries(ctx context.Context, region *Region) error {
	var n int64
	if err := s.read(ctx).Model(&Enquiry{}).Where("region_id = ?", region.ID).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	adviser, err := s.UserByEmail(ctx, "radgiver@hamarregionen.example")
	if err != nil {
		return err
	}
	v := &Viewer{User: adviser, Region: region}
	a := Actor{UserID: adviser.ID, RegionID: region.ID, RequestID: "demo"}
	// The one door has no user: its enquiries are created and audited as the
	// one door's are, with no viewer and an actor with no user.
	oneDoor := Actor{RequestID: "demo"}
	innovation, err := s.PartnerByName(ctx, "Innovasjon Norge")
	if err != nil {
		return err
	}
	for i, d := range demoEnquiries {
		consent := ConsentInput{Store: true, Share: d.share, StoreText: "Jeg samtykker til at næringsrådgiverne lagrer henvendelsen min og bruker den til å hjelpe meg.",
			ShareText: "Rådgiveren kan dele henvendelsen og kontaktopplysningene mine med samarbeidspartnere som Innovasjon Norge, hvis det kan hjelpe meg.",
			Version:   "2026-11", Language: "nb"}
		by, byActor := v, a
		if d.channel == "web" {
			by, byActor = nil, oneDoor
		}
		// Back-dated, so the inbox shows a realistic spread of ages and deadlines.
		received := s.now().AddDate(0, 0, -d.daysAgo)
		e, err := s.CreateEnquiry(ctx, by, byActor, NewEnquiry{Input: d.in, Consent: consent, Channel: d.channel, receivedAt: received})
		if err != nil {
			return fmt.Errorf("demo enquiry: %w", err)
		}
		if d.activity != "" {
			if err := s.AssignEnquiry(ctx, v, a, e.ID, adviser.ID, 1); err != nil {
				return err
			}
			day := received.AddDate(0, 0, 1)
			if _, err := s.AddActivity(ctx, v, a, e.ID, ActivityInput{Kind: d.activity, OccurredOn: time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC),
				Minutes: d.minutes, Text: "Første samtale: gikk gjennom behovet og avtalte neste steg."}); err != nil {
				return err
			}
		}
		if i == 0 { // the first one is referred to Innovasjon Norge, with consent to share
			if _, err := s.CreateReferral(ctx, v, a, e.ID, ReferralInput{PartnerID: innovation.ID, Reason: "financing", Send: true, SharePersonalData: true,
				Message: "Gründer med gårdsutsalg som trenger etablerertilskudd. Forretningsplanen er klar."}); err != nil {
				return fmt.Errorf("demo referral: %w", err)
			}
		}
		if d.status != "" {
			cur, err := s.Enquiry(ctx, v, e.ID)
			if err != nil {
				return err
			}
			if _, err := s.ChangeStatus(ctx, v, a, e.ID, d.status, cur.Version); err != nil {
				return err
			}
		}
		if d.close != nil {
			cur, err := s.Enquiry(ctx, v, e.ID)
			if err != nil {
				return err
			}
			in := *d.close
			in.Version = cur.Version
			if _, err := s.CloseEnquiry(ctx, v, a, e.ID, in); err != nil {
				return fmt.Errorf("demo closing: %w", err)
			}
		}
	}
	return nil
}
