"""Crawl benchmark: 20 local hosts × 100 articles at 200 ms per host; writes bench/crawl-results.json.

(a) first `crawl` wall time over the bound (100 articles × 200 ms = 20 s with hosts in parallel);
(b) a second `run` over the unchanged site against the first `run`, and articles re-annotated;
(c) peak RSS of a crawl with 100 articles per host over one with 10 (streaming, not buffering).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import write_corpus
from pipeline.sampleserver import serve_sample_site
from pipeline.samplesite import build_sample_site
from pipeline.settings import load_settings

HOSTS, PER_HOST, INTERVAL = 20, 100, 0.2
OUT = Path(__file__).with_name("crawl-results.json")


def build(work: Path, hosts: int, per_host: int) -> tuple[Path, Path]:
    """Generate and render a synthetic site; returns (site root, sites.toml)."""
    sites_toml = write_corpus(work, hosts, per_host)
    build_sample_site(work / "src", work / "site", sites_toml)
    return work / "site", sites_toml


def timed_execute(db: Path, root: Path, sites_toml: Path, command: str) -> tuple[float, dict]:
    from pipeline.run import execute

    settings = load_settings(env={}, overrides={"db": str(db)})
    with serve_sample_site(root, sites_toml, rate_per_s=1 / INTERVAL) as sites:
        started = time.monotonic()
        summary = execute(settings, command, sites, allow_loopback=True, process=command != "crawl")
        return time.monotonic() - started, summary


def crawl_rss(per_host: int) -> float:
    """Peak RSS (MB) of a fresh process crawling HOSTS × per_host articles."""
    code = (
        "import resource, sys, tempfile; from pathlib import Path; from bench.crawl_bench import build, timed_execute; "
        "w = Path(tempfile.mkdtemp()); root, toml = build(w, %d, %d); "
        "timed_execute(w / 'db.duckdb', root, toml, 'crawl'); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)" % (HOSTS, per_host)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root, sites_toml = build(work, HOSTS, PER_HOST)
        crawl_s, crawl_summary = timed_execute(work / "crawl.duckdb", root, sites_toml, "crawl")
        first_s, first = timed_execute(work / "run.duckdb", root, sites_toml, "run")
        second_s, second = timed_execute(work / "run.duckdb", root, sites_toml, "run")
    bound = PER_HOST * INTERVAL
    rss_10, rss_100 = crawl_rss(10), crawl_rss(100)
    results = {
        "hosts": HOSTS, "articles_per_host": PER_HOST, "interval_s": INTERVAL, "bound_s": bound,
        "first_crawl_s": round(crawl_s, 2), "first_over_bound": round(crawl_s / bound, 3),
        "first_run_s": round(first_s, 2), "rerun_s": round(second_s, 2),
        "rerun_over_first": round(second_s / first_s, 3),
        "reannotated_on_rerun": second["articles_processed"],
        "pages_fetched_first": crawl_summary["pages_fetched"],
        "rerun_fetch_outcomes": second["fetch_outcomes"],
        "rss_mb_10_per_host": round(rss_10, 1), "rss_mb_100_per_host": round(rss_100, 1),
        "rss_ratio": round(rss_100 / rss_10, 3),
        "cpu_count": os.cpu_count(),
    }
    OUT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
