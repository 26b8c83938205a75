"""Time expressions: forms, normalisation to Europe/Oslo, roles and the incident window.

All sentences and articles here are invented for the tests.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from pipeline.nlp.temporal import OSLO, find_times, incident_window

TUE = date(2023, 3, 14)  # a Tuesday in winter time (+01:00)


def dt(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=OSLO)


def only(text: str, published: date | None = TUE, lang: str = "nb"):
    found = find_times(text, published, lang)
    assert len(found) == 1, found
    return found[0]


def by_text(text: str, published: date | None = TUE, lang: str = "nb") -> dict:
    return {t.text: t for t in find_times(text, published, lang)}


# ------------------------------------------------------------------ clock times
@pytest.mark.parametrize("expr, hour, minute", [
    ("kl. 14.18", 14, 18),
    ("klokken 08.00", 8, 0),
    ("9.15", 9, 15),
    ("17:40", 17, 40),
    ("kl 1900", 19, 0),
    ("klokka 10", 10, 0),
    ("kl. 7", 7, 0),
    ("klokka halv ett", 12, 30),
    ("klokka kvart på tolv", 11, 45),
])
def test_clock_forms(expr, hour, minute):
    t = only(f"Journalsystemet gikk ned {expr}.")
    assert t.text == expr
    assert t.value == dt(2023, 3, 14, hour, minute)
    assert t.value.utcoffset() == timedelta(hours=1)
    assert (t.precision, t.role) == ("minute", "start")


@pytest.mark.parametrize("expr, hour, minute", [
    ("i 11-tiden", 11, 0),
    ("ved 15.30-tida", 15, 30),
    ("ved 23- tiden", 23, 0),
    ("i halv ett-tiden", 12, 30),
    ("rundt halv ett", 12, 30),
    ("like etter klokka 10", 10, 0),
    ("rundt klokken 08.00", 8, 0),
    ("ca. kl. 15", 15, 0),
    ("i ellevetiden", 11, 0),
    ("omkring kl. 9.45", 9, 45),
])
def test_approximate_forms(expr, hour, minute):
    t = only(f"Problemene startet {expr}.")
    assert t.value == dt(2023, 3, 14, hour, minute)
    assert (t.precision, t.role) == ("approximate", "start")


def test_word_clock_at_night_and_in_the_evening():
    assert only("Nettet gikk ned natt til fredag i halv ett-tiden.").value == dt(2023, 3, 10, 0, 30)
    assert only("Systemet gikk ned klokka 9 i kveld.").value == dt(2023, 3, 14, 21, 0)


def test_numbers_that_are_not_clock_times():
    assert find_times("Over 2.000 pasienter og 12 sykehus ble berørt i 2022.", TUE) == []


# ------------------------------------------------------------------ dates and weekdays
@pytest.mark.parametrize("expr, published, expected", [
    ("7. juli", date(2022, 7, 8), date(2022, 7, 7)),
    ("7. juli 2022", date(2023, 1, 2), date(2022, 7, 7)),
    ("07.07.2022", None, date(2022, 7, 7)),
    ("7.7.22", date(2022, 7, 8), date(2022, 7, 7)),
    ("den 7. jul.", date(2022, 7, 8), date(2022, 7, 7)),
])
def test_dates(expr, published, expected):
    t = only(f"Journalsystemet gikk ned {expr}, opplyste sykehuset.", published)
    assert (t.value, t.precision) == (expected, "day")


def test_day_month_stamp_with_time():
    t = by_text("Journalsystemet er nede.\nPublisert 16.01 19.40\nDet jobbes med saken.", date(2020, 1, 16))
    stamp = t["16.01 19.40"]
    assert stamp.value == dt(2020, 1, 16, 19, 40)
    assert stamp.role == "update"


@pytest.mark.parametrize("expr, expected", [
    ("fredag", date(2023, 3, 10)),  # published on a Monday: the Friday before
    ("måndag", date(2023, 3, 13)),  # the publication day itself
    ("laurdag", date(2023, 3, 11)),
    ("sundag", date(2023, 3, 12)),
    ("tysdag", date(2023, 3, 7)),
    ("torsdag", date(2023, 3, 9)),
])
def test_weekday_resolves_to_latest_on_or_before_publication(expr, expected):
    t = only(f"Journalsystemet gjekk ned {expr}.", date(2023, 3, 13), "nn")
    assert (t.value, t.precision, t.role) == (expected, "day", "start")


@pytest.mark.parametrize("expr, published, expected, role", [
    ("Systemet har vore ustabilt sidan torsdag førre veke.", date(2025, 2, 11), date(2025, 2, 6), "start"),
    ("Problemene startet tirsdag forrige uke.", date(2024, 12, 13), date(2024, 12, 3), "start"),  # not this Tuesday
    ("Laboratoriesystemet var nede fredag i forrige uke.", date(2024, 12, 9), date(2024, 12, 6), "start"),
    ("Systemet skal oppgraderast onsdag neste veke.", date(2025, 2, 14), date(2025, 2, 19), "other"),
])
def test_weekday_of_the_week_before_or_after(expr, published, expected, role):
    """A weekday with "forrige uke"/"neste veke" is that day of the calendar week before or after,
    and dates this event (not "forrige uke" alone, which tells of another)."""
    t = only(expr, published)
    assert (t.value, t.role) == (expected, role)


def test_weekday_in_planned_sentence_looks_ahead():
    t = only("Neste fredag blir journalsystemet oppgradert.", TUE)
    assert (t.value, t.role) == (date(2023, 3, 17), "other")


def test_explicit_date_beats_contradicting_weekday():
    wrong = only("Systemet gikk ned torsdag 8. juli 2022 klokka 10.", date(2022, 7, 8))
    right = only("Systemet gikk ned fredag 8. juli 2022 klokka 10.", date(2022, 7, 8))
    assert wrong.value == right.value == dt(2022, 7, 8, 10)
    assert wrong.confidence < right.confidence


@pytest.mark.parametrize("text, published, expected", [
    ("Systemet gikk ned 30. desember.", date(2023, 1, 2), date(2022, 12, 30)),
    ("Systemet gikk ned nyttårsaften.", date(2023, 1, 2), date(2022, 12, 31)),
    ("Systemet gikk ned fredag.", date(2023, 1, 2), date(2022, 12, 30)),
    ("Feilen ble rettet 2. januar.", date(2022, 12, 30), date(2023, 1, 2)),
    ("Systemet gikk ned 3. desember.", date(2023, 1, 20), date(2022, 12, 3)),
])
def test_year_boundary(text, published, expected):
    assert only(text, published).value == expected


# ------------------------------------------------------------------ parts of day and relative days
@pytest.mark.parametrize("expr, expected", [
    ("torsdag morgen", date(2023, 3, 9)),
    ("onsdag morgon", date(2023, 3, 8)),
    ("fredag formiddag", date(2023, 3, 10)),
    ("måndag føremiddag", date(2023, 3, 13)),
    ("tirsdag ettermiddag", date(2023, 3, 14)),
    ("søndag kveld", date(2023, 3, 12)),
    ("fredagskvelden", date(2023, 3, 10)),
    ("i kveld", date(2023, 3, 14)),
    ("i natt", date(2023, 3, 14)),  # the night ending on the publication day
    ("i går kveld", date(2023, 3, 13)),
    ("natt til fredag", date(2023, 3, 10)),  # the night ending on Friday morning
    ("natta til laurdag", date(2023, 3, 11)),
    ("i morges", date(2023, 3, 14)),
])
def test_parts_of_day(expr, expected):
    t = only(f"Datasystemet gikk ned {expr}.")
    assert (t.value, t.precision, t.role) == (expected, "part-of-day", "start")


def test_clock_times_in_a_night():
    assert only("Systemet gikk ned natt til fredag klokka 23.30.").value == dt(2023, 3, 9, 23, 30)
    assert only("Systemet gikk ned natt til fredag klokka 02.10.").value == dt(2023, 3, 10, 2, 10)
    assert only("Systemet gikk ned fredag natt klokka 02.").value == dt(2023, 3, 11, 2, 0)
    assert only("Systemet sluttet å virke natt til i dag klokka 23.50.").value == dt(2023, 3, 13, 23, 50)


@pytest.mark.parametrize("expr, days, role", [
    ("i dag", 0, "start"),
    ("i går", -1, "start"),
    ("i gær", -1, "start"),
    ("i forgårs", -2, "start"),
    ("i morgon", 1, "other"),  # the future: not an incident time
])
def test_relative_days(expr, days, role):
    verb = "blir stengt" if role == "other" else "gikk ned"
    t = only(f"Journalsystemet {verb} {expr}.")
    assert (t.value, t.precision, t.role) == (TUE + timedelta(days=days), "day", role)


def test_clock_without_date_takes_earlier_date_of_text():
    t = by_text("Systemet gikk ned i går kveld. Klokka 23.10 var det oppe igjen.")
    assert t["Klokka 23.10"].value == dt(2023, 3, 13, 23, 10)
    assert t["Klokka 23.10"].role == "end"


# ------------------------------------------------------------------ intervals, relative ends, durations
@pytest.mark.parametrize("text, expected", [
    ("Systemet var ute av drift fra 10.30 til ca. kl. 15.",
     [(dt(2023, 3, 14, 10, 30), "minute", "start"), (dt(2023, 3, 14, 15), "approximate", "end")]),
    ("Journalsystemet var nede mellom klokka 19 og 21.",
     [(dt(2023, 3, 14, 19), "minute", "start"), (dt(2023, 3, 14, 21), "minute", "end")]),
    ("Systemet var nede natt til laurdag mellom klokka 01 og 05.",
     [(dt(2023, 3, 11, 1), "minute", "start"), (dt(2023, 3, 11, 5), "minute", "end")]),
    ("Nettet var nede fra klokka 22 til 02.",
     [(dt(2023, 3, 14, 22), "minute", "start"), (dt(2023, 3, 15, 2), "minute", "end")]),
    ("Nettet var nede kl. 10.15–11.40.",
     [(dt(2023, 3, 14, 10, 15), "minute", "start"), (dt(2023, 3, 14, 11, 40), "minute", "end")]),
])
def test_intervals(text, expected):
    assert [(t.value, t.precision, t.role) for t in find_times(text, TUE)] == expected


@pytest.mark.parametrize("phrase, minutes, precision", [
    ("Tre kvarter senere", 45, "minute"),
    ("Drøye halvtimen seinare", 30, "approximate"),
    ("En time senere", 60, "minute"),
    ("Ti minutter etter", 10, "minute"),
    ("Etter en time", 60, "minute"),
])
def test_relative_ends(phrase, minutes, precision):
    t = by_text(f"Systemet gikk ned klokka 08.10. {phrase} var det oppe igjen.")
    assert t[phrase].value == dt(2023, 3, 14, 8, 10) + timedelta(minutes=minutes)
    assert (t[phrase].precision, t[phrase].role) == (precision, "end")


def test_relative_end_without_length_is_a_marker():
    t = by_text("Systemet gikk ned klokka 08.10. Etter kort tid var det oppe igjen.")
    assert t["Etter kort tid"].value is None
    assert t["Etter kort tid"].role == "end"


@pytest.mark.parametrize("text, minutes", [
    ("Systemet var nede i fire timer.", 240),
    ("Systemet låg nede i nokre timar.", None),
    ("Journalen var utilgjengelig i opp mot tre timer.", 180),
    ("Nettet var nede i fem-seks minutt.", 5),  # a range: the lower bound
    ("Systemet var i praksis nede i en time og førti minutter.", 100),
    ("IT-systema var ute av drift i to døgn.", 2880),
    ("Feilen varte halvannen time.", 90),
    ("Utfallet varte i ein time og eit kvarter.", 75),
    ("Nettet var nede i to timer og tre kvarter.", 165),
])
def test_durations(text, minutes):
    t = only(text)
    assert (t.role, t.precision, t.value, t.duration_minutes) == ("duration", "duration", None, minutes)


# ------------------------------------------------------------------ daylight saving time
def test_spring_forward_night():
    text = ("Journalsystemet var nede natt til søndag. Det gikk ned klokka 01.30, og klokka 02.30 "
            "var det fortsatt nede. Klokka 04.00 var det oppe igjen.")
    t = by_text(text, date(2023, 3, 26))
    assert t["klokka 01.30"].value.utcoffset() == timedelta(hours=1)
    assert t["Klokka 04.00"].value.utcoffset() == timedelta(hours=2)
    gap = t["klokka 02.30"].value  # does not exist on the wall clock: kept as written, fold=0
    assert (gap.hour, gap.minute, gap.fold) == (2, 30, 0)
    start, _, end, _ = incident_window(list(t.values()))
    assert (start.isoformat(), end.isoformat()) == ("2023-03-26T01:30:00+01:00", "2023-03-26T04:00:00+02:00")
    assert end.astimezone(timezone.utc) - start.astimezone(timezone.utc) == timedelta(minutes=90)


def test_relative_time_across_spring_forward_counts_elapsed_time():
    t = by_text("Systemet gikk ned klokka 01.30 natt til søndag. En time senere var det oppe igjen.",
                date(2023, 3, 26))
    assert t["En time senere"].value.isoformat() == "2023-03-26T03:30:00+02:00"


def test_autumn_fold_takes_first_occurrence():
    t = only("Systemet gikk ned klokka 02.30 natt til søndag 29. oktober 2023.", date(2023, 10, 29))
    assert t.value.isoformat() == "2023-10-29T02:30:00+02:00"
    assert t.value.fold == 0


# ------------------------------------------------------------------ roles
def test_publication_line_and_update_stamps():
    text = ("Journalsystemet nede\nPublisert 14.03.2023\n"
            "Oppdatert tirsdag 14. mars kl. 09.00: Vi jobber fortsatt med å rette feilen.\n"
            "Oppdatering kl. 14.18: Systemet er fortsatt nede.")
    t = by_text(text, None)
    assert (t["14.03.2023"].role, t["14.03.2023"].value) == ("publication", TUE)
    assert (t["tirsdag 14. mars kl. 09.00"].role, t["tirsdag 14. mars kl. 09.00"].value) == (
        "update", dt(2023, 3, 14, 9))
    assert (t["kl. 14.18"].role, t["kl. 14.18"].value) == ("update", dt(2023, 3, 14, 14, 18))


def test_sist_oppdatert_line_is_publication():
    t = by_text("Sist oppdatert 14.03.2023 kl. 10.12\nSystemet gikk ned i morges.", None)
    assert t["14.03.2023 kl. 10.12"].role == "publication"
    assert t["i morges"].value == TUE


def test_byline_at_end_is_publication_and_reference_date():
    text = "Systemet gikk ned torsdag kveld.\nDet jobbes med saken.\n\nKari Nordmann\n27.03.19 10:58"
    t = by_text(text, None)
    assert (t["27.03.19 10:58"].role, t["27.03.19 10:58"].value) == ("publication", dt(2019, 3, 27, 10, 58))
    assert t["torsdag kveld"].value == date(2019, 3, 21)


def test_stamp_is_not_the_end_when_the_fix_time_is_given():
    text = ("Journalen var ute av drift fra i 07-tiden tirsdag morgen. Klokken 10.40 meldte "
            "leverandøren at feilen var rettet. Oppdatering kl. 11.05: Alle systemer fungerer normalt.")
    t = by_text(text)
    assert t["fra i 07-tiden tirsdag morgen"].role == "start"
    assert t["Klokken 10.40"].role == "end"
    assert t["kl. 11.05"].role == "update"


def test_stamp_announcing_the_fix_is_the_end_when_nothing_else_is():
    t = by_text("Systemet har vært nede siden klokka 07.45.\nOppdatering kl. 09.10:\nSystemet er oppe igjen.")
    assert t["siden klokka 07.45"].role == "start"
    assert (t["kl. 09.10"].role, t["kl. 09.10"].value) == ("end", dt(2023, 3, 14, 9, 10))


def test_relative_end_after_the_onset_counts_from_the_start():
    times = find_times("Oppdatert kl. 12.05: Sentralbordet fungerer igjen. Feilen ble rettet en drøy halvtime "
                       "etter at den oppsto.\nI 11-tiden tirsdag sluttet sentralbordet å virke.", TUE)
    start, _, end, _ = incident_window(times)
    assert (start, end) == (dt(2023, 3, 14, 11), dt(2023, 3, 14, 11, 30))  # not 12.05 + 30 min


def test_stamp_reporting_the_state_is_not_the_end_when_start_and_duration_give_it():
    times = find_times("Tirsdag ved 23-tiden falt nettet ut, og de ansatte var uten journal i tre timer.\n"
                       "Oppdatert onsdag kl. 08.10: Alt fungerer normalt igjen.", date(2023, 3, 15))
    assert incident_window(times)[0] == dt(2023, 3, 14, 23)
    assert incident_window(times)[2] == dt(2023, 3, 15, 2)  # start + 3 h, not the stamp's 08.10


@pytest.mark.parametrize("text", [
    "Journalsystemet vil være utilgjengelig lørdag fra klokka 22 til klokka 02 på grunn av planlagt vedlikehold.",
    "Natt til sundag 19. mars mellom klokka 01 og 05 blir journalsystemet stengt for oppgradering.",
    "– Vi har god kontroll, sa kommunikasjonssjef Kari Nordmann til avisa klokka 14.",
    "Leverandøren forventer at systemet er oppe igjen innen klokka 16.",
    "I fjor sviktet det samme systemet 3. mai klokka 10.",
    "Klokka 12 var systemet fortsatt nede.",
    "Direktøren orienterte styret på et møte klokka 18.",
])
def test_times_that_are_not_incident_times(text):
    assert {t.role for t in find_times(text, TUE)} == {"other"}


@pytest.mark.parametrize("text, mention, role", [
    # particle verbs split by the subject after a fronted time
    ("Torsdag kveld gikk journalsystemet ved sykehuset ned.", "Torsdag kveld", "start"),
    ("Kvart over eitt fall sambandet mellom sjukehuset og internett ut.", "Kvart over eitt", "start"),
    ("Onsdag morgon slutta journalsystemet ved sjukehuset å verke.", "Onsdag morgon", "start"),
    ("Tysdag kveld var straumen, telefonane og nettet tilbake.", "Tysdag kveld", "end"),
    # "since" with a resolved verb is the end, with an outage word the start
    ("Systemet har fungert normalt sidan ved 15.30-tida.", "sidan ved 15.30-tida", "end"),
    ("Systemet har vært nede siden i går kveld.", "i går kveld", "start"),
    # a planned upgrade further away does not hide the outage word next to the time
    ("Etter en planlagt oppgradering i helgen var journalen utilgjengelig mandag morgen.", "mandag morgen", "start"),
])
def test_role_cues_in_word_order_variants(text, mention, role):
    assert by_text(text)[mention].role == role


def test_agency_ticker_stamp_is_an_update():
    t = by_text("(NTB) 17:40: Ansatte ved sykehuset har siden ettermiddagen ikke fått tilgang til e-post.")
    assert t["17:40"].role == "update"
    assert (t["ettermiddagen"].role, t["ettermiddagen"].value) == ("start", TUE)


def test_stamp_weekday_and_today_follow_the_stamp():
    text = ("Publisert 27.05.2024\nOppdatering kl. 16.45 tirsdag: Fra klokken 16.30 i dag er driften normal igjen.\n"
            "Mandag ble journalen treg.")
    t = by_text(text, None)
    assert t["kl. 16.45 tirsdag"].value == dt(2024, 5, 28, 16, 45)
    assert (t["Fra klokken 16.30 i dag"].value, t["Fra klokken 16.30 i dag"].role) == (dt(2024, 5, 28, 16, 30), "end")


@pytest.mark.parametrize("text, expected", [
    ("Strømmen gikk mandag kveld. Før midnatt var strømmen tilbake.", date(2023, 3, 13)),
    ("Journalen gikk ned mandag formiddag. Feilen ble rettet samme ettermiddag.", date(2023, 3, 13)),
    ("Journalen gikk ned mandag kveld. Etter midnatt var feilen rettet.", date(2023, 3, 14)),
])
def test_part_of_day_ends_take_the_day_of_the_text(text, expected):
    ends = [t for t in find_times(text, TUE) if t.role == "end"]
    assert [t.value for t in ends] == [expected]


def test_a_day_too_late_is_not_a_duration():
    assert [t.text for t in find_times("Saka kjem ein dag for seint, for tysdag var nettsidene nede.", TUE)] == [
        "tysdag"]


def test_mentions_point_into_the_text():
    text = "Publisert 14.03.2023\nTorsdag kveld gikk nettet ned. Det var nede i to timer."
    for t in find_times(text, None):
        assert text[t.start_char:t.end_char] == t.text
        assert t.text in t.sentence
        assert 0 < t.confidence <= 1


def test_without_publication_date_relative_days_stay_unknown():
    t = by_text("Systemet gikk ned torsdag. Feilen ble rettet 9. mars 2023 klokka 12.", None)
    assert t["torsdag"].value is None
    assert t["9. mars 2023 klokka 12"].value == dt(2023, 3, 9, 12)


# ------------------------------------------------------------------ incident window
RADIOLOGY_NB = """Røntgensystemet ute av drift i Helse Nord
Publisert 07.07.2022

Torsdag morgen fra klokka 08.00 var det digitale røntgensystemet ved sykehusene i Helse Nord ute av drift. \
Bilder kunne ikke vises, og flere undersøkelser ble flyttet.
Oppdatering kl. 12.30: Leverandøren feilsøker fortsatt, og det finnes ingen estimert rettetid.
Fredag 8. juli kl. 11.15 var feilen rettet, opplyser Helse Nord IKT. – Vi beklager, sa fagdirektøren klokka 13."""

JOURNAL_NN = """Journalsystemet fall ut
Måndag føremiddag fall journalsystemet ut ved fleire sjukehus på Vestlandet. Problema starta i 10-tida, \
og dei tilsette gjekk over til papirrutinar. Drøye halvtimen seinare var systemet oppe att, opplyser \
Helse Vest IKT.
– Vi beklagar ulempene, seier kommunikasjonsrådgjevar Kari Prøve klokka 13.
Oppdatering kl. 12.00: Alt fungerer som normalt."""

NIGHT_NN = """IT-trøbbel ved Testfjord sjukehus

Natt til fredag var IT-systema ved Testfjord sjukehus ute av drift i nokre timar. Årsaka var eit straumbrot.
Neste oppgradering av systema er planlagd laurdag 18. mars mellom klokka 08 og 12.

Ola Testmann
17.03.23 09:12"""

LIVE_NB = """Journalsystemet nede
Publisert 05.01.2024

Journalsystemet ved sykehusene i Testregionen har vært ustabilt siden i går kveld. Torsdag klokka 22.40 \
gikk systemet helt ned, og sykehusene satte krisestab.
Tidligere i uka var det også problemer, og 2. januar var systemet tregt i noen minutter.
Oppdatering fredag 5. januar kl. 11.30: Leverandøren har funnet årsaken, men har ingen estimert rettetid.
Oppdatering kl. 15.10: Systemet er oppe igjen og fungerer normalt."""

NETWORK_NB = """Nettverksfeil ved Prøvestad sykehus
Publisert 17.03.2023
Torsdag morgen fikk sykehuset problemer med nettverket. Det var rundt klokken 08.00, ifølge sykehuset.
Problemet var løst i 11-tiden."""

LAB_NB = """Publisert 16.03.2023
Laboratoriesystemet gikk ned klokka 13.05 torsdag og var ute av drift i fire timer."""

PLANNED_NN = """Planlagt vedlikehald
Publisert 02.05.2023
Journalsystemet blir stengt for planlagt vedlikehald natt til sundag 7. mai mellom klokka 00 og 04."""


@pytest.mark.parametrize("text, published, expected", [
    (RADIOLOGY_NB, None,
     ("2022-07-07T08:00:00+02:00", "minute", "2022-07-08T11:15:00+02:00", "minute")),
    (JOURNAL_NN, date(2023, 3, 13),
     ("2023-03-13T10:00:00+01:00", "approximate", "2023-03-13T10:30:00+01:00", "approximate")),
    (NIGHT_NN, None, ("2023-03-17", "part-of-day", "2023-03-17", "day")),  # vague end: the day only
    (LIVE_NB, None, ("2024-01-04T22:40:00+01:00", "minute", "2024-01-05T15:10:00+01:00", "minute")),
    (NETWORK_NB, None,
     ("2023-03-16T08:00:00+01:00", "approximate", "2023-03-16T11:00:00+01:00", "approximate")),
    (LAB_NB, None, ("2023-03-16T13:05:00+01:00", "minute", "2023-03-16T17:05:00+01:00", "approximate")),
    (PLANNED_NN, None, (None, None, None, None)),
])
def test_incident_window_on_articles(text, published, expected):
    start, start_p, end, end_p = incident_window(find_times(text, published, "nb"))
    iso = tuple(v.isoformat() if v is not None else None for v in (start, end))
    assert (iso[0], start_p, iso[1], end_p) == expected


def test_incident_window_prefers_the_precise_time_of_the_same_day():
    t = find_times("Nettet gikk ned torsdag kveld. Feilen oppsto klokka 21.12.", date(2023, 3, 17))
    assert incident_window(t)[:2] == (dt(2023, 3, 16, 21, 12), "minute")


@pytest.mark.parametrize("text, expected", [
    # an end that cannot be computed gives the day of the start only
    ("Orbit slutta å verke i 07-tida tysdag. Etter kort tid var programmet oppe att.",
     ("2023-03-14T07:00:00+01:00", "approximate", "2023-03-14", "day")),
    ("Telefonsentralen svikta i 09-tida og var ute av drift i nokre timar.",
     ("2023-03-14T09:00:00+01:00", "approximate", "2023-03-14", "day")),
    # a duration counted from a day is counted in days
    ("Meldingane stoppa frå laurdag morgon. Tenesta var ute av drift i to døgn.",
     ("2023-03-11", "part-of-day", "2023-03-13", "day")),
])
def test_incident_window_with_vague_ends(text, expected):
    start, start_p, end, end_p = incident_window(find_times(text, TUE, "nn"))
    assert (start.isoformat(), start_p, end.isoformat(), end_p) == expected


def test_incident_window_of_nothing():
    assert incident_window([]) == (None, None, None, None)


def test_range_word_before_a_weekday_and_clock_time_marks_the_end():
    text = "MetaVision var ute av drift fra tirsdag kveld klokken 21.15 til onsdag klokken 02.30."
    start, _, end, end_p = incident_window(find_times(text, date(2021, 1, 20)))
    assert start.isoformat() == "2021-01-19T21:15:00+01:00"
    assert end.isoformat() == "2021-01-20T02:30:00+01:00" and end_p == "minute"


def test_discontinuous_negated_login_is_a_start_and_in_order_again_an_end():
    text = ("Mandag morgen i 07-tiden fikk ansatte ved sykehuset ikke logget seg inn på PC-ene.\n\n"
            "Klokken 09.50 mandag var påloggingen i orden igjen.")
    start, start_p, end, _ = incident_window(find_times(text, date(2024, 2, 27)))
    assert (start.isoformat(), start_p) == ("2024-02-26T07:00:00+01:00", "approximate")
    assert end.isoformat() == "2024-02-26T09:50:00+01:00"


@pytest.mark.parametrize("phrase", ["like etter midnatt", "rett etter midnatt", "rundt midnatt", "ved midnatt",
                                    "like før midnatt", "kring midnatt"])
def test_a_point_near_midnight_is_about_0000_of_the_next_day(phrase):
    [end] = [t for t in find_times(f"Journalen gikk ned mandag kveld. Feilen ble rettet {phrase}.", TUE)
             if t.role == "end"]
    assert (end.value, end.precision) == (dt(2023, 3, 14, 0, 0), "approximate")


def test_midday_is_a_day_only_end():
    [end] = [t for t in find_times("Journalen gikk ned tirsdag morgen. Feilen var retta ved middagstid.", TUE)
             if t.role == "end"]
    assert (end.value, end.precision) == (date(2023, 3, 14), "day")


def test_an_approximate_hour_word_before_a_day_is_a_time():
    t = by_text("Litt over ni onsdag morgon vart skjermbileta tomme på Haukeland.", date(2024, 2, 14), "nn")
    assert (t["Litt over ni onsdag morgon"].value, t["Litt over ni onsdag morgon"].precision) == \
        (datetime(2024, 2, 14, 9, 0, tzinfo=OSLO), "approximate")
    assert "ni" not in {x.text for x in find_times("Det tok ni timar.", date(2024, 2, 14), "nn")}


def test_could_again_after_a_gap_is_the_end():
    ends = [t for t in find_times("I 14-tida måndag fekk dei ikkje ringt ut. Klokka 16.20 kunne alle avdelingane "
                                  "ringje ut frå fasttelefonen att.", date(2023, 11, 20), "nn") if t.role == "end"]
    assert [t.value for t in ends] == [datetime(2023, 11, 20, 16, 20, tzinfo=OSLO)]


def test_a_date_last_year():
    t = by_text("Rapporten gjeld hendinga på Stord sjukehus 15. mars i fjor.", date(2025, 2, 12), "nn")
    assert t["15. mars i fjor"].value == date(2024, 3, 15)


def test_a_postponed_date_is_not_the_end():
    text = ("Ved 15.30-tiden torsdag mistet blodbanken tilgangen til blodbanksystemet. Operasjoner som ikke haster, "
            "er flyttet til fredag.")
    assert [t for t in find_times(text, date(2024, 10, 3)) if t.role == "end"] == []


@pytest.mark.parametrize("text, role, value", [
    ("Fra klokken 8 var journalen treg. Fra ti på elleve gikk journalen igjen som normalt.", "end",
     datetime(2023, 3, 14, 10, 50, tzinfo=OSLO)),
    ("Sjukepleiarane kunne torsdag ettermiddag ikkje sjå medisinlistene i kurveløysinga.", "start", date(2023, 3, 9)),
    ("Sykepleierne måtte føre kurvene for hånd fra tidlig i dag, da kurveløsningen sluttet å virke.", "start",
     date(2023, 3, 14)),
    ("Sentralbordet falt ut klokka sju. Etter i nær fire timar var linjene opne att.", "end", dt(2023, 3, 14, 11, 0)),
    ("Sentralbordet falt ut klokka sju. Etter nær fire timer var linjene åpne igjen.", "end", dt(2023, 3, 14, 11, 0)),
    ("Like før klokka 12 tirsdag meldte Sykehuspartner at Outlook igjen fungerer.", "end", dt(2023, 3, 14, 12, 0)),
    ("Systemet falt ut i 14-tida. Klokka 15.25 var begge systema tilgjengelege att.", "end", dt(2023, 3, 14, 15, 25)),
])
def test_more_start_and_end_phrasings(text, role, value):
    assert [t.value for t in find_times(text, TUE) if t.role == role] == [value]


@pytest.mark.parametrize("text, expected", [
    # "fra midnatt" and a midnight of a named night: 00:00 of the night's own day
    ("Fra midnatt natt til fredag og fram til klokken 05.45 var kurvesystemet nede.", dt(2024, 4, 12, 0, 0)),
    ("Like etter midnatt natt til fredag falt kurvesystemet ut.", dt(2024, 4, 12, 0, 0)),
    ("Frå midnatt var kurvesystemet nede.", dt(2024, 4, 12, 0, 0)),
    # no other day in the text: the night that ended on the publication day, not the night after it
    ("Kurvesystemet falt ut rett etter midnatt.", dt(2024, 4, 12, 0, 0)),
])
def test_midnight_starts(text, expected):
    [start] = [t for t in find_times(text, date(2024, 4, 12)) if t.role == "start" and isinstance(t.value, datetime)]
    assert start.value == expected


def test_from_midnight_to_a_clock_time_is_two_times():
    t = by_text("Systemet var nede fra midnatt til klokka 04.", date(2024, 4, 12))
    assert (t["fra midnatt"].role, t["fra midnatt"].value) == ("start", dt(2024, 4, 12, 0, 0))
    assert (t["til klokka 04"].role, t["til klokka 04"].value) == ("end", dt(2024, 4, 12, 4, 0))


@pytest.mark.parametrize("text", [
    "I januar 2019 var Dips nede ved en rekke sykehus en hel fredag ettermiddag.",
    "Høsten 2020 var systemet nede en onsdag klokka 14.",
    "Den gangen, i 2013, stoppet journalen en mandag morgen.",
])
def test_weekdays_of_a_sentence_placed_in_another_year_are_not_this_incidents(text):
    found = find_times(text, date(2021, 7, 7))
    assert found and all(t.value is None and t.role == "other" for t in found)


@pytest.mark.parametrize("text, expected", [
    ("Systemet kom i 2013, og fredag falt det ut.", date(2021, 7, 2)),  # the year's clause only
    ("Feilen oppsto kl 1900 mandag.", dt(2021, 7, 5, 19, 0)),  # a clock time, not a year
    ("I juni 2021 falt systemet ut onsdag kveld.", date(2021, 7, 7)),  # a month near the publication: as usual
])
def test_years_that_do_not_move_a_sentence(text, expected):
    [start] = [t for t in find_times(text, date(2021, 7, 7)) if t.role == "start"]
    assert start.value == expected


def test_a_weekday_after_an_update_stamp_counts_back_from_the_stamp():
    text = ("Publisert 16.01.2024\nOppdatert onsdag 17. januar kl. 08.30:\nLabVantage har vært i full drift siden onsdag "
            "klokken 06.45.\nTirsdag kveld i 21-tiden gikk laboratoriesystemet ned.")
    t = by_text(text, date(2024, 1, 16))
    assert (t["onsdag klokken 06.45"].role, t["onsdag klokken 06.45"].value) == ("end", dt(2024, 1, 17, 6, 45))
    assert t["Tirsdag kveld i 21-tiden"].value == dt(2024, 1, 16, 21, 0)


def test_a_planned_stop_told_in_the_past_tense_is_this_weeks():
    t = by_text("Natt til søndag var systemet stengt for planlagt vedlikehold mellom klokka 01 og 04.", date(2025, 2, 10))
    assert t["Natt til søndag"].value == date(2025, 2, 9)
    t = by_text("Natt til søndag blir systemet stengt for planlagt vedlikehold mellom klokka 01 og 04.", date(2025, 2, 10))
    assert t["Natt til søndag"].value == date(2025, 2, 16)  # the future tense still looks ahead


def test_lunch_time_is_a_day_only_end():
    [end] = [t for t in find_times("Tjenesten falt ut i 09-tiden tirsdag. Den var i gang igjen ved lunsjtider.", TUE)
             if t.role == "end"]
    assert (end.value, end.precision) == (date(2023, 3, 14), "day")


@pytest.mark.parametrize("text, expected", [
    ("Systemet har hatt problemer fra rundt 06 i dag tidlig.", [("start", dt(2022, 2, 15, 6, 0))]),
    ("Systemet var nede fra 08 til 16.", [("start", dt(2022, 2, 15, 8, 0)), ("end", dt(2022, 2, 15, 16, 0))]),
    ("Fra 10 til 20 prosent av pasientene ble rammet.", []),  # counted, not hours
    ("Det gjelder fra 15 til 20 pasienter.", []),
])
def test_bare_two_digit_hours_with_a_range_word(text, expected):
    assert [(t.role, t.value) for t in find_times(text, date(2022, 2, 15))] == expected


def test_an_amount_after_another_event_is_no_end():
    text = ("Helseplattformen var utilgjengelig fra klokken 23.20 tirsdag 30. april til 00.35 natt til onsdag. For Helse "
            "Møre og Romsdal kom feilen bare tre dager etter at foretaket tok i bruk journalsystemet.")
    ends = [t for t in find_times(text, date(2024, 5, 1)) if t.role == "end"]
    assert [t.value for t in ends] == [dt(2024, 5, 1, 0, 35)]


def test_relative_days_in_an_update_paragraph_count_from_the_stamp():
    text = ("Publisert 12.02.2024\n\nOppdatert tirsdag kl. 08.15:\nForbindelsen kom tilbake i går kveld.\n\n"
            "Klinikk Alta mistet forbindelsen utpå kvelden søndag. I går ble det satt gul beredskap.")
    t = by_text(text, date(2024, 2, 12))
    assert t["i går kveld"].value == date(2024, 2, 12)  # the stamp's Tuesday's yesterday
    assert t["I går"].value == date(2024, 2, 11)  # the original text below: the publication's yesterday


def test_a_power_cut_at_new_years_night():
    text = "Strømmen i Sarpsborg-området gikk klokken 23.52 nyttårsaften. Klokken 00.31 kom nettstrømmen tilbake."
    t = {m.role: m.value for m in find_times(text, date(2024, 1, 1)) if m.role in ("start", "end")}
    assert t == {"start": dt(2023, 12, 31, 23, 52), "end": dt(2024, 1, 1, 0, 31)}


def test_a_live_stamp_reporting_the_problem_is_the_start_when_nothing_else_is():
    text = ("Driftsmelding: Problem med pålogging\nPublisert 06.02.2024\nKl. 08.40: Feilen er retta, og alle kan logge seg "
            "på att.\nKl. 07.55: Vi har problem med pålogging på PC-ane ved Lærdal sjukehus.")
    t = {m.role: m.value for m in find_times(text, None, "nn") if m.role in ("start", "end")}
    assert t == {"start": dt(2024, 2, 6, 7, 55), "end": dt(2024, 2, 6, 8, 40)}


def test_just_past_midnight_after_a_named_night_is_the_start_of_that_day():
    text = ("Bileta kunne ikkje opnast natt til onsdag og tidleg onsdag morgon. Feilen oppstod truleg like over midnatt, "
            "men vart ikkje oppdaga før klokka 06.15.")
    start, _, _, _ = incident_window(find_times(text, date(2023, 9, 13), "nn"))
    assert start == dt(2023, 9, 13, 0, 0)


def test_stopped_showing_is_a_start():
    [start] = [t for t in find_times("Like etter klokken åtte torsdag morgen sluttet Sectra å vise nye bilder.",
                                     date(2025, 1, 9)) if t.role == "start"]
    assert start.value == dt(2025, 1, 9, 8, 0)


def test_power_gone_and_back_split_by_their_subject():
    t = {m.role: m.value for m in find_times("Da dagvakten kom torsdag morgen, var strømmen borte i to bygg. Teknisk "
                                             "personell hadde strømmen tilbake klokken 08.40.", date(2022, 1, 20))
         if m.role in ("start", "end")}
    assert t == {"start": date(2022, 1, 20), "end": dt(2022, 1, 20, 8, 40)}


def test_an_offset_is_never_the_start():
    text = ("Strømmen gikk klokken 06.40 og var tilbake klokken 08.40. En av heisene stoppet under bruddet og ble stående "
            "i nesten to timer etterpå.")
    assert incident_window(find_times(text, date(2022, 1, 20)))[0] == dt(2022, 1, 20, 6, 40)


def test_a_length_so_far_counts_back_from_the_publication_time():
    text = ("E-posten har vore nede i tre timar\nPublisert 08.02.2023 kl. 11.00\nDå denne saka vart publisert, hadde "
            "e-postsystemet vore nede i tre timar.")
    start, start_p, end, _ = incident_window(find_times(text, None, "nn"))
    assert (start, start_p, end) == (dt(2023, 2, 8, 8, 0), "approximate", None)


@pytest.mark.parametrize("text, published, expected", [
    ("Onsdag for ei veke sidan stoppa laboratoriesystemet.", date(2022, 5, 18), date(2022, 5, 11)),
    ("Tirsdag for en uke siden falt systemet ut.", date(2022, 5, 20), date(2022, 5, 10)),
])
def test_a_weekday_a_week_ago(text, published, expected):
    [start] = [t for t in find_times(text, published) if t.role == "start"]
    assert start.value == expected


def test_a_length_so_far_with_another_perfect_verb():
    text = ("Har ikke kunnet se røntgenbilder på tre timer\nPublisert 12.09.2024 kl. 13.00\nRadiologene har i tre timer "
            "ikke fått opp et eneste bilde.")
    assert incident_window(find_times(text, None))[0] == dt(2024, 9, 12, 10, 0)


def test_a_day_patients_wait_to_does_not_date_what_follows():
    text = ("DIPS var nede fredag ettermiddag. Ahus sendte hjem pasienter som kunne vente til mandag. Rundt klokken 18.20 "
            "fungerte journalsystemet igjen.")
    ends = [t for t in find_times(text, date(2019, 1, 18)) if t.role == "end"]
    assert [t.value for t in ends] == [dt(2019, 1, 18, 18, 20)]


def test_an_offset_opening_a_sentence_counts_from_the_time_the_sentence_before_ends_on():
    """"... klokka 12.50. Ti minutt seinare fall trafikken ut": the onset at 13:00, though 12.50 is
    another event's time; its length then gives the end."""
    text = ("Helse Vest IKT installerte ei oppdatering på brannmuren klokka 12.50. Ti minutt seinare fall "
            "trafikken ut.\n\nUtfallet varte i ein time og eit kvarter.")
    start, _, end, _ = incident_window(find_times(text, date(2025, 6, 12), "nn"))
    assert (start, end) == (dt(2025, 6, 12, 13, 0), dt(2025, 6, 12, 14, 15))
    later = text.split("\n\n")[0] + " Ein time seinare var nettet oppe att."  # a later offset counts from it
    assert incident_window(find_times(later, date(2025, 6, 12), "nn"))[2] == dt(2025, 6, 12, 14, 0)


@pytest.mark.parametrize("text, published, expected", [
    ("Natt til tysdag, klokka 02.40, fall datanettet ut. Vel to timar seinare var nettet oppe att.\n\n"
     "Sjukehuset var også utan internett ein kort periode hausten 2023. Då oppstod feilen klokka 10.15 ein "
     "måndag føremiddag, og han var retta etter eit kvarter.",
     date(2024, 11, 12), (dt(2024, 11, 12, 2, 40), dt(2024, 11, 12, 4, 40))),
    ("Onsdag ettermiddag ble datasystemene utilgjengelige. Tre timer senere var alt i drift igjen.\n\n"
     "Sykehuset hadde også datatrøbbel 14. mars i år. Da startet problemene klokken 09.10 og varte i nesten to "
     "timer.", date(2023, 11, 16), (date(2023, 11, 15), date(2023, 11, 15))),
])
def test_an_earlier_event_told_after_this_one_does_not_date_it(text, published, expected):
    """A sentence dated months before the start told first, or in another year, and the "Da ..."
    sentence that goes on about it, give no start or end."""
    start, _, end, _ = incident_window(find_times(text, published, "nb"))
    assert (start, end) == expected


def test_a_retrospective_article_keeps_its_own_start():
    """Only what is told after the first stated start and long before it is an earlier event: an
    evaluation months later keeps the day it is about."""
    text = ("Sykehuset evaluerer stansen i laboratoriesystemet 14. mars. Da var systemet nede i fire timer.\n\n"
            "Evalueringa blir lagd fram 20. november.")
    start, _, _, _ = incident_window(find_times(text, date(2023, 11, 16)))
    assert start == date(2023, 3, 14)


def test_a_sentence_opening_on_like_etter_starts_at_the_time_before_it():
    """"... ferdig installert klokken 22.10. Like etter begynte Arena å henge": about 22:10."""
    text = ("Søndag fra klokken 20.00 til 22.00 var det et planlagt vedlikeholdsvindu. Oppdateringen var ferdig "
            "installert klokken 22.10. Like etter begynte Arena å henge.\n\nMandag klokken 06.45 var journalsystemet "
            "stabilt igjen.")
    start, start_p, end, _ = incident_window(find_times(text, date(2025, 3, 10)))
    assert (start, start_p, end) == (dt(2025, 3, 9, 22, 10), "approximate", dt(2025, 3, 10, 6, 45))


def test_litt_etter_litt_is_gradually_not_a_start():
    text = "Feilen ble rettet klokken 14.10. Litt etter litt begynte pasientene å komme tilbake."
    assert incident_window(find_times(text, date(2025, 3, 10)))[0] is None


def test_an_offset_after_the_onset_is_an_end_only_when_its_clause_says_so():
    head = "Operasjonsprogrammet sluttet å virke like etter klokken 07.30 fredag. "
    ended = find_times(head + "En time og tjue minutter etter at feilen oppsto, var systemet i drift igjen.",
                       date(2025, 10, 10))
    assert incident_window(ended)[2] == dt(2025, 10, 10, 8, 50)  # from the clock time, not "fredag" alone
    other = find_times(head + "En time etter at feilen oppsto, ble det satt gul beredskap.", date(2025, 10, 10))
    assert incident_window(other)[2] is None


def test_a_later_bare_fra_day_before_the_start_is_not_the_start():
    text = ("Operasjonsprogrammet sluttet å virke like etter klokken 07.30 fredag. Teamene brukte utskrifter fra "
            "torsdag ettermiddag.")
    assert incident_window(find_times(text, date(2025, 10, 10)))[0] == dt(2025, 10, 10, 7, 30)


@pytest.mark.parametrize("text, published, expected", [
    # an error message on opening the system marks the onset
    ("I halv ett-tida tysdag fekk tilsette ved Haukeland universitetssjukehus, Voss sjukehus og Kysthospitalet i "
     "Hagevik feilmelding når dei prøvde å opne DIPS Arena.", date(2022, 11, 15), dt(2022, 11, 15, 12, 30)),
    # "sidan klokka 17.30" in reported speech is still the onset, not the statement's time
    ("17:40 Helse Bergen melder at ein feil i telefonisystemet sidan klokka 17.30 har gjort at AMK-sentralen ikkje "
     "får teke imot 113-samtalar.", date(2024, 8, 22), dt(2024, 8, 22, 17, 30)),
])
def test_more_onset_phrasings(text, published, expected):
    assert incident_window(find_times(text, published, "nn"))[0] == expected
