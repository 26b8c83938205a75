"""Roles of time mentions: publication line, update stamp, outage start or end, duration, other.

Cue words come from the gazetteer vocabulary (OUTAGE_START, RESOLVED, ...) plus the short
time-specific lists below. A mention takes its role from the cues of its own clause (or its
sentence when the clause has none): future tense, estimates, other events and bare quote
attributions make it "other"; otherwise the nearest cue decides (start, end, ongoing -> other,
planned work -> other), with "fra"/"til"/"siden" and interval sides settling ties of direction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pipeline.gazetteer import load_gazetteer

from .temporal_lexicon import EXTRA_CUES, SPLIT_CUES
from .temporal_resolve import Draft
from .temporal_scan import clause_spans

# Gazetteer signal -> cue category (IMPACT says nothing about when).
SIGNAL_CATEGORY = {
    "OUTAGE_START": "start", "DEGRADED": "start", "RESOLVED": "end", "OUTAGE_ONGOING": "ongoing",
    "PLANNED_MAINTENANCE": "planned", "NOT_OUTAGE": "not_outage", "NEUTRAL": "neutral",
}

OVERRIDES = frozenset({"future", "estimate", "aside", "past", "not_outage"})
COMPETING = frozenset({"start", "end", "ongoing"})


@dataclass(frozen=True)
class Cue:
    """A cue word found in the text and its category."""

    start: int
    end: int
    cat: str


def _body(term: str) -> str:
    """Regex for a term, any whitespace between its words."""
    return r"\s+".join(re.escape(w) for w in term.lower().split())


@cache
def _cue_patterns() -> tuple[tuple[re.Pattern[str], str, bool], ...]:
    """(regex, category, compound) triples; compound matches are widened to whole words later."""
    gaz = load_gazetteer()
    cats: dict[str, tuple[str, bool]] = {}
    for signal, cat in SIGNAL_CATEGORY.items():
        for term in gaz.terms(signal):
            if not term.lower().startswith("oppdater"):  # update stamps are found by position
                single = " " not in term.strip() and len(term) >= 5
                cats.setdefault(term.lower(), (cat, single))
    for cat, terms in EXTRA_CUES.items():
        for term in terms:
            cats[term.lower()] = (cat, False)
    grouped: dict[tuple[str, bool], list[str]] = {}
    for term, key in sorted(cats.items(), key=lambda kv: -len(kv[0])):
        grouped.setdefault(key, []).append(_body(term))
    out = []
    for (cat, compound), bodies in grouped.items():
        alts = "|".join(bodies)
        rx = f"(?:{alts})" if compound else rf"(?<!\w)(?:{alts})(?!\w)"
        out.append((re.compile(rx, re.I), cat, compound))
    out.extend((re.compile(rx, re.I), cat, False) for rx, cat in SPLIT_CUES)
    return tuple(out)


_WORD_START = re.compile(r"[\w-]*$")
_WORD_END = re.compile(r"\w*")


def find_cues(text: str, start: int, end: int) -> list[Cue]:
    """Cue words in text[start:end] (gazetteer nouns also inside compounds); longest match wins."""
    found = []
    for rx, cat, compound in _cue_patterns():
        for m in rx.finditer(text, start, end):
            s, e = m.start(), m.end()
            if compound:  # "datasvikt", "IKT-svikten": a prefix of 3+ letters or none, any ending
                prefix = _WORD_START.search(text, max(start, s - 30), s)
                head = len(prefix.group()) if prefix else 0
                if 0 < head < 3:
                    continue
                s, e = s - head, _WORD_END.match(text, e, end).end()
            found.append(Cue(s, e, cat))
    found.sort(key=lambda c: (c.start - c.end, c.start))
    kept: list[Cue] = []
    for c in found:
        if all(c.end <= k.start or c.start >= k.end for k in kept):
            kept.append(c)
    return sorted((c for c in kept if c.cat != "neutral"), key=lambda c: c.start)


def future_sentence(cues: list[Cue]) -> bool:
    """Whether a sentence speaks of planned or expected times (weekdays then resolve forwards)."""
    cats = {c.cat for c in cues}
    return bool(cats & {"future", "estimate"}) or ("planned" in cats and not cats & {"start", "end"})


def isolated_sentence(cues: list[Cue]) -> bool:
    """Whether a sentence is about another or a future event (its dates anchor nothing later)."""
    return future_sentence(cues) or any(c.cat == "past" for c in cues)


# ---------------------------------------------------------------- stamps and bylines
_STAMP = re.compile(
    r"^[\W_]{0,3}(?P<kw>sist\s+oppdatert|først\s+publisert|sist\s+endret|publisert|oppdatert"
    r"|oppdatering(?:ar|er)?|endret|korrigert|siste\s+nytt|update|updated)\b[\s:]*", re.I)
_LIVE = re.compile(  # live-blog and agency ticker stamps: "Kl. 14.18:", "(NTB) 17:40:"
    r"^[\W_]{0,3}(?:\(?[A-ZÆØÅ]{2,6}\)?\s*[-–]?\s*)?(?:kl\.?|klokka|klokken)?\s*\d{1,2}[.:]\d{2}\s*(?=:(?!\d))",
    re.I)
_COLON = re.compile(r":(?!\d)")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)|(?<![\d.])\d{1,2}\.\d{1,2}\.\d{2}(?![\d.])")
_NUMERIC_DATE = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})(?![\d])|(?<!\d)20\d{2}-\d{2}-\d{2}")
_PUB_KW = ("publisert", "sist oppdatert", "først publisert", "sist endret")
STAMP_REACH = 45  # characters after the stamp word within which its date and time stand


@dataclass
class Stamp:
    """A publication line or in-body update stamp at the start of a sentence."""

    kind: str  # "publication" | "update"
    reach: int  # mentions starting before this offset belong to the stamp
    content: str  # what the stamp announces (text after it, or the next sentence)


def find_stamps(text: str, sents: list[tuple[int, int]]) -> dict[int, Stamp]:
    """Stamps by sentence index: 'Publisert ...' lines, bylines, 'Oppdatering kl. 14.18:' stamps."""
    lines = [m.span() for m in re.finditer(r"[^\n]*\S[^\n]*", text)]
    edge = {i for i in range(len(lines)) if i < 3 or i >= len(lines) - 3}
    stamps: dict[int, Stamp] = {}
    for i, (s, e) in enumerate(sents):
        sent = text[s:e]
        line = next((k for k, (ls, le) in enumerate(lines) if ls <= s < le), -1)
        whole_line = line >= 0 and lines[line] == (s, e)
        m = _STAMP.match(sent)
        if m:
            kw = " ".join(m["kw"].lower().split())
            colon = _COLON.search(sent, m.end(), m.end() + 60)
            reach = s + (colon.start() if colon else min(len(sent), m.end() + STAMP_REACH))
            content = sent[colon.end():] if colon else sent[reach - s:]
            nothing_after = not re.search(r"[a-zæøå]{3}", content, re.I)
            publication = nothing_after and bool(_YEAR.search(sent)) and (
                kw in _PUB_KW or (kw in ("oppdatert", "endret") and line in edge))
            if not re.search(r"[a-zæøå]{3}", content, re.I) and i + 1 < len(sents):
                content = text[sents[i + 1][0]:sents[i + 1][1]]
            stamps[i] = Stamp("publication" if publication else "update", reach, content)
        elif (live := _LIVE.match(sent)) is not None:
            stamps[i] = Stamp("update", s + live.end(), sent[live.end() + 1:])
        elif whole_line and line in edge and _NUMERIC_DATE.search(sent):
            rest = re.sub(r"\d+[.:/-]?|\bkl\b\.?|\bklokka\b|\bklokken\b", " ", _NUMERIC_DATE.sub(" ", sent))
            if len(re.findall(r"[^\W\d_]+", rest)) <= 6 and sent.rstrip()[-1:] not in (":", ".") \
                    and not find_cues(text, s, e):
                stamps[i] = Stamp("publication", e, "")
    return stamps


# ---------------------------------------------------------------- roles
def _nearest(d: Draft, cues: list[Cue]) -> str | None:
    """Category of the competing cue nearest to the mention, if any."""
    competing = [c for c in cues if c.cat in COMPETING or c.cat == "planned"]
    if not competing:
        return None
    best = min(competing, key=lambda c: max(0, c.start - d.end, d.start - c.end))
    return best.cat


def decide(d: Draft, clause: list[Cue], sentence: list[Cue]) -> tuple[str, float, bool]:
    """(role, confidence, cue_free) of a non-stamp mention from the cues around it."""
    cues = clause or sentence
    cats = {c.cat for c in cues}
    if cats & OVERRIDES or d.direction == "deadline" or any(c.cat == "past" for c in sentence):
        return "other", 0.85, False
    if "speech" in cats and "end" not in cats and d.direction != "since":
        return "other", 0.8, False  # (not "melder at ein feil sidan klokka 17.30 har gjort at ...": the onset)
    near = _nearest(d, clause) or _nearest(d, sentence)
    if near == "planned":
        return "other", 0.8, False
    if d.kind == "duration":  # the outage's length only next to outage words or "varte"
        return ("duration", 0.9, False) if cats & COMPETING or d.direction == "lasted" else ("other", 0.6, True)
    sure = 0.9 if cats & COMPETING else 0.6
    if d.side == "from":
        return "start", sure, False
    if d.side == "to" or d.direction == "to":
        return "end", sure, False
    if d.direction in ("from", "since"):  # "oppe igjen fra klokka 12", "fungert normalt sidan 15.30"
        return ("end" if "end" in cats and "start" not in cats else "start"), sure, False
    if near == "start":
        return "start", 0.85, False
    if near == "end":
        return "end", 0.85, False
    if near == "ongoing":
        return "other", 0.7, False
    if d.kind in ("relative", "marker"):
        return "end", 0.6, True
    return "other", 0.5, True


def assign_roles(text: str, sents: list[tuple[int, int]], drafts: list[Draft],
                 cues: list[list[Cue]], stamps: dict[int, Stamp]) -> dict[int, Stamp]:
    """Set role/confidence on every draft; returns the stamp each stamp mention belongs to (by id)."""
    of_stamp: dict[int, Stamp] = {}
    clauses = [clause_spans(text, s, e) for s, e in sents]
    for d in drafts:
        st = stamps.get(d.sent)
        if st and d.start < st.reach and d.kind in ("clock", "date"):
            d.role, d.confidence = st.kind, 0.95
            of_stamp[id(d)] = st
            continue
        cs, ce = next(((a, b) for a, b in clauses[d.sent] if a <= d.start <= b),
                      sents[d.sent])
        clause = [c for c in cues[d.sent] if c.start < ce and c.end > cs]
        d.role, d.confidence, d.cue_free = decide(d, clause, cues[d.sent])
    return of_stamp


def announces_fix(stamp: Stamp) -> bool:
    """Whether an update stamp's text says the problem is solved."""
    found = find_cues(stamp.content, 0, len(stamp.content))
    cats = [c.cat for c in found]
    return "end" in cats and "ongoing" not in cats and not (set(cats) & OVERRIDES)


def announces_failure(stamp: Stamp) -> bool:
    """Whether an update stamp's text reports the problem itself ("Kl. 07.55: Vi har problem med pålogging")."""
    cats = {c.cat for c in find_cues(stamp.content, 0, len(stamp.content))}
    return "start" in cats and not cats & {"end", "ongoing"} and not (cats & OVERRIDES)
