"""Stage: stored pages → (Article facts, contract) in chunks, in this process or in a pool of worker processes.

Each worker builds the spaCy pipeline once (its initializer) and turns a chunk of pages into facts
with the very function the single-process path uses, on the same chunks, so the results are
identical and come back in input order. Only a bounded window of chunks is in flight: the pages
stream through, they are never all in memory.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

from .records import Facts, Page

log = logging.getLogger(__name__)
CHUNK = 64  # pages per task: large enough to amortise the hand-over, small enough to keep both cores busy
MIN_PAGES_PER_PROCESS = 250  # with `processes = 0`, fewer pages than this per core run in this process
IN_FLIGHT = 4  # chunks per worker handed over ahead: the workers keep busy while this process writes a batch


@dataclass(frozen=True)
class NlpSpec:
    """What a process needs to build the pipeline: the arguments of `load_nlp`."""

    ner_model: str
    threshold: float
    prefilter: bool


# One page's outcome: facts and their contract, or (None, None) when the page held no readable text.
Outcome = tuple[Facts | None, dict[str, Any] | None]
Result = tuple[Page, Facts | None, dict[str, Any] | None]


def worker_count(processes: int, pages: int) -> int:
    """Processes to use for `pages` pages: `processes` when set (≥ 1), else one per core when worth it."""
    if processes >= 1:
        return processes
    cores = os.cpu_count() or 1
    return max(1, min(cores, pages // MIN_PAGES_PER_PROCESS))


def annotate_chunk(pages: list[Page], spec: NlpSpec, langs: dict[str, str]) -> tuple[list[Outcome], dict[str, float]]:
    """Extract and annotate one chunk of pages (the unit of work in every process), with the seconds spent."""
    from .extract import extract_articles
    from .nlp import load_nlp
    from .nlp.facts import annotate, to_contract

    nlp = load_nlp(spec.ner_model, spec.threshold, spec.prefilter)  # built once per process (cached)
    started = time.perf_counter()
    items = list(extract_articles(pages, langs))
    extracted = time.perf_counter()
    articles = [item for item in items if not isinstance(item, Page)]
    facts = iter(annotate(articles, nlp))
    out: list[Outcome] = []
    for item in items:
        if isinstance(item, Page):
            out.append((None, None))
        else:
            f = next(facts)
            out.append((f, to_contract(f)))
    return out, {"extract": extracted - started, "annotate": time.perf_counter() - extracted}


def annotate_pages(pages: Iterable[Page], spec: NlpSpec, langs: dict[str, str] | None = None,
                   processes: int = 1, chunk: int = CHUNK, seconds: Counter | None = None) -> Iterator[Result]:
    """Yield (page, facts, contract) for every page, in input order, using `processes` processes.

    `seconds` (when given) adds up the time spent extracting and annotating, over all processes.
    """
    langs = langs or {}
    seconds = Counter() if seconds is None else seconds
    chunks = _chunks(pages, chunk)
    if processes <= 1:
        for part in chunks:
            yield from _results(part, annotate_chunk(part, spec, langs), seconds)
        return
    yield from _pooled(chunks, spec, langs, processes, seconds)


def _results(part: list[Page], done: tuple[list[Outcome], dict[str, float]], seconds: Counter) -> Iterator[Result]:
    outcomes, spent = done
    seconds.update(spent)
    for page, (facts, contract) in zip(part, outcomes, strict=True):
        yield page, facts, contract


def _chunks(pages: Iterable[Page], size: int) -> Iterator[list[Page]]:
    it = iter(pages)
    while part := list(islice(it, size)):
        yield part


def _pooled(chunks: Iterator[list[Page]], spec: NlpSpec, langs: dict[str, str], processes: int,
            seconds: Counter) -> Iterator[Result]:
    """Chunks through a spawn-started pool, at most IN_FLIGHT per worker in flight, results in order.

    Spawn, not fork: the parent holds a DuckDB connection, its threads and the writer lock's file.
    As with any spawn pool, a script calling this must guard its entry point (`if __name__ == "__main__"`).
    """
    import multiprocessing

    from .logs import json_enabled

    root = logging.getLogger()
    log_setup = ("json" if json_enabled() else "text", root.level <= logging.INFO, _run_id())
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(spec, log_setup, os.getpid()))
    pending: deque[tuple[list[Page], Future]] = deque()
    delivered = finished = False
    try:
        try:
            for part in chunks:
                pending.append((part, pool.submit(annotate_chunk, part, spec, langs)))
                while len(pending) >= IN_FLIGHT * processes or (pending and pending[0][1].done()):
                    part, done = pending[0][0], pending[0][1].result()
                    pending.popleft()
                    delivered = True
                    yield from _results(part, done, seconds)
            while pending:
                part, done = pending[0][0], pending[0][1].result()
                pending.popleft()
                delivered = True
                yield from _results(part, done, seconds)
            finished = True
        except BrokenProcessPool as exc:
            if delivered:
                raise  # a worker died mid-run (killed, out of memory): not something to paper over
            # the workers could not start, e.g. when the main script cannot be re-imported (stdin)
            log.warning("worker processes could not start (%s): processing in this process", exc)
            for part in chain((p for p, _ in pending), chunks):
                yield from _results(part, annotate_chunk(part, spec, langs), seconds)
    finally:
        # all delivered: the workers wind down (interpreter exit, ~0.15 s) while this process writes
        # the last batch and the incidents; the pool's thread still joins them before this process exits
        pool.shutdown(wait=not finished, cancel_futures=True)


def _run_id() -> str | None:
    """The run id our stderr handler stamps on records, so the workers' log lines carry it too."""
    for handler in logging.getLogger().handlers:
        for f in handler.filters:
            if hasattr(f, "run_id"):
                return f.run_id
    return None


def _start_worker(spec: NlpSpec, log_setup: tuple[str, bool, str | None], parent: int) -> None:
    """Worker initializer: the parent's log format, the pipeline built once, and an exit when the parent dies."""
    from .logs import configure
    from .nlp import load_nlp

    fmt, verbose, run_id = log_setup
    configure(fmt, verbose).run_id = run_id
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True, name="parent-watch").start()
    load_nlp(spec.ner_model, spec.threshold, spec.prefilter)


def _exit_with_parent(parent: int) -> None:
    """A worker whose parent was killed (kill -9 leaves no one to stop it) exits instead of lingering."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
