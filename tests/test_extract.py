"""The `extract` contract on golden articles (our own writing), through the real spaCy pipeline."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path


from pipeline.extraction import to_article
from pipeline.nlp.facts import annotate, to_contract

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parent.parent


def extract_one(nlp, text: str, published: date | None = None, url: str | None = None) -> dict:
    [facts] = annotate([to_article(text, published, None, url)], nlp)
    return to_contract(facts)


def test_flagship_sectra_outage_is_one_exact_record(rules_nlp):
    out = extract_one(rules_nlp, (GOLDEN / "sectra-helse-nord.txt").read_text(), url="https://www.helse-nord.no/nyheter/x/")
    assert out["is_outage"] is True and out["status"] == "resolved"
    assert out["published"] == "2022-07-07" and out["updated"] == "2022-07-13"
    assert out["start"] == "2022-07-07T08:00:00+02:00"
    assert out["end"] == "2022-07-08T11:15:00+02:00"
    assert out["duration_minutes"] == 1635
    assert [(s["id"], s["type"]) for s in out["systems"]] == [("sectra-ris-pacs", "RIS/PACS")]
    assert sorted(t["id"] for t in out["trusts"]) == sorted(
        ["helse-nord-rhf", "unn", "finnmarkssykehuset", "nordlandssykehuset", "helgelandssykehuset"])
    contacts = {(c["name"], c["role"], c["org_id"], c["email"], c["phone"]) for c in out["contacts"]}
    assert contacts == {
        ("Ingrid Solbakk", "fagdirektør", "helse-nord-rhf", "ingrid.solbakk@helse-nord.example", "+4791234567"),
        ("Torbjørn Vassdal", "kommunikasjonsrådgiver", "helse-nord-ikt", "torbjorn.vassdal@hnikt.example", "+4748765432"),
    }
    for fact in out["systems"] + out["trusts"]:
        assert fact["evidence"]


def test_contract_keys_are_exact(rules_nlp):
    out = extract_one(rules_nlp, "Ny kantine ved UNN\n\nPublisert 01.02.2023\n\nKantina har fått ny meny.")
    for key in ("id", "title", "published", "updated", "lang", "is_outage", "outage_score", "status", "start",
                "end", "duration_minutes", "systems", "trusts", "contacts", "times", "entities"):
        assert key in out
    assert out["is_outage"] is False and out["status"] == "unknown"
    assert out["start"] is None and out["end"] is None and out["trusts"] == []


def test_extract_cli_on_html_text_and_jsonl(tmp_path):
    text = (GOLDEN / "sectra-helse-nord.txt").read_text()
    html = "<!doctype html><html lang='nb'><head><title>x</title></head><body><main><article>" + "".join(
        f"<p>{p}</p>" for p in text.split("\n\n")) + "</article></main></body></html>"
    (tmp_path / "a.html").write_text(html)
    (tmp_path / "b.txt").write_text(text)
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "rec-1", "text": text, "published": "2022-07-07", "lang": "nb"}) + "\n")
    run = lambda *a: subprocess.run([sys.executable, "-m", "pipeline", "extract", *a], cwd=ROOT,  # noqa: E731
                                    capture_output=True, text=True, timeout=300)
    files = run(str(tmp_path / "a.html"), str(tmp_path / "b.txt"), "--published", "2022-07-07", "--json")
    assert files.returncode == 0, files.stderr
    objs = [json.loads(line) for line in files.stdout.splitlines()]
    assert len(objs) == 2 and all(o["is_outage"] and o["start"] == "2022-07-07T08:00:00+02:00" for o in objs)
    jsonl = run("--input-jsonl", str(tmp_path / "in.jsonl"))
    [obj] = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert obj["id"] == "rec-1" and obj["end"] == "2022-07-08T11:15:00+02:00"
