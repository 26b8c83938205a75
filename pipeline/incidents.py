"""Stage: outage reports → incidents, by a deterministic, order-independent merge rule.

Two reports describe the same incident when
  1. their systems overlap (a shared product, or a shared system type, or one names none),
  2. their affected trusts overlap (a shared trust, a regional trust and one of its
     hospital trusts, or one names none; when both name the same product, trusts of
     the same region are enough, since a region's trusts share one installation), and
  3. their time windows overlap or lie within `gap_hours` of each other (a window runs
     from start, else publication, to end, else the latest of start, publication and
     in-text update: a follow-up extends the incident it updates).
Merging is transitive (connected components), so the result does not depend on order; a vague
report (no system or no trust named) joins only the incident closest in time, never bridging two.
Where reports disagree, the value chosen is the most precise, then the one from an official
source (the site of an affected trust, its regional authority or regional IT provider), then
the earliest report for a start and the latest report for an end; `conflicts` says why.
"""
from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .gazetteer import Gazetteer
from .records import Incident, Report

OSLO = ZoneInfo("Europe/Oslo")
PRECISIONS = ("minute", "approximate", "part-of-day", "day")  # most precise first
READINESS = {"readiness_green": "grønn", "readiness_yellow": "gul", "readiness_red": "rød"}  # ascending
IMPACTS = ("cancelled_appointments", "postponed_appointments", "cancelled_operations", "postponed_operations",
           "paper_fallback")


@dataclass(frozen=True)
class Conflict:
    """One report's value of a field on which the reports of an incident disagree."""

    field: str  # "start" | "end"
    article_id: str
    value: datetime | date
    precision: str
    official: bool
    published: date | None
    chosen: bool
    reason: str  # why this value was chosen, or why it lost to the chosen one


@dataclass(frozen=True)
class StatusChange:
    """The first report of an incident in a status (ongoing, then resolved)."""

    status: str
    reported: datetime | date  # in-text update time, else publication date
    precision: str  # "minute" for an in-text update time, "day" for a publication date
    article_id: str


def _as_dt(value: datetime | date | None, end: bool = False) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(23, 59) if end else time(0, 0), OSLO)


def _rank(precision: str | None) -> int:
    return PRECISIONS.index(precision) if precision in PRECISIONS else len(PRECISIONS)


def window(report: Report) -> tuple[datetime, datetime] | None:
    """The report's time window, or None when it carries no time and no publication date."""
    start = _as_dt(report.start) or _as_dt(report.published)
    if start is None:
        return None
    end = _as_dt(report.end, end=True)
    if end is None:
        end = max(_as_dt(v, end=True) for v in (report.start, report.published, report.last_update) if v is not None)
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
    return [incident for incident, _ in merge_groups(reports, gaz, gap_hours)]


def merge_groups(reports: Iterable[Report], gaz: Gazetteer, gap_hours: float = 36) -> list[tuple[Incident, list[Report]]]:
    """Like `merge`, with the reports of each incident (sorted by article id).

    Reports naming both a system and a trust are merged first (connected components). A vague
    report, naming no system or no trust, then joins the one component it matches closest in time,
    so that it never bridges two incidents; vague reports matching none are merged among themselves.
    """
    items = sorted(reports, key=lambda r: r.article_id)
    specific = [r for r in items if _is_specific(r)]
    components = _components(specific, gaz, gap_hours)
    rest = []
    gap = timedelta(hours=gap_hours)
    spans = [_span(c) for c in components]
    for report in (r for r in items if not _is_specific(r)):
        w = window(report)
        near = [c for c, span in zip(components, spans, strict=True)
                if w is not None and span is not None and span[0] <= w[1] + gap and w[0] <= span[1] + gap]
        matches = [c for c in near if any(same_incident(report, r, gaz, gap_hours) for r in c)]
        if matches:
            min(matches, key=lambda c: (_distance(report, c), c[0].article_id)).append(report)
        else:
            rest.append(report)
    groups = [sorted(c, key=lambda r: r.article_id) for c in components + _components(rest, gaz, gap_hours)]
    pairs = [(_incident(group, gaz), group) for group in groups]
    return sorted(pairs, key=lambda p: (_as_dt(p[0].start) or datetime.max.replace(tzinfo=OSLO), p[0].id))


def _is_specific(report: Report) -> bool:
    return bool(report.systems or report.system_types) and bool(report.trusts)


def _components(items: Sequence[Report], gaz: Gazetteer, gap_hours: float) -> list[list[Report]]:
    """Connected components of the merge rule over reports sorted by article id."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Only reports whose windows come within the gap can match: sweep them in order of window start.
    gap = timedelta(hours=gap_hours)
    timed = sorted((w, i) for i, w in ((i, window(r)) for i, r in enumerate(items)) if w is not None)
    for k, ((_, end_i), i) in enumerate(timed):
        for (start_j, _), j in timed[k + 1:]:
            if start_j > end_i + gap:
                break
            if find(i) != find(j) and same_incident(items[i], items[j], gaz, gap_hours):
                parent[max(find(i), find(j))] = min(find(i), find(j))
    groups: dict[int, list[Report]] = {}
    for i, report in enumerate(items):
        groups.setdefault(find(i), []).append(report)
    return list(groups.values())


def _span(component: Sequence[Report]) -> tuple[datetime, datetime] | None:
    windows = [w for w in (window(r) for r in component) if w is not None]
    return (min(w[0] for w in windows), max(w[1] for w in windows)) if windows else None


def _distance(report: Report, component: Sequence[Report]) -> float:
    """Hours between the report's window and the nearest window of the component (0 when they overlap)."""
    w = window(report)
    gaps = [max((o[0] - w[1]).total_seconds(), (w[0] - o[1]).total_seconds(), 0.0) / 3600
            for o in (window(r) for r in component) if o is not None and w is not None]
    return min(gaps, default=math.inf)


def is_official(site_id: str | None, trusts: Iterable[str], gaz: Gazetteer) -> bool:
    """True when the site belongs to an affected trust, or to the regional authority or IT provider of one."""
    trusts = set(trusts)
    if site_id is None:
        return False
    if site_id in trusts:
        return True
    site = gaz.trusts.get(site_id)
    if site is None or not (site.kind == "RHF" or site.is_it_provider):
        return False
    return site.region_id != "" and site.region_id in {gaz.region_of(t) for t in trusts}


_Candidate = tuple[Report, datetime | date, str]  # (report, value, precision)


def _candidates(field: str, group: Sequence[Report], official: set[str],
                after: datetime | date | None = None) -> list[_Candidate]:
    """(report, value, precision) of every report giving the field, best first."""
    out = []
    for r in group:
        value, precision = (r.start, r.start_precision) if field == "start" else (r.end, r.end_precision)
        if value is None or (after is not None and _as_dt(value, end=True) < _as_dt(after)):
            continue
        out.append((r, value, precision or "day"))

    def key(c: _Candidate) -> tuple:
        r, value, precision = c
        day = (r.published or date.max).toordinal()
        moment = _as_dt(value, end=field == "end").timestamp()
        if field == "start":  # earliest report, then earliest value
            return _rank(precision), r.article_id not in official, day, moment, r.article_id
        return _rank(precision), r.article_id not in official, -day, -moment, r.article_id  # latest report

    return sorted(out, key=key)


def _compatible(a: _Candidate, b: _Candidate) -> bool:
    """Same moment (within the hour when one is approximate), or a day that contains the other value."""
    (_, va, pa), (_, vb, pb) = a, b
    if isinstance(va, datetime) and isinstance(vb, datetime):
        slack = timedelta(hours=1) if "approximate" in (pa, pb) else timedelta(0)
        return abs(va - vb) <= slack
    day = lambda v: v.astimezone(OSLO).date() if isinstance(v, datetime) else v  # noqa: E731
    return day(va) == day(vb)


def _decider(field: str, winner: _Candidate, loser: _Candidate, official: set[str]) -> tuple[str, str]:
    """(why the winner won, why the loser lost): the first criterion of the ranking that separates them."""
    (wr, _, wp), (lr, _, lp) = winner, loser
    if _rank(wp) != _rank(lp):
        return f"most precise ({wp})", f"less precise ({lp})"
    if (wr.article_id in official) != (lr.article_id in official):
        return "official source", "not an official source"
    if wr.published != lr.published:
        return ("earliest report", "reported later") if field == "start" else ("latest report", "reported earlier")
    return ("earliest value", "later value") if field == "start" else ("latest value", "earlier value")


def conflicts(group: Sequence[Report], gaz: Gazetteer) -> list[Conflict]:
    """Every report's start and end where the reports disagree, with the chosen value and why."""
    trusts = {t for r in group for t in r.trusts}
    official = {r.article_id for r in group if is_official(r.site_id, trusts, gaz)}
    out: list[Conflict] = []
    starts = _candidates("start", group, official)
    chosen_start = starts[0][1] if starts else None
    ends = _candidates("end", group, official, chosen_start)
    too_early = [c for c in _candidates("end", group, official) if c not in ends]  # ends before the chosen start
    for field, ranked, dropped in (("start", starts, []), ("end", ends, too_early)):
        best = ranked[0] if ranked else None
        if not dropped and (best is None or all(_compatible(c, best) for c in ranked)):
            continue
        why = {c[0].article_id: _decider(field, best, c, official) for c in ranked[1:]}
        won = "; ".join(sorted({why[c[0].article_id][0] for c in ranked[1:] if not _compatible(c, best)})
                        + (["later than the chosen start"] if dropped else []))
        for c in ranked + dropped:
            r, value, precision = c
            chosen = best is not None and r.article_id == best[0].article_id
            reason = (won if chosen else "before the chosen start" if c in dropped
                      else "agrees with the chosen value" if _compatible(c, best) else why[r.article_id][1])
            out.append(Conflict(field, r.article_id, value, precision, r.article_id in official, r.published,
                                chosen=chosen, reason=reason))
    return out


def _resolved(r: Report) -> bool:
    return r.status == "resolved" or r.end is not None


def status_changes(group: Sequence[Report]) -> list[StatusChange]:
    """When the incident was first reported ongoing and first reported resolved.

    A report is resolved at its latest in-text update ("Oppdatert ... kl. 13.00"), else at publication;
    a resolved report with such an update was ongoing when it was first published.
    """
    ongoing, resolved = [], []
    for r in group:
        if r.published is not None and (r.status == "ongoing" or (_resolved(r) and r.last_update is not None)):
            ongoing.append(StatusChange("ongoing", r.published, "day", r.article_id))
        if _resolved(r) and (r.last_update or r.published) is not None:
            at = r.last_update or r.published
            resolved.append(StatusChange("resolved", at, "minute" if isinstance(at, datetime) else "day", r.article_id))

    def key(c: StatusChange) -> tuple:  # by day; within a day a clock time before a bare date
        day = c.reported.astimezone(OSLO).date() if isinstance(c.reported, datetime) else c.reported
        return day, c.precision != "minute", _as_dt(c.reported), c.article_id

    first_resolved = min(resolved, key=key) if resolved else None
    first_ongoing = min(ongoing, key=key) if ongoing else None
    if first_ongoing and first_resolved and key(first_ongoing)[0] > key(first_resolved)[0]:
        first_ongoing = None  # "ongoing" after the resolution is a retrospective, not a relapse
    return [c for c in (first_ongoing, first_resolved) if c is not None]


def confidence(group: Sequence[Report]) -> float:
    """Noisy-OR of the best outage score per reporting site: independent sources add up."""
    best: dict[str, float] = {}
    for r in group:
        key = r.site_id or r.article_id
        best[key] = max(best.get(key, 0.0), min(max(r.score, 0.0), 1.0))
    return round(1 - math.prod(1 - s for s in best.values()), 3)


def _incident(group: list[Report], gaz: Gazetteer) -> Incident:
    first = min(group, key=lambda r: (r.published or date.max, r.article_id))
    trusts = sorted({t for r in group for t in r.trusts})
    official = {r.article_id for r in group if is_official(r.site_id, trusts, gaz)}
    starts = _candidates("start", group, official)
    start_r, start, start_p = starts[0] if starts else (None, None, "unknown")
    ends = _candidates("end", group, official, start)
    end_r, end, end_p = ends[0] if ends else (None, None, "unknown")
    stated = [r for r in group if r.stated_duration_minutes is not None]
    stated_r = min(stated, key=lambda r: (r.article_id not in official, r.published or date.max, r.article_id),
                   default=None)
    status = "resolved" if end is not None or any(_resolved(r) for r in group) else (
        "ongoing" if any(r.status == "ongoing" for r in group) else "unknown")
    impacts = {s for r in group for s in r.impacts}
    levels = list(READINESS)
    readiness = max((s for s in impacts if s in READINESS), key=levels.index, default=None)
    reported = [d.date() if isinstance(d, datetime) else d for r in group
                for d in (r.published, r.updated, r.last_update) if d is not None]
    return Incident(
        id=hashlib.sha1(f"incident|{first.article_id}".encode()).hexdigest()[:16],
        start=start, end=end, start_precision=start_p, end_precision=end_p, status=status,
        systems=tuple(sorted({s for r in group for s in r.systems})),
        system_types=tuple(sorted({s for r in group for s in r.system_types})),
        trusts=tuple(trusts),
        regions=tuple(sorted({gaz.region_of(t) for t in trusts} - {""})),
        article_ids=tuple(sorted(r.article_id for r in group)),
        confidence=confidence(group),
        first_published=first.published,
        title=first.title,
        signals=tuple(sorted({s for r in group for s in r.signals})),
        start_source=start_r.article_id if start_r else None,
        end_source=end_r.article_id if end_r else None,
        stated_duration_minutes=stated_r.stated_duration_minutes if stated_r else None,
        duration_source=stated_r.article_id if stated_r and not (
            isinstance(start, datetime) and isinstance(end, datetime)) else None,
        last_reported=max(reported, default=None),
        impacts=tuple(s for s in IMPACTS if s in impacts),
        readiness=READINESS[readiness] if readiness else None,
        planned="planned" in impacts and "unplanned" not in impacts,
        reported_by=tuple(sorted({r.site_id for r in group if r.site_id})),
    )
