"""Canonical URLs, URL ids and the mapping between public URLs and a site's mirror.

Canonical form (one rule, applied everywhere):
- scheme and host lower-cased, default port dropped, user info and fragment dropped;
- with a `Site`, `www.`/bare variants of the site's host (and the site's mirror
  origin) are rewritten to the site's `base_url` origin, scheme included;
- tracking parameters (utm_*, fbclid, gclid, mc_cid, mc_eid, _ga, ref) removed,
  remaining query parameters sorted;
- path: dot segments resolved, percent-escapes upper-cased, non-ASCII escaped as
  UTF-8, empty path becomes "/";
- trailing slash: a path whose last segment has no file extension ends WITH a
  slash (`/nyheter/x` and `/nyheter/x/` are both `/nyheter/x/`); a path whose last
  segment has an extension (`/robots.txt`, `/sitemap.xml`, `/a.pdf`) never does.
"""
from __future__ import annotations

import hashlib
import ipaddress
import posixpath
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from pipeline.records import Site

_TRACKING = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "_ga", "ref"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
# Public second-level labels (e.g. "co.uk", "priv.no"): without a public suffix
# list we treat "<label>.<tld>" as a suffix only for these generic labels.
_PUBLIC_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "priv", "mil"})


def _host(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    try:
        return host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return host


def is_ip_literal(host: str) -> bool:
    """True when `host` is an IPv4/IPv6 address rather than a name."""
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _netloc(scheme: str, host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{shown}:{port}"


def _origin(url: str) -> tuple[str, str, int | None]:
    """Return (scheme, host, port) with the default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, _host(parts.hostname or ""), port or _DEFAULT_PORTS.get(scheme)


def _bare(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def _same_host(url_origin: tuple[str, str, int | None], other: tuple[str, str, int | None]) -> bool:
    """True when two origins are www/bare/scheme variants of one host (same port unless default)."""
    scheme, host, port = url_origin
    o_scheme, o_host, o_port = other
    if not host or _bare(host) != _bare(o_host):
        return False
    return port == o_port or (port == _DEFAULT_PORTS.get(scheme) and o_port == _DEFAULT_PORTS.get(o_scheme))


def _path(path: str) -> str:
    path = quote(path or "/", safe=_PATH_SAFE)
    path = _ESCAPE.sub(lambda m: m.group(0).upper(), path)
    path = "/" + posixpath.normpath("/" + path).lstrip("/")
    last = path.rsplit("/", 1)[-1]
    return path + "/" if last and not _EXTENSION.search(last) else path


def _is_tracking(key: str) -> bool:
    return key.lower().startswith("utm_") or key.lower() in _TRACKING


def _query(query: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_tracking(k)]
    return urlencode(sorted(pairs), doseq=True)


def _strip_tracking(query: str) -> str:
    """Drop tracking parameters, keeping the order and encoding of the others."""
    kept = [p for p in query.split("&") if p and not _is_tracking(p.split("=", 1)[0])]
    return "&".join(kept)


def canonical_url(url: str, base: str | None = None, site: Site | None = None) -> str:
    """Return the canonical form of `url` (resolved against `base`, mapped to `site`'s host form).

    Non-http(s) URLs come back unchanged but for the fragment; raises ValueError for a
    malformed http(s) URL (bad IPv6 literal or port).
    """
    url = urljoin(base, url.strip()) if base else url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        return urlunsplit(parts._replace(fragment=""))
    parts.port  # noqa: B018 -- raises ValueError for a malformed port
    scheme, host, port = _origin(url)
    if site is not None:
        here = (scheme, host, port)
        if _same_host(here, _origin(site.base_url)) or (site.mirror and here == _origin(site.mirror)):
            scheme, host, port = _origin(site.base_url)
    netloc = _netloc(scheme, host, port)
    return urlunsplit((scheme, netloc, _path(parts.path), _query(parts.query), ""))


def request_url(url: str) -> str:
    """Return `url` as it should be requested: fragment and tracking parameters dropped, nothing else changed."""
    parts = urlsplit(url.strip())
    return urlunsplit(parts._replace(query=_strip_tracking(parts.query) if parts.query else "", fragment=""))


def url_id(url: str) -> str:
    """Return the stable id of a URL: first 16 hex chars of sha1 of its canonical form."""
    return hashlib.sha1(canonical_url(url).encode("utf-8")).hexdigest()[:16]


def host_matches(url: str, site: Site) -> bool:
    """True when `url` is on the site's host (www/bare variants included)."""
    return _same_host(_origin(url), _origin(site.base_url))


def _prefix_len(url: str, site: Site) -> int:
    path = urlsplit(canonical_url(url, site=site)).path
    matches = [len(p) for p in site.allowed_prefixes if path.startswith(p)]
    return max(matches, default=-1)


def is_allowed(url: str, site: Site) -> bool:
    """True when `url` is http(s), on the site's host and under one of its allowed prefixes."""
    if urlsplit(url).scheme.lower() not in _DEFAULT_PORTS or not host_matches(url, site):
        return False
    return _prefix_len(url, site) >= 0


def site_for_url(url: str, sites: Iterable[Site]) -> Site | None:
    """Return the site that owns `url` (longest matching allowed prefix wins), or None."""
    best, best_len = None, -1
    for site in sites:
        if host_matches(url, site):
            length = _prefix_len(url, site)
            if length > best_len:
                best, best_len = site, length
    return best


def registrable_domain(host: str) -> str:
    """Return the registrable domain of a host ("www.helse-nord.no" -> "helse-nord.no"); IPs unchanged."""
    host = _host(host)
    if is_ip_literal(host):
        return host
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _PUBLIC_SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def same_site_domain(url: str, site: Site) -> bool:
    """True when `url` shares the site's registrable domain (IP hosts: same IP and port)."""
    scheme, host, port = _origin(url)
    s_scheme, s_host, s_port = _origin(site.base_url)
    if not host:
        return False
    if is_ip_literal(host) or is_ip_literal(s_host):
        return host == s_host and port == s_port
    return registrable_domain(host) == registrable_domain(s_host)


def _replace_origin(url: str, origin: str) -> str:
    parts = urlsplit(url)
    scheme, host, port = _origin(origin)
    return urlunsplit((scheme, _netloc(scheme, host, port), parts.path or "/", parts.query, ""))


def to_fetch_url(url: str, site: Site) -> str | None:
    """Map a public URL to the URL to request: the mirror origin when `site.mirror` is set.

    Returns None when the site has a mirror and `url` is not on the site's host (it cannot
    be fetched from the mirror, and a mirrored crawl never leaves it).
    """
    if not site.mirror:
        return url
    if host_matches(url, site) or _origin(url) == _origin(site.mirror):
        return _replace_origin(url, site.mirror)
    return None


def from_fetch_url(url: str, site: Site) -> str:
    """Map a requested URL back to its public URL (inverse of `to_fetch_url`)."""
    if site.mirror and _origin(url) == _origin(site.mirror):
        return _replace_origin(url, site.base_url)
    return url


def origin_of(url: str) -> str:
    """Return "scheme://host[:port]" of a URL (lower-cased, default port dropped)."""
    scheme, host, port = _origin(url)
    return f"{scheme}://{_netloc(scheme, host, port)}"
