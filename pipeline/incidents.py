"""Stage: outage reports → incidents, by a deterministic, order-independent merge rule.

Two reports describe the same incident when
  1. their systems overlap (a shared product, or a shared system type, or one names none),
  2. their affected trusts overlap (a shared trust, a regional trust and one of its
     hospital trusts, or one names none; when both name the same product, trusts of
     the same region are enough, since a region's trusts share one installation), and
  3. their time windows overlap or lie within `gap_hours` of each other
     (a window runs from start, else publication, to end, else start/publication).
Merging is transitive (connected components), so the result does not depend on order.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .gazetteer import Gazetteer
from .records import Incident, Report

OSLO = ZoneInfo("Europe/Oslo")
_PRECISION_RANK = {"minute": 0, "approximate": 1, "part-of-day": 2, "day": 3, None: 9}


def _as_dt(value: datetime | date | None, end: bool = False) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(23, 59) if end else time(0, 0), OSLO)


def window(report: Report) -> tuple[datetime, datetime] | None:
    """The report's time window, or None when it carries no time and no publication date."""
    start = _as_dt(report.start) or _as_dt(report.published)
    if start is None:
        return None
    end = _as_dt(report.end, end=True) or _as_dt(report.start, end=True) or _as_dt(report.published, end=True)
    return start, max(start, end)


def _overlap(a: Sequence[str], b: Sequence[str]) -> bool:
    return not a or not b or bool(set(a) & set(b))


def _trusts_overlap(a: Report, b: Report, gaz: Gazetteer) -> bool:
    if _overlap(a.trusts, b.trusts):
        return True
    regions_a = {gaz.region_of(t) for t in a.trusts} - {""}
    regions_b = {gaz.region_of(t) for t in b.trusts} - {""}
    if set(a.systems) & set(b.systems) and regions_a & regions_b:
        return True
    rhf_a = {t for t in a.trusts if gaz.trusts.get(t) and gaz.trusts[t].kind == "RHF"}
    rhf_b = {t for t in b.trusts if gaz.trusts.get(t) and gaz.trusts[t].kind == "RHF"}
    return bool(rhf_a & regions_b or rhf_b & regions_a)


def same_incident(a: Report, b: Report, gaz: Gazetteer, gap_hours: float) -> bool:
    """The merge rule for one pair of reports."""
    shared = set(a.systems) & set(b.systems) or set(a.system_types) & set(b.system_types)
    unknown = not (a.systems or a.system_types) or not (b.systems or b.system_types)
    if not (shared or unknown):
        return False
    if not _trusts_overlap(a, b, gaz):
        return False
    wa, wb = window(a), window(b)
    if wa is None or wb is None:
        return False
    gap = timedelta(hours=gap_hours)
    return wa[0] <= wb[1] + gap and wb[0] <= wa[1] + gap


def merge(reports: Iterable[Report], gaz: Gazetteer, gap_hours: float = 36) -> list[Incident]:
    """Group reports into incidents (connected components of the merge rule)."""
    items = sorted(reports, key=lambda r: r.article_id)
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if find(i) != find(j) and same_incident(items[i], items[j], gaz, gap_hours):
                parent[max(find(i), find(j))] = min(find(i), find(j))
    groups: dict[int, list[Report]] = {}
    for i, report in enumerate(items):
        groups.setdefault(find(i), []).append(report)
    incidents = [_incident(group, gaz) for group in groups.values()]
    return sorted(incidents, key=lambda i: (_as_dt(i.start) or datetime.max.replace(tzinfo=OSLO), i.id))


def _best(values: list[tuple[datetime | date, str | None]], latest: bool) -> tuple[datetime | date | None, str | None]:
    if not values:
        return None, None
    rank = min(_PRECISION_RANK.get(p, 9) for _, p in values)
    best = [(v, p) for v, p in values if _PRECISION_RANK.get(p, 9) == rank]
    pick = max if latest else min
    return pick(best, key=lambda vp: _as_dt(vp[0], end=latest))


def _incident(group: list[Report], gaz: Gazetteer) -> Incident:
    first = min(group, key=lambda r: (r.published or date.max, r.article_id))
    start, start_p = _best([(r.start, r.start_precision) for r in group if r.start is not None], latest=False)
    end, end_p = _best([(r.end, r.end_precision) for r in group if r.end is not None], latest=True)
    if end is not None and start is not None and _as_dt(end, True) < _as_dt(start):
        end, end_p = None, None
    trusts = sorted({t for r in group for t in r.trusts})
    status = "resolved" if end is not None or any(r.status == "resolved" for r in group) else (
        "ongoing" if any(r.status == "ongoing" for r in group) else "unknown")
    return Incident(
        id=hashlib.sha1(f"incident|{first.article_id}".encode()).hexdigest()[:16],
        start=start, end=end, start_precision=start_p, end_precision=end_p, status=status,
        systems=tuple(sorted({s for r in group for s in r.systems})),
        system_types=tuple(sorted({s for r in group for s in r.system_types})),
        trusts=tuple(trusts),
        regions=tuple(sorted({gaz.region_of(t) for t in trusts} - {""})),
        article_ids=tuple(sorted(r.article_id for r in group)),
        confidence=round(max(r.score for r in group), 3),
        first_published=first.published,
        title=first.title,
        signals=tuple(sorted({s for r in group for s in r.signals})),
    )
