"""Derived facts in the store: articles with their mentions and contacts, written in batches."""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timezone
from typing import Any

import duckdb

from .bulk_rows import delete_rows, insert_rows
from .records import Contact, Facts


class DerivedFacts:
    """The Store's upserts of articles and their facts (mixed into `pipeline.store.Store`)."""

    con: duckdb.DuckDBPyConnection
    transaction: Callable[[], AbstractContextManager[None]]

    # -- articles and facts --------------------------------------------------------------
    def save_facts(self, batch: Sequence[tuple[Facts, str | None, dict[str, Any]]], code_version: str) -> None:
        """Upsert articles with their facts, mentions and contacts (one batch, one transaction).

        Each table's rows go in with one statement (`bulk_rows`); an upsert is the delete of the
        batch's articles with their mentions and contacts, then the insert.
        """
        now = datetime.now(timezone.utc)
        articles: dict[str, list[Any]] = {}
        mentions: dict[str, list[Any]] = {}
        contacts: dict[str, list[Any]] = {}
        for facts, page_hash, contract in batch:
            a = facts.article
            st, sd = split_time(facts.start)
            et, ed = split_time(facts.end)
            articles[a.id] = [  # a repeated id: the last one wins, as with INSERT OR REPLACE
                a.id, a.page_id, page_hash, a.url, a.site_id, a.title, a.text, a.published, a.updated, a.lang,
                facts.is_outage, facts.outage_score, facts.status, st, sd, facts.start_precision, et, ed,
                facts.end_precision, facts.duration_minutes,
                sorted({s.id for s in facts.systems if s.id}), sorted({s.type for s in facts.systems}),
                [t.id for t in facts.trusts], list(facts.signals),
                json.dumps(contract, ensure_ascii=False, sort_keys=True), code_version, now,
            ]
            for m in facts.mentions:
                mentions[m.id] = [m.id, a.id, m.label, m.text, m.start_char, m.end_char, m.kb_id, m.value,
                                  m.role, m.evidence, m.confidence]
            for i, c in enumerate(facts.contacts):
                cid = contact_id(a.id, c, i)
                contacts[cid] = [cid, a.id, c.name, c.role, c.org, c.org_id, c.email, c.phone, c.evidence,
                                 c.confidence]
        if not articles:
            return
        with self.transaction():
            # mention and contact ids hash their article id: deleting by article replaces them all
            for table, key in (("mentions", "article_id"), ("contacts", "article_id"), ("articles", "id")):
                delete_rows(self.con, table, [key], ([i] for i in articles))
            for table, columns, rows in (("articles", _ARTICLE_COLUMNS, articles),
                                         ("mentions", _MENTION_COLUMNS, mentions),
                                         ("contacts", _CONTACT_COLUMNS, contacts)):
                insert_rows(self.con, table, columns, rows.values())


_ARTICLE_COLUMNS = (
    "id", "page_id", "page_hash", "url", "site_id", "title", "text", "published", "updated", "lang", "is_outage",
    "outage_score", "status", "start_time", "start_date", "start_precision", "end_time", "end_date",
    "end_precision", "duration_minutes", "systems", "system_types", "trusts", "signals", "facts_json",
    "code_version", "processed_at",
)
_MENTION_COLUMNS = ("id", "article_id", "label", "text", "start_char", "end_char", "kb_id", "value", "role",
                    "evidence", "confidence")
_CONTACT_COLUMNS = ("id", "article_id", "name", "role", "org", "org_id", "email", "phone", "evidence", "confidence")


def split_time(value: datetime | date | None) -> tuple[datetime | None, date | None]:
    if isinstance(value, datetime):
        return value, value.date()
    return None, value


def contact_id(article_id: str, contact: Contact, index: int) -> str:
    import hashlib

    key = f"{article_id}|{contact.name}|{contact.email}|{contact.phone}|{index}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
