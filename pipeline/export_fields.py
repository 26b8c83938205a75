"""What each exported column means: descriptions and Frictionless types of the dataset's fields."""
from __future__ import annotations

import re
from functools import cache

from .store import SCHEMA

RESOURCES = {
    "incidents": "One row per outage incident: reports of the same event merged (see the merge rule).",
    "incident_reports": "Which articles report which incident.",
    "incident_conflicts": "Start/end values on which an incident's reports disagree, one row per report, "
                          "and which won.",
    "incident_status_changes": "When an incident was first reported ongoing and first reported resolved.",
    "articles": "News articles of the health trusts with the facts extracted from them (no full text unless "
                "exported with --with-text).",
    "mentions": "Spans the NLP found in the articles (trusts, systems, times, people, organisations).",
    "contacts": "Press contacts named in the articles (public contact details as published).",
    "trusts": "Reference: the health trusts, their kind and regional health authority.",
    "systems": "Reference: the IT systems (products) the extraction recognises, with their type and aliases.",
    "coverage": "Which trusts' news sites were crawled and over which period: no coverage means unknown, not zero.",
}

_COMMON = {
    "id": "Deterministic id (hash); stable across runs.",
    "article_id": "Id of the article (articles.id).",
    "incident_id": "Id of the incident (incidents.id).",
    "title": "Title of the article (for incidents: of its most informative report).",
    "url": "Canonical URL of the article on the trust's news site.",
    "site_id": "Trust id of the news site the article was published on (trusts.id).",
    "published": "Publication date of the article (Europe/Oslo).",
    "updated": "Date the article says it was last updated, if any.",
    "lang": "Language of the article: nb (bokmål) or nn (nynorsk).",
    "status": "ongoing | resolved | unknown, as reported.",
    "start_time": "Start of the outage to the minute (Europe/Oslo offset); empty when only the day is known.",
    "start_date": "Day the outage started (Europe/Oslo).",
    "start_precision": "How precisely the start is known: minute | approximate | part-of-day | day.",
    "end_time": "End of the outage to the minute (Europe/Oslo offset); empty when only the day is known.",
    "end_date": "Day the outage ended (Europe/Oslo).",
    "end_precision": "How precisely the end is known: minute | approximate | part-of-day | day.",
    "duration_minutes": "Duration in minutes (end - start of clock times, else a duration the text states).",
    "systems": "Ids of the affected systems (systems.id).",
    "system_types": "Types of the affected systems (e.g. EPJ, RIS/PACS, LAB, network).",
    "trusts": "Ids of the affected trusts (trusts.id).",
    "regions": "Ids of the regional health authorities of the affected trusts.",
    "signals": "Impact and vocabulary signals seen in the text.",
    "impacts": "Impact signals (cancelled or postponed appointments/operations, paper fallback).",
    "confidence": "Confidence of the extraction, 0-1.",
    "official": "True when published on the site of an affected trust (or its regional authority / IT provider).",
    "region_id": "Id of the regional health authority (trusts.id of an RHF).",
    "kind": "Kind of trust: RHF (regional), HF (hospital trust), IT-provider, ...",
    "name": "Name.",
    "precision": "minute | approximate | part-of-day | day.",
    "evidence": "The sentence or phrase the value was taken from.",
    "published_date": "Publication date.",
}

_FIELDS = {
    "incidents": {
        "id": "Incident id: hash of the article id of its first report; follow-ups join without changing it.",
        "n_reports": "Number of articles reporting the incident.",
        "first_published": "Publication date of the first report.",
        "last_reported": "Latest publication or update date of a report.",
        "confidence": "Confidence that this is a real IT outage, 0-1: noisy-OR of the best outage score per reporting site.",
        "title": "Title of the incident's first report.",
        "start_precision": "How precisely the start is known: minute | approximate | part-of-day | day | unknown.",
        "end_precision": "How precisely the end is known: minute | approximate | part-of-day | day | unknown.",
        "duration_precision": "How precisely the duration is known: minute | approximate | unknown.",
        "start_source": "Article id the start came from.",
        "end_source": "Article id the end came from.",
        "duration_source": "Article id stating the duration; empty when computed as end - start.",
        "readiness": "Highest readiness level reported: grønn | gul | rød.",
        "planned": "Reported as planned downtime or maintenance.",
        "reported_by": "Site ids (trust ids) of the reports.",
    },
    "articles": {
        "id": "Article id: hash of the canonical URL.",
        "page_id": "Id of the fetched page the article was extracted from (same hash as id).",
        "page_hash": "SHA-1 of the raw HTML the article was extracted from.",
        "text": "Full text of the article (only in exports made with --with-text; copyright of the trust).",
        "is_outage": "True when the article reports an IT outage (outage_score at or above the threshold).",
        "outage_score": "Score of the outage classifier, 0-1.",
        "trusts": "Ids of the trusts the article says were affected (trusts.id).",
        "facts_json": "Everything extracted from the article as one JSON object (the `extract` contract).",
        "code_version": "Version (hash) of the extraction code and data that produced the row.",
        "processed_at": "When the pipeline extracted the row (bookkeeping).",
    },
    "mentions": {
        "id": "Mention id: hash of article id, span and label.",
        "label": "Entity label: TRUST, HOSPITAL, TOWN, REGION, SYSTEM, SYSTEM_TERM, TIME, PER, ORG, ...",
        "text": "The span as written in the article.",
        "start_char": "Character offset of the span's start in the article text.",
        "end_char": "Character offset just past the span's end.",
        "kb_id": "Id the span was linked to (trusts.id or systems.id), if any.",
        "value": "Normalised value (e.g. an ISO time for TIME).",
        "role": "Role of the value (e.g. start or end for TIME).",
    },
    "contacts": {
        "id": "Contact id: hash of article id, name, email, phone and position.",
        "name": "Name of the press contact.",
        "role": "Their role or title as written (e.g. kommunikasjonsrådgiver).",
        "org": "Their organisation as written.",
        "org_id": "Trust id of their organisation, if recognised.",
        "email": "E-mail address as published.",
        "phone": "Phone number, normalised to +47… (prefixed with ' in CSV, see README).",
    },
    "trusts": {"id": "Trust id (data/gazetteer/trusts.csv).", "name": "Official name of the trust."},
    "systems": {
        "id": "System id.", "name": "Product name.", "type": "System type (EPJ, RIS/PACS, LAB, ...).",
        "aliases": "Names the extraction recognises for the system.",
    },
    "incident_conflicts": {
        "field": "Which value the reports disagree on: start | end.",
        "value_time": "The value this report gives, to the minute; empty when it gives only the day.",
        "value_date": "The day of the value this report gives.",
        "chosen": "True for the value the incident uses.",
        "reason": "Why the value was chosen, or why it lost.",
        "published": "Publication date of the report.",
    },
    "incident_status_changes": {
        "status": "ongoing | resolved.",
        "reported_time": "In-text update time of the report, when it has one.",
        "reported_date": "Day of the report (update or publication).",
        "precision": "minute (in-text update time) | day (publication date).",
    },
    "coverage": {
        "trust_id": "Trust id (trusts.id).", "trust_name": "Name of the trust.",
        "site_url": "Base URL of its news site, if it is crawled.",
        "crawled": "True when at least one article page of its site was fetched.",
        "article_pages": "Article pages fetched from its site.", "articles": "Articles extracted from its site.",
        "outage_articles": "Articles of its site that report an outage.",
        "first_published": "Earliest publication date among its site's articles.",
        "last_published": "Latest publication date among its site's articles.",
        "first_fetched_at": "When its first article page was fetched.",
        "last_fetched_at": "When an article page of its site was last fetched.",
        "incidents": "Incidents that affected the trust.",
    },
}

_COLUMN = re.compile(r"^\s+(\w+)\s+[A-Z][^\n]*?--\s*(.+?)\s*$", re.M)
_ALTER = re.compile(r"ALTER TABLE (\w+) ADD COLUMN (\w+)\b[^\n]*?--\s*(.+?)\s*$", re.M)
_TABLE = re.compile(r"CREATE TABLE (\w+) \((.*?)\n\);", re.S)


@cache
def schema_comments() -> dict[tuple[str, str], str]:
    """(table, column) → the comment beside the column in schema.sql."""
    text = SCHEMA.read_text(encoding="utf-8")
    out = {(t, c): d for t, c, d in _ALTER.findall(text)}
    for table, body in _TABLE.findall(text):
        out.update({(table, col): note for col, note in _COLUMN.findall(body)})
    return out


def describe(table: str, column: str) -> str:
    """Description of a column: reviewed text, else the schema.sql comment, else a generic fallback."""
    text = _FIELDS.get(table, {}).get(column) or schema_comments().get((table, column)) or _COMMON.get(column)
    if text:
        text = text[0].upper() + text[1:]
        return text if text.endswith((".", ")")) else text + "."
    if column.endswith("_at"):
        return "Bookkeeping timestamp the pipeline set (not a property of the outage)."
    return f"{column.replace('_', ' ').capitalize()} (see pipeline/schema.sql of the project)."


def describe_resource(name: str) -> str:
    """Description of an exported table or view."""
    return RESOURCES.get(name) or f"The {name.replace('_', ' ')} table of the outage tracker database."


def field_type(duckdb_type: str) -> str:
    """The Frictionless Table Schema type of a DuckDB column type."""
    t = duckdb_type.upper()
    if t.endswith("[]") or t.startswith(("LIST", "ARRAY")):
        return "array"
    if t.startswith(("STRUCT", "MAP", "JSON")):
        return "object"
    if t.startswith("TIMESTAMP"):
        return "datetime"
    simple = {"VARCHAR": "string", "TEXT": "string", "UUID": "string", "BOOLEAN": "boolean", "DATE": "date",
              "TIME": "time", "DOUBLE": "number", "FLOAT": "number", "REAL": "number", "INTERVAL": "string"}
    if t in simple:
        return simple[t]
    if t.startswith("DECIMAL"):
        return "number"
    if t in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}:
        return "integer"
    return "string"
