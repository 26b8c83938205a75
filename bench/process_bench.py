"""Processing benchmark: `process` against its stages' own speed; writes bench/results.json.

For each size N in BENCH_SIZES (default "1000 5000"), a synthetic corpus of N articles (~3%
outage reports, the sample site's writing, bench/corpus.py) is rendered, served on 127.0.0.1 and
crawled once into a DuckDB file. Every variant then starts from its own copy of that file, in a
fresh process (its peak RSS is sampled over the process and its workers), BENCH_REPEAT times
(default 3, in rounds of all variants); each variant's median run is reported, with every run's
time in `seconds_each` (the machine's speed varies by 10-15% from one minute to the next):

- `bare`: the stored HTML through `trafilatura.bare_extraction` and the project's full spaCy
  `nlp.pipe` (pre-filter off) in one process: no crawl, no DB, no workers;
- `process_full`: `pipeline process` (all pages) with the pre-filter off (`nlp.prefilter = false`);
  `process_full_single` the same in one process (`nlp.processes = 1`): the orchestration and DB
  overhead alone, without the second core;
- `process`: `pipeline process` with the default settings, then `warm`: `pipeline process` again over
  the unchanged pages (skipped by content hash and code version).

The trained NER model is used when `nlp.ner_model` (data/models/ner) exists when the benchmark
starts; results.json says whether it was. Targets (issue 7): process_full/bare ≤ 1.25,
process/bare ≤ 0.25, peak RSS at 5k ≤ 1.3 × at 1k, warm/cold ≤ 0.1, equal outages found.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).with_name("results.json")
PER_HOST = 100  # articles per synthetic host (a host's listing pages reach 200)
RATE_PER_S = 500.0  # requests per second per local host
VARIANTS = ("bare", "process_full", "process_full_single", "process")
REPEAT = max(1, int(os.environ.get("BENCH_REPEAT", "3")))  # runs of each variant; the median run is reported
TARGETS = {"process_full_over_bare": 1.25, "process_over_bare": 0.25, "peak_rss_5k_over_1k": 1.3,
           "warm_rerun_over_cold": 0.1}


# -- the measured variants, each run in a fresh process by `python -m bench.process_bench VARIANT DB MODEL` --

def _settings(db: Path, model: str, **nlp: Any) -> Any:
    """Defaults < PIPELINE_* environment (e.g. PIPELINE_NLP__PROCESSES=1) < the benchmark's own choices."""
    from pipeline.settings import load_settings

    return load_settings(overrides={"db": str(db), "nlp": {"ner_model": model, **nlp}})


def run_bare(db: Path, model: str) -> dict[str, Any]:
    """trafilatura.bare_extraction + the full nlp.pipe over every stored article page, in this process."""
    import re
    from datetime import date

    import duckdb
    from trafilatura.utils import load_html

    from pipeline.extract import body_of, page_title
    from pipeline.nlp import load_nlp

    con = duckdb.connect(str(db), read_only=True)
    pages = con.execute("SELECT url, html FROM pages WHERE kind = 'article' AND NOT gone AND html IS NOT NULL "
                        "ORDER BY id").fetchall()
    con.close()
    settings = _settings(db, model)
    started = time.perf_counter()
    nlp = load_nlp(model, settings.nlp.outage_threshold, False)
    loaded = time.perf_counter()
    texts = []
    published = re.compile(r"Publisert:?\s*(\d{1,2})\.(\d{1,2})\.(\d{4})")  # as pipeline/extract.py reads them
    html_lang = re.compile(r"<html[^>]*\blang=[\"']?(n[bno])", re.I)
    for url, html in pages:
        tree = load_html(html)  # trafilatura called as pipeline/extract.py calls it: title, then the text
        title = page_title(tree) if tree is not None else ""
        doc = body_of(tree, url) if tree is not None else None  # trafilatura.bare_extraction, TRAFILATURA_OPTIONS
        if doc is None or not (doc.text or "").strip():
            continue
        m, lang = published.search(html), html_lang.search(html)
        day = date(int(m[3]), int(m[2]), int(m[1])) if m else None
        # the text the pipeline hands spaCy: title, publication stamp, body
        parts = [title, f"Publisert {day:%d.%m.%Y}" if day and not published.search(doc.text) else "", doc.text]
        texts.append(("\n\n".join(p for p in parts if p), day, "nn" if lang and lang[1].lower() == "nn" else "nb"))
    extracted = time.perf_counter()

    def docs():  # the same per-article context `annotate` gives the components
        for text, day, lang in texts:
            doc = nlp.make_doc(text)
            doc.user_data.update({"published": day, "lang": lang})
            yield doc

    outages = sum(bool(doc._.outage["is_outage"]) for doc in nlp.pipe(docs(), batch_size=32))
    done = time.perf_counter()
    return {"seconds": done - started, "articles": len(texts), "outages_found": outages,
            "stage_seconds": {"load": loaded - started, "extract": extracted - loaded, "nlp": done - extracted}}


def run_process(db: Path, model: str, prefilter: bool, reprocess: bool, processes: int | None = None) -> dict[str, Any]:
    """`pipeline process` over the copy `db` (execute() as the CLI calls it)."""
    from pipeline.parallel import worker_count
    from pipeline.run import execute

    settings = _settings(db, model, prefilter=prefilter, **({} if processes is None else {"processes": processes}))
    started = time.perf_counter()
    summary = execute(settings, "process", [], crawl=False, reprocess=reprocess)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "articles": summary["articles_processed"],
            "outages_found": summary["outage_articles"], "incidents": summary["incidents"],
            "processes": worker_count(settings.nlp.processes, summary["articles_processed"]) if summary["articles_processed"] else 0,
            "stage_seconds": summary["stage_seconds"]}


def variant_main(variant: str, db: str, model: str) -> None:
    """Run one variant and print its figures as one JSON line."""
    path = Path(db)
    if variant == "bare":
        out = run_bare(path, model)
    else:
        out = run_process(path, model, prefilter=not variant.startswith("process_full"), reprocess=variant != "warm",
                          processes=1 if variant == "process_full_single" else None)
    _stop_forkserver()  # its workers' CPU then counts among this process's children
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    out["main_cpu_seconds"] = own.ru_utime + own.ru_stime
    out["worker_cpu_seconds"] = children.ru_utime + children.ru_stime
    out["cpu_seconds"] = out["main_cpu_seconds"] + out["worker_cpu_seconds"]
    out["main_rss_mb"] = own.ru_maxrss / 1024
    out["worker_rss_mb"] = children.ru_maxrss / 1024
    print(json.dumps(out))


def _stop_forkserver() -> None:
    """Stop the worker pool's forkserver and wait for it (it waited for the workers forked from it)."""
    from multiprocessing import forkserver

    forkserver._forkserver._stop()  # noqa: SLF001  (the stdlib's own tests stop it this way)


# -- the harness ---------------------------------------------------------------------------------

def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (MB), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(kids)
        frontier.extend(kids)
    kb = 0
    for p in tree:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    kb += int(line.split()[1])
        except OSError:
            continue
    return kb / 1024


def _busy_cpu_seconds() -> float:
    """CPU time spent by everything on the machine so far (user + nice + system + irq + softirq)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    return sum(int(fields[i]) for i in (0, 1, 2, 5, 6)) / os.sysconf("SC_CLK_TCK")


def measure(variant: str, db: Path, model: str) -> dict[str, Any]:
    """Run a variant in a fresh interpreter, sampling the peak RSS of its process tree.

    `background_cpu_share` is the share of the machine's CPU time other processes used meanwhile
    (e.g. a model training next to the benchmark): figures taken with a busy machine are slower.
    """
    started, busy = time.perf_counter(), _busy_cpu_seconds()
    proc = subprocess.Popen([sys.executable, "-m", "bench.process_bench", variant, str(db), model], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{variant} failed ({proc.returncode}):\n{err}")
    result = json.loads(out.strip().splitlines()[-1])
    result["command_seconds"] = wall = time.perf_counter() - started  # with interpreter start and imports
    others = _busy_cpu_seconds() - busy - result["cpu_seconds"]
    result["background_cpu_share"] = round(max(0.0, others) / (wall * (os.cpu_count() or 1)), 3)
    result["peak_rss_mb"] = max(peak[0], result["main_rss_mb"])
    return result


def build_crawl(work: Path, n: int) -> tuple[Path, float, int]:
    """Generate, render, serve and crawl a corpus of n articles; returns (crawl db, crawl seconds, pages)."""
    from bench.corpus import write_corpus
    from pipeline.run import execute
    from pipeline.sampleserver import serve_sample_site
    from pipeline.samplesite import build_sample_site
    from pipeline.settings import load_settings

    hosts = max(1, -(-n // PER_HOST))
    sites_toml = write_corpus(work, hosts, n // hosts)
    build_sample_site(work / "src", work / "site", sites_toml)
    db = work / "crawl.duckdb"
    settings = load_settings(env={}, overrides={"db": str(db)})
    with serve_sample_site(work / "site", sites_toml, rate_per_s=RATE_PER_S) as sites:
        started = time.perf_counter()
        summary = execute(settings, "crawl", sites, allow_loopback=True, process=False)
        seconds = time.perf_counter() - started
    if summary["status"] != "ok":
        raise RuntimeError(f"the benchmark crawl was not clean: {summary['fetch_outcomes']}")
    return db, seconds, summary["pages_fetched"]


def model_state() -> dict[str, Any]:
    """The configured NER model: path, whether it exists, and a hash of its meta.json."""
    from pipeline.settings import load_settings, resolve

    configured = load_settings().nlp.ner_model
    path = resolve(configured) if configured else None
    meta = path / "meta.json" if path else None
    present = bool(meta and meta.exists())
    state: dict[str, Any] = {"configured": configured, "present": present}
    if present:
        info = json.loads(meta.read_text(encoding="utf-8"))
        state.update(path=str(path), name=f"{info.get('lang')}_{info.get('name')}-{info.get('version')}",
                     meta_sha1=hashlib.sha1(meta.read_bytes()).hexdigest()[:12])
    return state


def bench_size(n: int, model: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"process-bench-{n}-") as tmp:
        work = Path(tmp)
        crawl_db, crawl_s, fetched = build_crawl(work, n)
        tries: dict[str, list[dict[str, Any]]] = {v: [] for v in VARIANTS}
        for k in range(REPEAT):  # rounds of every variant, so a slow spell of the machine hits them all
            for variant in VARIANTS:
                db = work / f"{variant}-{k}.duckdb"
                shutil.copy(crawl_db, db)
                tries[variant].append(measure(variant, db, model) | {"db": str(db)})
                print(f"  {n:>6} {variant:<19} {tries[variant][-1]['seconds']:7.2f} s", file=sys.stderr)
                if variant != "process":
                    db.unlink()
        runs = {variant: _median_run(variant_runs) for variant, variant_runs in tries.items()}
        runs["warm"] = measure("warm", Path(runs["process"].pop("db")), model)  # a processed file, nothing changed
        for run in runs.values():
            run.pop("db", None)  # temporary files, gone with the directory
        if runs["warm"]["articles"]:
            print(f"  warning: the warm re-run re-processed {runs['warm']['articles']} articles: did the code "
                  "or the model change meanwhile?", file=sys.stderr)
        print(f"  {n:>6} {'warm':<13} {runs['warm']['seconds']:7.2f} s", file=sys.stderr)
    bare = runs["bare"]["seconds"]
    return {
        "articles": runs["process"]["articles"], "pages_fetched": fetched, "crawl_seconds": round(crawl_s, 2),
        "runs": {k: _rounded(v) for k, v in runs.items()},
        "process_full_over_bare": round(runs["process_full"]["seconds"] / bare, 3),
        "process_over_bare": round(runs["process"]["seconds"] / bare, 3),
        "process_full_single_over_bare": round(runs["process_full_single"]["seconds"] / bare, 3),
        "process_full_cpu_over_bare_cpu": round(runs["process_full"]["cpu_seconds"] / runs["bare"]["cpu_seconds"], 3),
        "warm_rerun_over_cold": round(runs["warm"]["seconds"] / runs["process"]["seconds"], 4),
    }


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median time, with every run's time and the highest peak RSS of them all."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    return ordered[len(ordered) // 2] | {"seconds_each": [round(r["seconds"], 3) for r in runs],
                                         "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}


def _rounded(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 3) if isinstance(v, float) else _rounded(v) if isinstance(v, dict) else v) for k, v in d.items()}


def main() -> None:
    import duckdb
    import spacy
    import trafilatura

    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "1000 5000").split()]
    before = model_state()
    model = before.get("path", "")  # decided once, so every variant and size uses the same pipeline
    print(f"NER model: {model or 'none (rule components only)'}", file=sys.stderr)
    per_size = {str(n): bench_size(n, model) for n in sizes}
    after = model_state()
    r = {str(n): per_size[str(n)]["runs"] for n in sizes}
    results: dict[str, Any] = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(), "spacy": spacy.__version__,
                    "trafilatura": trafilatura.__version__, "duckdb": duckdb.__version__},
        "sizes": sizes,
        "ner_model_used": bool(model),
        "ner_model": before,
        "ner_model_changed_during_run": before != after,
        "process_full_over_bare": {n: per_size[n]["process_full_over_bare"] for n in per_size},
        "process_over_bare": {n: per_size[n]["process_over_bare"] for n in per_size},
        "articles_per_s": {n: {v: round(r[n][v]["articles"] / r[n][v]["seconds"], 1) for v in VARIANTS}
                           for n in per_size},
        "peak_rss_mb": {n: {v: r[n][v]["peak_rss_mb"] for v in VARIANTS} for n in per_size},
        "warm_rerun_over_cold": {n: per_size[n]["warm_rerun_over_cold"] for n in per_size},
        "seconds": {n: {v: r[n][v]["seconds"] for v in r[n]} for n in per_size},
        "repeat": REPEAT,
        "seconds_each": {n: {v: r[n][v]["seconds_each"] for v in VARIANTS} for n in per_size},
        "stage_seconds": {n: {v: r[n][v]["stage_seconds"] for v in r[n]} for n in per_size},
        "outages_found": {n: {v: r[n][v]["outages_found"] for v in VARIANTS} for n in per_size},
        "outages_equal": all(len({r[n][v]["outages_found"] for v in VARIANTS if v != "bare"}) == 1 for n in r),
        "processes": {n: r[n]["process"]["processes"] for n in per_size},
        "warm_rerun_articles_processed": {n: r[n]["warm"]["articles"] for n in per_size},
        "background_cpu_share": {n: {v: r[n][v]["background_cpu_share"] for v in r[n]} for n in per_size},
        "process_full_single_over_bare": {n: per_size[n]["process_full_single_over_bare"] for n in per_size},
        "process_full_cpu_over_bare_cpu": {n: per_size[n]["process_full_cpu_over_bare_cpu"] for n in per_size},
        "by_size": per_size,
        "targets": TARGETS,
    }
    if "1000" in per_size and "5000" in per_size:
        results["peak_rss_5k_over_1k"] = {v: round(r["5000"][v]["peak_rss_mb"] / r["1000"][v]["peak_rss_mb"], 3)
                                          for v in VARIANTS}
    results["targets_met"] = {
        key: {n: value <= TARGETS[key] for n, value in results[key].items()}
        for key in ("process_full_over_bare", "process_over_bare", "warm_rerun_over_cold")}
    if "peak_rss_5k_over_1k" in results:
        results["targets_met"]["peak_rss_5k_over_1k"] = results["peak_rss_5k_over_1k"]["process"] <= TARGETS["peak_rss_5k_over_1k"]
    results["targets_met"]["outages_equal"] = results["outages_equal"]
    OUT.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in results.items() if k not in ("by_size", "stage_seconds")}, indent=2))


if __name__ == "__main__":
    if len(sys.argv) == 4:
        variant_main(*sys.argv[1:])
    else:
        main()
