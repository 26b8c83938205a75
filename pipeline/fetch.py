"""One careful HTTP GET: checked redirects, address safety, retries, byte caps, decoding."""
from __future__ import annotations

import ipaddress
import logging
import random
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import httpx

from pipeline.discover import meta_refresh
from pipeline.encoding import Inflater, Refused, decode_body
from pipeline.records import FetchResult, Site
from pipeline.urls import (
    canonical_url,
    from_fetch_url,
    is_ip_literal,
    request_url,
    same_site_domain,
    to_fetch_url,
)

log = logging.getLogger(__name__)

OSLO = ZoneInfo("Europe/Oslo")
REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_OUTCOMES = frozenset({"timeout", "connection-error", "truncated"})
TINY_PAGE_BYTES = 4096  # a meta refresh is only followed on pages this small
_TEXT_TYPES = re.compile(r"^(text/|application/(xhtml\+xml|xml|rss\+xml|atom\+xml)|[a-z]+/[a-z.+-]*\+xml)")


@dataclass
class _Reply:
    status: int | None
    headers: httpx.Headers | None = None
    body: bytes | None = None
    outcome: str | None = None  # set when no usable response was read
    error: str | None = None


def _resolve(host: str, port: int) -> list[str]:
    """Resolve a host name to its IP addresses (the default resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


class Fetcher:
    """Fetches single URLs for a crawl; one httpx.Client, no per-host politeness (see crawl.py)."""

    def __init__(
        self,
        *,
        user_agent: str,
        connect_timeout: float = 5.0,
        read_timeout: float = 15.0,
        total_timeout: float = 60.0,
        max_bytes: int = 5_000_000,
        max_decompressed_bytes: int = 20_000_000,
        max_redirects: int = 5,
        retries: int = 2,
        backoff_base: float = 1.0,
        retry_after_cap: float = 60.0,
        allow_loopback: bool = False,
        resolve: Callable[[str, int], list[str]] = _resolve,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.user_agent = user_agent
        self.total_timeout, self.max_bytes = total_timeout, max_bytes
        self.max_decompressed_bytes = max_decompressed_bytes
        self.max_redirects, self.retries, self.backoff_base = max_redirects, retries, backoff_base
        self.retry_after_cap, self.allow_loopback = retry_after_cap, allow_loopback
        self._resolve, self._sleep, self._random = resolve, sleep, random.Random()
        timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout)
        # trust_env=False: an environment proxy would bypass the address checks below
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)

    def close(self) -> None:
        """Close the HTTP client and its connections."""
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(
        self,
        url: str,
        site: Site,
        etag: str | None = None,
        last_modified: str | None = None,
        *,
        allowed: Callable[[str], bool] | None = None,
        kind: str = "article",
    ) -> FetchResult:
        """GET one public URL of `site`; every problem becomes the result's `outcome`, never an exception."""
        try:
            public = request_url(url)
            base = {"url": canonical_url(public, site=site), "site_id": site.id, "kind": kind}
        except ValueError as exc:
            return FetchResult(url=url, site_id=site.id, status=None, outcome="refused-host", kind=kind, attempts=0,
                               error=f"malformed URL: {exc}", fetched_at=datetime.now(OSLO))
        headers = {
            "User-Agent": self.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "nb,nn;q=0.9,no;q=0.8,en;q=0.5",
            "Accept-Encoding": "gzip, deflate, br",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen: list[str] = []
        attempts = 0
        while True:
            seen.append(public)
            target, address, refusal = self._check(public, site, allowed)
            if refusal:
                return self._result(base, public, site, attempts, status=None, outcome=refusal[0], error=refusal[1])
            reply, used = self._get_with_retries(target, address, headers)
            attempts += used
            status, hdrs = reply.status, reply.headers
            if reply.outcome:
                return self._result(base, public, site, attempts, status=status, outcome=reply.outcome,
                                    error=reply.error)
            assert hdrs is not None and status is not None
            location: str | None = None
            if status in REDIRECTS:
                location = hdrs.get("location")
                if not location:
                    return self._result(base, public, site, attempts, status=status, outcome="http-error",
                                        error="redirect without Location")
            elif status < 300 and reply.body is not None and len(reply.body) <= TINY_PAGE_BYTES:
                refresh = meta_refresh(decode_body(reply.body, hdrs.get("content-type")))
                location = refresh[1] if refresh and refresh[0] <= 5 else None
            if location is None:
                return self._final(base, public, site, attempts, reply, etag, last_modified)
            try:
                nxt = request_url(from_fetch_url(urljoin(target, location.strip()), site))
                canonical_url(nxt)
            except ValueError as exc:
                return self._result(base, public, site, attempts, status=status, outcome="refused-host",
                                    error=f"malformed redirect target {location!r}: {exc}")
            if nxt in seen:
                return self._result(base, public, site, attempts, status=status, outcome="redirect-loop",
                                    error=f"{public} -> {nxt} was visited before")
            if len(seen) > self.max_redirects:
                return self._result(base, public, site, attempts, status=status, outcome="too-many-redirects",
                                    error=f"more than {self.max_redirects} redirects")
            public = nxt

    def _check(
        self, public: str, site: Site, allowed: Callable[[str], bool] | None
    ) -> tuple[str, str, tuple[str, str] | None]:
        """Return (URL to request, checked IP, refusal): scheme, host, robots.txt, address; no connection."""
        parts = urlsplit(public)
        if parts.scheme.lower() not in ("http", "https"):
            return "", "", ("refused-scheme", f"scheme {parts.scheme!r} is not http(s)")
        target = to_fetch_url(public, site)
        if target is None or not same_site_domain(public, site):
            return "", "", ("refused-host", f"{parts.hostname} is outside the site's domain")
        if allowed is not None and not allowed(public):
            return "", "", ("robots-disallowed", "robots.txt disallows this URL")
        t_parts = urlsplit(target)
        host = t_parts.hostname or ""
        try:
            port = t_parts.port or (443 if t_parts.scheme == "https" else 80)
            addresses = [host] if is_ip_literal(host) else self._resolve(host, port)
        except (OSError, ValueError) as exc:
            return "", "", ("connection-error", f"cannot resolve {host}: {exc}")
        bad = [a for a in addresses if not self._address_ok(a)]
        if bad or not addresses:
            return "", "", ("refused-address", f"{host} resolves to a non-public address {', '.join(bad)}")
        return target, addresses[0], None

    def _address_ok(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if ip.is_loopback:
            return self.allow_loopback
        return ip.is_global and not ip.is_multicast

    @staticmethod
    def _pin(target: str, ip: str) -> tuple[str, dict[str, str]]:
        """Return the URL to connect to (user info dropped) and extra headers.

        Plain http is pinned to the checked IP (Host header kept) so a second DNS answer
        cannot redirect the connection. https connects by name: pooled connections are keyed
        by IP, so pinning would reuse one TLS session across host names; there the
        certificate check guards the connection after the address check.
        """
        parts = urlsplit(target)
        host, netloc = parts.hostname or "", parts.netloc.rsplit("@", 1)[-1]
        if parts.scheme == "https" or is_ip_literal(host):
            return urlunsplit(parts._replace(netloc=netloc)), {}
        shown = f"[{ip}]" if ":" in ip else ip
        pinned = f"{shown}:{parts.port}" if parts.port else shown
        return urlunsplit(parts._replace(netloc=pinned)), {"Host": netloc}

    def _get_with_retries(self, target: str, ip: str, headers: dict[str, str]) -> tuple[_Reply, int]:
        """GET with retries on 429/5xx/timeouts/connection errors; returns the last reply and attempts."""
        attempt = 0
        while True:
            attempt += 1
            reply = self._get(target, ip, headers)
            retryable = reply.outcome in RETRY_OUTCOMES or (reply.outcome is None and reply.status in RETRY_STATUSES)
            if not retryable or attempt > self.retries:
                if reply.outcome is None and reply.status in RETRY_STATUSES:
                    reply.outcome, reply.error = "http-error", f"HTTP {reply.status} after {attempt} attempts"
                return reply, attempt
            delay = _retry_after(reply.headers.get("retry-after")) if reply.headers is not None else None
            if delay is None:
                step = self.backoff_base * 2 ** (attempt - 1)
                delay = step / 2 + self._random.uniform(0, step / 2)
            log.debug("retrying %s in %.2fs (%s)", target, delay, reply.outcome or reply.status)
            self._sleep(min(delay, self.retry_after_cap))

    def _get(self, target: str, ip: str, headers: dict[str, str]) -> _Reply:
        """One GET; reads the body only for 2xx responses."""
        deadline = time.monotonic() + self.total_timeout
        started = False
        try:
            url, extra = self._pin(target, ip)
            with self._client.stream("GET", url, headers={**headers, **extra}) as resp:
                if not 200 <= resp.status_code < 300:
                    return _Reply(resp.status_code, resp.headers)
                length = resp.headers.get("content-length", "")
                if length.isdigit() and int(length) > self.max_bytes:
                    return _Reply(resp.status_code, resp.headers, outcome="too-large",
                                  error=f"Content-Length {length} over {self.max_bytes} bytes")
                encoding = resp.headers.get("content-encoding", "").strip().lower()
                inflater = Inflater(encoding, self.max_decompressed_bytes)
                raw, parts = 0, []
                started = True
                for chunk in resp.iter_raw():
                    raw += len(chunk)
                    if raw > self.max_bytes:
                        raise Refused("too-large", f"body over {self.max_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise Refused("timeout", f"body not complete after {self.total_timeout}s")
                    parts.append(inflater.feed(chunk))
                return _Reply(resp.status_code, resp.headers, body=b"".join(parts))
        except Refused as exc:
            return _Reply(None, None, outcome=exc.outcome, error=str(exc))
        except httpx.TimeoutException as exc:
            return _Reply(None, None, outcome="timeout", error=f"{type(exc).__name__}: {exc}")
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            outcome = "truncated" if started else "connection-error"
            if str(exc).startswith("Invalid URL in location header"):  # httpx parses Location itself
                outcome = "refused-host"
            return _Reply(None, None, outcome=outcome, error=f"{type(exc).__name__}: {exc}")
        except (httpx.TransportError, OSError) as exc:
            return _Reply(None, None, outcome="connection-error", error=f"{type(exc).__name__}: {exc}")
        except httpx.InvalidURL as exc:
            return _Reply(None, None, outcome="refused-host", error=f"malformed URL: {exc}")

    def _result(self, base: dict, public: str, site: Site, attempts: int, **fields: object) -> FetchResult:
        return FetchResult(**base, final_url=public, attempts=attempts,
                           fetched_at=datetime.now(OSLO), **fields)  # type: ignore[arg-type]

    def _final(self, base: dict, public: str, site: Site, attempts: int, reply: _Reply,
               etag: str | None, last_modified: str | None) -> FetchResult:
        """Result for the last hop: ok, not-modified, gone or http-error."""
        hdrs, status = reply.headers, reply.status
        assert hdrs is not None and status is not None
        meta = {"etag": hdrs.get("etag"), "last_modified": hdrs.get("last-modified"),
                "content_type": hdrs.get("content-type")}
        if status == 304:
            meta.update(etag=meta["etag"] or etag, last_modified=meta["last_modified"] or last_modified)
            return self._result(base, public, site, attempts, status=status, outcome="not-modified", **meta)
        if status in (404, 410):
            return self._result(base, public, site, attempts, status=status, outcome="gone", **meta)
        if not 200 <= status < 300:
            return self._result(base, public, site, attempts, status=status, outcome="http-error",
                                error=f"HTTP {status}", **meta)
        body = reply.body or b""
        ctype = meta["content_type"]
        text = decode_body(body, ctype) if not ctype or _TEXT_TYPES.match(ctype.lower()) else None
        return self._result(base, public, site, attempts, status=status, outcome="ok", body=body, text=text, **meta)

