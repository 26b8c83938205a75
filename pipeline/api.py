"""DataFrame helpers for notebooks: read-only, parameterised queries over the analyst views.

Every function takes the same keyword filters: `region`, `trust`, `system`, `system_type` (ids),
`since`/`until` (ISO dates, inclusive, on the day an incident started, else was first reported)
and `planned` (True/False). They are passed as query parameters to the table macros behind the
views of schema.sql (`incident_counts` is `incident_counts_where()` with no filters, and so on),
so notebooks, exports and this module count the same way. Nothing is ever formatted into SQL.
Grouping `by` a dimension that a filter fixes (by="trust", trust="unn") keeps that value only.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypedDict, Unpack

import pandas as pd

from .settings import load_settings

PERIODS = ("month", "quarter", "year")
DIMENSIONS = ("region", "trust", "system", "system_type")
_LEGACY_COLUMNS = {"region": "region_id", "trust": "trust_id", "system_type": "system_type"}
_MACRO_ARGS = "region := ?, trust := ?, system := ?, system_type := ?, since := ?, until := ?, is_planned := ?"


class Filters(TypedDict, total=False):
    region: str | None
    trust: str | None
    system: str | None
    system_type: str | None
    since: str | None
    until: str | None
    planned: bool | None


@contextmanager
def connect(db: str | Path | None = None) -> Iterator[Any]:
    """A read-only connection to the database (default from settings), closed after use.

    It always sees the latest published file, even while an older connection is held open.
    """
    from .store import connect as store_connect

    with store_connect(db or load_settings().db, read_only=True) as con:
        yield con


def _query(sql: str, params: list[Any], db: str | Path | None) -> pd.DataFrame:
    with connect(db) as con:
        return con.execute(sql, params).df()


def _params(filters: Filters) -> list[Any]:
    """The macro arguments, in _MACRO_ARGS order."""
    unknown = set(filters) - set(Filters.__annotations__)
    if unknown:
        raise TypeError(f"unknown filter(s) {sorted(unknown)}: use {sorted(Filters.__annotations__)}")
    f = filters
    return [f.get("region"), f.get("trust"), f.get("system"), f.get("system_type"),
            str(f["since"]) if f.get("since") else None, str(f["until"]) if f.get("until") else None,
            f.get("planned")]


def _check(name: str, value: str | None, allowed: tuple[str, ...], optional: bool = False) -> None:
    if value is None and optional:
        return
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}{' or None' if optional else ''}, not {value!r}")


# Names for the value column of a dimension: trusts and regions by their Norwegian names.
_NAMED = "coalesce(t.name, x.value) AS name"
_NAME_JOIN = "LEFT JOIN trusts t ON t.id = x.value AND x.dimension IN ('trust', 'region')"


def incidents(db: str | Path | None = None, region: str | None = None, trust: str | None = None,
              system_type: str | None = None, since: str | None = None, until: str | None = None,
              **filters: Unpack[Filters]) -> pd.DataFrame:
    """One row per incident, newest first, with its source article URLs."""
    params = _params({"region": region, "trust": trust, "system_type": system_type, "since": since, "until": until,
                      **filters})
    return _query(
        f"""
        SELECT i.id, i.title, i.event_date, i.start_time, i.start_date, i.start_precision, i.start_source,
               i.end_time, i.end_date, i.end_precision, i.end_source, i.duration_minutes, i.duration_precision,
               i.duration_source, i.status, i.systems, i.system_types, i.trusts, i.regions, i.impacts, i.readiness,
               i.planned, i.n_reports, i.reported_by, i.first_published, i.last_reported, i.confidence,
               list(a.url ORDER BY a.published, a.url) AS sources
        FROM incidents_where({_MACRO_ARGS}) i
        LEFT JOIN incident_reports r ON r.incident_id = i.id
        LEFT JOIN articles a ON a.id = r.article_id
        GROUP BY ALL
        ORDER BY i.event_date DESC NULLS LAST, i.id
        """,
        params, db)


def incident_counts(period: str = "month", by: str | None = None, db: str | Path | None = None,
                    **filters: Unpack[Filters]) -> pd.DataFrame:
    """Incidents per month/quarter/year (view `incident_counts`), optionally per region/trust/system/system_type."""
    _check("period", period, PERIODS)
    _check("by", by, DIMENSIONS, optional=True)
    frame = _query(
        f"""
        SELECT x.period, x.value, {_NAMED}, x.incidents
        FROM incident_counts_where({_MACRO_ARGS}) x {_NAME_JOIN}
        WHERE x.grain = ? AND x.dimension = ? AND (?::VARCHAR IS NULL OR x.value = ?)
        ORDER BY x.period, x.value
        """,
        _params(filters) + [period, by or "all", *_own_value(by, filters)], db)
    return _named(frame, by)


def outages_per_month(by: str = "region", db: str | Path | None = None, **filters: Unpack[Filters]) -> pd.DataFrame:
    """Incidents per month, grouped by region, trust or system_type (long format, named values only)."""
    _check("by", by, tuple(_LEGACY_COLUMNS))
    frame = incident_counts("month", by, db, **filters)
    frame = frame[frame[by] != "unknown"].reset_index(drop=True)
    return frame.rename(columns={"period": "month", by: _LEGACY_COLUMNS[by]})[["month", _LEGACY_COLUMNS[by], "incidents"]]


def durations(db: str | Path | None = None, **filters: Unpack[Filters]) -> pd.DataFrame:
    """Incidents with a known duration (view `incident_durations`), longest first."""
    return _query(f"SELECT * FROM incident_durations_where({_MACRO_ARGS}) ORDER BY duration_minutes DESC, id",
                  _params(filters), db)


def duration_stats(db: str | Path | None = None, by: str | None = None, **filters: Unpack[Filters]) -> pd.DataFrame:
    """Count, p25, median, p75, p90, max and mean of durations in minutes (view `duration_stats`)."""
    _check("by", by, DIMENSIONS, optional=True)
    frame = _query(
        f"""
        SELECT x.value, {_NAMED}, x.incidents, x.p25, x.median, x.p75, x.p90, x.max, x.mean
        FROM duration_stats_where({_MACRO_ARGS}) x {_NAME_JOIN}
        WHERE x.dimension = ? AND (?::VARCHAR IS NULL OR x.value = ?)
        ORDER BY x.incidents DESC, x.value
        """,
        _params(filters) + [by or "all", *_own_value(by, filters)], db)
    if by is None and frame.empty:  # one row, as for any aggregate over no rows
        frame = pd.DataFrame([{"value": "all", "name": "all", "incidents": 0}], columns=frame.columns)
    return _named(frame, by)


def time_between_incidents(by: str = "trust", db: str | Path | None = None,
                           **filters: Unpack[Filters]) -> pd.DataFrame:
    """For each incident, the days since the previous one of the same trust, system, ... (view `incident_intervals`)."""
    _check("by", by, DIMENSIONS)
    frame = _query(
        f"""
        SELECT x.value, {_NAMED}, x.incident_id, i.title, x.event_time, x.previous_incident_id,
               x.previous_event_time, x.days_since_previous
        FROM incident_intervals_where({_MACRO_ARGS}) x {_NAME_JOIN}
        JOIN incidents i ON i.id = x.incident_id
        WHERE x.dimension = ? AND (?::VARCHAR IS NULL OR x.value = ?)
        ORDER BY x.value, x.event_time, x.incident_id
        """,
        _params(filters) + [by, *_own_value(by, filters)], db)
    return _named(frame, by)


def concurrent_incidents(db: str | Path | None = None, **filters: Unpack[Filters]) -> pd.DataFrame:
    """Pairs of incidents whose time windows overlap (view `concurrent_incidents`)."""
    return _query(f"SELECT * FROM concurrent_incidents_where({_MACRO_ARGS}) ORDER BY overlap_start, incident_id",
                  _params(filters), db)


def trust_system_types(db: str | Path | None = None, **filters: Unpack[Filters]) -> pd.DataFrame:
    """Incident counts per affected trust (by name) and system type."""
    return _query(
        f"""
        SELECT coalesce(s.name, t) AS trust, st AS system_type, count(DISTINCT i.id) AS incidents
        FROM incidents_where({_MACRO_ARGS}) i, unnest(i.trusts) AS u(t), unnest(i.system_types) AS v(st)
        LEFT JOIN trusts s ON s.id = t
        GROUP BY ALL ORDER BY trust, system_type
        """,
        _params(filters), db)


def coverage(db: str | Path | None = None, region: str | None = None) -> pd.DataFrame:
    """Per trust: was its news site crawled, over which publication period, how many articles (view `coverage`)."""
    return _query(
        "SELECT * FROM coverage WHERE (?::VARCHAR IS NULL OR region_id = ?) ORDER BY region_id NULLS LAST, trust_id",
        [region, region], db)


def reports(db: str | Path | None = None, **filters: Unpack[Filters]) -> pd.DataFrame:
    """The articles reporting each incident, with site, URL, publication date and whether the source is official."""
    return _query(
        f"""
        SELECT r.incident_id, r.article_id, a.site_id, coalesce(t.name, a.site_id) AS site_name, a.title, a.url,
               a.published, a.updated, a.status, r.official, r.impacts
        FROM incidents_where({_MACRO_ARGS}) i
        JOIN incident_reports r ON r.incident_id = i.id
        JOIN articles a ON a.id = r.article_id
        LEFT JOIN trusts t ON t.id = a.site_id
        ORDER BY r.incident_id, a.published, r.article_id
        """,
        _params(filters), db)


def conflicts(db: str | Path | None = None, **filters: Unpack[Filters]) -> pd.DataFrame:
    """Start/end values on which an incident's reports disagree, the chosen one and why (`incident_conflicts`)."""
    return _query(
        f"""
        SELECT c.*, a.url
        FROM incidents_where({_MACRO_ARGS}) i
        JOIN incident_conflicts c ON c.incident_id = i.id
        JOIN articles a ON a.id = c.article_id
        ORDER BY c.incident_id, c.field, c.chosen DESC, c.article_id
        """,
        _params(filters), db)


def status_changes(db: str | Path | None = None, **filters: Unpack[Filters]) -> pd.DataFrame:
    """When each incident was first reported ongoing and first reported resolved (`incident_status_changes`)."""
    return _query(
        f"""
        SELECT s.*
        FROM incidents_where({_MACRO_ARGS}) i
        JOIN incident_status_changes s ON s.incident_id = i.id
        ORDER BY s.incident_id, s.status  -- ongoing before resolved
        """,
        _params(filters), db)


def contacts(db: str | Path | None = None, **filters: Unpack[Filters]) -> pd.DataFrame:
    """Press contacts named in the reports of the matching incidents, most often seen first."""
    return _query(
        f"""
        SELECT c.name, c.role, c.org, c.email, c.phone, count(DISTINCT c.article_id) AS articles,
               count(DISTINCT r.incident_id) AS incidents, min(a.published) AS first_seen, max(a.published) AS last_seen
        FROM incidents_where({_MACRO_ARGS}) i
        JOIN incident_reports r ON r.incident_id = i.id
        JOIN contacts c ON c.article_id = r.article_id
        JOIN articles a ON a.id = c.article_id
        WHERE c.name IS NOT NULL
        GROUP BY ALL ORDER BY articles DESC, last_seen DESC, c.name
        """,
        _params(filters), db)


def trusts(db: str | Path | None = None) -> pd.DataFrame:
    """Trust ids with their Norwegian names, kind and region (for labels)."""
    return _query(
        """
        SELECT t.id, t.name, t.kind, t.region_id, r.name AS region_name
        FROM trusts t LEFT JOIN trusts r ON r.id = t.region_id ORDER BY t.region_id NULLS LAST, t.id
        """,
        [], db)


def _own_value(by: str | None, filters: Filters) -> list[Any]:
    """Grouping by the dimension a filter fixes keeps that value only (not the other trusts of its incidents)."""
    value = filters.get(by) if by else None  # type: ignore[misc]
    return [value, value]


def _named(frame: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Name the value column after the dimension (`trust`, `region`, ...), or drop it for totals."""
    if by is None:
        return frame.drop(columns=["value", "name"])
    return frame.rename(columns={"value": by})
