"""DuckDB storage: migrations, upserts of every stage's records, run bookkeeping."""
from __future__ import annotations

import errno
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from . import dbfile
from .errors import StorageError
from .store_crawl import CrawlState
from .store_facts import DerivedFacts, contact_id, split_time

__all__ = ["SCHEMA", "Store", "Writer", "connect", "contact_id", "latest_version", "migrate", "migrations",
           "open_writer", "schema_version", "split_time"]

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


class Store(CrawlState, DerivedFacts):
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

    def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        return self.con.execute(sql, list(params)).fetchone()[0]
