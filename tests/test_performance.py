"""Correctness of the fast paths (no timings here; those are `make bench`): worker processes give the
single-process results, batched writes the row-by-row rows, pages stream, the ruler is spaCy's, and
`--help` imports nothing heavy."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipeline.parallel import NlpSpec, annotate_pages, worker_count
from pipeline.store import Store, connect, contact_id, split_time

ROOT = Path(__file__).resolve().parent.parent
RULES = NlpSpec(ner_model="", threshold=0.5, prefilter=True)


@pytest.fixture(scope="module")
def stored_pages(sample_run):
    """The article pages the sample run stored, in id order."""
    with connect(sample_run[0].db, read_only=True) as con:
        store = Store(con)
        return list(store.iter_pages(store.ids_to_process("", reprocess=True), chunk=16))


def test_worker_processes_give_the_single_process_results_in_order(stored_pages):
    pages = stored_pages[:40]
    single = list(annotate_pages(pages, RULES, processes=1, chunk=6))
    pooled = list(annotate_pages(pages, RULES, processes=2, chunk=6))  # 7 chunks, 4 in flight
    assert [p.id for p, _, _ in pooled] == [p.id for p in pages]
    assert [(f, c) for _, f, c in pooled] == [(f, c) for _, f, c in single]
    assert sum(f is not None and f.is_outage for _, f, _ in single) >= 5  # outages among them, with times and ents
    assert any(f is not None and f.times and f.mentions for _, f, _ in single)



def test_workers_start_with_the_pipeline_the_forkserver_built():
    """The forkserver builds the pipeline under the key the workers look it up with: a worker's own
    call is a cache hit (one build, in the server), not a second build per worker; the spec the server
    inherits does not look like a PIPELINE_* setting to a worker that reads its settings."""
    script = textwrap.dedent("""
        from concurrent.futures import ProcessPoolExecutor
        from pipeline.parallel import NlpSpec, _start_worker, _worker_context
        spec = NlpSpec("", 0.5, True)
        probe = "tuple(__import__('pipeline.nlp', fromlist=['load_nlp']).load_nlp.cache_info())"
        with ProcessPoolExecutor(1, mp_context=_worker_context(spec), initializer=_start_worker,
                                 initargs=(spec, ("text", False, None))) as pool:
            hits, misses, _, size = pool.submit(eval, probe).result()
            pool.submit(eval, "__import__('pipeline.settings', fromlist=['x']).load_settings()").result()
        print(hits, misses, size)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    hits, misses, size = map(int, proc.stdout.split())
    assert (misses, size) == (1, 1) and hits >= 1


def test_workers_exit_when_the_main_process_is_killed():
    """kill -9 of the main process leaves no worker (nor their forkserver) behind."""
    import os
    import signal
    import time

    script = textwrap.dedent("""
        import os, time
        from concurrent.futures import ProcessPoolExecutor
        from pipeline.parallel import NlpSpec, _start_worker, _worker_context
        spec = NlpSpec("", 0.5, True)
        pool = ProcessPoolExecutor(2, mp_context=_worker_context(spec), initializer=_start_worker,
                                   initargs=(spec, ("text", False, None)))
        pids = {pool.submit(os.getpid).result() for _ in range(20)} | {pool.submit(os.getppid).result()}
        print(*pids, flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, cwd=ROOT)
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) >= 2  # a worker or two and the forkserver, their parent
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"

    deadline = time.monotonic() + 10
    while any(map(alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in pids if alive(pid)]

def test_chunking_does_not_change_the_results(stored_pages):
    pages = stored_pages[:20]
    assert list(annotate_pages(pages, RULES, chunk=1)) == list(annotate_pages(pages, RULES, chunk=64))


@pytest.mark.slow
def test_process_with_two_workers_gives_the_data_of_the_sample_run(sample_run, tmp_path):
    from pipeline.run import execute
    from test_run import snapshot

    settings, _ = sample_run
    db = tmp_path / "workers.duckdb"
    shutil.copy(settings.db, db)
    two = replace(settings, db=str(db), nlp=replace(settings.nlp, processes=2))
    summary = execute(two, "process", [], crawl=False, reprocess=True)
    assert summary["articles_processed"] == summary["articles"] > 60
    assert snapshot(db) == snapshot(settings.db)


def test_worker_count():
    assert worker_count(1, 100_000) == 1
    assert worker_count(3, 10) == 3
    assert worker_count(0, 10) == 1  # not worth starting workers
    assert worker_count(0, 100_000) >= 1


def test_workers_that_cannot_start_fall_back_to_this_process(stored_pages, tmp_path):
    """A script read from stdin cannot be re-imported by the workers: every page is still processed,
    those extracted while the workers started, the chunk in hand when they failed, and the rest."""
    pages = tmp_path / "pages.json"
    pages.write_text(json.dumps([p.__dict__ for p in stored_pages[:12]], default=str), encoding="utf-8")
    script = textwrap.dedent(f"""
        import json
        from pipeline.parallel import NlpSpec, annotate_pages
        from pipeline.records import Page
        pages = [Page(**{{**p, "fetched_at": None}}) for p in json.load(open({str(pages)!r}))]
        out = list(annotate_pages(pages, NlpSpec("", 0.5, True), processes=2, chunk=1))  # 12 chunks, 8 in flight
        print(len(out), sum(f is not None for _, f, _ in out), [p.id for p, _, _ in out] == [p.id for p in pages])
    """)
    proc = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["12", "12", "True"]
    assert "processing in this process" in proc.stderr


# -- batched writes ---------------------------------------------------------------------------------

def save_facts_row_by_row(con, batch, code_version: str, now: datetime) -> None:
    """The former save_facts: executemany, one INSERT OR REPLACE per row (the reference)."""
    articles, mentions, contacts, ids = [], [], [], []
    for facts, page_hash, contract in batch:
        a = facts.article
        ids.append(a.id)
        st, sd = split_time(facts.start)
        et, ed = split_time(facts.end)
        articles.append([
            a.id, a.page_id, page_hash, a.url, a.site_id, a.title, a.text, a.published, a.updated, a.lang,
            facts.is_outage, facts.outage_score, facts.status, st, sd, facts.start_precision, et, ed,
            facts.end_precision, facts.duration_minutes,
            sorted({s.id for s in facts.systems if s.id}), sorted({s.type for s in facts.systems}),
            [t.id for t in facts.trusts], list(facts.signals),
            json.dumps(contract, ensure_ascii=False, sort_keys=True), code_version, now,
        ])
        mentions += [[m.id, a.id, m.label, m.text, m.start_char, m.end_char, m.kb_id, m.value, m.role, m.evidence,
                      m.confidence] for m in facts.mentions]
        contacts += [[contact_id(a.id, c, i), a.id, c.name, c.role, c.org, c.org_id, c.email, c.phone, c.evidence,
                      c.confidence] for i, c in enumerate(facts.contacts)]
    con.execute("BEGIN TRANSACTION")
    if ids:
        marks = ",".join("?" * len(ids))
        con.execute(f"DELETE FROM mentions WHERE article_id IN ({marks})", ids)
        con.execute(f"DELETE FROM contacts WHERE article_id IN ({marks})", ids)
    for table, rows in (("articles", articles), ("mentions", mentions), ("contacts", contacts)):
        if rows:
            con.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({','.join('?' * len(rows[0]))})", rows)
    con.execute("COMMIT")


def _rows(con) -> dict[str, list[tuple]]:
    return {t: con.execute(f"SELECT * EXCLUDE (processed_at) FROM {t} ORDER BY ALL" if t == "articles"
                           else f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("articles", "mentions", "contacts")}


def test_batched_writes_equal_row_by_row_writes(stored_pages, tmp_path):
    from pipeline.nlp.facts import to_contract

    results = [(f, p.content_hash, c) for p, f, c in annotate_pages(stored_pages, RULES) if f is not None]
    assert any(isinstance(f.start, datetime) for f, _, _ in results) and any(f.contacts for f, _, _ in results)
    # a second version of some articles (an upsert must replace them, mentions and contacts included)
    changed = [(replace(f, mentions=f.mentions[:1], contacts=(), is_outage=not f.is_outage), h, c)
               for f, h, c in results[:10]]
    f, h, c = results[10]  # text the writer must carry unchanged: escapes, controls, 40 MB in one row
    odd = "«Sitat» \"og\" \\ æøå\n\tlinje\u2028skille\x1f " + "x" * (40 << 20)
    changed.append((replace(f, article=replace(f.article, text=odd, title="Tittel: \"\u00e5\""), outage_score=0.1), h, c))
    now = datetime(2025, 3, 30, 1, 30, tzinfo=timezone.utc)
    with connect(tmp_path / "batched.duckdb") as batched, connect(tmp_path / "rows.duckdb") as rows:
        store = Store(batched)
        for part in (results[:30], results[30:], changed, results[5:8]):
            store.save_facts(part, "v1")
            save_facts_row_by_row(rows, part, "v1", now)
        store.save_facts([], "v1")
        assert _rows(batched) == _rows(rows)
        assert len(_rows(batched)["articles"]) == len(results)
        assert batched.execute("SELECT text FROM articles WHERE id = ?", [f.article.id]).fetchone()[0] == odd
        assert batched.execute("SELECT count(*) FROM articles WHERE processed_at IS NULL").fetchone()[0] == 0
    assert to_contract(results[0][0]) == results[0][2]



# -- streaming and skipping -------------------------------------------------------------------------

def test_pages_stream_while_the_same_connection_writes(sample_run, tmp_path):
    from pipeline.run import code_version

    db = tmp_path / "stream.duckdb"
    shutil.copy(sample_run[0].db, db)
    version = code_version(sample_run[0].nlp.ner_model)
    with connect(db) as con:
        store = Store(con)
        assert store.ids_to_process(version) == []  # unchanged content and code: nothing to do
        seen = []
        for page in store.iter_pages(store.ids_to_process(version, reprocess=True), chunk=7):
            seen.append(page.id)
            con.execute("UPDATE articles SET code_version = 'old' WHERE page_id = ?", [page.id])  # writes between
        assert seen == sorted(seen) and len(seen) == store.count_pages()
        assert store.ids_to_process(version) == seen  # every page now stale
        assert [p.id for p in store.pages_to_process(version)] == seen


# -- the gazetteer ruler ----------------------------------------------------------------------------

def test_gazetteer_ruler_sets_the_entities_of_spacys_entity_ruler():
    import spacy

    from pipeline.gazetteer import load_gazetteer
    from pipeline.nlp import components, gazetteer_ruler  # noqa: F401
    from pipeline.nlp.patterns import ruler_patterns

    texts = [json.loads(line)["text"] for line in (ROOT / "data/dev/gold.jsonl").read_text(encoding="utf-8").splitlines()]
    texts += [t.upper() for t in texts[:40]] + [t.lower() for t in texts[:40]]

    def ents(name: str, config: dict) -> list[list[tuple]]:
        nlp = spacy.blank("nb")
        nlp.add_pipe("paragraph_sentencizer")
        ruler = nlp.add_pipe(name, config=config)
        ruler.add_patterns(ruler_patterns(load_gazetteer(), lambda t: [w.text for w in nlp.make_doc(t)]))
        return [[(e.start, e.end, e.label_, e.ent_id_) for e in doc.ents] for doc in nlp.pipe(texts)]

    expected = ents("entity_ruler", {"overwrite_ents": False, "validate": False})
    assert ents("gazetteer_ruler", {}) == expected
    assert sum(map(len, expected)) > 1000


@pytest.mark.parametrize("extra", [[], [{"label": "SYSTEM", "pattern": [{"LOWER": {"REGEX": "^dips"}}]}]])
def test_token_patterns_match_as_in_spacys_entity_ruler(extra):
    """Patterns the phrase matchers cannot take run on the token Matcher: only for texts holding their
    first word (any case), or for every text when a pattern does not start with a word."""
    import spacy

    from pipeline.nlp import gazetteer_ruler  # noqa: F401

    patterns = [{"label": "HOSPITAL", "id": "helse-forde", "pattern": [
        {"LOWER": "førde"}, {"LOWER": "sentralsjukehus"}, {"LOWER": "("}, {"LOWER": "fss"}, {"LOWER": {"IN": [")", ")s"]}}]},
        {"label": "TRUST", "pattern": [{"LOWER": "helse"}, {"LOWER": "førde"}]}, *extra]
    texts = ["Ved Førde sentralsjukehus (FSS) stod alt.", "FØRDE SENTRALSJUKEHUS (FSS) OG HELSE FØRDE",
             "Ingen treff her.", "DIPS-feilen ramma Helse Førde.", "førde sentralsjukehus ( fss )s", "DIPS stod."]

    def ents(name: str, config: dict) -> list[list[tuple]]:
        nlp = spacy.blank("nb")
        nlp.add_pipe(name, config=config).add_patterns(patterns)
        return [[(e.start, e.end, e.label_, e.ent_id_) for e in doc.ents] for doc in nlp.pipe(texts)]

    expected = ents("entity_ruler", {"overwrite_ents": False, "validate": False})
    assert ents("gazetteer_ruler", {}) == expected
    assert [len(e) for e in expected] == [1, 2, 0, 1 + bool(extra), 1, int(bool(extra))]


def test_every_outage_is_a_prefilter_candidate_whatever_the_threshold():
    from datetime import date

    from pipeline.extraction import to_article
    from pipeline.nlp import load_nlp

    records = [json.loads(line) for line in (ROOT / "data/dev/gold.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [to_article(r["text"], date.fromisoformat(r["published"]), r["lang"], r.get("url")).text for r in records]
    for threshold in (0.2, 0.5, 0.8):
        nlp = load_nlp("", threshold, True)
        docs = list(nlp.pipe(texts))
        assert all(d._.candidate for d in docs if d._.outage["is_outage"])
        assert any(not d._.candidate for d in docs)


def _dev_texts() -> list[str]:
    from datetime import date

    from pipeline.extraction import to_article

    records = [json.loads(line) for line in (ROOT / "data/dev/gold.jsonl").read_text(encoding="utf-8").splitlines()]
    return [to_article(r["text"], date.fromisoformat(r["published"]), r["lang"], r.get("url")).text for r in records]


def test_paragraph_sentencizer_splits_as_the_token_by_token_rule():
    """The array-based sentencizer gives the sentences of its rule written token by token."""
    import re

    import spacy

    from pipeline.nlp.components import ParagraphSentencizer

    sent_end = re.compile(r"^[.!?:;]+$|^[.!?]+[\"»”’)]*$|^(\d{4}|\d{1,2}[.:]\d{2})\.$")

    def reference(doc):  # the rule, one token at a time
        return [i == 0 or (not t.is_space and ("\n" in doc[i - 1].text or (
            sent_end.match(doc[i - 1].text) is not None and not t.is_punct and not t.is_lower))) for i, t in enumerate(doc)]

    nlp = spacy.blank("nb")
    sentencizer = ParagraphSentencizer()
    texts = _dev_texts() + ["", "\n", "Tittel\n\nPublisert 07.07.2022\nTekst . Mer tekst! «Sitat.» – Ja, sier hun.", "a. b. C"]
    for text in texts:
        doc = sentencizer(nlp.make_doc(text))
        assert [t.is_sent_start for t in doc] == reference(nlp.make_doc(text)), text[:60]
    assert sum(len(list(sentencizer(nlp.make_doc(t)).sents)) for t in texts) > 1000


@pytest.mark.parametrize("text, sentences", [
    ("Systemet kom i 2019. Sykehuset var først ute.", 2),  # a year that swallowed the full stop
    ("Feilen var retta klokka 14.30. Systemet virker.", 2),  # a clock time likewise
    ("Det skjedde 7. juli i fjor.", 1),  # an ordinal day is no sentence end
    ("Det skjedde 7. Juli i fjor.", 1),
])
def test_a_year_or_clock_time_with_the_full_stop_ends_a_sentence(text, sentences):
    import spacy

    from pipeline.nlp.components import ParagraphSentencizer

    assert len(list(ParagraphSentencizer()(spacy.blank("nb").make_doc(text)).sents)) == sentences


def test_cached_doc_views_equal_spacys_own():
    """Text, sentences and a span's sentence, found once per Doc, equal doc.text, doc.sents and span.sent."""
    from pipeline.nlp import load_nlp
    from pipeline.nlp.doc_views import sentence_of, sentences, span_text, text_of

    nlp = load_nlp("", 0.5, True)
    checked = 0
    for doc in nlp.pipe(_dev_texts()):
        assert text_of(doc) == doc.text
        assert [(s.start, s.end) for s in sentences(doc)] == [(s.start, s.end) for s in doc.sents]
        for span in [*doc.ents, *doc.spans.get("signals", [])]:
            assert (sentence_of(span).start, sentence_of(span).end) == (span.sent.start, span.sent.end)
            assert span_text(sentence_of(span)) == span.sent.text
            checked += 1
    assert checked > 1000


def test_page_title_is_the_title_of_trafilaturas_metadata():
    """`extract` reads the title without trafilatura's full metadata pass: the same title on every page."""
    import trafilatura

    from pipeline.extract import from_html

    body = "<p>" + "Journalsystemet var utilgjengelig i to timer torsdag formiddag. " * 8 + "</p>"
    own = [  # pages whose meta tags or JSON-LD name another title than the h1 and <title>
        f'<html><head><title>Sidetittel - UNN</title><meta property="og:title" content="Fra og:title"></head>'
        f'<body><article><h1>Overskrift</h1>{body}</article></body></html>',
        f'<html><head><title>Sidetittel</title><script type="application/ld+json">'
        f'{{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Fra JSON-LD"}}</script></head>'
        f'<body><article><h1>Overskrift</h1>{body}</article></body></html>',
        f"<html><head><title>Bare title-elementet</title></head><body><article>{body}</article></body></html>",
    ]
    pages = [(str(p), p.read_text(encoding="utf-8")) for p in sorted((ROOT / "data/sample-site").rglob("*.html"))]
    pages += [(f"own page {i}", html) for i, html in enumerate(own)]
    titled = 0
    for path, html in pages:
        full = trafilatura.bare_extraction(html, url="https://www.unn.no/nyheter/x/", with_metadata=True,
                                           include_comments=False, include_tables=True, include_links=False,
                                           deduplicate=False)
        article = from_html(html, url="https://www.unn.no/nyheter/x/")
        assert (article is None) == (full is None or not (full.text or "").strip()), path
        if article is not None:
            assert article.title == (full.title or "").strip() or not full.title, path
            titled += bool(full.title)
    assert titled > 80


# -- import cost ------------------------------------------------------------------------------------

HEAVY = ("spacy", "trafilatura", "duckdb", "pandas", "pyarrow", "numpy", "thinc")


@pytest.mark.parametrize("args", [["--help"], ["process", "--help"], ["run", "--help"]])
def test_help_imports_nothing_heavy(args):
    code = textwrap.dedent(f"""
        import sys
        from pipeline.cli import main
        sys.argv = ["pipeline", *{args!r}]
        try:
            main()
        except SystemExit:
            pass
        print("HEAVY", sorted({{m.split(".")[0] for m in sys.modules}} & {set(HEAVY)!r}))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "HEAVY []"
