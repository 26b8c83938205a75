"""Command line: parses, calls the library, prints, maps errors to exit codes."""
from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from .errors import ConfigError, PipelineError

EXIT_PARTIAL = 4  # some sites could not be crawled; everything else was stored
KILL_AT = "TRACKER_TEST_KILL_AT"  # test hook: STAGE[:N] kills the run with SIGKILL at that checkpoint


def _settings(ctx: click.Context, db: str | None) -> Any:
    from .settings import load_settings

    settings_file = ctx.find_root().params.get("settings_file")
    return load_settings(Path(settings_file) if settings_file else None, overrides={"db": db})


def db_option(f: Callable) -> Callable:
    return click.option("--db", "db", default=None, metavar="PATH",
                        help="DuckDB file (default data/incidents.duckdb).")(f)


def json_option(f: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")(f)


def since_option(f: Callable) -> Callable:
    return click.option("--since", "since", default=None, metavar="YYYY-MM-DD",
                        help="Limit a backfill: stop paging back past articles published before this date.")(f)


def config_option(f: Callable) -> Callable:
    return click.option("--config", "config", default=None, metavar="SITES.toml",
                        help="Sites to crawl (e.g. sites.toml for the real sites); default: the bundled sample site.")(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--settings", "settings_file", default=None, metavar="FILE", help="User settings TOML.")
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Logs on stderr as text, or as one JSON object per line (time, level, logger, message, run_id).")
@click.pass_context
def cli(ctx: click.Context, settings_file: str | None, verbose: bool, log_format: str) -> None:
    """Norwegian hospital IT-outage tracker: crawl, extract, merge, load into DuckDB."""
    from .logs import configure

    ctx.obj = configure(log_format, verbose)  # the run-id filter: _batch stamps the run id on every log line


def _say(message: str, exit_code: int | None = None, level: int = logging.ERROR) -> None:
    """An error or warning line on stderr: plain text, or a JSON log record with --log-format json."""
    from .logs import json_enabled

    if json_enabled():
        logging.getLogger("pipeline.cli").log(level, message, extra={"exit_code": exit_code})
    else:
        click.echo(message, err=True)


def _kill_hook() -> Callable[[str, int], None] | None:
    """Test-only: SIGKILL this process at the checkpoint named in TRACKER_TEST_KILL_AT (e.g. `annotate:30`)."""
    spec = os.environ.get(KILL_AT)
    if not spec:
        return None
    stage, _, count = spec.partition(":")
    at = int(count or 1)

    def checkpoint(name: str, n: int) -> None:
        if name == stage and n >= at:
            os.kill(os.getpid(), signal.SIGKILL)

    return checkpoint


def _progress(enabled: bool) -> Callable[[str, int | None], Callable[[int], None]]:
    from tqdm import tqdm

    bars: list[Any] = []

    def make(stage: str, total: int | None) -> Callable[[int], None]:
        for bar in bars:
            bar.close()
        bar = tqdm(total=total, desc=f"{stage:8}", unit=" pages", disable=not enabled, file=sys.stderr,
                   leave=True, dynamic_ncols=True)
        bars.append(bar)
        return bar.update

    return make


def _resolve_config(config: str) -> Path:
    path = Path(config)
    if not path.exists():
        packaged = Path(__file__).with_name(path.name)
        if path.parent == Path(".") and packaged.exists():
            return packaged
        raise ConfigError(f"sites file {config} does not exist: pass an existing --config or omit it for the sample site")
    return path


def _load_sites(path: Path) -> list[Any]:
    from .sampleserver import load_sites

    return load_sites(path)


def _batch(ctx: click.Context, command: str, db: str | None, config: str | None, as_json: bool, **kw: Any) -> None:
    from .logs import json_enabled
    from .run import execute, new_run_id, sample_sites

    settings = _settings(ctx, db)
    progress = _progress(not as_json and not json_enabled() and sys.stderr.isatty())
    kw["run_id"] = new_run_id()
    if ctx.obj is not None:
        ctx.obj.run_id = kw["run_id"]
    hook = _kill_hook()
    if hook is not None:
        kw["checkpoint"] = hook
    if config is None and kw.get("crawl", True):
        with sample_sites(settings) as sites:
            summary = execute(settings, command, sites, allow_loopback=True, progress=progress, **kw)
    else:
        sites = _load_sites(_resolve_config(config)) if config else []
        summary = execute(settings, command, sites, progress=progress, **kw)
    _print_summary(summary, as_json)
    if summary.get("status") == "partial":
        failed = ", ".join(f"{k} ({v})" for k, v in summary["sites_with_failures"].items())
        _say(f"warning: some pages could not be fetched: {failed}; see `python -m pipeline status` or the "
             f"run_fetches table (run {summary['run_id']}) and re-run later", EXIT_PARTIAL, logging.WARNING)
        sys.exit(EXIT_PARTIAL)


def _print_summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, sort_keys=True, default=str))
        return
    regions = ", ".join(f"{k} {v}" for k, v in summary["incidents_per_region"].items()) or "none"
    median = summary["median_duration_minutes"]
    click.echo(
        f"pages fetched {summary['pages_fetched']} (not modified {summary['pages_not_modified']}, "
        f"not due for a re-check {summary['pages_not_due']}, failed {summary['pages_failed']}, "
        f"without text {summary['pages_without_text']})\n"
        f"articles {summary['articles']} (processed now {summary['articles_processed']}), "
        f"outage articles {summary['outage_articles']}\n"
        f"incidents {summary['incidents']}: {regions}\n"
        f"median duration {'unknown' if median is None else f'{median:.0f} min'}\n"
        f"database {summary['db']}"
    )


@cli.command("run")
@db_option
@config_option
@since_option
@json_option
@click.pass_context
def run_cmd(ctx: click.Context, db: str | None, config: str | None, since: str | None, as_json: bool) -> None:
    """Crawl, extract, annotate, merge and load everything.

    Example: python -m pipeline run --db data/incidents.duckdb
    """
    _batch(ctx, "run", db, config, as_json, since=_parse_date(since, "--since"))


@cli.command("crawl")
@db_option
@config_option
@since_option
@json_option
@click.pass_context
def crawl_cmd(ctx: click.Context, db: str | None, config: str | None, since: str | None, as_json: bool) -> None:
    """Fetch only: store raw HTML of new and changed pages.

    Example: python -m pipeline crawl --config sites.toml --since 2020-01-01
    """
    _batch(ctx, "crawl", db, config, as_json, process=False, since=_parse_date(since, "--since"))


@cli.command("process")
@db_option
@json_option
@click.option("--all", "reprocess", is_flag=True, help="Reprocess every stored page, not only changed ones.")
@click.pass_context
def process_cmd(ctx: click.Context, db: str | None, as_json: bool, reprocess: bool) -> None:
    """Re-extract and re-annotate stored pages without network (after the NLP improved).

    Example: python -m pipeline process --db data/incidents.duckdb
    """
    _batch(ctx, "process", db, None, as_json, crawl=False, reprocess=reprocess)


def _parse_date(value: str | None, option: str = "--published") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} {value!r} is not a date: use YYYY-MM-DD") from None


@cli.command("extract")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--published", default=None, metavar="YYYY-MM-DD", help="Publication date (else read from the text).")
@click.option("--lang", type=click.Choice(["nb", "nn"]), default=None, help="Language of the input.")
@click.option("--url", default=None, help="URL of the article (used for the id and the publishing trust).")
@click.option("--input-jsonl", "input_jsonl", default=None, type=click.Path(dir_okay=False, allow_dash=True),
              help='JSON Lines of {"id", "text" or "html", "published", "lang", "url"}.')
@click.option("--json", "as_json", is_flag=True, help="Accepted for symmetry: output is always JSON.")
def extract_cmd(files: tuple[str, ...], published: str | None, lang: str | None, url: str | None,
                input_jsonl: str | None, as_json: bool) -> None:
    """Print the extracted facts of HTML or plain-text articles as JSON, one object per input.

    Example: python -m pipeline extract article.html --published 2022-07-07
    """
    from .extraction import extract_files, extract_records

    if input_jsonl:
        results = extract_records(input_jsonl)
    else:
        results = extract_files(files or ("-",), _parse_date(published), lang, url)
    for obj in results:
        click.echo(json.dumps(obj, ensure_ascii=False))


@cli.command("eval")
@click.argument("gold", type=click.Path(dir_okay=False))
@json_option
def eval_cmd(gold: str, as_json: bool) -> None:
    """Score `extract` against gold records: per-field precision/recall/F1 and exact-match rates.

    Example: python -m pipeline eval data/dev/gold.jsonl --json
    """
    from .evaluate import evaluate_file, format_scores

    scores = evaluate_file(Path(gold))
    click.echo(json.dumps(scores, ensure_ascii=False) if as_json else format_scores(scores))


@cli.command("build-sample-site")
def build_sample_site_cmd() -> None:
    """Render data/sample-articles/ into the static sample site data/sample-site/.

    Example: python -m pipeline build-sample-site
    """
    from .gazetteer import DATA_DIR
    from .samplesite import build_sample_site

    n = build_sample_site(DATA_DIR / "sample-articles", DATA_DIR / "sample-site", Path(__file__).with_name("sites.toml"))
    click.echo(f"rendered {n} articles into {DATA_DIR / 'sample-site'}")


@cli.command("build-gazetteer")
@click.option("--domain", default="../shared/domain", show_default=True, help="Directory of the domain fact CSVs.")
def build_gazetteer_cmd(domain: str) -> None:
    """Regenerate data/gazetteer/*.csv from the domain fact base.

    Example: python -m pipeline build-gazetteer --domain ../shared/domain
    """
    from .gazetteer import build_gazetteer

    for path in build_gazetteer(Path(domain)):
        click.echo(f"wrote {path}")


@cli.command("train-ner")
@click.option("--norne", default="../shared/norne", show_default=True, help="Directory of the NorNE .iob files.")
@click.option("--out", default="data/models/ner", show_default=True, help="Where to write the trained model.")
@click.option("--work", default="data/scratch/ner", show_default=True, help="Scratch directory (converted data, runs).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a value of pipeline/nlp/ner.cfg, e.g. training.max_steps=2000.")
@click.option("--no-test", is_flag=True, help="Leave the test split unread (runs compared on dev only).")
@click.option("--train-on-dev", is_flag=True,
              help="Add nob-dev to the training data and keep the last step (its dev scores are then not held out).")
@click.option("--train-files", default="nob-train.iob,nno-train.iob", show_default=True,
              help="Comma-separated NorNE training splits.")
@click.option("--members", type=click.IntRange(min=1), default=1, show_default=True,
              help="Train this many models (seeds system.seed, +1, ...) and save them as one majority vote.")
@click.option("--min-votes", type=click.IntRange(min=1), default=None,
              help="Votes an entity needs (default: a majority of --members).")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Members trained at a time, one process each.")
def train_ner_cmd(norne: str, out: str, work: str, overrides: tuple[str, ...], no_test: bool,
                  train_on_dev: bool, train_files: str, members: int, min_votes: int | None, jobs: int) -> None:
    """Train the NER on NorNE (bokmål + nynorsk) from the committed config; writes metrics.json.

    Example: python -m pipeline train-ner --norne ../shared/norne
    """
    from .nlp.training import train_ner

    files = tuple(f.strip() for f in train_files.split(",") if f.strip())
    missing = [f for f in (*files, "nob-dev.iob") if not (Path(norne) / f).is_file()]
    if not files or missing:
        raise ConfigError(f"NorNE files not found in {norne}: {', '.join(missing) or '--train-files is empty'}; "
                          "pass --norne DIR (with nob-train.iob etc.) and existing --train-files")
    parsed: dict[str, Any] = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set {item!r} must be KEY=VALUE")
        try:
            parsed[key] = json.loads(value)
        except json.JSONDecodeError:
            parsed[key] = value
    if min_votes is not None and min_votes > members:
        raise ConfigError(f"--min-votes {min_votes} is more than --members {members}: pass at most {members}")
    metrics = train_ner(Path(norne), Path(out), Path(work), overrides=parsed, score_test=not no_test,
                        train_on_dev=train_on_dev, train_files=files, members=members, min_votes=min_votes,
                        jobs=jobs)
    click.echo(json.dumps({"dev": metrics["dev"], "test": metrics["test"]}, ensure_ascii=False))


@cli.command("ner-eval")
@click.argument("iob", type=click.Path(dir_okay=False))
@click.option("--model", default=None, help="Model directory (default: the configured NER model).")
@json_option
def ner_eval_cmd(iob: str, model: str | None, as_json: bool) -> None:
    """Score the NER model on a NorNE-style IOB file; the last line is the JSON scores.

    Example: python -m pipeline ner-eval ../shared/norne/nob-test.iob
    """
    from .nlp.training import evaluate_iob
    from .settings import load_settings, resolve

    model_dir = Path(model) if model else resolve(load_settings().nlp.ner_model)
    if not (model_dir / "meta.json").exists():
        raise ConfigError(f"no trained model in {model_dir}: run `python -m pipeline train-ner` or pass --model")
    if not Path(iob).is_file():
        raise ConfigError(f"IOB file {iob} does not exist")
    scores = evaluate_iob(model_dir, Path(iob))
    if not as_json:
        click.echo(f"{'label':8} {'P':>6} {'R':>6} {'F1':>6}")
        for label, v in sorted(scores["ents_per_type"].items()):
            click.echo(f"{label:8} {v['p']:6.3f} {v['r']:6.3f} {v['f']:6.3f}")
    click.echo(json.dumps(scores, ensure_ascii=False))


def _region_option(f: Callable) -> Callable:
    return click.option("--region", default=None, metavar="ID",
                        help="Only incidents in this region (a regional health authority id, e.g. helse-nord-rhf).")(f)


@cli.command("export")
@db_option
@click.option("--out", required=True, metavar="DIR", help="Directory to write the dataset into (created if needed).")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv", "jsonl"]), default="parquet", show_default=True,
              help="File format of the tables.")
@click.option("--since", default=None, metavar="YYYY-MM-DD",
              help="Only incidents that started (else were first reported) on or after this date.")
@_region_option
@click.option("--trust", default=None, metavar="ID", help="Only incidents that affected this trust (e.g. unn).")
@click.option("--with-text", is_flag=True,
              help="Include the articles' full text (copyright of the trusts; off by default).")
@json_option
@click.pass_context
def export_cmd(ctx: click.Context, db: str | None, out: str, fmt: str, since: str | None, region: str | None,
               trust: str | None, with_text: bool, as_json: bool) -> None:
    """Write a citable research dataset: one file per table, datapackage.json, README.md, CITATION.cff.

    Example: python -m pipeline export --out dataset/ --format csv --region helse-nord-rhf
    """
    from .export import export_dataset

    result = export_dataset(_settings(ctx, db), out, fmt, _parse_date(since, "--since"), region, trust, with_text)
    if as_json:
        click.echo(json.dumps({"out": str(result.out), "format": result.format, "files": list(result.files),
                               "rows": result.rows, "bytes": result.bytes, "seconds": result.seconds}))
        return
    rows = ", ".join(f"{k} {v}" for k, v in result.rows.items())
    click.echo(f"exported {len(result.rows)} tables ({rows}) as {result.format} to {result.out} "
               f"({result.bytes / 1024:.0f} KiB, {result.seconds:.1f} s); see {result.out / 'README.md'}")


@cli.command("report")
@db_option
@click.option("--out", default="report.html", show_default=True, metavar="FILE", help="HTML file to write.")
@click.option("--title", default="IT outages at Norwegian hospitals", show_default=True, help="Title of the page.")
@click.pass_context
def report_cmd(ctx: click.Context, db: str | None, out: str, title: str) -> None:
    """Write one static HTML page: headline figures, charts and the incident list with links.

    Example: python -m pipeline report --out report.html
    """
    from .report import write_report

    info = write_report(_settings(ctx, db).db, out, title)
    click.echo(f"wrote {info['out']} ({info['incidents']} incidents, {info['bytes'] / 1024:.0f} KiB)")


@cli.command("status")
@db_option
@json_option
@click.option("--runs", default=10, show_default=True, type=click.IntRange(1, 1000), help="How many runs to show.")
@click.pass_context
def status_cmd(ctx: click.Context, db: str | None, as_json: bool, runs: int) -> None:
    """Show the last runs, per-site fetch failures and how fresh the data is.

    Example: python -m pipeline status --db data/incidents.duckdb --json
    """
    from .status import database_status, format_status
    from .store import connect

    path = _settings(ctx, db).db
    with connect(path, read_only=True) as con:
        status = database_status(con, path, runs)
    iso = lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)  # noqa: E731
    click.echo(json.dumps(status, ensure_ascii=False, default=iso) if as_json else format_status(status))


def main() -> None:
    """Entry point: run the CLI and turn library errors into one-line messages."""
    try:
        cli.main(standalone_mode=False, prog_name="python -m pipeline")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        _say("aborted", 130)
        sys.exit(130)
    except PipelineError as exc:
        _say(f"error: {exc}", exc.exit_code)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _say("interrupted: re-run the same command to continue where it stopped", 130)
        sys.exit(130)
