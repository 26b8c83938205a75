"""Per-host crawl scheduling: robots.txt, listing pages, sitemaps, then articles.

One worker thread per host (per-host concurrency 1, a minimum interval between
requests), different hosts in parallel; results come back through a queue and are
yielded to the single consuming thread. `known` is also called on the consuming
thread only (workers ask through the queue), so it may use a DuckDB connection.
"""
from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from pipeline.discover import canonical_link, listing_links, parse_sitemap_entries
from pipeline.fetch import Fetcher
from pipeline.records import FetchResult, Site
from pipeline.robots import RobotsCache, RobotsRules, rules_from_result
from pipeline.urls import canonical_url, host_matches, is_allowed, origin_of, same_site_domain

log = logging.getLogger(__name__)

# (etag, last_modified) of a stored article, optionally with a third item: whether it is due
# for a re-check by its schedule (absent = due). None means the article is not stored yet.
Validators = tuple
Known = Callable[[str], Validators | None]
_PUBLISHED = re.compile(r"Publisert:?\s*(\d{1,2})\.(\d{1,2})\.(\d{4})")
MAX_SITEMAPS_PER_SITE = 20
CRAWL_DELAY_CAP = 30.0  # seconds: a robots.txt Crawl-delay above this is capped
_DONE = object()


def _canon(url: str, site: Site) -> str | None:
    """Canonical form of a URL from a page or config, None when malformed."""
    try:
        return canonical_url(url, site=site)
    except ValueError:
        return None


class _Stopped(Exception):
    """The consumer closed the generator; workers unwind quietly."""


@dataclass
class _Ask:
    """A worker's question for `known`, answered on the consuming thread."""

    urls: list[str]
    kind: str = "known"  # "known": validators of urls; "due": due article URLs of the site urls[0]
    answer: Future = field(default_factory=Future)


@dataclass
class _Shared:
    """State shared by the workers of one crawl."""

    fetcher: Fetcher
    out: queue.Queue
    stop: threading.Event
    max_listing_pages: int
    max_sitemap_urls: int
    since: date | None = None
    due_urls: Callable[[Site], list[str]] | None = None
    seen: set[str] = field(default_factory=set)  # canonical URLs requested in this crawl
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, item: object) -> None:
        """Hand an item to the consumer; raise _Stopped once the consumer is gone."""
        while not self.stop.is_set():
            try:
                self.out.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _Stopped

    def known(self, urls: list[str]) -> dict[str, Validators | None]:
        """Ask the consuming thread for the stored validators of `urls`."""
        return self._ask(_Ask(urls)) if urls else {}

    def due(self, site: Site) -> list[str]:
        """Stored articles of `site` due for a re-check (asked on the consuming thread)."""
        return self._ask(_Ask([site.id], kind="due")) if self.due_urls is not None else []

    def _ask(self, ask: _Ask) -> Any:
        """Hand a question to the consuming thread and wait for its answer (or a stop)."""
        self.put(ask)
        while True:
            try:
                return ask.answer.result(timeout=0.1)
            except FutureTimeout:
                if self.stop.is_set():
                    raise _Stopped from None

    def claim(self, url: str) -> bool:
        """Mark a canonical URL as requested; False when it already was in this crawl."""
        with self.lock:
            if url in self.seen:
                return False
            self.seen.add(url)
            return True


class _Throttle:
    """Minimum interval between the starts of two requests to one host."""

    def __init__(self, interval: float, stop: threading.Event) -> None:
        self.interval, self._stop, self._next = interval, stop, 0.0

    def wait(self) -> None:
        """Sleep until the next request may start (interrupted by a stop)."""
        delay = self._next - time.monotonic()
        if delay > 0 and self._stop.wait(delay):
            raise _Stopped
        if self._stop.is_set():
            raise _Stopped
        self._next = time.monotonic() + self.interval


class _HostCrawl:
    """Crawls the sites of one host, one request at a time."""

    def __init__(self, sites: Sequence[Site], shared: _Shared, min_interval: float | None) -> None:
        self.sites, self.s = sites, shared
        rate = min((site.rate_per_s for site in sites if site.rate_per_s > 0), default=1.0)
        self.fixed = min_interval is not None
        self.throttle = _Throttle(min_interval if min_interval is not None else 1.0 / rate, shared.stop)
        self.robots = RobotsCache(self._load_robots)
        self.fetched: set[str] = set()  # canonical URLs whose content we have (for duplicates)
        self.sitemaps: dict[str, tuple[str, list[tuple[str, str | None]]]] = {}  # parsed, shared by the host's sites

    def _fetch(self, url: str, site: Site, kind: str, validators: Validators | None = None) -> FetchResult:
        self.throttle.wait()
        etag, modified = tuple(validators or (None, None))[:2]
        allowed = None if kind == "robots" else self.robots.allowed
        return self.s.fetcher.fetch(url, site, etag, modified, allowed=allowed, kind=kind)

    def _load_robots(self, origin: str) -> RobotsRules:
        site = next((s for s in self.sites if host_matches(origin, s)), self.sites[0])
        result = self._fetch(origin + "/robots.txt", site, "robots")
        self.s.put(result)
        rules = rules_from_result(result, self.s.fetcher.user_agent)
        if rules.crawl_delay and not self.fixed:
            self.throttle.interval = max(self.throttle.interval, min(rules.crawl_delay, CRAWL_DELAY_CAP))
        return rules

    def run(self) -> None:
        """Crawl every site of this host."""
        for site in self.sites:
            self._crawl_site(site)

    def _crawl_site(self, site: Site) -> None:
        rules = self.robots.rules_for(origin_of(site.base_url))  # first request of every site
        articles: dict[str, str] = {}  # canonical URL -> URL to request, in discovery order
        validators: dict[str, Validators | None] = {}
        for news_url in site.news_urls:
            self._walk_listing(news_url, site, articles, validators)
        self._walk_sitemaps([*rules.sitemaps, *site.sitemap_urls], site, articles, validators)
        for url in self.s.due(site):  # known articles whose re-check is due by the schedule
            if url not in articles and is_allowed(url, site):
                articles[url] = url
                validators.update(self.s.known([url]))
        self._fetch_articles(articles, site, validators)

    def _fetch_articles(self, articles: dict[str, str], site: Site,
                        validators: dict[str, Validators | None]) -> list[date | None]:
        """Fetch new articles and re-check known ones that are due; report the rest as skipped."""
        published: list[date | None] = []
        for url, request_url in articles.items():
            if not self.s.claim(url):
                continue
            known = validators.get(url)
            if known is not None and len(known) > 2 and not known[2]:
                self.s.put(FetchResult(url=url, site_id=site.id, status=None, outcome="not-due", kind="article",
                                       attempts=0))
                continue
            result = self._fetch_article(url, request_url, site, known)
            published.append(_published(result.text))
        return published

    def _walk_listing(self, url: str | None, site: Site, articles: dict[str, str],
                      validators: dict[str, Validators | None]) -> None:
        """Follow `next` from a listing page until a page brings no new article, only articles older
        than `since` (listings are newest first), or the cap is hit."""
        for _ in range(self.s.max_listing_pages):
            canon = _canon(url, site) if url else None
            if canon is None or not self.s.claim(canon):
                return
            result = self._fetch(url, site, "listing", self.s.known([canon]).get(canon))
            self.s.put(result)
            if result.outcome != "ok" or result.text is None:
                return  # 304: the listing is unchanged, so it links no new article
            written, url = listing_links(result.text, result.final_url or result.url, site, as_written=True)
            links = {canonical_url(w, site=site): w for w in written}  # as written -> canonical cannot fail
            fresh = [u for u in links if u not in articles and u not in self.s.seen]
            validators.update(self.s.known(fresh))
            page_articles: dict[str, str] = {}
            for link, as_written in links.items():
                if link not in articles:
                    page_articles[link] = articles[link] = as_written
            if self.s.since is not None:
                dates = self._fetch_articles(page_articles, site, validators)
                if dates and all(d is not None and d < self.s.since for d in dates):
                    return
            if not any(validators.get(u) is None for u in fresh):
                return

    def _walk_sitemaps(self, sitemaps: list[str], site: Site, articles: dict[str, str],
                       validators: dict[str, Validators | None]) -> None:
        """Add the unknown article URLs of the site's sitemaps (known ones are left to the listings)."""
        todo, done, found = list(dict.fromkeys(sitemaps)), set(), 0
        while todo and len(done) < MAX_SITEMAPS_PER_SITE:
            url = todo.pop(0)
            canon = _canon(url, site)
            if canon is None or canon in done or not same_site_domain(canon, site):
                continue
            done.add(canon)
            if canon not in self.sitemaps and self.s.claim(canon):
                result = self._fetch(url, site, "sitemap")
                self.s.put(result)
                ok = result.outcome == "ok" and result.body
                self.sitemaps[canon] = parse_sitemap_entries(result.body) if ok else ("invalid", [])
            kind, entries = self.sitemaps.get(canon, ("invalid", []))
            if kind == "sitemapindex":
                todo.extend(loc for loc, _ in entries)
                continue
            urls: dict[str, str] = {}
            for loc, lastmod in entries:
                if self.s.since is not None and lastmod and lastmod[:10] < self.s.since.isoformat():
                    continue  # older than the backfill limit
                canon_loc = _canon(loc, site)
                if canon_loc is not None:
                    urls.setdefault(canon_loc, loc)
            fresh = [u for u in urls if is_allowed(u, site) and u not in articles and u not in self.s.seen]
            answers = self.s.known(fresh)
            for u in fresh:
                if answers.get(u) is None and found < self.s.max_sitemap_urls:
                    articles[u], validators[u] = urls[u], None
                    found += 1

    def _fetch_article(self, url: str, request_url: str, site: Site, validators: Validators | None) -> FetchResult:
        result = self._fetch(request_url, site, "article", validators)
        if result.outcome == "ok" and result.text is not None:
            listings = {_canon(u, site) for u in site.news_urls}
            final = canonical_url(result.final_url or url, site=site)
            declared = canonical_link(result.text, result.final_url or url, site)
            targets = [t for t in (final, declared)
                       if t and t != url and t not in listings and is_allowed(t, site)]
            original = next((t for t in targets if t in self.fetched), None)
            if original is not None:
                result = replace(result, outcome="duplicate", duplicate_of=original, body=None, text=None)
            else:
                for target in targets:
                    self.s.claim(target)
                    self.fetched.add(target)
        if result.outcome in ("ok", "not-modified"):
            self.fetched.add(url)
        self.s.put(result)
        return result


def _published(html: str | None) -> date | None:
    """The `Publisert DD.MM.YYYY` date of an article page, if it shows one."""
    m = _PUBLISHED.search(html or "")
    if not m:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def _host_key(site: Site) -> str:
    parts = urlsplit(site.mirror or site.base_url)
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}:{parts.port or ''}"


def crawl(
    sites: Sequence[Site],
    fetcher: Fetcher,
    known: Known,
    *,
    max_listing_pages: int = 20,
    on_result: Callable[[FetchResult], None] | None = None,
    min_interval: float | None = None,
    max_workers: int = 64,
    max_sitemap_urls: int = 500,
    since: date | None = None,
    due_urls: Callable[[Site], list[str]] | None = None,
) -> Iterator[FetchResult]:
    """Crawl `sites` and yield every FetchResult (robots, listing, sitemap, article) as it arrives.

    `known(url)` returns the stored (etag, last_modified[, due]) of a known article or None; it and
    `on_result` run on the consuming thread. `min_interval` overrides the per-host interval
    (default 1 / site.rate_per_s, raised by a robots.txt Crawl-delay). `due_urls(site)` lists stored
    articles whose scheduled re-check is due; `since` stops paging back past older articles.
    """
    groups: dict[str, list[Site]] = {}
    for site in sites:
        groups.setdefault(_host_key(site), []).append(site)
    if not groups:
        return
    shared = _Shared(fetcher, queue.Queue(maxsize=64), threading.Event(), max_listing_pages, max_sitemap_urls, since,
                     due_urls)

    def work(group: list[Site]) -> None:
        try:
            _HostCrawl(group, shared, min_interval).run()
        except _Stopped:
            return
        except BaseException as exc:  # a bug: re-raised on the consuming thread
            log.exception("crawl worker for %s failed", group[0].base_url)
            shared.put(exc)
        shared.put(_DONE)

    pool = ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(groups))), thread_name_prefix="crawl")
    try:
        for group in groups.values():
            pool.submit(work, group)
        remaining = len(groups)
        while remaining:
            item = shared.out.get()
            if item is _DONE:
                remaining -= 1
            elif isinstance(item, _Ask):
                try:
                    if item.kind == "due":
                        item.answer.set_result(list(due_urls(next(s for s in sites if s.id == item.urls[0]))))
                    else:
                        item.answer.set_result({u: known(u) for u in item.urls})
                except Exception as exc:
                    item.answer.set_exception(exc)
                    raise
            elif isinstance(item, BaseException):
                raise item
            else:
                if on_result is not None:
                    on_result(item)
                yield item
    finally:
        shared.stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
