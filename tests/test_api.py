"""pipeline.api on the sample-site database: DataFrames, filters as parameters, read-only access."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipeline import api
from pipeline.errors import StorageError


def test_incidents_frame_with_sources_and_filters(sample_run):
    settings, summary = sample_run
    frame = api.incidents(db=settings.db)
    assert isinstance(frame, pd.DataFrame) and len(frame) == summary["incidents"]
    assert all(len(s) >= 1 for s in frame.sources)
    north = api.incidents(db=settings.db, region="helse-nord-rhf")
    assert 0 < len(north) < len(frame)
    assert all("helse-nord-rhf" in r for r in north.regions)
    epj = api.incidents(db=settings.db, system_type="EPJ", since="2019-01-01", until="2025-12-31")
    assert all("EPJ" in t for t in epj.system_types)
    # a filter value is a parameter, never SQL
    assert api.incidents(db=settings.db, trust="unn' OR 1=1 --").empty


def test_outages_per_month_and_durations(sample_run):
    settings, summary = sample_run
    per_month = api.outages_per_month(by="region", db=settings.db)
    assert list(per_month.columns) == ["month", "region_id", "incidents"]
    counts = dict(per_month.groupby("region_id").incidents.sum())
    assert counts == {k: v for k, v in summary["incidents_per_region"].items() if k != "unknown"}
    stats = api.duration_stats(db=settings.db).iloc[0]
    assert stats["median"] == summary["median_duration_minutes"]
    assert stats.p25 <= stats["median"] <= stats.p75 <= stats.p90 <= stats["max"]
    assert len(api.durations(db=settings.db)) == stats.incidents
    with pytest.raises(ValueError):
        api.outages_per_month(by="weekday", db=settings.db)


def test_trust_system_types_uses_trust_names(sample_run):
    settings, _ = sample_run
    table = api.trust_system_types(db=settings.db)
    assert "Helse Nord RHF" in set(table.trust)


@pytest.mark.parametrize("call", [
    lambda db: api.incident_counts("quarter", "system_type", db=db, region="helse-vest-rhf"),
    lambda db: api.durations(db, planned=False), lambda db: api.duration_stats(db, by="trust"),
    lambda db: api.time_between_incidents("system", db=db), lambda db: api.concurrent_incidents(db),
    lambda db: api.coverage(db), lambda db: api.reports(db), lambda db: api.conflicts(db),
    lambda db: api.status_changes(db), lambda db: api.contacts(db, trust="unn"), lambda db: api.trusts(db),
])
def test_every_view_function_returns_a_frame(sample_run, call):
    settings, _ = sample_run
    frame = call(settings.db)
    assert isinstance(frame, pd.DataFrame) and len(frame.columns) >= 3


def test_sample_incidents_are_resolved_with_their_lifecycle(sample_run):
    settings, summary = sample_run
    changes = api.status_changes(settings.db)
    assert set(changes.status) <= {"ongoing", "resolved"}
    resolved = set(api.incidents(settings.db).query("status == 'resolved'").id)
    assert resolved == set(changes[changes.status == "resolved"].incident_id)
    coverage = api.coverage(settings.db)
    assert coverage.crawled.sum() == summary["trusts_crawled"] >= 10


def test_connect_is_read_only_and_closed(sample_run):
    settings, _ = sample_run
    with api.connect(settings.db) as con:
        with pytest.raises(duckdb.Error):
            con.execute("DELETE FROM incidents")
    with pytest.raises(duckdb.Error):
        con.execute("SELECT 1")


def test_missing_database(tmp_path):
    with pytest.raises(StorageError, match="does not exist"):
        api.incidents(db=tmp_path / "none.duckdb")


def test_an_open_raw_reader_neither_blocks_a_run_nor_sees_it_half_done(sample_run, tmp_path):
    """An analyst's plain read-only DuckDB connection stays open across a whole `run`."""
    import shutil
    import subprocess
    import sys

    from pipeline.run import execute, sample_sites

    settings, summary = sample_run
    db = tmp_path / "shared.duckdb"
    shutil.copy(settings.db, db)
    con = duckdb.connect(str(db))  # an older state, so that the run has something to write
    con.execute("DELETE FROM incident_reports")
    con.execute("DELETE FROM incidents")
    con.close()
    reader = duckdb.connect(str(db), read_only=True)
    try:
        runs = reader.execute("SELECT count(*) FROM runs").fetchone()[0]
        assert reader.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0
        with sample_sites(settings) as sites:
            result = execute(settings.with_db(db), "run", sites, allow_loopback=True)
        assert result["status"] == "ok" and result["incidents"] == summary["incidents"]
        # the open reader keeps seeing the database as it was when it connected, whole
        assert reader.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0
        assert reader.execute("SELECT count(*) FROM runs").fetchone()[0] == runs
        assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == summary["articles"]
        # the next connection sees the new data: through pipeline.api in this very process (which DuckDB
        # would otherwise serve from the reader's instance), and with a plain connect in another process
        assert len(api.incidents(db=db)) == summary["incidents"]
        count = "import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True).execute('SELECT count(*) FROM incidents').fetchone()[0])"
        out = subprocess.run([sys.executable, "-c", count, str(db)], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert int(out.stdout) == summary["incidents"]
    finally:
        reader.close()
    with api.connect(db) as fresh:
        assert fresh.execute("SELECT count(*) FROM runs").fetchone()[0] == runs + 1
