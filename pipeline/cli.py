"""Command line: parses, calls the library, prints, maps errors to exit codes."""
from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from .errors import ConfigError, PipelineError

EXIT_PARTIAL = 4  # some sites could not be crawled; everything else was stored


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
def cli(settings_file: str | None, verbose: bool) -> None:
    """Norwegian hospital IT-outage tracker: crawl, extract, merge, load into DuckDB."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")


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
    from .run import execute, sample_sites

    settings = _settings(ctx, db)
    progress = _progress(not as_json and sys.stderr.isatty())
    if config is None and kw.get("crawl", True):
        with sample_sites(settings) as sites:
            summary = execute(settings, command, sites, allow_loopback=True, progress=progress, **kw)
    else:
        sites = _load_sites(_resolve_config(config)) if config else []
        summary = execute(settings, command, sites, progress=progress, **kw)
    _print_summary(summary, as_json)
    if summary.get("status") == "partial":
        failed = ", ".join(f"{k} ({v})" for k, v in summary["sites_with_failures"].items())
        click.echo(f"warning: some pages could not be fetched: {failed}; see the run_fetches table "
                   f"(run {summary['run_id']}) and re-run later", err=True)
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
@click.option("--work", default="data/work/ner", show_default=True, help="Scratch directory (converted data, runs).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a value of pipeline/nlp/ner.cfg, e.g. training.max_steps=2000.")
def train_ner_cmd(norne: str, out: str, work: str, overrides: tuple[str, ...]) -> None:
    """Train the NER on NorNE (bokmål + nynorsk) from the committed config; writes metrics.json.

    Example: python -m pipeline train-ner --norne ../shared/norne
    """
    from .nlp.training import train_ner

    if not (Path(norne) / "nob-train.iob").is_file():
        raise ConfigError(f"NorNE files not found in {norne}: pass --norne DIR with nob-train.iob etc.")
    parsed: dict[str, Any] = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set {item!r} must be KEY=VALUE")
        try:
            parsed[key] = json.loads(value)
        except json.JSONDecodeError:
            parsed[key] = value
    metrics = train_ner(Path(norne), Path(out), Path(work), overrides=parsed)
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
        click.echo("aborted", err=True)
        sys.exit(130)
    except PipelineError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted: re-run the same command to continue where it stopped", err=True)
        sys.exit(130)
