"""Derived facts in the store: articles with their mentions and contacts, written in Arrow batches."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timezone
from typing import Any

import duckdb

from .records import Contact, Facts


class DerivedFacts:
    """The Store's upserts of articles and their facts (mixed into `pipeline.store.Store`)."""

    con: duckdb.DuckDBPyConnection
    transaction: Callable[[], AbstractContextManager[None]]

    # -- articles and facts --------------------------------------------------------------
    def save_facts(self, batch: Sequence[tuple[Facts, str | None, dict[str, Any]]], code_version: str) -> None:
        """Upsert articles with their facts, mentions and contacts (one batch, one transaction).

        Rows go in as Arrow tables (one INSERT per table, not one per row); an upsert is the delete of
        the batch's articles with their mentions and contacts, then the insert.
        """
        import pyarrow as pa

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
                facts.is_outage, facts.outage_score, facts.status, _timestamp(st), sd, facts.start_precision,
                _timestamp(et), ed, facts.end_precision, facts.duration_minutes,
                sorted({s.id for s in facts.systems if s.id}), sorted({s.type for s in facts.systems}),
                [t.id for t in facts.trusts], list(facts.signals),
                json.dumps(contract, ensure_ascii=False, sort_keys=True), code_version, _timestamp(now),
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
        tables = {name: _arrow(pa, columns, rows.values())
                  for name, columns, rows in (("articles", _ARTICLE_COLUMNS, articles),
                                              ("mentions", _MENTION_COLUMNS, mentions),
                                              ("contacts", _CONTACT_COLUMNS, contacts))}
        ids = pa.table({"id": pa.array(list(articles), pa.string())})
        with self.transaction():
            self.con.register("batch_ids", ids)
            try:
                # mention and contact ids hash their article id: deleting by article replaces them all
                for name, key in (("mentions", "article_id"), ("contacts", "article_id"), ("articles", "id")):
                    self.con.execute(f"DELETE FROM {name} WHERE {key} IN (SELECT id FROM batch_ids)")
                for name, table in tables.items():
                    if table.num_rows:
                        columns = ", ".join(table.column_names)
                        self.con.register("batch_rows", table)
                        self.con.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM batch_rows")
                        self.con.unregister("batch_rows")
            finally:
                self.con.unregister("batch_ids")


_ARTICLE_COLUMNS = (
    ("id", "string"), ("page_id", "string"), ("page_hash", "string"), ("url", "string"), ("site_id", "string"),
    ("title", "string"), ("text", "string"), ("published", "date"), ("updated", "date"), ("lang", "string"),
    ("is_outage", "bool"), ("outage_score", "double"), ("status", "string"), ("start_time", "string"),
    ("start_date", "date"), ("start_precision", "string"), ("end_time", "string"), ("end_date", "date"),
    ("end_precision", "string"), ("duration_minutes", "int32"), ("systems", "list"), ("system_types", "list"),
    ("trusts", "list"), ("signals", "list"), ("facts_json", "string"), ("code_version", "string"),
    ("processed_at", "string"),
)
_MENTION_COLUMNS = (
    ("id", "string"), ("article_id", "string"), ("label", "string"), ("text", "string"), ("start_char", "int32"),
    ("end_char", "int32"), ("kb_id", "string"), ("value", "string"), ("role", "string"), ("evidence", "string"),
    ("confidence", "double"),
)
_CONTACT_COLUMNS = (
    ("id", "string"), ("article_id", "string"), ("name", "string"), ("role", "string"), ("org", "string"),
    ("org_id", "string"), ("email", "string"), ("phone", "string"), ("evidence", "string"), ("confidence", "double"),
)


def _arrow(pa: Any, columns: Sequence[tuple[str, str]], rows: Iterable[list[Any]]) -> Any:
    """A pyarrow Table of rows with the given (name, type) columns."""
    types = {"string": pa.string(), "date": pa.date32(), "bool": pa.bool_(), "double": pa.float64(),
             "int32": pa.int32(), "list": pa.list_(pa.string())}
    values: list[list[Any]] = [[] for _ in columns]
    for row in rows:
        for i, v in enumerate(row):
            values[i].append(v)
    return pa.table({name: pa.array(vals, types[kind]) for (name, kind), vals in zip(columns, values)})


def _timestamp(value: datetime | None) -> str | None:
    """ISO text of a timestamp, cast to TIMESTAMPTZ by DuckDB on insert exactly as a bound datetime is
    (with its offset when aware, else in the session time zone)."""
    return value.isoformat() if value is not None else None


def split_time(value: datetime | date | None) -> tuple[datetime | None, date | None]:
    if isinstance(value, datetime):
        return value, value.date()
    return None, value


def contact_id(article_id: str, contact: Contact, index: int) -> str:
    import hashlib

    key = f"{article_id}|{contact.name}|{contact.email}|{contact.phone}|{index}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
