"""Find raw time expressions (dates, clock times, amounts) in one sentence, before resolution."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .temporal_amounts import AmountAtom, Claims, scan_amounts
from .temporal_lexicon import (
    ABBREVIATIONS, CLOCK_APPROX, CLOCK_DEADLINE, CLOCK_FROM, CLOCK_PREFIXES, CLOCK_SINCE, CLOCK_TO,
    CLOCK_WORDS, HOLIDAYS, MONTHS, PARTS_OF_DAY, WEEK_AFTER, WEEK_BEFORE, WEEKDAY_LAST, WEEKDAY_NEXT, WEEKDAYS, alt,
)

I, X = re.IGNORECASE, re.VERBOSE


@dataclass
class DateAtom:
    """A day expression: explicit date, weekday, relative day and/or part of day."""

    start: int
    end: int
    day: int | None = None
    month: int | None = None
    year: int | None = None
    weekday: int | None = None
    wd_mode: str = ""  # "next" | "last" | ""
    rel_days: int | None = None
    rel_years: int = 0  # "15. mars i fjor": the year before the reference date's
    pod: str | None = None  # canonical part of day
    night: str = ""  # "til": the night ending on the day; "etter": the night after it
    shift: int = 0  # days after the anchor day ("etter midnatt")
    midnight: bool = False  # a point in time, 00:00 of the (shifted) day ("like etter midnatt", "rundt midnatt")
    used: bool = False


@dataclass
class ClockAtom:
    """A clock time, possibly one end of an interval."""

    start: int
    end: int
    hour: int
    minute: int
    approx: bool
    direction: str  # "from" | "since" | "to" | "deadline" | ""
    twelve_hour: bool  # may mean hour + 12 in the afternoon/evening
    word: bool  # written as words ("halv ett")
    side: str = ""  # "from" | "to" for the ends of an interval


@dataclass
class Atoms:
    """The raw expressions of one sentence."""

    dates: list[DateAtom] = field(default_factory=list)
    clocks: list[ClockAtom] = field(default_factory=list)
    amounts: list[AmountAtom] = field(default_factory=list)


# ---------------------------------------------------------------- sentences
_SENT_END = re.compile(r"[.!?…]+[\"»”']?(?=\s+[\"«“–—-]?\s*[A-ZÆØÅ])")
_CLAUSE_BREAK = re.compile(r"[,;]\s+|\s+[–—-]\s+|:(?!\d)\s*|\s+(?:men|mens|fordi)\s+", I)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: every line, split further after . ! ? before a capital (not after abbreviations)."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for m in _SENT_END.finditer(text, line.start(), line.end()):
            word = re.search(r"(\S+?)\.*[\"»”']?$", text[start:m.end()])
            token = word.group(1).lower() if word else ""
            if token in ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue
            spans.append((start, m.end()))
            start = m.end()
        spans.append((start, line.end()))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clause spans inside a sentence (split at commas, semicolons, dashes, colons, 'men')."""
    spans, s = [], start
    for m in _CLAUSE_BREAK.finditer(text, start, end):
        spans.append((s, m.start()))
        s = m.end()
    spans.append((s, end))
    return spans


# ---------------------------------------------------------------- dates
_MONTH, _WD, _POD = alt(MONTHS), alt(WEEKDAYS), alt(PARTS_OF_DAY)
_NUM_DATE = re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>(?:19|20)\d{2}|\d{2})(?!\d|\.\d)")
_ISO_DATE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?!\d)")
_TEXT_DATE = re.compile(
    rf"(?<![\w.])(?:den\s+)?(?P<d>[0-3]?\d)\.?\s*(?P<mon>{_MONTH})(?![a-zæøå])"
    rf"(?:\.?\s+(?P<y>(?:19|20)\d{{2}})(?!\d)|(?P<fjor>\s+i\s+fjor)(?!\w))?", I)
_HOLIDAY = re.compile(rf"(?<!\w)(?P<h>{alt(HOLIDAYS)})(?!\w)", I)
_DAY_MONTH = re.compile(r"(?<![\d.,:])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)(?!\d|\.\d)")
_TIME_AFTER = re.compile(r"\s+(?:kl\.?\s*|klokka\s+|klokken\s+)?[0-2]?\d[.:][0-5]\d(?!\d)", I)
_DATE_WORD_BEFORE = re.compile(rf"(?:\bden|\b(?:{_WD})(?:en)?)\s+$", I)
_WEEKDAY = re.compile(rf"""(?<!\w)
    (?:(?P<mod>{alt(WEEKDAY_NEXT + WEEKDAY_LAST)})\s+)?
    (?:(?:tidlig|tidleg|sent|seint|utpå)\s+)?
    (?P<wd>{_WD})(?:s(?P<podc>{_POD})|ens|en|s)?
    (?:\s+(?P<pod>{_POD}))?
    (?:\s+(?:(?P<ago>for\s+(?:ei|en|ein|eit|ett)\s+(?:veke|uke)\s+sid[ae]n)|(?P<before>{WEEK_BEFORE})
       |(?P<after>{WEEK_AFTER})))?(?!\w)""", I | X)
_REL_DAY = re.compile(r"""(?<!\w)(?:(?:tidligere|tidlegare|tidlig|tidleg)\s+)?
    i\s*(?P<rel>forgårs|forgår|går|gær|dag|overmorgen|overmorgon|morgen|morgon)
    (?:\s*(?P<pod>kveld|morges|morgos|ettermiddag|formiddag|føremiddag|natt|tidlig|tidleg))?(?!\w)""", I | X)
_REL_DAYS = {"forgårs": -2, "forgår": -2, "går": -1, "gær": -1, "dag": 0, "morgen": 1, "morgon": 1,
             "overmorgen": 2, "overmorgon": 2}
_POD_TODAY = re.compile(
    r"(?<!\w)i\s+(?P<pod>natt|kveld|ettermiddag|formiddag|føremiddag|morges|morgos)(?!\w)(?!\s+til\b)", I)
_ALONE_POD = {**PARTS_OF_DAY, "dag": "dag", "dagen": "dag"}
_POD_ALONE = re.compile(rf"""(?<!\w)(?:(?:tidlig|tidleg|tidligere|tidlegare|sent|seint|seinare|senere|langt|først|sist
      |midt)\s+)?
    (?:(?:på|om|utpå|ut\s+på|utover|ut\s+over|i\s+løpet\s+av|samme|same|før|mot|gjennom)\s+
      |(?<=siden\s)|(?<=sidan\s)|(?<=fra\s)|(?<=frå\s))
    (?P<pod>{alt(_ALONE_POD)})(?!\w)""", I | X)
_MIDNIGHT = re.compile(r"(?<!\w)(?:(?P<near>like|rett|litt|kort|straks)\s+)?"
                       r"(?P<rel>før|etter|over|ved|rundt|kring|omkring|fra|frå)\s+midnatt(?!\w)", I)
_MIDDAY = re.compile(r"(?<!\w)(?:ved|rundt|kring|omkring|utpå|i|til)\s+(?:middagstid(?:a|en)?|lunsjtid(?:a|en|er)?|lunsj)(?!\w)", I)
_NIGHT_TIL = re.compile(r"(?:\bi\s+)?\bnatt(?:a|en)?\s+til\s+$", I)
_POD_WORD = {**PARTS_OF_DAY, "morges": "morgen", "morgos": "morgen", "tidlig": "morgen", "tidleg": "morgen"}


def _valid_dm(d: int, m: int) -> bool:
    """Whether day and month can form a date (29 February allowed)."""
    return 1 <= m <= 12 and 1 <= d <= (29 if m == 2 else 30 if m in (4, 6, 9, 11) else 31)


def _year(raw: str | None) -> int | None:
    """A written year, two digits meaning 20xx."""
    if not raw:
        return None
    return int(raw) + 2000 if len(raw) == 2 else int(raw)


def _scan_dates(text: str, s: int, e: int, claims: Claims) -> list[DateAtom]:
    """Day expressions of text[s:e], most specific patterns first."""
    atoms: list[DateAtom] = []

    def add(atom: DateAtom) -> None:
        if claims.free(atom.start, atom.end):
            claims.take(atom.start, atom.end)
            atoms.append(atom)

    for rx in (_NUM_DATE, _ISO_DATE):
        for m in rx.finditer(text, s, e):
            d, mo = int(m["d"]), int(m["m"])
            if _valid_dm(d, mo):
                add(DateAtom(m.start(), m.end(), d, mo, _year(m["y"])))
    for m in _TEXT_DATE.finditer(text, s, e):
        d, mo = int(m["d"]), MONTHS[m["mon"].lower()]
        if _valid_dm(d, mo):
            add(DateAtom(m.start(), m.end(), d, mo, _year(m["y"]), rel_years=-1 if m["fjor"] else 0))
    for m in _HOLIDAY.finditer(text, s, e):
        mo, d = HOLIDAYS[" ".join(m["h"].lower().split())]
        add(DateAtom(m.start(), m.end(), d, mo))
    for m in _DAY_MONTH.finditer(text, s, e):
        d, mo = int(m["d"]), int(m["m"])
        stamp = _TIME_AFTER.match(text, m.end(), e) or _DATE_WORD_BEFORE.search(text[s:m.start()])
        if stamp and _valid_dm(d, mo):
            add(DateAtom(m.start(), m.end(), d, mo))
    for m in _REL_DAY.finditer(text, s, e):
        pod = _POD_WORD.get((m["pod"] or "").lower())
        add(DateAtom(m.start(), m.end(), rel_days=_REL_DAYS[m["rel"].lower()], pod=pod))
    for m in _POD_TODAY.finditer(text, s, e):
        pod = _POD_WORD[m["pod"].lower()]
        add(DateAtom(m.start(), m.end(), rel_days=0, pod=pod, night="til" if pod == "natt" else ""))
    for m in _WEEKDAY.finditer(text, s, e):
        mod = (m["mod"] or "").lower()
        mode = ("next" if mod in WEEKDAY_NEXT else "last" if mod in WEEKDAY_LAST else "week-ago" if m["ago"]
                else "week-before" if m["before"] else "week-after" if m["after"] else "")
        pod = PARTS_OF_DAY.get((m["podc"] or m["pod"] or "").lower())
        add(DateAtom(m.start(), m.end(), weekday=WEEKDAYS[m["wd"].lower()], wd_mode=mode, pod=pod,
                     night="etter" if pod == "natt" else ""))
    for m in _MIDNIGHT.finditer(text, s, e):
        # "like etter/før midnatt", "rundt midnatt": about 00:00 of the next day, as "like etter klokka 10"
        # is about 10:00; a bare "før midnatt" is that evening and "etter/over midnatt" the next night
        rel = m["rel"].lower()
        point = bool(m["near"]) and rel in ("før", "etter", "over") or rel in ("ved", "rundt", "kring", "omkring", "fra", "frå")
        before = rel == "før" and not point
        add(DateAtom(m.start(), m.end(), pod="kveld" if before else "natt", shift=0 if before else 1, midnight=point))
    for m in _MIDDAY.finditer(text, s, e):  # "ved middagstid": some time in the middle of the day
        add(DateAtom(m.start(), m.end(), pod="dag"))
    for m in _POD_ALONE.finditer(text, s, e):
        add(DateAtom(m.start(), m.end(), pod=_ALONE_POD[m["pod"].lower()]))
    atoms.sort(key=lambda a: a.start)
    return _merge_dates(text, atoms)


def _merge_dates(text: str, atoms: list[DateAtom]) -> list[DateAtom]:
    """Join 'natt til' + day, weekday + date ('fredag 8. juli') and day + part of day ('om kvelden')."""
    for a in atoms:
        m = _NIGHT_TIL.search(text, max(0, a.start - 16), a.start)
        if m and a.pod in (None, "natt"):
            a.start, a.pod, a.night = m.start(), "natt", "til"
    merged: list[DateAtom] = []
    for a in atoms:
        prev = merged[-1] if merged else None
        gap = text[prev.end:a.start] if prev else ""
        if prev and re.fullmatch(r"[\s,]*(?:den\s+)?", gap, I):
            if prev.weekday is not None and prev.day is None and a.day is not None and a.weekday is None:
                a.start, a.weekday, a.night = prev.start, prev.weekday, a.night or prev.night
                a.pod = a.pod or prev.pod
                merged[-1] = a
                continue
            if a.pod and a.day is None and a.weekday is None and a.rel_days is None and not prev.pod:
                prev.end, prev.pod, prev.shift = a.end, a.pod, a.shift
                continue
        merged.append(a)
    return merged


# ---------------------------------------------------------------- clock times
_CW = alt(CLOCK_WORDS)
_CLOCK = re.compile(rf"""(?<![\w.,:])
    (?P<pre>(?:(?:{alt(CLOCK_PREFIXES)})(?:\s+|(?<=\.)))*)
    (?:(?P<kl>kl\.|kl(?=\s)|klokka|klokken|klokkan)\s*)?
    (?:(?P<frac>halv|kvart\s+over|kvart\s+på|(?:fem|ti)\s+(?:over|på)(?:\s+halv)?)\s+(?P<fw>{_CW})
      |(?P<hhmm>[0-2]\d[0-5]\d)
      |(?P<h>[01]?\d|2[0-4])(?:[.:](?P<m>[0-5]\d))?
      |(?P<w>{_CW})(?=tid|\W|$))
    (?P<tid>(?:\s*-\s*|\s?)tid(?:en|a)\b)?
    (?![\w]|[.:]\d)""", I | X)
_DAY_AFTER = re.compile(rf"\s+(?:{_WD}|{_POD}|i\s+dag|i\s+går|i\s+gær)(?!\w)", I)
_TAIL = re.compile(r"\s*(?:-|–|—|til|og)\s*", I)
_COUNTED = re.compile(r"\s*(?:%|prosent|pasient|kr\b|kroner|mill|år\b|dag|døgn|tim|minutt|stk|person|ansatt|seng|sykehus|"
                      r"sjukehus|avdeling|grader)", I)
_FRAC = {"halv": -30, "kvart over": 15, "kvart på": -15, "fem over": 5, "ti over": 10, "fem på": -5,
         "ti på": -10, "fem på halv": -35, "ti på halv": -40, "fem over halv": -25, "ti over halv": -20}


def _words_in(pre: str, words: tuple[str, ...]) -> bool:
    """Whether any of the words occurs as a whole word in the prefix."""
    return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", pre) for w in words)


def _clock(m: re.Match, second: bool) -> ClockAtom | None:
    """A ClockAtom from a _CLOCK match, or None when the match is not a clock time."""
    pre = " ".join(m["pre"].lower().split())
    marked = bool(m["kl"] or m["tid"])
    if m["frac"]:
        base = CLOCK_WORDS[m["fw"].lower()] * 60 + _FRAC[" ".join(m["frac"].lower().split())]
        hour, minute, word = (base // 60) % 12 or 12, base % 60, True
    elif m["hhmm"]:
        if not m["kl"]:
            return None
        hour, minute, word = int(m["hhmm"][:2]), int(m["hhmm"][2:]), False
    elif m["h"]:
        # a bare two-digit hour is a time when a range or approximation word stands before it and a
        # day after it ("fra rundt 06 i dag tidlig")
        bare = len(m["h"]) == 2 and _words_in(pre, CLOCK_APPROX + CLOCK_FROM + CLOCK_SINCE) \
            and _DAY_AFTER.match(m.string, m.end())
        if not (marked or m["m"] or second or bare):
            return None
        hour, minute, word = int(m["h"]), int(m["m"] or 0), False
    else:
        # a bare hour word is a time only when marked, or approximate right before a day ("litt over ni onsdag")
        if not (marked or _words_in(pre, CLOCK_APPROX) and _DAY_AFTER.match(m.string, m.end())):
            return None
        hour, minute, word = CLOCK_WORDS[m["w"].lower()], 0, True
    if hour > 24 or (hour == 24 and minute):
        return None
    direction = ("since" if _words_in(pre, CLOCK_SINCE) else "deadline" if _words_in(pre, CLOCK_DEADLINE)
                 else "to" if _words_in(pre, CLOCK_TO) else "from" if _words_in(pre, CLOCK_FROM) else "")
    twelve = word or (1 <= hour <= 11 and not (m["h"] or "").startswith("0") and not m["hhmm"])
    approx = bool(m["tid"]) or _words_in(pre, CLOCK_APPROX)
    return ClockAtom(m.start(), m.end(), hour, minute, approx, direction, twelve, word)


def _scan_clocks(text: str, s: int, e: int, claims: Claims) -> list[ClockAtom]:
    """Clock times of text[s:e], pairing the two ends of intervals."""
    out: list[ClockAtom] = []
    pos = s
    while (m := _CLOCK.search(text, pos, e)) is not None:
        first = _clock(m, second=False) if claims.free(m.start(), m.end()) else None
        tail = _TAIL.match(text, m.end(), e)
        m2 = _CLOCK.match(text, tail.end(), e) if tail else None
        second = _clock(m2, second=True) if m2 and claims.free(m2.start(), m2.end()) else None
        joiner = tail.group().strip().lower() if tail else ""
        if second and joiner == "og" and "mellom" not in m["pre"].lower():
            second = None
        # "fra 08 til 16": two bare two-digit hours make an interval, unless something is counted
        hours = bool(m2) and len(m["h"] or "") == len(m2["h"] or "") == 2 and not m2["m"] \
            and not _COUNTED.match(text, m2.end())
        if first is None and second and m["h"] and not m["m"] and (m2["kl"] or m2["m"] or hours) \
                and re.search(r"\b(?:mellom|fra|frå)\b", m["pre"], I):
            first = ClockAtom(m.start(), m.end(), int(m["h"]), 0, False, "from", True, False)
        if first is None:
            pos = m.start() + 1
            continue
        out.append(first)
        claims.take(first.start, first.end)
        pos = m.end()
        if second:
            first.side, second.side = "from", "to"
            out.append(second)
            claims.take(second.start, second.end)
            pos = second.end
    return out


def scan_sentence(text: str, start: int, end: int) -> Atoms:
    """All raw time expressions of the sentence text[start:end] (offsets into text)."""
    claims = Claims()
    dates = _scan_dates(text, start, end, claims)
    clocks = _scan_clocks(text, start, end, claims)
    return Atoms(dates, clocks, scan_amounts(text, start, end, claims))
