"""Storage of incidents: read outage reports from articles, merge, and sync the incident tables."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from .gazetteer import Gazetteer
from .incidents import merge
from .records import Incident, Report
from .store import split_time


def outage_reports(con: duckdb.DuckDBPyConnection) -> list[Report]:
    """Every outage article as a Report for the merge."""
    rows = con.execute("""
        SELECT id, title, published, status, coalesce(start_time, start_date), start_precision,
               coalesce(end_time, end_date), end_precision, systems, system_types, trusts, signals, outage_score
        FROM articles WHERE is_outage ORDER BY id""").fetchall()
    return [
        Report(article_id=r[0], title=r[1] or "", published=r[2], status=r[3], start=r[4], start_precision=r[5],
               end=r[6], end_precision=r[7], systems=tuple(r[8] or ()), system_types=tuple(r[9] or ()),
               trusts=tuple(r[10] or ()), signals=tuple(r[11] or ()), score=r[12] or 0.0)
        for r in rows
    ]


def rebuild_incidents(con: duckdb.DuckDBPyConnection, gaz: Gazetteer, gap_hours: float) -> int:
    """Recompute incidents from every outage article (deterministic) and sync the tables; returns the count."""
    incidents = merge(outage_reports(con), gaz, gap_hours)
    replace_incidents(con, incidents)
    return len(incidents)


def replace_incidents(con: duckdb.DuckDBPyConnection, incidents: Sequence[Incident]) -> None:
    """Make the incident tables equal to `incidents`; rows already equal are left alone."""
    rows = [_incident_row(i) for i in incidents]
    links = sorted({(i.id, a) for i in incidents for a in i.article_ids})
    existing = {r[0]: list(r) for r in con.execute("SELECT * FROM incidents").fetchall()}
    wanted = {r[0]: r for r in rows}
    changed = [r for key, r in wanted.items() if not _same_row(r, existing.get(key))]
    stale = [key for key in existing if key not in wanted]
    old_links = set(con.execute("SELECT incident_id, article_id FROM incident_reports").fetchall())
    con.execute("BEGIN TRANSACTION")
    try:
        for key in stale + [r[0] for r in changed]:
            con.execute("DELETE FROM incidents WHERE id = ?", [key])
        if changed:
            con.executemany("INSERT INTO incidents VALUES (" + ",".join("?" * len(changed[0])) + ")", changed)
        if old_links != set(links):
            con.execute("DELETE FROM incident_reports")
            if links:
                con.executemany("INSERT INTO incident_reports VALUES (?, ?)", links)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _same_row(row: list[Any], stored: list[Any] | None) -> bool:
    return stored is not None and all(_same(n, s) for n, s in zip(row, stored, strict=True))


def _same(new: Any, stored: Any) -> bool:
    if isinstance(new, float) and isinstance(stored, float):
        return abs(new - stored) < 1e-9
    return new == stored


def _incident_row(i: Incident) -> list[Any]:
    st, sd = split_time(i.start)
    et, ed = split_time(i.end)
    return [i.id, i.title, st, sd, i.start_precision, et, ed, i.end_precision, i.duration_minutes, i.status,
            list(i.systems), list(i.system_types), list(i.trusts), list(i.regions), list(i.signals),
            len(i.article_ids), i.first_published, i.confidence]
