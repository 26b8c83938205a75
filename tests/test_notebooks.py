"""Notebooks execute end to end against the sample-site database; committed without outputs.

Each run writes its figures as PNG to notebooks/figures/ (git-ignored) for a look by eye.
"""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
FIGURES = NOTEBOOKS / "figures"
EXPORTED = ["incidents", "incident_reports", "articles", "trusts", "sites", "contacts", "incident_conflicts",
            "incident_status_changes", "coverage"]


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_is_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")


def execute(name: str, monkeypatch, env: dict[str, str], figures: list[str], prelude: str | None = None) -> str:
    """Run a notebook with its parameters in the environment; returns the text of its outputs."""
    FIGURES.mkdir(exist_ok=True)
    for png in figures:
        (FIGURES / png).unlink(missing_ok=True)
    for key, value in {**env, "OUTAGE_FIGURES": str(FIGURES), "MPLBACKEND": "Agg"}.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    if prelude:
        nb.cells.insert(0, nbformat.v4.new_code_cell(prelude))
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    for png in figures:
        assert (FIGURES / png).stat().st_size > 10_000, png
    return "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                   for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.slow
def test_overview_notebook_executes(sample_run, monkeypatch):
    settings, summary = sample_run
    text = execute("01_outage_overview.ipynb", monkeypatch, {"OUTAGE_DB": str(Path(settings.db).resolve())},
                   ["01_incidents_per_month.png", "01_durations.png", "01_trust_system_types.png"])
    assert f"{summary['incidents']} incidents, first" in text
    assert "trusts have a crawled news site" in text


@pytest.mark.slow
def test_trust_profile_notebook_executes(sample_run, monkeypatch):
    settings, _ = sample_run
    text = execute("02_trust_profile.ipynb", monkeypatch,
                   {"OUTAGE_DB": str(Path(settings.db).resolve()), "OUTAGE_TRUST": "ous"},
                   ["02_timeline.png", "02_systems.png", "02_time_between.png"])
    assert "Oslo universitetssykehus HF: its news site is crawled" in text
    assert "incidents affected Oslo universitetssykehus HF" in text


@pytest.mark.slow
def test_research_notebook_reads_parquet_without_the_pipeline(sample_run, tmp_path, monkeypatch):
    settings, summary = sample_run
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    con = duckdb.connect(settings.db, read_only=True)
    try:
        for table in EXPORTED:
            con.execute(f"COPY (SELECT * FROM {table}) TO '{dataset / table}.parquet' (FORMAT parquet)")
    finally:
        con.close()
    package = {"resources": [{"name": "incidents", "schema": {"fields": [
        {"name": "id", "description": "Incident id, as the export describes it."}]}}]}
    (dataset / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    source = (NOTEBOOKS / "03_research_dataset.ipynb").read_text(encoding="utf-8")
    assert "import pipeline" not in source and "from pipeline" not in source
    text = execute("03_research_dataset.ipynb", monkeypatch, {"OUTAGE_DATASET": str(dataset)},
                   ["03_incidents_per_year.png"],
                   prelude="import sys\nsys.modules['pipeline'] = None  # as if the tracker were not installed")
    assert f"incidents                    {summary['incidents']:6} rows" in text
    assert "article id of the report the start was taken from" in text  # the notebook's data dictionary
    assert "Incident id, as the export describes it." in text  # ... after the export's own descriptions
