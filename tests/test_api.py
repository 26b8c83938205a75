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
