"""HTTP fixtures: a fault-injecting server on 127.0.0.1:0 and a fast Fetcher factory.

Import from tests/conftest.py with `pytest_plugins = ["conftest_http"]` (or import the
fixtures). Only 127.0.0.1 is ever contacted; other hosts in tests must be refused
before any connection.
"""
from __future__ import annotations

import gzip
import hashlib
import socket
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import brotli
import pytest

from pipeline.fetch import Fetcher
from pipeline.records import Site

__all__ = ["NORWEGIAN", "FaultServer", "fault_server", "html_page", "listing_page", "make_fetcher"]

LAST_MODIFIED = "Mon, 01 Jan 2024 00:00:00 GMT"
NORWEGIAN = "Blåbærsyltetøy på Ålesund sjukehus – «nedetid» i journalsystemet"


@dataclass
class Page:
    """A page the server returns for an exact path (ETag from its content)."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    etag: bool = True
    last_modified: bool = True
    headers: dict[str, str] = field(default_factory=dict)


def html_page(title: str, body: str = "", head: str = "") -> bytes:
    """A small UTF-8 HTML document."""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
            f"<body><main><h1>{title}</h1>{body}</main></body></html>").encode("utf-8")


def listing_page(links: list[str], next_href: str | None = None, next_text: str | None = None) -> bytes:
    """A listing page with article links inside <main> and an optional next link."""
    items = "".join(f'<li><a href="{h}">Artikkel {i}</a></li>' for i, h in enumerate(links))
    nav = ""
    if next_href and next_text:
        nav = f'<nav class="pager"><a href="{next_href}">{next_text}</a></nav>'
    elif next_href:
        nav = f'<nav class="pager"><a rel="next" href="{next_href}">›</a></nav>'
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Nyheter</title></head><body>"
            f"<header><nav><a href='/'>Forside</a><a href='/nyheter/'>Nyheter</a></nav></header>"
            f"<main><ul>{items}</ul>{nav}</main><footer><a href='/personvern/'>Personvern</a></footer>"
            f"</body></html>").encode("utf-8")


class FaultServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with settable pages, a settable robots.txt and fault endpoints under /fault/."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _FaultHandler)
        self.pages: dict[str, Page] = {}
        self.robots: str | int | None = None  # robots.txt text, or a status code; None -> 404
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.hits: Counter[str] = Counter()
        self.stamps: list[float] = []  # time.monotonic() of every request
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes, **kw: Any) -> str:
        """Serve `body` at `path`; returns the full URL."""
        self.pages[path] = Page(body, **kw)
        return self.url(path)

    def site(self, **overrides: Any) -> Site:
        """A Site for this server (news listing at /nyheter/ unless overridden)."""
        fields: dict[str, Any] = {"id": "test", "name": "Testsykehuset", "base_url": self.base,
                                  "news_urls": (self.url("/nyheter/"),), "allowed_prefixes": ("/",)}
        fields.update(overrides)
        return Site(**fields)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up on drips and bombs are expected; stay quiet."""


class _FaultHandler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid 40 ms delayed-ACK stalls

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        merged = {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body)), **(headers or {})}
        for name, value in merged.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        with self.server.lock:
            self.server.requests.append((self.path, dict(self.headers.items())))
            self.server.stamps.append(time.monotonic())
            self.server.hits[path] += 1
            hits = self.server.hits[path]
        if path == "/robots.txt":
            self._robots()
        elif path in self.server.pages:
            self._page(self.server.pages[path])
        elif path.startswith("/fault/"):
            getattr(self, "_" + path.split("/")[2].replace("-", "_"))(path, query, hits)
        else:
            self._send(404, b"<h1>Finnes ikke</h1>")

    def _robots(self) -> None:
        robots = self.server.robots
        if robots is None or isinstance(robots, int):
            self._send(robots or 404, b"nope", {"Content-Type": "text/plain"})
        else:
            self._send(200, robots.encode("utf-8"), {"Content-Type": "text/plain; charset=utf-8"})

    def _page(self, page: Page) -> None:
        etag = f'"{hashlib.sha1(page.body).hexdigest()[:12]}"'
        headers = {"Content-Type": page.content_type, **page.headers}
        if page.etag:
            headers["ETag"] = etag
        if page.last_modified:
            headers["Last-Modified"] = LAST_MODIFIED
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if (page.etag and inm == etag) or (page.last_modified and inm is None and ims == LAST_MODIFIED):
            self.send_response(304)
            for name in ("ETag", "Last-Modified"):
                if name in headers:
                    self.send_header(name, headers[name])
            self.end_headers()
            return
        self._send(200, page.body, headers)

    # --- fault endpoints: /fault/<name>/... ---

    def _flaky(self, path: str, query: dict, hits: int) -> None:
        """/fault/flaky/<n>/...: 503 for the first n requests, then a page."""
        if hits <= int(path.split("/")[3]):
            self._send(503 if hits % 2 else 500, b"<h1>Midlertidig feil</h1>")
        else:
            self._send(200, html_page("Endelig"))

    def _status(self, path: str, query: dict, hits: int) -> None:
        """/fault/status/<code>: always that status."""
        self._send(int(path.split("/")[3]), b"<h1>Feil</h1>")

    def _ratelimit(self, path: str, query: dict, hits: int) -> None:
        """/fault/ratelimit: 429 with Retry-After: 1 once, then a page."""
        if hits == 1:
            self._send(429, b"slow down", {"Retry-After": "1"})
        else:
            self._send(200, html_page("Etter pause"))

    def _drip(self, path: str, query: dict, hits: int) -> None:
        """/fault/drip?gap=S: one byte every S seconds (default past any test read timeout)."""
        gap = float(query.get("gap", ["1.0"])[0])
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "400")
        self.end_headers()
        for _ in range(400):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(gap)

    def _truncated(self, path: str, query: dict, hits: int) -> None:
        """/fault/truncated: Content-Length 1000, 100 bytes sent, connection closed."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"<html>" + b"x" * 94)
        self.wfile.flush()
        self.close_connection = True

    def _reset(self, path: str, query: dict, hits: int) -> None:
        """/fault/reset: TCP reset before any response."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _loop(self, path: str, query: dict, hits: int) -> None:
        """/fault/loop/a <-> /fault/loop/b."""
        other = "/fault/loop/b" if path.endswith("/a") else "/fault/loop/a"
        self._send(302, b"", {"Location": other})

    def _chain(self, path: str, query: dict, hits: int) -> None:
        """/fault/chain/<n> -> /fault/chain/<n+1>, forever."""
        self._send(301, b"", {"Location": f"/fault/chain/{int(path.split('/')[3]) + 1}"})

    def _redirect(self, path: str, query: dict, hits: int) -> None:
        """/fault/redirect?to=URL: 302 to any URL."""
        self._send(302, b"", {"Location": query["to"][0]})

    def _refresh(self, path: str, query: dict, hits: int) -> None:
        """/fault/refresh?to=URL: a tiny page with <meta http-equiv=refresh>."""
        body = f'<html><head><meta http-equiv="Refresh" content="0; URL=\'{query["to"][0]}\'"></head></html>'
        self._send(200, body.encode("ascii"))

    def _bomb(self, path: str, query: dict, hits: int) -> None:
        """/fault/bomb/<gzip|br|deflate>: 20 MB of zeros compressed."""
        encoding = path.split("/")[3]
        zeros = b"\0" * 20_000_000
        body = {"gzip": lambda: gzip.compress(zeros, 9), "br": lambda: brotli.compress(zeros, quality=4),
                "deflate": lambda: zlib.compress(zeros, 9)}[encoding]()
        self._send(200, body, {"Content-Encoding": encoding})

    def _gzipped(self, path: str, query: dict, hits: int) -> None:
        """/fault/gzipped: a normal gzip-encoded page."""
        self._send(200, gzip.compress(html_page(NORWEGIAN)), {"Content-Encoding": "gzip"})

    def _big(self, path: str, query: dict, hits: int) -> None:
        """/fault/big[?chunked=1]: 3 MB, with Content-Length or close-delimited."""
        body = b"<html>" + b"a" * 3_000_000
        if "chunked" not in query:
            self._send(200, body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        for i in range(0, len(body), 65536):
            self.wfile.write(body[i:i + 65536])

    def _charset(self, path: str, query: dict, hits: int) -> None:
        """/fault/charset/<case>: Norwegian text in legacy encodings with wrong or missing labels."""
        case = path.split("/")[3]
        text = f"<p>{NORWEGIAN} “sitat”</p>"
        cases = {
            "latin1-unlabelled": (text.replace("“", '"').replace("”", '"').replace("–", "-").encode("latin-1"),
                                  "text/html"),
            "cp1252-as-utf8": (text.encode("cp1252"), "text/html; charset=utf-8"),
            "cp1252-meta": (f'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">{text}'
                            .encode("cp1252"), "text/html"),
            "latin1-label-cp1252": (text.encode("cp1252"), "text/html; charset=ISO-8859-1"),
            "utf8-as-latin1": (text.encode("utf-8"), "text/html; charset=iso-8859-1"),
        }
        body, ctype = cases[case]
        self._send(200, body, {"Content-Type": ctype})


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A fresh fault-injecting server on 127.0.0.1:0 for one test."""
    server = FaultServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def make_fetcher() -> Iterator[Callable[..., Fetcher]]:
    """Factory of Fetchers with short timeouts (allow_loopback=True); all closed after the test."""
    made: list[Fetcher] = []

    def factory(**overrides: Any) -> Fetcher:
        kw: dict[str, Any] = {
            "user_agent": "OutageTrackerTest/0.1 (+https://example.invalid/bot)",
            "connect_timeout": 0.5, "read_timeout": 0.3, "total_timeout": 3.0,
            "max_bytes": 1_000_000, "max_decompressed_bytes": 2_000_000, "max_redirects": 4,
            "retries": 2, "backoff_base": 0.01, "retry_after_cap": 0.05, "allow_loopback": True,
        }
        kw.update(overrides)
        fetcher = Fetcher(**kw)
        made.append(fetcher)
        return fetcher

    yield factory
    for fetcher in made:
        fetcher.close()
