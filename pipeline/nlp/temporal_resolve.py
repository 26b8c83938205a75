"""Calendar arithmetic for the temporal extractor: years, weekdays, Oslo wall-clock times, drafts.

A draft is a mutable time mention being built: scanned atoms are anchored to a day here,
roles are assigned in `temporal_roles`, and `temporal.find_times` freezes drafts to TimeMention.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from .temporal_scan import Atoms, ClockAtom, DateAtom

OSLO = ZoneInfo("Europe/Oslo")

# A date without a year in the future of the publication costs this much more per day than one
# in the past: news report past events, but updates and announcements may look a few days ahead;
# more than FUTURE_REACH days ahead only planned/future sentences may go.
FUTURE_PENALTY = 4
FUTURE_REACH = 31
# Dates further than this from the publication do not anchor later clock times (other events).
CONTEXT_MAX_DAYS = 60


@dataclass
class Draft:
    """A time mention under construction."""

    start: int
    end: int
    sent: int  # index of the sentence
    kind: str  # "clock" | "date" | "relative" | "duration" | "marker"
    value: datetime | date | None
    precision: str
    pod: str | None = None
    direction: str = ""  # "from" | "since" | "to" | "deadline" | "lasted" | "" (cue word before it)
    side: str = ""  # "from" | "to": an end of an explicit interval
    source: str = ""  # where the day came from: "explicit" | "sentence" | "context" | "publication"
    minutes: int | None = None  # offset of a relative time, length of a duration
    conflict: bool = False  # the text contradicts itself (weekday vs date)
    role: str = "other"
    confidence: float = 1.0
    cue_free: bool = False  # no cue word at all decided its role
    approx: bool = False  # an approximate amount ("drøye halvtimen", "opp mot tre timer")


def make_dt(day: date, hour: int, minute: int) -> datetime:
    """Oslo wall-clock time on a day; 24:00 is the next midnight; gap/fold times get fold=0."""
    if hour >= 24:
        day, hour = day + timedelta(days=1), hour - 24
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


def add_minutes(value: datetime, minutes: float) -> datetime:
    """Elapsed-time arithmetic (through UTC, so DST changes count correctly), back in Oslo time."""
    return (value.astimezone(timezone.utc) + timedelta(minutes=minutes)).astimezone(OSLO)


def day_of(value: datetime | date) -> date:
    """The calendar day of a datetime or date."""
    return value.date() if isinstance(value, datetime) else value


def year_for(day: int, month: int, ref: date, forward: bool) -> date | None:
    """The date nearest before/at `ref` (a little after is allowed, more so when looking ahead)."""
    best, best_cost = None, None
    for year in (ref.year - 1, ref.year, ref.year + 1):
        try:
            cand = date(year, month, day)
        except ValueError:
            continue
        delta = (cand - ref).days
        cost = -delta if delta <= 0 else delta if forward else delta * FUTURE_PENALTY + (
            1000 if delta > FUTURE_REACH else 0)
        if best_cost is None or cost < best_cost:
            best, best_cost = cand, cost
    return best


def weekday_date(weekday: int, ref: date, mode: str, forward: bool) -> date:
    """The weekday on or before `ref` (after it for 'neste' or in future-tense sentences; a week
    before for "onsdag for ei veke sidan"; in the calendar week before or after for "tirsdag forrige
    uke", "onsdag neste veke")."""
    if mode == "week-ago":
        return weekday_date(weekday, ref - timedelta(days=7), "", False)
    if mode in ("week-before", "week-after"):  # that day of the calendar week before or after ref's
        return ref - timedelta(days=ref.weekday()) + timedelta(days=weekday + (-7 if mode == "week-before" else 7))
    if mode == "next" or forward:
        ahead = (weekday - ref.weekday()) % 7
        return ref + timedelta(days=ahead or (7 if mode == "next" else 0))
    back = (ref.weekday() - weekday) % 7
    return ref - timedelta(days=back or (7 if mode == "last" else 0))


def resolve_day(atom: DateAtom, ref: date | None, forward: bool) -> tuple[date | None, bool]:
    """(day, conflict) for a date atom; conflict when an explicit date contradicts its weekday."""
    if atom.day is not None and atom.month is not None:
        if atom.year is not None:
            try:
                day = date(atom.year, atom.month, atom.day)
            except ValueError:
                return None, False
        elif ref is None:
            return None, False
        elif atom.rel_years:
            try:
                day = date(ref.year + atom.rel_years, atom.month, atom.day)
            except ValueError:
                return None, False
        else:
            day = year_for(atom.day, atom.month, ref, forward)
        conflict = day is not None and atom.weekday is not None and day.weekday() != atom.weekday
        return day, conflict
    if ref is None:
        return None, False
    if atom.rel_days is not None:
        return ref + timedelta(days=atom.rel_days), False
    if atom.weekday is not None:
        return weekday_date(atom.weekday, ref, atom.wd_mode, forward), False
    return None, False


def clock_hour(clock: ClockAtom, pod: str | None) -> int:
    """24-hour value of a clock time, reading 12-hour forms by the part of day they are in."""
    h = clock.hour
    if clock.word:
        if pod == "natt":
            return 0 if h == 12 else h
        if pod in ("ettermiddag", "kveld"):
            return h if h == 12 else h + 12
        if pod in ("morgen", "formiddag"):
            return h
        return h + 12 if 1 <= h <= 6 else h
    if clock.twelve_hour and pod in ("ettermiddag", "kveld") and 1 <= h <= 11:
        return h + 12
    return h


def clock_value(clock: ClockAtom, day: date, pod: str | None, night: str) -> datetime:
    """The clock time on the day, moved across midnight for 'natt til X' / 'X natt'."""
    hour = clock_hour(clock, pod)
    if night == "til" and hour >= 12:
        day -= timedelta(days=1)
    elif night == "etter" and hour < 12:
        day += timedelta(days=1)
    return make_dt(day, hour, clock.minute)


@dataclass
class _Anchor:
    """A day with the part of day and night reading that clock times on it need."""

    day: date
    pod: str | None
    night: str


def _adjacent(text: str, a_end: int, b_start: int) -> bool:
    """Whether only spaces, a comma or 'den' stand between two expressions."""
    gap = text[a_end:b_start]
    return b_start >= a_end and len(gap) <= 8 and gap.strip(" \t\u00a0,") in ("", "den")


@dataclass(frozen=True)
class SentenceInfo:
    """What the role cues say about a sentence before anchoring its times."""

    forward: bool = False  # planned/expected times: weekdays resolve forwards
    isolated: bool = False  # another event or the future: its dates anchor nothing after it
    stamp: bool = False  # a publication line or update stamp: dated by the stamp timeline
    elsewhen: bool = False  # placed in another year or month: weekdays and parts of day get no day
    update: bool = False  # an in-body update stamp
    in_update: bool = False  # in the paragraph an update stamp opens: weekdays and "i går" count from its day


class _Timeline:
    """The days later times without a date of their own fall back on."""

    def __init__(self, ref: date | None) -> None:
        self.ref = ref
        self.body: _Anchor | None = None  # the latest date of the running text
        self.stamps: _Anchor | None = None  # the latest date of a publication/update stamp
        self.update: date | None = None  # the day of the latest in-body update stamp

    def fallback(self, stamp: bool) -> tuple[_Anchor | None, str]:
        """The day (and its source) for a time with no day in its own sentence."""
        last = self.stamps if stamp else self.body
        if last is not None:
            return _Anchor(last.day, None, ""), "context"
        return (_Anchor(self.ref, None, ""), "publication") if self.ref else (None, "")

    def early(self, stamp: bool) -> bool:
        """Whether the day times fall back on was named by its night or morning ("natt til onsdag")."""
        last = self.stamps if stamp else self.body
        return last is not None and (last.night == "til" or last.pod in ("natt", "morgen"))

    def note(self, anchor: _Anchor, info: SentenceInfo) -> None:
        """Remember a day stated in the text, unless it is about another or a future event."""
        if info.isolated or (self.ref and abs((anchor.day - self.ref).days) > CONTEXT_MAX_DAYS):
            return
        self.body = anchor
        if info.stamp:
            self.stamps = anchor
        if info.update:
            self.update = anchor.day


def _date_anchors(at: Atoms, ref: date | None, info: SentenceInfo, line: _Timeline
                  ) -> tuple[dict[int, _Anchor | None], dict[int, str], dict[int, bool]]:
    """Anchor, day source and weekday conflict of each date atom of a sentence (by atom id)."""
    # update stamps come after the publication: weekdays resolve forwards, "i dag" is the stamp's day
    forward = info.forward or info.stamp
    # "Oppdatert onsdag 17. januar: ... i drift siden onsdag klokken 06.45", "Oppdatert tirsdag: ... kom tilbake
    # i går kveld": in the paragraph of an update stamp, weekdays and relative days count from the stamp's day
    week_ref = line.update if info.in_update and line.update and ref and line.update > ref else ref
    days = {id(a): resolve_day(a, week_ref if a.weekday is not None and a.day is None else ref, forward)
            if a.month or not info.elsewhen else (None, False)
            for a in at.dates if a.rel_days is None}
    if info.stamp:
        own = next((days[id(a)][0] for a in at.dates if id(a) in days and days[id(a)][0]), None)
        local = own or (line.stamps.day if line.stamps else ref)
    else:
        local = week_ref
    days.update({id(a): resolve_day(a, local, forward) for a in at.dates if a.rel_days is not None})
    anchors: dict[int, _Anchor | None] = {}
    sources: dict[int, str] = {}
    for a in at.dates:
        day, sources[id(a)] = days[id(a)][0], "explicit"
        shift = a.shift
        if day is None and a.pod and a.day is None and a.weekday is None and a.rel_days is None:
            other = next((b for b in at.dates if b is not a and days[id(b)][0]), None)
            if other is not None:
                day, sources[id(a)] = days[id(other)][0], "sentence"
                if other.night == "til":  # "like etter midnatt natt til fredag": the night's day is Friday
                    shift = 0
            else:
                fallback, sources[id(a)] = line.fallback(info.stamp)
                day = fallback.day if fallback else None
                # "rett etter midnatt" in the day's news is last night; after "natt til onsdag" or "onsdag
                # morgon" it is the start of Wednesday
                if sources[id(a)] == "publication" or line.early(info.stamp):
                    shift = 0
        if day is not None and shift:
            day += timedelta(days=shift)
        anchors[id(a)] = _Anchor(day, a.pod, a.night) if day else None
    return anchors, sources, {k: v[1] for k, v in days.items()}


def _clock_drafts(text: str, i: int, at: Atoms, anchors: dict[int, _Anchor | None],
                  conflicts: dict[int, bool], info: SentenceInfo, line: _Timeline) -> list[Draft]:
    """Drafts of a sentence's clock times: own adjacent date, else sentence date, else fallback."""
    out: list[Draft] = []
    for c in at.clocks:
        precision = "approximate" if c.approx else "minute"
        prev = out[-1] if out else None
        if c.side == "to" and prev is not None and isinstance(prev.value, datetime):
            value = make_dt(prev.value.date(), clock_hour(c, prev.pod), c.minute)
            if value < prev.value:
                value = make_dt(prev.value.date() + timedelta(days=1), clock_hour(c, prev.pod), c.minute)
            out.append(Draft(c.start, c.end, i, "clock", value, precision, pod=prev.pod,
                             direction=c.direction, side=c.side, source=prev.source))
            continue
        # (a midnight is a time of its own: "fra midnatt til klokka 04" is two times)
        after = next((a for a in at.dates if _adjacent(text, c.end, a.start) and not a.used and not a.midnight), None)
        own = after or next((a for a in at.dates if _adjacent(text, a.end, c.start) and not a.midnight), None)
        span = (c.start, c.end)
        if own is not None:
            own.used = True
            span = (min(c.start, own.start), max(c.end, own.end))
            anchor, source = anchors[id(own)], "explicit"
        else:
            near = [a for a in at.dates if anchors[id(a)]]
            pick = min(near, key=lambda a: (a.start > c.start, abs(a.start - c.start)), default=None)
            anchor, source = (anchors[id(pick)], "sentence") if pick else line.fallback(info.stamp)
        value = clock_value(c, anchor.day, anchor.pod, anchor.night) if anchor else None
        # "til onsdag klokken 02.30": the range word stands before the day, not the clock time
        direction = c.direction or (_date_direction(text, own.start) if own is not None else "")
        out.append(Draft(*span, i, "clock", value, precision, pod=anchor.pod if anchor else None,
                         direction=direction, side=c.side, source=source,
                         conflict=bool(own is not None and conflicts[id(own)])))
    return out


def build_drafts(text: str, sents: list[tuple[int, int]], atoms: list[Atoms], ref: date | None,
                 infos: list[SentenceInfo]) -> list[Draft]:
    """Anchor every atom to a day (own date, sentence date, earlier date, publication) as drafts."""
    drafts: list[Draft] = []
    line = _Timeline(ref)
    for i, (at, info) in enumerate(zip(atoms, infos)):
        anchors, sources, conflicts = _date_anchors(at, ref, info, line)
        drafts.extend(_clock_drafts(text, i, at, anchors, conflicts, info, line))
        for a in at.dates:
            anchor = anchors[id(a)]
            if a.midnight and not a.used:
                drafts.append(Draft(a.start, a.end, i, "clock", make_dt(anchor.day, 0, 0) if anchor else None,
                                    "approximate", source=sources[id(a)], direction=_date_direction(text, a.start)))
            elif not a.used:
                drafts.append(Draft(a.start, a.end, i, "date", anchor.day if anchor else None,
                                    "part-of-day" if a.pod and a.pod != "dag" else "day", pod=a.pod,
                                    source=sources[id(a)],
                                    conflict=conflicts[id(a)], direction=_date_direction(text, a.start)))
            if anchor is not None and sources[id(a)] == "explicit" and not _postponed_to(text, a.start):
                line.note(anchor, info)
        for m in at.amounts:
            precision = "duration" if m.kind == "duration" else "approximate" if m.approx else "minute"
            drafts.append(Draft(m.start, m.end, i, m.kind, None, precision, minutes=m.minutes, approx=m.approx,
                                direction="lasted" if m.lasted else ""))
    drafts.sort(key=lambda d: d.start)
    return drafts


_POSTPONED = frozenset({"flyttet", "flytta", "flyttes", "flyttast", "utsatt", "utsett", "utsettes", "utsetjast",
                        "utsatte", "utsette", "forskjøvet", "forskyvd", "avlyst"})


def _postponed_to(text: str, start: int) -> bool:
    """A day something is moved or waits to ("sendte hjem pasienter som kunne vente til mandag")."""
    before = text[max(0, start - 20):start].lower().split()
    return len(before) > 1 and before[-1] in ("til", "inntil") and before[-2] in _POSTPONED | _WAIT


_WAIT = frozenset({"vente", "venta", "vent", "venter", "ventar"})


def _date_direction(text: str, start: int) -> str:
    """The range word right before a day expression: from, since, to or deadline."""
    before = text[max(0, start - 12):start].lower().split()
    last = before[-1] if before else ""
    two = " ".join(before[-2:])
    if last in ("fra", "frå"):
        return "from"
    if last in ("siden", "sidan"):
        return "since"
    if _postponed_to(text, start):
        return ""  # "operasjonane er flytta til fredag": a new date for something else, not the end
    if last in ("til", "inntil") or two in ("fram til", "frem til"):
        return "to"
    if last in ("innen", "innan"):
        return "deadline"
    return ""
