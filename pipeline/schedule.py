"""Adaptive re-check schedule of known pages: recently changed pages often, old unchanged ones rarely."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime

_PAGE_DATE = re.compile(r"(?:Publisert|Sist oppdatert):?\s*(\d{1,2})\.(\d{1,2})\.(\d{4})")


def _page_date(html: str | None) -> datetime | None:
    """The latest Publisert / Sist oppdatert date the page shows (end of that day, UTC)."""
    best = None
    for d, m, y in _PAGE_DATE.findall(html or ""):
        try:
            value = datetime.combine(datetime(int(y), int(m), int(d)).date(), time(23, 59), timezone.utc)
        except ValueError:
            continue
        best = value if best is None or value > best else best
    return best


def last_change(seen_changed: datetime, last_modified: str | None = None, html: str | None = None) -> datetime:
    """Best estimate of when the content last changed: the server's Last-Modified or the page's own dates
    when they are earlier than when we saw the change, else when we saw it."""
    hints = []
    if last_modified:
        try:
            hints.append(parsedate_to_datetime(last_modified))
        except (TypeError, ValueError):
            pass
    if (page := _page_date(html)) is not None:
        hints.append(page)
    hints = [h for h in hints if h.tzinfo is not None and h <= seen_changed]
    return max(hints) if hints else seen_changed


def next_check(now: datetime, changed: datetime, min_interval: timedelta, max_interval: timedelta) -> datetime:
    """Half the page's age since its last change, clamped: a page unchanged for a year waits the maximum."""
    return now + min(max((now - changed) / 2, min_interval), max_interval)
