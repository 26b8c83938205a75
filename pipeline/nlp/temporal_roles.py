"""Roles of time mentions: publication line, update stamp, outage start or end, duration, other.

Cue words come from the gazetteer vocabulary (OUTAGE_START, RESOLVED, ...) plus the short
time-specific lists below. A mention takes its role from the cues of its own clause (or its
sentence when the clause has none): planned work, estimates, other events and bare quote
attributions make it "other"; otherwise the nearest start/end/ongoing cue decides.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pipeline.gazetteer import load_gazetteer

from .temporal_resolve import Draft
from .temporal_scan import clause_spans

# Gazetteer signal -> cue category (IMPACT says nothing about when).
SIGNAL_CATEGORY = {
    "OUTAGE_START": "start", "DEGRADED": "start", "RESOLVED": "end", "OUTAGE_ONGOING": "ongoing",
    "PLANNED_MAINTENANCE": "planned", "NOT_OUTAGE": "not_outage",
}

# Time-specific cue words (language facts), matched as whole words; they override the
# gazetteer category of an identical term. Listed inflections, no compounding.
EXTRA_CUES: dict[str, tuple[str, ...]] = {
    # the outage began / was noticed
    "start": (
        "oppsto", "oppstod", "startet", "starta", "begynte", "byrja", "oppdaget", "oppdaga", "oppdagde",
        "fikk problemer", "fekk problem", "fikk problem", "stoppet", "stoppa", "stanset", "stansa",
        "lå nede", "låg nede", "var nede", "gikk i stå", "gjekk i stå", "mistet", "mista",
        "uplanlagt", "uplanlagd", "uplanlagte", "meldte om", "melde om", "varslet om", "varsla om",
        "fikk melding om", "fekk melding om", "feil på", "feil i", "feil med", "problemer", "problema",
        "problemene", "trøbbel", "ute av drift", "ikke åpnet", "ikkje opna", "fikk ikke", "fekk ikkje",
        "kunne ikke", "kunne ikkje", "ikke logge", "ikkje logge", "ikke fått", "ikkje fått", "kom ikke",
        "kom ikkje", "ikke svar", "ikkje svar", "vanskelig å nå", "vanskelige å nå", "vanskeleg å nå",
        "vanskelege å nå", "kutta", "kuttet", "lynnedslag", "lynnedslaget", "slo ned", "øydela", "ødela",
        "fekk skade", "fikk skade", "straumbrot", "straumbrotet", "strømbrudd", "strømbruddet", "kabelbrot",
        "kabelbrotet", "kabelbrudd", "utan straum", "uten strøm", "gikk strømmen", "gjekk straumen",
        "ramma", "rammet", "råka", "mista sambandet", "mistet forbindelsen",
    ),
    # the outage ended
    "end": (
        "løst", "løyst", "løyste", "løste", "rettet", "retta", "utbedret", "utbetra", "fikset", "fiksa",
        "reparert", "gjenopprettet", "gjenoppretta", "oppe igjen", "oppe att", "i gang igjen",
        "i gang att", "fungerte igjen", "fungerte att", "fungerte normalt", "virket igjen", "verka att",
        "verkar att", "kom tilbake", "kom opp igjen", "kom opp att", "er tilbake", "var tilbake",
        "normalisert", "friskmeldt", "friskmeldte", "avblåst", "avblåste", "på plass igjen",
        "stabil igjen", "omstart", "omstartet", "restartet", "var over", "er over", "åpnet igjen",
        "opna att", "fungert normalt", "fungert som normalt", "fungert igjen", "fungert att", "vore i drift",
        "vært i drift", "virket normalt", "fikk kontroll", "fekk kontroll", "under kontroll",
        "stabilt igjen", "stabilt att", "stabil att", "stabile igjen", "stabile att", "kom i gang igjen",
        "kom i gang att", "normal igjen", "normal att", "normalt igjen", "normalt att", "normale igjen",
        "normale att", "igjen var i drift", "igjen er i drift", "att var i drift", "igjen i drift",
        "att i drift", "igjen mulig", "att mogleg", "mulig igjen", "mogleg att", "vore stabile",
        "vært stabile", "vore stabilt", "vært stabilt",
    ),
    # still going on at that time: a status time, not the start
    "ongoing": (
        "fortsatt", "framleis", "fremdeles", "ennå", "enno", "stadig", "per nå", "foreløpig", "førebels",
        "pågår", "ikke løst", "ikkje løyst", "ikke rettet", "ikkje retta", "ikke oppe", "ikkje oppe",
    ),
    # planned work: competes with the outage words for the nearest time
    "planned": (
        "planlagt", "planlagd", "planlagde", "planlagte", "vedlikehold", "vedlikehald", "vedlikeholdet",
        "vedlikehaldet",
    ),
    # future tense: no time of the clause is an incident time
    "future": (
        "vil være", "vil vere", "vil bli", "vil", "skal", "kommer til å", "kjem til å", "blir stengt",
        "blir stengd", "vert stengt", "vert stengd", "stenges", "stengast", "i morgen", "i morgon",
        "neste", "kommende", "kommande", "oppgraderes", "oppgraderast", "blir oppgradert",
        "vert oppgradert",
    ),
    # repair estimates and deadlines
    "estimate": (
        "forventer", "forventar", "forventa", "forventes", "forventast", "forventet at", "forventning",
        "venter at", "ventar at", "ventet at", "venta at", "er ventet", "er venta", "regner med",
        "reknar med", "estimert", "estimat", "estimert rettetid", "anslått", "anslag", "håper", "håpar",
        "prognose", "innen", "innan", "tidligst", "tidlegast", "senest", "seinast",
        "etter planen",
    ),
    # when someone spoke or wrote (the time is the statement's, unless it reports the fix)
    "speech": (
        "sier", "seier", "sa", "forteller", "fortel", "fortalte", "opplyser", "opplyste", "uttaler",
        "uttalte", "skriver", "skriv", "skrev", "melder", "meldte", "informerer", "informerte",
        "kunngjorde", "bekrefter", "bekreftet", "stadfestar", "stadfesta", "pressemelding",
        "pressemeldinga", "pressemeldingen", "pressekonferanse", "pressekonferansen", "pressemøte",
        "intervju", "til NRK", "til NTB",
    ),
    # another, earlier event: every time of the sentence is about it
    "past": (
        "i fjor", "tidligere i år", "tidlegare i år", "tidligere i uka", "tidlegare i veka",
        "tidligere i måneden", "tidlegare i månaden", "forrige uke", "førre veke", "forrige gang",
        "førre gong", "sist gang", "sist gong", "tilsvarende", "tilsvarande", "for ett år siden",
        "for eitt år sidan",
    ),
    # other events in the same clause: meetings, waiting and opening times
    "aside": (
        "møte", "møtet", "styremøte", "ventetid", "ventetida", "ventetiden", "ventet", "venta",
        "åpningstid", "åpningstider", "opningstid", "besøkstid", "ble stilt", "vart stilt",
        "stilt tilbake", "stilt fram", "tidsomstilling", "tidsomstillinga", "stilles", "stillast",
    ),
    # longer phrases that only shield a shorter cue ("skal ha" = reportedly, not future)
    "neutral": ("skal ha", "skal visstnok", "vil ha", "ikke planlagt", "ikkje planlagd"),
}
# Particle verbs split by the subject after a fronted time ("Torsdag kveld gikk systemet ned").
_GAP = r"\s+(?:[\w,-]+\s+){1,8}?"
_GAP0 = r"\s+(?:[\w-]+\s+){0,4}?"
SPLIT_CUES: tuple[tuple[str, str], ...] = (
    (rf"\b(?:gikk|gjekk|går|falt|fall|fell|faller|datt|detta){_GAP}(?:ned|ut)\b", "start"),
    (rf"\b(?:sluttet|slutta|slutter|sluttar){_GAP}å\s+(?:virke|verke|fungere|svare)\b", "start"),
    (rf"\b(?:kom|kjem|var|er|ble|vart|blei){_GAP}(?:opp\s+(?:igjen|att)|tilbake)\b", "end"),
    (rf"\b(?:fungerte|fungerer|virket|verka|verkar){_GAP}(?:igjen|att|som\s+normalt)\b", "end"),
    (rf"\b(?:startet|starta){_GAP0}på\s+nytt\b", "end"),
    (rf"\b(?:mulig|mogleg|mogeleg|kunne|kan|fikk|fekk){_GAP0}(?:igjen|att)\b", "end"),
    (rf"\b(?:blir|vert|vil\s+bli){_GAP0}(?:stengt|stengd|oppgradert|utilgjengelig|utilgjengeleg|nede)\b",
     "future"),
)
OVERRIDES = frozenset({"future", "estimate", "aside", "past", "not_outage"})
COMPETING = frozenset({"start", "end", "ongoing"})


@dataclass(frozen=True)
class Cue:
    start: int
    end: int
    cat: str


def _body(term: str) -> str:
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
    if "speech" in cats and "end" not in cats:
        return "other", 0.8, False
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
