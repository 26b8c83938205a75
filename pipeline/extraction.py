"""The `extract` contract: files or JSON-lines records in, one contract object per input out."""
from __future__ import annotations

import json
import sys
from dataclasses import replace
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .extract import from_html, from_text, looks_like_html
from .records import Article


def _nlp() -> Any:
    from .nlp import nlp_from_settings
    from .settings import load_settings

    return nlp_from_settings(load_settings())


def _site_for(url: str | None) -> str | None:
    if not url:
        return None
    from urllib.parse import urlsplit

    from .gazetteer import load_gazetteer

    host = (urlsplit(url).hostname or "").removeprefix("www.")
    for trust in load_gazetteer().trusts.values():
        if trust.website and host == trust.website.removeprefix("www."):
            return trust.id
    return None


def to_article(raw: str, published: date | None, lang: str | None, url: str | None) -> Article:
    """Turn raw HTML or plain text into an Article (the publishing trust taken from the URL)."""
    site_id = _site_for(url)
    if looks_like_html(raw):
        article = from_html(raw, url=url, site_id=site_id, lang=lang, published=published)
        if article is not None:
            return article
    article = from_text(raw, url=url, lang=lang, published=published)
    return replace(article, site_id=site_id)


def _extract(items: Iterable[tuple[str | None, Article]]) -> Iterator[dict[str, Any]]:
    from .nlp.facts import annotate, to_contract

    items = list(items)
    for (record_id, _), facts in zip(items, annotate((a for _, a in items), _nlp()), strict=True):
        yield to_contract(facts, record_id or facts.article.id)


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"input file {path} does not exist")
    data = p.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def extract_files(files: Iterable[str], published: date | None, lang: str | None, url: str | None) -> Iterator[dict[str, Any]]:
    """One contract object per HTML or text file ("-" is standard input)."""
    items = [(Path(f).stem if f != "-" else None, to_article(_read(f), published, lang, url)) for f in files]
    yield from _extract(items)


def extract_records(path: str) -> Iterator[dict[str, Any]]:
    """One contract object per JSON-lines record, echoing its "id"."""
    items = []
    for n, line in enumerate(_read(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            raise ConfigError(f"{path} line {n} is not valid JSON: fix or remove it") from None
        raw = rec.get("html") or rec.get("text")
        if not isinstance(raw, str):
            raise ConfigError(f"{path} line {n} has neither \"text\" nor \"html\"")
        try:
            published = date.fromisoformat(rec["published"]) if rec.get("published") else None
        except ValueError:
            raise ConfigError(f"{path} line {n}: published {rec['published']!r} is not YYYY-MM-DD") from None
        items.append((rec.get("id"), to_article(raw, published, rec.get("lang"), rec.get("url"))))
    yield from _extract(items)
