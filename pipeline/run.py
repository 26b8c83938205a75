"""Chains the stages: crawl → pages → extract → annotate → incidents, with run bookkeeping."""
from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .gazetteer import DATA_DIR, load_gazetteer
from .records import Page, Site
from .settings import ROOT, Settings, resolve

log = logging.getLogger(__name__)
SAMPLE_SITE = DATA_DIR / "sample-site"
SITES_TOML = Path(__file__).with_name("sites.toml")
Progress = Callable[[str, int | None], Callable[[int], None]]  # (stage, total) -> advance(n)
# Called at named points with a running count: ("fetch", pages stored), ("crawled", 1) once the crawl
# is published, ("annotate", articles), ("load", articles saved), ("merged", 1), ("finished", 1) just
# before the last publish. The CLI's test hook uses it to kill the process at a chosen point.
Checkpoint = Callable[[str, int], None]

SAVE_BATCH = 500  # articles per write transaction: a kill loses at most one batch, re-done by the next run
_VERSIONED = ["pipeline/extract.py", "pipeline/nlp/*.py", "pipeline/gazetteer.py", "data/gazetteer/*.csv"]


def code_version(ner_model: str = "") -> str:
    """Hash of the code and data that derived rows depend on: changes when the NLP changes."""
    h = hashlib.sha1()
    for pattern in _VERSIONED:
        for path in sorted(ROOT.glob(pattern)):
            h.update(path.name.encode())
            h.update(path.read_bytes())
    meta = resolve(ner_model) / "meta.json" if ner_model else None
    if meta is not None and meta.exists():
        h.update(meta.read_bytes())
    return h.hexdigest()[:12]


def _no_progress(stage: str, total: int | None) -> Callable[[int], None]:
    return lambda n: None


def _no_checkpoint(stage: str, count: int) -> None:
    return None


def new_run_id() -> str:
    """A fresh run id (the CLI makes it first, so that its log lines carry it)."""
    return uuid.uuid4().hex[:16]


@dataclass
class RunStats:
    fetch_outcomes: Counter = field(default_factory=Counter)
    site_failures: Counter = field(default_factory=Counter)
    pages_changed: int = 0
    processed: int = 0
    saved: int = 0
    skipped_pages: int = 0
    seconds: Counter = field(default_factory=Counter)  # per stage; extract/annotate summed over processes

    def record(self, store: Any, run_id: str | None) -> None:
        """Write the counters so far into the run's row (inside the caller's transaction)."""
        if run_id is None:
            return
        d = self.as_dict()
        store.con.execute(
            """UPDATE runs SET pages_fetched = ?, pages_not_modified = ?, pages_failed = ?, summary_json = ?
               WHERE id = ?""",
            [d["pages_fetched"], d["pages_not_modified"], d["pages_failed"],
             json.dumps(d, ensure_ascii=False, sort_keys=True), run_id])

    def as_dict(self) -> dict[str, Any]:
        o = self.fetch_outcomes
        return {
            "pages_fetched": o["ok"], "pages_not_modified": o["not-modified"],
            "pages_failed": sum(v for k, v in o.items() if k not in ("ok", "not-modified", "duplicate", "not-due", "gone")),
            "pages_not_due": o["not-due"],
            "pages_changed": self.pages_changed, "fetch_outcomes": dict(sorted(o.items())),
            "sites_with_failures": dict(sorted(self.site_failures.items())),
            "articles_processed": self.processed, "pages_without_text": self.skipped_pages,
            "stage_seconds": {k: round(v, 3) for k, v in sorted(self.seconds.items())},
        }


@contextmanager
def sample_sites(settings: Settings) -> Iterator[list[Site]]:
    """Serve the bundled sample site on 127.0.0.1 and yield its Sites (mirrored to the local server)."""
    from .sampleserver import serve_sample_site

    with serve_sample_site(SAMPLE_SITE, SITES_TOML, rate_per_s=settings.crawl.sample_rate_per_s) as sites:
        yield sites


def crawl_sites(store: Any, run_id: str, sites: Sequence[Site], settings: Settings, stats: RunStats,
                progress: Progress, allow_loopback: bool = False, since: date | None = None,
                checkpoint: Checkpoint = _no_checkpoint) -> None:
    """Fetch listings and articles of every site; store pages, every fetch outcome and the run's counters.

    Each batch of fetches is one transaction together with the counters in the run's row.
    """
    from .crawl import crawl
    from .fetch import Fetcher
    from .urls import url_id

    c = settings.crawl
    fetcher = Fetcher(
        user_agent=c.user_agent, connect_timeout=c.connect_timeout, read_timeout=c.read_timeout,
        max_bytes=c.max_bytes, max_decompressed_bytes=c.max_decompressed_bytes, max_redirects=c.max_redirects,
        retries=c.retries, backoff_base=c.backoff_base, retry_after_cap=c.retry_after_cap,
        allow_loopback=allow_loopback,
    )
    advance = progress("crawl", None)
    started = time.perf_counter()
    pending = stored = 0
    store.con.execute("BEGIN TRANSACTION")
    try:
        schedule = (timedelta(hours=c.recheck_min_hours), timedelta(days=c.recheck_max_days))
        for result in crawl(sites, fetcher, lambda url: store.validators(url_id(url)),
                            max_listing_pages=c.max_listing_pages, since=since,
                            due_urls=lambda site: store.due_urls(site.id)):
            kind = getattr(result, "kind", "article")
            content_hash = hashlib.sha1(result.text.encode("utf-8")).hexdigest() if result.text is not None else None
            if store.save_fetch(run_id, result, url_id(result.url), content_hash, schedule):
                stats.pages_changed += kind == "article"
            stats.fetch_outcomes[result.outcome] += 1
            if result.outcome not in ("ok", "not-modified", "duplicate", "gone", "not-due"):
                stats.site_failures[result.site_id] += 1
            advance(1)
            pending += 1
            stored += 1
            checkpoint("fetch", stored)
            if pending >= 50:  # commit in batches: a kill loses at most one batch, refetched next run
                stats.record(store, run_id)
                store.con.execute("COMMIT")
                store.con.execute("BEGIN TRANSACTION")
                pending = 0
        stats.record(store, run_id)
        store.con.execute("COMMIT")
    except BaseException:
        store.con.execute("ROLLBACK")
        raise
    finally:
        stats.seconds["crawl"] += time.perf_counter() - started
        fetcher.close() if hasattr(fetcher, "close") else None


def process_pages(store: Any, settings: Settings, stats: RunStats, progress: Progress,
                  reprocess: bool = False, langs: dict[str, str] | None = None, run_id: str | None = None,
                  checkpoint: Checkpoint = _no_checkpoint) -> None:
    """Extract and annotate every page whose content or code version changed; count them in the run's row.

    Pages stream from the database a chunk at a time through `nlp.processes` worker processes (results
    in page order, identical to one process) into batched writes. `save_facts` commits each batch
    itself; the counters follow it at once, and since the stage's copy is published only as a whole,
    no reader ever sees one without the other.
    """
    from .parallel import NlpSpec, annotate_pages, worker_count

    version = code_version(settings.nlp.ner_model)
    ids = store.ids_to_process(version, reprocess=reprocess)
    advance = progress("process", len(ids))
    if not ids:
        return
    spec = NlpSpec.of(settings)
    processes = worker_count(settings.nlp.processes, len(ids))
    log.info("processing %d pages in %d process(es)", len(ids), processes)

    def save(batch: list[tuple[Any, str | None, dict[str, Any]]]) -> None:
        started = time.perf_counter()
        store.save_facts(batch, version)
        stats.seconds["write"] += time.perf_counter() - started
        stats.saved += len(batch)
        stats.record(store, run_id)
        checkpoint("load", stats.saved)

    batch: list[tuple[Any, str | None, dict[str, Any]]] = []
    pages = _timed(store.iter_pages(ids), stats.seconds, "read")
    for page, facts, contract in annotate_pages(pages, spec, langs, processes, seconds=stats.seconds):
        if facts is None:
            stats.skipped_pages += 1
            log.info("page %s has no readable text: skipped", page.url)
            advance(1)
            continue
        batch.append((facts, page.content_hash, contract))
        stats.processed += 1
        advance(1)
        checkpoint("annotate", stats.processed)
        if len(batch) >= SAVE_BATCH:
            save(batch)
            batch = []
    if batch:
        save(batch)


def _timed(items: Iterator[Page], seconds: Counter, stage: str) -> Iterator[Page]:
    """Pass items through, adding the time spent producing them to seconds[stage]."""
    while True:
        started = time.perf_counter()
        item = next(items, None)
        seconds[stage] += time.perf_counter() - started
        if item is None:
            return
        yield item


def build_incidents(store: Any, settings: Settings) -> int:
    """Recompute incidents from every outage article and sync the incident tables."""
    from .incident_store import rebuild_incidents

    return rebuild_incidents(store.con, load_gazetteer(), settings.incidents.merge_gap_hours)


def summarise(store: Any) -> dict[str, Any]:
    """Headline figures of the database after a run (durations from the `duration_stats` view)."""
    con = store.con
    stats = con.execute("SELECT incidents, median, p90 FROM duration_stats WHERE dimension = 'all'").fetchone()
    per_region = dict(con.execute("""
        SELECT coalesce(r, 'unknown'), count(*) FROM (SELECT unnest(CASE WHEN len(regions) = 0 THEN [NULL]
        ELSE regions END) AS r FROM incidents) GROUP BY 1 ORDER BY 1""").fetchall())
    return {
        "articles": store.scalar("SELECT count(*) FROM articles"),
        "outage_articles": store.scalar("SELECT count(*) FROM articles WHERE is_outage"),
        "incidents": store.scalar("SELECT count(*) FROM incidents"),
        "incidents_ongoing": store.scalar("SELECT count(*) FROM incidents WHERE status = 'ongoing'"),
        "incidents_per_region": per_region,
        "incidents_with_duration": stats[0] if stats else 0,
        "median_duration_minutes": stats[1] if stats else None,
        "p90_duration_minutes": stats[2] if stats else None,
        "trusts_crawled": store.scalar("SELECT count(*) FROM coverage WHERE crawled"),
    }


def _prepare_workers(store: Any, settings: Settings, version: str, reprocess: bool) -> None:
    """With no crawl before it, the pages to process are known now: if they need worker processes,
    their forkserver starts building the pipeline while this stage is published and the next opened."""
    from .parallel import NlpSpec, prepare_workers, worker_count

    if worker_count(settings.nlp.processes, len(store.ids_to_process(version, reprocess=reprocess))) > 1:
        prepare_workers(NlpSpec.of(settings))


def execute(settings: Settings, command: str, sites: Sequence[Site] | None = None, *, crawl: bool = True,
            process: bool = True, reprocess: bool = False, allow_loopback: bool = False,
            since: date | None = None, progress: Progress = _no_progress, run_id: str | None = None,
            checkpoint: Checkpoint = _no_checkpoint) -> dict[str, Any]:
    """Run the batch (`run`, `crawl` or `process`) against settings.db and return its summary."""
    from .errors import StorageError
    from .store import Store, open_writer

    run_id = run_id or new_run_id()
    stats = RunStats()
    version = code_version(settings.nlp.ner_model)
    gaz = load_gazetteer()
    with open_writer(settings.db) as writer:
        try:
            with writer.stage() as con:  # stage 1: bookkeeping and the crawl, published when done
                store = Store(con)
                store.start_run(run_id, command, version)
                log.info("run %s started: %s on %s", run_id, command, settings.db, extra={"run_id": run_id})
                store.upsert_trusts([(t.id, t.name, t.kind, t.region_id or None) for t in gaz.trusts.values()])
                if sites:
                    store.upsert_sites(sites, {s.id: gaz.region_of(s.id) for s in sites})
                if crawl and sites:
                    crawl_sites(store, run_id, sites, settings, stats, progress, allow_loopback, since, checkpoint)
                elif process:
                    _prepare_workers(store, settings, version, reprocess)
            checkpoint("crawled", 1)
            with writer.stage() as con:  # stage 2: extraction, NLP, incidents and the run's summary
                store = Store(con)
                if process:
                    langs = {s.id: s.lang for s in sites or ()}
                    started = time.perf_counter()
                    process_pages(store, settings, stats, progress, reprocess, langs, run_id, checkpoint)
                    stats.seconds["process"] += time.perf_counter() - started
                    started = time.perf_counter()
                    build_incidents(store, settings)
                    stats.seconds["incidents"] += time.perf_counter() - started
                    checkpoint("merged", 1)
                summary = {"run_id": run_id, "command": command, "db": str(settings.db), **stats.as_dict(),
                           **summarise(store)}
                summary["status"] = "partial" if stats.site_failures else "ok"
                store.finish_run(run_id, summary["status"], summary)
                checkpoint("finished", 1)
        except BaseException as exc:
            if isinstance(exc, StorageError):
                raise  # the database itself is the problem: nothing more to write
            try:
                with writer.stage() as con:
                    Store(con).finish_run(run_id, "failed", stats.as_dict(), error=f"{type(exc).__name__}: {exc}")
            except Exception:  # the original error is what the user needs to see
                log.warning("could not record the failed run %s", run_id)
            raise
    log.info("run %s finished: %s", run_id, summary["status"], extra={"run_id": run_id})
    return summary
