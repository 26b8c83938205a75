"""Shared fixtures: settings on a temp DuckDB file, the rule-only nlp, a sample-site database."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.gazetteer import load_gazetteer
from pipeline.settings import load_settings

try:  # the fault-injecting HTTP server fixtures
    from conftest_http import *  # noqa: F401,F403
except ImportError:  # pragma: no cover
    pass

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def gaz():
    return load_gazetteer()


@pytest.fixture
def settings(tmp_path):
    return load_settings(env={}, overrides={"db": str(tmp_path / "test.duckdb")})


@pytest.fixture(scope="session")
def rules_nlp():
    """The project's pipeline with rule components only (no trained model needed)."""
    from pipeline.nlp import load_nlp

    return load_nlp("")


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """One full `run` over the bundled sample site into a fresh database: (settings, summary)."""
    from pipeline.run import execute, sample_sites

    db = tmp_path_factory.mktemp("sample") / "incidents.duckdb"
    settings = load_settings(env={}, overrides={"db": str(db)})
    with sample_sites(settings) as sites:
        summary = execute(settings, "run", sites, allow_loopback=True)
    return settings, summary


def dead_site(site_id: str = "unn"):
    """A Site on a 127.0.0.1 port nothing listens on (a site that is down)."""
    import socket

    from pipeline.records import Site

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return Site(id=site_id, name=site_id.upper(), base_url=f"http://127.0.0.1:{port}",
                news_urls=(f"http://127.0.0.1:{port}/nyheter/",), allowed_prefixes=("/nyheter/",))
