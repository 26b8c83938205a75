"""Storage of incidents: read outage reports from articles, merge, and sync the incident tables."""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from .bulk_rows import delete_rows, insert_rows
from .errors import ConfigError
from .gazetteer import GAZETTEER_DIR, Gazetteer
from .incidents import OSLO, conflicts, is_official, merge_groups, status_changes
from .records import Incident, Report
from .store import split_time

IMPACT_TERMS = GAZETTEER_DIR / "impact_terms.csv"
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_NEGATION_WINDOW = 3  # words before a match that may negate it ("ingen timar vart avlyste")

# Columns each table is synced on; the leading `keys` columns are its primary key.
_TABLES: dict[str, tuple[int, tuple[str, ...]]] = {
    "incidents": (1, (
        "id", "title", "start_time", "start_date", "start_precision", "end_time", "end_date", "end_precision",
        "duration_minutes", "status", "systems", "system_types", "trusts", "regions", "signals", "n_reports",
        "first_published", "confidence", "duration_precision", "start_source", "end_source", "duration_source",
        "last_reported", "impacts", "readiness", "planned", "reported_by")),
    "incident_reports": (2, ("incident_id", "article_id", "official", "impacts")),
    "incident_conflicts": (3, ("incident_id", "field", "article_id", "value_time", "value_date", "precision",
                               "official", "published", "chosen", "reason")),
    "incident_status_changes": (2, ("incident_id", "status", "reported_time", "reported_date", "precision",
                                    "article_id")),
}


@dataclass(frozen=True)
class ImpactTerm:
    """One reviewed pattern of data/gazetteer/impact_terms.csv."""

    signal: str  # cancelled_operations, readiness_red, planned, ... or "negation"
    lang: str  # nb | nn | both
    pattern: re.Pattern[str]


@cache
def load_impact_terms(path: Path = IMPACT_TERMS) -> tuple[ImpactTerm, ...]:
    """The impact patterns (case-insensitive regular expressions matched within one sentence)."""
    if not path.exists():
        raise ConfigError(f"impact term file {path} is missing: restore it from git")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    try:
        return tuple(ImpactTerm(r["signal"], r["lang"], re.compile(r["pattern"], re.I)) for r in rows)
    except re.error as exc:
        raise ConfigError(f"impact term file {path} has a bad pattern ({exc}): fix the row") from None


def impact_signals(text: str, lang: str, terms: Sequence[ImpactTerm]) -> tuple[str, ...]:
    """Impact signals of a text; a match preceded closely by a negation in its sentence is ignored."""
    usable = [t for t in terms if t.lang in ("both", lang)]
    negations = [t.pattern for t in usable if t.signal == "negation"]
    found: set[str] = set()
    for sentence in _SENTENCE.split(text):
        for term in usable:
            if term.signal == "negation" or term.signal in found:
                continue
            for match in term.pattern.finditer(sentence):
                before = " ".join(sentence[:match.start()].split()[-_NEGATION_WINDOW:])
                if not any(n.search(before) for n in negations):
                    found.add(term.signal)
                    break
    return tuple(sorted(found))


def _parse_time(value: str | None) -> datetime | date | None:
    if not value:
        return None
    return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)


def _from_contract(facts_json: str | None) -> tuple[datetime | date | None, int | None]:
    """(latest in-text update time, first stated duration in minutes) of an article's facts."""
    times = json.loads(facts_json).get("times", []) if facts_json else []
    updates = [v for t in times if t.get("role") == "update" and (v := _parse_time(t.get("value"))) is not None]
    latest = max(updates, key=lambda v: v if isinstance(v, datetime) else datetime.combine(v, time(), OSLO),
                 default=None)
    durations = [t["duration_minutes"] for t in times if t.get("role") == "duration" and t.get("duration_minutes")]
    return latest, (durations[0] if durations else None)


def _pick(moment: datetime | None, day: date | None) -> datetime | date | None:
    return moment if moment is not None else day


def outage_reports(con: duckdb.DuckDBPyConnection, terms: Sequence[ImpactTerm] | None = None) -> list[Report]:
    """Every outage article as a Report for the merge, with impact signals from its text."""
    terms = load_impact_terms() if terms is None else terms
    cur = con.execute("""
        SELECT id, title, published, updated, status, start_time, start_date, start_precision, end_time, end_date,
               end_precision, systems, system_types, trusts, signals, outage_score, site_id, facts_json, lang, text
        FROM articles WHERE is_outage ORDER BY id""")
    names = [d[0] for d in cur.description]
    reports = []
    for row in cur.fetchall():
        a = dict(zip(names, row, strict=True))
        last_update, stated = _from_contract(a["facts_json"])
        reports.append(Report(
            article_id=a["id"], title=a["title"] or "", published=a["published"], status=a["status"],
            # time and date are read apart: coalescing them in SQL would turn a day into midnight
            start=_pick(a["start_time"], a["start_date"]), start_precision=a["start_precision"],
            end=_pick(a["end_time"], a["end_date"]), end_precision=a["end_precision"],
            systems=tuple(a["systems"] or ()), system_types=tuple(a["system_types"] or ()),
            trusts=tuple(a["trusts"] or ()), signals=tuple(a["signals"] or ()), score=a["outage_score"] or 0.0,
            site_id=a["site_id"], updated=a["updated"], last_update=last_update, stated_duration_minutes=stated,
            impacts=impact_signals(f"{a['title'] or ''}.\n{a['text'] or ''}", a["lang"] or "nb", terms)))
    return reports


def rebuild_incidents(con: duckdb.DuckDBPyConnection, gaz: Gazetteer, gap_hours: float) -> int:
    """Recompute incidents from every outage article (deterministic) and sync the tables; returns the count."""
    merged = merge_groups(outage_reports(con), gaz, gap_hours)
    replace_incidents(con, merged, gaz)
    return len(merged)


def replace_incidents(con: duckdb.DuckDBPyConnection, merged: Sequence[tuple[Incident, Sequence[Report]]],
                      gaz: Gazetteer) -> None:
    """Make the incident tables equal to the merge result; rows already equal are left alone."""
    plans = {table: _plan(con, table, rows) for table, rows in incident_rows(merged, gaz).items()}
    if not any(stale or changed for stale, changed in plans.values()):
        return
    con.execute("BEGIN TRANSACTION")
    try:
        for table, (stale, changed) in plans.items():
            keys, columns = _TABLES[table]
            delete_rows(con, table, columns[:keys], stale + [r[:keys] for r in changed])
            insert_rows(con, table, columns, changed)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def incident_rows(merged: Sequence[tuple[Incident, Sequence[Report]]], gaz: Gazetteer) -> dict[str, list[list[Any]]]:
    """The rows of each incident table for a merge result."""
    wanted: dict[str, list[list[Any]]] = {table: [] for table in _TABLES}
    for incident, group in merged:
        wanted["incidents"].append(_incident_row(incident))
        for r in sorted(group, key=lambda r: r.article_id):
            wanted["incident_reports"].append(
                [incident.id, r.article_id, is_official(r.site_id, incident.trusts, gaz), list(r.impacts)])
        for c in conflicts(group, gaz):
            vt, vd = split_time(c.value)
            wanted["incident_conflicts"].append(
                [incident.id, c.field, c.article_id, vt, vd, c.precision, c.official, c.published, c.chosen, c.reason])
        for s in status_changes(group):
            rt, rd = split_time(s.reported)
            wanted["incident_status_changes"].append([incident.id, s.status, rt, rd, s.precision, s.article_id])
    return wanted


def _plan(con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[list[Any]]) -> tuple[list[list[Any]], list[list[Any]]]:
    """(keys of stored rows no longer wanted, wanted rows that are new or differ from the stored ones)."""
    keys, columns = _TABLES[table]
    stored = {tuple(r[:keys]): list(r) for r in con.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()}
    wanted = {tuple(r[:keys]): r for r in rows}
    changed = [r for key, r in wanted.items() if not _same_row(r, stored.get(key))]
    stale = [list(key) for key in stored if key not in wanted]
    return stale, changed


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
            len(i.article_ids), i.first_published, i.confidence, i.duration_precision, i.start_source, i.end_source,
            i.duration_source, i.last_reported, list(i.impacts), i.readiness, i.planned, list(i.reported_by)]
