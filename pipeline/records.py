"""Frozen records that cross stage boundaries (no dicts, lxml trees or spaCy Docs)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Site:
    """One news source from sites.toml, addressed by its public URL."""

    id: str  # the trust id of trusts.csv that owns the site
    name: str
    base_url: str  # public origin, e.g. "https://www.helse-nord.no"
    news_urls: tuple[str, ...]  # listing pages (public URLs)
    allowed_prefixes: tuple[str, ...] = ("/",)
    lang: str = "nb"
    sitemap_urls: tuple[str, ...] = ()
    rate_per_s: float = 1.0
    mirror: str | None = None  # fetch from this origin instead (the bundled sample server)


@dataclass(frozen=True)
class FetchResult:
    """What one HTTP fetch of one URL produced, success or not."""

    url: str  # canonical public URL
    site_id: str
    status: int | None  # HTTP status, None when no response came
    outcome: str  # "ok", "not-modified", "http-error", "refused", "timeout", "too-large", ...
    body: bytes | None = None
    text: str | None = None  # decoded HTML
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None
    error: str | None = None
    fetched_at: datetime | None = None
    kind: str = "article"  # "robots" | "listing" | "sitemap" | "article"
    attempts: int = 1  # HTTP requests made, retries and redirect hops included (0 when refused up front)
    duplicate_of: str | None = None  # outcome "duplicate": the already-fetched canonical URL


@dataclass(frozen=True)
class Page:
    """A stored HTML page (raw HTML kept for reprocessing)."""

    id: str
    url: str
    site_id: str
    html: str
    content_hash: str
    kind: str  # "article" or "listing"
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class Article:
    """The readable text of one news article, extracted from a page."""

    id: str
    url: str | None
    site_id: str | None
    title: str
    text: str
    published: date | None
    updated: date | None
    lang: str
    page_id: str | None = None


@dataclass(frozen=True)
class TimeMention:
    """A normalised time expression found in a text."""

    text: str
    start_char: int
    end_char: int
    value: datetime | date | None  # tz-aware Europe/Oslo datetime, or a date when only the day is known
    precision: str  # "minute" | "approximate" | "part-of-day" | "day" | "duration"
    role: str  # "start" | "end" | "update" | "publication" | "duration" | "other"
    duration_minutes: int | None = None
    sentence: str = ""
    confidence: float = 1.0


@dataclass(frozen=True)
class Contact:
    """A press contact: a quoted spokesperson or an entry of a contact block."""

    name: str | None
    role: str | None = None
    org: str | None = None
    org_id: str | None = None
    email: str | None = None
    phone: str | None = None  # "+47" followed by 8 digits
    evidence: str = ""
    confidence: float = 1.0


@dataclass(frozen=True)
class Mention:
    """A span the NLP found: trust, system, time, contact or named entity."""

    id: str
    article_id: str
    label: str
    text: str
    start_char: int
    end_char: int
    kb_id: str | None = None  # trust id, system id or system type
    value: str | None = None  # normalised value (ISO time, type, ...)
    role: str | None = None
    evidence: str = ""
    confidence: float = 1.0


@dataclass(frozen=True)
class SystemHit:
    id: str | None  # systems.csv id, None for a generic term
    name: str | None
    type: str
    evidence: str
    component: str | None = None
    confidence: float = 1.0


@dataclass(frozen=True)
class TrustHit:
    id: str
    name: str
    evidence: str
    confidence: float = 1.0


@dataclass(frozen=True)
class Facts:
    """Everything `extract` says about one article (the DESIGN.md contract)."""

    article: Article
    is_outage: bool
    outage_score: float
    status: str  # "ongoing" | "resolved" | "unknown"
    start: datetime | date | None
    end: datetime | date | None
    start_precision: str | None = None
    end_precision: str | None = None
    systems: tuple[SystemHit, ...] = ()
    trusts: tuple[TrustHit, ...] = ()
    contacts: tuple[Contact, ...] = ()
    times: tuple[TimeMention, ...] = ()
    mentions: tuple[Mention, ...] = ()
    signals: tuple[str, ...] = ()  # impact and vocabulary signals seen

    @property
    def duration_minutes(self) -> int | None:
        if isinstance(self.start, datetime) and isinstance(self.end, datetime):
            return int((self.end - self.start).total_seconds() // 60)
        return None


@dataclass(frozen=True)
class Incident:
    """One outage event, merged from one or more reports."""

    id: str
    start: datetime | date | None
    end: datetime | date | None
    start_precision: str | None  # minute | approximate | part-of-day | day | unknown
    end_precision: str | None
    status: str  # ongoing | resolved | unknown (resolved once any report says so or gives an end)
    systems: tuple[str, ...]  # system ids
    system_types: tuple[str, ...]
    trusts: tuple[str, ...]  # trust ids
    regions: tuple[str, ...]
    article_ids: tuple[str, ...]
    confidence: float = 1.0
    first_published: date | None = None
    title: str = ""
    signals: tuple[str, ...] = field(default=())
    start_source: str | None = None  # article id of the report the start came from
    end_source: str | None = None
    stated_duration_minutes: int | None = None  # "nede i to timar", used when start or end is not a clock time
    duration_source: str | None = None  # article id stating the duration; None when it is end - start
    last_reported: date | None = None  # latest publication, update date or in-text update of a report
    impacts: tuple[str, ...] = ()  # cancelled/postponed appointments/operations, paper fallback
    readiness: str | None = None  # highest readiness level reported: grønn | gul | rød
    planned: bool = False  # a report calls it planned downtime or maintenance (and none says unplanned)
    reported_by: tuple[str, ...] = ()  # site ids of the reports

    @property
    def duration_minutes(self) -> int | None:
        if isinstance(self.start, datetime) and isinstance(self.end, datetime):
            return int((self.end - self.start).total_seconds() // 60)
        return self.stated_duration_minutes

    @property
    def duration_precision(self) -> str:
        """minute when start and end are both to the minute; approximate for rounder or stated durations."""
        if isinstance(self.start, datetime) and isinstance(self.end, datetime):
            return "minute" if self.start_precision == self.end_precision == "minute" else "approximate"
        return "approximate" if self.stated_duration_minutes is not None else "unknown"


@dataclass(frozen=True)
class Report:
    """An outage article as the incident merge sees it."""

    article_id: str
    title: str
    published: date | None
    status: str
    start: datetime | date | None
    start_precision: str | None
    end: datetime | date | None
    end_precision: str | None
    systems: tuple[str, ...]
    system_types: tuple[str, ...]
    trusts: tuple[str, ...]
    signals: tuple[str, ...] = ()
    score: float = 1.0
    site_id: str | None = None  # the trust whose news site published it ("official" when that trust is affected)
    updated: date | None = None
    last_update: datetime | date | None = None  # latest in-text "Oppdatert ..." time
    stated_duration_minutes: int | None = None
    impacts: tuple[str, ...] = ()  # impact signal ids found in the text (data/gazetteer/impact_terms.csv)
