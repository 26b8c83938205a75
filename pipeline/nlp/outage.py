"""Outage decision, status, affected trusts and systems from a processed Doc."""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from spacy.tokens import Doc, Span

from ..gazetteer import Gazetteer
from ..records import SystemHit, TimeMention, TrustHit
from .doc_views import sentence_of, sentences, span_text, text_of

# Words that put a sentence in the future or the plan, not in an outage that happened.
_FUTURE = re.compile(
    r"\b(vil|skal|kommer til å|kjem til å|blir stengt|vert stengt|kan gi|kan føre til|kan bli|risiko for|"
    r"dersom|hvis|viss|om det skulle|advarer|åtvarar|varsler om|varslar om|fare for|forbereder|førebur)\b", re.I)
# A failure word in the title next to a system ("Feil i journalsystemet", "Ustabil pasientjournal").
_TITLE_FAILURE = re.compile(
    r"\b(feil\w*|problem\w*|stans\w*|forstyrr\w*|ustabil\w*|treghet\w*|treigleik\w*|nede|trøbbel|svikt\w*|brudd|brot|kaos|utfall|"
    r"ikke|ikkje|borte|tilbake|igjen|att|løst|løyst)\b", re.I)
_NEGATION = re.compile(
    r"\b(ikke|ikkje|ingen|uten|utan)\b[^.]{0,40}\b(berørt|berørte|råka|ramma|rammet|påvirket|påverka|merket|merka|"
    r"\w*problem\w*)\b"
    r"|\b(merket|merka|merkte|kjente|kjende)\s+(ikke|ikkje)\b"  # "merka ikkje noko til feilen"
    r"|\b(hadde|hatt|har hatt)\s+(normal|vanleg|vanlig)\s+drift\b(?!\s+(igjen|att))",  # "hadde normal drift gjennom hele hendelsen"
    re.I)
# "bruker den samme løsningen, men merket ingenting til feilen": not hit (yet no sign of someone else's outage)
_NOTICED_NOTHING = re.compile(r"\b(merket|merka|merkte)\s+(ingenting|inkje)\b", re.I)
# "og heller ikke Helse Stavanger eller Helse Førde har meldt om problem": the named trusts are not hit
_NEITHER = re.compile(r"\bheller\s+ikk(?:e|je)\b[^,.;:]{0,50}$", re.I)
# "anrop ble sendt videre til sentralbordet på Ahus", "pasientane vart køyrde til Førde": the receiver is not hit
_RECEIVER = re.compile(
    r"(\b(videresend\w*|vidaresend\w*|omdiriger\w*|overført\w*|overført|sendt|sendte|sendes|send|sende|kjørt|køyrd\w*|"
    r"fraktet|frakta|fløyet|flydd|flytta|flyttet|henvist|tilvist)\b(\s+(videre|vidare|over))?"
    r"|\b(satt|sett|sette|settes|koblet|kobla|kopla|koplet)\s+(over|videre|vidare))"  # not "koblet til nettverket"
    r"\s+til\s+([\w-]+\s+){0,3}?((på|ved|i)\s+)?$", re.I)
_HOSPITAL_WORD = re.compile(r"\b(sykehus\w*|sjukehus\w*|klinikk\w*|hospital\w*|DPS\w*|distriktspsykiatrisk\w*)\b", re.I)
# "Haukeland sende to fagfolk for å hjelpe kollegaene": a trust that helps is not hit (by that mention)
_HELPS = re.compile(r"\b(for å hjelpe|for å hjelpa|hjelpte|hjelpe til|bisto|bistod|assisterte|lånte ut|stilte med)\b", re.I)
# "Helse Vest RHF vil gå gjennom hendinga": a regional authority that reviews its trusts' incident is not hit by it
# (a hospital trust reviewing its own incident is)
_REVIEWS = re.compile(r"\b(gå gjennom|evaluere)\s+(hendinga|hendelsen|hendingane|hendelsene)\b", re.I)
_CONTACT_LINE = re.compile(r"(@|\btelefon\b|\btlf\b|\bmobil\b|kontaktperson|pressevakt|mediekontakt|mediesid|pressekontakt)", re.I)
# Infrastructure types recorded as the failing component when an application is named too.
_SERVICE_PAGE = re.compile(r"\bSist oppdatert\b")
_PUBLISHED = re.compile(r"\bPublisert\b")
_TEASER = re.compile(r"\b(Les (hele )?saken|Les meir|Les mer|Les heile saka)\b", re.I)
_WEIGHTS = {
    "OUTAGE_START": 1.3, "OUTAGE_ONGOING": 0.5, "RESOLVED": 0.6, "DEGRADED": 0.4, "IMPACT": 0.5,
    "PLANNED_MAINTENANCE": -1.2, "NOT_OUTAGE": -1.5,
}


@dataclass(frozen=True)
class Decision:
    is_outage: bool
    score: float
    status: str
    signals: tuple[str, ...]
    trusts: tuple[TrustHit, ...]
    systems: tuple[SystemHit, ...]


def sentence_signals(doc: Doc) -> dict[int, list[str]]:
    """Vocabulary signals per sentence start index (from the vocab_signals span group)."""
    out: dict[int, list[str]] = {}
    for span in doc.spans.get("signals", []):
        out.setdefault(sentence_of(span).start, []).append(span.label_)
    return out


def score_outage(doc: Doc) -> tuple[float, tuple[str, ...]]:
    """Probability-like score that the article reports an IT outage, with the signals that drove it.

    Evidence is weighted by position (title > lead > body); announced, hypothetical or planned
    events, exercises and topic pages where the outage is not the subject count against.
    """
    sents = sentences(doc)
    if not sents:
        return 0.0, ()
    by_sent = sentence_signals(doc)
    has_it = {sentence_of(s).start for s in doc.ents if s.label_ in ("SYSTEM", "SYSTEM_TERM")}
    total: Counter = Counter()
    z = -2.2
    published = doc.user_data.get("published")
    text = text_of(doc)
    line_end = text.find("\n") if "\n" in text else len(text)
    heads = [s for s in sents if s.start_char < line_end] or sents[:1]  # "Driftsmelding: Treghet i DIPS Arena": one title
    n_head = len(heads)
    for i, sent in enumerate(sents):
        signals = by_sent.get(sent.start, [])
        if not signals or i >= n_head and _background(sent, published):
            continue  # (an earlier event: "Sist gong liknande trugsmål kom, i januar 2023, var nettsidene ustabile")
        weight = 2.0 if i < n_head else (1.4 if i < n_head + 3 else 1.0)
        future = bool(_FUTURE.search(span_text(sent)))
        for label in signals:
            total[label] += 1
            w = _WEIGHTS.get(label, 0.0)
            if w > 0 and future:
                w = -0.4  # "vil være nede", "kan gi brudd": announced or hypothetical, not happened
            if w > 0 and label == "OUTAGE_START" and sent.start in has_it:
                w += 0.6
            z += w * weight / (1 + 0.5 * (total[label] - 1))
    title_signals = {label for h in heads for label in by_sent.get(h.start, ())}
    title_text = text[heads[0].start_char:heads[-1].end_char]
    if any(h.start in has_it for h in heads) and _TITLE_FAILURE.search(title_text) and not _FUTURE.search(title_text):
        z += 1.5  # the headline names a system and a failure
    if "NOT_OUTAGE" in title_signals or "PLANNED_MAINTENANCE" in title_signals and "OUTAGE_START" not in title_signals:
        z -= 3.0  # an exercise, a planned stop or a go-live is the subject (not "planlagt vedlikehald enda med stans")
    lead = [s for s in sents[:5] if set(by_sent.get(s.start, ())) - {"NOT_OUTAGE", "PLANNED_MAINTENANCE"}]
    if not lead:
        z -= 1.5  # the outage is not what the article is about (topic pages, service pages)
    if not has_it:
        z -= 2.0  # readiness or impact words alone are not an IT outage
    if _SERVICE_PAGE.search(text_of(doc)) and not _PUBLISHED.search(text_of(doc)):
        z -= 1.5  # only "Sist oppdatert": a service or topic page, not a news item
    if len(_TEASER.findall(text_of(doc))) >= 1 and len(sents) > 8:
        z -= 1.0  # "Les saken ...": a listing of teasers
    score = 1 / (1 + math.exp(-z))
    return round(score, 3), tuple(sorted(total))


# Resolution words in an expectation, estimate or condition do not resolve anything.
_HEDGE = re.compile(r"\b(håper|håpar|regner med|reknar med|forventer|ventar|venter|uklart|usikkert|inntil|til\s+feilen|"
                    r"når\s+(?:[\w-]+\s+){0,3}(?:er|blir|virker|verkar|fungerer|fungerar|kommer|kjem)|anslag|estimat|"
                    r"i løpet av|innen|før\s+\w+\s+er|vil|skal|kan)\b", re.I)


def decide_status(doc: Doc, is_outage: bool, has_end: bool) -> str:
    """resolved (a fix reported as done, or an end time), ongoing (failure words only) or unknown."""
    if not is_outage:
        return "unknown"
    resolved = ongoing = False
    by_sent = sentence_signals(doc)
    for sent in sentences(doc):
        signals = set(by_sent.get(sent.start, ()))
        text = span_text(sent)
        # "Helsenettet fungerer som normalt": a system that was never hit, not a fix ("... igjen" is one)
        if "RESOLVED" in signals and not _HEDGE.search(text) and not (_WORKED.search(text) and not _AGAIN.search(text)):
            resolved = True
        if signals & {"OUTAGE_ONGOING", "OUTAGE_START", "DEGRADED"}:
            ongoing = True
    if resolved or has_end:
        return "resolved"
    return "ongoing" if ongoing else "unknown"


_AGAIN = re.compile(r"\b(igjen|atter|på nytt|på ny)\b", re.I)
_FAILING = {"OUTAGE_START", "OUTAGE_ONGOING", "DEGRADED"}


def recurred_after(doc: Doc, times: Sequence[TimeMention], end: datetime | date) -> bool:
    """Whether the outage came back after its end: a failure word next to "igjen"/"på nytt" ("har igjen
    falt ut", "nede på nytt"), stated as fact, in a sentence dated after the end by its own time or
    by the update stamp above it. "Fungerer igjen" is a fix, "hindre at det skjer igjen" a wish."""
    by_sent = sentence_signals(doc)
    for span in doc.spans.get("signals", []):
        if span.label_ not in _FAILING:
            continue
        sent = sentence_of(span)
        near = doc[max(sent.start, span.start - 3): min(sent.end, span.end + 3)]
        if not _AGAIN.search(near.text) or "RESOLVED" in by_sent.get(sent.start, ()) or _HEDGE.search(span_text(sent)):
            continue
        own = [t for t in times if sent.start_char <= t.start_char < sent.end_char and t.role != "publication"]
        stamps = [t for t in times if t.role == "update" and t.start_char < sent.start_char]
        when = own[0].value if own else stamps[-1].value if stamps else None
        if when is not None and _later(when, end):
            return True
    return _fixed_in_part(doc, times, end)


_STILL = re.compile(r"\b(fortsatt|framleis|fremdeles|enno|ennå|stadig)\b", re.I)


def _fixed_in_part(doc: Doc, times: Sequence[TimeMention], end: datetime | date) -> bool:
    """Whether the end was only some users' ("Sørlandet sykehus meldte normal drift fra klokken 12.10.
    Ved Vestre Viken er journalsystemet fortsatt ustabilt"): the sentence after it, in its paragraph,
    names another place where the failure still goes on."""
    by_sent = sentence_signals(doc)
    text = text_of(doc)
    sents = sentences(doc)
    for t in times:
        if t.role != "end" or t.value != end:
            continue
        k = next((k for k, s in enumerate(sents) if s.start_char <= t.start_char < s.end_char), None)
        if k is None or k + 1 >= len(sents) or "\n" in text[sents[k].end_char:sents[k + 1].start_char]:
            continue
        after = sents[k + 1]
        signals = set(by_sent.get(after.start, ()))
        if signals & _FAILING and "RESOLVED" not in signals and _STILL.search(span_text(after)) \
                and not _HEDGE.search(span_text(after)) and not _CAUSE_HUNT.search(span_text(after)) \
                and _places(after) - _places(sents[k]):
            return True
    return False


# "Det er fortsatt ikke kjent hvorfor journalsystemet falt ut": the search for the cause, not the failure
_CAUSE_HUNT = re.compile(r"\b(hvorfor|kvifor|årsak\w*|hva som|kva som|finne ut)\b", re.I)


def _places(sent: Span) -> set[str]:
    """The trusts, hospitals and towns a sentence names (their ids)."""
    return {e.ent_id_ or e.text.lower() for e in sent.ents if e.label_ in ("TRUST", "HOSPITAL", "TOWN")}


def _later(a: datetime | date, b: datetime | date) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a > b
    return (a.date() if isinstance(a, datetime) else a) > (b.date() if isinstance(b, datetime) else b)


def _in_contact_block(sent: Span) -> bool:
    return bool(_CONTACT_LINE.search(span_text(sent)))


def trust_findings(doc: Doc, gaz: Gazetteer, publisher: str | None) -> tuple[tuple[TrustHit, ...], bool]:
    """Trusts hit by the outage (named, via hospitals/towns, or by collective phrases; not negated; not IT
    providers), and whether an outside report (not on a trust's own site) names trusts only to say they
    were not hit: the outage was someone else's (a municipality, a GP office)."""
    hits: dict[str, TrustHit] = {}
    negated: set[str] = set()
    denied = False  # some trust, hospital or town said not to be hit
    by_sent = sentence_signals(doc)
    first_sents = {s.start for s in sentences(doc)[:1]}
    for ent in doc.ents:
        if ent.label_ not in ("TRUST", "HOSPITAL", "TOWN", "REGION"):
            continue
        sent = sentence_of(ent)
        if _in_contact_block(sent) or _said_by(ent):
            continue
        if ent.label_ == "TOWN" and not (_HOSPITAL_WORD.search(span_text(sent)) or _has_other_place(ent)):
            continue
        clause = span_text(sent)[max(0, ent.start_char - sent.start_char - 5):]  # the mention and what follows
        left = text_of(doc)[sent.start_char:ent.start_char]
        denied = denied or bool(_NEGATION.search(clause) or _NEITHER.search(left))
        if not _about_outage(sent, by_sent, first_sents) or _SCOPE.search(left):
            continue
        if _background(sent, doc.user_data.get("published")):
            continue  # "UNN hadde et lignende brudd i fjor høst": another, earlier event
        ids = _expand(ent, gaz)
        if _RECEIVER.search(left) or _HELPS.search(clause):
            continue
        if _REVIEWS.search(clause) and all(getattr(gaz.trusts.get(i), "kind", "") == "RHF" for i in ids):
            continue
        neg = _NEGATION.search(clause[:120]) or _NOTICED_NOTHING.search(clause[:120])
        if (neg and not re.search(r"\b(alle|heile|hele)\b", clause[:min(40, neg.start())], re.I)
                or _NEITHER.search(left)):
            if ent.label_ in ("TRUST", "REGION"):  # a hospital or town not hit leaves its trust's other sites
                negated.update(ids)
            continue
        for trust_id in ids:
            trust = gaz.trusts.get(trust_id)
            if trust is None or trust.is_it_provider:
                continue
            hits.setdefault(trust_id, TrustHit(trust_id, trust.name, span_text(sent).strip(), 0.9))
    for trust_id in negated:
        hits.pop(trust_id, None)
    outside = not (publisher and publisher in gaz.trusts)
    only_unaffected = outside and denied and not hits
    if not hits and publisher and publisher in gaz.trusts and not gaz.trusts[publisher].is_it_provider:
        hits[publisher] = TrustHit(publisher, gaz.trusts[publisher].name, "published on the trust's own site", 0.6)
    return tuple(sorted(hits.values(), key=lambda t: t.id)), only_unaffected


# A relative clause describing whom an IT provider serves ("som drifter IT-systemene for sykehusene i ...").
_SCOPE = re.compile(r"\bsom\s+(drifter|driftar|leverer|forvalter|forvaltar|har ansvar for|betjener|har driftsansvaret)\b"
                    r"[^.,;]*$", re.I)
_ALL_OF = re.compile(
    r"\b(alle|heile|hele|samtlige)\s+(de\s+|dei\s+)?(\w+\s+){0,2}?(sykehus\w*|sjukehus\w*|helseforetak\w*|"
    r"helseføretak\w*|foretaksgrupp\w*|føretaksgrupp\w*|foretak\w*|føretak\w*)\s+(i|på|under|ved)\s*$",
    re.I,
)
_REST_OF = re.compile(r"\b(resten|resterande|resterende|andre\s+deler|andre\s+delar)\s+av\s*$", re.I)
_SOME_HOSPITALS_OF = re.compile(r"\b(sykehus|sjukehus)\s+(i|på|under)\s*$", re.I)
_HOSPITALS_OF = re.compile(r"\b(sykehusene|sjukehusa|helseforetakene|helseføretaka)\s+(i|på|under)\s*$", re.I)


def _expand(ent: Span, gaz: Gazetteer) -> list[str]:
    """Trust ids a mention stands for: "alle sykehusene i Helse Nord" is the region's trust and its hospital trusts,
    "sykehusene i Midt-Norge" the hospital trusts only, a bare region word nothing."""
    trust_id = ent.ent_id_
    trust = gaz.trusts.get(trust_id)
    if trust is None:
        return []
    left = text_of(ent.doc)[sentence_of(ent).start_char: ent.start_char]
    if trust.kind == "RHF":
        members = list(gaz.region_members.get(trust_id, ()))
        if _ALL_OF.search(left):
            return [trust_id, *members]
        if _HOSPITALS_OF.search(left):
            return members
        if _SOME_HOSPITALS_OF.search(left) or _REST_OF.search(left):
            return []  # "en rekke sykehus i Helse Sør-Øst, blant dem ...": the region is only where they are
        if re.search(r"\b(i|på)\s*$", left, re.I) and not re.search(r"^\s*(RHF|regionale)", text_of(ent.doc)[ent.end_char:ent.end_char + 12]):
            return []
        return [] if ent.label_ == "REGION" else [trust_id]
    return [trust_id]


# Another, earlier event: a comparison or the history of the system ("et lignende brudd i fjor",
# "for nokre år sidan", "ikke første gang").
_EARLIER = re.compile(r"\b(i fjor|i fjor\w*|i fjar|år siden|år sidan|tidligere i år|tidlegare i år|forrige gang|førre gong|"
                      r"lignende|liknande|tilsvarende|tilsvarande|ikke første gang|ikkje første gong|de siste årene|"
                      r"dei siste åra|de siste åra)\b", re.I)


def _background(sent: Span, published: date | None) -> bool:
    """A sentence about an earlier event: a history cue, or a year far from the publication."""
    from .temporal import other_years

    text = text_of(sent.doc)
    return bool(_EARLIER.search(span_text(sent)) or other_years(text, sent.start_char, sent.end_char, published))


def _about_outage(sent: Span, by_sent: dict[int, list[str]], first: set[int]) -> bool:
    """A sentence that speaks of the outage: the title, or one with outage vocabulary or a system."""
    if sent.start in first:
        return True
    if any(label not in ("NOT_OUTAGE", "PLANNED_MAINTENANCE") for label in by_sent.get(sent.start, ())):
        return True
    return any(e.label_ in ("SYSTEM", "SYSTEM_TERM") for e in sent.ents)


def _said_by(ent: Span) -> bool:
    """An organisation named only as a spokesperson's employer ("sier NAME i Helse Nord IKT")."""
    left = ent.doc[max(sentence_of(ent).start, ent.start - 5): ent.start].text.lower()
    return bool(re.search(r"\b(sier|seier|opplyser|fortel|forteller|skriv|skriver)\b", left))


def _has_other_place(ent: Span) -> bool:
    return sum(1 for e in sentence_of(ent).ents if e.label_ in ("TOWN", "HOSPITAL", "TRUST")) > 1


_WORKED = re.compile(r"\b(fungerte|fungerer|virket|virka|verka|gikk|gjekk|går)\b[^.]{0,30}\b(som normalt|normalt|hele tiden|heile tida)\b"
                     r"|\b(ikke|ikkje)\s+(berørt|råka|ramma|rammet|påvirket|påverka)\b"
                     r"|\b(fungerer|fungerar|virker|verkar)(?=\s*(?:,\s*men|\.|$))"  # "DIPS Arena fungerer, men ..."
                     r"|\b(hele|heile)\s+(tiden|tida)\s+i\s+drift\b|\bi\s+drift\s+(hele|heile)\s+(tiden|tida)\b"
                     r"|\b(bruke|brukte|nytte|nytta)\b[^.]{0,40}\bsom (normalt|vanlig|vanleg)\b", re.I)
_FAILURE_SIGNALS = {"OUTAGE_START", "OUTAGE_ONGOING", "DEGRADED", "IMPACT"}
_OLD = re.compile(r"\b(gamle|gamla|gammel|gammal|dagens|eksisterende|eksisterande)\s+$", re.I)
_VENDOR = re.compile(r"\b(leverandøren|leverandør|leverandørane|leverandørene|leverandøren sin|selskapet)\s+$", re.I)
_CHANNEL = re.compile(r"\b(ringe|ringje|ring|kontakte|kontakt|bruke|nytte|via)\s+$", re.I)
_NO_CHANNEL = re.compile(r"\b(ikke|ikkje|ingen|verken|korkje)\b", re.I)


def failing_systems(doc: Doc, gaz: Gazetteer, is_outage: bool = True) -> tuple[SystemHit, ...]:
    """Systems named (products) or described (generic terms → type); a failing component such as
    storage or a data centre is recorded on the application it brought down, not as a system.

    In an outage report only systems in sentences about the failure count (title, or outage
    vocabulary), never ones said to have worked; elsewhere every system the text talks about.
    """
    by_sent = sentence_signals(doc)
    title = next(iter(sentences(doc)), None)
    hits: list[tuple[SystemHit, bool, bool]] = []  # (hit, is_component, in a failure sentence)
    said: dict[str, set[str]] = {}  # product id -> how the text names it (lower-cased)
    for ent in doc.ents:
        sent = sentence_of(ent)
        if ent.label_ not in ("SYSTEM", "SYSTEM_TERM") or _in_contact_block(sent):
            continue
        if is_outage and _WORKED.search(span_text(sent)):
            continue
        before = text_of(doc)[max(sent.start_char, ent.start_char - 40):ent.start_char]
        if ent.label_ == "SYSTEM" and _VENDOR.search(before):
            continue  # "feilsøkte saman med leverandøren DIPS": the company, not a system
        if ent.label_ == "SYSTEM":  # ("gamle DIPS" is the old system itself, not short for the new one)
            said.setdefault(ent.ent_id_, set()).add("" if _OLD.search(before) else " ".join(ent.text.lower().split()))
        if is_outage and _CHANNEL.search(before) and not _NO_CHANNEL.search(before):
            continue  # "pasientar vart bedne om å ringje 113": the way round the outage, not a failing system
        failing = (title is not None and sent.start == title.start) or bool(set(by_sent.get(sent.start, ())) & _FAILURE_SIGNALS)
        component = ent.text.lower() in gaz.components or ent.ent_id_ in ("infra-storage", "infra-it-general")
        if ent.label_ == "SYSTEM" and ent.ent_id_ in gaz.systems:
            system = gaz.systems[ent.ent_id_]
            hit = SystemHit(system.id, system.name, system.type, span_text(sent).strip(), None, 0.9)
        elif ent.label_ == "SYSTEM_TERM":
            hit = SystemHit(None, None, ent.ent_id_, span_text(sent).strip(), None, 0.7)
        else:
            continue
        hits.append((hit, component, failing))
    if is_outage and any(f for _, _, f in hits):
        failing_types = {h.type for h, _, f in hits if f}
        named_types = {h.type for h, _, f in hits if f and h.id}
        # a product named elsewhere in the text says which system of a failing type it was, unless the
        # failure itself names one ("gikk over fra Dips Classic til Dips Arena i 2023" is background)
        hits = [h for h in hits if h[2] or (h[0].id and h[0].type in failing_types - named_types)]
    # "DIPS" in a text that names DIPS Arena is short for it, not the older DIPS Classic (not for DIPS RIS: another type)
    named = {h.id: ((h.name or "").lower(), h.type) for h, _, _ in hits if h.id}
    shorthand = {i for i, forms in said.items() if i in named and len(forms) == 1 and (word := next(iter(forms)))
                 and " " not in word and any(j != i and name.startswith(word + " ") and kind == named[i][1]
                                             for j, (name, kind) in named.items())}
    hits = [h for h in hits if h[0].id not in shorthand]
    systems = [h for h, component, _ in hits if not component]
    components = [h for h, component, _ in hits if component]
    if not systems:
        return tuple(_dedupe_types([SystemHit(None, None, "OTHER", c.evidence, c.name or c.type, c.confidence)
                                    for c in components[:1]]))
    component = next((c.name or _COMPONENT_NAMES.get(c.type, c.type) for c in components), None)
    unique: dict[tuple[str | None, str], SystemHit] = {}
    for s in systems:
        unique.setdefault((s.id, s.type), SystemHit(s.id, s.name, s.type, s.evidence, component, s.confidence))
    return tuple(_dedupe_types(list(unique.values())))


_COMPONENT_NAMES = {"NETWORK": "infrastructure", "OTHER": "infrastructure"}


def _dedupe_types(hits: list[SystemHit]) -> list[SystemHit]:
    """Drop generic hits already covered: a type a product names, and "IT in general" next to anything specific."""
    named_types = {h.type for h in hits if h.id}
    specific = any(h.type != "OTHER" for h in hits)
    return [h for h in hits if h.id or (h.type not in named_types and not (specific and h.type == "OTHER"))]
