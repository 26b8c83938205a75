"""CLI behaviour for bad input: one-line errors, distinct exit codes, no tracebacks."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path = ROOT, env: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    import os

    environ = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=environ, input=stdin,
                          capture_output=True, text=True, timeout=300)


def assert_one_line_error(proc: subprocess.CompletedProcess, code: int, text: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and text in lines[0], proc.stderr


def test_help_lists_every_command():
    proc = cli("--help")
    assert proc.returncode == 0
    for command in ("run", "crawl", "process", "extract", "eval", "build-sample-site", "build-gazetteer"):
        assert command in proc.stdout


def test_every_command_help_has_an_example():
    for command in ("run", "crawl", "process", "extract", "eval"):
        proc = cli(command, "--help")
        assert proc.returncode == 0 and "Example: python -m pipeline" in proc.stdout


def test_missing_sites_file(tmp_path):
    proc = cli("run", "--config", str(tmp_path / "nope.toml"), "--db", str(tmp_path / "x.duckdb"))
    assert_one_line_error(proc, 3, "does not exist")


def test_unknown_key_in_sites_file(tmp_path):
    bad = tmp_path / "sites.toml"
    bad.write_text('[sites.unn]\nname = "UNN"\nbase_url = "https://www.unn.no"\nnews_urls = ["https://www.unn.no/nyheter/"]\nfrobnicate = 1\n')
    proc = cli("crawl", "--config", str(bad), "--db", str(tmp_path / "x.duckdb"))
    assert_one_line_error(proc, 3, "frobnicate")


def test_unknown_setting_in_environment(tmp_path):
    proc = cli("process", "--db", str(tmp_path / "x.duckdb"), env={"PIPELINE_NO_SUCH_KEY": "1"})
    assert_one_line_error(proc, 3, "unknown setting 'no_such_key'")


def test_unknown_key_in_settings_file(tmp_path):
    bad = tmp_path / "settings.toml"
    bad.write_text("[crawl]\nspeed = 3\n")
    proc = cli("--settings", str(bad), "process", "--db", str(tmp_path / "x.duckdb"))
    assert_one_line_error(proc, 3, "unknown setting 'speed'")


def test_database_that_is_not_duckdb_is_left_alone(tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database" * 1000)
    proc = cli("process", "--db", str(junk))
    assert_one_line_error(proc, 5, "cannot be opened")
    assert junk.read_bytes() == b"not a database" * 1000


def test_missing_input_file_for_extract(tmp_path):
    proc = cli("extract", str(tmp_path / "missing.html"))
    assert_one_line_error(proc, 3, "does not exist")


def test_bad_published_date(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("Tittel\n\nTekst.")
    proc = cli("extract", str(f), "--published", "7/7/2022")
    assert_one_line_error(proc, 3, "use YYYY-MM-DD")


def test_bad_jsonl_line(tmp_path):
    f = tmp_path / "in.jsonl"
    f.write_text('{"id": "a", "text": "x"}\nnot json\n')
    proc = cli("extract", "--input-jsonl", str(f))
    assert_one_line_error(proc, 3, "line 2 is not valid JSON")


def test_eval_missing_gold_file(tmp_path):
    proc = cli("eval", str(tmp_path / "gold.jsonl"))
    assert_one_line_error(proc, 3, "does not exist")


def test_train_ner_with_missing_norne_files(tmp_path):
    proc = cli("train-ner", "--norne", str(tmp_path), "--out", str(tmp_path / "model"), "--work", str(tmp_path / "w"))
    assert_one_line_error(proc, 3, "NorNE files not found")
    proc = cli("train-ner", "--train-files", "nob-nope.iob", "--out", str(tmp_path / "model"), "--work", str(tmp_path / "w"))
    assert_one_line_error(proc, 3, "nob-nope.iob")
    assert not (tmp_path / "model").exists()


def test_train_ner_with_more_votes_than_members(tmp_path):
    proc = cli("train-ner", "--members", "3", "--min-votes", "4", "--out", str(tmp_path / "model"),
               "--work", str(tmp_path / "w"))
    assert_one_line_error(proc, 3, "--min-votes 4 is more than --members 3")
    assert not (tmp_path / "model").exists() and not (tmp_path / "w").exists()
