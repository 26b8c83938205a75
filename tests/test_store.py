"""Schema migrations, refusal of newer files, lock errors, idempotent upserts."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import datetime

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


def test_second_writer_is_refused_at_once(tmp_path):
    from pipeline.errors import LockError
    from pipeline.store import open_writer

    path = tmp_path / "locked.duckdb"
    with open_writer(path):
        with pytest.raises(LockError, match="another run is writing") as info:
            with connect(path):
                pass
    assert info.value.exit_code == 6
    with connect(path):  # released
        pass


def test_open_raw_reader_does_not_block_the_writer(tmp_path):
    path = tmp_path / "shared.duckdb"
    with connect(path) as con:
        con.execute("INSERT INTO trusts VALUES ('unn', 'UNN', 'HF', 'helse-nord-rhf')")
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys
            con = duckdb.connect({str(path)!r}, read_only=True)
            print(con.execute("SELECT count(*) FROM trusts").fetchone()[0], flush=True)
            sys.stdin.readline()
            print(con.execute("SELECT count(*) FROM trusts").fetchone()[0], flush=True)
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "1"
        with connect(path) as con:  # the batch writes while the reader holds the file open
            con.execute("INSERT INTO trusts VALUES ('ous', 'OUS', 'HF', 'helse-sor-ost-rhf')")
        out, _ = reader.communicate("\n", timeout=30)
        assert out.strip() == "1"  # the open reader keeps its consistent view
    finally:
        reader.kill()
    with connect(path, read_only=True) as con:  # the next connection sees the new data
        assert con.execute("SELECT count(*) FROM trusts").fetchone()[0] == 2


def test_failed_stage_keeps_committed_work_and_leaves_no_copies(tmp_path):
    path = tmp_path / "a.duckdb"
    with pytest.raises(RuntimeError):
        with connect(path) as con:
            con.execute("INSERT INTO trusts VALUES ('unn', 'UNN', 'HF', 'helse-nord-rhf')")
            raise RuntimeError("boom")
    with connect(path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM trusts").fetchone()[0] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.duckdb", "a.duckdb.lock"]


def test_missing_database_for_readers(tmp_path):
    with pytest.raises(StorageError, match="does not exist: run"):
        with connect(tmp_path / "nope.duckdb", read_only=True):
            pass


def test_incident_tables_sync_to_the_merge_exactly(sample_run, tmp_path):
    """After a rebuild every incident row reads back equal to the merge's (times with their offsets,
    dates, lists, flags); a rebuild after articles changed deletes, rewrites and keeps the right rows."""
    import shutil

    from pipeline.gazetteer import load_gazetteer
    from pipeline.incident_store import _plan, incident_rows, merge_groups, outage_reports, rebuild_incidents

    gaz = load_gazetteer()
    db = tmp_path / "sync.duckdb"
    shutil.copy(sample_run[0].db, db)
    with connect(db) as con:
        outages = [r[0] for r in con.execute("SELECT id FROM articles WHERE is_outage ORDER BY id").fetchall()]
        con.execute("UPDATE articles SET is_outage = false WHERE id = ?", [outages[0]])  # its incident may go
        con.execute("UPDATE articles SET trusts = ['unn'], start_time = NULL WHERE id = ?", [outages[1]])
        before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("incidents", "incident_reports")}
        rebuild_incidents(con, gaz, 36)
        wanted = incident_rows(merge_groups(outage_reports(con), gaz, 36), gaz)
        assert wanted["incidents"] and wanted["incident_conflicts"] and wanted["incident_status_changes"]
        assert any(isinstance(r[2], datetime) and r[2].utcoffset() for r in wanted["incidents"])
        for table, rows in wanted.items():
            assert _plan(con, table, rows) == ([], []), table  # nothing left to do: stored == wanted
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == len(rows)
        assert con.execute("SELECT count(*) FROM incident_reports WHERE article_id = ?", [outages[0]]).fetchone()[0] == 0
        assert before["incident_reports"] == len(wanted["incident_reports"]) + 1
