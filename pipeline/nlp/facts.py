"""Stage: articles → Facts (the `extract` contract) with the spaCy pipeline."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from ..records import Article, Facts, Mention
from .doc_views import TEXT, sentence_of, span_text

_DOMAIN_LABELS = {"TRUST", "HOSPITAL", "TOWN", "REGION", "SYSTEM", "SYSTEM_TERM"}


def mention_id(article_id: str, start: int, end: int, label: str) -> str:
    """Deterministic id of a span: hash of article id, offsets and label."""
    return hashlib.sha1(f"{article_id}|{start}|{end}|{label}".encode()).hexdigest()[:16]


def annotate(articles: Iterable[Article], nlp: Any, batch_size: int = 32) -> Iterator[Facts]:
    """Run the pipeline over articles (streaming) and yield their Facts."""

    def docs() -> Iterator[Any]:
        for article in articles:
            doc = nlp.make_doc(article.text)
            doc.user_data.update(
                {"published": article.published, "lang": article.lang, "site_id": article.site_id, "article": article,
                 TEXT: article.text}
            )
            yield doc

    for doc in nlp.pipe(docs(), batch_size=batch_size):
        yield doc_to_facts(doc, doc.user_data["article"])


def doc_to_facts(doc: Any, article: Article) -> Facts:
    """Collect the components' output of one Doc into a Facts record."""
    out = doc._.outage
    mentions = [
        Mention(
            id=mention_id(article.id, e.start_char, e.end_char, e.label_),
            article_id=article.id, label=e.label_, text=e.text, start_char=e.start_char, end_char=e.end_char,
            kb_id=e.ent_id_ or None, evidence=span_text(sentence_of(e)).strip(), confidence=0.9 if e.label_ in _DOMAIN_LABELS else 0.7,
        )
        for e in doc.ents
    ]
    mentions += [
        Mention(
            id=mention_id(article.id, t.start_char, t.end_char, "TIME"),
            article_id=article.id, label="TIME", text=t.text, start_char=t.start_char, end_char=t.end_char,
            value=iso(t.value), role=t.role, kb_id=t.precision, evidence=t.sentence, confidence=t.confidence,
        )
        for t in out["times"]
    ]
    return Facts(
        article=article, is_outage=out["is_outage"], outage_score=out["score"], status=out["status"],
        start=out["start"], end=out["end"], start_precision=out["start_precision"], end_precision=out["end_precision"],
        systems=out["systems"], trusts=out["trusts"], contacts=out["contacts"], times=out["times"],
        mentions=tuple(mentions), signals=tuple(out["signals"]),
    )


def iso(value: datetime | date | None) -> str | None:
    """Datetime → ISO with offset (minute precision); date → YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(second=0, microsecond=0).isoformat()
    return value.isoformat()


def to_contract(facts: Facts, record_id: str | None = None) -> dict[str, Any]:
    """The JSON object of DESIGN.md's `extract` contract."""
    a = facts.article
    return {
        "id": record_id if record_id is not None else a.id,
        "title": a.title, "published": iso(a.published), "updated": iso(a.updated), "lang": a.lang,
        "url": a.url,
        "is_outage": facts.is_outage, "outage_score": facts.outage_score, "status": facts.status,
        "start": iso(facts.start), "end": iso(facts.end),
        "start_precision": facts.start_precision, "end_precision": facts.end_precision,
        "duration_minutes": facts.duration_minutes,
        "systems": [{"id": s.id, "name": s.name, "type": s.type, "component": s.component,
                     "evidence": s.evidence, "confidence": s.confidence} for s in facts.systems],
        "trusts": [{"id": t.id, "name": t.name, "evidence": t.evidence, "confidence": t.confidence}
                   for t in facts.trusts],
        "contacts": [{"name": c.name, "role": c.role, "org": c.org, "org_id": c.org_id, "email": c.email,
                      "phone": c.phone, "evidence": c.evidence, "confidence": c.confidence} for c in facts.contacts],
        "times": [{"text": t.text, "value": iso(t.value), "role": t.role, "precision": t.precision,
                   "duration_minutes": t.duration_minutes, "evidence": t.sentence} for t in facts.times],
        "entities": [{"text": m.text, "label": m.label, "start_char": m.start_char, "end_char": m.end_char,
                      "kb_id": m.kb_id} for m in facts.mentions if m.label != "TIME"],
    }
