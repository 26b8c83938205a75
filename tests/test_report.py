"""The static HTML report: parsed for its figures, charts and links; screenshotted when Chromium is there."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from lxml import html as lhtml

from pipeline.report import duration_buckets, human_duration, write_report

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def report(sample_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    info = write_report(sample_run[0].db, out)
    return out, info


def test_report_has_figures_charts_and_every_incident(sample_run, report):
    out, info = report
    con = duckdb.connect(sample_run[0].db, read_only=True)
    try:
        incidents = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
        titles = {r[0] for r in con.execute("SELECT title FROM incidents").fetchall()}
        urls = {r[0] for r in con.execute(
            "SELECT a.url FROM incident_reports r JOIN articles a ON a.id = r.article_id").fetchall()}
    finally:
        con.close()
    doc = lhtml.fromstring(out.read_bytes())
    assert info["incidents"] == incidents > 0
    figures = {f.findtext("span"): f.findtext("b") for f in doc.xpath("//div[@class='figure']")}
    assert figures["incidents"] == str(incidents)
    rows = doc.xpath("//tbody/tr")
    assert len(rows) == incidents
    assert {r.xpath("td")[1].text_content() for r in rows} == titles
    hrefs = {a.get("href") for a in doc.xpath("//tbody//a")}
    assert hrefs == urls and all(h.startswith(("https://", "http://")) for h in hrefs)
    assert len(doc.xpath("//svg")) >= 3 and all(s.get("aria-label") for s in doc.xpath("//svg"))
    # self-contained and static: no scripts, no external resources
    assert not doc.xpath("//script | //link | //iframe | //img[starts-with(@src, 'http')]")


def test_hostile_titles_and_urls_are_escaped(sample_run, tmp_path):
    db = tmp_path / "evil.duckdb"
    shutil.copy(sample_run[0].db, db)
    con = duckdb.connect(str(db))
    incident, article = con.execute("SELECT incident_id, article_id FROM incident_reports ORDER BY 1, 2 LIMIT 1").fetchone()
    con.execute("UPDATE incidents SET title = '<script>alert(1)</script>' WHERE id = ?", [incident])
    con.execute("UPDATE articles SET url = 'javascript:alert(1)' WHERE id = ?", [article])
    con.close()
    out = tmp_path / "r.html"
    write_report(db, out)
    doc = lhtml.fromstring(out.read_bytes())
    assert not doc.xpath("//script")
    assert "<script>alert(1)</script>" in doc.text_content()
    assert not [a for a in doc.xpath("//a") if "javascript" in (a.get("href") or "")]


def test_report_cli_and_missing_database(sample_run, tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    run = lambda *a: subprocess.run([sys.executable, "-m", "pipeline", "report", *a], cwd=ROOT, env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    ok = run("--db", sample_run[0].db, "--out", str(tmp_path / "r.html"))
    assert ok.returncode == 0 and "incidents" in ok.stdout and (tmp_path / "r.html").stat().st_size > 10_000
    missing = run("--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "x.html"))
    assert missing.returncode == 5 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    assert not (tmp_path / "x.html").exists()


def test_duration_helpers():
    assert human_duration(45) == "45 min"
    assert human_duration(1635) == "27 h 15 min"
    assert human_duration(3 * 1440 + 60) == "3 d 1 h"
    assert human_duration(None) == "–"
    assert dict(duration_buckets([30, 60, 239, 1440, 5000])) == {
        "< 1 h": 1, "1–4 h": 2, "4–12 h": 0, "12–24 h": 0, "1–3 days": 1, "> 3 days": 1}


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed")
def test_report_renders_in_a_headless_browser(report, tmp_path):
    out, _ = report
    shot = tmp_path / "report.png"
    proc = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1280,1600",
         out.resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a page with charts, not a blank one
