"""Canonical URLs, ids, site membership, mirror mapping, robots.txt rules and link discovery."""
from __future__ import annotations

import pytest

from pipeline.discover import canonical_link, listing_links, meta_refresh, parse_sitemap, sitemap_urls
from pipeline.records import FetchResult, Site
from pipeline.robots import parse_robots, rules_from_result
from pipeline.urls import (
    canonical_url,
    from_fetch_url,
    is_allowed,
    registrable_domain,
    site_for_url,
    to_fetch_url,
    url_id,
)

NORD = Site(
    id="helse-nord-rhf", name="Helse Nord RHF", base_url="https://www.helse-nord.no",
    news_urls=("https://www.helse-nord.no/nyheter/",), allowed_prefixes=("/nyheter/", "/fresk/nyheter-fresk/"),
)
OUS = Site(
    id="ous", name="OUS", base_url="https://oslo-universitetssykehus.no",
    news_urls=("https://oslo-universitetssykehus.no/om-oss/nyheter/",), allowed_prefixes=("/om-oss/nyheter/",),
)
UA = "OutageTracker/0.1 (+https://example.invalid/bot)"


@pytest.mark.parametrize("variant", [
    "https://www.helse-nord.no/nyheter/problemer-med-rontgen/",
    "https://www.helse-nord.no/nyheter/problemer-med-rontgen",
    "https://helse-nord.no/nyheter/problemer-med-rontgen",
    "http://WWW.Helse-Nord.no:80/nyheter/problemer-med-rontgen/#toppen",
    "https://www.helse-nord.no/nyheter/problemer-med-rontgen/?utm_source=x&utm_medium=y&fbclid=1&gclid=2",
    "https://www.helse-nord.no:443/nyheter/./problemer-med-rontgen/?ref=forside&_ga=3&mc_cid=4&mc_eid=5",
])
def test_url_variants_share_one_canonical_form_and_id(variant: str) -> None:
    expected = "https://www.helse-nord.no/nyheter/problemer-med-rontgen/"
    assert canonical_url(variant, site=NORD) == expected
    assert url_id(canonical_url(variant, site=NORD)) == url_id(expected)
    assert len(url_id(expected)) == 16


def test_canonical_keeps_bare_host_of_a_bare_site_and_files_without_slash() -> None:
    assert canonical_url("https://www.oslo-universitetssykehus.no/om-oss/nyheter/bortfall", site=OUS) == \
        "https://oslo-universitetssykehus.no/om-oss/nyheter/bortfall/"
    assert canonical_url("https://www.helse-nord.no/sitemap.xml/") == "https://www.helse-nord.no/sitemap.xml"
    assert canonical_url("https://www.helse-nord.no") == "https://www.helse-nord.no/"


def test_canonical_sorts_query_resolves_relative_and_escapes_norwegian_letters() -> None:
    url = canonical_url("../nyheter/røntgen-nede?b=2&a=1&utm_campaign=z", base="https://www.helse-nord.no/fresk/x/")
    assert url == "https://www.helse-nord.no/fresk/nyheter/r%C3%B8ntgen-nede/?a=1&b=2"
    assert canonical_url(url) == url  # idempotent
    assert canonical_url("https://www.helse-nord.no/nyheter/r%c3%b8ntgen-nede") == \
        "https://www.helse-nord.no/nyheter/r%C3%B8ntgen-nede/"


def test_is_allowed_and_site_for_url() -> None:
    assert is_allowed("https://helse-nord.no/nyheter/x/", NORD)
    assert is_allowed("https://www.helse-nord.no/fresk/nyheter-fresk/y", NORD)
    assert not is_allowed("https://www.helse-nord.no/om-oss/", NORD)
    assert not is_allowed("https://www.unn.no/nyheter/x/", NORD)
    assert not is_allowed("ftp://www.helse-nord.no/nyheter/x/", NORD)
    assert site_for_url("https://helse-nord.no/nyheter/x", [OUS, NORD]) is NORD
    assert site_for_url("https://www.example.org/nyheter/x", [OUS, NORD]) is None


def test_mirror_mapping_round_trips() -> None:
    site = Site(**{**NORD.__dict__, "mirror": "http://127.0.0.1:8123"})
    assert to_fetch_url("https://helse-nord.no/nyheter/x/?a=1", site) == "http://127.0.0.1:8123/nyheter/x/?a=1"
    assert from_fetch_url("http://127.0.0.1:8123/nyheter/x/", site) == "https://www.helse-nord.no/nyheter/x/"
    assert to_fetch_url("https://www.unn.no/nyheter/x/", site) is None  # a mirrored crawl never leaves the mirror
    assert canonical_url("http://127.0.0.1:8123/nyheter/x", site=site) == "https://www.helse-nord.no/nyheter/x/"
    assert to_fetch_url("https://www.unn.no/x", NORD) == "https://www.unn.no/x"


def test_registrable_domain() -> None:
    assert registrable_domain("www.helse-nord.no") == "helse-nord.no"
    assert registrable_domain("helse-nord.no") == "helse-nord.no"
    assert registrable_domain("a.b.example.co.uk") == "example.co.uk"
    assert registrable_domain("127.0.0.1") == "127.0.0.1"


ROBOTS = """
# comment
User-agent: *
Disallow: /

User-agent: OutageTracker
User-agent: other-bot
Disallow: /nyheter/privat/
Allow: /nyheter/privat/offentlig$
Disallow: /*.pdf$
Disallow: /sok?
Allow: /nyheter/
Crawl-delay: 2

Sitemap: https://www.helse-nord.no/sitemap.xml
"""


@pytest.mark.parametrize("path,allowed", [
    ("/nyheter/", True),
    ("/nyheter/privat/x", False),
    ("/nyheter/privat/offentlig", True),
    ("/nyheter/privat/offentlig/mer", False),
    ("/dokumenter/rapport.pdf", False),
    ("/dokumenter/rapport.pdf?x=1", True),
    ("/nyheter/rapport.pdf", True),  # "/nyheter/" (9 octets) is longer than "/*.pdf$" (7)
    ("/sok?q=dips", False),
    ("/om-oss/", True),  # our group has no rule for it; the '*' group is not combined with ours
    ("/robots.txt", True),
])
def test_robots_longest_match_for_our_group(path: str, allowed: bool) -> None:
    rules = parse_robots(ROBOTS, UA)
    assert rules.allowed("https://www.helse-nord.no" + path) is allowed
    assert rules.sitemaps == ("https://www.helse-nord.no/sitemap.xml",)
    assert rules.crawl_delay == 2


def test_robots_star_group_and_ties_prefer_allow() -> None:
    rules = parse_robots("User-agent: *\nDisallow: /a\nAllow: /a\nDisallow: /b/\nDisallow:\n", "SomeBot/1")
    assert rules.allowed("http://x.no/a")
    assert not rules.allowed("http://x.no/b/c")
    assert rules.allowed("http://x.no/c")
    assert parse_robots("User-agent: *\nDisallow: /\n", UA).allowed("http://x.no/robots.txt")


@pytest.mark.parametrize("status,outcome,allowed", [
    (200, "ok", False), (404, "gone", True), (403, "http-error", True),
    (500, "http-error", False), (503, "http-error", False), (429, "http-error", False), (None, "timeout", False),
])
def test_robots_status_rules(status: int | None, outcome: str, allowed: bool) -> None:
    result = FetchResult(url="http://x.no/robots.txt", site_id="x", status=status, outcome=outcome,
                         text="User-agent: *\nDisallow: /\n" if status == 200 else None)
    assert rules_from_result(result, UA).allowed("http://x.no/nyheter/") is allowed


def test_listing_links_skip_navigation_pagination_and_duplicates() -> None:
    html = """<html><head><link rel="next" href="/nyheter/side/2/"></head><body>
    <header><nav><a href="/nyheter/brann/">Meny-lenke</a></nav></header>
    <main><ul>
      <li><a href="/nyheter/dips-nede/?utm_source=fb">DIPS nede</a></li>
      <li><a href="https://helse-nord.no/nyheter/dips-nede#kommentarer">DIPS nede igjen</a></li>
      <li><a href="nettverk-ustabilt">Nettverk</a></li>
      <li><a href="/nyheter/rapport.pdf">Rapport (PDF)</a></li>
      <li><a href="https://www.unn.no/nyheter/x/">UNN</a></li>
      <li><a href="/om-oss/">Om oss</a></li>
      <li><a href="mailto:presse@helse-nord.no">Presse</a></li>
    </ul>
    <nav><a href="/nyheter/side/2/">2</a></nav>
    <a href="/nyheter/">Nyheter</a> <a href="/nyheter/side/2/">Neste side</a> <a href="/nyheter/side/9/">9</a>
    </main><footer><a href="/nyheter/personvern/">Personvern</a></footer></body></html>"""
    links, nxt = listing_links(html, "https://www.helse-nord.no/nyheter/", NORD)
    assert links == ["https://www.helse-nord.no/nyheter/dips-nede/",
                     "https://www.helse-nord.no/nyheter/nettverk-ustabilt/"]
    assert nxt == "https://www.helse-nord.no/nyheter/side/2/"


def test_next_link_by_text_neste() -> None:
    html = '<main><a href="/nyheter/a/">A</a><a href="?side=2">Neste »</a></main>'
    links, nxt = listing_links(html, "https://www.helse-nord.no/nyheter/", NORD)
    assert links == ["https://www.helse-nord.no/nyheter/a/"]
    assert nxt == "https://www.helse-nord.no/nyheter/?side=2"
    assert listing_links("", "https://www.helse-nord.no/nyheter/", NORD) == ([], None)


def test_canonical_link_and_meta_refresh() -> None:
    html = ('<html><head><link rel="canonical" href="/nyheter/a">'
            '<meta http-equiv="refresh" content="0; url=/ny/"></head></html>')
    assert canonical_link(html, "https://helse-nord.no/nyheter/b/", NORD) == "https://www.helse-nord.no/nyheter/a/"
    assert canonical_link("<p>ingen</p>", "https://www.helse-nord.no/") is None
    assert meta_refresh(html) == (0.0, "/ny/")
    assert meta_refresh('<meta http-equiv="refresh" content="30">') is None


def test_sitemap_urlset_and_index() -> None:
    urlset = b"""<?xml version="1.0" encoding="UTF-8"?>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc> https://www.helse-nord.no/nyheter/a/ </loc><lastmod>2024-01-01</lastmod></url>
      <url><loc>https://www.helse-nord.no/nyheter/b/</loc></url>
    </urlset>"""
    assert sitemap_urls(urlset) == ["https://www.helse-nord.no/nyheter/a/", "https://www.helse-nord.no/nyheter/b/"]
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://www.helse-nord.no/sitemap-1.xml</loc></sitemap></sitemapindex>"""
    assert parse_sitemap(index) == ("sitemapindex", ["https://www.helse-nord.no/sitemap-1.xml"])
    assert parse_sitemap(b"not xml at all") == ("invalid", [])


def test_sitemap_entity_bomb_is_not_expanded() -> None:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY l0 "lol">{lol}]>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&l9;</loc></url>'
            '<url><loc>https://www.helse-nord.no/nyheter/ok/</loc></url></urlset>').encode()
    kind, urls = parse_sitemap(bomb)  # libxml2 stops at the amplification limit; nothing expands
    assert kind in ("urlset", "invalid")
    assert all(len(u) < 1000 for u in urls)


def test_sitemap_external_entity_is_not_read(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&x;</loc></url></urlset>').encode()
    assert not any("TOPSECRET" in u for u in sitemap_urls(xxe))


def test_malformed_links_are_skipped_not_fatal() -> None:
    html = '<main><a href="http://[::1/x">Feil</a><a href="https://www.helse-nord.no:99999/nyheter/x">Port</a>' \
           '<a href="/nyheter/ok/">OK</a><a href="javascript:void(0)">JS</a></main>'
    links = listing_links(html, "https://www.helse-nord.no/nyheter/", NORD)
    assert links == (["https://www.helse-nord.no/nyheter/ok/"], None)
    with pytest.raises(ValueError):
        canonical_url("http://[::1/x")
    assert canonical_url("mailto:presse@helse-nord.no#x") == "mailto:presse@helse-nord.no"
