"""Crawl state in the store: sites, pages, fetch bookkeeping, the re-check schedule and runs."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta, timezone
from typing import Any

import duckdb

from .records import FetchResult, Page, Site
from .schedule import last_change, next_check


class CrawlState:
    """The Store's writes and reads of crawl state (mixed into `pipeline.store.Store`)."""

    con: duckdb.DuckDBPyConnection
    transaction: Callable[[], AbstractContextManager[None]]

    # -- sites and pages ---------------------------------------------------------------
    def upsert_sites(self, sites: Sequence[Site], regions: dict[str, str]) -> None:
        rows = [(s.id, s.name, s.base_url, regions.get(s.id) or None, s.lang) for s in sites]
        self.con.executemany("INSERT OR REPLACE INTO sites VALUES (?, ?, ?, ?, ?)", rows)

    def upsert_trusts(self, rows: Sequence[tuple[str, str, str, str]]) -> None:
        """(id, name, kind, region_id) of every trust in the gazetteer."""
        stored = set(self.con.execute("SELECT id, name, kind, region_id FROM trusts").fetchall())
        if stored != set(rows):
            with self.transaction():
                self.con.execute("DELETE FROM trusts")
                self.con.executemany("INSERT INTO trusts VALUES (?, ?, ?, ?)", list(rows))

    def validators(self, page_id: str, now: datetime | None = None) -> tuple[str | None, str | None, bool] | None:
        """(etag, last_modified, due for a re-check) of a stored page, or None when the page is unknown."""
        row = self.con.execute("SELECT etag, last_modified, next_check_at FROM pages WHERE id = ?", [page_id]).fetchone()
        if row is None:
            return None
        now = now or datetime.now(timezone.utc)
        return row[0], row[1], row[2] is None or row[2] <= now

    def due_urls(self, site_id: str, limit: int = 200, now: datetime | None = None) -> list[str]:
        """URLs of a site's stored articles whose re-check is due, most overdue first."""
        rows = self.con.execute(
            """SELECT url FROM pages WHERE site_id = ? AND kind = 'article' AND NOT gone
               AND next_check_at <= ? ORDER BY next_check_at, id LIMIT ?""",
            [site_id, now or datetime.now(timezone.utc), limit]).fetchall()
        return [r[0] for r in rows]

    def save_fetch(self, run_id: str, result: FetchResult, page_id: str, content_hash: str | None,
                   schedule: tuple[timedelta, timedelta] = (timedelta(hours=1), timedelta(days=30))) -> bool:
        """Record a fetch outcome; store the page when it has a body. True when the page content changed.

        Each fetched page gets its next re-check time from the adaptive schedule.
        """
        now = result.fetched_at or datetime.now(timezone.utc)
        size = len(result.body) if result.body is not None else None
        kind = getattr(result, "kind", "article")
        self.con.execute(
            "INSERT INTO run_fetches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, result.url, result.site_id, kind, result.outcome, result.status, size, result.error, now],
        )
        if kind not in ("article", "listing") or result.outcome in ("not-due", "duplicate"):
            return False
        if result.outcome == "not-modified":
            row = self.con.execute("SELECT changed_at, last_modified, html FROM pages WHERE id = ?", [page_id]).fetchone()
            if row is not None:
                changed = last_change(row[0] or now, row[1], row[2])
                self.con.execute("UPDATE pages SET fetched_at = ?, next_check_at = ? WHERE id = ?",
                                 [now, next_check(now, changed, *schedule), page_id])
            return False
        if result.outcome == "gone":
            self.con.execute("UPDATE pages SET gone = true, http_status = ?, fetched_at = ?, next_check_at = ? WHERE id = ?",
                             [result.status, now, now + schedule[1], page_id])
            return False
        if result.outcome != "ok" or result.text is None:
            return False
        old = self.con.execute("SELECT content_hash, changed_at FROM pages WHERE id = ?", [page_id]).fetchone()
        changed = old is None or old[0] != content_hash
        seen_changed = now if changed else (old[1] or now)
        due = next_check(now, last_change(seen_changed, result.last_modified, result.text), *schedule)
        if changed:
            self.con.execute(
                "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, false, ?, ?, ?)",
                [page_id, result.url, result.site_id, kind, result.status, content_hash, result.text,
                 result.etag, result.last_modified, now, now, due],
            )
        else:
            self.con.execute(
                "UPDATE pages SET etag = ?, last_modified = ?, fetched_at = ?, next_check_at = ? WHERE id = ?",
                [result.etag, result.last_modified, now, due, page_id],
            )
        return changed

    def ids_to_process(self, code_version: str, reprocess: bool = False) -> list[str]:
        """Ids of article pages with no article row made from their current content by this code version."""
        sql = """
            SELECT p.id FROM pages p LEFT JOIN articles a ON a.page_id = p.id
            WHERE p.kind = 'article' AND NOT p.gone AND p.html IS NOT NULL
        """
        if not reprocess:
            sql += " AND (a.id IS NULL OR a.page_hash IS DISTINCT FROM p.content_hash OR a.code_version IS DISTINCT FROM ?)"
        sql += " ORDER BY p.id"
        return [r[0] for r in self.con.execute(sql, [] if reprocess else [code_version]).fetchall()]

    def pages_by_id(self, ids: Sequence[str]) -> list[Page]:
        """The stored pages of these ids, in id order."""
        rows = self.con.execute(
            """SELECT id, url, site_id, html, content_hash, kind, fetched_at FROM pages
               WHERE id IN (SELECT unnest(?::VARCHAR[])) ORDER BY id""", [list(ids)]).fetchall()
        return [Page(*row) for row in rows]

    def iter_pages(self, ids: Sequence[str], chunk: int = 200) -> Iterator[Page]:
        """Stream pages by id, `chunk` at a time: each chunk is fetched whole, so the caller may write between them."""
        for i in range(0, len(ids), chunk):
            yield from self.pages_by_id(ids[i:i + chunk])

    def pages_to_process(self, code_version: str, reprocess: bool = False) -> Iterator[Page]:
        """Article pages with no article row made from their current content by this code version (streamed).

        The ids are read first and the pages fetched in chunks, so only one chunk of HTML is in memory
        and no cursor stays open while the caller writes with the same connection.
        """
        return self.iter_pages(self.ids_to_process(code_version, reprocess))

    def count_pages(self, kind: str = "article") -> int:
        return self.con.execute("SELECT count(*) FROM pages WHERE kind = ? AND NOT gone", [kind]).fetchone()[0]

    # -- runs ---------------------------------------------------------------------------
    def start_run(self, run_id: str, command: str, code_version: str) -> None:
        self.con.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
        self.con.execute(
            "INSERT INTO runs (id, command, status, started_at, code_version) VALUES (?, ?, 'running', now(), ?)",
            [run_id, command, code_version])

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any], error: str | None = None) -> None:
        self.con.execute(
            """UPDATE runs SET status = ?, finished_at = now(), pages_fetched = ?, pages_not_modified = ?,
               pages_failed = ?, articles = ?, outage_articles = ?, incidents = ?, summary_json = ?, error = ?
               WHERE id = ?""",
            [status, summary.get("pages_fetched"), summary.get("pages_not_modified"), summary.get("pages_failed"),
             summary.get("articles"), summary.get("outage_articles"), summary.get("incidents"),
             json.dumps(summary, ensure_ascii=False, sort_keys=True, default=str), error, run_id])
