"""robots.txt (RFC 9309): parsing, matching and a per-crawl cache keyed by origin."""
from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from pipeline.records import FetchResult
from pipeline.urls import origin_of

MAX_ROBOTS_BYTES = 512 * 1024  # RFC 9309 2.5: parse at least the first 500 KiB
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_SAFE = "/%:@!$&'()*+,;=-._~?*$"


def product_token(user_agent: str) -> str:
    """Return the lower-cased product token of a User-Agent ("OutageTracker/0.1 (+url)" -> "outagetracker")."""
    token = re.match(r"[A-Za-z_-]*", user_agent.strip())
    return token.group(0).lower() if token else ""


def _normalise(path: str) -> str:
    """Percent-encode non-ASCII and upper-case escapes, so patterns and paths compare as octets."""
    return _ESCAPE.sub(lambda m: m.group(0).upper(), quote(path, safe=_SAFE))


@dataclass(frozen=True)
class Rule:
    """One Allow/Disallow line of the applicable group."""

    allow: bool
    pattern: str

    def matches(self, path: str) -> bool:
        """True when the pattern (with `*` and a trailing `$`) matches the start of `path`."""
        anchored = self.pattern.endswith("$")
        body = self.pattern[:-1] if anchored else self.pattern
        regex = ".*".join(re.escape(part) for part in body.split("*"))
        return re.match(regex + ("$" if anchored else ""), path, re.DOTALL) is not None


@dataclass(frozen=True)
class RobotsRules:
    """The rules of robots.txt that apply to our user agent, plus its Sitemap lines."""

    rules: tuple[Rule, ...] = ()
    sitemaps: tuple[str, ...] = ()
    crawl_delay: float | None = None
    disallow_all: bool = False  # robots.txt unreachable (5xx, network error): crawl nothing

    def allowed(self, url: str) -> bool:
        """True when our user agent may fetch `url` (longest match wins, Allow wins ties)."""
        if self.disallow_all:
            return False
        parts = urlsplit(url)
        path = _normalise((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        if path == "/robots.txt":
            return True
        best: Rule | None = None
        for rule in self.rules:
            if rule.matches(path):
                longer = best is None or len(rule.pattern) > len(best.pattern)
                tie_allow = best is not None and len(rule.pattern) == len(best.pattern) and rule.allow
                if longer or tie_allow:
                    best = rule
        return best is None or best.allow


ALLOW_ALL = RobotsRules()
DISALLOW_ALL = RobotsRules(disallow_all=True)


def parse_robots(text: str, user_agent: str) -> RobotsRules:
    """Parse robots.txt text and keep the groups for our product token (else those for `*`)."""
    token = product_token(user_agent)
    groups: list[tuple[list[str], list[Rule], list[float]]] = []
    sitemaps: list[str] = []
    agents: list[str] = []
    rules: list[Rule] = []
    delays: list[float] = []
    in_rules = False
    for raw in text[:MAX_ROBOTS_BYTES].splitlines():
        line = raw.split("#", 1)[0].strip()
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "sitemap":
            if value:
                sitemaps.append(value)
        elif key in ("user-agent", "useragent"):
            if in_rules:
                groups.append((agents, rules, delays))
                agents, rules, delays, in_rules = [], [], [], False
            agents.append(value.split("/", 1)[0].strip().lower())
        elif key in ("allow", "disallow", "crawl-delay") and agents:
            in_rules = True
            if key == "crawl-delay":
                try:
                    delays.append(float(value))
                except ValueError:
                    pass
            elif value:  # an empty Disallow matches nothing
                rules.append(Rule(allow=key == "allow", pattern=_normalise(value)))
    if agents:
        groups.append((agents, rules, delays))
    mine = [g for g in groups if token and token in g[0]] or [g for g in groups if "*" in g[0]]
    chosen = [rule for g in mine for rule in g[1]]
    delay = max((d for g in mine for d in g[2]), default=None)
    return RobotsRules(rules=tuple(chosen), sitemaps=tuple(dict.fromkeys(sitemaps)), crawl_delay=delay)


def rules_from_result(result: FetchResult, user_agent: str) -> RobotsRules:
    """Turn the fetch of /robots.txt into rules: 2xx parsed, 4xx allow all, anything else disallow all."""
    if result.outcome == "ok" and result.status is not None and 200 <= result.status < 300:
        text = result.text
        if text is None and result.body is not None:
            text = result.body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        return parse_robots(text or "", user_agent)
    if result.status is not None and 400 <= result.status < 500 and result.status != 429:
        return ALLOW_ALL
    return DISALLOW_ALL


@dataclass
class RobotsCache:
    """robots.txt rules per origin, each fetched once per crawl through `load(origin)`."""

    load: Callable[[str], RobotsRules]
    _rules: dict[str, RobotsRules] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rules_for(self, origin: str) -> RobotsRules:
        """Return the cached rules of `origin` ("scheme://host[:port]"), loading them once."""
        with self._lock:
            cached = self._rules.get(origin)
        if cached is None:
            cached = self.load(origin)
            with self._lock:
                cached = self._rules.setdefault(origin, cached)
        return cached

    def allowed(self, url: str) -> bool:
        """True when robots.txt of the URL's origin allows it."""
        return self.rules_for(origin_of(url)).allowed(url)
