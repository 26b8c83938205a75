"""Train and evaluate the NorNE named-entity recogniser (spaCy ``ner``, config in ner.cfg)."""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = Path(__file__).with_name("ner.cfg")
DEFAULT_NORNE_DIR = REPO_ROOT.parent / "shared" / "norne"
DEFAULT_MODEL_DIR = REPO_ROOT / "data" / "models" / "ner"
DEFAULT_WORK_DIR = REPO_ROOT / "data" / "scratch" / "ner"

LABELS = ("PER", "ORG", "LOC", "GPE_LOC", "GPE_ORG", "PROD", "EVT", "DRV")
DROPPED_LABELS = ("MISC",)
TRAIN_FILES = ("nob-train.iob", "nno-train.iob")
DEV_FILE = "nob-dev.iob"
TEST_FILE = "nob-test.iob"

_NO_SPACE_BEFORE = frozenset(".,:;!?)]}%»”’…")
_NO_SPACE_AFTER = frozenset("([{«“‘")


def read_iob(path: Path) -> Iterator[list[tuple[str, str]]]:
    """Yield sentences from a ``FORM<TAB>TAG`` file as lists of (word, tag) pairs."""
    sentence: list[tuple[str, str]] = []
    with Path(path).open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            line = line.rstrip("\n\r")
            if not line.strip():
                if sentence:
                    yield sentence
                sentence = []
                continue
            word, sep, tag = line.rpartition("\t")
            if not sep or not word:
                raise ValueError(f"{path}:{lineno}: expected FORM<TAB>TAG, got {line!r}")
            sentence.append((word, tag.strip() or "O"))
    if sentence:
        yield sentence


def guess_spaces(words: list[str]) -> list[bool]:
    """Guess the trailing-whitespace flags of pre-tokenised words from punctuation."""
    spaces = []
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        spaces.append(
            nxt is not None and word not in _NO_SPACE_AFTER and nxt not in _NO_SPACE_BEFORE
        )
    return spaces


def _spans_from_tags(tags: list[str], counts: Counter) -> list[tuple[int, int, str]]:
    """Turn IOB2 tags into (start, end, label) spans, repairing I- without B- (counted)."""
    spans: list[tuple[int, int, str]] = []
    start, label = None, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, tag_label = tag.partition("-")
        if prefix not in ("B", "I", "O") or (prefix != "O" and not tag_label):
            counts["bad_tags"] += 1
            prefix, tag_label = "O", ""
        continues = prefix == "I" and tag_label == label
        if start is not None and not continues:
            spans.append((start, i, label))
            start, label = None, None
        if prefix == "B" or (prefix == "I" and not continues):
            if prefix == "I":
                counts["orphan_inside"] += 1
            start, label = i, tag_label
    return spans


def convert_iob(path: Path, nlp: Language) -> tuple[DocBin, dict]:
    """Convert a NorNE IOB file into a DocBin of gold docs plus counts of what was kept/dropped."""
    counts: Counter = Counter()
    kept: Counter = Counter()
    dropped: Counter = Counter()
    docbin = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    for sentence in read_iob(path):
        words = [word for word, _ in sentence]
        doc = Doc(nlp.vocab, words=words, spaces=guess_spaces(words))
        ents = []
        for start, end, label in _spans_from_tags([tag for _, tag in sentence], counts):
            if label in LABELS:
                ents.append(Span(doc, start, end, label=label))
                kept[label] += 1
            else:
                dropped[label] += 1
        doc.set_ents(ents, default="outside")
        docbin.add(doc)
        counts["sentences"] += 1
        counts["tokens"] += len(words)
    stats = {
        "file": Path(path).name,
        "sentences": counts["sentences"],
        "tokens": counts["tokens"],
        "spans": sum(kept.values()),
        "dropped": sum(dropped.values()),
        "orphan_inside": counts["orphan_inside"],
        "bad_tags": counts["bad_tags"],
        "spans_per_label": dict(sorted(kept.items())),
        "dropped_per_label": dict(sorted(dropped.items())),
    }
    if stats["dropped"] or stats["orphan_inside"] or stats["bad_tags"]:
        log.info(
            "%s: dropped %d spans %s, repaired %d I- without B-, %d bad tags",
            stats["file"], stats["dropped"], stats["dropped_per_label"],
            stats["orphan_inside"], stats["bad_tags"],
        )
    return docbin, stats


def _convert_many(paths: list[Path], nlp: Language, out: Path) -> dict:
    """Convert several IOB files into one .spacy file and return merged counts."""
    merged = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    per_file = []
    for path in paths:
        docbin, stats = convert_iob(path, nlp)
        merged.merge(docbin)
        per_file.append(stats)
    out.parent.mkdir(parents=True, exist_ok=True)
    merged.to_disk(out)
    total = {key: sum(s[key] for s in per_file)
             for key in ("sentences", "tokens", "spans", "dropped", "orphan_inside", "bad_tags")}
    log.info("wrote %s: %s", out, total)
    return {**total, "files": per_file}


def _scores(raw: dict) -> dict:
    """Reduce spaCy scorer output to ents_f/p/r and per-type p/r/f for all trained labels."""
    per_type = raw.get("ents_per_type") or {}
    result = {key: float(raw.get(key) or 0.0) for key in ("ents_f", "ents_p", "ents_r")}
    result["ents_per_type"] = {
        label: {k: float((per_type.get(label) or {}).get(k) or 0.0) for k in ("p", "r", "f")}
        for label in LABELS
    }
    return result


def evaluate_iob(model_dir: Path, iob_path: Path) -> dict:
    """Score a trained pipeline on a NorNE IOB file (gold tokenisation, MISC mapped to O)."""
    nlp = spacy.load(model_dir)
    docbin, _ = convert_iob(iob_path, nlp)
    examples = []
    for gold in docbin.get_docs(nlp.vocab):
        spaces = [bool(token.whitespace_) for token in gold]
        examples.append(Example(Doc(nlp.vocab, words=[t.text for t in gold], spaces=spaces), gold))
    return _scores(nlp.evaluate(examples))


def _best_dev_score(run_dir: Path) -> float | None:
    """Read the dev ents_f that spaCy stored in model-best's meta.json."""
    meta = json.loads((run_dir / "model-best" / "meta.json").read_text(encoding="utf-8"))
    return (meta.get("performance") or {}).get("ents_f")


def _forget_data_paths(config_path: Path) -> None:
    """Blank the scratch-data paths spaCy records in the saved config (machine paths, not model facts)."""
    lines = config_path.read_text(encoding="utf-8").splitlines()
    cleaned = [f"{line.split('=')[0].strip()} = null" if line.startswith(("train = ", "dev = ")) else line
               for line in lines]
    config_path.write_text("\n".join(cleaned) + "\n", encoding="utf-8")


def _write_readme(out_dir: Path, metrics: dict) -> None:
    """Describe how the model was trained (the scores are in metrics.json)."""
    files = [f["file"] for f in metrics.get("data", {}).get("train", {}).get("files", [])] or list(TRAIN_FILES)
    chosen = ("the last step (trained on dev too: its dev scores are not held-out)"
              if metrics.get("trained_on_dev") else f"the best step on {DEV_FILE}")
    lines = [
        "# NorNE named-entity recogniser",
        "",
        f"Trained by `pipeline/nlp/training.py` from `{metrics['config']}` with overrides "
        f"{metrics['overrides'] or '{}'} on {', '.join(files)} (NorNE; MISC dropped), "
        f"model of {chosen}. Scores: metrics.json.",
        "",
    ]
    (out_dir / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def train_ner(
    norne_dir: Path,
    out_dir: Path,
    work_dir: Path,
    config: Path = DEFAULT_CONFIG,
    overrides: dict | None = None,
    score_test: bool = True,
    train_on_dev: bool = False,
    train_files: tuple[str, ...] = TRAIN_FILES,
) -> dict:
    """Convert NorNE, train ``config``, copy model-best to out_dir and write its metrics.json.

    ``score_test=False`` leaves the test set unread (for screening runs: select on dev only).
    ``train_files`` names the NorNE training splits (default bokmål and nynorsk).
    ``train_on_dev=True`` adds nob-dev to the training data and keeps model-last (a fixed step
    count chosen on dev beforehand): its dev scores are then not held-out and mean nothing.
    """
    from spacy.cli.train import train as spacy_train

    norne_dir, out_dir, work_dir = Path(norne_dir), Path(out_dir), Path(work_dir)
    missing = [n for n in (*train_files, DEV_FILE, TEST_FILE) if not (norne_dir / n).is_file()]
    if missing:
        raise FileNotFoundError(f"NorNE files missing in {norne_dir}: {missing}")
    nlp = spacy.blank("nb")
    train_path, dev_path = work_dir / "train.spacy", work_dir / "dev.spacy"
    data = {
        "train": _convert_many([norne_dir / n for n in (*train_files, *((DEV_FILE,) if train_on_dev else ()))],
                               nlp, train_path),
        "dev": _convert_many([norne_dir / DEV_FILE], nlp, dev_path),
    }
    run_dir = work_dir / "run"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    all_overrides = {"paths.train": str(train_path), "paths.dev": str(dev_path)}
    all_overrides.update(overrides or {})
    log.info("training %s with overrides %s", config, all_overrides)
    started = time.monotonic()
    spacy_train(Path(config), output_path=run_dir, use_gpu=-1, overrides=all_overrides)
    seconds = round(time.monotonic() - started, 1)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    shutil.copytree(run_dir / ("model-last" if train_on_dev else "model-best"), out_dir)
    _forget_data_paths(out_dir / "config.cfg")
    metrics = {
        "config": Path(config).name,
        "overrides": dict(overrides or {}),
        "training_seconds": seconds,
        "model_bytes": sum(f.stat().st_size for f in out_dir.rglob("*") if f.is_file()),
        "best_dev_ents_f_during_training": None if train_on_dev else _best_dev_score(run_dir),
        "trained_on_dev": train_on_dev,
        "labels": list(LABELS),
        "dropped_labels": list(DROPPED_LABELS),
        "data": data,
        "eval_files": {"dev": DEV_FILE, "test": TEST_FILE, "tokens": "gold (NorNE) tokens"},
        "dev": evaluate_iob(out_dir, norne_dir / DEV_FILE),
        "test": evaluate_iob(out_dir, norne_dir / TEST_FILE) if score_test else None,
        "spacy_version": spacy.__version__,
    }
    text = json.dumps(metrics, indent=2, ensure_ascii=False) + "\n"
    (out_dir / "metrics.json").write_text(text, encoding="utf-8")
    _write_readme(out_dir, metrics)
    log.info("nob-dev ents_f %.4f (test scores in metrics.json)", metrics["dev"]["ents_f"])
    return metrics


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m pipeline.nlp.training [--norne DIR] [--out DIR] [--work DIR]``."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--norne", type=Path, default=DEFAULT_NORNE_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK_DIR)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config override, e.g. training.max_steps=100 (value parsed as JSON)")
    parser.add_argument("--no-test", action="store_true", help="do not score the test set (screening)")
    parser.add_argument("--train-files", default=",".join(TRAIN_FILES),
                        help="comma-separated NorNE training splits (default: %(default)s)")
    parser.add_argument("--train-on-dev", action="store_true",
                        help="add nob-dev to the training data, keep model-last (dev scores not held-out)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    train_ner(args.norne, args.out, args.work, args.config, overrides,
              score_test=not args.no_test, train_on_dev=args.train_on_dev,
              train_files=tuple(f.strip() for f in args.train_files.split(",") if f.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
