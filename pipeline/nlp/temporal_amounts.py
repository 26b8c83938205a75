"""Lengths of time in a sentence: outage durations, relative offsets ("tre kvarter senere") and markers."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .temporal_lexicon import (
    APPROX_AMOUNT, DURATION_BEFORE, MARKER_PHRASES, NUMBER_WORDS, RELATIVE_AFTER, UNITS, VAGUE_AMOUNTS, alt,
)

I, X = re.IGNORECASE, re.VERBOSE


@dataclass
class AmountAtom:
    """A length of time: a relative offset, an outage duration or a vague relative marker."""

    start: int
    end: int
    kind: str  # "relative" | "duration" | "marker"
    minutes: int | None
    approx: bool
    lasted: bool = False  # "varte fire timer": the length of something, not an offset



class Claims:
    """Character ranges already taken by an earlier, more specific pattern."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []

    def free(self, s: int, e: int) -> bool:
        """Whether [s, e) overlaps no claimed range."""
        return all(e <= a or s >= b for a, b in self.spans)

    def take(self, s: int, e: int) -> None:
        """Claim [s, e)."""
        self.spans.append((s, e))


_QTY = rf"(?:\d+(?:,\d+|\.\d{{1,2}}(?!\d))?|{alt(NUMBER_WORDS)})"
_UNIT = "|".join(f"(?P<u{i}>{rx})" for i, (rx, _) in enumerate(UNITS))
_AMOUNT = re.compile(rf"""(?<![\w.,])
    (?P<pre>(?:{alt(DURATION_BEFORE + ('etter', 'for'))})\s+)?
    (?:(?P<mod>{alt(APPROX_AMOUNT)})\s+)?
    (?:(?P<vague>{alt(VAGUE_AMOUNTS)})\s+
      |(?P<qty>{_QTY})(?:\s*(?:-|–|til|eller)\s*(?P<qty2>{_QTY}))?(?P<andhalf>\s+og\s+(?:en|ei|ein|eit|et)\s+halv)?\s*-?\s*)?
    (?:(?P<mod2>drøy|drøye|drøyt|knapp|knappe|snau|snaue|god|gode|vel)\s+)?
    (?P<half>halv\s+)?
    (?:{_UNIT})(?!\w)
    (?P<extra>\s+og\s+(?P<qty3>{_QTY})\s+(?:minutt(?:er|ar|a)?|min\b\.?|(?P<quarters>kvarter)(?!\w)))?
    (?P<post>\s+(?:{alt(RELATIVE_AFTER + ('lang', 'lange', 'langt', 'siden', 'sidan'))})(?!\w))?""", I | X)
_MARKER = re.compile(rf"(?<!\w)(?:{alt(MARKER_PHRASES)})(?!\w)", I)
_RATE_AFTER = re.compile(r"\s+i\s+(?:døgnet|uka|veka|året|timen)\b", I)


def _number(raw: str) -> float:
    """A digit string (decimal comma or point) or number word as a number."""
    raw = raw.lower()
    return NUMBER_WORDS[raw] if raw in NUMBER_WORDS else float(raw.replace(",", "."))


def _amount(m: re.Match, text: str) -> AmountAtom | None:
    """An AmountAtom from an _AMOUNT match, or None when it is not an outage length or offset."""
    unit = next(i for i in range(len(UNITS)) if m[f"u{i}"])
    per = UNITS[unit][1]
    pre = " ".join((m["pre"] or "").lower().split())
    post = " ".join((m["post"] or "").lower().split())
    if m["qty"]:  # a range ("fem-seks minutt") counts from its lower bound
        qty = _number(m["qty"]) + (0.5 if m["andhalf"] else 0)
        extra = _number(m["qty3"]) * (15 if m["quarters"] else 1) if m["extra"] else 0  # "ein time og eit kvarter"
        minutes: int | None = round(qty * per * (0.5 if m["half"] else 1) + extra)
    elif m["vague"]:
        minutes = None
    elif m["half"] or (per == 30 and (m["mod"] or m["mod2"])):
        minutes = round(per * (0.5 if m["half"] else 1))
    else:
        return None
    approx = bool(m["mod"] or m["mod2"] or m["qty2"])
    if post in ("siden", "sidan") or pre == "for" or _RATE_AFTER.match(text, m.end()):
        return None
    if post in RELATIVE_AFTER or pre == "etter":
        end = m.end() if post else m.end("extra") if m["extra"] else m.end(f"u{unit}")
        return AmountAtom(m.start(), end, "relative", minutes, approx)
    if not (pre or m["mod"] or post) and re.match(r"\s+for\b", text[m.end():]):
        return None  # "ein dag for seint"
    if pre or m["mod"] or post or m["qty"]:
        return AmountAtom(m.start(), m.end(), "duration", minutes, approx, pre.startswith(("var", "pågi", "pågj")))
    return AmountAtom(m.start(), m.end(), "duration", minutes, approx) if m["vague"] else None


def scan_amounts(text: str, s: int, e: int, claims: Claims) -> list[AmountAtom]:
    """Relative markers, offsets and durations in text[s:e] not overlapping earlier claims."""
    out = []
    for m in _MARKER.finditer(text, s, e):
        if claims.free(m.start(), m.end()):
            claims.take(m.start(), m.end())
            out.append(AmountAtom(m.start(), m.end(), "marker", None, True))
    for m in _AMOUNT.finditer(text, s, e):
        atom = _amount(m, text)
        if atom and claims.free(atom.start, atom.end):
            claims.take(atom.start, atom.end)
            out.append(atom)
    return sorted(out, key=lambda a: a.start)
