"""Quality gates pinned in data: the dev-set field scores of `pipeline eval` must not fall below the floors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.evaluate import evaluate_file

ROOT = Path(__file__).resolve().parent.parent
FLOORS = json.loads((ROOT / "data" / "dev" / "floors.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dev_scores():
    return evaluate_file(ROOT / "data" / "dev" / "gold.jsonl")


def test_dev_set_is_large_and_varied():
    records = [json.loads(line) for line in (ROOT / "data" / "dev" / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) >= 100
    assert {r["lang"] for r in records} == {"nb", "nn"}
    assert sum(r["gold"]["is_outage"] for r in records) >= 40
    assert sum(not r["gold"]["is_outage"] for r in records) >= 30


@pytest.mark.parametrize("field, metric", [(k.split(".")[0], k.split(".")[1]) for k in FLOORS["dev"]])
def test_dev_scores_stay_above_their_floors(dev_scores, field, metric):
    floor = FLOORS["dev"][f"{field}.{metric}"]
    assert dev_scores[field][metric] >= floor, f"{field} {metric} fell to {dev_scores[field][metric]} (floor {floor})"


def test_prefilter_loses_no_outage_article_of_the_dev_set(rules_nlp):
    from pipeline.extraction import to_article

    records = [json.loads(line) for line in (ROOT / "data" / "dev" / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    from datetime import date

    articles = [to_article(r["text"], date.fromisoformat(r["published"]), r["lang"], r.get("url")) for r in records]
    docs = list(rules_nlp.pipe(rules_nlp.make_doc(a.text) for a in articles))
    outages = [d for d, r in zip(docs, records) if r["gold"]["is_outage"]]
    assert all(d._.candidate for d in outages)  # recall 1.0
    negatives = [d for d, r in zip(docs, records) if not r["gold"]["is_outage"]]
    assert sum(not d._.candidate for d in negatives) >= len(negatives) // 3  # and it does filter
