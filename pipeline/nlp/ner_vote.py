"""A majority vote of NER models trained alike with different seeds: one "ner" component.

NorNE is small, and NER models trained on it with different seeds disagree on one entity in
ten; the spans that most of them agree on are right more often than any one model's. Every
member sees the same preset entities (the gazetteer ruler's) and none sees another's output.
"""
from __future__ import annotations

import copy
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import numpy
import srsly
from spacy.attrs import ENT_ID, ENT_IOB, ENT_KB_ID, ENT_TYPE
from spacy.language import Language
from spacy.pipeline.ner import EntityRecognizer, ner_score
from spacy.tokens import Doc, Span
from spacy.util import minibatch
from thinc.api import Model

MEMBER_DIR = "member{}"
ENT_ATTRS = [ENT_IOB, ENT_TYPE, ENT_KB_ID, ENT_ID]
IOB_UNSET, IOB_IN, IOB_OUT, IOB_BEGIN = 0, 1, 2, 3  # token.ent_iob values


def majority(members: int) -> int:
    """The votes a majority of `members` needs (the default of `min_votes`)."""
    return members // 2 + 1


@Language.factory(
    "ner_vote",
    assigns=["doc.ents", "token.ent_iob", "token.ent_type"],
    default_config={"members": 5, "min_votes": 3},
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_ner_vote(nlp: Language, name: str, model: Model, members: int, min_votes: int) -> "NerVote":
    """`model` is the members' architecture (each gets its own deep copy: `Model.copy` drops its refs)."""
    if not 1 <= min_votes <= members:
        raise ValueError(f"ner_vote: min_votes must be between 1 and members ({members}), got {min_votes}")
    return NerVote(name, [EntityRecognizer(nlp.vocab, copy.deepcopy(model), name=f"{name}.{i}")
                               for i in range(members)], min_votes)


class NerVote:
    """Entities that at least `min_votes` members predict; overlaps go to the span with more votes."""

    def __init__(self, name: str, members: list[EntityRecognizer], min_votes: int) -> None:
        self.name, self.members, self.min_votes = name, members, min_votes

    @property
    def labels(self) -> tuple[str, ...]:
        return self.members[0].labels

    def __call__(self, doc: Doc) -> Doc:
        for _ in self.pipe([doc]):
            pass
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for batch in minibatch(docs, batch_size):
            self.set_annotations(batch)
            yield from batch

    def set_annotations(self, docs: list[Doc]) -> None:
        # each member starts from the entity state the docs came with (preset spans, blocked and unset
        # tokens), restored from arrays after every member
        saved = [doc.to_array(ENT_ATTRS) for doc in docs]
        preset = [{(e.start, e.end) for e in doc.ents} for doc in docs]
        votes: list[Counter] = [Counter() for _ in docs]
        for member in self.members:
            member.set_annotations(docs, member.predict(docs))
            for doc, state, fixed, tally in zip(docs, saved, preset, votes):
                tally.update((e.start, e.end, e.label_) for e in doc.ents if (e.start, e.end) not in fixed)
                doc.from_array(ENT_ATTRS, state)
        for doc, tally in zip(docs, votes):
            taken = {token.i for token in doc if token.ent_iob in (IOB_IN, IOB_BEGIN)}
            chosen = []
            # most votes first, then the longer span, then the earlier one
            for (start, end, label), n in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0][0] - kv[0][1], kv[0])):
                if n >= self.min_votes and not taken.intersection(range(start, end)):
                    chosen.append(Span(doc, start, end, label=label))
                    taken.update(range(start, end))
            doc.set_ents(chosen, default="unmodified")
            state = doc.to_array([ENT_IOB, ENT_TYPE])
            if len(state) and (state[:, 0] == IOB_UNSET).any():  # like spaCy's NER: what is left is outside
                state[state[:, 0] == IOB_UNSET, 0] = IOB_OUT
                doc.from_array([ENT_IOB, ENT_TYPE], state)

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        with _half_precision(self.members):
            return srsly.msgpack_dumps({MEMBER_DIR.format(i): member.to_bytes(exclude=["vocab"])
                                        for i, member in enumerate(self.members)})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "NerVote":
        saved = srsly.msgpack_loads(data)
        for i, member in enumerate(self.members):
            member.from_bytes(saved[MEMBER_DIR.format(i)], exclude=["vocab"])
            _cast(member.model, numpy.float32)
        return self

    def score(self, examples, **kwargs):  # type: ignore[no-untyped-def]
        return ner_score(examples, **kwargs)

    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        """Save each member with its weights in half precision: half the size, the same NorNE dev scores."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        with _half_precision(self.members):
            for i, member in enumerate(self.members):
                member.to_disk(path / MEMBER_DIR.format(i), exclude=["vocab"])

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> "NerVote":
        for i, member in enumerate(self.members):
            member.from_disk(Path(path) / MEMBER_DIR.format(i), exclude=["vocab"])
            _cast(member.model, numpy.float32)
        return self


@contextmanager
def _half_precision(members: list[EntityRecognizer]) -> Iterator[None]:
    """The members' weights in float16 while saving; the live weights are put back unchanged after."""
    originals = [[(node, name, node.get_param(name)) for node in member.model.walk()
                  for name in node.param_names if node.has_param(name)] for member in members]
    try:
        for member in members:
            _cast(member.model, numpy.float16)
        yield
    finally:
        for params in originals:
            for node, name, value in params:
                node.set_param(name, value)


def _cast(model: Model, dtype: type) -> None:
    """Convert every weight of `model` to `dtype` in place."""
    for node in model.walk():
        for name in node.param_names:
            if node.has_param(name):
                node.set_param(name, node.get_param(name).astype(dtype))
