"""Extraction speed: `extract` over 1,000 articles against the NER model's own speed.

Writes bench/extract-results.json: articles/s of the NER alone (the trained model's own
pipeline), of the full project pipeline with and without the outage pre-filter, and of the
`extract --input-jsonl` command end to end; target: full pipeline ≥ 0.5 × NER speed.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import SAMPLE_SOURCES
from pipeline.samplesite import iter_sample_articles
from pipeline.settings import ROOT, load_settings, resolve

N = int(os.environ.get("EXTRACT_BENCH_N", "1000"))
OUT = Path(__file__).with_name("extract-results.json")


def corpus(n: int, outage_share: float = 0.03, seed: int = 11) -> list[dict]:
    """n records in the `extract --input-jsonl` format, reusing the sample site's writing (~3% outages)."""
    samples = list(iter_sample_articles(SAMPLE_SOURCES))
    outages = [a for a in samples if a.gold_is_outage]
    others = [a for a in samples if not a.gold_is_outage]
    rng = random.Random(seed)
    records = []
    for i in range(n):
        a = rng.choice(outages) if rng.random() < outage_share else rng.choice(others)
        text = f"{a.title}\n\nPublisert {a.published:%d.%m.%Y}\n\n{a.body}"
        records.append({"id": f"bench-{i:05d}", "text": text, "published": a.published.isoformat(), "lang": a.lang})
    return records


def rate(n: int, seconds: float) -> float:
    return round(n / seconds, 1)


def main() -> None:
    import spacy

    from pipeline.extraction import to_article
    from pipeline.nlp import load_nlp
    from pipeline.nlp.facts import annotate

    settings = load_settings()
    model = resolve(settings.nlp.ner_model)
    records = corpus(N)
    texts = [r["text"] for r in records]
    results: dict = {"articles": N, "cpu_count": os.cpu_count(), "model": settings.nlp.ner_model, "model_present": (model / "meta.json").exists()}

    ner = spacy.load(model)
    started = time.monotonic()
    for _ in ner.pipe(texts, batch_size=64):
        pass
    results["ner_only_articles_per_s"] = rate(N, time.monotonic() - started)

    for name, prefilter in (("full_pipeline", False), ("pipeline", True)):
        nlp = load_nlp(str(model), settings.nlp.outage_threshold, prefilter)
        articles = [to_article(r["text"], None, r["lang"], None) for r in records]
        started = time.monotonic()
        outages = sum(f.is_outage for f in annotate(articles, nlp))
        results[f"{name}_articles_per_s"] = rate(N, time.monotonic() - started)
        results[f"{name}_outages_found"] = outages

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "pipeline", "extract", "--input-jsonl", str(path)], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
        results["extract_command_articles_per_s"] = rate(N, time.monotonic() - started)

    results["pipeline_over_ner"] = round(results["pipeline_articles_per_s"] / results["ner_only_articles_per_s"], 3)
    results["full_pipeline_over_ner"] = round(
        results["full_pipeline_articles_per_s"] / results["ner_only_articles_per_s"], 3)
    OUT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
