"""Operating the batch: lock contention, kill -9 at fixed points, backups, full or read-only disks, status, logs."""
from __future__ import annotations

from conftest import dead_site

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import EXIT_PARTIAL, KILL_AT
from pipeline.errors import LockError, StorageError
from test_run import snapshot

ROOT = Path(__file__).resolve().parent.parent


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_") and k != KILL_AT}
    env.update(extra)
    return env


def _pipeline(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=ROOT, env=env or _env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, env=env or _env(),
                          capture_output=True, text=True, timeout=300)


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy_db(sample_run, tmp_path: Path, name: str = "copy.duckdb") -> Path:
    db = tmp_path / name
    shutil.copy(sample_run[0].db, db)
    return db


# -- the writer lock ---------------------------------------------------------------------------------
def test_second_run_exits_at_once_while_another_holds_the_lock(sample_run, tmp_path):
    db = _copy_db(sample_run, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        from pipeline.store import open_writer
        with open_writer({str(db)!r}):
            print("locked", flush=True)
            sys.stdin.readline()
    """)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        proc = _run("run", "--db", str(db))
        assert time.monotonic() - started < 20  # it does not wait for the lock
        assert proc.returncode == LockError.exit_code == 6
        line = _one_line(proc.stderr)
        assert "another run is writing" in line and f"(pid {holder.pid})" in line
        as_json = _run("--log-format", "json", "crawl", "--db", str(db))
        record = json.loads(_one_line(as_json.stderr))
        assert as_json.returncode == 6 and record["level"] == "ERROR" and record["exit_code"] == 6
        assert "another run is writing" in record["message"] and record["run_id"]
    finally:
        holder.communicate("\n", timeout=30)
    assert _digest(db) == _digest(Path(sample_run[0].db))  # the refused runs changed nothing


# -- kill -9 at fixed points, then a re-run ------------------------------------------------------------
# (point, what the published file holds after the kill): a stage is published only when it completes.
KILL_POINTS = [("fetch:60", "nothing"), ("crawled", "pages"), ("annotate:40", "pages"), ("load", "pages"),
               ("finished", "pages")]


@pytest.mark.slow
def test_kill_9_at_each_point_then_rerun_gives_the_uninterrupted_data(sample_run, tmp_path):
    from pipeline.status import database_status
    from pipeline.store import connect

    reference = snapshot(sample_run[0].db)
    dbs = {point: tmp_path / f"killed-{point.replace(':', '-')}.duckdb" for point, _ in KILL_POINTS}
    killed = {p: _pipeline("run", "--db", str(db), "--json", env=_env(**{KILL_AT: p})) for p, db in dbs.items()}
    for point, proc in killed.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == -9, f"{point} did not reach its kill point: {err}"
        assert out == ""
    for point, state in KILL_POINTS:
        db = dbs[point]
        if state == "nothing":
            assert not db.exists()
            continue
        with connect(db, read_only=True) as con:  # a valid database as of the last completed stage
            assert con.execute("SELECT count(*) FROM pages").fetchone()[0] > 0
            assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
            status = database_status(con, db)
        assert [r["status"] for r in status["runs"]] == ["interrupted"]  # running, but no live writer
    reruns = {p: _pipeline("run", "--db", str(db), "--json") for p, db in dbs.items()}
    for point, proc in reruns.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"re-run after a kill at {point}: {err}"
        assert json.loads(out)["status"] == "ok"
        db = dbs[point]
        assert snapshot(db) == reference, f"data differs after a kill at {point}"
        assert not list(tmp_path.glob(f"{db.name}.tmp-*")), "working copies left behind"
        with connect(db, read_only=True) as con:
            statuses = [r[0] for r in con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()]
        assert statuses == (["ok"] if point.startswith("fetch") else ["interrupted", "ok"])


def test_counters_are_in_the_run_row_after_each_batch(sample_run):
    with duckdb.connect(sample_run[0].db, read_only=True) as con:
        row = con.execute("SELECT pages_fetched, pages_failed, summary_json FROM runs").fetchone()
    assert row[0] == sample_run[1]["pages_fetched"] and row[1] == 0
    assert json.loads(row[2])["articles_processed"] == sample_run[1]["articles_processed"]


# -- backup before migrations -----------------------------------------------------------------------------
def test_file_needing_a_migration_is_backed_up_first(tmp_path, monkeypatch):
    from pipeline import store

    path = tmp_path / "old.duckdb"
    with store.connect(path) as con:  # a file at today's latest version
        con.execute("INSERT INTO trusts VALUES ('unn', 'UNN', 'HF', 'helse-nord-rhf')")
    with store.connect(path):  # up to date: no backup
        pass
    current = store.latest_version()
    assert not list(tmp_path.glob("*.bak"))
    original = path.read_bytes()
    real = store.migrations()
    monkeypatch.setattr(store, "migrations", lambda: real + [(current + 1, "CREATE TABLE probe (x INTEGER);")])
    with store.connect(path) as con:
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == current + 1
    backup = tmp_path / f"old.duckdb.v{current}.bak"
    assert backup.read_bytes() == original
    with duckdb.connect(str(backup), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM trusts").fetchone()[0] == 1
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == current


# -- full or read-only file systems ----------------------------------------------------------------------
@contextmanager
def tmpfs(path: Path, size: str):
    """A small tmpfs at `path` (root only); skips the test when mounting is impossible."""
    path.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_disk_full_leaves_the_database_intact(sample_run, tmp_path):
    size = Path(sample_run[0].db).stat().st_size
    with tmpfs(tmp_path / "disk", f"{size // 1024 + 1024}k") as disk:  # room for the file, not for its copy
        db = _copy_db(sample_run, disk)
        before = _digest(db)
        proc = _run("run", "--db", str(db))
        assert proc.returncode == StorageError.exit_code == 5
        assert "No space left on device" in _one_line(proc.stderr) and "free disk space" in proc.stderr
        assert _digest(db) == before
        assert sorted(p.name for p in disk.iterdir()) == ["copy.duckdb", "copy.duckdb.lock"]


def test_disk_full_during_a_stage_publishes_nothing(tmp_path):
    with tmpfs(tmp_path / "disk", "3m") as disk:
        db = disk / "new.duckdb"
        proc = _run("run", "--db", str(db))
        assert proc.returncode == 5
        line = _one_line(proc.stderr)
        assert "No space left on device" in line and "the published database is intact" in line
        assert sorted(p.name for p in disk.iterdir()) == ["new.duckdb.lock"]


def test_read_only_database_is_refused_and_left_alone(sample_run, tmp_path):
    if os.geteuid() == 0:  # root ignores permissions: use a read-only file system
        with tmpfs(tmp_path / "ro", "16m") as disk:
            db = _copy_db(sample_run, disk)
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
            _assert_refused(db, "the directory of the database must be writable")
    else:
        db = _copy_db(sample_run, tmp_path)
        db.chmod(0o444)
        _assert_refused(db, "is read-only")


def _assert_refused(db: Path, text: str) -> None:
    before = _digest(db)
    proc = _run("run", "--db", str(db))
    assert proc.returncode == 5 and text in _one_line(proc.stderr)
    assert _digest(db) == before
    status = _run("status", "--db", str(db), "--json")  # readers still work
    assert status.returncode == 0 and json.loads(status.stdout)["incidents"] > 0


# -- status and structured logs ---------------------------------------------------------------------------
def test_status_shows_runs_failures_and_freshness(sample_run, tmp_path):
    from pipeline.run import execute
    from pipeline.settings import load_settings
    from pipeline.status import database_status, format_status
    from pipeline.store import connect

    db = _copy_db(sample_run, tmp_path)
    down = dead_site("unn")
    settings = load_settings(env={}, overrides={"db": str(db), "crawl": {"retries": 0}})
    summary = execute(settings, "crawl", [down], allow_loopback=True, process=False)
    assert summary["status"] == "partial"
    with connect(db, read_only=True) as con:
        status = database_status(con, db)
    assert [r["status"] for r in status["runs"]] == ["partial", "ok"]
    assert status["sites_failing"] == ["unn"]
    unn = next(s for s in status["sites"] if s["site_id"] == "unn")
    assert unn["failed_last_run"] >= 1 and unn["failed_recent_runs"] >= unn["failed_last_run"]
    assert unn["last_failure"] and ":" in unn["last_failure"]  # "outcome: error"
    assert unn["latest_published"] is not None and unn["last_ok_fetch_at"] is not None  # from the first run
    assert status["hours_since_fetch"] is not None and status["hours_since_fetch"] < 24
    text = format_status(status)
    assert "sites failing in their last run: unn" in text and "partial" in text
    proc = _run("status", "--db", str(db), "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["sites_failing"] == ["unn"]


def test_status_of_a_missing_database_is_a_one_line_error(tmp_path):
    missing = _run("status", "--db", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 5 and "does not exist" in _one_line(missing.stderr)


def test_json_logs_carry_the_run_id(sample_run, tmp_path):
    db = _copy_db(sample_run, tmp_path)
    proc = _run("--log-format", "json", "process", "--db", str(db), "--json")
    assert proc.returncode == 0, proc.stderr
    run_id = json.loads(proc.stdout)["run_id"]
    records = [json.loads(line) for line in proc.stderr.splitlines() if line.strip()]
    assert records, "no log records"
    for record in records:
        assert {"time", "level", "logger", "message"} <= set(record)
        assert record["run_id"] == run_id
    assert any("finished" in r["message"] for r in records)


def test_exit_codes_are_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ops = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for code in (0, 1, 2, 3, EXIT_PARTIAL, StorageError.exit_code, LockError.exit_code):
        assert f"| `{code}` |" in ops and f"| `{code}` |" in readme
    assert "OnCalendar=" in ops and "ExecStart=" in ops and "crontab" in ops


def test_new_commands_have_help_with_an_example():
    root = _run("--help")
    assert "--log-format" in root.stdout and all(c in root.stdout for c in ("export", "report", "status"))
    for command in ("export", "report", "status"):
        proc = _run(command, "--help")
        assert proc.returncode == 0 and "Example: python -m pipeline" in proc.stdout
