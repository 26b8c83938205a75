"""Views of a Doc found once and shared by the components that read them: its text and sentences.

`doc.text`, `doc.sents` and `span.sent` walk the tokens at every access; the prefilter, the
outage decision, the system and trust rules and the mention evidence ask for them many times per
article. They are kept in doc.user_data as plain values (no Span there: a Span refers back to its
Doc).
"""
from __future__ import annotations

from bisect import bisect_right

from spacy.tokens import Doc, Span

SENTENCE_BOUNDS = "sentence_bounds"  # the paragraph sentencizer sets it; else found here on first use
TEXT = "doc_text"  # set by whoever makes the Doc from a known text (facts.annotate); else found here


def text_of(doc: Doc) -> str:
    """The Doc's text, as `doc.text`."""
    text = doc.user_data.get(TEXT)
    if text is None:
        text = doc.user_data[TEXT] = doc.text
    return text


def span_text(span: Span) -> str:
    """A span's text, as `span.text`, cut from the Doc's text."""
    return text_of(span.doc)[span.start_char:span.end_char]


def _bounds(doc: Doc) -> tuple[list[int], list[int]]:
    bounds = doc.user_data.get(SENTENCE_BOUNDS)
    if bounds is None or (bounds[1] and bounds[1][-1] != len(doc)):
        spans = list(doc.sents) if len(doc) else []
        bounds = ([s.start for s in spans], [s.end for s in spans])
        doc.user_data[SENTENCE_BOUNDS] = bounds
    return bounds


def sentences(doc: Doc) -> list[Span]:
    """The Doc's sentences, as `list(doc.sents)`."""
    starts, ends = _bounds(doc)
    return [Span(doc, s, e) for s, e in zip(starts, ends)]


def sentence_of(span: Span) -> Span:
    """The sentence holding the span's first token, as `span.sent`."""
    starts, ends = _bounds(span.doc)
    i = bisect_right(starts, span.start) - 1
    return Span(span.doc, starts[i], ends[i])
