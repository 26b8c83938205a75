"""spaCy components of the project's "nb" pipeline, registered with @Language.factory."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy

from spacy.attrs import IDX, IS_LOWER, IS_PUNCT, IS_SPACE, ORTH, SENT_START
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from ..gazetteer import GAZETTEER_DIR, load_gazetteer
from . import contacts as contacts_mod
from . import outage, temporal
from .doc_views import SENTENCE_BOUNDS, text_of

# a closing mark, or a year or clock time that swallowed the full stop ("i 2019.", "klokka 14.30.")
_SENT_END = re.compile(r"^[.!?:;]+$|^[.!?]+[\"»”’)]*$|^(\d{4}|\d{1,2}[.:]\d{2})\.$")


@Language.factory("paragraph_sentencizer", assigns=["token.is_sent_start"])
def make_paragraph_sentencizer(nlp: Language, name: str) -> "ParagraphSentencizer":
    return ParagraphSentencizer()


class ParagraphSentencizer:
    """Sentences end at . ! ? and at every line break (titles, stamps and contact lines have no full stop).

    Works on arrays of the tokens' attributes (no Token objects): what the previous token says
    (a line break, a closing mark) depends on its text only and is looked up once per word.
    """

    def __init__(self) -> None:
        self._closes: dict[int, tuple[bool, bool]] = {}  # orth → (holds a line break, ends a sentence)

    def _flags(self, orth: int, strings) -> tuple[bool, bool]:  # (int, StringStore) -> (bool, bool)
        flags = self._closes.get(orth)
        if flags is None:
            text = strings[orth]
            flags = self._closes[orth] = ("\n" in text, _SENT_END.match(text) is not None)
        return flags

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        arr = doc.to_array([ORTH, IS_PUNCT, IS_LOWER, IS_SPACE])
        orths, where = numpy.unique(arr[:, 0], return_inverse=True)
        flags = numpy.array([self._flags(int(o), doc.vocab.strings) for o in orths], dtype=bool).reshape(-1, 2)[where]
        starts = numpy.zeros(len(doc), dtype=bool)
        # a line break, or a closing mark before a word that is neither punctuation nor lower-case
        starts[1:] = flags[:-1, 0] | (flags[:-1, 1] & (arr[1:, 1] == 0) & (arr[1:, 2] == 0))
        starts &= arr[:, 3] == 0  # (a line break's own space token never starts a sentence)
        starts[0] = True
        # SENT_START: 1 starts a sentence, -1 does not (spaCy's attribute arrays are uint64)
        doc.from_array([SENT_START], numpy.where(starts, 1, -1).astype("int64").astype("uint64").reshape(-1, 1))
        first = numpy.flatnonzero(starts).tolist()
        doc.user_data[SENTENCE_BOUNDS] = (first, first[1:] + [len(doc)])
        return doc


def _inflections(term: str) -> list[str]:
    """A one-word term and its common inflected forms ("utilgjengelig" → "utilgjengelige", ...)."""
    if " " in term or len(term) < 6:
        return [term]
    return [term, *(term + suffix for suffix in ("e", "a", "t", "et", "en", "ene", "er", "ar", "te"))]


@Language.factory("vocab_signals", assigns=["doc.spans"], default_config={"gazetteer_dir": ""})
def make_vocab_signals(nlp: Language, name: str, gazetteer_dir: str) -> "VocabSignals":
    return VocabSignals(nlp, Path(gazetteer_dir) if gazetteer_dir else GAZETTEER_DIR)


class VocabSignals:
    """Marks outage vocabulary (start, ongoing, resolved, planned, impact, not-outage) as spans.

    Phrases come from the gazetteer; verbs split by their subject ("sluttet telefonsentralen å
    sette over", "vart skjermane svarte") from the time roles' split cues, where they do not
    overlap a phrase already found.
    """

    _SPLIT_SIGNAL = {"start": "OUTAGE_START", "end": "RESOLVED"}

    def __init__(self, nlp: Language, gazetteer_dir: Path) -> None:
        from .temporal_lexicon import SPLIT_CUES

        gaz = load_gazetteer(gazetteer_dir)
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        by_signal: dict[str, list[str]] = {}
        for term, _, signal in gaz.vocabulary:
            by_signal.setdefault(signal, []).append(term)
        for signal, terms in by_signal.items():
            self.matcher.add(signal, [nlp.make_doc(v) for t in terms for v in _inflections(t)])
        # split cues by their first word, found in one scan; per cue: its signal and whether the cue
        # itself is a negation ("klarte ... ikke å", "ingen kunne")
        self.split: dict[str, list[tuple[re.Pattern[str], str, bool]]] = {}
        for rx, cat in SPLIT_CUES:
            if cat in self._SPLIT_SIGNAL:
                cue = (re.compile(rx, re.I), self._SPLIT_SIGNAL[cat], bool(re.search(r"ikke|ikkje|ingen", rx)))
                for word in _lead_words(rx):
                    self.split.setdefault(word, []).append(cue)
        self.split_lead = re.compile(rf"\b(?:{'|'.join(sorted(self.split, key=len, reverse=True))})\b", re.I)

    def __call__(self, doc: Doc) -> Doc:
        found = [Span(doc, s, e, label=doc.vocab.strings[m]) for m, s, e in self.matcher(doc)]
        # a NEUTRAL phrase only shields the cues inside it ("overgangen til sommertid" is no migration)
        shield = {i for span in found if span.label_ == "NEUTRAL" for i in range(span.start, span.end)}
        spans = [span for span in found if span.label_ != "NEUTRAL" and not shield.intersection(range(span.start, span.end))]
        taken = {i for span in spans for i in range(span.start, span.end)}
        text = text_of(doc)
        for lead in self.split_lead.finditer(text):
            for rx, label, negative in self.split[lead.group().lower()]:
                m = rx.match(text, lead.start())
                if m is None or (not negative and _NEGATION_WORD.search(m.group())):
                    continue  # no cue, or "falt ikke ut": the split gap holds a negation
                words = len(m.group().split())
                if words > (11 if _INFINITIVE_TAIL.search(m.group()) else 7) or " for å " in m.group():
                    continue  # "går nå gjennom alle brevene for å finne ut": too far apart to be one verb
                span = doc.char_span(m.start(), m.end(), label=label, alignment_mode="expand")
                if span is not None and not taken.intersection(range(span.start, span.end)):
                    spans.append(span)
                    taken.update(range(span.start, span.end))
        spans = [_not_yet(doc, span) if span.label_ == "RESOLVED" else span for span in spans]
        doc.spans["signals"] = [span for span in sorted(spans, key=lambda span: (span.start, span.end))
                                if span.label_ not in _FAILURE or not _denied(doc, span)]
        return doc


def _lead_words(pattern: str) -> tuple[str, ...]:
    """The words a split-cue pattern starts with: r"\\b(?:gikk|falt)\\s+..." gives gikk, falt."""
    m = re.match(r"\\b\(\?:([^()]+?)\)|\\b(\w+)", pattern)
    if m is None:
        raise ValueError(f"a split cue must start with \\b and its first words: {pattern[:40]}")
    return tuple(w for w in (m.group(1) or m.group(2)).lower().split("|"))


# "sluttet påloggingen på PC-ene ved St. Olavs hospital å virke": the infinitive closes the verb, a longer subject is fine
_INFINITIVE_TAIL = re.compile(r"\så\s+\w+$")
_NEGATION_WORD = re.compile(r"\b(?:ikke|ikkje|ingen|aldri|verken|korkje)\b", re.I)
_FAILURE = {"OUTAGE_START", "DEGRADED"}


def _not_yet(doc: Doc, span: Span) -> Span:
    """A fix word negated right before it ("Feilen er enno ikkje retta", "er ikke løst") says the
    outage goes on."""
    for token in reversed(doc[max(0, span.start - 3):span.start]):
        if token.lower_ in ("ikke", "ikkje"):
            return Span(doc, span.start, span.end, label="OUTAGE_ONGOING")
        if token.is_punct or token.is_sent_start:
            break
    return span


def _denied(doc: Doc, span: Span) -> bool:
    """A failure word under "verken ... eller" / "korkje ... eller" earlier in its clause:
    "Verken straumen eller datanettet fall ut" says nothing failed."""
    for token in reversed(doc[max(0, span.start - 8):span.start]):
        if token.lower_ in ("verken", "korkje"):
            return True
        if token.text in ".;:!?" or token.is_sent_start:
            return token.lower_ in ("verken", "korkje")
    return False


@Language.factory("compound_terms", assigns=["doc.ents", "doc.spans"], default_config={"gazetteer_dir": ""})
def make_compound_terms(nlp: Language, name: str, gazetteer_dir: str) -> "CompoundTerms":
    return CompoundTerms(Path(gazetteer_dir) if gazetteer_dir else GAZETTEER_DIR)


class CompoundTerms:
    """Norwegian compounds of a system word and a failure word ("Strømbrudd", "telefonproblemer", "IT-trøbbel"),
    and hyphenated compounds of a product name the tokenizer keeps whole ("Sectra-systemet", "DIPS-feilen").

    A system-word compound becomes a SYSTEM_TERM entity of the word's type, a product compound a
    SYSTEM entity of the product; either is an OUTAGE_START signal when its second part is a failure word.
    """

    def __init__(self, gazetteer_dir: Path) -> None:
        from .patterns import product_aliases

        gaz = load_gazetteer(gazetteer_dir)
        systems = sorted((p for p, k, _ in gaz.compounds if k == "system"), key=len, reverse=True)
        failures = sorted((p for p, k, _ in gaz.compounds if k == "outage"), key=len, reverse=True)
        self.types = {p: t for p, k, t in gaz.compounds if k == "system"}
        failure = rf"({'|'.join(map(re.escape, failures))})\w{{0,4}}"
        self.pattern = re.compile(rf"^({'|'.join(map(re.escape, systems))})(?:s|e)?-?{failure}$")
        self.products = product_aliases(gaz)
        names = sorted(self.products, key=len, reverse=True)
        self.product = re.compile(rf"^({'|'.join(map(re.escape, names))})-(?:{failure}$)?")
        self.failure = re.compile(rf"^{failure}$")
        # a token can only be a compound if it holds a hyphen or a failure word: found in one scan of the text
        self.candidates = re.compile(rf"-|(?=(?:{'|'.join(map(re.escape, failures))}))", re.I)

    def _match(self, word: str) -> tuple[str, str, bool] | None:
        """(label, id, is a failure compound) of a compound token, None for other words."""
        if "-" in word and (m := self.product.match(word)) and len(word) > m.end(1) + 1:
            return "SYSTEM", self.products[m.group(1)], bool(self.failure.match(word[m.end(1) + 1:]))
        if m := self.pattern.match(word):
            return "SYSTEM_TERM", self.types[m.group(1)], True
        return None

    def _candidate_tokens(self, doc: Doc) -> list:  # -> list[Token], in order
        """The tokens holding a hyphen or a failure word: every token `_match` can accept, not one by one."""
        text = text_of(doc)
        starts = doc.to_array(IDX).astype(numpy.int64)
        found = sorted({int(i) for i in numpy.searchsorted(starts, [m.start() for m in self.candidates.finditer(text)],
                                                             side="right") - 1})
        return [doc[i] for i in found if i >= 0]

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        taken = {i for e in ents for i in range(e.start, e.end)}
        signals = list(doc.spans.get("signals", []))
        signalled = {i for s in signals for i in range(s.start, s.end)}
        for token in self._candidate_tokens(doc):
            found = self._match(token.lower_)
            if found is None:
                continue
            label, kb_id, failing = found
            if token.i not in taken:
                ents.append(Span(doc, token.i, token.i + 1, label=label, span_id=kb_id))
            if failing and token.i not in signalled:
                signals.append(Span(doc, token.i, token.i + 1, label="OUTAGE_START"))
        doc.ents = sorted(ents, key=lambda e: e.start)
        doc.spans["signals"] = signals
        return doc


@Language.factory("outage_prefilter", assigns=["doc._.candidate"], default_config={"threshold": 0.05})
def make_outage_prefilter(nlp: Language, name: str, threshold: float) -> "OutagePrefilter":
    return OutagePrefilter(threshold)


class OutagePrefilter:
    """Cheap outage score from vocabulary and gazetteer spans; only candidates get the costly components.

    The score is kept in doc.user_data so `outage_facts` does not compute it twice.
    """

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def __call__(self, doc: Doc) -> Doc:
        score, signals = outage.score_outage(doc)
        doc.user_data["outage_score"] = (score, signals)
        doc._.candidate = score >= self.threshold
        return doc


@Language.factory("candidate_only", default_config={"component": "ner"})
def make_candidate_only(nlp: Language, name: str, component: str) -> "CandidateOnly":
    return CandidateOnly(nlp.get_pipe(component))


class CandidateOnly:
    """Runs a (disabled) statistical component, e.g. the NER, only on prefilter candidates."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def __call__(self, doc: Doc) -> Doc:
        return self.inner(doc) if doc._.candidate else doc

    def pipe(self, docs, batch_size: int = 128):  # type: ignore[no-untyped-def]
        from spacy.util import minibatch

        for batch in minibatch(docs, batch_size):
            candidates = [d for d in batch if d._.candidate]
            if candidates:
                for _ in self.inner.pipe(candidates, batch_size=batch_size):  # annotates in place
                    pass
            yield from batch


@Language.factory(
    "outage_facts",
    assigns=["doc._.outage"],
    default_config={"gazetteer_dir": "", "threshold": 0.5},
)
def make_outage_facts(nlp: Language, name: str, gazetteer_dir: str, threshold: float) -> "OutageFacts":
    return OutageFacts(Path(gazetteer_dir) if gazetteer_dir else GAZETTEER_DIR, threshold)


class OutageFacts:
    """Times, contacts, affected trusts, systems and the outage decision for one article.

    Reads `published`, `lang` and `site_id` from doc.user_data; writes a dict to doc._.outage.
    """

    def __init__(self, gazetteer_dir: Path, threshold: float) -> None:
        self.gaz = load_gazetteer(gazetteer_dir)
        self.threshold = threshold

    def __call__(self, doc: Doc) -> Doc:
        published: date | None = doc.user_data.get("published")
        lang = doc.user_data.get("lang") or "nb"
        publisher = doc.user_data.get("site_id")
        score, signals = doc.user_data.get("outage_score") or outage.score_outage(doc)
        trusts, elsewhere = outage.trust_findings(doc, self.gaz, publisher) if score >= self.threshold else ((), False)
        is_outage = score >= self.threshold and not elsewhere
        candidate = doc._.candidate if doc.has_extension("candidate") and doc._.candidate is not None else True
        text = text_of(doc)
        times = temporal.find_times(text, published, lang) if candidate else []
        start, start_p, end, end_p = temporal.incident_window(times) if is_outage else (None, None, None, None)
        recurred = end is not None and outage.recurred_after(doc, times, end)
        if recurred:  # the fix did not hold: the incident is open again
            end, end_p = None, None
        persons = [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "PER"]
        article = doc.user_data.get("article")
        found_contacts = contacts_mod.find_contacts(text, self.gaz, persons, publisher,
                                                    article.url if article is not None else None)
        doc._.outage = {
            "is_outage": is_outage,
            "score": score,
            "status": "ongoing" if recurred else outage.decide_status(doc, is_outage, end is not None),
            "signals": signals,
            "start": start, "start_precision": start_p, "end": end, "end_precision": end_p,
            "times": tuple(times),
            "contacts": tuple(found_contacts),
            "trusts": trusts if is_outage else (),
            "systems": outage.failing_systems(doc, self.gaz, is_outage),
        }
        return doc
