"""Render the bundled sample articles (data/sample-articles/, our own writing) into static FNSP-shaped HTML.

Layout of the sources: ``<src_dir>/<site id>/<slug>.txt`` (header lines ``key: value``,
a ``---`` line, then the body) and an optional ``<src_dir>/<site id>/_site.toml`` with
``address`` and ``switchboard`` for the page footer. The output for a site lives in
``<out_dir>/<site id>/``; a URL path ``/a/b/`` or ``/a/b`` is stored as ``a/b/index.html``.
"""
from __future__ import annotations

import html
import re
import shutil
import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ConfigError

PER_PAGE = 10
# Real article paths drop the trailing slash on these sites (page_structure.md §2).
NO_TRAILING_SLASH = frozenset(
    {"ous", "helse-fonna", "helse-forde", "helse-bergen", "helse-vest-rhf", "helse-more-og-romsdal", "nordlandssykehuset"}
)
# Sites whose article paths carry a year folder below the listing path.
YEAR_FOLDER = {"helse-more-og-romsdal": "nyheiter-{year}/", "helse-midt-norge-rhf": "{year}/", "sykehusinnkjop": "nyheter-{year}/"}
BROWSER_WARNING = "Vi anbefaler at du alltid bruker siste versjon av nettleseren din."
_HEADER_KEYS = {
    "title", "published", "updated", "lang", "author", "image", "gold_is_outage", "gold_start",
    "gold_end", "gold_trusts", "gold_system_types", "gold_incident",
}


@dataclass(frozen=True)
class SampleArticle:
    """One source article: header fields, gold labels and the body markup."""

    site_id: str
    slug: str
    title: str
    published: date
    updated: date | None
    lang: str
    body: str
    author: str | None = None
    image: str | None = None
    gold_is_outage: bool = False
    gold_start: str | None = None
    gold_end: str | None = None
    gold_trusts: tuple[str, ...] = ()
    gold_system_types: tuple[str, ...] = ()
    gold_incident: str | None = None


@dataclass(frozen=True)
class _SiteInfo:
    id: str
    name: str
    base_url: str
    listing: str  # listing path, e.g. "/nyheter/"
    lang: str
    address: str
    switchboard: str

    @property
    def news_label(self) -> str:
        return self.listing.strip("/").split("/")[-1].capitalize()  # "Nyheter", "Nyheiter", "Nyhende"

    def listing_page(self, number: int) -> str:
        return self.listing if number == 1 else f"{self.listing}side/{number}/"


def slugify(title: str) -> str:
    """Turn a title into the URL slug the FNSP sites use (æ→ae, ø→o, å→a)."""
    text = title.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def parse_sample_article(path: Path) -> SampleArticle:
    """Parse one ``<site id>/<slug>.txt`` source file."""
    raw = path.read_text(encoding="utf-8")
    head, sep, body = raw.partition("\n---\n")
    if not sep:
        raise ConfigError(f"{path}: missing the '---' line between header and body")
    fields: dict[str, str] = {}
    for line in head.splitlines():
        key, colon, value = line.partition(":")
        key = key.strip()
        if not colon or key not in _HEADER_KEYS:
            raise ConfigError(f"{path}: bad header line {line!r}")
        fields[key] = value.strip()

    def listed(key: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in fields.get(key, "").split(";") if v.strip())

    try:
        return SampleArticle(
            site_id=path.parent.name,
            slug=path.stem,
            title=fields["title"],
            published=date.fromisoformat(fields["published"]),
            updated=date.fromisoformat(fields["updated"]) if fields.get("updated") else None,
            lang=fields.get("lang", "nb"),
            body=body.strip("\n"),
            author=fields.get("author") or None,
            image=fields.get("image") or None,
            gold_is_outage=fields.get("gold_is_outage", "false").lower() == "true",
            gold_start=fields.get("gold_start") or None,
            gold_end=fields.get("gold_end") or None,
            gold_trusts=listed("gold_trusts"),
            gold_system_types=listed("gold_system_types"),
            gold_incident=fields.get("gold_incident") or None,
        )
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"{path}: bad or missing header field ({exc})") from exc


def iter_sample_articles(src_dir: Path) -> Iterator[SampleArticle]:
    """Yield every source article under ``src_dir``, sorted by site id and slug."""
    for path in sorted(src_dir.glob("*/*.txt")):
        yield parse_sample_article(path)


def article_path(site_id: str, listing: str, article: SampleArticle) -> str:
    """The public URL path of an article: listing path, optional year folder, slug."""
    folder = YEAR_FOLDER.get(site_id, "").format(year=article.published.year)
    path = f"{listing}{folder}{article.slug}"
    return path if site_id in NO_TRAILING_SLASH else path + "/"


def _load_sites(sites_toml: Path, src_dir: Path) -> dict[str, _SiteInfo]:
    try:
        entries = tomllib.loads(sites_toml.read_text(encoding="utf-8"))["sites"]
    except (OSError, tomllib.TOMLDecodeError, KeyError) as exc:
        raise ConfigError(f"cannot read sites from {sites_toml}: {exc}") from exc
    sites = {}
    for site_id, entry in entries.items():
        extra_path = src_dir / site_id / "_site.toml"
        try:
            extra = tomllib.loads(extra_path.read_text(encoding="utf-8")) if extra_path.exists() else {}
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"cannot parse {extra_path}: {exc}") from exc
        sites[site_id] = _SiteInfo(
            id=site_id,
            name=entry["name"],
            base_url=entry["base_url"].rstrip("/"),
            listing=urlsplit(entry["news_urls"][0]).path,
            lang=entry.get("lang", "nb"),
            address=extra.get("address", entry["name"]),
            switchboard=extra.get("switchboard", ""),
        )
    return sites


def _body_html(text: str) -> str:
    """Convert the tiny source markup (paragraphs, '## ' headings, '- ' items) to HTML."""
    out: list[str] = []
    para: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if para:
            out.append(f"<p>{html.escape(' '.join(para))}</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        line = line.strip()
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            out.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("- "):
            if para:
                flush()
            items.append(line[2:])
        else:
            if items:
                flush()
            para.append(line)
    flush()
    return "\n".join(out)


def _page(site: _SiteInfo, title: str, path: str, crumbs: list[tuple[str, str | None]], main: str) -> str:
    """Wrap main content in the shared FNSP page shell (header, breadcrumbs, footer)."""
    home = "Framside" if site.lang == "nn" else "Forside"
    trail = [(home, "/"), *crumbs]
    crumb_html = "".join(
        f'<li><a href="{href}">{html.escape(label)}</a></li>' if href else f"<li>{html.escape(label)}</li>"
        for label, href in trail
    )
    menu = "Hovudmeny" if site.lang == "nn" else "Hovedmeny"
    phone = f"<p>Sentralbord: {html.escape(site.switchboard)}</p>" if site.switchboard else ""
    name = html.escape(site.name)
    return f"""<!DOCTYPE html>
<html lang="{site.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} - {name}</title>
<link rel="canonical" href="{site.base_url}{path}">
</head>
<body>
<header class="site-header">
<div class="browser-warning"><p>{BROWSER_WARNING}</p></div>
<nav class="main-nav" aria-label="{menu}">
<a class="logo" href="/"><span class="logo-text">logo</span> {name}</a>
<ul><li><a href="/">{home}</a></li><li><a href="{site.listing}">{site.news_label}</a></li></ul>
</nav>
</header>
<nav class="breadcrumbs" aria-label="Brødsmulesti"><ol>{crumb_html}</ol></nav>
<main id="main">
{main}
</main>
<footer class="site-footer">
<p>{name}</p>
<p>{html.escape(site.address)}</p>
{phone}
<ul><li><a href="/informasjonskapsler/">Informasjonskapsler</a></li><li><a href="/personvern/">Personvernerklæring</a></li><li><a href="/om-nettstedet/">Om nettstedet</a></li></ul>
<p class="disclaimer">Eksempelnettsted for testing. Artiklene er skrevet for prosjektet og beskriver ikke faktiske hendelser ordrett.</p>
</footer>
</body>
</html>
"""


def _article_html(site: _SiteInfo, art: SampleArticle, path: str) -> str:
    parts = [f"<article>\n<h1>{html.escape(art.title)}</h1>"]
    if art.author:
        parts.append(f'<p class="byline">{html.escape(art.author)}</p>')
    dates = f"<p>Publisert {art.published:%d.%m.%Y}</p>"
    if art.updated:
        dates += f"<p>Sist oppdatert {art.updated:%d.%m.%Y}</p>"
    parts.append(f'<div class="dates">{dates}</div>')
    body = _body_html(art.body)
    if art.image:
        body = f"<figure><figcaption>{html.escape(art.image)}</figcaption></figure>\n{body}"
    parts.append(f'<div class="article-body">\n{body}\n</div>\n</article>')
    return _page(site, art.title, path, [(site.news_label, site.listing), (art.title, None)], "\n".join(parts))


def _listing_html(site: _SiteInfo, page: list[tuple[SampleArticle, str]], number: int, pages: int) -> str:
    path = site.listing_page(number)
    title = site.news_label if number == 1 else f"{site.news_label} - side {number}"
    items = "\n".join(
        f'<li><a href="{p}">{html.escape(a.title)}</a> <span class="date">{a.published:%d.%m.%Y}</span></li>'
        for a, p in page
    )
    links = []
    if number > 1:
        links.append(f'<a rel="prev" href="{site.listing_page(number - 1)}">Forrige side</a>')
    if number < pages:
        links.append(f'<a rel="next" href="{site.listing_page(number + 1)}">Neste side</a>')
    main = f'<h1>{html.escape(title)}</h1>\n<ul class="news-list">\n{items}\n</ul>\n<nav class="pagination">{" ".join(links)}</nav>'
    return _page(site, title, path, [(site.news_label, None)], main)


def _write(root: Path, url_path: str, text: str) -> None:
    target = root / url_path.strip("/") / "index.html" if url_path.strip("/") else root / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _render_site(site: _SiteInfo, articles: list[SampleArticle], root: Path) -> None:
    """Write articles, paginated listing, front page, robots.txt and sitemap.xml of one site."""
    ordered = sorted(articles, key=lambda a: (a.published, a.slug), reverse=True)
    routed = [(a, article_path(site.id, site.listing, a)) for a in ordered]
    for art, path in routed:
        _write(root, path, _article_html(site, art, path))
    pages = max(1, -(-len(routed) // PER_PAGE))
    for number in range(1, pages + 1):
        chunk = routed[(number - 1) * PER_PAGE : number * PER_PAGE]
        _write(root, site.listing_page(number), _listing_html(site, chunk, number, pages))
    front = f'<h1>{html.escape(site.name)}</h1>\n<p><a href="{site.listing}">{site.news_label}</a></p>'
    _write(root, "/", _page(site, site.name, "/", [], front))
    (root / "robots.txt").write_text(
        f"User-agent: *\nDisallow: /admin/\nSitemap: {site.base_url}/sitemap.xml\n", encoding="utf-8"
    )
    urls = "".join(
        f"  <url>\n    <loc>{html.escape(site.base_url + p)}</loc>\n"
        f"    <lastmod>{(a.updated or a.published).isoformat()}</lastmod>\n  </url>\n"
        for a, p in sorted(routed, key=lambda r: r[1])
    )
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n',
        encoding="utf-8",
    )


def build_sample_site(src_dir: Path, out_dir: Path, sites_toml: Path) -> int:
    """Render every source article under src_dir into out_dir; returns the number of articles."""
    sites = _load_sites(sites_toml, src_dir)
    by_site: dict[str, list[SampleArticle]] = {}
    for art in iter_sample_articles(src_dir):
        if art.site_id not in sites:
            raise ConfigError(f"sample site folder {art.site_id!r} is not a key of {sites_toml}")
        if art.slug != slugify(art.title):
            raise ConfigError(f"{art.site_id}/{art.slug}.txt: file name must be the title slug {slugify(art.title)!r}")
        by_site.setdefault(art.site_id, []).append(art)
    for site_id in sorted(sites):
        root = out_dir / site_id
        if root.exists():
            shutil.rmtree(root)  # stale pages of removed articles or sites must not survive a re-render
        if site_id in by_site:
            _render_site(sites[site_id], by_site[site_id], root)
    return sum(len(a) for a in by_site.values())
