"""The whole batch against the bundled sample site over real HTTP: results, idempotence, crash safety."""
from __future__ import annotations

from conftest import dead_site

from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from pipeline.run import execute, sample_sites

ROOT = Path(__file__).resolve().parent.parent
DATA_TABLES = ["trusts", "sites", "pages", "articles", "mentions", "contacts", "incidents", "incident_reports"]


def snapshot(db: str | Path) -> dict[str, list[tuple]]:
    """Every data row of every data table, without the *_at bookkeeping timestamps."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for table in DATA_TABLES:
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table]).fetchall() if not r[0].endswith("_at")]
            out[table] = con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def test_sample_run_finds_incidents(sample_run):
    settings, summary = sample_run
    assert summary["status"] == "ok", summary
    assert summary["pages_failed"] == 0
    assert summary["articles"] >= 60
    assert summary["outage_articles"] >= 25
    assert summary["incidents"] >= 10
    assert summary["median_duration_minutes"] is not None
    assert set(summary["incidents_per_region"]) >= {"helse-nord-rhf", "helse-vest-rhf", "helse-sor-ost-rhf"}
    con = duckdb.connect(settings.db, read_only=True)
    try:
        [(status, articles)] = con.execute("SELECT status, articles FROM runs").fetchall()
        assert status == "ok" and articles == summary["articles"]
        # every incident links to the articles that report it
        assert con.execute("SELECT count(*) FROM incidents WHERE id NOT IN (SELECT incident_id FROM incident_reports)").fetchone()[0] == 0
        assert con.execute("SELECT max(n_reports) FROM incidents").fetchone()[0] >= 2
    finally:
        con.close()


def test_second_run_changes_no_data_row(sample_run, tmp_path):
    import shutil

    settings, first = sample_run
    settings = settings.with_db(tmp_path / "copy.duckdb")  # the session's database stays as its one run left it
    shutil.copy(sample_run[0].db, settings.db)
    before = snapshot(settings.db)
    with sample_sites(settings) as sites:
        second = execute(settings, "run", sites, allow_loopback=True)
    assert second["articles_processed"] == 0  # nothing re-annotated
    assert second["pages_changed"] == 0
    assert snapshot(settings.db) == before


def test_flagship_incident_from_the_sample_site(sample_run):
    settings, _ = sample_run
    con = duckdb.connect(settings.db, read_only=True)
    try:
        rows = con.execute("""
            SELECT start_time, end_time, duration_minutes, trusts, system_types, n_reports FROM incidents
            WHERE list_contains(systems, 'sectra-ris-pacs') AND start_date = DATE '2022-07-07'""").fetchall()
    finally:
        con.close()
    assert len(rows) == 1
    start, end, minutes, trusts, types, reports = rows[0]
    oslo = ZoneInfo("Europe/Oslo")
    assert start.astimezone(oslo).isoformat() == "2022-07-07T08:00:00+02:00"
    assert end.astimezone(oslo).isoformat() == "2022-07-08T11:15:00+02:00"
    assert minutes == 1635
    assert {"helse-nord-rhf", "unn", "finnmarkssykehuset", "nordlandssykehuset", "helgelandssykehuset"} <= set(trusts)
    assert "RIS/PACS" in types and reports >= 2


def test_site_down_is_recorded_and_loses_nothing(sample_run, tmp_path):
    import shutil

    settings, _ = sample_run
    db = tmp_path / "copy.duckdb"
    shutil.copy(settings.db, db)
    before = snapshot(db)
    down = dead_site("unn")
    summary = execute(settings.with_db(db), "run", [down], allow_loopback=True)
    assert summary["status"] == "partial"
    assert summary["sites_with_failures"] == {"unn": summary["pages_failed"]} and summary["pages_failed"] >= 1
    after = snapshot(db)
    assert {k: v for k, v in after.items() if k != "sites"} == {k: v for k, v in before.items() if k != "sites"}
    con = duckdb.connect(str(db), read_only=True)
    try:
        outcomes = con.execute("SELECT DISTINCT outcome FROM run_fetches WHERE site_id = 'unn' AND url LIKE '%127.0.0.1%'").fetchall()
        status = con.execute("SELECT status FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()
    assert outcomes and status == "partial"
