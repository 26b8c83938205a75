"""Training-time augmentation for the NorNE NER: swap entity mentions for others of the same label.

A model that has seen "Kari Nordmann" only in one sentence learns the name, not the context that
makes it a person. Replacing some mentions by other training mentions of the same label (a person
by a person, an organisation by an organisation) keeps the context and varies the names, so the
context is what the model has to learn. Used from the training config:

    [corpora.train.augmenter]
    @augmenters = "norne_mention_swap.v1"
    level = 0.3
    source = ${paths.train}
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example
from spacy.util import registry


@registry.augmenters("norne_mention_swap.v1")
def create_mention_swap(level: float, source: str, seed: int = 0) -> Callable[[Language, Example], Iterator[Example]]:
    """Yield each example, plus (with probability `level`) a copy with its mentions swapped."""
    pool: dict[str, list[tuple[str, ...]]] = {}
    rng = random.Random(seed)

    def load(nlp: Language) -> None:
        seen: dict[str, set[tuple[str, ...]]] = {}
        for doc in DocBin().from_disk(Path(source)).get_docs(nlp.vocab):
            for ent in doc.ents:
                seen.setdefault(ent.label_, set()).add(tuple(t.text for t in ent))
        pool.update({label: sorted(forms) for label, forms in seen.items()})

    def augment(nlp: Language, example: Example) -> Iterator[Example]:
        yield example
        if not example.reference.ents or rng.random() >= level:
            return
        if not pool:
            load(nlp)
        yield swap_mentions(nlp, example.reference, pool, rng)

    return augment


def swap_mentions(nlp: Language, gold: Doc, pool: dict[str, list[tuple[str, ...]]], rng: random.Random) -> Example:
    """A new gold example with every mention replaced by a random one of the same label."""
    words: list[str] = []
    spaces: list[bool] = []
    ents: list[tuple[int, int, str]] = []
    i = 0
    for ent in gold.ents:
        for token in gold[i:ent.start]:
            words.append(token.text)
            spaces.append(bool(token.whitespace_))
        forms = pool.get(ent.label_)
        new = list(rng.choice(forms)) if forms else [t.text for t in ent]
        start = len(words)
        words.extend(new)
        spaces.extend([True] * (len(new) - 1) + [bool(gold[ent.end - 1].whitespace_)])
        ents.append((start, len(words), ent.label_))
        i = ent.end
    for token in gold[i:]:
        words.append(token.text)
        spaces.append(bool(token.whitespace_))
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    doc.set_ents([Span(doc, s, e, label=label) for s, e, label in ents], default="outside")
    return Example(Doc(nlp.vocab, words=words, spaces=spaces), doc)
