"""sites.toml loading and a static 127.0.0.1 server per sample site (data/sample-site/<site id>/)."""
from __future__ import annotations

import hashlib
import logging
import mimetypes
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from email.utils import format_datetime, parsedate_to_datetime
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pipeline.errors import ConfigError
from pipeline.records import Site
from pipeline.urls import host_matches

log = logging.getLogger(__name__)

# One fixed Last-Modified for every file: re-runs against an unchanged tree get 304s.
SAMPLE_LAST_MODIFIED = datetime(2024, 1, 1, tzinfo=timezone.utc)
_REQUIRED = {"name": str, "base_url": str, "news_urls": list}
_OPTIONAL = {"allowed_prefixes": list, "lang": str, "sitemap_urls": list, "rate_per_s": (int, float), "mirror": str}
_TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/xml", ".txt": "text/plain; charset=utf-8"}


def _site(site_id: str, table: Any, path: Path) -> Site:
    """Validate one [sites.<id>] table and build its Site."""
    where = f"[sites.{site_id}] in {path}"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    for key in table:
        if key not in _REQUIRED and key not in _OPTIONAL:
            raise ConfigError(f"unknown key {key!r} in {where}; allowed: {', '.join([*_REQUIRED, *_OPTIONAL])}")
    for key, kind in {**_REQUIRED, **_OPTIONAL}.items():
        if key not in table:
            if key in _REQUIRED:
                raise ConfigError(f"missing key {key!r} in {where}")
            continue
        value = table[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ConfigError(f"key {key!r} in {where} has the wrong type ({type(value).__name__})")
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise ConfigError(f"key {key!r} in {where} must be a list of strings")
    base = urlsplit(table["base_url"])
    if base.scheme not in ("http", "https") or not base.hostname:
        raise ConfigError(f"base_url {table['base_url']!r} in {where} must be an http(s) origin")
    site = Site(
        id=site_id,
        name=table["name"],
        base_url=table["base_url"].rstrip("/"),
        news_urls=tuple(table["news_urls"]),
        allowed_prefixes=tuple(table.get("allowed_prefixes", ["/"])),
        lang=table.get("lang", "nb"),
        sitemap_urls=tuple(table.get("sitemap_urls", [])),
        rate_per_s=float(table.get("rate_per_s", 1.0)),
        mirror=table.get("mirror"),
    )
    for url in (*site.news_urls, *site.sitemap_urls):
        if not host_matches(url, site):
            raise ConfigError(f"{url!r} in {where} is not on the host of base_url {site.base_url}")
    if not all(p.startswith("/") for p in site.allowed_prefixes) or site.rate_per_s <= 0:
        raise ConfigError(f"{where}: allowed_prefixes must start with '/' and rate_per_s must be > 0")
    return site


def load_sites(sites_toml: Path) -> list[Site]:
    """Read and validate sites.toml (one [sites.<trust id>] table per site)."""
    try:
        data = tomllib.loads(Path(sites_toml).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read sites file {sites_toml}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{sites_toml} is not valid TOML: {exc}") from exc
    for key in data:
        if key != "sites":
            raise ConfigError(f"unknown key {key!r} in {sites_toml}; only [sites.<id>] tables are allowed")
    tables = data.get("sites", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"'sites' in {sites_toml} must be a table of [sites.<id>] tables")
    return [_site(site_id, table, Path(sites_toml)) for site_id, table in tables.items()]


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _SiteServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid 40 ms delayed-ACK stalls

    def do_GET(self) -> None:
        self._serve(with_body=True)

    def do_HEAD(self) -> None:
        self._serve(with_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sample server %s: " + format, self.server.root.name, *args)

    def _file(self) -> Path | None:
        """Map `/a/b/` and `/a/b` to a/b/index.html (or the file a/b itself) under the site root."""
        rel = unquote(urlsplit(self.path).path).strip("/")
        if any(part in ("..", ".") for part in rel.split("/")):
            return None
        candidate = self.server.root / rel if rel else self.server.root
        for path in (candidate, candidate / "index.html"):
            resolved = path.resolve()
            if resolved.is_file() and resolved.is_relative_to(self.server.root):
                return resolved
        return None

    def _send(self, status: int, headers: dict[str, str], body: bytes, with_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body and body:
            self.wfile.write(body)

    def _serve(self, with_body: bool) -> None:
        path = self._file()
        if path is None:
            body = b"<!DOCTYPE html><title>404</title><h1>Finnes ikke</h1>"
            self._send(404, {"Content-Type": "text/html; charset=utf-8"}, body, with_body)
            return
        data = path.read_bytes()
        headers = {
            "Content-Type": _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            "ETag": f'"{hashlib.sha1(data).hexdigest()[:16]}"',
            "Last-Modified": format_datetime(SAMPLE_LAST_MODIFIED, usegmt=True),
        }
        if self._not_modified(headers["ETag"]):
            del headers["Content-Type"]
            self.send_response(304)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            return
        self._send(200, headers, data, with_body)

    def _not_modified(self, etag: str) -> bool:
        """If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)."""
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = [t.strip().removeprefix("W/") for t in match.split(",")]
            return "*" in tags or etag in tags
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return parsedate_to_datetime(since) >= SAMPLE_LAST_MODIFIED
            except (TypeError, ValueError):
                return False
        return False


@contextmanager
def serve_sample_site(root: Path, sites_toml: Path, rate_per_s: float = 20.0) -> Iterator[list[Site]]:
    """Serve every root/<site id>/ known to sites.toml on 127.0.0.1 and yield those Sites, mirrored there."""
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"sample site folder {root} does not exist; render it with `make sample-site`")
    servers: list[tuple[_SiteServer, threading.Thread]] = []
    sites: list[Site] = []
    try:
        for site in load_sites(sites_toml):
            folder = root / site.id
            if not folder.is_dir():
                continue
            server = _SiteServer(folder)
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      name=f"sample-{site.id}", daemon=True)
            thread.start()
            servers.append((server, thread))
            port = server.server_address[1]
            sites.append(replace(site, mirror=f"http://127.0.0.1:{port}", rate_per_s=rate_per_s))
        yield sites
    finally:
        for server, thread in servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
