"""Fetcher against a real fault-injecting server on 127.0.0.1: one test per behaviour."""
from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from conftest_http import NORWEGIAN, FaultServer, fault_server, html_page, make_fetcher  # noqa: F401
from pipeline.fetch import Fetcher, decode_body
from pipeline.records import Site

MakeFetcher = Callable[..., Fetcher]


def test_ok_page(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    url = fault_server.add("/nyheter/dips-nede/", html_page(NORWEGIAN))
    result = make_fetcher().fetch(url + "?utm_source=x&fbclid=y#top", fault_server.site())
    assert (result.outcome, result.status) == ("ok", 200)
    assert NORWEGIAN in result.text
    assert result.url == url and result.final_url == url and result.kind == "article"
    assert result.etag and result.last_modified and result.fetched_at.tzinfo is not None
    path, headers = fault_server.requests[-1]
    assert headers["User-Agent"].startswith("OutageTrackerTest/") and path == "/nyheter/dips-nede/"


def test_gzip_encoded_page_is_decoded(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    result = make_fetcher().fetch(fault_server.url("/fault/gzipped"), fault_server.site())
    assert result.outcome == "ok" and NORWEGIAN in result.text


def test_5xx_then_success_is_retried(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    result = make_fetcher(retries=2).fetch(fault_server.url("/fault/flaky/2/x"), fault_server.site())
    assert (result.outcome, result.status, result.attempts) == ("ok", 200, 3)


def test_persistent_5xx_is_http_error_after_retries(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    result = make_fetcher(retries=1).fetch(fault_server.url("/fault/status/500"), fault_server.site())
    assert (result.outcome, result.status, result.attempts) == ("http-error", 500, 2)


def test_429_honours_retry_after_capped(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    sleeps: list[float] = []
    fetcher = make_fetcher(retry_after_cap=0.05, sleep=sleeps.append)
    result = fetcher.fetch(fault_server.url("/fault/ratelimit"), fault_server.site())
    assert (result.outcome, result.status) == ("ok", 200)
    assert sleeps == [0.05]  # Retry-After: 1, capped


def test_backoff_is_exponential_with_jitter(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    sleeps: list[float] = []
    fetcher = make_fetcher(retries=3, backoff_base=0.01, sleep=sleeps.append)
    fetcher.fetch(fault_server.url("/fault/status/503"), fault_server.site())
    assert len(sleeps) == 3
    for n, slept in enumerate(sleeps):
        assert 0.01 * 2**n / 2 <= slept <= 0.01 * 2**n


def test_404_and_410_are_gone(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher()
    assert fetcher.fetch(fault_server.url("/finnes-ikke/"), fault_server.site()).outcome == "gone"
    result = fetcher.fetch(fault_server.url("/fault/status/410"), fault_server.site())
    assert (result.outcome, result.status, result.attempts) == ("gone", 410, 1)
    assert fetcher.fetch(fault_server.url("/fault/status/403"), fault_server.site()).outcome == "http-error"


def test_slow_drip_past_read_timeout_is_timeout(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    started = time.monotonic()
    result = make_fetcher(read_timeout=0.2, retries=0).fetch(fault_server.url("/fault/drip?gap=1"), fault_server.site())
    assert result.outcome == "timeout" and result.body is None
    assert time.monotonic() - started < 2


def test_drip_faster_than_read_timeout_hits_total_timeout(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher(read_timeout=0.5, total_timeout=0.4, retries=0)
    result = fetcher.fetch(fault_server.url("/fault/drip?gap=0.05"), fault_server.site())
    assert result.outcome == "timeout" and "after" in result.error


def test_truncated_body(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    result = make_fetcher(retries=1).fetch(fault_server.url("/fault/truncated"), fault_server.site())
    assert (result.outcome, result.attempts) == ("truncated", 2)
    assert result.body is None


def test_connection_reset(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    result = make_fetcher(retries=1).fetch(fault_server.url("/fault/reset"), fault_server.site())
    assert (result.outcome, result.status, result.attempts) == ("connection-error", None, 2)


def test_connection_refused_port(make_fetcher: MakeFetcher) -> None:
    site = Site(id="t", name="t", base_url="http://127.0.0.1:9", news_urls=())
    result = make_fetcher(retries=0).fetch("http://127.0.0.1:9/", site)
    assert result.outcome == "connection-error"


def test_redirect_loop(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    result = make_fetcher().fetch(fault_server.url("/fault/loop/a"), fault_server.site())
    assert result.outcome == "redirect-loop"
    assert fault_server.hits["/fault/loop/a"] == 1 and fault_server.hits["/fault/loop/b"] == 1


def test_too_many_redirects(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    result = make_fetcher(max_redirects=3).fetch(fault_server.url("/fault/chain/0"), fault_server.site())
    assert result.outcome == "too-many-redirects"
    assert sum(n for p, n in fault_server.hits.items() if p.startswith("/fault/chain/")) == 4


def test_same_host_redirect_is_followed(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    target = fault_server.add("/nyheter/ny-adresse/", html_page("Flyttet"))
    result = make_fetcher().fetch(fault_server.url("/fault/redirect?to=/nyheter/ny-adresse/"), fault_server.site())
    assert result.outcome == "ok" and result.final_url == target and result.attempts == 2


@pytest.mark.parametrize("target", [
    "https://www.example.org/",  # another registrable domain
    "http://127.0.0.2:{port}/nyheter/",  # another loopback address
    "http://10.0.0.1/intranett/",  # a private address
    "http://127.0.0.1:9/annen-port/",  # same IP, another port = another service
])
def test_redirect_off_site_is_refused_before_connecting(
    fault_server: FaultServer, make_fetcher: MakeFetcher, target: str
) -> None:
    resolved: list[str] = []
    fetcher = make_fetcher(resolve=lambda host, port: resolved.append(host) or [])
    result = fetcher.fetch(fault_server.url("/fault/redirect?to=" + target.format(port=fault_server.port)),
                           fault_server.site())
    assert (result.outcome, result.status) == ("refused-host", None)
    assert resolved == []  # not even a DNS lookup


def test_scheme_is_refused(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher()
    assert fetcher.fetch("ftp://127.0.0.1/x", fault_server.site()).outcome == "refused-scheme"
    result = fetcher.fetch(fault_server.url("/fault/redirect?to=file:///etc/passwd"), fault_server.site())
    assert result.outcome == "refused-scheme"


def test_host_outside_site_is_refused(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    result = make_fetcher().fetch("https://www.example.org/nyheter/", fault_server.site())
    assert result.outcome == "refused-host"


def test_loopback_refused_without_allow_loopback(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    result = make_fetcher(allow_loopback=False).fetch(fault_server.url("/x/"), fault_server.site())
    assert result.outcome == "refused-address"
    assert fault_server.requests == []


def test_name_resolving_to_private_address_is_refused(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    """A same-domain redirect to a host that resolves to 10.0.0.1 is refused before connecting."""
    names = {"sykehus.test": ["127.0.0.1"], "intranett.sykehus.test": ["10.0.0.1"]}
    fetcher = make_fetcher(resolve=lambda host, port: names[host])
    site = Site(id="t", name="t", base_url=f"http://sykehus.test:{fault_server.port}", news_urls=())
    fault_server.add("/nyheter/a/", html_page("Via navn"))
    ok = fetcher.fetch(f"http://sykehus.test:{fault_server.port}/nyheter/a/", site)
    assert ok.outcome == "ok" and "Via navn" in ok.text  # connected to the checked IP, Host header kept
    assert fault_server.requests[-1][1]["Host"] == f"sykehus.test:{fault_server.port}"
    to = "http://intranett.sykehus.test/"
    result = fetcher.fetch(f"http://sykehus.test:{fault_server.port}/fault/redirect?to={to}", site)
    assert (result.outcome, result.status) == ("refused-address", None)


def test_meta_refresh_is_followed_like_a_redirect(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    target = fault_server.add("/nyheter/maal/", html_page("Målet"))
    result = make_fetcher().fetch(fault_server.url("/fault/refresh?to=/nyheter/maal/"), fault_server.site())
    assert result.outcome == "ok" and result.final_url == target and "Målet" in result.text
    off = make_fetcher().fetch(fault_server.url("/fault/refresh?to=http://10.0.0.1/"), fault_server.site())
    assert off.outcome == "refused-host"


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate"])
def test_decompression_bomb(fault_server: FaultServer, make_fetcher: MakeFetcher, encoding: str) -> None:
    result = make_fetcher(max_decompressed_bytes=1_000_000).fetch(
        fault_server.url(f"/fault/bomb/{encoding}"), fault_server.site())
    assert result.outcome == "decompression-bomb" and result.body is None


@pytest.mark.parametrize("query", ["", "?chunked=1"])
def test_oversized_page(fault_server: FaultServer, make_fetcher: MakeFetcher, query: str) -> None:
    result = make_fetcher(max_bytes=1_000_000).fetch(fault_server.url("/fault/big" + query), fault_server.site())
    assert result.outcome == "too-large" and result.body is None


@pytest.mark.parametrize("case", [
    "latin1-unlabelled", "cp1252-as-utf8", "cp1252-meta", "latin1-label-cp1252", "utf8-as-latin1",
])
def test_norwegian_letters_survive_wrong_or_missing_charset(
    fault_server: FaultServer, make_fetcher: MakeFetcher, case: str
) -> None:
    result = make_fetcher().fetch(fault_server.url(f"/fault/charset/{case}"), fault_server.site())
    assert result.outcome == "ok"
    assert "Blåbærsyltetøy på Ålesund sjukehus" in result.text
    assert "Ã" not in result.text and "\ufffd" not in result.text
    if case != "latin1-unlabelled":
        assert "“sitat”" in result.text


def test_decode_body_rules() -> None:
    assert decode_body("æøå".encode("utf-8"), None) == "æøå"
    assert decode_body("æøå".encode("cp1252"), None) == "æøå"
    assert decode_body(b'<meta charset="iso-8859-1">' + "æøå".encode("latin-1"), "text/html") .endswith("æøå")
    assert decode_body("\ufeffæøå".encode("utf-8"), "text/html; charset=iso-8859-1") == "æøå"


def test_conditional_get_etag_gives_not_modified(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    url = fault_server.add("/nyheter/a/", html_page("A"))
    fetcher, site = make_fetcher(), fault_server.site()
    first = fetcher.fetch(url, site)
    second = fetcher.fetch(url, site, etag=first.etag, last_modified=first.last_modified)
    assert (second.outcome, second.status, second.body, second.etag) == ("not-modified", 304, None, first.etag)
    assert fault_server.requests[-1][1]["If-None-Match"] == first.etag


def test_conditional_get_last_modified_gives_not_modified(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    url = fault_server.add("/nyheter/b/", html_page("B"), etag=False)
    fetcher, site = make_fetcher(), fault_server.site()
    first = fetcher.fetch(url, site)
    assert first.etag is None and first.last_modified
    second = fetcher.fetch(url, site, last_modified=first.last_modified)
    assert (second.outcome, second.status, second.last_modified) == ("not-modified", 304, first.last_modified)


def test_changed_page_is_fetched_again(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    url = fault_server.add("/nyheter/c/", html_page("Versjon 1"))
    fetcher, site = make_fetcher(), fault_server.site()
    first = fetcher.fetch(url, site)
    fault_server.add("/nyheter/c/", html_page("Versjon 2"))
    second = fetcher.fetch(url, site, etag=first.etag, last_modified=first.last_modified)
    assert second.outcome == "ok" and "Versjon 2" in second.text and second.etag != first.etag


def test_robots_predicate_refuses_without_request(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    result = make_fetcher().fetch(fault_server.url("/privat/x/"), fault_server.site(), allowed=lambda url: False)
    assert (result.outcome, result.attempts) == ("robots-disallowed", 0)
    assert fault_server.requests == []


def test_mirror_fetch_reports_public_urls(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    fault_server.add("/nyheter/speil/", html_page("Speil"))
    site = Site(id="hn", name="Helse Nord", base_url="https://www.helse-nord.no",
                news_urls=("https://www.helse-nord.no/nyheter/",), mirror=fault_server.base)
    result = make_fetcher().fetch("https://helse-nord.no/nyheter/speil/", site)
    assert result.outcome == "ok" and result.url == "https://www.helse-nord.no/nyheter/speil/"
    assert result.final_url == "https://helse-nord.no/nyheter/speil/"  # as requested; `url` is canonical
    off = make_fetcher().fetch(fault_server.url("/fault/redirect?to=https://www.unn.no/"), site)
    assert off.outcome == "refused-host"


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999/x", "https://"])
def test_malformed_urls_are_results_not_exceptions(
    fault_server: FaultServer, make_fetcher: MakeFetcher, url: str
) -> None:
    result = make_fetcher().fetch(url, fault_server.site())
    assert result.outcome == "refused-host" and result.status is None


def test_malformed_redirect_target(fault_server: FaultServer, make_fetcher: MakeFetcher) -> None:
    result = make_fetcher().fetch(fault_server.url("/fault/redirect?to=http://[::1/x"), fault_server.site())
    assert result.outcome == "refused-host" and "Invalid URL" in result.error
