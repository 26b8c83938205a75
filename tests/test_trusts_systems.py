"""Affected trusts and failing systems, one test per alias class, collective phrase and negation."""
from __future__ import annotations

import pytest

from pipeline.extraction import to_article
from pipeline.nlp.facts import annotate

HEAD = "Datatrøbbel\n\nPublisert 07.03.2023\n\n"


def facts(nlp, body: str, url: str | None = None):
    [f] = annotate([to_article(HEAD + body, None, None, url)], nlp)
    return f


def trusts(nlp, body: str, url: str | None = None) -> set[str]:
    return {t.id for t in facts(nlp, body, url).trusts}


@pytest.mark.parametrize("body, expected", [
    # official name, short form, abbreviation, nynorsk form
    ("Journalsystemet var nede ved Universitetssykehuset Nord-Norge tirsdag.", {"unn"}),
    ("Journalsystemet var nede ved UNN tirsdag.", {"unn"}),
    ("Journalsystemet var nede ved Ahus tirsdag.", {"ahus"}),
    ("Journalsystemet var nede ved OUS tirsdag.", {"ous"}),
    ("Journalsystemet var nede ved SiV tirsdag.", {"sykehuset-i-vestfold"}),
    ("Journalsystemet var nede ved STHF tirsdag.", {"sykehuset-telemark"}),
    ("Journalsystemet var nede ved St. Olavs hospital tirsdag.", {"st-olavs"}),
    ("Journalsystemet var nede i HMR tysdag.", {"helse-more-og-romsdal"}),
    ("Journalsystemet var nede ved Oslo universitetssjukehus tysdag.", {"ous"}),
    # hospitals map to their trust
    ("Journalsystemet var nede på Haukeland tysdag.", {"helse-bergen"}),
    ("Journalsystemet var nede på Ullevål og Rikshospitalet tirsdag.", {"ous"}),
    ("Journalsystemet var nede ved SUS tysdag.", {"helse-stavanger"}),
    ("Journalsystemet var nede ved Ålesund sjukehus tysdag.", {"helse-more-og-romsdal"}),
    ("Journalsystemet var nede ved Kysthospitalet i Hagevik tysdag.", {"helse-bergen"}),
    # towns in a hospital context
    ("Journalsystemet var nede ved sykehusene i Tromsø, Harstad og Narvik tirsdag.", {"unn"}),
])
def test_alias_classes(rules_nlp, body, expected):
    assert trusts(rules_nlp, body) == expected


@pytest.mark.parametrize("body, expected", [
    ("Røntgensystemet var nede ved alle sykehusene i Helse Nord torsdag.",
     {"helse-nord-rhf", "unn", "finnmarkssykehuset", "nordlandssykehuset", "helgelandssykehuset"}),
    ("Røntgensystemet var nede i hele foretaksgruppen i Helse Nord torsdag.",
     {"helse-nord-rhf", "unn", "finnmarkssykehuset", "nordlandssykehuset", "helgelandssykehuset"}),
    ("Datasystema var nede ved alle sjukehusa på Vestlandet torsdag.",
     {"helse-vest-rhf", "helse-stavanger", "helse-fonna", "helse-bergen", "helse-forde"}),
    ("Datasystemene var nede ved sykehusene i Midt-Norge torsdag.",
     {"st-olavs", "helse-more-og-romsdal", "helse-nord-trondelag"}),
    ("Journalsystemet var nede ved Helse Nord torsdag.", {"helse-nord-rhf"}),
    # the region only as a place: "the rest of" it, or "in" it, is no trust of its own
    ("Datanettet var nede ved Førde sentralsjukehus tysdag. Sjukehuset mista sambandet med resten av Helse Vest.",
     {"helse-forde"}),
    ("Journalsystemet var nede ved Ahus onsdag. Det er ikke første gang journalsystemet svikter i Helse Sør-Øst.",
     {"ahus"}),
])
def test_collective_phrases(rules_nlp, body, expected):
    assert trusts(rules_nlp, body) == expected


@pytest.mark.parametrize("body, expected", [
    ("Journalsystemet var nede ved UNN tirsdag. Nordlandssykehuset og Finnmarkssykehuset er ikke berørt.", {"unn"}),
    ("Journalsystemet var nede ved Haukeland tysdag. Helse Stavanger er ikkje råka.", {"helse-bergen"}),
    ("Journalsystemet var nede ved Bærum sykehus onsdag. Ahus merket ingen problemer.", {"vestre-viken"}),
    ("Orbit slutta å verke ved Haukeland tysdag. Helse Fonna er ikkje råka, og heller ikkje Helse Stavanger "
     "eller Helse Førde har meldt om problem.", {"helse-bergen"}),
    # other hospitals of the same trust not hit: the trust is still hit through the first one
    ("Straumen gjekk på Stord sjukehus tysdag. Haugesund sjukehus og Odda sjukehus var ikkje råka.", {"helse-fonna"}),
    # the verb before the negation, "normal drift", "ingen driftsproblemer"
    ("Kurvesystemet var nede på Haukeland tysdag. Haraldsplass nyttar den same kurveløysinga, men merka ikkje noko til feilen.",
     {"helse-bergen"}),
    ("Nødnett falt ut for AMK ved Nordlandssykehuset Bodø torsdag. AMK-sentralen ved UNN hadde normal drift gjennom "
     "hele hendelsen.",
     {"nordlandssykehuset"}),
    ("Datanettet falt ut ved Kalnes mandag. Først ble det meldt at også Sørlandet sykehus var rammet, men Sørlandet "
     "sykehus hadde ingen driftsproblemer.", {"sykehuset-ostfold"}),
    # normal operation again is the fix of a trust that was hit
    ("Datanettet falt ut ved Kalnes mandag. Sykehuset Østfold hadde normal drift igjen klokka 12.", {"sykehuset-ostfold"}),
])
def test_negations(rules_nlp, body, expected):
    assert trusts(rules_nlp, body) == expected


@pytest.mark.parametrize("body, expected", [
    # a trust that helps
    ("Medisinkurva fall ut ved Haugesund sjukehus laurdag. Haukeland sende to fagfolk frå si eiga Meona-gruppe for å "
     "hjelpe kollegaene.", {"helse-fonna"}),
    # a trust that uses the same system but noticed nothing
    ("Røntgenbildene forsvant fra skjermene ved UNN torsdag. Finnmarkssykehuset bruker den samme Sectra-løsningen, men "
     "merket ingenting til feilen.", {"unn"}),
    # hospitals receiving diverted calls or patients
    ("Telefonsentralen ved OUS falt ut mandag. Mens feilen varte, ble anrop sendt videre til sentralbordet på "
     "Akershus universitetssykehus.", {"ous"}),
    ("Straumen gjekk ved Lærdal sjukehus tysdag, og mens feilen varte vart pasientane køyrde til Førde.",
     {"helse-forde"}),
    # trusts of an earlier event
    ("Telefonene ved Nordlandssykehuset var døde i en halvtime onsdag. UNN hadde et lignende brudd i fjor høst, men "
     "der varte det i flere timer.", {"nordlandssykehuset"}),
    ("Lærdal sjukehus mista straumen måndag. Haukeland mista straumen i fleire timar i romjula for nokre år sidan.",
     {"helse-forde"}),
    ("Røntgensystemet falt ut ved UNN tirsdag. I 2019 falt systemet ut ved Nordlandssykehuset.", {"unn"}),
    ("Journalsystemet DIPS falt ut ved Ahus fredag. Helse Sør-Øst har de siste årene brukt store summer på "
     "IT-infrastrukturen.", {"ahus"}),
    # a DPS makes the town a hospital's
    ("Datanettet falt ut ved Ofoten DPS i Narvik fredag.", {"unn"}),
    # a trust that reviews the incident, and a centre calls were put through to
    ("Meldingstenaren stoppa laurdag, og Helse Stavanger fekk ikkje sendt epikrisar. Helse Vest RHF vil gå gjennom "
     "hendinga saman med Helse Vest IKT og dei råka helseføretaka.", {"helse-stavanger"}),
    ("Ein feil i telefonisystemet gjorde at AMK-sentralen ved Haukeland ikkje fekk teke imot 113-samtalar. "
     "Samtalane blir sette over til AMK i Helse Førde.", {"helse-bergen"}),
    # ... but not a trust whose machines were "koblet til" the network, whose staff "sett til" patients, or a
    # hospital trust reviewing its own incident
    ("Alle datamaskiner som var koblet til nettverket i Helse Fonna mistet tilgangen til journalsystemet tirsdag.",
     {"helse-fonna"}),
    ("Pasientene ble sett til av personalet ved Haukeland etter at journalsystemet falt ut tirsdag.",
     {"helse-bergen"}),
    ("Journalsystemet var nede i tre timer tirsdag, og Sykehuset Østfold vil gå gjennom hendelsen.",
     {"sykehuset-ostfold"}),
    ("AMK-sentralen ved Kirkenes sykehus kunne søndag kveld ikke ta imot nødsamtaler fordi telefonløsningen falt ut. "
     "Alle 113-anrop ble satt over til AMK-sentralen ved UNN i Tromsø.", {"finnmarkssykehuset"}),
])
def test_helpers_receivers_bystanders_and_earlier_events_are_not_hit(rules_nlp, body, expected):
    assert trusts(rules_nlp, body) == expected


def test_a_trust_that_was_affected_too_is_hit(rules_nlp):
    body = ("Tirsdag klokka 10.12 mistet UNN Tromsø forbindelsen til datanettet. Også Sykehusapotek Nord sitt apotek i "
            "Breivika ble berørt, siden det bruker det samme nettet.")
    assert trusts(rules_nlp, body) == {"unn", "sykehusapotek-nord"}


def test_it_provider_fixing_the_fault_is_not_affected(rules_nlp):
    body = ("Journalsystemet var nede ved UNN tirsdag. Helse Nord IKT jobbet med å rette feilen, "
            "og Sykehuspartner bisto.")
    assert trusts(rules_nlp, body) == {"unn"}
    body = ("Nødnett falt ut for AMK ved Nordlandssykehuset Bodø torsdag. HDO, som har ansvaret for utstyret i Nødnett, "
            "feilsøkte sammen med DSB.")
    assert trusts(rules_nlp, body) == {"nordlandssykehuset"}  # the Nødnett operator is no affected trust


def test_spokespersons_employer_is_not_affected(rules_nlp):
    body = ("Journalsystemet var nede ved UNN tirsdag. – Vi beklager, sier kommunikasjonssjef Kari Li i Helse Nord.")
    assert trusts(rules_nlp, body) == {"unn"}


def test_publisher_is_the_trust_when_only_the_hospital_is_mentioned(rules_nlp):
    body = "Journalsystemet var nede ved sykehuset tirsdag formiddag, men er nå oppe igjen."
    assert trusts(rules_nlp, body, url="https://www.unn.no/nyheter/journalsystemet-var-nede/") == {"unn"}


@pytest.mark.parametrize("body, expected", [
    ("DIPS Arena var nede ved UNN tirsdag.", [("dips-arena", "EPJ")]),
    ("Dipps Arena var nede ved UNN tirsdag.", [("dips-arena", "EPJ")]),
    ("Dips var nede ved UNN tirsdag.", [("dips-classic", "EPJ")]),
    ("Sectra var nede ved UNN tirsdag.", [("sectra-ris-pacs", "RIS/PACS")]),
    ("Orbit var nede på Haukeland tysdag.", [("orbit", "SURGERY")]),
    # spellings seen since the domain list was made (data/gazetteer/system_aliases_extra.csv)
    ("Sektra var nede ved UNN tirsdag.", [("sectra-ris-pacs", "RIS/PACS")]),
    ("Orbitt var nede på Haraldsplass tysdag.", [("orbit", "SURGERY")]),
    ("Pasientjournalsystemet var nede ved UNN tirsdag.", [(None, "EPJ")]),
    ("Røntgensystemet var nede ved UNN tirsdag.", [(None, "RIS/PACS")]),
    ("Strømbrudd ved UNN tirsdag.", [(None, "POWER")]),
    ("Telefonproblemer ved UNN tirsdag.", [(None, "TELEPHONY")]),
    ("Datanettet var nede ved UNN tirsdag.", [(None, "NETWORK")]),
    ("Journalsystemfeil ved UNN tirsdag.", [(None, "EPJ")]),
    # a product name hyphenated to a word, kept as one token: the product, and a failure word signals
    ("Sectra-systemet var nede ved UNN tirsdag.", [("sectra-ris-pacs", "RIS/PACS")]),
    ("DIPS-feilen rammet UNN tirsdag.", [("dips-classic", "EPJ")]),
    # an alias of both an organisation and a system: the organisation only when named after it
    ("DIPS Arena var nede ved UNN tirsdag, melder Norsk helsenett.", [("dips-arena", "EPJ")]),
    ("Helseplattforma var ustabil ved Ålesund sjukehus tysdag.", [("helseplattformen-epic", "EPJ")]),
    # a national service's own name is the service, also when it is a generic word list's term too
    ("E-resept var nede ved UNN tirsdag.", [("e-resept", "NATIONAL")]),
    ("Reseptformidleren var nede ved UNN tirsdag.", [("e-resept", "NATIONAL")]),
    ("Kjernejournalen var nede ved UNN tirsdag.", [("kjernejournal", "NATIONAL")]),
    ("Helsenorge.no var nede tirsdag, og UNN fikk mange telefoner.", [("helsenorge", "NATIONAL")]),
    ("Helsenettet var nede ved UNN tirsdag.", [("helsenettet", "NETWORK")]),
    # ... but acronyms and the generic services stay types
    ("AMK var nede ved UNN tirsdag.", [(None, "EMERGENCY")]),
    ("PACS var nede ved UNN tirsdag.", [(None, "RIS/PACS")]),
    ("E-posten var nede ved UNN tirsdag.", [(None, "EMAIL")]),
    # another product of the failing type named in the background is not the failing one
    ("DIPS Arena var nede ved UNN tirsdag. UNN gikk over fra DIPS Classic til DIPS Arena høsten 2021.",
     [("dips-arena", "EPJ")]),
    # "DIPS" in a text naming DIPS Arena is short for it; the vendor is no system; "gamle DIPS" is the old one
    ("DIPS Arena falt ut ved Haukeland tysdag. Helse Vest IKT feilsøkte saman med leverandøren DIPS, og DIPS var "
     "oppe att klokka 15.", [("dips-arena", "EPJ")]),
    ("DIPS Arena falt ut ved Haukeland tysdag, og gamle DIPS kunne heller ikkje brukast.",
     [("dips-arena", "EPJ"), ("dips-classic", "EPJ")]),
    ("DIPS var nede ved UNN tirsdag. Også DIPS RIS falt ut.", [("dips-classic", "EPJ"), ("dips-ris", "RIS/PACS")]),
    ("Datasambandet til Kristiansund sjukehus fall ut tysdag.", [(None, "NETWORK")]),
    # a system said to work, or named as the way round the outage, is not failing
    ("Mange ved UNN fikk ikke logget seg på påloggingstjenesten tirsdag. DIPS Arena og de andre fagsystemene fungerer, "
     "men mange får altså ikke tilgang til dem.", [(None, "OTHER")]),
    ("Fasttelefonane fall ut ved Haugesund sjukehus tysdag, og pasientar vart bedne om å ringje 113 ved behov.",
     [(None, "TELEPHONY")]),
    ("Mange ved UNN fikk ikke logget seg på tirsdag. Journalsystemet var hele tiden i drift, men mange kom seg ikke inn "
     "i det fordi påloggingen stoppet.", [(None, "OTHER")]),
    ("Naudnettet fall ut for ambulansane på Sunnmøre i natt.", [("nodnett", "EMERGENCY")]),
    ("Påloggingen ved St. Olavs hospital sluttet å virke natt til lørdag. De som var pålogget, kunne bruke "
     "Helseplattformen som normalt.", [(None, "OTHER")]),
])
def test_systems_and_types(rules_nlp, body, expected):
    f = facts(rules_nlp, body)
    assert [(s.id, s.type) for s in f.systems] == expected


def test_failing_component_is_recorded_not_counted_as_a_system(rules_nlp):
    f = facts(rules_nlp, "Lagringsløsningen bak røntgensystemet Sectra sviktet ved UNN tirsdag.")
    assert [(s.id, s.type) for s in f.systems] == [("sectra-ris-pacs", "RIS/PACS")]
    assert f.systems[0].component


@pytest.mark.parametrize("text", [
    "Planlagt vedlikehold av journalsystemet\n\nPublisert 02.05.2023\n\nNatt til lørdag 6. mai mellom klokken 01 og 05 "
    "vil journalsystemet være utilgjengelig på grunn av planlagt vedlikehold.",
    "Stor beredskapsøvelse ved UNN\n\nPublisert 02.05.2023\n\nTirsdag øvde UNN på bortfall av IKT. Øvelsen simulerte "
    "at journalsystemet var nede i seks timer.",
    "Innføringen av DIPS Arena blir utsatt\n\nPublisert 14.10.2019\n\nHelgelandssykehuset skal ikke ta i bruk DIPS "
    "Arena i november som planlagt. Testene viste at systemet var for tregt.",
    "Gul beredskap på grunn av covid-19\n\nPublisert 12.03.2020\n\nSykehuset hever beredskapen til gul på grunn av "
    "koronaviruset.",
    "Mistenkt dataangrep var falsk alarm\n\nPublisert 12.06.2024\n\nTirsdag varslet HelseCERT om unormal trafikk mot "
    "nettverket til Sykehuset Innlandet. Det var ikke snakk om noe angrep, og tjenestene var tilgjengelige som normalt.",

    "Helse Vest aukar beredskapen etter trugsmål om dataåtak\n\nPublisert 04.06.2024\n\nSjukehusa har sett grøn "
    "beredskap, men så langt fungerer alt som normalt. Sist gong liknande trugsmål kom, i januar 2023, var nettsidene "
    "ustabile ei kort stund.",
    "Heisen stoppa under straumtest\n\nPublisert 15.04.2021\n\nEin pasient sat fast i ein heis på Nordfjord sjukehus "
    "i ti minutt onsdag, medan sjukehuset testa naudstraumen. Straumforsyninga vart aldri broten.",
    "Sjukehusa i vest stoppar tusenvis av angrepsforsøk kvar veke\n\nPublisert 14.02.2023\n\nKvar veke prøver ukjende "
    "aktørar å ta seg inn i datasystema til sjukehusa på Vestlandet. Ingen av forsøka har ført til at system har vore "
    "ute av drift.",
    "Tilsette lurte av falsk e-post – ingen system nede\n\nPublisert 07.09.2023\n\nRundt 40 tilsette ved Stavanger "
    "universitetssjukehus svarte på ein falsk e-post. – Angrepet har ikkje ført til driftsstans, seier "
    "informasjonstryggleiksleiaren.",
    "Fiberbrudd i Nordfjord\n\nPublisert 03.12.2024\n\nMandag ble en fiberforbindelse til Nordfjord sjukehus kuttet "
    "under graving. Trafikken ble automatisk flyttet til en reserveforbindelse, og brukerne merket ikke noe.",
    "Feil referanseområde på prøvesvar\n\nPublisert 20.05.2020\n\nEn feil i oppsettet av laboratoriesystemet ga "
    "enkelte prøvesvar fra Sykehuset Østfold feil referanseområde fra mandag til onsdag. Selve analyseresultatene var "
    "riktige, og systemet har hele tiden vært i drift.",
    "St. Olavs hospital i gul beredskap på grunn av høyt belegg\n\nPublisert 06.01.2025\n\nMange innleggelser gjør at "
    "sykehuset har satt gul beredskap. Pasienter som ringer sentralbordet, må regne med lengre ventetid enn normalt. "
    "Telefonsystemet fungerer som det skal.",
])
def test_hard_negatives_stay_negative(rules_nlp, text):
    [f] = annotate([to_article(text, None, None, None)], rules_nlp)
    assert not f.is_outage and f.start is None and f.end is None and f.trusts == ()


def test_hyphenated_product_compound_with_a_failure_word_signals_an_outage(rules_nlp):
    f = facts(rules_nlp, "DIPS-stansen rammet UNN tirsdag formiddag.")
    assert f.is_outage and [s.id for s in f.systems] == ["dips-classic"]
    # a hyphenated word that only starts like a product is not one
    f = facts(rules_nlp, "Sectrasystem-leverandøren holdt kurs ved UNN tirsdag.")
    assert "sectra-ris-pacs" not in {s.id for s in f.systems}


def test_a_trust_in_a_sentence_about_the_loss_is_hit(rules_nlp):
    body = ("Kjernejournal var utilgjengelig over hele landet tirsdag kveld. "
            "Blant dem som merket bortfallet, var akuttmottakene ved Ahus og Lovisenberg.")
    assert trusts(rules_nlp, body) == {"ahus", "lovisenberg"}


LIVE = ("Ustabil DIPS Arena ved OUS\n\nPublisert 25.03.2025\n\n"
        "Oppdatert 25.03 13.05: DIPS Arena har igjen falt ut for mange brukere på Ullevål.\n\n"
        "Oppdatert 25.03 11.20: Journalsystemet fungerer nå igjen. Feilen ble rettet klokken 11.02.\n\n"
        "Fra klokken 09.35 tirsdag har ansatte ved Ullevål hatt problemer med å åpne DIPS Arena.")


def _live(nlp, text: str):
    from datetime import date

    [f] = annotate([to_article(text, date(2025, 3, 25), "nb", None)], nlp)
    return f


def test_an_outage_that_comes_back_after_its_fix_is_ongoing(rules_nlp):
    f = _live(rules_nlp, LIVE)
    assert (f.status, f.end) == ("ongoing", None) and f.start is not None


@pytest.mark.parametrize("newest", [
    "Oppdatert 25.03 13.05: Alt fungerer igjen, og vi følger med.",  # a fix, not a failure, said again
    "Oppdatert 25.03 13.05: Vi skal finne ut hvordan vi kan hindre at feilen skjer igjen.",  # a wish
])
def test_again_without_a_new_failure_keeps_the_fix(rules_nlp, newest):
    f = _live(rules_nlp, LIVE.replace("Oppdatert 25.03 13.05: DIPS Arena har igjen falt ut for mange brukere på Ullevål.",
                                      newest))
    assert f.status == "resolved" and f.end is not None


@pytest.mark.parametrize("fixed", ["var Reseptformidleren tilgjengelig igjen", "fungerte igjen journalen",
                                   "virket igjen journalen"])
def test_back_again_phrasings_resolve_the_outage(rules_nlp, fixed):
    f = facts(rules_nlp, f"Fra i 13-tiden tirsdag fikk ikke UNN hentet ut resepter fra e-reseptsystemet. "
                         f"Halvannen time senere {fixed}.")
    assert f.is_outage and f.status == "resolved" and "RESOLVED" in f.signals


def test_nynorsk_message_exchange_terms_and_a_collective_phrase(rules_nlp):
    f = facts(rules_nlp, "Ein feil i meldingstenaren gjorde at ingen elektroniske meldingar gjekk mellom alle sjukehusa "
                         "på Vestlandet og fastlegane frå laurdag morgon. Meldingsutvekslinga var ute av drift i to døgn.")
    assert {t.id for t in f.trusts} == {"helse-vest-rhf", "helse-bergen", "helse-fonna", "helse-forde", "helse-stavanger"}
    assert [s.type for s in f.systems] == ["NATIONAL"]


def test_a_trust_that_noticed_the_problem_is_hit(rules_nlp):
    body = "Kjernejournal var ute av drift frå onsdag morgon. Helse Førde og Helse Bergen merka problemet i akuttmottaka."
    assert trusts(rules_nlp, body) == {"helse-forde", "helse-bergen"}


@pytest.mark.parametrize("consequence", [
    "Sykehuset har bare delvis tilgang til journalsystemet og røntgenbildene.",
    "I perioden var det vanskelig å nå journalsystemet og røntgenbildene.",
    "De ansatte kunne verken bruke journalsystemet eller røntgenbildene.",
])
def test_systems_a_network_failure_took_down_are_listed(rules_nlp, consequence):
    f = facts(rules_nlp, f"Datanettet var nede ved UNN tirsdag morgen. {consequence}")
    assert {s.type for s in f.systems} == {"NETWORK", "EPJ", "RIS/PACS"}


@pytest.mark.parametrize("body", [
    "Klokka 06.52 torsdag vart skjermane svarte på alle arbeidsstasjonane i datanettet ved Ålesund sjukehus.",
    "Torsdag mistet blodbanken ved Stavanger universitetssjukehus tilgangen til blodbanksystemet.",
    "Onsdag klarte ikke radiologene ved Sykehuset Levanger å hente fram bildene i røntgensystemet.",
    "Bildene havnet aldri i røntgensystemet ved Sykehuset Levanger, og ingen kunne lese dem av.",
])
def test_a_failure_verb_split_by_its_subject_is_an_outage(rules_nlp, body):
    assert _neutral(rules_nlp, body).is_outage


def _neutral(nlp, body: str):
    """Facts of a body under a title without outage words."""
    [f] = annotate([to_article("Status fra sykehuset\n\nPublisert 07.03.2023\n\n" + body, None, None, None)], nlp)
    return f


@pytest.mark.parametrize("body", [
    "Datanettet ved UNN falt ikke ut i stormen tirsdag, og journalsystemet fungerte hele natta.",
    "Natta gjekk roleg. Verken straumen eller datanettet fall ut ved nokon av sjukehusa i Helse Førde.",
    "UNN går nå gjennom alle brevene fra journalsystemet for å finne ut hvem som skal kontaktes.",
])
def test_negated_or_distant_failure_verbs_are_not_an_outage(rules_nlp, body):
    f = _neutral(rules_nlp, body)
    assert not f.is_outage and "OUTAGE_START" not in f.signals


def test_some_hospitals_in_a_region_are_only_the_listed_ones(rules_nlp):
    body = ("Dips Arena har sluttet å svare ved en rekke sykehus i Helse Sør-Øst, blant dem Ullevål og Ahus. "
            "Feilen inntraff rett før klokka 11 fredag.")
    assert trusts(rules_nlp, body) == {"ous", "ahus"}


@pytest.mark.parametrize("body", [
    # no estimate for when it works again
    "Dips Arena har sluttet å svare ved Ahus. Sykehuspartner har fortsatt ikke noe anslag for når Dips Arena virker igjen.",
    # another system working as normal
    "Siden i morges tar meldingstjeneren ved UNN ikke imot noe. Helsenettet fungerer som normalt. Saken oppdateres.",
])
def test_resolution_words_that_are_not_a_fix(rules_nlp, body):
    assert facts(rules_nlp, body).status == "ongoing"


@pytest.mark.parametrize("body", [
    "Sjukehusa i ein svensk region var utan journalsystem i ti timar tysdag. I Noreg har ingen sjukehus merka noko.",
    "Tester i vår viste at systemet ble for tregt, og ved ett tilfelle stoppet testmiljøet helt. UNN får ny framdriftsplan.",
])
def test_outages_abroad_or_in_a_test_environment_are_not_ours(rules_nlp, body):
    [f] = annotate([to_article("Journalsystemet stoppet\n\nPublisert 07.03.2023\n\n" + body, None, None, None)], rules_nlp)
    assert not f.is_outage


def test_a_neutral_phrase_shields_the_cue_inside_it(rules_nlp):
    f = facts(rules_nlp, "Telefonsentralen ved Kongsvinger sykehus hang etter overgangen til sommertid natt til søndag, "
                         "og alle som ringte, fikk bare opptattsignal.")
    assert f.is_outage and "PLANNED_MAINTENANCE" not in f.signals


@pytest.mark.parametrize("body", [
    "Årsaka var at Førde sentralsjukehus hadde mista kontakten med Reseptformidlaren.",
    "Strømmen forsvant i to bygg på Radiumhospitalet, og PC-ene slo seg av.",
])
def test_losing_contact_and_vanishing_power_are_outage_signals(rules_nlp, body):
    assert "OUTAGE_START" in _neutral(rules_nlp, body).signals


MUNICIPALITY = ("Dataangrep lamma Volda kommune\n\nPublisert 14.08.2023\n\nSidan natt til måndag har dei tilsette i "
                "Volda kommune vore utan e-post og fagsystema sine etter eit dataangrep. Volda sjukehus ligg like ved, "
                "men er ikkje råka.")


def test_an_outside_report_naming_trusts_only_as_unaffected_is_someone_elses_outage(rules_nlp):
    [outside] = annotate([to_article(MUNICIPALITY, None, None, "https://www.example-avis.no/volda")], rules_nlp)
    assert not outside.is_outage and outside.outage_score >= 0.5
    # on a trust's own site the same words are the trust's news: the rule is for outside reports only
    [own] = annotate([to_article(MUNICIPALITY, None, None, "https://helse-mr.no/nyheiter/volda")], rules_nlp)
    assert own.is_outage


@pytest.mark.parametrize("update", [
    "Oppdatert kl. 14.10: Feilen er enno ikkje retta.",
    "Oppdatert kl. 14.10: Feilen er fortsatt ikke løst.",
])
def test_a_fix_word_under_negation_keeps_the_outage_ongoing(rules_nlp, update):
    f = facts(rules_nlp, "I halv ett-tida tysdag slutta e-resept å fungere ved sjukehusa i Helse Møre og Romsdal.\n\n"
              + update)
    assert (f.status, f.end) == ("ongoing", None)


def test_maintenance_that_overran_is_an_outage_from_when_it_stopped_being_planned(rules_nlp):
    text = ("Planlagt vedlikehald enda med uplanlagd stans\n\nPublisert 10.02.2025\n\nNatt til søndag var Helseplattforma "
            "stengd for planlagt vedlikehald mellom klokka 01 og 04. Då systemet skulle startast opp att, feila oppstarten, "
            "og frå klokka 04 var stansen ikkje lenger planlagd. Sjukehusa i Ålesund og Molde heldt fram med papir, og også "
            "St. Olavs hospital var ramma.\n\n"
            "Klokka 07.40 var Helseplattforma tilgjengeleg att.")
    [f] = annotate([to_article(text, None, None, None)], rules_nlp)
    assert f.is_outage
    assert (f.start.isoformat(), f.end.isoformat()) == ("2025-02-09T04:00:00+01:00", "2025-02-09T07:40:00+01:00")


def test_losing_the_network_and_the_phones_is_an_outage(rules_nlp):
    text = ("Graver kuttet kabel – sykehus uten nett og telefon\n\nPublisert 09.06.2023\n\nEn gravemaskin rev over en "
            "fiberkabel ti over halv tre fredag ettermiddag. – Vi mistet nettet i flere bygg, og de interne telefonene "
            "ble stumme, sier klinikksjef Geir Nilsen ved Nordlandssykehuset.")
    [f] = annotate([to_article(text, None, None, None)], rules_nlp)
    assert f.is_outage and f.start.isoformat() == "2023-06-09T14:40:00+02:00"


def test_a_very_slow_system_in_nynorsk_is_degraded(rules_nlp):
    f = facts(rules_nlp, "I morgontimane tysdag byrja røntgensystemet å gå svært treigt ved Molde sjukehus.")
    assert "DEGRADED" in f.signals


@pytest.mark.parametrize("body, signal", [
    ("Helsenorge.no har hatt reduserte tenester sidan i formiddag.", "DEGRADED"),
    ("Legemiddelautomatene ved Ahus Kongsvinger ikke lot seg åpne natt til tirsdag.", "OUTAGE_START"),
    ("Tusenvis av ansatte ikke får åpnet dokumenter på fellesområdene ved Drammen sykehus.", "OUTAGE_START"),
])
def test_more_failure_phrases(rules_nlp, body, signal):
    assert signal in facts(rules_nlp, body).signals


def test_a_title_split_by_its_colon_is_one_title(rules_nlp):
    """"Driftsmelding: Treghet i DIPS Arena fra kl. 07.40": the part after the colon is the title too."""
    text = ("Driftsmelding: Treghet i DIPS Arena fra kl. 07.40\n\nPublisert 08.10.2024\n\nAnsatte ved sykehuset opplever at "
            "journalsystemet henger, og at det tar lang tid å åpne dokumenter. Helse Nord IKT feilsøker.")
    [f] = annotate([to_article(text, None, None, "https://www.unn.no/nyheter/driftsmelding-treghet-i-dips-arena/")], rules_nlp)
    assert f.is_outage and f.start.isoformat() == "2024-10-08T07:40:00+02:00" and [t.id for t in f.trusts] == ["unn"]


def test_a_split_verb_with_a_long_subject_closed_by_its_infinitive(rules_nlp):
    f = facts(rules_nlp, "Rett over midnatt natt til lørdag sluttet påloggingen på PC-ene ved St. Olavs hospital å virke.")
    assert "OUTAGE_START" in f.signals


def test_an_abbreviation_inside_a_split_verb(rules_nlp):
    f = facts(rules_nlp, "Natt til lørdag sluttet påloggingen ved St. Olavs hospital å virke.")
    assert "OUTAGE_START" in f.signals and [t.id for t in f.trusts] == ["st-olavs"]


def test_not_getting_images_sent_is_an_outage(rules_nlp):
    text = ("Røntgenbilder blir liggende på Gravdal\n\nPublisert 19.04.2024\n\nSiden i 8-tiden fredag har sykehuset på "
            "Gravdal ikke fått sendt røntgenbilder til radiologene i Bodø. Bildene blir liggende lokalt i Sectra.")
    [f] = annotate([to_article(text, None, None, None)], rules_nlp)
    assert f.is_outage and [t.id for t in f.trusts] == ["nordlandssykehuset"]


def test_systems_users_had_no_access_to_or_could_not_mail_with_are_failing(rules_nlp):
    f = facts(rules_nlp, "Torsdag føremiddag fall datanettet ut ved Kristiansund sjukehus. Frå klokka 11.05 har dei "
                         "tilsette ikkje hatt tilgang til Helseplattforma eller e-post.")
    assert {(s.id, s.type) for s in f.systems} == {(None, "NETWORK"), ("helseplattformen-epic", "EPJ"), (None, "EMAIL")}
    f = facts(rules_nlp, "Helse Vest IKT stengde internettilgangen for Haugesund sjukehus tysdag kveld. Utan internett "
                         "fekk dei tilsette verken sendt eller motteke e-post.")
    assert (None, "EMAIL") in {(s.id, s.type) for s in f.systems}


def test_an_end_for_some_while_the_others_still_fail_leaves_the_outage_ongoing(rules_nlp):
    f = facts(rules_nlp, "I 9-tiden tirsdag begynte DIPS Arena å bli svært tregt ved Sørlandet sykehus og Vestre "
                         "Viken.\n\nSørlandet sykehus meldte normal drift fra klokken 12.10. Ved Vestre Viken er "
                         "journalsystemet fortsatt ustabilt.")
    assert (f.status, f.end) == ("ongoing", None)
    f = facts(rules_nlp, "I 9-tiden tirsdag begynte DIPS Arena å bli svært tregt ved Sørlandet sykehus.\n\nSørlandet "
                         "sykehus meldte normal drift fra klokken 12.10. Det kan fortsatt bli noe ustabilt.")
    assert f.status == "resolved" and f.end is not None  # a hedge is no failure
    f = facts(rules_nlp, "I 9-tiden tirsdag begynte DIPS Arena å bli svært tregt ved Sørlandet sykehus.\n\nSystemet "
                         "var tilbake i normal drift klokken 11.30. Det er fortsatt ikke kjent hvorfor journalsystemet "
                         "falt ut.")
    assert f.status == "resolved" and f.end is not None  # the search for the cause, and no other place
