"""The metadata files of a research export: datapackage.json, the dataset's README.md and CITATION.cff."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .export_fields import describe, describe_resource, field_type
from .settings import ROOT, Settings

FORMATS = {  # format → (file extension, media type)
    "parquet": ("parquet", "application/vnd.apache.parquet"),
    "csv": ("csv", "text/csv"),
    "jsonl": ("jsonl", "application/x-ndjson"),
}
_LICENSES = {
    "CC-BY-4.0": ("https://creativecommons.org/licenses/by/4.0/", "Creative Commons Attribution 4.0"),
    "CC0-1.0": ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0"),
    "ODbL-1.0": ("https://opendatacommons.org/licenses/odbl/1-0/", "Open Data Commons Open Database License 1.0"),
}
_MERGE_RULE = """Two outage reports are the same incident when (1) their systems overlap (a shared product,
or a shared system type, or one names no system), (2) their affected trusts overlap (a shared
trust, or a regional trust and one of its hospital trusts, or one names none), and (3) their
time windows (start, else publication, to end) overlap or lie within `merge_gap_hours`
(default 36). Merging is transitive and order-independent; an incident's id is the hash of
its first report, so follow-ups join it without changing it. The most precise start
(minute > approximate > part of day > day, earliest on ties) and the most precise latest end win."""


@dataclass(frozen=True)
class Column:
    name: str
    duckdb_type: str


@dataclass(frozen=True)
class Written:
    """A resource file as written: its table, columns, row count, size and hash."""

    name: str
    path: str
    columns: tuple[Column, ...]
    rows: int
    bytes: int
    sha256: str
    primary_key: tuple[str, ...] = ()


@dataclass(frozen=True)
class Provenance:
    """Facts about the database the export was made from (all deterministic for the same file)."""

    schema_version: int
    code_version: str | None
    data_as_of: datetime | None
    first_event: str | None
    last_event: str | None


def merge_rule() -> str:
    """The merge rule as the project README states it (the copy above when the README is absent)."""
    readme = ROOT / "README.md"
    if readme.exists():
        m = re.search(r"^## How incidents are merged\n+(.*?)\n+^## ", readme.read_text(encoding="utf-8"), re.M | re.S)
        if m:
            return m.group(1).strip()
    return _MERGE_RULE


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "dataset"


def _schema(w: Written) -> dict[str, Any]:
    fields = []
    for c in w.columns:
        f: dict[str, Any] = {"name": c.name, "type": field_type(c.duckdb_type), "description": describe(w.name, c.name)}
        if f["type"] == "array":
            f["description"] += " (a JSON array in CSV)"
        fields.append(f)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if w.primary_key:
        schema["primaryKey"] = list(w.primary_key)
    names = {c.name for c in w.columns}
    fks = [{"fields": [col], "reference": {"resource": ref, "fields": ["id"]}}
           for col, ref in (("incident_id", "incidents"), ("article_id", "articles"))
           if col in names and w.name != ref]
    if fks:
        schema["foreignKeys"] = fks
    return schema


def datapackage(written: list[Written], fmt: str, settings: Settings, prov: Provenance, selection: dict[str, Any],
                created: datetime) -> dict[str, Any]:
    """The Frictionless Data Package descriptor listing every file with its fields, rows and hash."""
    meta = settings.export
    ext, mediatype = FORMATS[fmt]
    resources = []
    for w in written:
        r: dict[str, Any] = {"name": w.name, "path": w.path, "type": "table", "format": ext, "mediatype": mediatype,
                             "encoding": "utf-8", "description": describe_resource(w.name), "bytes": w.bytes,
                             "hash": f"sha256:{w.sha256}", "rows": w.rows}
        if fmt == "csv":
            r["dialect"] = {"header": True, "delimiter": ",", "quoteChar": '"', "lineTerminator": "\n"}
        r["schema"] = _schema(w)
        resources.append(r)
    license_path, license_title = _LICENSES.get(meta.license, (None, meta.license))
    lic = {"name": meta.license, "title": license_title} | ({"path": license_path} if license_path else {})
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": _slug(meta.title),
        "title": meta.title,
        "description": "IT outages at Norwegian hospitals and health trusts, extracted from the trusts' own news "
                       "pages and merged into incidents. See README.md for how it was made and its limitations.",
        "version": _version(prov),
        "created": created.isoformat(timespec="seconds"),
        "homepage": meta.repository,
        "licenses": [lic],
        "contributors": [{"title": name, "roles": ["author"]} for name in _authors(settings)],
        "keywords": ["Norway", "hospitals", "health trusts", "IT outages", "incidents", "downtime"],
        "sources": [{"title": "News pages of the Norwegian regional health authorities, hospital trusts and "
                              "their IT providers"}],
        "selection": selection,
        "resources": resources,
    }


def _authors(settings: Settings) -> list[str]:
    return [a.strip() for a in settings.export.authors.split(";") if a.strip()]


def _version(prov: Provenance) -> str:
    day = prov.data_as_of.date().isoformat() if prov.data_as_of else "unreleased"
    return f"{day}+schema{prov.schema_version}" + (f".code{prov.code_version}" if prov.code_version else "")


def _selection_text(selection: dict[str, Any]) -> str:
    parts = [f"{k} = {v}" for k, v in selection.items() if k in ("since", "region", "trust") and v]
    if not parts:
        return "Everything in the database: every incident and every article the crawler stored."
    return ("Incidents with " + ", ".join(parts) + " (since: of the start, else the first report), and only the "
            "articles that report them with their mentions and contacts. Reference tables are complete.")


def dataset_readme(written: list[Written], fmt: str, settings: Settings, prov: Provenance,
                   selection: dict[str, Any]) -> str:
    """README.md of the dataset: what is in it, how it was made, known limitations, the merge rule."""
    rows = "\n".join(f"| `{w.path}` | {w.rows} | {describe_resource(w.name)} |" for w in written)
    text_note = ("Article full text is included (`articles.text`): it is the copyright of the publishing trust; "
                 "use it for research only." if selection.get("with_text") else
                 "Article full text is not included (licensing): `articles.url` links to each article; raw HTML "
                 "is never exported.")
    csv_note = ("\n- CSV: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with "
                "`'` so that spreadsheets do not run it as a formula (e.g. phone numbers `'+47…`); the Parquet "
                "and JSON Lines exports keep the values unchanged. Arrays are JSON arrays. Empty cell = missing."
                if fmt == "csv" else "")
    period = f"{prov.first_event} to {prov.last_event}" if prov.first_event else "no incidents"
    return f"""# {settings.export.title}

IT outages at Norwegian hospitals, extracted from the news pages of the health trusts (the four
regional health authorities, the hospital trusts and their IT providers) and merged into incidents.
Data as of {prov.data_as_of.isoformat(timespec="seconds") if prov.data_as_of else "unknown"}; incidents
from {period}. Made by the hospital-outage-tracker ({settings.export.repository}), code version
{prov.code_version or "unknown"}, database schema {prov.schema_version}. Cite it with `CITATION.cff`.

## What is in it

Format: {fmt}. `datapackage.json` (Frictionless Data Package) lists every file with the type and
description of every column, its row count, size and SHA-256.

| file | rows | contents |
|---|---|---|
{rows}

Selection: {_selection_text(selection)}

## How it was made

1. Crawl: the trusts' news listings are fetched politely (robots.txt, rate limits, conditional GET);
   raw HTML is kept in the project's database, not in this export.
2. Extract: the article text, title and dates are taken from the HTML (trafilatura).
3. Annotate: spaCy (Norwegian bokmål/nynorsk) with a NER model trained on NorNE and rule components
   built from reviewed gazetteers finds outage reports, affected trusts and systems, start and end
   times (Europe/Oslo) and press contacts.
4. Merge: outage articles reporting the same event become one incident (below); `merge_gap_hours`
   was {settings.incidents.merge_gap_hours:g} for this export's settings.

### How incidents are merged

{merge_rule()}

## Known limitations

- Only what the trusts published on their news pages is covered; an outage nobody wrote about is
  missing, and `coverage` shows which sites were crawled over which period (no coverage = unknown,
  not zero outages).
- The extraction is automatic: some outages are missed or misclassified, and times, systems and
  trusts can be wrong; the project measures its quality on a dev gold set. Check `articles.url`.
- Start and end are only as precise as the text (`*_precision`); a time known only to the day has an
  empty `*_time`. Durations exist only when both ends (or a stated duration) are known.
- The merge rule can join two nearby events or split one event reported very differently.
- {text_note}
- Press contacts are public contact details as published by the trusts; do not use them for
  anything but research about the outages.{csv_note}
- Times are Europe/Oslo with their UTC offset; columns ending in `_at` are pipeline bookkeeping.

## Licence

Data: {settings.export.license}. The articles themselves belong to the publishing trusts.
"""


def _yaml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def citation(settings: Settings, prov: Provenance, written: list[Written]) -> str:
    """CITATION.cff (Citation File Format 1.2.0) of the dataset."""
    authors = "\n".join(f"  - name: {_yaml(a)}" for a in _authors(settings))
    released = prov.data_as_of.date().isoformat() if prov.data_as_of else None
    counts = ", ".join(f"{w.rows} {w.name}" for w in written if w.name in ("incidents", "articles"))
    abstract = (f"IT outages at Norwegian hospitals, extracted from the health trusts' news pages and merged "
                f"into incidents ({counts}).")
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use this dataset, please cite it as below."',
        "type: dataset",
        f"title: {_yaml(settings.export.title)}",
        "authors:",
        authors,
        f"version: {_yaml(_version(prov))}",
        *([f"date-released: {_yaml(released)}"] if released else []),
        f"license: {_yaml(settings.export.license)}",
        f"repository-code: {_yaml(settings.export.repository)}",
        f"abstract: {_yaml(abstract)}",
        "keywords:",
        *[f"  - {_yaml(k)}" for k in ("Norway", "hospitals", "IT outages", "health trusts")],
    ]
    return "\n".join(lines) + "\n"
