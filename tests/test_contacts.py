"""Press-contact extraction: quote attributions, contact blocks, phones, merging and exclusions.

All texts, names, e-mail addresses and numbers are invented for these tests.
"""
from __future__ import annotations

import pytest

from pipeline.gazetteer import load_gazetteer
from pipeline.nlp.contacts import find_contacts, normalise_phone


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def one(text, gaz, **kw):
    found = find_contacts(text, gaz, **kw)
    assert len(found) == 1, found
    return found[0]


def fields(contact):
    return (contact.name, contact.role, contact.org, contact.org_id, contact.email, contact.phone)


# --- quote attributions -------------------------------------------------------------------

def test_sier_role_name_i_org_nb(gaz):
    c = one("– Vi ber om forståelse for ventetida, sier kommunikasjonssjef Sigrid Lunde i Helse Nord.", gaz)
    assert fields(c) == ("Sigrid Lunde", "kommunikasjonssjef", "Helse Nord", "helse-nord-rhf", None, None)
    assert "Sigrid Lunde" in c.evidence and c.confidence >= 0.85


def test_seier_role_name_ved_hospital_nn(gaz):
    c = one("– Det tok lengre tid enn venta å få systema opp att, seier kommunikasjonsdirektør "
            "Torbjørn Hegge ved Haukeland.", gaz)
    assert fields(c)[:4] == ("Torbjørn Hegge", "kommunikasjonsdirektør", "Haukeland", "helse-bergen")


def test_sier_name_som_er_role_ved_org(gaz):
    c = one("– Ingen pasienter har tatt skade, sier Mona Eliassen, som er pressevakt ved OUS.", gaz)
    assert fields(c)[:4] == ("Mona Eliassen", "pressevakt", "OUS", "ous")


def test_role_ved_org_comma_name_opplyser(gaz):
    c = one("Pressevakt ved OUS, Henrik Solbakk, opplyser til NTB at feilen er funnet.", gaz)
    assert fields(c)[:4] == ("Henrik Solbakk", "pressevakt", "OUS", "ous")


def test_forteller_role_name_til_outlet_has_no_org(gaz):
    c = one("Røntgenbildene var ikke tilgjengelige på flere timer, forteller klinikksjef Ragnhild Moe til avisa.",
            gaz)
    assert fields(c)[:4] == ("Ragnhild Moe", "klinikksjef", None, None)


def test_name_comma_role_i_org_sier(gaz):
    c = one("Øyvind Bakkevik, fagdirektør i Helse Nord, sier at journalsystemet nå fungerer igjen.", gaz)
    assert fields(c)[:4] == ("Øyvind Bakkevik", "fagdirektør", "Helse Nord", "helse-nord-rhf")


def test_fortel_nynorsk_role_in_org(gaz):
    c = one("– Vi fekk varsel frå leverandøren i 10-tida, fortel beredskapsleiar Gunnhild Tveit i Helse Førde.",
            gaz)
    assert fields(c)[:4] == ("Gunnhild Tveit", "beredskapsleiar", "Helse Førde", "helse-forde")


def test_opplyser_acronym_role_keeps_case(gaz):
    c = one("Det opplyser IT-direktør Arvid Nesheim i Helse Vest IKT til NRK.", gaz)
    assert fields(c)[:4] == ("Arvid Nesheim", "IT-direktør", "Helse Vest IKT", "helse-vest-ikt")


def test_ifolge_two_word_role(gaz):
    c = one("Ifølge administrerende direktør Marit Hovland ved UNN var over hundre timer berørt.", gaz)
    assert fields(c)[:4] == ("Marit Hovland", "administrerende direktør", "UNN", "unn")


def test_sentence_initial_role_is_lower_cased(gaz):
    c = one("Kommunikasjonsrådgiver Eirik Haugen i Sykehuset Telemark sier til avisa at alt er normalt igjen.", gaz)
    assert fields(c)[:4] == ("Eirik Haugen", "kommunikasjonsrådgiver", "Sykehuset Telemark", "sykehuset-telemark")


def test_genitive_org_before_role(gaz):
    c = one("– Vi har full kontroll nå, sier Helse Nords kommunikasjonssjef Lise Aamodt.", gaz)
    assert fields(c)[:4] == ("Lise Aamodt", "kommunikasjonssjef", "Helse Nord", "helse-nord-rhf")


def test_pronoun_attribution_in_next_paragraph(gaz):
    text = ("Klinikksjef Bente Kvalheim ved Nordlandssykehuset satte gul beredskap torsdag.\n\n"
            "– Vi har rutiner for dette og har kontroll, sier hun.")
    c = one(text, gaz)
    assert fields(c)[:4] == ("Bente Kvalheim", "klinikksjef", "Nordlandssykehuset", "nordlandssykehuset")


def test_unquoted_non_press_official_is_not_a_contact(gaz):
    assert find_contacts("Klinikksjef Bente Kvalheim ved Nordlandssykehuset har ansvaret for området.", gaz) == []


def test_hyphenated_name_with_particles(gaz):
    c = one("– Systemet er tilbake, sier seksjonsleder Anne-Lise van der Berg ved Ahus.", gaz)
    assert fields(c)[:4] == ("Anne-Lise van der Berg", "seksjonsleder", "Ahus", "ahus")


def test_glued_role_and_name_typo(gaz):
    c = one("– Feilen er retta, sier kommunikasjonssjefTrude Kolstad i UNN.", gaz)
    assert fields(c)[:4] == ("Trude Kolstad", "kommunikasjonssjef", "UNN", "unn")


def test_person_spans_from_ner_are_used(gaz):
    text = "– Vi jobber med saken, sier kommunikasjonssjef KARI LUNDE i UNN."
    assert find_contacts(text, gaz) == []  # capitals only: the rules do not see a name
    start = text.index("KARI")
    c = one(text, gaz, person_spans=[(start, start + len("KARI LUNDE"))])
    assert fields(c)[:4] == ("KARI LUNDE", "kommunikasjonssjef", "UNN", "unn")


def test_quoted_person_without_role_or_org_is_dropped(gaz):
    assert find_contacts("– Vi måtte vente i fire timer, sier Ola Brekke.", gaz) == []


def test_quoted_person_with_trust_but_no_role(gaz):
    c = one("– Vi fikk beskjed om å bruke papir, sier Ingvild Sæther ved St. Olavs hospital.", gaz)
    assert fields(c)[:4] == ("Ingvild Sæther", None, "St. Olavs hospital", "st-olavs")


# --- contact blocks -----------------------------------------------------------------------

def test_block_with_org_subheading(gaz):
    text = ("Kontaktpersoner for media:\n\nKontaktperson i Helse Nord IKT\n"
            "Jostein Rørvik, driftssjef, jostein.rorvik@hnikt.example, telefon: 95 12 34 01")
    c = one(text, gaz)
    assert fields(c) == ("Jostein Rørvik", "driftssjef", "Helse Nord IKT", "helse-nord-ikt",
                         "jostein.rorvik@hnikt.example", "+4795123401")


def test_block_parenthesised_role_and_tlf(gaz):
    text = "Kontakt:\nSolveig Brandt (kommunikasjonsrådgiver), tlf. 41 23 45 67, Solveig.Brandt@unn.example"
    c = one(text, gaz)
    assert fields(c) == ("Solveig Brandt", "kommunikasjonsrådgiver", None, None,
                         "solveig.brandt@unn.example", "+4741234567")


def test_block_phone_glued_to_email(gaz):
    text = "Kontakt: Kari Holm, pressevakt, tlf 91234567kari.holm@sykehus.example"
    c = one(text, gaz)
    assert (c.phone, c.email) == ("+4791234567", "kari.holm@sykehus.example")


def test_block_spaced_phone_glued_to_email(gaz):
    c = one("Kontakt: Kari Holm, pressevakt, tlf. 91 23 45 67kari.holm@sykehus.example", gaz)
    assert (c.phone, c.email) == ("+4791234567", "kari.holm@sykehus.example")


def test_block_email_on_next_line_and_mobil(gaz):
    text = ("For mer informasjon, kontakt:\n"
            "Kommunikasjonssjef Petter Dahl\n"
            "petter.dahl@siv.example\n"
            "Mobil: 912 34 567")
    c = one(text, gaz)
    assert fields(c) == ("Petter Dahl", "kommunikasjonssjef", None, None, "petter.dahl@siv.example", "+4791234567")


def test_block_inline_for_sporsmal_kontakt(gaz):
    c = one("For spørsmål, kontakt kommunikasjonsrådgiver Nils Vangen på telefon 48 12 34 56.", gaz)
    assert fields(c) == ("Nils Vangen", "kommunikasjonsrådgiver", None, None, None, "+4748123456")


def test_block_nynorsk_role(gaz):
    text = ("Kontaktperson: Ragna Fosse, kommunikasjonsrådgjevar, ragna.fosse@fonna.example, "
            "telefon: 47 65 43 21")
    c = one(text, gaz)
    assert fields(c) == ("Ragna Fosse", "kommunikasjonsrådgjevar", None, None,
                         "ragna.fosse@fonna.example", "+4747654321")


def test_signature_line_without_heading(gaz):
    text = "Systemet er oppe igjen.\n\nTerje Sand, pressesjef, tlf. +47 930 11 222"
    c = one(text, gaz)
    assert fields(c) == ("Terje Sand", "pressesjef", None, None, None, "+4793011222")


def test_switchboard_line_after_entry_is_not_attached(gaz):
    text = "Kontakt:\nHilde Rønning, kommunikasjonssjef\nSentralbord: 77 62 60 00"
    c = one(text, gaz)
    assert (c.name, c.role, c.phone) == ("Hilde Rønning", "kommunikasjonssjef", None)


# --- phone numbers ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+47 12 34 56 78", "+4712345678"),
        ("0047 91 23 45 67", "+4791234567"),
        ("12 34 56 78", "+4712345678"),
        ("123 45 678", "+4712345678"),
        ("477 00 999", "+4747700999"),
        ("91234567", "+4791234567"),
        ("(+47) 915 00 111", "+4791500111"),
        ("tlf. 41 23 45 67", "+4741234567"),
        ("07022", None),
        ("08915", None),
        ("113", None),
        ("1234567", None),
        ("800 12 345", None),
        ("+46 70 123 45 67", None),
        ("", None),
    ],
)
def test_normalise_phone(raw, expected):
    assert normalise_phone(raw) == expected


# --- merging ------------------------------------------------------------------------------

def test_quote_and_block_merge_into_one_contact(gaz):
    text = ("– Vi jobber for fullt med å rette feilen, sier kommunikasjonssjef Liv Strand i Helse Nord.\n\n"
            "Kontaktperson:\nLiv Marie Strand, kommunikasjonssjef, liv.strand@helse-nord.example, "
            "telefon: 90 11 22 33")
    c = one(text, gaz)
    assert fields(c) == ("Liv Marie Strand", "kommunikasjonssjef", "Helse Nord", "helse-nord-rhf",
                         "liv.strand@helse-nord.example", "+4790112233")
    assert c.confidence >= 0.95


def test_repeated_quotes_and_surname_merge(gaz):
    text = ("– Vi har gått over til papir, sier klinikksjef Per Arne Hauge ved UNN.\n"
            "– Ingen pasienter er i fare, sier Hauge.\n"
            "– Vi venter svar fra leverandøren, sier PER ARNE HAUGE.")
    start = text.index("PER ARNE")
    c = one(text, gaz, person_spans=[(start, start + len("PER ARNE HAUGE"))])
    assert fields(c)[:4] == ("Per Arne Hauge", "klinikksjef", "UNN", "unn")


# --- exclusions ---------------------------------------------------------------------------

def test_journalist_bylines_are_not_contacts(gaz):
    text = ("Tekst: Mari Sunde\nFoto: Geir Lien\n\nAv Stian Moen\n\n"
            "Journalsystemet var nede i to timer, sier kommunikasjonssjef Anna Fjeld i UNN.\n"
            "Illustrasjonsbilde. Foto: Kjell Borgen")
    assert [c.name for c in find_contacts(text, gaz)] == ["Anna Fjeld"]


def test_author_line_before_publisert_is_not_a_contact(gaz):
    text = ("Datasystemet er tilbake\n\nSiri Lyngstad, kommunikasjonsrådgiver\nPublisert 04.02.2024\n\n"
            "Pasientjournalen var utilgjengelig i tre timer.")
    assert find_contacts(text, gaz) == []


def test_journalist_contact_line_at_end(gaz):
    text = ("Nettet var nede hele natta, sier pressevakt Kai Ulvang ved OUS.\n\n"
            "Ola Reitan, ola.reitan@nrk.no\n27.03.19 10:58")
    assert [c.name for c in find_contacts(text, gaz)] == ["Kai Ulvang"]


def test_site_editors_are_not_contacts(gaz):
    text = "Ansvarlig redaktør: Tone Krogh\nNettredaktør: Arne Vold\nRedaksjonen kan nås på 22 33 44 55."
    assert find_contacts(text, gaz) == []


def test_gp_and_county_doctor_are_not_contacts(gaz):
    text = ("– Vi fikk ikke sendt henvisninger på hele dagen, sier fastlege Jon Kvamme.\n"
            "– Det er alvorlig, sier fylkeslege Berit Aune.\n"
            "– Kommunen har egne rutiner, sier Hans Rød, som er kommuneoverlege i Tromsø kommune.")
    assert find_contacts(text, gaz) == []


def test_outside_commentators_are_not_contacts(gaz):
    text = ("– Sykehusene må ha bedre reserveløsninger, sier professor Elin Vatne ved Universitetet i Bergen.\n"
            "– Dette skal ikke skje, sier helseminister Geir Stang.\n"
            "– Jeg ventet i seks timer, sier Turid Alsaker (67).")
    assert find_contacts(text, gaz) == []


def test_telecom_and_power_staff_are_not_contacts(gaz):
    text = ("– En gravemaskin kuttet fiberkabelen, sier pressevakt Ole Brenden i Telenor.\n"
            "– Strømmen var borte i et kvarter, sier Siv Lothe, som er informasjonssjef i Elvia.\n"
            "– Vi fikk kontroll etter en time, sier kommunikasjonssjef Pål Grini i Helse Bergen.\n"
            "– Vi sende mannskap ut så snart vegen var sikra, seier Ola Hovden, som er driftsleiar i teleselskapet.")
    assert [c.name for c in find_contacts(text, gaz)] == ["Pål Grini"]


def test_switchboard_line_is_not_a_contact(gaz):
    text = "Helse Nord RHF: 75 51 29 00 • Sjøgata 10, 8038 Bodø\nSentralbord: 77 62 60 00"
    assert find_contacts(text, gaz) == []


def test_press_phone_line_without_person_is_not_a_contact(gaz):
    text = ("Kontakt:\nPressetelefon 477 00 999\nAMK kan nås på 113. Reservetelefoner: 51 51 80 00 og 51 51 80 01")
    assert find_contacts(text, gaz) == []


# --- organisation resolution and the publisher ---------------------------------------------

@pytest.mark.parametrize(
    ("text", "org", "org_id"),
    [
        ("– Alt virker, sier pressesjef Ruth Vik i Helse Nord.", "Helse Nord", "helse-nord-rhf"),
        ("– Alt virkar, seier pressesjef Ruth Vik ved Haukeland.", "Haukeland", "helse-bergen"),
        ("Kontaktperson i Helse Nord IKT\nRuth Vik, pressesjef, ruth.vik@hn.example", "Helse Nord IKT",
         "helse-nord-ikt"),
        ("– Alt virker, sier pressesjef Ruth Vik i Helse Testfjord.", "Helse Testfjord", None),
    ],
)
def test_org_id_resolution(gaz, text, org, org_id):
    c = one(text, gaz)
    assert (c.org, c.org_id) == (org, org_id)


def test_publisher_id_for_block_entry_without_org(gaz):
    c = one("Kontakt:\nVegard Aas, kommunikasjonsrådgiver, tlf. 45 67 89 01", gaz, publisher_id="sykehuset-i-vestfold")
    assert (c.org, c.org_id) == (None, "sykehuset-i-vestfold")


def test_publisher_id_not_given_to_quoted_clinician_without_org(gaz):
    c = one("– Vi bruker papirjournal, sier avdelingsoverlege Frida Holt.", gaz, publisher_id="unn")
    assert (c.role, c.org, c.org_id) == ("avdelingsoverlege", None, None)


def test_explicit_org_wins_over_publisher(gaz):
    c = one("– Vi jobber med det, sier pressevakt Ask Nygård ved OUS.", gaz, publisher_id="ahus")
    assert c.org_id == "ous"


# --- a whole article ------------------------------------------------------------------------

HELSE_NORD_ARTICLE = """Problemer med bildesystemet i Helse Nord er løst

Publisert 11.09.2023
Sist oppdatert 12.09.2023

Mandag morgen ble det oppdaget feil i systemet for røntgenbilder ved flere sykehus i regionen. \
Sykehusene gikk over til reserverutiner, og planlagte undersøkelser ble utsatt.

– Vi beklager ulempene dette har gitt pasientene våre, sier fagdirektør Halvard Ness-Østby i Helse Nord.

Helse Nord IKT har jobbet med feilen sammen med leverandøren. Tirsdag kveld var alt normalt igjen.

Illustrasjonsbilde Colourbox

Kontaktpersoner for media:

Kontaktperson i Helse Nord RHF
Halvard Ness-Østby, fagdirektør, halvard.ness-ostby@helse-nord.example, telefon: 91 11 22 33

Kontaktperson i Helse Nord IKT
Synnøve Karlsen Bakke, kommunikasjonsrådgiver, synnove.bakke@hnikt.example, telefon: 48 76 54 32

Mediekontakter i helseforetakene:
Universitetssykehuset Nord-Norge: presse
Nordlandssykehuset: mediekontakt
Helse Nord RHF: 75 51 29 00 • Sjøgata 10, 8038 Bodø
"""


def test_helse_nord_article_with_media_block(gaz):
    found = find_contacts(HELSE_NORD_ARTICLE, gaz, publisher_id="helse-nord-rhf")
    assert [fields(c) for c in found] == [
        ("Halvard Ness-Østby", "fagdirektør", "Helse Nord", "helse-nord-rhf",
         "halvard.ness-ostby@helse-nord.example", "+4791112233"),
        ("Synnøve Karlsen Bakke", "kommunikasjonsrådgiver", "Helse Nord IKT", "helse-nord-ikt",
         "synnove.bakke@hnikt.example", "+4748765432"),
    ]
    assert all(c.evidence and 0 < c.confidence <= 1 for c in found)


def test_text_without_contacts(gaz):
    assert find_contacts("Journalsystemet var nede i to timer tirsdag. Feilen er rettet.", gaz) == []
    assert find_contacts("", gaz) == []


# --- further variants -------------------------------------------------------------------------

def test_genitive_short_form_and_pronoun_before_verb(gaz):
    text = "UNNs pressevakt Gro Lindseth ble kontaktet torsdag. Hun sier at ingen prøvesvar gikk tapt."
    c = one(text, gaz)
    assert fields(c)[:4] == ("Gro Lindseth", "pressevakt", "UNN", "unn")


def test_role_for_genitive_org(gaz):
    c = one("Tore Ask, som er leder for Sykehuspartners driftsavdeling, sier at de jobbet hele natta.", gaz)
    assert fields(c)[:4] == ("Tore Ask", "leder", "Sykehuspartner", "sykehuspartner")


def test_contact_heading_inside_running_text(gaz):
    text = ("Systemet er oppe igjen. Kontaktperson: Vera Holm, kommunikasjonsrådgiver, "
            "vera.holm@sshf.example, telefon: 38 01 02 03")
    c = one(text, gaz)
    assert fields(c) == ("Vera Holm", "kommunikasjonsrådgiver", None, None, "vera.holm@sshf.example", "+4738010203")
    assert c.confidence >= 0.9


def test_heading_sentence_with_org_and_role(gaz):
    c = one("Kontaktperson for media i UNN er kommunikasjonssjef Odd Hagen, tlf. 91 20 30 40.", gaz)
    assert fields(c) == ("Odd Hagen", "kommunikasjonssjef", "UNN", "unn", None, "+4791203040")


def test_signature_lines_without_heading(gaz):
    text = ("Pasientjournalen fungerer igjen.\n\n"
            "Brit Eide Lund\nKommunikasjonsrådgiver\nTelefon: 920 45 678\nbrit@siv.example")
    c = one(text, gaz)
    assert fields(c) == ("Brit Eide Lund", "kommunikasjonsrådgiver", None, None, "brit@siv.example", "+4792045678")
    assert "Brit Eide Lund" in c.evidence and "920 45 678" in c.evidence


def test_switchboard_in_parentheses_is_skipped_for_the_mobile(gaz):
    text = "Kontakt:\nArnt Berge, kommunikasjonssjef\nTelefon: 77 62 60 00 (sentralbord), mobil 912 34 567"
    assert one(text, gaz).phone == "+4791234567"


def test_org_named_like_a_person_with_switchboard(gaz):
    text = "Mer informasjon:\nMartina Hansens Hospital: 67 52 15 00 • Hospitalveien 8, 1346 Gjettum"
    assert find_contacts(text, gaz) == []


def test_bulleted_block_with_org_segment(gaz):
    text = ("Pressekontakter:\n• Kaja Rist, UNN, tlf 91234567\n"
            "• Leif Moe, kommunikasjonssjef i Helse Nord IKT • 92345678 • leif.moe@hnikt.example")
    found = find_contacts(text, gaz)
    assert [fields(c) for c in found] == [
        ("Kaja Rist", None, "UNN", "unn", None, "+4791234567"),
        ("Leif Moe", "kommunikasjonssjef", "Helse Nord IKT", "helse-nord-ikt", "leif.moe@hnikt.example", "+4792345678"),
    ]


def test_staff_of_municipal_emergency_clinic_and_union_are_not_contacts(gaz):
    text = ("– Vi fikk mange telefoner, sier overlege Pia Holt ved legevakten i Bodø.\n"
            "– Det er belastende, sier hovedtillitsvalgt Jens Aas ved UNN.\n"
            "Leder i Legeforeningen, Anne Kari Solberg, mener det er kritisk.")
    assert find_contacts(text, gaz) == []


def test_role_with_for_clause_before_name(gaz):
    c = one("– Vi beklager, sier direktør for drift Stein Ulsrud i Sykehuspartner.", gaz)
    assert fields(c)[:4] == ("Stein Ulsrud", "direktør for drift", "Sykehuspartner", "sykehuspartner")


def test_author_metadata_line_is_not_a_contact(gaz):
    text = "author: Hedda Lie, kommunikasjonsrådgiver\n---\nSystemet er oppe igjen, sier prosjektleder Rolf Ek."
    assert [c.name for c in find_contacts(text, gaz)] == ["Rolf Ek"]


def test_press_line_without_person_under_org_heading(gaz):
    text = "## Kontaktperson i Sykehuspartner\n\nPressevakt, presse@sp.example, telefon: 40 01 72 90"
    assert find_contacts(text, gaz) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("– Ingen pasientar vart skadde, seier Eva Hauge, som er pressevakt ved Haukeland.",
         ("Eva Hauge", "pressevakt", "Haukeland", "helse-bergen")),
        ("Pressevakt ved Helse Bergen, Eva Hauge, opplyser at alle system er oppe att.",
         ("Eva Hauge", "pressevakt", "Helse Bergen", "helse-bergen")),
        ("Eva Hauge, fagdirektør i Helse Vest, seier at journalsystemet fungerer som normalt att.",
         ("Eva Hauge", "fagdirektør", "Helse Vest", "helse-vest-rhf")),
        ("Det fortel klinikkdirektør Eva Hauge til lokalavisa.",
         ("Eva Hauge", "klinikkdirektør", None, None)),
        ("Ifylgje administrerande direktør Eva Hauge i Helse Førde var ingen pasientar i fare.",
         ("Eva Hauge", "administrerande direktør", "Helse Førde", "helse-forde")),
    ],
)
def test_nynorsk_attribution_patterns(gaz, text, expected):
    assert fields(one(text, gaz))[:4] == expected


def test_generic_outside_company_and_nynorsk_question_line(gaz) -> None:
    from pipeline.nlp.contacts import find_contacts

    text = ("Straumen var borte i to timar. – Vi rykte ut med ein gong, seier vaktleiar Lars Brekke i nettselskapet.\n\n"
            "Spørsmål kan rettast til seksjonsleiar Eirik Vassbotn, eirik.vassbotn@example.no.")
    found = find_contacts(text, gaz)
    assert [(c.name, c.role, c.email) for c in found] == [("Eirik Vassbotn", "seksjonsleiar", "eirik.vassbotn@example.no")]


def test_a_media_byline_block_above_the_publication_line_is_not_a_contact(gaz):
    text = ("Ansatte på Ahus slet med kurvesystemet\n\nFlere sykepleiere fikk ikke registrert medisiner tirsdag.\n\n"
            "Lise Marie Bakken\nlise.bakken@example.no\nPublisert: 31. mai 2023 06:00\n\n"
            "– Vi har ikke fått meldinger om feil medisinering, sier pressevakt Per Kolstad ved Akershus universitetssykehus.")
    assert [c.name for c in find_contacts(text, gaz)] == ["Per Kolstad"]


def test_a_journalist_with_the_outlets_address_is_not_a_contact_on_a_media_site(gaz):
    """On a newspaper's site, a closing name with an e-mail at the paper's own domain is its journalist;
    on a trust's site the same lines are a contact block entry."""
    text = ("Røntgensystemet på UNN er nede\n\nAnsatte fikk ikke åpnet bildene torsdag. – Vi tar bare akutte "
            "undersøkelser, sier klinikksjef Ragnhild Olsen ved UNN.\n\n"
            "Kontakt:\nTone Bakkevik\ntone.bakkevik@nordkalotten-avis.no\nTlf. 412 55 018")
    media = find_contacts(text, gaz, url="https://www.nordkalotten-avis.no/nyheter/rontgen")
    assert [c.name for c in media] == ["Ragnhild Olsen"]
    trust_site = find_contacts(text, gaz, publisher_id="unn", url="https://unn.no/nyheter/rontgen")
    assert [c.name for c in trust_site] == ["Ragnhild Olsen", "Tone Bakkevik"]
