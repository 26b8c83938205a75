"""The bundled sample site: sources, rendering, crawl structure and the real sites.toml."""
from __future__ import annotations

import csv
import re
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.samplesite import SampleArticle, build_sample_site, iter_sample_articles, slugify

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "data" / "sample-articles"
SITE = ROOT / "data" / "sample-site"
SITES_TOML = ROOT / "pipeline" / "sites.toml"
GAZETTEER = ROOT / "data" / "gazetteer"
REQUIRED_KEYS = {"name", "base_url", "news_urls", "allowed_prefixes", "lang"}
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$")


@pytest.fixture(scope="module")
def articles() -> list[SampleArticle]:
    return list(iter_sample_articles(SRC))


@pytest.fixture(scope="module")
def sites() -> dict[str, dict]:
    return tomllib.loads(SITES_TOML.read_text(encoding="utf-8"))["sites"]


def _csv_column(name: str, column: str) -> set[str]:
    with (GAZETTEER / name).open(encoding="utf-8", newline="") as fh:
        return {row[column] for row in csv.DictReader(fh)}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _stored(site_id: str, url_path: str) -> Path:
    inner = url_path.strip("/")
    return SITE / site_id / inner / "index.html" if inner else SITE / site_id / "index.html"


def test_render_is_byte_identical_to_committed_site(tmp_path: Path) -> None:
    count = build_sample_site(SRC, tmp_path, SITES_TOML)
    assert count == len(list(SRC.glob("*/*.txt")))
    rendered, committed = _files(tmp_path), _files(SITE)
    assert sorted(rendered) == sorted(committed), "re-render data/sample-site/ with build_sample_site"
    changed = [name for name in rendered if rendered[name] != committed[name]]
    assert not changed, f"stale rendered files: {changed[:5]}"


def test_render_is_deterministic(tmp_path: Path) -> None:
    build_sample_site(SRC, tmp_path / "a", SITES_TOML)
    build_sample_site(SRC, tmp_path / "b", SITES_TOML)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_counts(articles: list[SampleArticle]) -> None:
    assert len(articles) >= 60
    assert len({a.site_id for a in articles}) >= 8
    assert sum(a.gold_is_outage for a in articles) >= 30
    assert sum(not a.gold_is_outage for a in articles) >= 20
    assert {a.lang for a in articles} == {"nb", "nn"}
    per_incident = Counter(a.gold_incident for a in articles if a.gold_incident)
    assert sum(1 for n in per_incident.values() if n >= 2) >= 5


def test_flagship_sectra_article(articles: list[SampleArticle]) -> None:
    by_key = {(a.site_id, a.slug): a for a in articles}
    flagship = by_key[("helse-nord-rhf", "problemer-med-rontgensystemene-i-helse-nord")]
    assert (flagship.gold_start, flagship.gold_end) == ("2022-07-07T08:00", "2022-07-08T11:15")
    assert str(flagship.published) == "2022-07-07" and str(flagship.updated) == "2022-07-13"
    assert flagship.body.count("telefon:") == 2 and "Kontaktpersoner for media:" in flagship.body
    assert sum(a.gold_incident == flagship.gold_incident for a in articles) >= 3


def test_headers_follow_gold_conventions(articles: list[SampleArticle]) -> None:
    trust_ids = _csv_column("trusts.csv", "id")
    types = _csv_column("systems.csv", "type")
    for a in articles:
        where = f"{a.site_id}/{a.slug}"
        assert a.slug == slugify(a.title), where
        assert a.lang in {"nb", "nn"}, where
        assert set(a.gold_trusts) <= trust_ids, where
        assert set(a.gold_system_types) <= types, where
        for value in (a.gold_start, a.gold_end):
            assert value is None or TIME.match(value), where
        if a.gold_is_outage:
            assert a.gold_incident and a.gold_trusts and a.gold_system_types, where
        else:
            assert not (a.gold_incident or a.gold_start or a.gold_end or a.gold_trusts), where
        assert a.updated is None or a.updated >= a.published, where


def test_contacts_use_invented_addresses(articles: list[SampleArticle]) -> None:
    for a in articles:
        for email in re.findall(r"[\w.+-]+@[\w.-]+", a.body):
            assert email.endswith((".example", "@example.no")), f"{a.site_id}/{a.slug}: {email}"


def test_site_folders_are_sites_toml_keys(sites: dict[str, dict]) -> None:
    for folder in (SRC, SITE):
        assert {p.name for p in folder.iterdir() if p.is_dir()} <= set(sites)


def test_listing_pages_link_to_rendered_articles(articles: list[SampleArticle], sites: dict[str, dict]) -> None:
    for site_id in {a.site_id for a in articles}:
        listing = urlsplit(sites[site_id]["news_urls"][0]).path
        seen: set[str] = set()
        page: str | None = listing
        while page:
            html = _stored(site_id, page).read_text(encoding="utf-8")
            assert f'<link rel="canonical" href="{sites[site_id]["base_url"]}{page}">' in html
            news_list = html.split('<ul class="news-list">', 1)[1].split("</ul>", 1)[0]
            links = re.findall(r'<li><a href="([^"]+)">', news_list)
            assert 0 < len(links) <= 10
            for href in links:
                assert href.startswith(listing) and _stored(site_id, href).is_file(), href
            seen.update(links)
            nxt = re.search(r'<a rel="next" href="([^"]+)">Neste side</a>', html)
            page = nxt.group(1) if nxt else None
        assert len(seen) == sum(a.site_id == site_id for a in articles)


def test_robots_and_sitemaps(articles: list[SampleArticle], sites: dict[str, dict]) -> None:
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    for site_id in {a.site_id for a in articles}:
        base = sites[site_id]["base_url"]
        robots = (SITE / site_id / "robots.txt").read_text(encoding="utf-8")
        assert "User-agent: *" in robots and f"Sitemap: {base}/sitemap.xml" in robots
        tree = ET.parse(SITE / site_id / "sitemap.xml")
        locs = [el.text or "" for el in tree.getroot().findall("sm:url/sm:loc", ns)]
        assert len(locs) == sum(a.site_id == site_id for a in articles)
        for loc in locs:
            assert loc.startswith(base + "/")
            page = _stored(site_id, urlsplit(loc).path)
            assert f'<link rel="canonical" href="{loc}">' in page.read_text(encoding="utf-8")


def test_article_page_shape(articles: list[SampleArticle]) -> None:
    for path in sorted(SITE.glob("*/**/index.html")):
        html = path.read_text(encoding="utf-8")
        if "<article>" not in html:
            continue
        assert re.search(r'<html lang="n[bn]">', html)
        assert "Vi anbefaler at du alltid bruker siste versjon av nettleseren din." in html
        assert re.search(r"<p>Publisert \d{2}\.\d{2}\.\d{4}</p>", html)
        assert "<h1>" in html and "Sentralbord:" in html


def test_sites_toml_entries(sites: dict[str, dict]) -> None:
    for site_id, entry in sites.items():
        assert REQUIRED_KEYS <= set(entry), site_id
        assert entry["base_url"].startswith("https://") and not entry["base_url"].endswith("/")
        assert entry["lang"] in {"nb", "nn"}
        for url in entry["news_urls"]:
            assert url.startswith(entry["base_url"] + "/"), site_id
            assert any(urlsplit(url).path.startswith(p) for p in entry["allowed_prefixes"]), site_id


def test_sites_toml_covers_every_trust(sites: dict[str, dict]) -> None:
    # Every trust of trusts.csv has a website on (or like) FNSP with a news listing.
    assert _csv_column("trusts.csv", "id") <= set(sites)
    with (GAZETTEER / "trusts.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["news_url"]:
                assert row["news_url"] in sites[row["id"]]["news_urls"]
