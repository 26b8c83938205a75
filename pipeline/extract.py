"""Stage: stored HTML pages (or plain text) → readable articles, with trafilatura."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from copy import copy
from datetime import date
from functools import cache

from .records import Article, Page

_PUBLISHED = re.compile(r"Publisert:?\s*(\d{1,2})\.(\d{1,2})\.(\d{4})")
_UPDATED = re.compile(r"Sist\s+oppdatert:?\s*(\d{1,2})\.(\d{1,2})\.(\d{4})")
_HTML_LANG = re.compile(r"<html[^>]*\blang=[\"']?(n[bno])", re.I)
# Boilerplate lines of the trusts' shared platform that trafilatura may keep.
_BOILERPLATE = re.compile(
    r"^(Vi anbefaler at du alltid bruker siste versjon av nettleseren din\.?|"
    r"We recommend that you upgrade to the latest version of your browser\.?|logo .*)$",
    re.M,
)

# How we call trafilatura.bare_extraction (the benchmark's `bare` variant calls it the same way).
TRAFILATURA_OPTIONS = {"with_metadata": False, "include_comments": False, "include_tables": True,
                       "include_links": False, "deduplicate": False}


@cache
def _extractor():  # -> trafilatura.settings.Extractor
    """TRAFILATURA_OPTIONS as trafilatura's own options object, built once: bare_extraction builds one
    per call from its keyword arguments otherwise, reading its config file's values each time."""
    from trafilatura.settings import Extractor

    o = TRAFILATURA_OPTIONS
    return Extractor(output_format="python", with_metadata=o["with_metadata"], comments=o["include_comments"],
                     tables=o["include_tables"], links=o["include_links"], dedup=o["deduplicate"])


def body_of(tree, url: str | None):  # (lxml HtmlElement, str | None) -> trafilatura Document | None
    """trafilatura.bare_extraction of a parsed page with TRAFILATURA_OPTIONS."""
    import trafilatura

    options = copy(_extractor())
    options.url = options.source = url
    return trafilatura.bare_extraction(tree, url=url, options=options)


def looks_like_html(raw: str) -> bool:
    """True when the input is an HTML document rather than plain text."""
    head = raw.lstrip()[:500].lower()
    return head.startswith("<!doctype") or "<html" in head or "<body" in head


def _date(match: re.Match[str] | None) -> date | None:
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def article_id(url: str | None, text: str) -> str:
    """Deterministic id: hash of the canonical URL, or of the text when there is none."""
    key = url or text
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def page_title(tree) -> str:  # (lxml HtmlElement) -> str
    """The page title as trafilatura's metadata extraction finds it, without the rest of that extraction.

    Same order as `trafilatura.metadata.extract_metadata`: meta tags, then JSON-LD, then the
    h1/title elements. The rest (authors, dates through htmldate, site name, tags) costs as much
    as the text extraction itself and we read none of it: dates come from the template.
    """
    from trafilatura.metadata import examine_meta, extract_meta_json, extract_title
    from trafilatura.utils import trim

    meta = examine_meta(tree)
    try:
        meta = extract_meta_json(tree, meta)
    except Exception:  # noqa: BLE001  (trafilatura guards this call the same way: malformed JSON-LD)
        pass
    return trim(meta.title or extract_title(tree) or "")


def from_html(
    html: str,
    url: str | None = None,
    site_id: str | None = None,
    lang: str | None = None,
    published: date | None = None,
    page_id: str | None = None,
    default_lang: str = "nb",
) -> Article | None:
    """Extract one article from HTML; None when the page holds no readable text."""
    from trafilatura.utils import load_html  # heavy import, kept out of `python -m pipeline --help`

    tree = load_html(html)
    if tree is None:
        return None
    title = page_title(tree)  # before the extraction, which cleans the tree
    doc = body_of(tree, url)
    if doc is None or not (doc.text or "").strip():
        return None
    body = _BOILERPLATE.sub("", doc.text).strip()
    # The date block is part of the template, not always of trafilatura's text.
    published = published or _date(_PUBLISHED.search(html)) or _date(_PUBLISHED.search(body))
    updated = _date(_UPDATED.search(html))
    if lang is None:
        m = _HTML_LANG.search(html)
        lang = {"no": "nb"}.get(m.group(1).lower(), m.group(1).lower()) if m else default_lang
    # Keep the template's date block after the title, where it stands on the page.
    stamps = "\n".join(
        f"{label} {d:%d.%m.%Y}" for label, d, rx in (("Publisert", published, _PUBLISHED), ("Sist oppdatert", updated, _UPDATED))
        if d and not rx.search(body)
    )
    head = title if title and not body.startswith(title) else ""
    text = "\n\n".join(part for part in (head, stamps, body) if part)
    return Article(
        id=article_id(url, text),
        url=url,
        site_id=site_id,
        title=title or text.split("\n", 1)[0][:200],
        text=text,
        published=published,
        updated=updated,
        lang=lang,
        page_id=page_id,
    )


def from_text(
    text: str, url: str | None = None, lang: str | None = None, published: date | None = None
) -> Article:
    """Wrap plain text as an article: first non-empty line is the title."""
    text = text.strip()
    title = text.split("\n", 1)[0].strip()
    return Article(
        id=article_id(url, text),
        url=url,
        site_id=None,
        title=title,
        text=text,
        published=published or _date(_PUBLISHED.search(text)),
        updated=_date(_UPDATED.search(text)),
        lang=lang or "nb",
    )


def extract_articles(pages: Iterable[Page], langs: dict[str, str] | None = None) -> Iterator[Article | Page]:
    """Stage function: yield an Article per readable page, or the Page itself when it had no text."""
    langs = langs or {}
    for page in pages:
        article = from_html(
            page.html, url=page.url, site_id=page.site_id, page_id=page.id,
            default_lang=langs.get(page.site_id or "", "nb"),
        )
        yield article if article is not None else page
