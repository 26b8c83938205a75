"""DataFrame helpers for notebooks: read-only, parameterised queries over the analyst views."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from .settings import load_settings

_GROUPS = {"region": "region_id", "trust": "trust_id", "system_type": "system_type"}


@contextmanager
def connect(db: str | Path | None = None) -> Iterator[Any]:
    """A read-only connection to the database (default from settings), closed after use."""
    from .store import connect as store_connect

    with store_connect(db or load_settings().db, read_only=True) as con:
        yield con


def _query(sql: str, params: list[Any], db: str | Path | None) -> pd.DataFrame:
    with connect(db) as con:
        return con.execute(sql, params).df()


def incidents(db: str | Path | None = None, region: str | None = None, trust: str | None = None,
              system_type: str | None = None, since: str | None = None, until: str | None = None) -> pd.DataFrame:
    """One row per incident, newest first, with its source article URLs; filters are query parameters."""
    return _query(
        """
        SELECT i.id, i.title, i.start_time, i.start_date, i.start_precision, i.end_time, i.end_date,
               i.end_precision, i.duration_minutes, i.status, i.systems, i.system_types, i.trusts, i.regions,
               i.n_reports, i.first_published, i.confidence,
               list(a.url ORDER BY a.published, a.url) AS sources
        FROM incidents i
        LEFT JOIN incident_reports r ON r.incident_id = i.id
        LEFT JOIN articles a ON a.id = r.article_id
        WHERE (?::VARCHAR IS NULL OR list_contains(i.regions, ?))
          AND (?::VARCHAR IS NULL OR list_contains(i.trusts, ?))
          AND (?::VARCHAR IS NULL OR list_contains(i.system_types, ?))
          AND (?::DATE IS NULL OR i.start_date >= ?::DATE)
          AND (?::DATE IS NULL OR i.start_date <= ?::DATE)
        GROUP BY ALL
        ORDER BY i.start_date DESC NULLS LAST, i.id
        """,
        [region, region, trust, trust, system_type, system_type, since, since, until, until],
        db,
    )


def outages_per_month(by: str = "region", db: str | Path | None = None) -> pd.DataFrame:
    """Incidents per month (of start, else first report), grouped by region, trust or system_type (long format)."""
    if by not in _GROUPS:
        raise ValueError(f"by must be one of {sorted(_GROUPS)}, not {by!r}")
    column = {"region": "regions", "trust": "trusts", "system_type": "system_types"}[by]
    return _query(
        f"""
        SELECT date_trunc('month', coalesce(start_date, first_published))::DATE AS month, g AS {_GROUPS[by]},
               count(DISTINCT id) AS incidents
        FROM incidents, unnest({column}) AS u(g)
        WHERE coalesce(start_date, first_published) IS NOT NULL
        GROUP BY ALL ORDER BY month, {_GROUPS[by]}
        """,
        [],
        db,
    )


def durations(db: str | Path | None = None) -> pd.DataFrame:
    """Durations of incidents with a known start and end (minutes), with their types and regions."""
    return _query(
        "SELECT id, title, start_time, end_time, duration_minutes, system_types, trusts, regions "
        "FROM incident_durations ORDER BY duration_minutes DESC, id",
        [],
        db,
    )


def duration_stats(db: str | Path | None = None) -> pd.DataFrame:
    """Median, p25/p75/p90, max and count of incident durations (minutes)."""
    return _query(
        """
        SELECT count(*) AS incidents, quantile_cont(duration_minutes, 0.25) AS p25,
               median(duration_minutes) AS median, quantile_cont(duration_minutes, 0.75) AS p75,
               quantile_cont(duration_minutes, 0.9) AS p90, max(duration_minutes) AS max,
               avg(duration_minutes) AS mean
        FROM incident_durations
        """,
        [],
        db,
    )


def trust_system_types(db: str | Path | None = None) -> pd.DataFrame:
    """Incident counts per affected trust (by name) and system type."""
    return _query(
        """
        SELECT coalesce(s.name, t) AS trust, st AS system_type, count(DISTINCT i.id) AS incidents
        FROM incidents i, unnest(i.trusts) AS u(t), unnest(i.system_types) AS v(st)
        LEFT JOIN trusts s ON s.id = t
        GROUP BY ALL ORDER BY trust, system_type
        """,
        [],
        db,
    )
