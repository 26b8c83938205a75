"""Train and evaluate the NorNE named-entity recogniser (spaCy ``ner``, config in ner.cfg)."""

from __future__ import annotations

import hashlib
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

from .ner_vote import majority  # importing it registers the factory a voting model needs

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = Path(__file__).with_name("ner.cfg")
# how the members of a vote differ besides their seed: ner.cfg overrides, member i gets entry i % len
MEMBER_OVERRIDES = Path(__file__).with_name("ner_members.json")
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


def assemble_vote(member_dirs: list[Path], out_dir: Path, min_votes: int | None = None) -> Path:
    """Save the NER models in `member_dirs` (same config, other seeds) as one voting "ner" pipeline.

    The members keep their weights; `min_votes` defaults to a majority.
    """
    member_dirs = [Path(d) for d in member_dirs]
    nlp = spacy.load(member_dirs[0])
    model_config = nlp.config.interpolate()["components"]["ner"]["model"]
    for other in member_dirs[1:]:
        if spacy.load(other).config.interpolate()["components"]["ner"]["model"] != model_config:
            raise ValueError(f"{other} has another architecture than {member_dirs[0]}: members must match")
    nlp.remove_pipe("ner")
    votes = min_votes or majority(len(member_dirs))
    vote = nlp.add_pipe("ner_vote", name="ner",
                        config={"model": model_config, "members": len(member_dirs), "min_votes": votes})
    weights = hashlib.sha1()
    for member, member_dir in zip(vote.members, member_dirs):
        member.from_disk(member_dir / "ner", exclude=["vocab"])
        weights.update((member_dir / "ner" / "model").read_bytes())
    # meta.json names what the model is (the run's code version hashes it): not member 0's scores
    nlp.meta["description"] = f"majority vote ({votes} of {len(member_dirs)}) of NorNE NER models"
    nlp.meta["performance"] = {}
    nlp.meta["members_sha1"] = weights.hexdigest()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    nlp.to_disk(out_dir)
    _keep_only_label_strings(out_dir)
    return out_dir


def _keep_only_label_strings(model_dir: Path) -> None:
    """Drop the training data's word types from the saved vocabulary (tens of thousands of NorNE words).

    The model reads hashes of words, not the strings, and its labels are saved with it; the list
    is a megabyte of NorNE vocabulary that the model does not need and the repository should not carry.
    """
    path = model_dir / "vocab" / "strings.json"
    if path.exists():
        path.write_text(json.dumps(sorted(LABELS)) + "\n", encoding="utf-8")


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
    members = metrics.get("members") or []
    vote = (f" It is a vote of {len(members)} models (seeds {', '.join(str(m['seed']) for m in members)}): "
            f"an entity needs {metrics['min_votes']} of them." if len(members) > 1 else "")
    lines = [
        "# NorNE named-entity recogniser",
        "",
        f"Trained by `pipeline/nlp/training.py` from `{metrics['config']}` with overrides "
        f"{metrics['overrides'] or '{}'} on {', '.join(files)} (NorNE; MISC dropped), "
        f"model of {chosen}.{vote} Scores: metrics.json.",
        "",
    ]
    (out_dir / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _train_member(config: Path, overrides: dict, run_dir: Path, keep: str, out_dir: Path) -> float:
    """Train one model with spaCy into run_dir, copy its `keep` step to out_dir; return the seconds."""
    from spacy.cli.train import train as spacy_train

    if run_dir.exists():
        shutil.rmtree(run_dir)
    log.info("training %s with overrides %s", config, overrides)
    started = time.monotonic()
    spacy_train(Path(config), output_path=run_dir, use_gpu=-1, overrides=overrides)
    seconds = round(time.monotonic() - started, 1)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    shutil.copytree(run_dir / keep, out_dir)
    _forget_data_paths(out_dir / "config.cfg")
    _keep_only_label_strings(out_dir)
    return seconds


def train_ner(
    norne_dir: Path,
    out_dir: Path,
    work_dir: Path,
    config: Path = DEFAULT_CONFIG,
    overrides: dict | None = None,
    score_test: bool = True,
    train_on_dev: bool = False,
    train_files: tuple[str, ...] = TRAIN_FILES,
    members: int = 1,
    min_votes: int | None = None,
    jobs: int = 1,
) -> dict:
    """Convert NorNE, train ``config``, copy model-best to out_dir and write its metrics.json.

    ``score_test=False`` leaves the test set unread (for screening runs: select on dev only).
    ``train_files`` names the NorNE training splits (default bokmål and nynorsk).
    ``train_on_dev=True`` adds nob-dev to the training data and keeps model-last (a fixed step
    count chosen on dev beforehand): its dev scores are then not held-out and mean nothing.
    ``members > 1`` trains that many models with seeds system.seed, system.seed + 1, ... and the
    overrides of ner_members.json (``jobs`` at a time, one process each), and saves them as one
    voting model (`ner_vote`): an entity needs ``min_votes`` of them (default a majority).
    """
    norne_dir, out_dir, work_dir = Path(norne_dir), Path(out_dir), Path(work_dir)
    missing = [n for n in (*train_files, DEV_FILE, TEST_FILE) if not (norne_dir / n).is_file()]
    if missing:
        raise FileNotFoundError(f"NorNE files missing in {norne_dir}: {missing}")
    if members < 1 or not 1 <= (min_votes or 1) <= members:
        raise ValueError(f"need members >= 1 and 1 <= min_votes <= members, got {members} and {min_votes}")
    nlp = spacy.blank("nb")
    train_path, dev_path = work_dir / "train.spacy", work_dir / "dev.spacy"
    data = {
        "train": _convert_many([norne_dir / n for n in (*train_files, *((DEV_FILE,) if train_on_dev else ()))],
                               nlp, train_path),
        "dev": _convert_many([norne_dir / DEV_FILE], nlp, dev_path),
    }
    base = {"paths.train": str(train_path), "paths.dev": str(dev_path), **(overrides or {})}
    keep = "model-last" if train_on_dev else "model-best"
    if members == 1:
        seeds, plans = [None], [(config, base, work_dir / "run", keep, out_dir)]
    else:
        first = int(base.get("system.seed", base.get("training.seed",
                                                     spacy.util.load_config(config)["system"]["seed"])))
        seeds = [first + i for i in range(members)]
        variants = json.loads(MEMBER_OVERRIDES.read_text(encoding="utf-8")) or [{}]
        # the command line's overrides win over a member's own, except the seed: each member has its own
        plans = [(config, {**variants[i % len(variants)], **base, "system.seed": seed, "training.seed": seed},
                  work_dir / f"run{i}", keep, work_dir / f"member{i}") for i, seed in enumerate(seeds)]
    if jobs > 1 and len(plans) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(min(jobs, len(plans)), mp_context=multiprocessing.get_context("spawn")) as pool:
            seconds = list(pool.map(_train_member, *zip(*plans)))
    else:
        seconds = [_train_member(*plan) for plan in plans]
    member_metrics = []
    if members > 1:
        member_dirs = [plan[4] for plan in plans]
        member_metrics = [{
            "seed": seed,
            "overrides": {k: v for k, v in plan[1].items() if not k.startswith("paths.")},
            "training_seconds": secs,
            "best_dev_ents_f_during_training": None if train_on_dev else _best_dev_score(plan[2]),
            "dev": evaluate_iob(member_dir, norne_dir / DEV_FILE),
            "test": evaluate_iob(member_dir, norne_dir / TEST_FILE) if score_test else None,
        } for seed, secs, plan, member_dir in zip(seeds, seconds, plans, member_dirs)]
        min_votes = min_votes or majority(members)
        assemble_vote(member_dirs, out_dir, min_votes)
    metrics = {
        "config": Path(config).name,
        "overrides": dict(overrides or {}),
        "training_seconds": round(sum(seconds), 1),
        "model_bytes": sum(f.stat().st_size for f in out_dir.rglob("*") if f.is_file()),
        "best_dev_ents_f_during_training": (None if train_on_dev or members > 1
                                            else _best_dev_score(work_dir / "run")),
        "trained_on_dev": train_on_dev,
        "labels": list(LABELS),
        "dropped_labels": list(DROPPED_LABELS),
        "data": data,
        "eval_files": {"dev": DEV_FILE, "test": TEST_FILE, "tokens": "gold (NorNE) tokens"},
        "dev": evaluate_iob(out_dir, norne_dir / DEV_FILE),
        "test": evaluate_iob(out_dir, norne_dir / TEST_FILE) if score_test else None,
        "spacy_version": spacy.__version__,
    }
    if members > 1:
        metrics["min_votes"] = min_votes
        metrics["members"] = member_metrics
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
    parser.add_argument("--members", type=int, default=1, help="models (seeds) in the saved vote (default 1: no vote)")
    parser.add_argument("--min-votes", type=int, default=None, help="votes an entity needs (default a majority)")
    parser.add_argument("--jobs", type=int, default=1, help="members trained at a time")
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
              train_files=tuple(f.strip() for f in args.train_files.split(",") if f.strip()),
              members=args.members, min_votes=args.min_votes, jobs=args.jobs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
