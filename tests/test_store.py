"""Schema migrations, refusal of newer files, lock errors, idempotent upserts."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb
import pytest

from pipeline.errors import StorageError
from pipeline.store import connect, latest_version, migrations


def test_new_file_gets_every_migration(tmp_path):
    with connect(tmp_path / "a.duckdb") as con:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert versions == [v for v, _ in migrations()]
    assert {"pages", "articles", "mentions", "contacts", "incidents", "incident_reports", "runs", "trusts"} <= tables


def test_older_file_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)")
    con.execute(migrations()[0][1])
    con.execute("INSERT INTO schema_migrations VALUES (1, now())")
    con.execute("INSERT INTO trusts VALUES ('unn', 'Universitetssykehuset Nord-Norge HF', 'HF', 'helse-nord-rhf')")
    con.close()
    with connect(path) as con:
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == latest_version()
        assert con.execute("SELECT count(*) FROM trusts").fetchone()[0] == 1


def test_newer_file_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "new.duckdb"
    with connect(path) as con:
        con.execute("INSERT INTO schema_migrations VALUES (999, now())")
    with pytest.raises(StorageError, match="newer than this code knows"):
        with connect(path):
            pass
    with pytest.raises(StorageError, match="newer version"):
        with connect(path, read_only=True):
            pass


def test_not_a_database_is_a_one_line_error(tmp_path):
    path = tmp_path / "junk.duckdb"
    path.write_text("this is not a database\n" * 100)
    with pytest.raises(StorageError, match="cannot be opened") as info:
        with connect(path):
            pass
    assert "\n" not in str(info.value)
    assert path.read_text().startswith("this is not a database")  # nothing overwritten


def test_database_locked_by_another_process(tmp_path):
    path = tmp_path / "locked.duckdb"
    with connect(path):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(path)!r})
            print("ready", flush=True)
            sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StorageError, match="in use by another process"):
            with connect(path):
                pass
    finally:
        holder.communicate("\n", timeout=30)


def test_missing_database_for_readers(tmp_path):
    with pytest.raises(StorageError, match="does not exist: run"):
        with connect(tmp_path / "nope.duckdb", read_only=True):
            pass
