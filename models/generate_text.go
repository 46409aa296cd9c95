package models

// The words the generator builds people, businesses and texts from. Names are
// common Norwegian first and family names (SSB's lists of the most common
// names) and common names of the largest immigrant groups; texts are written
// the way advisers and enquirers write.

var genFemale = []string{"Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg",
	"Hilde", "Anna", "Solveig", "Marianne", "Randi", "Ida", "Nina", "Maria", "Elisabeth", "Kristin",
	"Silje", "Camilla", "Tone", "Emma", "Nora", "Sara", "Thea", "Ingeborg", "Sofie", "Julie",
	"Hanne", "Heidi", "Line", "Mona", "Ragnhild", "Siri", "Tuva", "Maja", "Ella", "Vilde"}

var genMale = []string{"Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Svein", "Arne", "Thomas",
	"Hans", "Geir", "Tor", "Morten", "Terje", "Odd", "Erik", "Martin", "Anders", "Rune",
	"Trond", "Jon", "Harald", "Espen", "Magnus", "Jonas", "Kristian", "Andreas", "Henrik", "Emil",
	"Sindre", "Even", "Eirik", "Håkon", "Sander", "Tobias", "Mathias", "Aksel", "Olav", "Ivar"}

var genFamily = []string{"Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
	"Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen",
	"Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen", "Lund", "Sørensen", "Jakobsen", "Moen", "Gundersen",
	"Iversen", "Strand", "Solberg", "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen", "Bakken", "Kristoffersen",
	"Mathisen", "Lie", "Amundsen", "Nguyen", "Rasmussen", "Ali", "Lunde", "Solheim", "Berntsen", "Moe",
	"Nygård", "Bakke", "Kristensen", "Fredriksen", "Holm", "Lien", "Hauge", "Christensen", "Andresen", "Nielsen",
	"Knudsen", "Evensen", "Sæther", "Aas", "Myhre", "Hanssen", "Ahmed", "Haugland", "Thomassen", "Sivertsen",
	"Simonsen", "Danielsen", "Berge", "Løken", "Sandvik", "Nordmann", "Bråten", "Rønning", "Tangen", "Vik"}

// genImmigrant are first and family names by intake language.
var genImmigrant = map[string][2][]string{
	"pl": {{"Anna", "Katarzyna", "Piotr", "Tomasz", "Agnieszka", "Krzysztof", "Magdalena", "Paweł"}, {"Kowalska", "Nowak", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zielińska", "Szymański"}},
	"lt": {{"Jonas", "Rūta", "Tomas", "Eglė", "Mantas", "Lina"}, {"Kazlauskas", "Petrauskienė", "Jankauskas", "Stankevičiūtė", "Vasiliauskas"}},
	"uk": {{"Olena", "Oleksandr", "Iryna", "Andrii", "Natalia", "Serhii"}, {"Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Melnyk"}},
	"ar": {{"Ahmad", "Fatima", "Mohammad", "Amina", "Omar", "Leila"}, {"Hassan", "Al-Khalil", "Haddad", "Ibrahim", "Mansour"}},
	"en": {{"Sarah", "James", "Emily", "Michael", "Laura", "David"}, {"Smith", "Brown", "Taylor", "Wilson", "Walker"}},
}

// genTrade is a kind of business with the industry section it belongs to and
// the words its enquiries use.
type genTrade struct {
	section string
	names   []string // the trade's word in a business name
	what    string   // what the business does, for descriptions
}

var genTrades = []genTrade{
	{"A", []string{"Gård", "Gårdsmat", "Økogård", "Grønt"}, "gårdsutsalg med egne produkter"},
	{"A", []string{"Skogsdrift", "Ved"}, "skogsdrift og vedproduksjon"},
	{"A", []string{"Sjømat", "Fiskeoppdrett"}, "foredling av sjømat"},
	{"C", []string{"Mekaniske", "Sveis", "Stålservice"}, "mekanisk verksted"},
	{"C", []string{"Bakeri", "Bryggeri", "Meieri", "Mølle"}, "småskala matproduksjon"},
	{"C", []string{"Trevare", "Snekkerverksted", "Møbel"}, "produksjon av møbler og trevarer"},
	{"F", []string{"Bygg", "Tømrer", "Betong", "Rør"}, "byggearbeid og rehabilitering"},
	{"F", []string{"Elektro", "Installasjon"}, "elektroinstallasjon"},
	{"G", []string{"Handel", "Butikk", "Interiør"}, "en butikk i sentrum"},
	{"H", []string{"Transport", "Budservice", "Logistikk"}, "transport og varelevering"},
	{"I", []string{"Kafé", "Restaurant", "Catering"}, "kafé og servering"},
	{"I", []string{"Reiseliv", "Hytteutleie", "Opplevelser"}, "reiseliv og opplevelser"},
	{"J", []string{"IT", "Data", "Digital", "Apputvikling"}, "programvare og digitale tjenester"},
	{"M", []string{"Regnskap", "Rådgivning", "Arkitekter", "Design"}, "rådgivning og tjenester til bedrifter"},
	{"M", []string{"Teknologi", "Sensor", "Innovasjon"}, "utvikling av et nytt teknologiprodukt"},
	{"N", []string{"Renhold", "Vaktmester", "Eiendomsservice"}, "renhold og eiendomsservice"},
	{"Q", []string{"Helse", "Fysioterapi", "Omsorg"}, "private helsetjenester"},
	{"R", []string{"Kultur", "Event", "Trening"}, "kultur, trening og arrangementer"},
	{"S", []string{"Frisør", "Hudpleie", "Skjønnhet"}, "frisørsalong og hudpleie"},
}

var genCompanyForms = []string{"AS", "AS", "AS", "AS", "ENK", "DA", "SA"}

// genNeedText is what an enquirer writes about each need.
var genNeedText = map[string][]string{
	"basic_information":        {"Jeg lurer på hvordan jeg kommer i gang, og hvilke regler som gjelder for %s.", "Trenger hjelp med registrering i Brønnøysund, skatt og mva for %s.", "Hva må jeg tenke på før jeg starter med %s?"},
	"financing":                {"Vi søker finansiering til %s og lurer på tilskudd og lån.", "Trenger hjelp med søknad om etablerertilskudd til %s.", "Vi har behov for kapital for å vokse innen %s."},
	"network_competence":       {"Ønsker kontakt med andre som driver med %s, og et nettverk i regionen.", "Trenger kompetanse på markedsføring og salg innen %s.", "Vil gjerne ha en mentor med erfaring fra %s."},
	"permits_zoning":           {"Vi trenger tillatelser og avklaring av regulering for %s.", "Hvordan søker vi om bruksendring for lokaler til %s?"},
	"premises_land":            {"Vi ser etter lokaler eller tomt til %s.", "Trenger større lokaler og næringsareal for %s."},
	"infrastructure_transport": {"Bredbånd og vei er for dårlig for %s; hvem kan hjelpe?", "Vi trenger bedre transportløsninger for %s."},
	"recruitment":              {"Vi sliter med å rekruttere fagfolk til %s.", "Ønsker hjelp til å finne lærlinger og ansatte til %s."},
	"market_export":            {"Vi vil selge %s til utlandet og trenger hjelp med eksport.", "Hvordan når vi nye markeder med %s?"},
	"innovation_rd":            {"Vi har en idé til et nytt produkt innen %s og vil søke forskningsmidler.", "Ønsker et samarbeid med høgskolen om utvikling innen %s."},
	"restructuring":            {"Bedriften må omstille seg; vi driver med %s og trenger råd.", "Markedet for %s har falt, og vi vurderer omstilling."},
	"other":                    {"Har et spørsmål om %s som jeg ikke vet hvem jeg skal spørre om.", "Ønsker en samtale om mulighetene for %s i kommunen."},
}

// genEnglishNeed is the same in English, for enquiries in English or from
// speakers of the other intake languages, who often write in English.
var genEnglishNeed = map[string]string{
	"basic_information":        "I want to start %s and need help with the rules, tax and registration.",
	"financing":                "I am looking for funding for %s.",
	"network_competence":       "I would like to meet other people working with %s.",
	"permits_zoning":           "Which permits do I need for %s?",
	"premises_land":            "I am looking for premises for %s.",
	"infrastructure_transport": "Transport is a problem for %s.",
	"recruitment":              "We need to hire people for %s.",
	"market_export":            "We want to sell %s abroad.",
	"innovation_rd":            "We have an idea for a new product in %s.",
	"restructuring":            "Our business in %s needs to change.",
	"other":                    "I have a question about %s.",
}

// genActivityText is what advisers write in the log, by activity kind.
var genActivityText = map[string][]string{
	"meeting": {"Møte: gikk gjennom forretningsidé og budsjett. Avtalte neste steg.", "Oppstartsmøte med gründer. Ser på finansiering og marked.", "Møte om lokaler og regulering sammen med kommunen."},
	"call":    {"Ringte og avklarte behovet.", "Telefon: fulgte opp søknaden.", "Samtale om status og videre plan."},
	"email":   {"Sendte informasjon om etablererkurs og tilskudd.", "E-post med lenker til veiledere og maler.", "Svarte på spørsmål om mva og regnskap."},
	"visit":   {"Bedriftsbesøk: så på produksjonen og behovet for areal.", "Besøk hos bedriften sammen med ordfører."},
	"note":    {"Notat: venter på svar fra Innovasjon Norge.", "Notat: gründer vil komme tilbake etter sommeren.", "Notat: henvist til regnskapskurs."},
}

// genReferralMessage is the adviser's message to the partner.
var genReferralMessage = []string{
	"Gründer med gjennomarbeidet forretningsplan som trenger finansiering.",
	"Etablert bedrift som ønsker å vokse; vi har gått gjennom budsjettet sammen.",
	"Henviser til dere for vurdering. Kontaktopplysninger følger hvis samtykke er gitt.",
	"Bedriften trenger kompetanse som dere har. Ta gjerne kontakt direkte.",
}

var genBoardComments = []string{"Tas opp i neste styremøte.", "Styret ber om en oppfølging innen neste måned.", "Godt eksempel på samarbeid med partnerne.", "Hvorfor har vi ikke fått svar her?"}

// genProjectTitles are the kinds of inter-municipal projects regions run.
var genProjectTitles = []struct {
	title, role, focus, approach string
}{
	{"Felles næringsarealplan", "administrative", "place_development", "regulating"},
	{"Etablererservice for regionen", "producer", "job_development", "mobilising"},
	{"Sentrumsutvikling i %s", "developer", "place_development", "mobilising"},
	{"Reiselivssatsing %s", "developer", "job_development", "mobilising"},
	{"Grønn industri og kraft", "developer", "job_development", "mobilising"},
	{"Felles saksbehandling av byggesaker", "administrative", "place_development", "regulating"},
	{"Næringsfond for regionen", "producer", "job_development", "mobilising"},
	{"Kompetanseløft for næringslivet", "producer", "job_development", "mobilising"},
	{"Bredbånd i distriktet", "developer", "place_development", "regulating"},
	{"Attraktiv region for tilflyttere", "developer", "place_development", "mobilising"},
	{"Landbruk og lokalmat", "producer", "job_development", "mobilising"},
	{"Innovasjonsprogram med høgskolen", "developer", "job_development", "mobilising"},
	{"Næringsvennlig kommune", "administrative", "job_development", "regulating"},
	{"Omstilling etter nedleggelse", "developer", "job_development", "mobilising"},
	{"Ungt entreprenørskap", "producer", "job_development", "mobilising"},
	{"Kollektivtilbud for pendlere", "developer", "place_development", "regulating"},
}

var genMilestoneTitles = []string{"Forprosjekt ferdig", "Styringsgruppe etablert", "Søknad om finansiering sendt", "Kartlegging gjennomført",
	"Høring avsluttet", "Plan vedtatt i kommunestyrene", "Samling for næringslivet", "Prosjektleder ansatt", "Delrapport levert",
	"Pilot gjennomført", "Sluttrapport levert", "Evaluering gjennomført"}

var genKnowledge = []string{"Høgskolen", "NTNU", "Universitetet", "Forskningsinstituttet", "Fagskolen"}
var genBusinesses = []string{"Næringshagen", "Energiselskapet", "Reiselivsselskapet", "Bondelaget", "Industriklyngen"}
