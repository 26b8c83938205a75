"""DuckDB storage: migrations, upserts of every stage's records, run bookkeeping."""
from __future__ import annotations

import errno
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb

from . import dbfile
from .errors import StorageError
from .schedule import last_change, next_check
from .records import Contact, Facts, FetchResult, Page, Site

SCHEMA = Path(__file__).with_name("schema.sql")
_BLOCK = re.compile(r"^-- migration: (\d+)\s*$", re.M)


def migrations() -> list[tuple[int, str]]:
    """The numbered migration blocks of schema.sql, in order."""
    text = SCHEMA.read_text(encoding="utf-8")
    parts = _BLOCK.split(text)
    return [(int(parts[i]), parts[i + 1]) for i in range(1, len(parts), 2)]


def latest_version() -> int:
    return migrations()[-1][0]


def _open(path: Path, read_only: bool, shown: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file; `shown` is the name to use in messages (the published file, not the copy)."""
    real, path = path, shown or path
    if read_only and not path.exists():
        raise StorageError(f"database {path} does not exist: run `python -m pipeline run --db {path}` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(real), read_only=read_only)
    except duckdb.IOException as exc:
        msg = str(exc).replace(str(real), str(path))
        if "lock" in msg.lower():
            raise StorageError(
                f"database {path} is in use by another process: wait for it to finish or pass another --db"
            ) from None
        if "permission" in msg.lower() or "read-only" in msg.lower():
            raise StorageError(f"database {path} cannot be opened for writing: check its permissions") from None
        raise StorageError(f"database {path} cannot be opened ({msg.splitlines()[0]}): is it a DuckDB file?") from None
    except duckdb.Error as exc:
        raise StorageError(f"database {path} cannot be opened ({str(exc).splitlines()[0]}): is it a DuckDB file?") from None


def migrate(con: duckdb.DuckDBPyConnection, path: Path | str = "") -> int:
    """Bring the schema up to date; refuse files written by newer code. Returns the version."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)"
    )
    current = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]
    latest = latest_version()
    if current > latest:
        raise StorageError(
            f"database {path} has schema version {current}, newer than this code knows ({latest}): "
            "upgrade the pipeline or use another --db"
        )
    for version, sql in migrations():
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [version])
            con.execute("COMMIT")
        except duckdb.Error:
            con.execute("ROLLBACK")
            raise
    return latest


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]


def _check_readable(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    latest = latest_version()
    try:
        version = schema_version(con)
    except duckdb.CatalogException:
        raise StorageError(f"database {path} has no tracker schema: run `python -m pipeline run --db {path}`") from None
    if version > latest:
        raise StorageError(f"database {path} was written by a newer version of the pipeline: upgrade it")


class Writer:
    """The batch's hold on a database file: the writer lock, and stages that each work on a copy."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def stage(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A migrated connection to a private copy, published atomically when the stage ends.

        On an error the committed work of the stage is still published (every batch is its own
        transaction); on an I/O failure (disk full) or when the copy cannot be closed cleanly it
        is discarded instead, so the published file stays as it was.
        """
        work = dbfile.start_copy(self.path)
        try:
            con = _open(work, read_only=False, shown=self.path)
        except BaseException:
            dbfile.discard(work)
            raise
        try:
            con.execute("SET TimeZone = 'Europe/Oslo'")
            self._backup_before_migration(con)
        except BaseException:
            _close_quietly(con)
            dbfile.discard(work)
            raise
        try:
            migrate(con, self.path)
            yield con
        except BaseException as exc:
            reason = _io_failure(exc)
            if reason is None:
                self._publish(con, work)
                raise
            _close_quietly(con)
            dbfile.discard(work)
            raise StorageError(f"cannot write {self.path} ({reason}): free disk space or check the file system; "
                               "the published database is intact") from None
        self._publish(con, work)

    def _backup_before_migration(self, con: duckdb.DuckDBPyConnection) -> None:
        """Keep NAME.vN.bak of a published file that this stage is about to migrate."""
        if not self.path.exists():
            return
        try:
            current = schema_version(con)
        except duckdb.CatalogException:
            return  # no tracker schema yet: nothing worth keeping
        if 0 < current < latest_version():
            dbfile.backup(self.path, current)

    def _publish(self, con: duckdb.DuckDBPyConnection, work: Path) -> None:
        try:
            con.execute("CHECKPOINT")
            con.close()
        except duckdb.Error as exc:
            _close_quietly(con)
            dbfile.discard(work)
            raise StorageError(f"cannot write {self.path} ({_io_failure(exc) or _first_line(exc)}): free disk "
                               "space or check the file system; the published database is intact") from None
        dbfile.publish(work, self.path)


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _io_failure(exc: BaseException | None) -> str | None:
    """The first line of an I/O failure (disk full, invalidated database) in an exception chain, else None."""
    while exc is not None:
        if isinstance(exc, (duckdb.IOException, duckdb.FatalException, duckdb.OutOfMemoryException)):
            return _first_line(exc)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO):
            return exc.strerror or _first_line(exc)
        exc = exc.__cause__ or exc.__context__
    return None


def _close_quietly(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.close()
    except duckdb.Error:
        pass


@contextmanager
def open_writer(path: str | Path) -> Iterator[Writer]:
    """Take the writer lock of a database file for the length of a run."""
    path = Path(path)
    with dbfile.writer_lock(path):
        yield Writer(path)


@contextmanager
def connect(path: str | Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the database file (a migrated, published stage when writable); closed on exit."""
    path = Path(path)
    if not read_only:
        with open_writer(path) as writer, writer.stage() as con:
            yield con
        return
    con = _attach_read_only(path)
    try:
        yield con
    finally:
        con.close()


def _attach_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """The file attached read-only to a private in-memory DuckDB.

    DuckDB shares one instance per path within a process, so a plain
    `duckdb.connect(path, read_only=True)` a notebook still holds would otherwise keep serving
    the file as it was before the last run; an attached file is always the published one.
    """
    if not path.exists():
        raise StorageError(f"database {path} does not exist: run `python -m pipeline run --db {path}` first")
    con = duckdb.connect(":memory:")
    try:
        try:
            con.execute("ATTACH ? AS tracker (READ_ONLY)", [str(path)])
            con.execute("USE tracker")
        except duckdb.Error as exc:
            raise StorageError(f"database {path} cannot be opened ({str(exc).splitlines()[0]}): "
                               "is it a DuckDB file?") from None
        con.execute("SET TimeZone = 'Europe/Oslo'")  # timestamps read back in the trusts' local time
        _check_readable(con, path)
        if schema_version(con) < latest_version():
            raise StorageError(f"database {path} has an older schema: run `python -m pipeline process --db {path}` "
                               "to migrate it")
    except BaseException:
        con.close()
        raise
    return con


class Store:
    """The batch writer's view of the database; every write is an idempotent upsert."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- sites and pages ---------------------------------------------------------------
    def upsert_sites(self, sites: Sequence[Site], regions: dict[str, str]) -> None:
        rows = [(s.id, s.name, s.base_url, regions.get(s.id) or None, s.lang) for s in sites]
        self.con.executemany("INSERT OR REPLACE INTO sites VALUES (?, ?, ?, ?, ?)", rows)

    def upsert_trusts(self, rows: Sequence[tuple[str, str, str, str]]) -> None:
        """(id, name, kind, region_id) of every trust in the gazetteer."""
        stored = set(self.con.execute("SELECT id, name, kind, region_id FROM trusts").fetchall())
        if stored != set(rows):
            with self.transaction():
                self.con.execute("DELETE FROM trusts")
                self.con.executemany("INSERT INTO trusts VALUES (?, ?, ?, ?)", list(rows))

    def validators(self, page_id: str, now: datetime | None = None) -> tuple[str | None, str | None, bool] | None:
        """(etag, last_modified, due for a re-check) of a stored page, or None when the page is unknown."""
        row = self.con.execute("SELECT etag, last_modified, next_check_at FROM pages WHERE id = ?", [page_id]).fetchone()
        if row is None:
            return None
        now = now or datetime.now(timezone.utc)
        return row[0], row[1], row[2] is None or row[2] <= now

    def due_urls(self, site_id: str, limit: int = 200, now: datetime | None = None) -> list[str]:
        """URLs of a site's stored articles whose re-check is due, most overdue first."""
        rows = self.con.execute(
            """SELECT url FROM pages WHERE site_id = ? AND kind = 'article' AND NOT gone
               AND next_check_at <= ? ORDER BY next_check_at, id LIMIT ?""",
            [site_id, now or datetime.now(timezone.utc), limit]).fetchall()
        return [r[0] for r in rows]

    def save_fetch(self, run_id: str, result: FetchResult, page_id: str, content_hash: str | None,
                   schedule: tuple[timedelta, timedelta] = (timedelta(hours=1), timedelta(days=30))) -> bool:
        """Record a fetch outcome; store the page when it has a body. True when the page content changed.

        Each fetched page gets its next re-check time from the adaptive schedule.
        """
        now = result.fetched_at or datetime.now(timezone.utc)
        size = len(result.body) if result.body is not None else None
        kind = getattr(result, "kind", "article")
        self.con.execute(
            "INSERT INTO run_fetches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, result.url, result.site_id, kind, result.outcome, result.status, size, result.error, now],
        )
        if kind not in ("article", "listing") or result.outcome in ("not-due", "duplicate"):
            return False
        if result.outcome == "not-modified":
            row = self.con.execute("SELECT changed_at, last_modified, html FROM pages WHERE id = ?", [page_id]).fetchone()
            if row is not None:
                changed = last_change(row[0] or now, row[1], row[2])
                self.con.execute("UPDATE pages SET fetched_at = ?, next_check_at = ? WHERE id = ?",
                                 [now, next_check(now, changed, *schedule), page_id])
            return False
        if result.outcome == "gone":
            self.con.execute("UPDATE pages SET gone = true, http_status = ?, fetched_at = ?, next_check_at = ? WHERE id = ?",
                             [result.status, now, now + schedule[1], page_id])
            return False
        if result.outcome != "ok" or result.text is None:
            return False
        old = self.con.execute("SELECT content_hash, changed_at FROM pages WHERE id = ?", [page_id]).fetchone()
        changed = old is None or old[0] != content_hash
        seen_changed = now if changed else (old[1] or now)
        due = next_check(now, last_change(seen_changed, result.last_modified, result.text), *schedule)
        if changed:
            self.con.execute(
                "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, false, ?, ?, ?)",
                [page_id, result.url, result.site_id, kind, result.status, content_hash, result.text,
                 result.etag, result.last_modified, now, now, due],
            )
        else:
            self.con.execute(
                "UPDATE pages SET etag = ?, last_modified = ?, fetched_at = ?, next_check_at = ? WHERE id = ?",
                [result.etag, result.last_modified, now, due, page_id],
            )
        return changed

    def ids_to_process(self, code_version: str, reprocess: bool = False) -> list[str]:
        """Ids of article pages with no article row made from their current content by this code version."""
        sql = """
            SELECT p.id FROM pages p LEFT JOIN articles a ON a.page_id = p.id
            WHERE p.kind = 'article' AND NOT p.gone AND p.html IS NOT NULL
        """
        if not reprocess:
            sql += " AND (a.id IS NULL OR a.page_hash IS DISTINCT FROM p.content_hash OR a.code_version IS DISTINCT FROM ?)"
        sql += " ORDER BY p.id"
        return [r[0] for r in self.con.execute(sql, [] if reprocess else [code_version]).fetchall()]

    def pages_by_id(self, ids: Sequence[str]) -> list[Page]:
        """The stored pages of these ids, in id order."""
        rows = self.con.execute(
            """SELECT id, url, site_id, html, content_hash, kind, fetched_at FROM pages
               WHERE id IN (SELECT unnest(?::VARCHAR[])) ORDER BY id""", [list(ids)]).fetchall()
        return [Page(*row) for row in rows]

    def iter_pages(self, ids: Sequence[str], chunk: int = 200) -> Iterator[Page]:
        """Stream pages by id, `chunk` at a time: each chunk is fetched whole, so the caller may write between them."""
        for i in range(0, len(ids), chunk):
            yield from self.pages_by_id(ids[i:i + chunk])

    def pages_to_process(self, code_version: str, reprocess: bool = False) -> Iterator[Page]:
        """Article pages with no article row made from their current content by this code version (streamed).

        The ids are read first and the pages fetched in chunks, so only one chunk of HTML is in memory
        and no cursor stays open while the caller writes with the same connection.
        """
        return self.iter_pages(self.ids_to_process(code_version, reprocess))

    def count_pages(self, kind: str = "article") -> int:
        return self.con.execute("SELECT count(*) FROM pages WHERE kind = ? AND NOT gone", [kind]).fetchone()[0]

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

    # -- runs ---------------------------------------------------------------------------
    def start_run(self, run_id: str, command: str, code_version: str) -> None:
        self.con.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
        self.con.execute(
            "INSERT INTO runs (id, command, status, started_at, code_version) VALUES (?, ?, 'running', now(), ?)",
            [run_id, command, code_version])

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any], error: str | None = None) -> None:
        self.con.execute(
            """UPDATE runs SET status = ?, finished_at = now(), pages_fetched = ?, pages_not_modified = ?,
               pages_failed = ?, articles = ?, outage_articles = ?, incidents = ?, summary_json = ?, error = ?
               WHERE id = ?""",
            [status, summary.get("pages_fetched"), summary.get("pages_not_modified"), summary.get("pages_failed"),
             summary.get("articles"), summary.get("outage_articles"), summary.get("incidents"),
             json.dumps(summary, ensure_ascii=False, sort_keys=True, default=str), error, run_id])

    def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        return self.con.execute(sql, list(params)).fetchone()[0]


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
