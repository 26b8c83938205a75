"""Person names, sentences, organisations and roles around a name, for press-contact extraction."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from ..gazetteer import Gazetteer
from .contacts_lexicon import (
    AGE_OR_PARTY,
    EXCLUDED_ORG,
    OUTSIDE_PLACE,
    EXCLUDED_ROLE,
    INITIAL,
    NAME_TOKEN,
    ORG_WORDS,
    PARTICLES,
    ROLE_FULL,
    ROLE_PHRASE,
    ROLE_TOKEN,
    ROLE_WORD,
    SPACE,
    STOPWORDS,
    UPPER,
    lower_role,
)

_PREP = r"(?:i|ved|på|hos|frå|fra|for)"
_ABBREVIATIONS = frozenset("st tlf adm dir kl ca bl.a f.eks mob nr kst fg ass jf dvs evt inkl tel fung ref".split())
_ORG_HEADS = (
    r"(?:sykehus|sjukehus|universitetssykehus|universitetssjukehus|hospital|helseforetak|helseføretak|"
    r"kommune|fylkeskommune|klinikk|avdeling|senter|divisjon|seksjon)"
)
_UNKNOWN_ORG = re.compile(
    rf"[{UPPER}][\w&-]*(?:{SPACE}+(?:og{SPACE}+)?(?:[{UPPER}0-9][\w&-]*|{_ORG_HEADS}\b))*"
)
_LEFT_ROLE = re.compile(rf"(?P<role>{ROLE_FULL.pattern}){SPACE}*$")
_LEFT_ROLE_ORG = re.compile(
    rf"(?P<role>{ROLE_PHRASE}){SPACE}+(?P<prep>{_PREP}){SPACE}+(?P<org>[^,;:\n]{{2,60}}?)\s*,\s*$"
)
_RIGHT_APPOSITION = re.compile(
    rf"^\s*,\s*(?:som{SPACE}+(?:er|var|jobber|jobbar){SPACE}+(?:som{SPACE}+)?)?(?P<role>{ROLE_FULL.pattern})"
)
_RIGHT_PAREN = re.compile(rf"^\s*\(\s*(?P<role>{ROLE_FULL.pattern})(?P<rest>[^)]*)\)")
_WORD = re.compile(r"\S+")
_LOOSE_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_GLUED = re.compile(rf"({ROLE_WORD})([{UPPER}].*)$")  # "kommunikasjonsdirektørKari": a role glued to a name
_SPACES = re.compile(rf"{SPACE}+")
_GENITIVE = re.compile(rf"(?P<org>[{UPPER}][\w-]*(?:{SPACE}+[{UPPER}][\w-]*){{0,3}})(?:s|'s|’s|'|’){SPACE}+$")


@dataclass
class Mention:
    """One occurrence of a person name with what its context says about the person."""

    name: str
    start: int
    end: int
    evidence: str
    full: bool  # two or more name tokens (a surname alone is only used for merging)
    role: str | None = None
    org: str | None = None
    email: str | None = None
    phone: str | None = None
    excluded: bool = False
    qualifies: bool = False  # quoted, a press role, or an entry of a contact block
    block: bool = False
    confidence: float = 0.0
    pending: tuple[int, int] | None = None  # the sentence's bounds while `describe` is deferred


def sentences(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Split text[lo:hi] (one line) into sentence spans, not breaking after abbreviations or initials."""
    spans, start = [], lo
    for m in re.finditer(r"[.!?][\"»”]?\s+(?=[–—\-\"«“A-ZÆØÅ0-9])", text[lo:hi]):
        cut = lo + m.start()
        word = re.search(r"(\S+)$", text[start:cut])
        token = word.group(1).lower() if word else ""
        if token in _ABBREVIATIONS or re.fullmatch(rf"[{UPPER}]", word.group(1) if word else ""):
            continue
        spans.append((start, lo + m.end()))
        start = lo + m.end()
    if start < hi:
        spans.append((start, hi))
    return spans


def lines(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) span of every line."""
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _name_kind(word: str, loose: bool) -> str:
    """Classify a word as "name", "initial", "particle" or "other" (loose: any capitalised word)."""
    low = word.lower()
    if low in PARTICLES:
        return "particle"
    if not word[:1].isupper():  # names and initials are capitalised: most words stop here
        return "other"
    if INITIAL.fullmatch(word):
        return "initial"
    shape = _LOOSE_WORD.fullmatch(word) if loose else NAME_TOKEN.fullmatch(word)
    if shape and low not in STOPWORDS and low not in ORG_WORDS and not ROLE_TOKEN.fullmatch(word):
        return "name"
    return "other"


def _tokens(text: str, loose: bool = False) -> list[tuple[int, int, str, bool]]:
    """Word tokens as (start, end, kind, ends_phrase); glued "rolleNavn" tokens are split."""
    return [tok for m in _WORD.finditer(text) for tok in _word_tokens(m, loose)]


def _word_tokens(m: re.Match[str], loose: bool) -> list[tuple[int, int, str, bool]]:
    """The token(s) of one whitespace-separated word (two when a role is glued to a name)."""
    raw, start = m.group(), m.start()
    lead = len(raw) - len(raw.lstrip("(«\"'“[*•-–"))
    core = raw[lead:]
    stripped = core.rstrip(",.;:!?)»\"'”]*")
    if len(core) == 2 and INITIAL.fullmatch(core):
        stripped = core
    cut = len(stripped) < len(core)
    s = start + lead
    out = []
    tail = stripped[1:]
    glued = _GLUED.match(stripped) if tail != tail.lower() else None  # needs a capital after the first letter
    if glued and NAME_TOKEN.fullmatch(glued.group(2)):
        out.append((s, s + len(glued.group(1)), "other", False))
        s += len(glued.group(1))
        stripped = glued.group(2)
    out.append((s, s + len(stripped), _name_kind(stripped, loose) if stripped else "other", cut))
    return out


def rule_names(text: str, gaz: Gazetteer) -> list[tuple[int, int]]:
    """Spans of capitalised name sequences (1-4 name tokens, hyphens, initials and particles allowed)."""
    spans: list[tuple[int, int]] = []
    group: list[tuple[int, int, str, bool]] = []

    def flush() -> None:
        if not group:
            return
        while group and group[-1][2] != "name":
            group.pop()
        names = sum(1 for t in group if t[2] in ("name", "initial"))
        if group and 1 <= names <= 4:
            start, end = group[0][0], group[-1][1]
            if not _is_org_or_system(text[start:end], gaz):
                spans.append((start, end))
        group.clear()

    def step(tok: tuple[int, int, str, bool]) -> None:
        start, end, kind, _ = tok
        same_phrase = bool(group) and not group[-1][3] and _SPACES.fullmatch(text, group[-1][1], start)
        if same_phrase and kind == "other" and text[start:end].lower() in ORG_WORDS:
            group.clear()  # "Martina Hansens Hospital", "Lovisenberg Diakonale Sykehus"
        if group:
            gap = text[group[-1][1]:start]
            if group[-1][3] and group[-1][2] != "initial" or not _SPACES.fullmatch(gap):
                flush()
        if kind == "name" or (group and kind in ("particle", "initial")):
            group.append(tok)
        elif kind != "initial":
            flush()

    for m in _WORD.finditer(text):
        word = m.group()
        if not group and word == word.lower():
            continue  # no capital letter, so no name or initial: a no-op while no name is open
        for tok in _word_tokens(m, False):
            step(tok)
    flush()
    return spans


@cache
def _system_aliases(gaz: Gazetteer) -> frozenset[str]:
    return frozenset(a.lower() for s in gaz.systems.values() for a in (s.name, *s.aliases))


def _is_org_or_system(name: str, gaz: Gazetteer) -> bool:
    return gaz.resolve_trust(name) is not None or name.lower() in _system_aliases(gaz)


def name_spans(text: str, gaz: Gazetteer, person_spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """NER person spans (cleaned) plus rule-found names that do not overlap them, in text order."""
    cleaned = []
    for s, e in person_spans:
        s, e = max(0, s), min(len(text), e)
        toks = _tokens(text[s:e], loose=True)
        keep = [t for t in toks if t[2] in ("name", "initial", "particle")]
        while keep and keep[0][2] != "name":
            keep.pop(0)
        while keep and keep[-1][2] != "name":
            keep.pop()
        if keep and not _is_org_or_system(text[s + keep[0][0]:s + keep[-1][1]], gaz):
            cleaned.append((s + keep[0][0], s + keep[-1][1]))
    rules = [r for r in rule_names(text, gaz) if not any(r[0] < e and s < r[1] for s, e in cleaned)]
    return sorted(set(cleaned) | set(rules))


@cache
def known_org(gaz: Gazetteer) -> re.Pattern[str]:
    """A regex matching any trust or hospital alias (group "org"), with an optional genitive -s."""
    aliases = {a for t in gaz.trusts.values() for a in (t.name, *t.aliases)}
    aliases |= {alias for alias, _, _ in gaz.hospitals}
    parts = []
    for alias in sorted(aliases, key=len, reverse=True):
        body = re.escape(alias).replace(r"\ ", rf"{SPACE}+")
        parts.append(body if len(alias) <= 4 else f"(?i:{body})")
    return re.compile(rf"(?<![\w-])(?P<org>{'|'.join(parts)})(?:s|'s|’s)?(?![\w-])")


def org_at(text: str, pos: int, gaz: Gazetteer, known_only: bool = False) -> tuple[str, int] | None:
    """The organisation written at `pos` (a gazetteer alias, else a capitalised phrase) and its end."""
    known = known_org(gaz).match(text, pos)
    if known:
        return known.group("org"), known.end()
    if known_only:
        return None
    m = _UNKNOWN_ORG.match(text, pos)
    if not m or m.group().split()[0].lower() in STOPWORDS:
        return None
    follow = re.compile(rf"\s*,\s*|{SPACE}+(?:i|ved|på){SPACE}+").match(text, m.end())
    if follow:
        again = known_org(gaz).match(text, follow.end())
        if again:
            return again.group("org"), again.end()
    return m.group(), m.end()


_LOWER_ORG_AFTER = re.compile(r"^\s*,?\s*(?:i|ved|på|hos|fra|frå)\s+(?P<org>[a-zæøå][\w-]*)", re.I)


def org_after(text: str, pos: int, hi: int, gaz: Gazetteer) -> str | None:
    """The organisation introduced by a preposition right after `pos` ("i Helse Nord", "ved UNN")."""
    m = re.compile(rf"{SPACE}+(?P<prep>{_PREP}){SPACE}+").match(text, pos)
    if not m:
        return None
    found = org_at(text, m.end(), gaz, known_only=m.group("prep") == "for")
    if not found:  # "ved medisinsk klinikk på UNN"
        via = re.compile(rf"(?:[a-zæøå-]+{SPACE}+){{1,3}}(?:i|ved|på){SPACE}+").match(text, m.end())
        found = org_at(text, via.end(), gaz, known_only=True) if via else None
    return found[0].strip() if found and found[1] <= hi else None


def describe(text: str, mention: Mention, lo: int, hi: int, gaz: Gazetteer) -> None:
    """Fill role, org and exclusion of a mention from the text around it within [lo, hi)."""
    left, right = text[lo:mention.start], text[mention.end:hi]
    role = org = None
    m = _LEFT_ROLE_ORG.search(left) if left.rstrip().endswith(",") else None  # it ends with "ORG, "
    known = known_org(gaz).fullmatch(m.group("org").strip()) if m else None
    if m and known:
        role, org = m.group("role"), known.group("org")
    elif m and m.group("prep") == "for":
        role = f"{m.group('role')} for {m.group('org').strip()}"
    elif m and m.group("org")[0].isupper():
        role, org = m.group("role"), m.group("org").strip()
    elif m := _LEFT_ROLE.search(left):
        role = m.group("role")
        org = _genitive(left[: m.start()])
    if AGE_OR_PARTY.match(right) or OUTSIDE_PLACE.match(right):
        mention.excluded = True
    outside = _LOWER_ORG_AFTER.match(right)  # "vaktleiar NAME i nettselskapet"
    if outside and EXCLUDED_ORG.fullmatch(outside.group("org")):
        mention.excluded = True
    org = org or org_after(text, mention.end, hi, gaz)
    m = _RIGHT_PAREN.match(right) or _RIGHT_APPOSITION.match(right)
    if m:
        if role is None or EXCLUDED_ROLE.search(m.group("role")):
            role = m.group("role")
        end = mention.end + m.end("role")
        outside = _LOWER_ORG_AFTER.match(text[end:hi])  # "NAME, som er driftsleiar i teleselskapet"
        if outside and EXCLUDED_ORG.fullmatch(outside.group("org")):
            mention.excluded = True
        if org is None:
            org = org_after(text, end, hi, gaz) or _org_segment(text, end, hi, gaz)
    if role and EXCLUDED_ROLE.search(role) or org and EXCLUDED_ORG.search(org):
        mention.excluded = True
    mention.role = lower_role(role) if role else None
    mention.org = org


def _genitive(left: str) -> str | None:
    """The organisation of a genitive before a role ("Helse Nords kommunikasjonssjef")."""
    m = _GENITIVE.search(left)
    if not m:
        return None
    words = m.group("org").split()
    while words and words[0].lower() in STOPWORDS:
        words.pop(0)
    return " ".join(words) or None


def _org_segment(text: str, pos: int, hi: int, gaz: Gazetteer) -> str | None:
    """A comma-separated organisation after a role ("Kari, kommunikasjonssjef, Helse Nord IKT, ...")."""
    m = re.compile(r"\s*,\s*").match(text, pos)
    if not m:
        return None
    found = org_at(text, m.end(), gaz, known_only=True)
    if found and found[1] <= hi and re.match(r"\s*(?:[,;)]|$)", text[found[1]:hi]):
        return found[0]
    return None
