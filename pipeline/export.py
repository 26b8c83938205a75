"""Research exports: one file per table or view, a Frictionless datapackage.json, README.md and CITATION.cff."""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from .errors import ConfigError, StorageError
from .export_package import FORMATS, Column, Provenance, Written, citation, datapackage, dataset_readme
from .gazetteer import load_gazetteer
from .settings import Settings
from .store import connect

# Operational tables (raw HTML, crawl bookkeeping) are never exported.
_PRIVATE = {"pages", "runs", "run_fetches", "sites", "schema_migrations"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_FORMULA = r"^[=+\-@\t\r]"  # spreadsheet formula triggers (OWASP "CSV injection")


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the directory, the files, rows per resource, total bytes and seconds."""

    out: Path
    format: str
    files: tuple[str, ...]
    rows: dict[str, int]
    bytes: int
    seconds: float


def confined(out: Path, name: str) -> Path:
    """The path of file `name` directly inside `out`; ConfigError for anything that could leave it."""
    if not name or "/" in name or "\\" in name or "\0" in name or name in (".", "..") or name.startswith("."):
        raise ConfigError(f"refusing to write {name!r}: export file names must be plain names inside --out")
    path = out / name
    if Path(os.path.normpath(path)).parent != Path(os.path.normpath(out)):
        raise ConfigError(f"refusing to write {name!r}: it is not directly inside {out}")
    return path  # written by rename: an existing symlink of that name is replaced, never followed


def _file_name(resource: str, ext: str) -> str:
    if not _NAME.match(resource):
        raise ConfigError(f"refusing to export table {resource!r}: its name is not a plain identifier")
    return f"{resource}.{ext}"


def _write_atomic(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(temp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise StorageError(f"cannot write {path} ({exc.strerror}): free disk space or check permissions") from None


def _columns(con: duckdb.DuckDBPyConnection, table: str, catalog: str | None = None) -> list[Column]:
    rows = con.execute("""SELECT column_name, data_type FROM information_schema.columns
                          WHERE table_catalog = coalesce(?, current_database()) AND table_schema = 'main'
                            AND table_name = ? ORDER BY ordinal_position""", [catalog, table]).fetchall()
    return [Column(n, t) for n, t in rows]


def _primary_key(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str, ...]:
    row = con.execute("""SELECT constraint_column_names FROM duckdb_constraints()
                         WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ?
                           AND constraint_type = 'PRIMARY KEY'""",
                      [table]).fetchone()
    return tuple(row[0]) if row else ()


def _expr(c: Column, fmt: str) -> str:
    """How a column is written: native in Parquet; ISO times in text formats; arrays as JSON and
    formula-neutralised strings in CSV."""
    q = '"' + c.name.replace('"', '""') + '"'
    t = c.duckdb_type.upper()
    if fmt == "parquet":
        return q
    if t.startswith("TIMESTAMP WITH TIME ZONE"):
        return rf"regexp_replace(strftime({q}, '%Y-%m-%dT%H:%M:%S%z'), '([+-]\d\d)$', '\1:00') AS {q}"
    if t.startswith("TIMESTAMP"):
        return f"strftime({q}, '%Y-%m-%dT%H:%M:%S') AS {q}"
    if fmt == "csv" and (t.endswith("[]") or t.startswith(("STRUCT", "MAP"))):
        return f"to_json({q})::VARCHAR AS {q}"
    if fmt == "csv" and t == "VARCHAR":
        return f"CASE WHEN regexp_matches({q}, '{_FORMULA}') THEN '''' || {q} ELSE {q} END AS {q}"
    return q


def _select(con: duckdb.DuckDBPyConnection, since: date | None, region: str | None, trust: str | None) -> bool:
    """Create the temp tables of selected incident and article ids; True when a filter applies."""
    filtered = any(v is not None for v in (since, region, trust))
    con.execute("""CREATE TEMP TABLE export_incidents AS SELECT id FROM incidents
                   WHERE (?::VARCHAR IS NULL OR list_contains(regions, ?::VARCHAR))
                     AND (?::VARCHAR IS NULL OR list_contains(trusts, ?::VARCHAR))
                     AND (?::DATE IS NULL OR coalesce(start_date, first_published) >= ?::DATE)""",
                [region, region, trust, trust, since, since])
    con.execute("CREATE TEMP TABLE export_articles AS " + (
        "SELECT DISTINCT article_id AS id FROM incident_reports WHERE incident_id IN (SELECT id FROM export_incidents)"
        if filtered else "SELECT id FROM articles"))
    return filtered


def _check_filters(con: duckdb.DuckDBPyConnection, region: str | None, trust: str | None) -> None:
    regions = [r[0] for r in con.execute(
        "SELECT DISTINCT region_id FROM trusts WHERE region_id IS NOT NULL ORDER BY 1").fetchall()]
    if region is not None and region not in regions:
        raise ConfigError(f"unknown region {region!r}: use one of {', '.join(regions) or '(no trusts stored yet)'}")
    if trust is not None and con.execute("SELECT count(*) FROM trusts WHERE id = ?", [trust]).fetchone()[0] == 0:
        raise ConfigError(f"unknown trust {trust!r}: use a trust id of data/gazetteer/trusts.csv, e.g. unn")


def _sources(con: duckdb.DuckDBPyConnection, with_text: bool, region: str | None,
             trust: str | None) -> list[tuple[str, str, list[Column], list[Any], tuple[str, ...]]]:
    """(name, FROM-clause SQL, columns, parameters, primary key) of every resource, in package order."""
    tables = dict(con.execute("""SELECT table_name, table_type FROM information_schema.tables
                                 WHERE table_catalog = current_database() AND table_schema = 'main'
                                 ORDER BY table_name""").fetchall())
    out = []

    def add(name: str, where: str, params: list[Any] | None = None, drop: tuple[str, ...] = ()) -> None:
        cols = [c for c in _columns(con, name) if c.name not in drop]
        out.append((name, f"main.{name} WHERE {where}", cols, params or [], _primary_key(con, name)))

    add("incidents", "id IN (SELECT id FROM export_incidents)")
    linked = sorted(t for t, kind in tables.items() if kind == "BASE TABLE" and t not in _PRIVATE | {"incidents"})
    by_incident = [t for t in linked if "incident_id" in {c.name for c in _columns(con, t)}]
    for name in sorted(by_incident, key=lambda t: (t != "incident_reports", t)):
        add(name, "incident_id IN (SELECT id FROM export_incidents)")
    add("articles", "id IN (SELECT id FROM export_articles)", drop=("html",) if with_text else ("html", "text"))
    for name in linked:
        if name not in by_incident and "article_id" in {c.name for c in _columns(con, name)}:
            add(name, "article_id IN (SELECT id FROM export_articles)")
    add("trusts", "true")
    con.execute("""CREATE TEMP TABLE export_systems
                   (id VARCHAR PRIMARY KEY, name VARCHAR, type VARCHAR, aliases VARCHAR[])""")
    systems = sorted(load_gazetteer().systems.values(), key=lambda s: s.id)
    con.executemany("INSERT INTO temp.export_systems VALUES (?, ?, ?, ?)",
                    [[s.id, s.name, s.type, list(s.aliases)] for s in systems])
    out.append(("systems", "temp.export_systems WHERE true", _columns(con, "export_systems", "temp"), [], ("id",)))
    for name in sorted(t for t in tables if t == "coverage" or t.startswith("coverage_") or t.endswith("_coverage")):
        cols = _columns(con, name)
        names = {c.name for c in cols}
        where, params = ["true"], []
        if region is not None and "region_id" in names:
            where.append("region_id = ?")
            params.append(region)
        if trust is not None and names & {"trust_id", "site_id"}:
            where.append(f"{'trust_id' if 'trust_id' in names else 'site_id'} = ?")
            params.append(trust)
        out.append((name, f"main.{name} WHERE {' AND '.join(where)}", cols, params, ()))
    return out


def _copy(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any], path: Path, fmt: str) -> int:
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    options = {"parquet": "FORMAT parquet, COMPRESSION zstd", "csv": "FORMAT csv, HEADER true",
               "jsonl": "FORMAT json"}[fmt]
    literal = "'" + str(temp).replace("'", "''") + "'"
    try:
        rows = con.execute(f"COPY ({sql}) TO {literal} ({options})", params).fetchone()[0]
        with open(temp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except (duckdb.IOException, OSError) as exc:
        temp.unlink(missing_ok=True)
        reason = exc.strerror if isinstance(exc, OSError) else str(exc).splitlines()[0]
        raise StorageError(f"cannot write {path} ({reason}): free disk space or check permissions") from None
    return int(rows)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _provenance(con: duckdb.DuckDBPyConnection) -> Provenance:
    one = lambda sql: con.execute(sql).fetchone()  # noqa: E731
    schema = one("SELECT max(version) FROM schema_migrations")[0]
    last = one("""SELECT finished_at, code_version FROM runs WHERE status IN ('ok', 'partial')
                  ORDER BY finished_at DESC, id LIMIT 1""")
    span = one("""SELECT min(coalesce(start_date, first_published)), max(coalesce(start_date, first_published))
                  FROM incidents WHERE id IN (SELECT id FROM export_incidents)""")
    return Provenance(schema, last[1] if last else None, last[0] if last else None,
                      span[0].isoformat() if span[0] else None, span[1].isoformat() if span[1] else None)


def _remove_stale(out: Path, keep: set[str]) -> None:
    """Delete the files a previous export listed in datapackage.json that this one no longer writes."""
    try:
        previous = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
        paths = [r["path"] for r in previous.get("resources", []) if isinstance(r.get("path"), str)]
    except (OSError, ValueError, AttributeError, TypeError):
        return
    for name in set(paths) - keep:
        try:
            confined(out, name).unlink(missing_ok=True)
        except (ConfigError, OSError):
            pass


def export_dataset(settings: Settings, out: str | Path, fmt: str = "parquet", since: date | None = None,
                   region: str | None = None, trust: str | None = None, with_text: bool = False,
                   now: datetime | None = None) -> ExportResult:
    """Export the (filtered) dataset of settings.db into `out`, every file written atomically."""
    started = time.monotonic()
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file: pass a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create {out} ({exc.strerror}): check the path and permissions") from None
    ext = FORMATS[fmt][0]
    written: list[Written] = []
    with connect(settings.db, read_only=True) as con:
        con.execute("SET threads = 1")  # one writer thread: the same rows give the same bytes
        _check_filters(con, region, trust)
        _select(con, since, region, trust)
        for name, source, cols, params, pk in _sources(con, with_text, region, trust):
            path = confined(out, _file_name(name, ext))
            order = ", ".join('"' + k + '"' for k in pk) if pk else "ALL"
            sql = f"SELECT {', '.join(_expr(c, fmt) for c in cols)} FROM {source} ORDER BY {order}"
            rows = _copy(con, sql, params, path, fmt)
            written.append(Written(name, path.name, tuple(cols), rows, path.stat().st_size, _sha256(path), pk))
        prov = _provenance(con)
    selection = {"since": since.isoformat() if since else None, "region": region, "trust": trust,
                 "with_text": with_text, "format": fmt}
    created = now or datetime.now(timezone.utc)
    _write_atomic(confined(out, "README.md"), dataset_readme(written, fmt, settings, prov, selection).encode())
    _write_atomic(confined(out, "CITATION.cff"), citation(settings, prov, written).encode())
    package = datapackage(written, fmt, settings, prov, selection, created)
    keep = {w.path for w in written}
    _remove_stale(out, keep)
    _write_atomic(confined(out, "datapackage.json"),
                  (json.dumps(package, ensure_ascii=False, indent=2, default=str) + "\n").encode())
    files = tuple(sorted(keep | {"README.md", "CITATION.cff", "datapackage.json"}))
    total = sum((out / f).stat().st_size for f in files)
    return ExportResult(out, fmt, files, {w.name: w.rows for w in written}, total,
                        round(time.monotonic() - started, 2))
