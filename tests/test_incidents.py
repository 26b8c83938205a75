"""The merge rule on hand-made report sets; order independence; chosen values, conflicts, lifecycle, impacts."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from pipeline.incidents import conflicts, is_official, merge, merge_groups, same_incident, status_changes
from pipeline.records import Report

OSLO = ZoneInfo("Europe/Oslo")


def report(aid, start=None, end=None, published=None, systems=(), types=("EPJ",), trusts=("unn",), status="ongoing"):
    return Report(
        article_id=aid, title=aid, published=published or (start.date() if isinstance(start, datetime) else start),
        status=status, start=start, start_precision="minute" if isinstance(start, datetime) else ("day" if start else None),
        end=end, end_precision="minute" if isinstance(end, datetime) else ("day" if end else None),
        systems=tuple(systems), system_types=tuple(types), trusts=tuple(trusts),
    )


def t(day, hour, minute=0, month=7, year=2022):
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


def test_initial_report_and_follow_up_are_one_incident(gaz):
    first = report("a", start=t(7, 8), systems=["sectra-ris-pacs"], types=["RIS/PACS"], trusts=["helse-nord-rhf", "unn"])
    follow = report("b", start=t(7, 8), end=t(8, 11, 15), systems=["sectra-ris-pacs"], types=["RIS/PACS"],
                    trusts=["helse-nord-rhf"], status="resolved")
    [incident] = merge([first, follow], gaz)
    assert incident.article_ids == ("a", "b")
    assert incident.start == t(7, 8) and incident.end == t(8, 11, 15)
    assert incident.duration_minutes == 1635
    assert incident.status == "resolved"
    assert incident.regions == ("helse-nord-rhf",)


def test_chain_of_updates_merges_transitively(gaz):
    a = report("a", start=t(1, 8), trusts=["unn"])
    b = report("b", start=t(2, 12), trusts=["unn"])  # 28 h after a
    c = report("c", start=t(3, 18), end=t(3, 20), trusts=["unn"], status="resolved")
    [incident] = merge([a, b, c], gaz, gap_hours=36)
    assert incident.article_ids == ("a", "b", "c")
    assert incident.end == t(3, 20)


def test_two_incidents_same_day_different_systems_stay_apart(gaz):
    a = report("a", start=t(7, 8), types=["EPJ"], trusts=["ous"])
    b = report("b", start=t(7, 14), types=["TELEPHONY"], trusts=["ous"])
    assert len(merge([a, b], gaz)) == 2


def test_same_system_in_different_regions_stays_apart(gaz):
    a = report("a", start=t(7, 8), systems=["dips-arena"], trusts=["ous"])
    b = report("b", start=t(7, 9), systems=["dips-arena"], trusts=["helse-bergen"])
    assert not same_incident(a, b, gaz, 36)
    assert len(merge([a, b], gaz)) == 2


def test_regional_trust_overlaps_its_hospital_trusts(gaz):
    a = report("a", start=t(7, 8), trusts=["helse-nord-rhf"])
    b = report("b", start=t(7, 10), trusts=["nordlandssykehuset"])
    assert same_incident(a, b, gaz, 36)


def test_reports_far_apart_in_time_are_different_incidents(gaz):
    a = report("a", start=t(7, 8), trusts=["unn"])
    b = report("b", start=t(20, 8), trusts=["unn"])
    assert len(merge([a, b], gaz)) == 2


def test_day_precision_loses_to_minute_precision(gaz):
    a = report("a", start=date(2022, 7, 7), trusts=["unn"])
    b = report("b", start=t(7, 8, 5), trusts=["unn"])
    [incident] = merge([a, b], gaz)
    assert incident.start == t(7, 8, 5) and incident.start_precision == "minute"


def test_merge_is_order_independent(gaz):
    reports = [
        report("a", start=t(7, 8), trusts=["unn"]), report("b", start=t(7, 9), end=t(7, 12), trusts=["unn"]),
        report("c", start=t(7, 9), types=["NETWORK"], trusts=["ous"]), report("d", start=t(15, 9), trusts=["ous"]),
        report("e", start=t(15, 10), trusts=["ous", "ahus"]),
    ]
    expected = merge(reports, gaz)
    for seed in range(5):
        shuffled = reports[:]
        random.Random(seed).shuffle(shuffled)
        assert merge(shuffled, gaz) == expected
    assert [i.article_ids for i in expected] == [("a", "b"), ("c",), ("d", "e")]
    # the id is that of the first report, so it stays put when follow-ups join
    assert merge(reports[:1], gaz)[0].id == expected[0].id


def test_same_product_same_region_merges_across_trusts(gaz):
    a = report("a", start=t(27, 9, month=5, year=2024), systems=["dips-arena"], trusts=["sykehuset-i-vestfold"])
    b = report("b", start=t(27, 14, month=5, year=2024), systems=["dips-arena"], trusts=["sykehuset-telemark"])
    c = report("c", start=t(27, 9, month=5, year=2024), types=["EPJ"], trusts=["sykehuset-telemark", "unn"][1:])
    assert same_incident(a, b, gaz, 36)
    assert not same_incident(a, c, gaz, 36)  # a generic type is not enough across trusts


# -- hand-made report sets: split, chain of updates, same day, same system elsewhere -------------

def rep(aid, site, start=None, end=None, published=None, systems=("dips-arena",), types=("EPJ",), trusts=("unn",),
        status="ongoing", last_update=None, stated=None, impacts=(), score=0.9, start_p=None, end_p=None):
    """A report with a site (for the official-source rule) and explicit precisions."""
    def precision(v, given):
        return given or ("minute" if isinstance(v, datetime) else "day" if v is not None else None)
    return Report(
        article_id=aid, title=aid, published=published or (start.date() if isinstance(start, datetime) else start),
        status=status, start=start, start_precision=precision(start, start_p), end=end,
        end_precision=precision(end, end_p), systems=tuple(systems), system_types=tuple(types), trusts=tuple(trusts),
        score=score, site_id=site, last_update=last_update, stated_duration_minutes=stated, impacts=tuple(impacts),
    )


def test_recurring_outage_of_one_system_splits_into_two_incidents(gaz):
    """The same system at the same trust, down twice a week apart: two incidents, each with its follow-up."""
    first = rep("a1", "unn", start=t(3, 8), trusts=["unn"])
    first_fixed = rep("a2", "unn", published=date(2022, 7, 3), end=t(3, 12), status="resolved")
    second = rep("b1", "unn", start=t(10, 9))
    second_fixed = rep("b2", "unn", published=date(2022, 7, 11), start=t(10, 9), end=t(11, 7), status="resolved")
    merged = merge([second_fixed, first, second, first_fixed], gaz)
    assert [i.article_ids for i in merged] == [("a1", "a2"), ("b1", "b2")]
    assert [(i.start, i.end, i.duration_minutes) for i in merged] == [(t(3, 8), t(3, 12), 240), (t(10, 9), t(11, 7), 1320)]


def test_chain_of_updates_extends_and_closes_the_incident(gaz):
    """Reported ongoing, updated in the text, closed by a follow-up two days later that repeats no times."""
    news = rep("a", "ous", start=t(4, 7, 30), trusts=["ous"], last_update=t(5, 16))  # "Oppdatert tirsdag kl. 16"
    closed = rep("b", "ous", published=date(2022, 7, 7), trusts=["ous"], status="resolved", end=t(6, 22, 10))
    assert same_incident(news, closed, gaz, 36)  # the update stretches the first window to the 5th
    assert not same_incident(replace(news, last_update=None), replace(closed, end=None), gaz, 36)
    [incident] = merge([closed, news], gaz)
    assert (incident.start, incident.end, incident.status) == (t(4, 7, 30), t(6, 22, 10), "resolved")
    assert (incident.start_source, incident.end_source) == ("a", "b")
    assert incident.duration_minutes == 2 * 1440 + 14 * 60 + 40 and incident.duration_precision == "minute"
    assert incident.last_reported == date(2022, 7, 7)
    changes = status_changes([news, closed])
    assert [(c.status, c.reported, c.precision, c.article_id) for c in changes] == [
        ("ongoing", date(2022, 7, 4), "day", "a"), ("resolved", date(2022, 7, 7), "day", "b")]


def test_resolution_given_as_an_in_text_update_is_timed_to_the_minute(gaz):
    article = rep("a", "unn", start=t(7, 8), end=t(8, 11, 15), status="resolved", last_update=t(8, 13))
    changes = status_changes([article])
    assert [(c.status, c.reported, c.precision) for c in changes] == [
        ("ongoing", date(2022, 7, 7), "day"), ("resolved", t(8, 13), "minute")]


def test_retrospective_after_the_resolution_is_not_a_relapse(gaz):
    fixed = rep("a", "unn", start=t(7, 8), end=t(7, 9), status="resolved")
    review = rep("b", "unn", published=date(2022, 7, 8), start=t(7, 8), status="ongoing")
    assert [c.status for c in status_changes([fixed, review])] == ["resolved"]
    assert merge([fixed, review], gaz)[0].status == "resolved"


def test_two_incidents_on_the_same_day_at_the_same_trust(gaz):
    """The journal in the morning, the picture archive in the afternoon: named products differ."""
    journal = rep("a", "unn", start=t(7, 8), end=t(7, 9), systems=["dips-arena"], types=["EPJ"])
    pacs = rep("b", "unn", start=t(7, 14), end=t(7, 15), systems=["sectra-ris-pacs"], types=["RIS/PACS"])
    generic = rep("c", "unn", start=t(7, 14, 20), systems=[], types=[])  # names no system: joins by time and trust
    merged = merge([journal, pacs, generic], gaz)
    assert [i.article_ids for i in merged] == [("a",), ("b", "c")]


def test_same_product_in_two_regions_is_two_incidents(gaz):
    north = rep("a", "unn", start=t(7, 8), trusts=["unn"])
    west = rep("b", "helse-bergen", start=t(7, 8), trusts=["helse-bergen"])
    merged = merge([north, west], gaz)
    assert {(i.article_ids, i.regions) for i in merged} == {(("a",), ("helse-nord-rhf",)), (("b",), ("helse-vest-rhf",))}


def test_shuffled_input_gives_the_same_incidents_ids_conflicts_and_lifecycle(gaz):
    reports = [
        rep("a", "unn", start=t(3, 8), last_update=t(3, 12)), rep("b", "helse-nord-rhf", start=t(3, 8, 30),
                                                                 published=date(2022, 7, 4)),
        rep("c", "unn", published=date(2022, 7, 4), end=t(3, 18), status="resolved"),
        rep("d", "ous", start=t(3, 9), trusts=["ous"]), rep("e", None, start=t(3, 10), trusts=["ous", "ahus"]),
        rep("f", "unn", start=t(20, 8)),
    ]
    expected = merge_groups(reports, gaz)
    for seed in range(8):
        shuffled = reports[:]
        random.Random(seed).shuffle(shuffled)
        again = merge_groups(shuffled, gaz)
        assert [i for i, _ in again] == [i for i, _ in expected]
        assert [conflicts(g, gaz) for _, g in again] == [conflicts(g, gaz) for _, g in expected]
        assert [status_changes(g) for _, g in again] == [status_changes(g) for _, g in expected]
    assert [i.article_ids for i, _ in expected] == [("a", "b", "c"), ("d", "e"), ("f",)]
    assert len({i.id for i, _ in expected}) == 3


# -- the chosen value and the conflicts kept ----------------------------------------------------

def test_conflicting_starts_are_kept_and_the_official_source_wins(gaz):
    own = rep("own", "unn", start=t(7, 8), trusts=["unn"])  # UNN on its own site
    paper = rep("other", "ous", start=t(7, 7, 30), trusts=["unn"])  # another region's site: not official
    rough = rep("rough", "unn", start=date(2022, 7, 7), published=date(2022, 7, 8))
    [incident] = merge([own, paper, rough], gaz)
    assert incident.start == t(7, 8) and incident.start_source == "own"
    rows = {(c.field, c.article_id): c for c in conflicts([own, paper, rough], gaz)}
    assert set(rows) == {("start", "own"), ("start", "other"), ("start", "rough")}
    assert rows["start", "own"].chosen and rows["start", "own"].reason == "official source"
    assert rows["start", "own"].official and not rows["start", "other"].official
    assert rows["start", "other"].reason == "not an official source"
    assert rows["start", "rough"].reason == "agrees with the chosen value"  # the day contains 08:00


def test_precision_beats_the_official_source_and_the_earliest_report_wins_ties(gaz):
    official_day = rep("a", "unn", start=date(2022, 7, 7))
    outside_minute = rep("b", "ous", start=t(6, 23, 50), trusts=["unn"])
    [incident] = merge([official_day, outside_minute], gaz)
    assert (incident.start, incident.start_precision, incident.start_source) == (t(6, 23, 50), "minute", "b")
    [chosen] = [c for c in conflicts([official_day, outside_minute], gaz) if c.chosen]
    assert chosen.reason == "most precise (minute)"
    early = rep("c", "unn", start=t(7, 8), published=date(2022, 7, 7))
    late = rep("d", "helse-nord-rhf", start=t(7, 9), published=date(2022, 7, 8))  # the RHF is official too
    [incident] = merge([late, early], gaz)
    assert incident.start_source == "c"
    assert {c.article_id: c.reason for c in conflicts([early, late], gaz)} == {
        "c": "earliest report", "d": "reported later"}


def test_end_comes_from_the_latest_report_and_never_precedes_the_start(gaz):
    first = rep("a", "unn", start=t(7, 8), end=t(7, 10), status="resolved")
    relapse = rep("b", "unn", published=date(2022, 7, 8), start=t(7, 8), end=t(7, 16), status="resolved")
    wrong = rep("c", "unn", published=date(2022, 7, 9), end=t(7, 6), status="resolved")  # misread: before start
    [incident] = merge([first, relapse, wrong], gaz)
    assert (incident.end, incident.end_source) == (t(7, 16), "b")
    reasons = {c.article_id: c.reason for c in conflicts([first, relapse, wrong], gaz) if c.field == "end"}
    assert reasons == {"b": "latest report; later than the chosen start", "a": "reported earlier",
                       "c": "before the chosen start"}


def test_precision_flags_and_a_stated_duration(gaz):
    dated = rep("a", "helse-bergen", start=date(2022, 7, 7), trusts=["helse-bergen"], stated=150, status="resolved")
    [incident] = merge([dated], gaz)
    assert (incident.start_precision, incident.end_precision) == ("day", "unknown")
    assert (incident.duration_minutes, incident.duration_precision, incident.duration_source) == (150, "approximate", "a")
    rough = rep("b", "unn", start=t(7, 8), start_p="approximate", end=t(7, 9, 30), status="resolved", stated=60)
    [incident] = merge([rough], gaz)
    assert (incident.duration_minutes, incident.duration_precision, incident.duration_source) == (90, "approximate", None)
    [unknown] = merge([rep("c", "unn", start=t(7, 8))], gaz)
    assert (unknown.duration_minutes, unknown.duration_precision, unknown.end_precision) == (None, "unknown", "unknown")


def test_impacts_readiness_planned_and_confidence(gaz):
    a = rep("a", "unn", start=t(7, 8), impacts=["cancelled_operations", "readiness_green", "paper_fallback"], score=0.8)
    b = rep("b", "helse-nord-rhf", start=t(7, 8), impacts=["readiness_yellow"], score=0.5)
    c = rep("c", "unn", start=t(7, 9), impacts=["planned"], score=0.9)
    [incident] = merge([a, b, c], gaz)
    assert incident.impacts == ("cancelled_operations", "paper_fallback")
    assert incident.readiness == "gul" and incident.planned
    assert incident.reported_by == ("helse-nord-rhf", "unn")
    assert incident.confidence == round(1 - (1 - 0.9) * (1 - 0.5), 3)  # best per site, independent sites add up
    [unplanned] = merge([c, replace(a, impacts=("unplanned",))], gaz)
    assert not unplanned.planned


def test_official_sources(gaz):
    assert is_official("unn", ["unn"], gaz)
    assert is_official("helse-nord-rhf", ["unn"], gaz)  # the trust's regional authority
    assert is_official("sykehuspartner", ["ous"], gaz)  # the region's IT provider
    assert not is_official("sykehuspartner", ["unn"], gaz)
    assert not is_official("ous", ["unn"], gaz) and not is_official(None, ["unn"], gaz)


# -- impact signals from text: reviewed patterns in data/gazetteer/impact_terms.csv --------------

def test_every_impact_pattern_matches_its_reviewed_example():
    import csv
    import re

    from pipeline.incident_store import IMPACT_TERMS

    with IMPACT_TERMS.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert re.search(row["pattern"], row["example"], re.I), row


@pytest.mark.parametrize("text,lang,expected", [
    ("Flere planlagte operasjoner og polikliniske timer er avlyst.", "nb",
     {"cancelled_operations", "cancelled_appointments"}),
    ("Enkelte planlagte undersøkelser er utsatt. Helseforetakene har satt grønn beredskap.", "nb",
     {"postponed_appointments", "readiness_green"}),
    ("Sjukehuset sette grøn beredskap og utset nokre planlagde operasjonar.", "nn",
     {"readiness_green", "postponed_operations"}),
    ("Helse Bergen sette raud beredskap. Avdelingane nytta papirrutinar.", "nn", {"readiness_red", "paper_fallback"}),
    ("Sykehuspartner har hevet beredskapen til gult nivå.", "nb", {"readiness_yellow"}),
    ("Mellom klokken 01 og 05 er det planlagt nedetid i DIPS.", "nb", {"planned"}),
    ("Planlagte operasjoner går som normalt.", "nb", set()),  # elective surgery is not planned downtime
    ("Pasientbehandlinga gjekk som normalt, og ingen timar vart avlyste.", "nn", set()),  # negated
    ("Det er ikke kjent hvor lenge feilen varer. Operasjoner er avlyst.", "nb", {"cancelled_operations"}),
])
def test_impact_signals_from_text(text, lang, expected):
    from pipeline.incident_store import impact_signals, load_impact_terms

    assert set(impact_signals(text, lang, load_impact_terms())) == expected
