"""crawl() end to end against real servers on 127.0.0.1, and the sample-site server."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from conftest_http import FaultServer, fault_server, html_page, listing_page, make_fetcher  # noqa: F401
from pipeline.crawl import crawl
from pipeline.errors import ConfigError
from pipeline.fetch import Fetcher
from pipeline.records import FetchResult, Site
from pipeline.sampleserver import load_sites, serve_sample_site

MakeFetcher = Callable[..., Fetcher]


class Store:
    """What run.py keeps between crawls: validators of stored articles."""

    def __init__(self) -> None:
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.threads: set[str] = set()

    def known(self, url: str) -> tuple[str | None, str | None] | None:
        self.threads.add(threading.current_thread().name)
        return self.validators.get(url)

    def run(self, sites: list[Site], fetcher: Fetcher, **kw) -> list[FetchResult]:
        results = list(crawl(sites, fetcher, self.known, min_interval=kw.pop("min_interval", 0.0), **kw))
        for r in results:
            if r.kind == "article" and r.outcome in ("ok", "not-modified"):
                self.validators[r.url] = (r.etag, r.last_modified)
        return results


def outcomes(results: list[FetchResult], kind: str | None = None) -> dict[str, str]:
    return {r.url: r.outcome for r in results if kind is None or r.kind == kind}


def small_site(srv: FaultServer, n: int = 4) -> list[str]:
    """/nyheter/ (2 articles) -> /nyheter/side/2/ (2 more); returns the article URLs."""
    arts = [srv.add(f"/nyheter/sak-{i}/", html_page(f"Sak {i}")) for i in range(n)]
    srv.add("/nyheter/", listing_page([f"/nyheter/sak-{i}/" for i in range(2)], "/nyheter/side/2/"))
    srv.add("/nyheter/side/2/", listing_page([f"/nyheter/sak-{i}/" for i in range(2, n)]))
    srv.robots = "User-agent: *\nDisallow: /admin/\n"
    return arts


def test_full_crawl_fetches_robots_listings_and_each_article_once(
    fault_server: FaultServer, make_fetcher: MakeFetcher
) -> None:
    arts = small_site(fault_server)
    store = Store()
    results = store.run([fault_server.site()], make_fetcher())
    assert results[0].kind == "robots" and results[0].outcome == "ok"
    assert [r.kind for r in results].count("listing") == 2
    assert outcomes(results, "article") == {a: "ok" for a in arts}
    assert all(fault_server.hits[f"/nyheter/sak-{i}/"] == 1 for i in range(4))
    assert fault_server.hits["/robots.txt"] == 1
    assert store.threads == {threading.current_thread().name}  # known() runs on the consuming thread


def test_second_crawl_revalidates_with_304_and_stops_at_first_known_listing_page(
    fault_server: FaultServer, make_fetcher: MakeFetcher
) -> None:
    small_site(fault_server)
    store, fetcher = Store(), make_fetcher()
    store.run([fault_server.site()], fetcher)
    second = store.run([fault_server.site()], fetcher)
    assert [r.url for r in second if r.kind == "listing"] == [fault_server.url("/nyheter/")]
    assert set(outcomes(second, "article").values()) == {"not-modified"}
    assert len(outcomes(second, "article")) == 2  # the articles linked from the first listing page


def test_page_changed_between_crawls_is_fetched_again(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    small_site(fault_server)
    store, fetcher = Store(), make_fetcher()
    store.run([fault_server.site()], fetcher)
    fault_server.add("/nyheter/sak-0/", html_page("Sak 0 – oppdatert kl. 14.18"))
    second = {r.url: r for r in store.run([fault_server.site()], fetcher) if r.kind == "article"}
    changed = second[fault_server.url("/nyheter/sak-0/")]
    assert changed.outcome == "ok" and "oppdatert kl. 14.18" in changed.text
    assert second[fault_server.url("/nyheter/sak-1/")].outcome == "not-modified"


def test_robots_disallow_blocks_paths_without_requesting_them(
    fault_server: FaultServer, make_fetcher: MakeFetcher
) -> None:
    small_site(fault_server)
    fault_server.robots = "User-agent: *\nDisallow: /nyheter/sak-1/\n"
    results = Store().run([fault_server.site()], make_fetcher())
    assert outcomes(results, "article")[fault_server.url("/nyheter/sak-1/")] == "robots-disallowed"
    assert fault_server.hits["/nyheter/sak-1/"] == 0
    assert outcomes(results, "article")[fault_server.url("/nyheter/sak-2/")] == "ok"


def test_robots_5xx_disallows_everything(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    small_site(fault_server)
    fault_server.robots = 500
    results = Store().run([fault_server.site()], make_fetcher(retries=0))
    assert [(r.kind, r.outcome) for r in results] == [("robots", "http-error"), ("listing", "robots-disallowed")]
    assert set(fault_server.hits) == {"/robots.txt"}


def test_robots_404_allows_everything(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    arts = small_site(fault_server)
    fault_server.robots = None
    results = Store().run([fault_server.site()], make_fetcher())
    assert results[0].outcome == "gone"
    assert outcomes(results, "article") == {a: "ok" for a in arts}


def test_endless_next_trap_with_the_same_links_stops_after_one_page_without_news(
    fault_server: FaultServer, make_fetcher: MakeFetcher
) -> None:
    for i in range(1, 100):
        fault_server.add(f"/felle/{i}/", listing_page(["/nyheter/a/", "/nyheter/b/"], f"/felle/{i + 1}/", "Neste side"))
    fault_server.add("/nyheter/a/", html_page("A"))
    fault_server.add("/nyheter/b/", html_page("B"))
    results = Store().run([fault_server.site(news_urls=(fault_server.url("/felle/1/"),))], make_fetcher())
    listings = [r.url for r in results if r.kind == "listing"]
    assert listings == [fault_server.url("/felle/1/"), fault_server.url("/felle/2/")]


def test_endless_next_trap_with_fresh_links_is_capped(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    for i in range(1, 100):
        fault_server.add(f"/felle/{i}/", listing_page([f"/nyheter/{i}/"], f"/felle/{i + 1}/"))
    site = fault_server.site(news_urls=(fault_server.url("/felle/1/"),))
    results = Store().run([site], make_fetcher(), max_listing_pages=5)
    assert sum(r.kind == "listing" for r in results) == 5
    assert sum(r.kind == "article" for r in results) == 5


def test_next_pointing_back_is_not_refetched(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    fault_server.add("/nyheter/", listing_page(["/nyheter/a/"], "/nyheter/side/2/"))
    fault_server.add("/nyheter/side/2/", listing_page(["/nyheter/b/"], "/nyheter/?utm_source=loop"))
    Store().run([fault_server.site()], make_fetcher())
    assert fault_server.hits["/nyheter/"] == 1 and fault_server.hits["/nyheter/side/2/"] == 1


def test_tracking_and_slash_variants_are_fetched_once(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    fault_server.add("/nyheter/", listing_page([
        "/nyheter/a/?utm_source=facebook", "/nyheter/a/#kommentarer", "/nyheter/a", "/nyheter/a/?fbclid=9",
    ]))
    fault_server.add("/nyheter/side-2/", listing_page(["/nyheter/a/?gclid=1"]))
    fault_server.add("/nyheter/a/", html_page("A"))
    results = Store().run([fault_server.site(news_urls=(fault_server.url("/nyheter/"),
                                                        fault_server.url("/nyheter/side-2/")))], make_fetcher())
    assert [r.url for r in results if r.kind == "article"] == [fault_server.url("/nyheter/a/")]
    assert fault_server.hits["/nyheter/a/"] == 1


def test_links_are_requested_as_written_and_resolved_against_the_served_url(
    fault_server: FaultServer, make_fetcher: MakeFetcher
) -> None:
    """A server without trailing slashes (like OUS) gets the form its pages link to."""
    links = ["bortfall-av-nodnett", "/om-oss/nyheter/stroembrudd?utm_source=x"]
    fault_server.add("/om-oss/nyheter", listing_page(links))
    fault_server.add("/om-oss/bortfall-av-nodnett", html_page("Nødnett"))
    fault_server.add("/om-oss/nyheter/stroembrudd", html_page("Strømbrudd"))
    site = fault_server.site(news_urls=(fault_server.url("/om-oss/nyheter"),))
    results = Store().run([site], make_fetcher())
    assert outcomes(results, "article") == {
        fault_server.url("/om-oss/bortfall-av-nodnett/"): "ok",
        fault_server.url("/om-oss/nyheter/stroembrudd/"): "ok",
    }


def test_rel_canonical_to_fetched_page_is_duplicate(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    original = fault_server.add("/nyheter/a/", html_page("A"))
    head = f'<link rel="canonical" href="{original}">'
    copy = fault_server.add("/nyheter/kopi-av-a/", html_page("A", head=head))
    fault_server.add("/nyheter/", listing_page(["/nyheter/a/", "/nyheter/kopi-av-a/"]))
    results = {r.url: r for r in Store().run([fault_server.site()], make_fetcher()) if r.kind == "article"}
    assert results[original].outcome == "ok"
    assert (results[copy].outcome, results[copy].duplicate_of, results[copy].body) == ("duplicate", original, None)


def test_sitemap_from_robots_adds_unlisted_articles(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    small_site(fault_server)
    hidden = fault_server.add("/nyheter/bare-i-sitemap/", html_page("Skjult"))
    fault_server.robots = f"User-agent: *\nAllow: /\nSitemap: {fault_server.url('/sitemap.xml')}\n"
    fault_server.add("/sitemap.xml", (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f'<url><loc>{hidden}</loc></url><url><loc>{fault_server.url("/nyheter/sak-0/")}</loc></url>'
        f'<url><loc>{fault_server.url("/om-oss/")}</loc></url><url><loc>https://www.example.org/x/</loc></url>'
        '</urlset>').encode(), content_type="application/xml")
    site = fault_server.site(allowed_prefixes=("/nyheter/",))
    results = Store().run([site], make_fetcher())
    assert [r.outcome for r in results if r.kind == "sitemap"] == ["ok"]
    assert outcomes(results, "article")[hidden] == "ok"
    assert fault_server.hits["/om-oss/"] == 0 and fault_server.hits["/nyheter/sak-0/"] == 1


def test_per_host_interval_and_hosts_in_parallel(make_fetcher: MakeFetcher) -> None:
    servers = [FaultServer(), FaultServer()]
    for srv in servers:
        srv.thread.start()
        small_site(srv)
    try:
        started = time.monotonic()
        results = Store().run([s.site(id=f"s{i}") for i, s in enumerate(servers)], make_fetcher(), min_interval=0.08)
        elapsed = time.monotonic() - started
        for srv in servers:
            gaps = [b - a for a, b in zip(srv.stamps, srv.stamps[1:])]
            assert len(srv.stamps) == 7 and min(gaps) >= 0.06  # robots + 2 listings + 4 articles; server-side jitter
        assert elapsed < 0.8 < 2 * 6 * 0.08  # the two hosts overlapped (one after the other: >= 0.96 s)
        assert {r.site_id for r in results} == {"s0", "s1"}
    finally:
        for srv in servers:
            srv.shutdown()
            srv.server_close()


def test_closing_the_generator_stops_the_workers(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    small_site(fault_server)
    gen = crawl([fault_server.site()], make_fetcher(), lambda url: None, min_interval=0.05)
    first = next(gen)
    gen.close()
    time.sleep(0.3)
    assert first.kind == "robots" and len(fault_server.requests) <= 3


def test_known_errors_propagate_to_the_caller(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    small_site(fault_server)

    def broken(url: str) -> None:
        raise RuntimeError("database is locked")

    with pytest.raises(RuntimeError, match="database is locked"):
        list(crawl([fault_server.site()], make_fetcher(), broken, min_interval=0.0))


SITES_TOML = """
[sites.testsykehuset]
name = "Testsykehuset HF"
base_url = "https://www.testsykehuset.no"
news_urls = ["https://www.testsykehuset.no/nyheter/"]
allowed_prefixes = ["/nyheter/"]
lang = "nb"

[sites.uten-mappe]
name = "Uten mappe"
base_url = "https://uten-mappe.no"
news_urls = ["https://uten-mappe.no/nyheter/"]
"""


def write_sample(root: Path) -> Path:
    site = root / "sample" / "testsykehuset"
    pages = {
        "nyheter/index.html": listing_page(["/nyheter/dips-nede/", "https://testsykehuset.no/nyheter/nett-nede"],
                                          "/nyheter/side/2/"),
        "nyheter/side/2/index.html": listing_page(["/nyheter/eldre-sak/"]),
        "nyheter/dips-nede/index.html": html_page("DIPS nede"),
        "nyheter/nett-nede/index.html": html_page("Nett nede"),
        "nyheter/eldre-sak/index.html": html_page("Eldre sak"),
        "robots.txt": b"User-agent: *\nDisallow: /admin/\nSitemap: https://www.testsykehuset.no/sitemap.xml\n",
        "sitemap.xml": b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
                       b"<loc>https://www.testsykehuset.no/nyheter/dips-nede/</loc></url></urlset>",
    }
    for rel, body in pages.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(body)
    toml = root / "sites.toml"
    toml.write_text(SITES_TOML, encoding="utf-8")
    return toml


def test_sample_server_crawl_twice_gives_304s(tmp_path: Path, make_fetcher: MakeFetcher) -> None:
    toml = write_sample(tmp_path)
    store, fetcher = Store(), make_fetcher()
    with serve_sample_site(tmp_path / "sample", toml, rate_per_s=50) as sites:
        assert [s.id for s in sites] == ["testsykehuset"]
        assert sites[0].mirror.startswith("http://127.0.0.1:") and sites[0].rate_per_s == 50
        first = store.run(sites, fetcher, min_interval=None)
        second = store.run(sites, fetcher, min_interval=None)
    assert {r.kind: r.outcome for r in first if r.kind != "article"} == \
        {"robots": "ok", "listing": "ok", "sitemap": "ok"}
    assert outcomes(first, "article") == {
        "https://www.testsykehuset.no/nyheter/dips-nede/": "ok",
        "https://www.testsykehuset.no/nyheter/nett-nede/": "ok",
        "https://www.testsykehuset.no/nyheter/eldre-sak/": "ok",
    }
    assert set(outcomes(second, "article").values()) == {"not-modified"}
    assert sum(r.kind == "listing" for r in second) == 1


def test_load_sites_rejects_unknown_keys(tmp_path: Path) -> None:
    toml = tmp_path / "sites.toml"
    toml.write_text(SITES_TOML + 'news_url = "https://uten-mappe.no/x/"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key 'news_url' in \[sites.uten-mappe\] in .*sites.toml"):
        load_sites(toml)
    toml.write_text(SITES_TOML.replace('lang = "nb"', "lang = 1"), encoding="utf-8")
    with pytest.raises(ConfigError, match="'lang'"):
        load_sites(toml)


def test_load_sites_reads_the_project_sites_toml() -> None:
    path = Path(__file__).resolve().parent.parent / "pipeline" / "sites.toml"
    sites = load_sites(path)
    assert sites and all(s.news_urls and s.base_url.startswith("https://") for s in sites)


def test_sample_server_paths_conditional_requests_and_traversal(tmp_path: Path) -> None:
    toml = write_sample(tmp_path)
    (tmp_path / "sample" / "hemmelig.txt").write_text("utenfor nettstedet")
    with serve_sample_site(tmp_path / "sample", toml) as sites, httpx.Client(trust_env=False) as client:
        base = sites[0].mirror
        with_slash, without = client.get(base + "/nyheter/dips-nede/"), client.get(base + "/nyheter/dips-nede")
        assert with_slash.status_code == without.status_code == 200 and with_slash.content == without.content
        assert with_slash.headers["content-type"] == "text/html; charset=utf-8"
        etag, modified = with_slash.headers["etag"], with_slash.headers["last-modified"]
        assert client.get(base + "/nyheter/dips-nede/", headers={"If-None-Match": etag}).status_code == 304
        assert client.get(base + "/nyheter/dips-nede/", headers={"If-Modified-Since": modified}).status_code == 304
        assert client.get(base + "/robots.txt").text.startswith("User-agent: *")
        assert client.get(base + "/sitemap.xml").headers["content-type"] == "application/xml"
        assert client.get(base + "/finnes-ikke/").status_code == 404
        assert client.get(base + "/../hemmelig.txt").status_code == 404
        assert client.get(base + "/%2e%2e/hemmelig.txt").status_code == 404
    with pytest.raises(httpx.ConnectError):
        httpx.get(base + "/nyheter/", trust_env=False)  # shut down on exit
