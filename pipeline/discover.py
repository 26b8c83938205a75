"""Link discovery: article links and `next` on listing pages, sitemaps, rel=canonical, meta refresh."""
from __future__ import annotations

import re
import zlib
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from pipeline.records import Site
from pipeline.urls import canonical_url, is_allowed, request_url

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemap protocol's limit (uncompressed)
MAX_SITEMAP_URLS = 50_000
_CHROME = frozenset({"nav", "header", "footer"})
_NEXT_WORDS = frozenset(
    {"neste", "nesteside", "next", "nextpage", "eldre", "eldrenyheter", "eldreinnlegg", "visflere", "visfleire"}
)
_PAGER_WORDS = _NEXT_WORDS | {"forrige", "forrigeside", "previous", "prev", "nyere", "forste", "siste", "first", "last"}
_DOC_EXTENSIONS = frozenset({"", "html", "htm", "php", "asp", "aspx", "jsp", "shtml"})
_REFRESH = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:[;,]\s*(?:url\s*=\s*)?(.*))?$", re.I | re.S)


def _parse_html(html: str) -> lxml.html.HtmlElement | None:
    """Parse HTML leniently; None for an empty or unparsable document."""
    if not html or not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except ValueError:  # a str with an XML encoding declaration
        parser = lxml.html.HTMLParser(encoding="utf-8")
        return lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
    except etree.ParserError:
        return None


def _base(doc: lxml.html.HtmlElement, page_url: str) -> str:
    hrefs = doc.xpath("//base/@href")
    try:
        return urljoin(page_url, hrefs[0].strip()) if hrefs else page_url
    except ValueError:
        return page_url


def _words(text: str) -> str:
    """Lower-case letters only ("Neste side »" -> "nesteside")."""
    return "".join(ch for ch in text.lower() if ch.isalpha()).replace("ø", "o")


def _label(a: lxml.html.HtmlElement) -> str:
    return _words(a.text_content() or a.get("aria-label") or a.get("title") or "")


def _rels(el: lxml.html.HtmlElement) -> set[str]:
    return set((el.get("rel") or "").lower().split())


def _next_link(doc: lxml.html.HtmlElement, base: str, site: Site, page: str) -> tuple[str, str] | None:
    """(canonical, as written) of the `next` link: rel="next" first, then a "Neste"-like text."""
    candidates = [el.get("href") for el in doc.xpath("//link[@href] | //a[@href]") if "next" in _rels(el)]
    candidates += [a.get("href") for a in doc.iter("a") if a.get("href") and _label(a) in _NEXT_WORDS]
    for href in candidates:
        try:
            url = canonical_url(href, base=base, site=site)
        except ValueError:
            continue
        if url != page and is_allowed(url, site):
            return url, request_url(urljoin(base, href.strip()))
    return None


def _in_chrome(el: lxml.html.HtmlElement) -> bool:
    return any(anc.tag in _CHROME or anc.get("role") == "navigation" for anc in el.iterancestors())


def _extension(path: str) -> str:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last and not path.endswith("/") else ""


def listing_links(
    html: str, page_url: str, site: Site, *, as_written: bool = False
) -> tuple[list[str], str | None]:
    """Return the article links of a listing page (canonical, allowed, unique) and its `next` URL.

    `page_url` must be the URL the page was actually served at (relative links resolve
    against it). With `as_written` the URLs come back absolute but as the page wrote them
    (fragment and tracking parameters dropped), still one per canonical URL: the form to
    request, since a server may not answer the canonical trailing-slash variant.
    """
    doc = _parse_html(html)
    if doc is None:
        return [], None
    base = _base(doc, page_url)
    page = canonical_url(page_url, site=site)
    listings = {canonical_url(u, site=site) for u in site.news_urls} | {page}
    listing_paths = {urlsplit(u).path for u in listings}
    page_path = urlsplit(page).path
    nxt = _next_link(doc, base, site, page)
    next_url = nxt[0] if nxt else None
    scope = doc.xpath("//main") or [doc]
    links: dict[str, str] = {}
    for root in scope:
        for a in root.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                continue
            if _rels(a) & {"next", "prev", "previous"} or _in_chrome(a):
                continue
            label = _label(a)
            if label in _PAGER_WORDS or (not label and a.text_content().strip().isdigit()):
                continue
            try:
                url = canonical_url(href, base=base, site=site)
            except ValueError:  # a malformed link must not stop the crawl
                continue
            path = urlsplit(url).path
            if url == next_url or url in listings or path in listing_paths or page_path.startswith(path):
                continue
            if _extension(path) not in _DOC_EXTENSIONS or not is_allowed(url, site):
                continue
            links.setdefault(url, request_url(urljoin(base, href)))
    if as_written:
        return list(links.values()), nxt[1] if nxt else None
    return list(links), next_url


def canonical_link(html: str, page_url: str, site: Site | None = None) -> str | None:
    """Return the canonical URL declared by `<link rel="canonical">`, or None."""
    doc = _parse_html(html)
    if doc is None:
        return None
    for link in doc.xpath("//link[@href]"):
        if "canonical" in _rels(link) and link.get("href").strip():
            try:
                return canonical_url(link.get("href"), base=_base(doc, page_url), site=site)
            except ValueError:
                return None
    return None


def meta_refresh(html: str) -> tuple[float, str] | None:
    """Return (delay seconds, target) of a `<meta http-equiv="refresh">` with a URL, or None."""
    doc = _parse_html(html)
    if doc is None:
        return None
    for meta in doc.xpath("//meta[@http-equiv][@content]"):
        if meta.get("http-equiv").strip().lower() != "refresh":
            continue
        match = _REFRESH.match(meta.get("content"))
        target = (match.group(2) or "").strip().strip("'\"").strip() if match else ""
        if match and target:
            return float(match.group(1)), target
    return None


def _gunzip(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(data, limit + 1)
    if len(out) > limit:
        raise ValueError("gzipped sitemap larger than the sitemap limit")
    return out


def parse_sitemap(xml: bytes) -> tuple[str, list[str]]:
    """Return ("urlset" | "sitemapindex" | "invalid", <loc> URLs) of a (possibly gzipped) sitemap."""
    kind, entries = parse_sitemap_entries(xml)
    return kind, [loc for loc, _ in entries]


def parse_sitemap_entries(xml: bytes) -> tuple[str, list[tuple[str, str | None]]]:
    """Like parse_sitemap, with each URL's <lastmod> text (or None)."""
    try:
        if xml[:2] == b"\x1f\x8b":
            xml = _gunzip(xml, MAX_SITEMAP_BYTES)
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True
        )
        root = etree.fromstring(xml[:MAX_SITEMAP_BYTES], parser=parser)
    except (etree.XMLSyntaxError, ValueError, zlib.error):
        return "invalid", []
    if root is None or not isinstance(root.tag, str):
        return "invalid", []
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        return "invalid", []
    urls: dict[str, str | None] = {}
    for loc in root.iter("{*}loc"):
        text = "".join(loc.itertext()).strip()
        if text and len(urls) < MAX_SITEMAP_URLS and text not in urls:
            lastmod = loc.getparent().find("{*}lastmod") if loc.getparent() is not None else None
            urls[text] = lastmod.text.strip() if lastmod is not None and lastmod.text else None
    return kind, list(urls.items())


def sitemap_urls(xml: bytes) -> list[str]:
    """Return the <loc> URLs of a urlset or sitemapindex (entities are never expanded)."""
    return parse_sitemap(xml)[1]
