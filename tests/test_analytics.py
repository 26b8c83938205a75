"""The analyst views and pipeline.api on a small known database: exact numbers.

The database is built through the store (pages, articles with facts) and the incident store
(merge and sync), from hand-made articles, so every figure below can be checked by hand:

  A  UNN, DIPS Arena, 10 Jan 08:00–10:00 (120 min); UNN's report and a later Helse Nord RHF report
     that says 08:30 (a conflict: UNN's earlier official report wins)
  B  UNN, Sectra RIS/PACS, 1 Feb 09:00–15:00 (360 min)
  C  OUS, DIPS Arena, 3 Apr about 12:00 to 13:30 (90 min, approximate)
  D  OUS, telephony, 3 Apr (day only), ongoing: no duration; overlaps C
  E  Helse Bergen, a journal system, 5 Jul (day only), "i to timar" (120 min stated), planned maintenance
  F  UNN, DIPS Arena, 20 Jul 14:00–14:30 (30 min), operations cancelled, green readiness
plus one article of Helse Bergen that reports no outage.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from pipeline import api
from pipeline.errors import StorageError
from pipeline.gazetteer import load_gazetteer
from pipeline.incident_store import rebuild_incidents
from pipeline.nlp.facts import to_contract
from pipeline.records import Article, Contact, Facts, FetchResult, Site, SystemHit, TimeMention, TrustHit
from pipeline.run import summarise
from pipeline.store import Store, connect

OSLO = ZoneInfo("Europe/Oslo")
FETCHED = datetime(2023, 8, 1, 6, 0, tzinfo=OSLO)
KARI = Contact(name="Kari Nordmann", role="pressevakt", org="UNN", org_id="unn", phone="+4790000000")


def t(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2023, month, day, hour, minute, tzinfo=OSLO)


def days(a: datetime, b: datetime) -> float:
    """Elapsed days (Python subtracts wall-clock times when both share one tzinfo)."""
    return (b.timestamp() - a.timestamp()) / 86400


def facts(key, site, published, text, *, status="resolved", start=None, start_p=None, end=None, end_p=None,
          systems=(), trusts=(), times=(), contacts=(), is_outage=True) -> Facts:
    article = Article(id=key, url=f"https://{site}.example/nyheter/{key}", site_id=site, title=text.split(".")[0],
                      text=text, published=published, updated=None, lang="nb", page_id=key)
    gaz = load_gazetteer()
    return Facts(
        article=article, is_outage=is_outage, outage_score=0.9 if is_outage else 0.1, status=status,
        start=start, end=end, start_precision=start_p, end_precision=end_p,
        systems=tuple(SystemHit(id=s, name=s, type=typ, evidence=text) for s, typ in systems),
        trusts=tuple(TrustHit(id=tr, name=gaz.trust_name(tr), evidence=text) for tr in trusts),
        contacts=tuple(contacts), times=tuple(times),
    )


def articles() -> list[Facts]:
    dips, pacs = ("dips-arena", "EPJ"), ("sectra-ris-pacs", "RIS/PACS")
    update = TimeMention("kl. 11.00", 0, 9, t(1, 10, 11), "minute", "update")
    two_hours = TimeMention("i to timar", 0, 10, None, "duration", "duration", duration_minutes=120)
    return [
        facts("a1", "unn", date(2023, 1, 10), "DIPS Arena var nede ved UNN fra 08.00 til 10.00. Avdelingene "
              "brukte papirrutiner.", start=t(1, 10, 8), start_p="minute", end=t(1, 10, 10), end_p="minute",
              systems=[dips], trusts=["unn"], times=[update], contacts=[KARI]),
        facts("a2", "helse-nord-rhf", date(2023, 1, 11), "DIPS Arena var nede ved UNN tirsdag.",
              start=t(1, 10, 8, 30), start_p="minute", systems=[dips], trusts=["unn"]),
        facts("b", "unn", date(2023, 2, 1), "Røntgensystemet var nede. Enkelte undersøkelser er utsatt.",
              start=t(2, 1, 9), start_p="minute", end=t(2, 1, 15), end_p="minute", systems=[pacs], trusts=["unn"]),
        facts("c", "ous", date(2023, 4, 3), "DIPS Arena var nede ved OUS i 12-tiden.", start=t(4, 3, 12),
              start_p="approximate", end=t(4, 3, 13, 30), end_p="minute", systems=[dips], trusts=["ous"]),
        facts("d", "ous", date(2023, 4, 3), "Telefonsystemet ved OUS er ustabilt. OUS har satt gul beredskap.",
              status="ongoing", start=date(2023, 4, 3), start_p="day", systems=[(None, "TELEPHONY")], trusts=["ous"]),
        facts("e", "helse-bergen", date(2023, 7, 5), "Journalsystemet var utilgjengeleg i to timar på grunn av "
              "planlagd vedlikehald.", start=date(2023, 7, 5), start_p="day", systems=[(None, "EPJ")],
              trusts=["helse-bergen"], times=[two_hours]),
        facts("f", "unn", date(2023, 7, 20), "DIPS Arena var nede. Planlagte operasjoner ble avlyst, og UNN satte "
              "grønn beredskap.", start=t(7, 20, 14), start_p="minute", end=t(7, 20, 14, 30), end_p="minute",
              systems=[dips], trusts=["unn"], contacts=[KARI]),
        facts("g", "helse-bergen", date(2023, 3, 1), "Ny MR-maskin på Haukeland.", status="unknown", is_outage=False),
    ]


def build(path) -> None:
    """Load the hand-made articles through the store, then merge them into incidents."""
    gaz = load_gazetteer()
    batch = articles()
    with connect(path) as con:
        store = Store(con)
        store.upsert_trusts([(tr.id, tr.name, tr.kind, tr.region_id or None) for tr in gaz.trusts.values()])
        sites = sorted({f.article.site_id for f in batch})
        store.upsert_sites([Site(s, gaz.trust_name(s), f"https://{s}.example", (f"https://{s}.example/nyheter/",))
                            for s in sites], {s: gaz.region_of(s) for s in sites})
        for f in batch:
            page = FetchResult(url=f.article.url, site_id=f.article.site_id, status=200, outcome="ok",
                               text=f"<html>{f.article.text}</html>", fetched_at=FETCHED, kind="article")
            store.save_fetch("run-1", page, f.article.id, f"hash-{f.article.id}")
        store.save_facts([(f, f"hash-{f.article.id}", to_contract(f)) for f in batch], "test")
        rebuild_incidents(con, gaz, 36)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("known") / "known.duckdb"
    build(path)
    return path


def test_the_incidents(db):
    frame = api.incidents(db).set_index("title")
    assert len(frame) == 6
    a = frame.loc["DIPS Arena var nede ved UNN fra 08"]
    assert (a.n_reports, a.start_precision, a.end_precision, a.duration_minutes, a.duration_precision) == (
        2, "minute", "minute", 120, "minute")
    assert a.start_time == pd.Timestamp(t(1, 10, 8)) and a.start_source == "a1" and a.end_source == "a1"
    assert list(a.impacts) == ["paper_fallback"] and list(a.reported_by) == ["helse-nord-rhf", "unn"]
    assert len(a.sources) == 2
    e = frame.loc["Journalsystemet var utilgjengeleg i to timar på grunn av planlagd vedlikehald"]
    assert (e.duration_minutes, e.duration_precision, e.duration_source, e.planned) == (120, "approximate", "e", True)
    assert e.start_precision == "day" and e.end_precision == "unknown"
    d = frame.loc["Telefonsystemet ved OUS er ustabilt"]
    assert (d.status, d.readiness, pd.isna(d.duration_minutes), d.duration_precision) == ("ongoing", "gul", True, "unknown")
    f = frame.loc["DIPS Arena var nede"]
    assert list(f.impacts) == ["cancelled_operations"] and f.readiness == "grønn"


def test_incident_counts_per_period_and_dimension(db):
    monthly = api.incident_counts("month", db=db)
    assert dict(zip(monthly.period.dt.strftime("%Y-%m"), monthly.incidents)) == {
        "2023-01": 1, "2023-02": 1, "2023-04": 2, "2023-07": 2}
    quarterly = api.incident_counts("quarter", db=db)
    assert list(quarterly.incidents) == [2, 2, 2]
    assert list(api.incident_counts("year", db=db).incidents) == [6]
    by_region = api.incident_counts("year", "region", db=db)
    assert dict(zip(by_region.name, by_region.incidents)) == {
        "Helse Nord RHF": 3, "Helse Sør-Øst RHF": 2, "Helse Vest RHF": 1}
    by_trust = api.incident_counts("year", "trust", db=db)
    assert dict(zip(by_trust.trust, by_trust.incidents)) == {"unn": 3, "ous": 2, "helse-bergen": 1}
    assert "Universitetssykehuset Nord-Norge HF" in set(by_trust.name)
    by_system = api.incident_counts("year", "system", db=db)
    assert dict(zip(by_system.system, by_system.incidents)) == {"dips-arena": 3, "sectra-ris-pacs": 1, "unknown": 2}
    by_type = api.incident_counts("quarter", "system_type", db=db)
    assert sorted(zip(by_type.period.dt.strftime("%Y-%m"), by_type.system_type, by_type.incidents)) == [
        ("2023-01", "EPJ", 1), ("2023-01", "RIS/PACS", 1), ("2023-04", "EPJ", 1), ("2023-04", "TELEPHONY", 1),
        ("2023-07", "EPJ", 2)]


def test_filters_are_parameters(db):
    assert list(api.incident_counts("year", db=db, region="helse-nord-rhf").incidents) == [3]
    # grouping by the dimension a filter fixes keeps that value only
    assert list(api.incident_counts("year", "region", db=db, region="helse-vest-rhf").region) == ["helse-vest-rhf"]
    north_dips = api.incident_counts("year", "region", db=db, system="dips-arena")
    assert dict(zip(north_dips.region, north_dips.incidents)) == {"helse-nord-rhf": 2, "helse-sor-ost-rhf": 1}
    april = api.incidents(db, since="2023-04-01", until="2023-04-30")
    assert sorted(april.title.str[:5]) == ["DIPS ", "Telef"]
    assert set(api.incidents(db, system_type="EPJ", trust="unn").title.str[:4]) == {"DIPS"}
    assert api.incidents(db, trust="unn' OR 1=1 --").empty
    assert api.incident_counts("month", db=db, region="x') OR true --").empty
    with pytest.raises(ValueError, match="period"):
        api.incident_counts("week", db=db)
    with pytest.raises(ValueError, match="by"):
        api.duration_stats(db, by="colour")
    with pytest.raises(TypeError, match="unknown filter"):
        api.durations(db, hospital="unn")


def test_duration_distribution(db):
    stats = api.duration_stats(db).iloc[0]
    assert (stats.incidents, stats.p25, stats["median"], stats.p75, stats.p90, stats["max"], stats["mean"]) == (
        5, 90, 120, 120, 264, 360, 144)
    unplanned = api.duration_stats(db, planned=False).iloc[0]
    assert (unplanned.incidents, unplanned["median"]) == (4, 105)
    north = api.duration_stats(db, by="region").set_index("region").loc["helse-nord-rhf"]
    assert (north.incidents, north["median"], north["max"]) == (3, 120, 360)
    assert list(api.durations(db).duration_minutes) == [360, 120, 120, 90, 30]
    assert list(api.durations(db, planned=True).id) == list(api.incidents(db, planned=True).id)
    empty = api.duration_stats(db, trust="ahus")
    assert len(empty) == 1 and empty.incidents.iloc[0] == 0


def test_time_between_incidents(db):
    unn = api.time_between_incidents("trust", db=db, trust="unn")
    assert list(unn.name.unique()) == ["Universitetssykehuset Nord-Norge HF"]
    gaps = list(unn.days_since_previous)
    assert pd.isna(gaps[0])
    assert gaps[1:] == pytest.approx([days(t(1, 10, 8), t(2, 1, 9)), days(t(2, 1, 9), t(7, 20, 14))])
    assert gaps[2] == pytest.approx(169 + 4 / 24)  # real elapsed time: the clocks went forward on 26 March
    dips = api.time_between_incidents("system", db=db, system="dips-arena")
    assert len(dips) == 3 and dips.days_since_previous.notna().sum() == 2
    # filtered first, then paired: UNN's DIPS incidents follow each other directly
    unn_dips = api.time_between_incidents("trust", db=db, trust="unn", system="dips-arena")
    assert unn_dips.days_since_previous.iloc[1] == pytest.approx(days(t(1, 10, 8), t(7, 20, 14)))


def test_concurrent_incidents(db):
    [pair] = api.concurrent_incidents(db).itertuples()
    assert {pair.title[:5], pair.other_title[:5]} == {"DIPS ", "Telef"}
    assert pair.overlap_minutes == 90 and not pair.windows_known  # the telephony incident has no end
    assert list(pair.shared_trusts) == ["ous"] and list(pair.shared_system_types) == []
    assert api.concurrent_incidents(db, region="helse-nord-rhf").empty


def test_coverage(db):
    cov = api.coverage(db).set_index("trust_id")
    unn = cov.loc["unn"]
    assert (unn.crawled, unn.articles, unn.outage_articles, unn.incidents) == (True, 3, 3, 3)
    assert (unn.first_published, unn.last_published) == (pd.Timestamp("2023-01-10"), pd.Timestamp("2023-07-20"))
    bergen = cov.loc["helse-bergen"]
    assert (bergen.articles, bergen.outage_articles, bergen.incidents) == (2, 1, 1)
    ahus = cov.loc["ahus"]  # never crawled: its outages are unknown, not zero
    assert (ahus.crawled, ahus.articles, ahus.incidents) == (False, 0, 0)
    assert cov.crawled.sum() == 4
    assert set(api.coverage(db, region="helse-vest-rhf").trust_id) >= {"helse-bergen", "helse-fonna"}


def test_conflicts_lifecycle_reports_and_contacts(db):
    conflicts = api.conflicts(db)
    assert list(zip(conflicts.article_id, conflicts.chosen, conflicts.reason)) == [
        ("a1", True, "earliest report"), ("a2", False, "reported later")]
    assert conflicts.official.all() and conflicts.url.str.startswith("https://").all()
    a_id = conflicts.incident_id.iloc[0]
    changes = api.status_changes(db)
    a = changes[changes.incident_id == a_id]
    assert list(a.status) == ["ongoing", "resolved"]
    assert a.reported_time.iloc[1] == pd.Timestamp(t(1, 10, 11)) and list(a.precision) == ["day", "minute"]
    assert list(changes[changes.status == "ongoing"].article_id) == ["a1", "d"]
    reports = api.reports(db, trust="unn")
    assert sorted(reports.article_id) == ["a1", "a2", "b", "f"] and reports.official.all()
    contacts = api.contacts(db, trust="unn")
    assert list(zip(contacts.name, contacts.articles, contacts.incidents)) == [("Kari Nordmann", 2, 2)]
    assert api.contacts(db, trust="ous").empty


def test_views_equal_the_unfiltered_api(db):
    with api.connect(db) as con:
        counts = con.execute("SELECT * FROM incident_counts WHERE grain = 'quarter' AND dimension = 'region' "
                             "ORDER BY period, value").df()
        stats = con.execute("SELECT * FROM duration_stats WHERE dimension = 'all'").df()
        intervals = con.execute("SELECT count(*) FROM incident_intervals WHERE dimension = 'trust'").fetchone()[0]
        summary = summarise(Store(con))
    frame = api.incident_counts("quarter", "region", db=db)
    assert list(counts.incidents) == list(frame.incidents) and list(counts.value) == list(frame.region)
    assert stats["median"].iloc[0] == api.duration_stats(db)["median"].iloc[0]
    assert intervals == len(api.time_between_incidents("trust", db=db))
    assert {k: summary[k] for k in ("incidents", "incidents_ongoing", "incidents_with_duration",
                                    "median_duration_minutes", "p90_duration_minutes", "trusts_crawled")} == {
        "incidents": 6, "incidents_ongoing": 1, "incidents_with_duration": 5, "median_duration_minutes": 120,
        "p90_duration_minutes": 264, "trusts_crawled": 4}
    assert summary["incidents_per_region"] == {"helse-nord-rhf": 3, "helse-sor-ost-rhf": 2, "helse-vest-rhf": 1}


def test_rebuilding_changes_nothing_and_ids_are_stable(tmp_path, db):
    other = tmp_path / "again.duckdb"
    build(other)
    assert list(api.incidents(other).id) == list(api.incidents(db).id)  # same input, same ids
    before = {table: _rows(other, table) for table in ("incidents", "incident_reports", "incident_conflicts",
                                                        "incident_status_changes")}
    with connect(other) as con:
        rebuild_incidents(con, load_gazetteer(), 36)
    assert {table: _rows(other, table) for table in before} == before


def test_an_old_database_must_be_migrated_before_reading(tmp_path):
    import duckdb

    from pipeline.store import migrations

    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)")
    con.execute(migrations()[0][1])
    con.execute("INSERT INTO schema_migrations VALUES (1, now())")
    con.close()
    with pytest.raises(StorageError, match="older schema: run `python -m pipeline process"):
        api.incidents(path)
    with connect(path):
        pass  # the writer migrates
    assert api.incidents(path).empty


def _rows(path, table: str) -> list[tuple]:
    with api.connect(path) as con:
        return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
