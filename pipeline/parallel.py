"""Stage: stored pages → (Article facts, contract) in chunks, in this process or in a pool of worker processes.

The spaCy pipeline is built once, in a forkserver, and every worker is a fork of it; a worker turns
a chunk of pages into facts with the very functions the single-process path uses, on the same
chunks, so the results are identical and come back in input order. Only a bounded window of
chunks is in flight: the pages stream through, they are never all in memory.
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

from .records import Article, Facts, Page

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

    @classmethod
    def of(cls, settings) -> "NlpSpec":  # (Settings) -> NlpSpec
        """The pipeline the settings ask for (the model dir resolved, as `nlp_from_settings` does)."""
        from .nlp import ner_model_dir

        return cls(ner_model_dir(settings), settings.nlp.outage_threshold, settings.nlp.prefilter)


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
    items, extracting = extract_chunk(pages, langs)
    out, annotating = annotate_extracted(items, spec)
    return out, extracting | annotating


def extract_chunk(pages: list[Page], langs: dict[str, str]) -> tuple[list[Article | None], dict[str, float]]:
    """The article of each page, None for a page without readable text, with the seconds spent."""
    from .extract import extract_articles

    started = time.perf_counter()
    items = [None if isinstance(item, Page) else item for item in extract_articles(pages, langs)]
    return items, {"extract": time.perf_counter() - started}


def annotate_extracted(items: list[Article | None], spec: NlpSpec) -> tuple[list[Outcome], dict[str, float]]:
    """Facts and contract of each extracted article ((None, None) for None), with the seconds spent."""
    from .nlp import load_nlp
    from .nlp.facts import annotate, to_contract

    nlp = load_nlp(spec.ner_model, spec.threshold, spec.prefilter)  # built once per process (cached)
    started = time.perf_counter()
    facts = iter(annotate([item for item in items if item is not None], nlp))
    out: list[Outcome] = []
    for item in items:
        if item is None:
            out.append((None, None))
        else:
            f = next(facts)
            out.append((f, to_contract(f)))
    return out, {"annotate": time.perf_counter() - started}


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


def prepare_workers(spec: NlpSpec) -> None:
    """Start the workers' forkserver building the pipeline now, ahead of the pool that will use it."""
    _worker_context(spec)


def _worker_context(spec: NlpSpec):  # -> multiprocessing context
    """A forkserver context whose server has built the pipeline for `spec` before forking any worker.

    Not a plain fork of this process: it holds a DuckDB connection, its threads and the writer
    lock's file. The server is a fresh interpreter that imports `worker_preload` (which reads the
    spec from the environment it inherits) once; each worker is then a fork of it, ready at once,
    instead of a spawned interpreter importing spaCy and reading the model (0.9 s of CPU each).
    The server lives as long as this process: the workers of a later pool with another spec build theirs.
    As with spawn, each worker re-imports the calling script: it must guard its entry point
    (`if __name__ == "__main__"`).
    """
    import json
    import multiprocessing
    from dataclasses import astuple
    from multiprocessing import forkserver

    from .worker_preload import PRELOAD_ENV

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([f"{__package__}.worker_preload"])
    previous = os.environ.get(PRELOAD_ENV)
    os.environ[PRELOAD_ENV] = json.dumps(astuple(spec))
    try:
        forkserver.ensure_running()  # starts the server now, with the spec in its environment
    finally:
        if previous is None:
            del os.environ[PRELOAD_ENV]
        else:
            os.environ[PRELOAD_ENV] = previous
    return ctx


def _pooled(chunks: Iterator[list[Page]], spec: NlpSpec, langs: dict[str, str], processes: int,
            seconds: Counter) -> Iterator[Result]:
    """Chunks through a pool of forked workers, at most IN_FLIGHT per worker in flight, results in order.

    Forking the first worker waits for the forkserver to build the pipeline (about a second), so a
    thread does it while this process extracts the first chunks itself (the same function, so the
    same result) and hands them over as articles once the workers exist.
    """
    from .logs import json_enabled

    root = logging.getLogger()
    log_setup = ("json" if json_enabled() else "text", root.level <= logging.INFO, _run_id())
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=_worker_context(spec),
                               initializer=_start_worker, initargs=(spec, log_setup))
    failed: list[BaseException] = []
    launch = threading.Thread(target=_launch, args=(pool, processes, failed), daemon=True, name="pool-launch")
    launch.start()
    window = IN_FLIGHT * processes
    early: list[tuple[list[Page], list[Article | None]]] = []  # extracted here while the workers start
    pending: deque[tuple[list[Page], Future]] = deque()
    held: list[Page] | None = None  # taken from `chunks`, not yet in `early` or `pending`
    delivered = finished = False

    def started() -> None:  # the workers exist: hand over what was extracted meanwhile
        launch.join()
        if failed:
            raise BrokenProcessPool(failed[0])
        while early:  # one at a time: a submit that fails leaves the rest in `early` for the fallback
            part, items = early[0]
            pending.append((part, pool.submit(annotate_extracted, items, spec)))
            early.pop(0)

    try:
        try:
            for part in chunks:
                if launch.is_alive() and len(early) < window:
                    items, spent = extract_chunk(part, langs)
                    seconds.update(spent)
                    early.append((part, items))
                    continue
                held = part
                started()
                pending.append((part, pool.submit(annotate_chunk, part, spec, langs)))
                held = None
                while len(pending) >= window or (pending and pending[0][1].done()):
                    part, done = pending[0][0], pending[0][1].result()
                    pending.popleft()
                    delivered = True
                    yield from _results(part, done, seconds)
            started()
            while pending:
                part, done = pending[0][0], pending[0][1].result()
                pending.popleft()
                delivered = True
                yield from _results(part, done, seconds)
            finished = True
        except BrokenProcessPool as exc:
            if delivered:
                raise  # a worker died mid-run (killed, out of memory): not something to paper over
            # the workers could not start (e.g. the forkserver could not build the pipeline)
            log.warning("worker processes could not start (%s): processing in this process", exc)
            # in input order: handed over (the first early chunks, if the hand-over broke off), still early,
            # the chunk in hand, the rest
            for part, _ in pending:
                yield from _results(part, annotate_chunk(part, spec, langs), seconds)
            for part, items in early:
                yield from _results(part, annotate_extracted(items, spec), seconds)
            for part in chain([held] if held is not None else [], chunks):
                yield from _results(part, annotate_chunk(part, spec, langs), seconds)
    finally:
        # all delivered: the workers wind down (interpreter exit, ~0.15 s) while this process writes
        # the last batch and the incidents; the pool's thread still joins them before this process exits
        pool.shutdown(wait=not finished, cancel_futures=True)


def _launch(pool: ProcessPoolExecutor, processes: int, failed: list[BaseException]) -> None:
    """Start the pool's workers (one per submitted task; each fork waits for the forkserver to be ready)."""
    try:
        for task in [pool.submit(os.getpid) for _ in range(processes)]:
            task.result()
    except Exception as exc:  # noqa: BLE001  (reported by the main thread, which falls back to itself)
        failed.append(exc)


def _run_id() -> str | None:
    """The run id our stderr handler stamps on records, so the workers' log lines carry it too."""
    for handler in logging.getLogger().handlers:
        for f in handler.filters:
            if hasattr(f, "run_id"):
                return f.run_id
    return None


def _start_worker(spec: NlpSpec, log_setup: tuple[str, bool, str | None]) -> None:
    """Worker initializer: the parent's log format, the pipeline (built once), and an exit when the parent dies."""
    from .logs import configure
    from .nlp import load_nlp

    fmt, verbose, run_id = log_setup
    configure(fmt, verbose).run_id = run_id
    threading.Thread(target=_exit_with_parent, daemon=True, name="parent-watch").start()
    load_nlp(spec.ner_model, spec.threshold, spec.prefilter)  # preloaded by the forkserver: a cache hit


def _exit_with_parent() -> None:
    """A worker whose main process is gone exits instead of lingering (kill -9 of the main process
    leaves no one to stop it). Not its parent's pid: a worker's parent is the forkserver, which
    outlives the main process as long as any worker does."""
    from multiprocessing import parent_process
    from multiprocessing.connection import wait

    if (parent := parent_process()) is not None:
        wait([parent.sentinel])  # readable (EOF) once the process that started this worker is gone
        os._exit(1)
