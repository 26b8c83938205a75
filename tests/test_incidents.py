"""The merge rule on hand-made report sets; order independence."""
from __future__ import annotations

import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pipeline.incidents import merge, same_incident
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
