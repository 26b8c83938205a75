"""Notebooks execute end to end against a database built from the sample site; committed without outputs."""
from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_is_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")


@pytest.mark.slow
def test_overview_notebook_executes(sample_run, tmp_path, monkeypatch):
    settings, _ = sample_run
    figures = NOTEBOOKS / "figures"
    figures.mkdir(exist_ok=True)
    monkeypatch.setenv("OUTAGE_DB", str(Path(settings.db).resolve()))
    monkeypatch.setenv("OUTAGE_FIGURES", str(figures))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOKS / "01_outage_overview.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    for png in ("01_incidents_per_month.png", "01_durations.png", "01_trust_system_types.png"):
        assert (figures / png).stat().st_size > 10_000
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "incidents, first" in text
