"""The gazetteer's entity ruler: spaCy's `entity_ruler` semantics on phrase matchers.

spaCy's token Matcher tries every one of the ~800 gazetteer patterns at every token, which made
the ruler the costliest rule component (≈ 15 ms per article). The patterns are plain word
sequences (`LOWER` or exact `ORTH`, optionally `IN` two genitive forms), so a PhraseMatcher
finds the same matches through a trie. Matches are then ordered exactly as the token Matcher
orders them (by end, start, pattern) before spaCy's overlap rule, so ties between two labels of
one span resolve as before and the entities are identical (tested against `entity_ruler`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from .doc_views import text_of

_ID_SEP = "||"  # spaCy's EntityRuler label||id key, so kb ids come out the same


@Language.factory("gazetteer_ruler", assigns=["doc.ents"])
def make_gazetteer_ruler(nlp: Language, name: str) -> "GazetteerRuler":
    return GazetteerRuler(nlp)


def phrase_forms(pattern: list[dict[str, Any]]) -> tuple[str, list[list[str]]] | None:
    """(attribute, word sequences) a token pattern stands for, or None when it is more than words."""
    attrs = {attr for spec in pattern for attr in spec}
    if len(attrs) != 1 or not attrs <= {"LOWER", "ORTH"} or any(len(spec) != 1 for spec in pattern):
        return None
    attr = attrs.pop()
    sequences: list[list[str]] = [[]]
    for spec in pattern:
        value = spec[attr]
        if isinstance(value, str):
            options = [value]
        elif isinstance(value, dict) and list(value) == ["IN"] and all(isinstance(v, str) for v in value["IN"]):
            options = list(value["IN"])
        else:
            return None
        sequences = [s + [o] for s in sequences for o in options]
    return attr, sequences


class GazetteerRuler:
    """Sets gazetteer entities (label, kb id) without overwriting entities already on the Doc."""

    def __init__(self, nlp: Language) -> None:
        self.vocab = nlp.vocab
        self.make_doc: Callable[[str], Doc] = nlp.make_doc
        self.phrases = {attr: PhraseMatcher(nlp.vocab, attr=attr) for attr in ("LOWER", "ORTH")}
        self.tokens = Matcher(nlp.vocab)
        self.keys: list[tuple[int, str, str]] = []  # per pattern: (match key, label, kb id)
        self.labels: dict[int, tuple[str, str]] = {}  # match key -> (label, kb id)
        # lower-cased first words of the token patterns (None: some pattern does not start with a word):
        # a text holding none of them is not handed to the token Matcher, which visits every token
        self.token_words: set[str] | None = set()

    def add_patterns(self, patterns: Iterable[dict[str, Any]]) -> None:
        """Add entity_ruler-style token patterns ({"label", "pattern", "id"}), in priority order."""
        for entry in patterns:
            index = len(self.keys)
            label, kb_id = entry["label"], entry.get("id") or ""
            key = self.vocab.strings.add(f"{label}{_ID_SEP}{kb_id}" if kb_id else label)
            self.keys.append((key, label, kb_id))
            self.labels[key] = (label, kb_id)
            forms = phrase_forms(entry["pattern"])
            docs = [self._words_doc(words) for words in forms[1]] if forms else []
            if forms and all(d is not None for d in docs):
                self.phrases[forms[0]].add(str(index), docs)
            else:  # not plain words, or the tokenizer would split the words otherwise: keep the token pattern
                self.tokens.add(str(index), [entry["pattern"]])
                firsts = {words[0].lower() for words in forms[1]} if forms else None
                self.token_words = None if firsts is None or self.token_words is None else self.token_words | firsts

    def _words_doc(self, words: list[str]) -> Doc | None:
        """A Doc of exactly these tokens, when the tokenizer yields them from the joined words."""
        doc = self.make_doc(" ".join(words))
        return doc if [t.text for t in doc] == words else None

    def matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """(key, start, end) in the order of spaCy's entity_ruler: longest first, then leftmost."""
        matchers = [*self.phrases.values()]
        lower = text_of(doc).lower() if len(self.tokens) and self.token_words else ""
        if len(self.tokens) and (self.token_words is None or any(w in lower for w in self.token_words)):
            matchers.append(self.tokens)
        found = [m for matcher in matchers if len(matcher) for m in matcher(doc)]
        indexed = sorted((end, start, int(self.vocab.strings[key])) for key, start, end in found if start != end)
        # the token Matcher's order (end, start, pattern) fed into spaCy's set + stable sort
        unique = set((self.keys[i][0], start, end) for end, start, i in indexed)
        return sorted(unique, key=lambda m: (m[2] - m[1], -m[1]), reverse=True)

    def __call__(self, doc: Doc) -> Doc:
        entities = list(doc.ents)
        new: list[Span] = []
        seen: set[int] = set()
        for key, start, end in self.matches(doc):
            if any(t.ent_type for t in doc[start:end]):
                continue  # overwrite_ents=False: an entity already there wins
            if start not in seen and end - 1 not in seen:
                label, kb_id = self.labels[key]
                new.append(Span(doc, start, end, label=label, span_id=kb_id) if kb_id else Span(doc, start, end, label=label))
                entities = [e for e in entities if not (e.start < end and e.end > start)]
                seen.update(range(start, end))
        doc.ents = entities + new
        return doc
