"""Time expressions in Norwegian outage news: `find_times` (mentions with roles) and `incident_window`.

Conventions (each pinned by a test in tests/test_temporal.py):
- Values are Europe/Oslo: an aware datetime for a clock time, a `date` when only the day or
  part of day is known. Approximate times ("i 11-tiden", "rundt klokken 08.00") carry the value
  of that clock time with precision "approximate".
- A clock time without its own date takes the date of its sentence, else of the latest earlier
  date in the text (within 60 days of publication, not from planned/future sentences), else the
  publication date; without any of these its value is None.
- Weekdays resolve to the latest such day on or before the publication date (forwards only in
  planned/future sentences or after "neste"); dates without year to the year that puts them
  closest before the publication (a few days after is accepted: updates, announcements). An
  explicit date beats a contradicting weekday; the conflict lowers the confidence (x 0.7).
- "natt til fredag" is the night that ends on Friday morning: its date is Friday, and a clock
  time from 12:00 in it falls on Thursday. "fredag natt" is the night after Friday (a clock time
  before 12:00 falls on Saturday). "i natt" is the night ending on the publication day.
- Update stamps come after the publication: a weekday in a stamp resolves forwards and "i dag"
  in a stamp sentence is the stamp's day. A stamp is the end only when it announces the fix and
  the text states no end time of its own.
- Relative ends ("tre kvarter senere") count from the preceding start/end/update time; a range
  ("fem-seks minutt") counts its lower bound. Following the team's gold convention, an end that
  cannot be computed ("etter kort tid", "nokre timar", a duration after a day-only start) gives
  `incident_window` the day of the start (precision "day"), never a clock time.
- Wall-clock times in the spring-forward gap or the autumn fold keep the written time with
  fold=0 (never an error); offsets and durations are computed through UTC.
- Both written standards are always recognised (quotes and agency copy mix them); `lang` is
  accepted for the extract contract.
"""
from __future__ import annotations

import re

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from pipeline.records import TimeMention

from .temporal_lexicon import MONTHS, POD_HOURS
from .temporal_resolve import (
    CONTEXT_MAX_DAYS, OSLO, Draft, SentenceInfo, add_minutes, build_drafts, day_of, resolve_day,
)
from .temporal_roles import (
    Cue, Stamp, announces_failure, announces_fix, assign_roles, find_cues, find_stamps, future_sentence,
    isolated_sentence,
)
from .temporal_scan import Atoms, scan_sentence, split_sentences

__all__ = ["OSLO", "find_times", "incident_window"]

# How much a day taken from elsewhere weakens a mention's confidence.
_SOURCE_FACTOR = {"explicit": 1.0, "sentence": 0.95, "context": 0.85, "publication": 0.8, "": 1.0}
CONFLICT_FACTOR = 0.7
# A minute-precise time this close to the earliest start (latest end) is preferred to it.
SAME_EVENT = timedelta(minutes=60)


def find_times(text: str, published: date | None, lang: str = "nb") -> list[TimeMention]:
    """Time mentions of a text with values in Europe/Oslo (relative to `published`) and roles."""
    if isinstance(published, datetime):
        published = published.date()
    sents = split_sentences(text)
    atoms = [scan_sentence(text, s, e) for s, e in sents]
    cues = [find_cues(text, s, e) for s, e in sents]
    stamps = find_stamps(text, sents)
    ref = published or _publication_day(atoms, stamps)
    far = [[] if i in stamps else other_years(text, s, e, ref) for i, (s, e) in enumerate(sents)]
    # a sentence wholly placed in another year: its weekdays and parts of day get no day at all
    whole = [bool(f) and not _CLAUSE_BREAK.search(text, s, e) for f, (s, e) in zip(far, sents)]
    past = [bool(_PAST_TENSE.search(text, s, e)) and not _FUTURE_TENSE.search(text, s, e) for s, e in sents]
    # "Natt til søndag var systemet stengt for planlagt vedlikehald": a planned stop in the past tense is
    # this week's, and its day anchors what follows
    updated = _update_paragraphs(text, sents, stamps)
    infos = [SentenceInfo(future_sentence(c) and not p, (isolated_sentence(c) and not (p and future_sentence(c)))
                          or bool(f), i in stamps, w, i in stamps and stamps[i].kind == "update", i in updated)
             for i, (c, f, w, p) in enumerate(zip(cues, far, whole, past))]
    drafts = build_drafts(text, sents, atoms, ref, infos)
    of_stamp = assign_roles(text, sents, drafts, cues, stamps)
    for d in drafts:  # "I januar 2019 var Dips nede en hel fredag ettermiddag": not this incident's Friday
        if d.kind in ("clock", "date") and any(_same_clause(text, p, d) for p in far[d.sent]) and (
                d.value is None or d.source in ("context", "publication") or not whole[d.sent]):
            d.value, d.role = None, "other"
    drafts = _soon_after(drafts, text, sents, cues)
    _weak_earlier_starts(drafts)
    background = _earlier_event_sentences(drafts, text, sents, whole)
    for d in drafts:
        if d.sent in background:
            d.value, d.role = None, "other"
    _relative_values(drafts, text, sents)
    _roll_over_midnight(drafts)
    _promote_fix_stamp(drafts, of_stamp)
    _promote_onset_stamp(drafts, of_stamp)
    _elapsed_start(drafts, text, sents)
    _join_part_of_day(drafts)
    return [_freeze(d, text, sents[d.sent]) for d in drafts]


# A year without a day ("i 2019", "januar 2019", "høsten 2023"); a day and month before it make it a date.
_YEAR_ONLY = re.compile(
    r"\b(?P<month>i|år|året|fra|frå|til|siden|sidan|mellom|og|innen|innan|[a-zæøå]+sten|[a-zæøå]+ren|sommeren|sommaren|"
    r"vinteren|januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember)\s+"
    r"(?P<year>(?:19|20)\d{2})(?![\d.,]\d|-)", re.I)
_DAY_BEFORE = re.compile(r"\d{1,2}\.\s*$")


_PAST_TENSE = re.compile(r"\b(var|ble|blei|vart|hadde|gjekk|gikk)\b", re.I)
_FUTURE_TENSE = re.compile(r"\b(blir|vert|vil|skal|kommer til|kjem til)\b", re.I)
_CLAUSE_BREAK = re.compile(r";|,\s+(?:og|men|mens|så|sa)\b", re.I)


def other_years(text: str, start: int, end: int, ref: date | None) -> list[int]:
    """Where the sentence places something in a year or month far from the publication ("I januar
    2019 var Dips nede", "Systemet kom i 2013"): the weekdays and parts of day of that clause are
    not this incident's."""
    if ref is None:
        return []
    found = []
    for m in _YEAR_ONLY.finditer(text, start, end):
        month = MONTHS.get(m.group("month").lower())
        if month is not None and _DAY_BEFORE.search(text, start, m.start()):
            continue  # "7. juli 2022": a date, anchored as one
        year = int(m.group("year"))
        if month is None and year == ref.year:
            continue
        around = date(year, month or 7, 15 if month else 1)
        if abs((around - ref).days) > CONTEXT_MAX_DAYS + (0 if month else 183):
            found.append(m.start("year"))
    return found


_SOON_AFTER = re.compile(r"(?:like|rett|straks|kort|kort\s+tid|litt)\s+(?:etter|etterpå)\b(?!\s+litt\b)[\s,]*", re.I)


def _soon_after(drafts: list[Draft], text: str, sents: list[tuple[int, int]], cues: list[list[Cue]]) -> list[Draft]:
    """"... var ferdig installert klokken 22.10. Like etter begynte Arena å henge": a sentence that opens
    on "like etter" with no time of its own, and tells of the onset, starts at about the time the
    sentence before ends on (as "like etter klokka 10" is about 10:00)."""
    out = list(drafts)
    for i, (s, _) in enumerate(sents):
        m = _SOON_AFTER.match(text, s)
        if not i or m is None or any(d.sent == i for d in drafts) or not any(c.cat == "start" for c in cues[i]):
            continue
        before = [d for d in drafts if d.sent == i - 1 and d.kind == "clock" and isinstance(d.value, datetime)]
        if before:
            out.append(Draft(s, s + len(m.group().rstrip(" ,")), i, "clock", before[-1].value, "approximate",
                             source="context", role="start", confidence=0.6))
    return sorted(out, key=lambda d: (d.sent, d.start))


def _first_start(drafts: list[Draft]) -> Draft | None:
    """The start told first in the text."""
    return next((d for d in drafts if d.role == "start" and d.value is not None), None)


def _weak_earlier_starts(drafts: list[Draft]) -> None:
    """A later start read from weak evidence (a bare "fra", no outage word by it: confidence under 0.85)
    on a day before the start told first is not the start: "Teamene brukte utskrifter fra torsdag
    ettermiddag" after "sluttet å virke like etter klokken 07.30 fredag"."""
    lead = _first_start(drafts)
    if lead is None or lead.confidence < 0.85:
        return
    for d in drafts:
        if (d.role == "start" and d.value is not None and d.sent > lead.sent and d.confidence < 0.85
                and day_of(d.value) < day_of(lead.value)):
            d.role = "other"


# a sentence that goes on about the event the sentence before told of: "Då oppstod feilen klokka 10.15"
_THEN = re.compile(r"(?:da|då|den\s+gangen|den\s+gongen|den\s+gang|også\s+da|også\s+då)\b", re.I)


def _earlier_event_sentences(drafts: list[Draft], text: str, sents: list[tuple[int, int]],
                             whole: list[bool]) -> set[int]:
    """Sentences about an earlier event: after the first stated start, a sentence dated more than
    CONTEXT_MAX_DAYS before it or wholly in another year ("Helgelandssykehuset hadde også datatrøbbel
    14. mars i år", "hausten 2023"), and the "Da ..." sentences that go on about it."""
    lead = _first_start(drafts)
    out: set[int] = set()
    for i, (s, _) in enumerate(sents):
        dated = [d for d in drafts if d.sent == i and d.kind == "date" and d.source == "explicit" and d.value]
        if lead is not None and i > lead.sent and (whole[i] or any(
                (day_of(lead.value) - day_of(d.value)).days > CONTEXT_MAX_DAYS for d in dated)):
            out.add(i)
        elif i - 1 in out and _THEN.match(text, s):
            out.add(i)
    return out


def _same_clause(text: str, pos: int, d: Draft) -> bool:
    """Whether no clause break (";", ", og", ", men") stands between a position and a mention."""
    lo, hi = (pos, d.start) if pos < d.start else (d.end, pos)
    return not _CLAUSE_BREAK.search(text, lo, hi)


def _update_paragraphs(text: str, sents: list[tuple[int, int]], stamps: dict[int, Stamp]) -> set[int]:
    """Sentences of the paragraph each update stamp opens (up to the next blank line or stamp)."""
    out: set[int] = set()
    for i in sorted(k for k, stamp in stamps.items() if stamp.kind == "update"):
        for j in range(i + 1, len(sents)):
            if j in stamps:
                break
            out.add(j)
            if "\n\n" in text[sents[j][1]:sents[j + 1][0] if j + 1 < len(sents) else len(text)]:
                break
    return out


def _publication_day(atoms: list[Atoms], stamps: dict[int, Stamp]) -> date | None:
    """The date of the first publication line or byline that gives a year."""
    for i in sorted(stamps):
        if stamps[i].kind == "publication":
            for a in atoms[i].dates:
                if a.year is not None:
                    day, _ = resolve_day(a, None, False)
                    if day:
                        return day
    return None


def _offset(anchor: Draft, d: Draft) -> tuple[datetime | date | None, str]:
    """Value and precision of a relative time `d.minutes` after the anchor mention."""
    assert d.minutes is not None and anchor.value is not None
    if isinstance(anchor.value, datetime):
        exact = anchor.precision == "minute" and not d.approx
        return add_minutes(anchor.value, d.minutes), "minute" if exact else "approximate"
    return anchor.value + timedelta(days=d.minutes // 1440), "day"  # counted from a day: a day


# "ein drøy halvtime etter at han oppstod": counted from the start, wherever the text states it
_AFTER_EVENT = re.compile(r"\s+at\s", re.I)
_AFTER_ONSET = re.compile(r"\s+at\s+(?:\w+\s+){0,2}(?:oppstod|oppsto|starta|startet|begynte|byrja|kom)\b", re.I)


def _opens_sentence(text: str, pos: int) -> bool:
    """Whether only white space stands between the previous sentence (or line) and `pos`."""
    before = text[:pos].rstrip()
    return not before or before[-1] in ".!?:\n"


def _relative_values(drafts: list[Draft], text: str, sents: list[tuple[int, int]]) -> None:
    """Compute relative times ("tre kvarter senere") from the preceding anchored incident time."""
    anchor: Draft | None = None
    starts = [d for d in drafts if d.role == "start" and d.kind in ("clock", "date") and d.value]
    onset = next((d for d in starts if isinstance(d.value, datetime)), starts[0] if starts else None)  # a time if told
    for k, d in enumerate(drafts):
        if d.kind == "relative" and d.role == "start" and (onset_clause := _AFTER_ONSET.match(text, d.end)):
            # "En time og tjue minutter etter at feilen oppsto, var systemet i drift igjen": the start word
            # is the onset's; what the main clause says decides
            after = find_cues(text, onset_clause.end(), sents[d.sent][1])
            d.role = "end" if any(c.cat == "end" for c in after) else "other"
        elif d.kind == "relative" and d.role == "start" and d.minutes is not None and k and _opens_sentence(
                text, d.start) and drafts[k - 1].kind == "clock" and drafts[k - 1].sent == d.sent - 1 \
                and drafts[k - 1].value:
            # "... installerte oppdateringa klokka 12.50. Ti minutt seinare fall trafikken ut": the onset,
            # counted from the time the sentence before ends on, whatever that time was
            d.value, d.precision = _offset(drafts[k - 1], d)
            anchor, onset = d, onset or d  # later offsets ("Ein time seinare var nettet oppe att") count from it
            continue
        if d.kind == "relative" and d.role == "start":
            d.role = "other"  # "ble stående i nesten to timer etterpå": an offset is an end or something else
        if d.kind == "relative" and _AFTER_EVENT.match(text, d.end) and not _AFTER_ONSET.match(text, d.end):
            d.role = "other"  # "tre dager etter at foretaket tok i bruk journalsystemet": after another event
            continue
        base = onset if onset is not None and _AFTER_ONSET.match(text, d.end) else anchor
        if d.kind == "relative" and base is not None and d.minutes is not None:
            d.value, d.precision = _offset(base, d)
            d.confidence *= 0.9
        if d.kind in ("clock", "date", "relative") and d.role in ("start", "end", "update") and d.value:
            anchor = d


def _roll_over_midnight(drafts: list[Draft]) -> None:
    """An end time dated only by context that precedes the start it follows is on the next day."""
    last_start: datetime | None = None
    for d in drafts:
        if d.role == "start" and isinstance(d.value, datetime):
            last_start = d.value
        elif (d.role == "end" and d.kind == "clock" and d.source != "explicit" and last_start
              and isinstance(d.value, datetime) and timedelta(0) < last_start - d.value < timedelta(hours=24)):
            d.value += timedelta(days=1)


def _key(value: datetime | date) -> tuple[date, int]:
    """Sort key mixing days and clock times."""
    return day_of(value), (value.hour * 60 + value.minute if isinstance(value, datetime) else -1)


def _promote_fix_stamp(drafts: list[Draft], of_stamp: dict[int, Stamp]) -> None:
    """With no stated end time, the earliest update stamp announcing the fix is the end.

    Not when a clock start and a duration are stated ("ved 23-tida ... i opp mot tre timar"):
    they give the end, and the stamp only reports the state at a later time.
    """
    if any(d.role == "end" and d.value is not None for d in drafts):
        return
    if any(d.role == "start" and isinstance(d.value, datetime) for d in drafts) and any(
            d.kind == "duration" and d.minutes for d in drafts):
        return
    fixes = [d for d in drafts if d.role == "update" and d.value is not None and id(d) in of_stamp
             and announces_fix(of_stamp[id(d)])]
    if fixes:
        first = min(fixes, key=lambda d: _key(d.value))  # type: ignore[arg-type]
        first.role, first.confidence = "end", 0.6


def _promote_onset_stamp(drafts: list[Draft], of_stamp: dict[int, Stamp]) -> None:
    """With no start at all, the earliest update stamp reporting the problem is the start (a live
    notice whose first entry is "Kl. 07.55: Vi har problem med ...")."""
    if any(d.role == "start" and d.value is not None for d in drafts):
        return
    onsets = [d for d in drafts if d.role == "update" and isinstance(d.value, datetime) and id(d) in of_stamp
              and announces_failure(of_stamp[id(d)])]
    if onsets:
        first = min(onsets, key=lambda d: _key(d.value))  # type: ignore[arg-type]
        first.role, first.confidence = "start", 0.6


# "hadde e-postsystemet vore nede i tre timar": a length so far, counted back from the publication time
_SO_FAR = re.compile(r"\b(har|hadde)\s+([\w-]+\s+){0,4}?(vært|vore|ligget|lege|stått|fått|kunnet|kunna|klart|greid)\b",
                     re.I)


def _elapsed_start(drafts: list[Draft], text: str, sents: list[tuple[int, int]]) -> None:
    """A duration told in the perfect tense is how long the outage had lasted when the article was
    published: with a publication time and no timed start, the start is that time minus the length.
    Such a length is never the outage's whole length (no end is implied from it)."""
    so_far = [d for d in drafts if d.kind == "duration" and d.minutes and _SO_FAR.search(text, *sents[d.sent])]
    for d in so_far:
        d.role = "other"
    if not so_far or any(d.role == "start" and isinstance(d.value, datetime) for d in drafts):
        return
    stamp = next((d for d in drafts if d.role == "publication" and isinstance(d.value, datetime)), None)
    if stamp is not None:
        first = so_far[0]
        first.value, first.role, first.precision = add_minutes(stamp.value, -first.minutes), "start", "approximate"


def _join_part_of_day(drafts: list[Draft]) -> None:
    """A cue-less clock time inside a start/end part of day one sentence before takes its role."""
    pods = [d for d in drafts if d.kind == "date" and d.role in ("start", "end") and d.pod and d.value]
    for d in drafts:
        if not (d.kind == "clock" and d.cue_free and isinstance(d.value, datetime)):
            continue
        near = [p for p in pods if 0 <= d.sent - p.sent <= 1]
        for p in sorted(near, key=lambda p: abs(p.start - d.start)):
            lo, hi = POD_HOURS[p.pod]  # type: ignore[index]
            if p.value == d.value.date() and lo <= d.value.hour < hi:
                d.role, d.confidence = p.role, 0.6
                break


def _freeze(d: Draft, text: str, sent: tuple[int, int]) -> TimeMention:
    """The frozen record, confidence lowered for borrowed days and contradictions."""
    conf = d.confidence * _SOURCE_FACTOR.get(d.source, 1.0) * (CONFLICT_FACTOR if d.conflict else 1.0)
    return TimeMention(
        text=text[d.start:d.end], start_char=d.start, end_char=d.end, value=d.value,
        precision=d.precision, role=d.role,
        duration_minutes=d.minutes if d.kind == "duration" else None,
        sentence=text[sent[0]:sent[1]], confidence=round(conf, 2),
    )


# ---------------------------------------------------------------- incident window
def _before(a: datetime | date, b: datetime | date) -> bool:
    """Whether a is earlier than b (by day when either is only a day)."""
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a < b
    return day_of(a) < day_of(b)


def _pick(cands: list[TimeMention], first: bool) -> TimeMention | None:
    """Earliest (first) or latest mention by day; on that day the most precise, then the edge time."""
    if not cands:
        return None
    days = [day_of(t.value) for t in cands]  # type: ignore[arg-type]
    target = min(days) if first else max(days)
    same = [t for t in cands if day_of(t.value) == target]  # type: ignore[arg-type]
    timed = [t for t in same if isinstance(t.value, datetime)]
    if not timed:
        return min(same, key=lambda t: t.precision != "part-of-day")
    edge = (min if first else max)(timed, key=lambda t: t.value)  # type: ignore[arg-type,return-value]
    close = [t for t in timed if t.precision == "minute" and abs(t.value - edge.value) <= SAME_EVENT]  # type: ignore[operator]
    return (min if first else max)(close, key=lambda t: t.value) if close else edge  # type: ignore[arg-type,return-value]


def incident_window(
    times: Sequence[TimeMention],
) -> tuple[datetime | date | None, str | None, datetime | date | None, str | None]:
    """(start, start_precision, end, end_precision) of the outage, from start/end-role mentions."""
    start = _pick([t for t in times if t.role == "start" and t.value is not None], first=True)
    ends = [t for t in times if t.role == "end" and t.value is not None]
    if start is not None:
        ends = [t for t in ends if not _before(t.value, start.value)]  # type: ignore[arg-type]
    end = _pick(ends, first=False)
    s_val, s_prec = (start.value, start.precision) if start else (None, None)
    e_val, e_prec = (end.value, end.precision) if end else (None, None)
    if end is None and s_val is not None:
        e_val, e_prec = _implied_end(times, s_val)
    return s_val, s_prec, e_val, e_prec


def _implied_end(times: Sequence[TimeMention], start: datetime | date) -> tuple[datetime | date | None, str | None]:
    """End from a duration, or only the day for a vague end ("etter kort tid", "nokre timar")."""
    lengths = [t.duration_minutes for t in times if t.role == "duration"]
    exact = next((n for n in lengths if n), None)
    if exact and isinstance(start, datetime):
        return add_minutes(start, exact), "approximate"
    if exact:
        return day_of(start) + timedelta(days=exact // 1440), "day"
    if lengths or any(t.role == "end" and t.value is None for t in times):
        return day_of(start), "day"
    return None, None
