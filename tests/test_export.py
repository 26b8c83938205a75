"""Research exports: a valid data package, counts equal to the database, idempotent, safe paths and cells."""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import ConfigError
from pipeline.export import confined, export_dataset

ROOT = Path(__file__).resolve().parent.parent
META = {"datapackage.json", "README.md", "CITATION.cff"}
CORE = ["incidents", "incident_reports", "articles", "mentions", "contacts", "trusts", "systems", "coverage"]


@pytest.fixture(scope="module")
def csv_export(sample_run, tmp_path_factory):
    settings, _ = sample_run
    out = tmp_path_factory.mktemp("export") / "csv"
    return export_dataset(settings, out, "csv")


def _package(out: Path) -> dict:
    return json.loads((out / "datapackage.json").read_text(encoding="utf-8"))


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _cli(*args: str) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_every_file_is_listed_and_every_column_described(csv_export):
    out = csv_export.out
    package = _package(out)
    listed = [r["path"] for r in package["resources"]]
    assert sorted(listed + sorted(META)) == sorted(p.name for p in out.iterdir())
    assert set(CORE) <= {r["name"] for r in package["resources"]}
    for r in package["resources"]:
        data = (out / r["path"]).read_bytes()
        assert r["bytes"] == len(data) and r["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert r["format"] == "csv" and r["mediatype"] == "text/csv" and r["description"]
        header = next(csv.reader(data.decode("utf-8").splitlines()))
        assert header == [f["name"] for f in r["schema"]["fields"]]
        for f in r["schema"]["fields"]:
            assert f["type"] in {"string", "integer", "number", "boolean", "date", "datetime", "array", "object"}
            assert f["description"] and "see pipeline/schema.sql" not in f["description"], (r["name"], f["name"])
    assert package["$schema"].startswith("https://datapackage.org/profiles/")
    assert package["licenses"] and package["created"]


def _check(value: str, kind: str) -> None:
    if kind == "integer":
        int(value)
    elif kind == "number":
        float(value)
    elif kind == "boolean":
        assert value in ("true", "false")
    elif kind == "date":
        date.fromisoformat(value)
    elif kind == "datetime":
        assert "T" in value and datetime.fromisoformat(value).tzinfo is not None
    elif kind == "array":
        assert isinstance(json.loads(value), list)


def test_csv_values_match_the_declared_types(csv_export):
    for r in _package(csv_export.out)["resources"]:
        types = {f["name"]: f["type"] for f in r["schema"]["fields"]}
        for row in _rows(csv_export.out / r["path"]):
            for name, value in row.items():
                if value != "":
                    _check(value, types[name])
        if r["schema"].get("primaryKey"):
            keys = [tuple(row[k] for k in r["schema"]["primaryKey"]) for row in _rows(csv_export.out / r["path"])]
            assert len(keys) == len(set(keys))


def test_parquet_types_match_the_package(sample_run, tmp_path):
    import pyarrow.parquet as pq
    import pyarrow.types as t

    result = export_dataset(sample_run[0], tmp_path / "pq", "parquet")
    checks = {"string": t.is_string, "integer": t.is_integer, "number": t.is_floating, "boolean": t.is_boolean,
              "date": t.is_date, "datetime": t.is_timestamp, "array": t.is_list}
    for r in _package(result.out)["resources"]:
        table = pq.read_table(result.out / r["path"])
        assert table.num_rows == r["rows"]
        for f in r["schema"]["fields"]:
            assert checks[f["type"]](table.schema.field(f["name"]).type), (r["name"], f["name"])


def _expected(db: str, where: str, params: list) -> dict[str, int]:
    con = duckdb.connect(db, read_only=True)
    try:
        ids = [r[0] for r in con.execute(f"SELECT id FROM incidents WHERE {where}", params).fetchall()]
        links = con.execute("SELECT incident_id, article_id FROM incident_reports").fetchall()
        arts = {a for i, a in links if i in ids}
        count = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        return {
            "incidents": len(ids), "incident_reports": sum(i in ids for i, _ in links), "articles": len(arts),
            "mentions": sum(a in arts for (a,) in count("SELECT article_id FROM mentions")),
            "contacts": sum(a in arts for (a,) in count("SELECT article_id FROM contacts")),
            "trusts": count("SELECT count(*) FROM trusts")[0][0],
        }
    finally:
        con.close()


@pytest.mark.parametrize("filters, where, params", [
    ({}, "true", []),
    ({"region": "helse-nord-rhf"}, "list_contains(regions, ?)", ["helse-nord-rhf"]),
    ({"trust": "ous"}, "list_contains(trusts, ?)", ["ous"]),
    ({"since": date(2022, 1, 1)}, "coalesce(start_date, first_published) >= ?", [date(2022, 1, 1)]),
])
def test_row_counts_equal_the_database(sample_run, tmp_path, filters, where, params):
    settings, _ = sample_run
    result = export_dataset(settings, tmp_path / "out", "jsonl", **filters)
    package = _package(result.out)
    expected = _expected(settings.db, where, params)
    if not filters:
        with duckdb.connect(settings.db, read_only=True) as con:
            expected["articles"] = con.execute("SELECT count(*) FROM articles").fetchone()[0]
            expected["mentions"] = con.execute("SELECT count(*) FROM mentions").fetchone()[0]
            expected["contacts"] = con.execute("SELECT count(*) FROM contacts").fetchone()[0]
    assert expected["incidents"] > 0
    rows = {r["name"]: r["rows"] for r in package["resources"]}
    assert {k: rows[k] for k in expected} == expected
    for r in package["resources"]:  # the package's counts are the files' line counts
        assert len((result.out / r["path"]).read_text(encoding="utf-8").splitlines()) == r["rows"]
    if "region" in filters:
        coverage = [json.loads(line) for line in (result.out / "coverage.jsonl").read_text().splitlines()]
        assert coverage and {c["region_id"] for c in coverage} == {"helse-nord-rhf"}
    assert package["selection"]["region"] == filters.get("region")


def test_article_text_only_with_text_and_never_html(sample_run, tmp_path):
    settings, _ = sample_run
    plain = export_dataset(settings, tmp_path / "plain", "csv")
    full = export_dataset(settings, tmp_path / "full", "csv", with_text=True)
    plain_cols = _rows(plain.out / "articles.csv")[0].keys()
    full_rows = _rows(full.out / "articles.csv")
    assert "text" not in plain_cols and "html" not in plain_cols and "url" in plain_cols
    assert "text" in full_rows[0] and sum(len(r["text"]) > 200 for r in full_rows) > 50
    assert "<html" not in (plain.out / "articles.csv").read_text(encoding="utf-8").lower()
    assert _package(full.out)["selection"]["with_text"] is True


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_export_is_idempotent(sample_run, tmp_path, fmt):
    settings, _ = sample_run
    a = export_dataset(settings, tmp_path / "a", fmt)
    b = export_dataset(settings, tmp_path / "b", fmt)
    export_dataset(settings, tmp_path / "a", fmt)  # again into the same directory
    assert a.files == b.files
    for name in a.files:
        left, right = (a.out / name).read_bytes(), (b.out / name).read_bytes()
        if name == "datapackage.json":  # only the creation timestamp may differ
            left, right = (json.loads(x) for x in (left, right))
            assert left.pop("created") and right.pop("created")
        assert left == right, name
    assert not [p for p in a.out.iterdir() if p.name.startswith(".")], "temp files left behind"


def test_switching_format_removes_the_old_files(sample_run, tmp_path):
    out = tmp_path / "out"
    export_dataset(sample_run[0], out, "csv")
    (out / "notes.txt").write_text("mine")  # files the export did not write are left alone
    result = export_dataset(sample_run[0], out, "parquet")
    assert sorted(p.name for p in out.iterdir()) == sorted([*result.files, "notes.txt"])


def test_formula_cells_are_neutralised_in_csv_only(sample_run, tmp_path):
    db = tmp_path / "evil.duckdb"
    shutil.copy(sample_run[0].db, db)
    evil = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "ok=fine"]
    con = duckdb.connect(str(db))
    ids = [r[0] for r in con.execute("SELECT id FROM incidents ORDER BY id LIMIT ?", [len(evil)]).fetchall()]
    for incident_id, title in zip(ids, evil):
        con.execute("UPDATE incidents SET title = ?, systems = ? WHERE id = ?", [title, [title], incident_id])
    con.close()
    settings = sample_run[0].with_db(db)
    out = export_dataset(settings, tmp_path / "csv", "csv").out
    titles = {r["id"]: r for r in _rows(out / "incidents.csv")}
    for incident_id, title in zip(ids, evil):
        cell = titles[incident_id]["title"]
        if title == "ok=fine":
            assert cell == title
        else:
            assert cell == "'" + title  # shown as text by spreadsheets, the value still readable
        assert json.loads(titles[incident_id]["systems"]) == [title]  # a JSON array cell starts with [
    for row in _rows(out / "contacts.csv"):
        assert not row["phone"] or row["phone"].startswith("'+")
    lines = (export_dataset(settings, tmp_path / "jsonl", "jsonl").out / "incidents.jsonl").read_text().splitlines()
    assert {json.loads(line)["title"] for line in lines} >= set(evil)  # other formats keep the values


@pytest.mark.parametrize("name", ["../evil.csv", "../../etc/passwd", "/etc/passwd", "a/b.csv", "..", ".hidden",
                                  "", "x\\..\\y", "nul\0l"])
def test_traversal_names_are_rejected(tmp_path, name):
    with pytest.raises(ConfigError, match="refusing to write"):
        confined(tmp_path, name)


def test_table_with_a_traversal_name_is_refused(sample_run, tmp_path):
    db = tmp_path / "odd.duckdb"
    shutil.copy(sample_run[0].db, db)
    con = duckdb.connect(str(db))
    con.execute('CREATE VIEW "coverage_../../escaped" AS SELECT 1 AS x')
    con.close()
    proc = _cli("export", "--db", str(db), "--out", str(tmp_path / "out"), "--format", "csv")
    assert proc.returncode == 3 and "refusing to export table" in proc.stderr and "Traceback" not in proc.stderr
    assert not list(tmp_path.rglob("escaped*"))


def test_symlink_in_out_is_replaced_not_followed(sample_run, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    (out / "incidents.csv").symlink_to(outside)
    export_dataset(sample_run[0], out, "csv")
    assert outside.read_text() == "keep me" and not (out / "incidents.csv").is_symlink()


def test_dataset_readme_and_citation(csv_export):
    readme = (csv_export.out / "README.md").read_text(encoding="utf-8")
    project = (ROOT / "README.md").read_text(encoding="utf-8")
    rule = project.split("## How incidents are merged", 1)[1].split("\n## ", 1)[0].strip()
    assert rule in readme
    for heading in ("## What is in it", "## How it was made", "## Known limitations", "### How incidents are merged"):
        assert heading in readme
    cff = (csv_export.out / "CITATION.cff").read_text(encoding="utf-8")
    assert cff.startswith("cff-version: 1.2.0\n") and "type: dataset" in cff and "date-released:" in cff
    assert "\ntitle: " in cff and "\nauthors:\n  - name: " in cff


@pytest.mark.parametrize("args, code, text", [
    (["--since", "last week"], 3, "use YYYY-MM-DD"),
    (["--region", "atlantis"], 3, "unknown region 'atlantis': use one of"),
    (["--trust", "nope"], 3, "unknown trust 'nope'"),
])
def test_bad_options_are_one_line_errors(sample_run, tmp_path, args, code, text):
    proc = _cli("export", "--db", sample_run[0].db, "--out", str(tmp_path / "out"), *args)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == code and len(lines) == 1 and text in lines[0], proc.stderr


def test_out_that_is_a_file_and_missing_database(sample_run, tmp_path):
    afile = tmp_path / "file"
    afile.write_text("x")
    proc = _cli("export", "--db", sample_run[0].db, "--out", str(afile))
    assert proc.returncode == 3 and "is a file" in proc.stderr
    proc = _cli("export", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "o"), "--json")
    assert proc.returncode == 5 and "does not exist" in proc.stderr
    ok = _cli("export", "--db", sample_run[0].db, "--out", str(tmp_path / "o"), "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["rows"]["incidents"] > 0
