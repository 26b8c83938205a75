"""The voting NER (pipeline.nlp.ner_vote): majority spans, members blind to each other, saving."""

import json
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Span
from spacy.training import Example

from pipeline.nlp.ner_vote import NerVote
from pipeline.nlp.training import LABELS, assemble_vote

MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "models" / "ner"


class FixedMember:
    """A member that predicts fixed (start, end, label) spans and records the entities it was shown."""

    def __init__(self, *spans: tuple[int, int, str]) -> None:
        self.spans, self.shown = spans, []

    def predict(self, docs):  # noqa: ANN001, ANN201
        self.shown.append([(e.start, e.end, e.label_) for e in docs[0].ents])
        return None

    def set_annotations(self, docs, _states) -> None:  # noqa: ANN001
        for doc in docs:  # like spaCy's NER: the preset entities stay, new ones are added
            doc.set_ents([Span(doc, s, e, label=label) for s, e, label in self.spans], default="unmodified")


def _vote(members, min_votes=2):  # noqa: ANN001, ANN202
    nlp = spacy.blank("nb")
    return nlp, NerVote("ner", members, min_votes)


def test_majority_spans_win_and_overlaps_go_to_more_votes() -> None:
    """A span needs min_votes; of two overlapping spans the one with more votes (then the longer) stays."""
    text = "Kari Nordmann i Helse Bergen ringte Ola Hansen fra Tromsø i går ."
    # tokens:  0    1       2 3     4      5      6   7      8   9      10 11 12
    members = [
        FixedMember((0, 2, "PER"), (3, 5, "ORG"), (6, 8, "PER"), (9, 10, "GPE_LOC")),
        FixedMember((0, 2, "PER"), (3, 5, "GPE_ORG"), (6, 7, "PER"), (9, 10, "GPE_LOC")),
        FixedMember((0, 1, "PER"), (3, 5, "GPE_ORG"), (6, 7, "PER"), (11, 12, "DRV")),
    ]
    nlp, vote = _vote(members)
    doc = vote(nlp.make_doc(text))
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Kari Nordmann", "PER"),  # 2 votes; "Kari" alone (1 vote) overlaps it
        ("Helse Bergen", "GPE_ORG"),  # 2 votes against ORG's 1
        ("Ola", "PER"),  # 2 votes against "Ola Hansen"'s 1
        ("Tromsø", "GPE_LOC"),
    ]  # "går" (1 vote) is dropped
    assert all(token.ent_iob_ in ("B", "I", "O") for token in doc)


def test_ties_go_to_the_longer_span_and_a_lone_vote_is_enough_with_min_votes_one() -> None:
    text = "Sykehuset Innlandet Gjøvik har feil ."
    members = [FixedMember((0, 2, "ORG")), FixedMember((0, 3, "ORG"))]
    nlp, vote = _vote(members, min_votes=1)
    assert [e.text for e in vote(nlp.make_doc(text)).ents] == ["Sykehuset Innlandet Gjøvik"]
    nlp, vote = _vote(members, min_votes=2)
    assert list(vote(nlp.make_doc(text)).ents) == []


def test_members_see_only_the_preset_entities_which_stay() -> None:
    """Each member sees the ruler's entities, never another member's; preset spans keep their ids."""
    members = [FixedMember((0, 2, "PER")), FixedMember((0, 2, "PER")), FixedMember((4, 5, "ORG"))]
    nlp, vote = _vote(members)
    doc = nlp.make_doc("Kari Nordmann sa at Sectra var nede .")
    doc.ents = [Span(doc, 4, 5, label="SYSTEM", span_id="sectra")]
    docs = list(vote.pipe([doc]))
    assert [m.shown for m in members] == [[[(4, 5, "SYSTEM")]]] * 3
    assert [(e.text, e.label_, e.id_) for e in docs[0].ents] == [("Kari Nordmann", "PER", ""), ("Sectra", "SYSTEM", "sectra")]


def test_min_votes_must_be_within_members() -> None:
    with pytest.raises(ValueError, match="min_votes"):
        spacy.blank("nb").add_pipe("ner_vote", config={"model": _MODEL, "members": 2, "min_votes": 3})


_MODEL = {"@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner", "extra_state_tokens": False, "hidden_width": 16,
          "maxout_pieces": 2, "use_upper": True,
          "tok2vec": {"@architectures": "spacy.HashEmbedCNN.v2", "width": 32, "depth": 2, "embed_size": 500,
                      "window_size": 1, "maxout_pieces": 2, "subword_features": True, "pretrained_vectors": None}}
_TRAIN = [
    ("Kari Nordmann jobber i Bergen .", ["B-PER", "L-PER", "O", "O", "U-GPE_LOC", "O"]),
    ("Ola Hansen bor i Tromsø .", ["B-PER", "L-PER", "O", "O", "U-GPE_LOC", "O"]),
    ("Helse Bergen har feil i DIPS .", ["B-ORG", "L-ORG", "O", "O", "O", "U-PROD", "O"]),
]


def _tiny_model(path: Path, hidden_width: int = 16, seed: int = 0) -> Path:
    """Train a small NER for a few rounds (deterministic) and save it like train-ner's members."""
    spacy.util.fix_random_seed(seed)
    nlp = spacy.blank("nb")
    nlp.add_pipe("ner", config={"model": {**_MODEL, "hidden_width": hidden_width}})
    examples = [Example.from_dict(nlp.make_doc(text), {"entities": tags}) for text, tags in _TRAIN]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(30):
        nlp.update(examples, sgd=optimizer)
    nlp.to_disk(path)
    return path


def test_a_saved_vote_of_one_model_predicts_what_it_does_at_half_the_size(tmp_path: Path) -> None:
    """Three copies of one model vote as that model; saved in half precision, loaded by spacy.load."""
    single = _tiny_model(tmp_path / "single")
    out = assemble_vote([single, single, single], tmp_path / "vote")
    loaded = spacy.load(out)
    assert loaded.pipe_names == ["ner"] and isinstance(loaded.get_pipe("ner"), NerVote)
    assert loaded.get_pipe("ner").min_votes == 2 and loaded.get_pipe("ner").labels == ("GPE_LOC", "ORG", "PER", "PROD")
    texts = [text for text, _ in _TRAIN] + ["Kari Nordmann bor i Tromsø .", "Ola Hansen jobber i Helse Bergen ."]
    expected = [[(e.start, e.end, e.label_) for e in doc.ents] for doc in spacy.load(single).pipe(texts)]
    assert any(expected)
    assert [[(e.start, e.end, e.label_) for e in doc.ents] for doc in loaded.pipe(texts)] == expected
    assert json.loads((out / "vocab" / "strings.json").read_text(encoding="utf-8")) == sorted(LABELS)
    member_bytes = (out / "ner" / "member0" / "model").stat().st_size
    assert member_bytes < 0.6 * (single / "ner" / "model").stat().st_size


def _weights(model) -> list:  # noqa: ANN001
    return [node.get_param(name) for node in model.walk() for name in node.param_names if node.has_param(name)]


def test_each_member_keeps_its_own_weights_through_disk_and_bytes(tmp_path: Path) -> None:
    """Members of other seeds load their own weights (to half precision), saving leaves the live ones alone."""
    import numpy

    sources = [_tiny_model(tmp_path / f"seed{seed}", seed=seed) for seed in (0, 1, 2)]
    out = assemble_vote(sources, tmp_path / "vote")
    nlp = spacy.load(out)
    vote = nlp.get_pipe("ner")
    for member, source in zip(vote.members, sources):
        theirs = _weights(spacy.load(source).get_pipe("ner").model)
        ours = _weights(member.model)
        assert all(a.dtype == numpy.float32 for a in ours)
        assert all(numpy.allclose(a, b, rtol=1e-3, atol=1e-4) for a, b in zip(ours, theirs))
    assert not numpy.allclose(_weights(vote.members[0].model)[0], _weights(vote.members[1].model)[0])
    before = [w.copy() for w in _weights(vote.members[0].model)]
    nlp.to_disk(tmp_path / "again")
    assert all(numpy.array_equal(a, b) for a, b in zip(before, _weights(vote.members[0].model)))
    copy = spacy.util.load_model_from_config(nlp.config).from_bytes(nlp.to_bytes())
    texts = ["Kari Nordmann bor i Tromsø .", "Ola Hansen jobber i Helse Bergen ."]
    assert ([[(e.start, e.end, e.label_) for e in d.ents] for d in copy.pipe(texts)]
            == [[(e.start, e.end, e.label_) for e in d.ents] for d in nlp.pipe(texts)])


def test_blocked_tokens_stay_blocked_for_every_member(tmp_path: Path) -> None:
    """Tokens the caller blocked get no entity from any member: the vote of copies acts as the model does."""
    single = _tiny_model(tmp_path / "single")
    vote = spacy.load(assemble_vote([single, single, single], tmp_path / "vote"))
    model = spacy.load(single)
    text = "Kari Nordmann jobber i Bergen ."
    assert ("Kari Nordmann", "PER") in [(e.text, e.label_) for e in model(text).ents]
    results = []
    for nlp in (model, vote):
        doc = nlp.make_doc(text)
        doc.set_ents([], blocked=[doc[0:2]], default="missing")
        results.append([(e.text, e.label_) for e in nlp.get_pipe("ner")(doc).ents])
        assert all(token.ent_iob_ in ("B", "I", "O") for token in doc)
    assert results[1] == results[0] and not any(text == "Kari Nordmann" for text, _ in results[1])


def test_members_must_share_an_architecture(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="another architecture"):
        assemble_vote([_tiny_model(tmp_path / "a"), _tiny_model(tmp_path / "b", hidden_width=8)], tmp_path / "vote")
    assert not (tmp_path / "vote").exists()


@pytest.mark.model
def test_the_committed_model_is_a_majority_vote_saved_in_half_precision() -> None:
    metrics = json.loads((MODEL_DIR / "metrics.json").read_text(encoding="utf-8"))
    members = metrics["members"]
    assert len(members) >= 3 and metrics["min_votes"] == len(members) // 2 + 1
    assert len({m["seed"] for m in members}) == len(members)
    # the vote scores above each of its members on nob-test
    assert metrics["test"]["ents_f"] > max(m["test"]["ents_f"] for m in members)
    assert metrics["model_bytes"] == sum(f.stat().st_size for f in MODEL_DIR.rglob("*")
                                         if f.is_file() and f.name not in ("metrics.json", "README.md"))
    vote = spacy.load(MODEL_DIR).get_pipe("ner")
    assert isinstance(vote, NerVote) and len(vote.members) == len(members)
    firsts = [_weights(member.model)[0] for member in vote.members]
    assert all(not (a == b).all() for i, a in enumerate(firsts) for b in firsts[i + 1:])  # five models, not one
    params = sum(node.get_param(name).size for node in vote.members[0].model.walk()
                 for name in node.param_names if node.has_param(name))
    assert (MODEL_DIR / "ner" / "member0" / "model").stat().st_size < 2.2 * params  # two bytes a weight


@pytest.mark.model
def test_the_committed_model_carries_no_training_vocabulary() -> None:
    """Only the labels are saved as strings: the NorNE word list is not republished with the model."""
    strings = json.loads((MODEL_DIR / "vocab" / "strings.json").read_text(encoding="utf-8"))
    assert sorted(strings) == sorted(json.loads((MODEL_DIR / "metrics.json").read_text(encoding="utf-8"))["labels"])


@pytest.mark.model
def test_spacy_load_finds_the_vote_without_importing_the_project() -> None:
    """The package's spacy_factories entry point registers ner_vote for plain spacy.load."""
    import subprocess
    import sys

    code = ("import sys, spacy; nlp = spacy.load(sys.argv[1]); print(type(nlp.get_pipe('ner')).__name__, "
            "[e.label_ for e in nlp('Kari Nordmann jobber i Helse Bergen.').ents])")
    proc = subprocess.run([sys.executable, "-c", code, str(MODEL_DIR)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("NerVote ") and "PER" in proc.stdout


def test_train_ner_trains_members_with_their_own_seeds_and_overrides(tmp_path: Path) -> None:
    """train_ner(members=3) on a tiny NorNE: seeds 5, 6, 7 (a --set training.seed does not make them one),
    ner_members.json's overrides per member, and a majority vote saved with every member's metrics."""
    from pipeline.nlp.training import DEV_FILE, MEMBER_OVERRIDES, TEST_FILE, TRAIN_FILES, train_ner

    norne = tmp_path / "norne"
    norne.mkdir()
    iob = "".join("\n".join(f"{w}\t{t.replace('L-', 'I-').replace('U-', 'B-')}" for w, t in zip(text.split(), tags))
                  + "\n\n" for text, tags in _TRAIN)
    for name in (*TRAIN_FILES, DEV_FILE, TEST_FILE):
        (norne / name).write_text(iob, encoding="utf-8")
    overrides = {"training.max_steps": 2, "training.eval_frequency": 1, "system.seed": 5, "training.seed": 5}
    metrics = train_ner(norne, tmp_path / "model", tmp_path / "work", overrides=overrides, members=3)
    assert [m["seed"] for m in metrics["members"]] == [5, 6, 7] and metrics["min_votes"] == 2
    variants = json.loads(MEMBER_OVERRIDES.read_text(encoding="utf-8"))
    for i, member in enumerate(metrics["members"]):
        config = spacy.util.load_config(tmp_path / "work" / f"member{i}" / "config.cfg", interpolate=True)
        assert config["system"]["seed"] == config["training"]["seed"] == 5 + i
        for key, value in variants[i].items():
            section, _, name = key.rpartition(".")
            assert spacy.util.dot_to_object(config, key) == value, (section, name)
    assert isinstance(spacy.load(tmp_path / "model").get_pipe("ner"), NerVote)
    assert metrics["test"] is not None and set(metrics["members"][0]) >= {"dev", "test", "overrides", "training_seconds"}
