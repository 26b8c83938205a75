"""Fast tests for the NorNE NER training helpers and the committed model in data/models/ner."""

import json
from pathlib import Path

import pytest
import spacy

from pipeline.nlp.training import DEFAULT_CONFIG, LABELS, convert_iob, evaluate_iob, guess_spaces

MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "models" / "ner"

# Floors = what the committed model achieved on NorNE nob-test minus 0.005.
TEST_ENTS_F_FLOOR = 0.754  # achieved 0.7596 by the vote of five (nb_core_news_sm: 0.748)
TEST_PER_F_FLOOR = 0.855  # achieved 0.8604 (nb_core_news_sm: 0.814)

TINY_IOB = (
    "Kari\tB-PER\nNordmann\tI-PER\njobber\tO\ni\tO\nHelse\tB-ORG\nBergen\tI-ORG\n.\tO\n"
    "\n"
    "Han\tO\nså\tO\nTitanic\tB-MISC\ni\tO\nOslo\tB-GPE_LOC\n.\tO\n"
    "\n\n"
    "Sykehuset\tI-ORG\ni\tO\nVestfold\tB-GPE_LOC\nhadde\tO\nDIPS\tB-PROD\n-\tO\nfeil\tO\n"
)


@pytest.fixture()
def tiny_iob(tmp_path: Path) -> Path:
    """Write a three-sentence IOB file with a MISC span and an I- without B-."""
    path = tmp_path / "tiny.iob"
    path.write_text(TINY_IOB, encoding="utf-8")
    return path


def test_convert_iob_counts_and_drops(tiny_iob: Path) -> None:
    """Spans are kept per label, MISC is dropped and counted, orphan I- starts a span."""
    nlp = spacy.blank("nb")
    docbin, stats = convert_iob(tiny_iob, nlp)
    docs = list(docbin.get_docs(nlp.vocab))
    assert len(docs) == stats["sentences"] == 3
    assert stats["tokens"] == 7 + 6 + 7
    assert stats["spans"] == 6
    assert stats["dropped"] == 1 and stats["dropped_per_label"] == {"MISC": 1}
    assert stats["orphan_inside"] == 1
    assert stats["spans_per_label"] == {"GPE_LOC": 2, "ORG": 2, "PER": 1, "PROD": 1}
    ents = [(e.text, e.label_) for doc in docs for e in doc.ents]
    assert ents == [
        ("Kari Nordmann", "PER"), ("Helse Bergen", "ORG"), ("Oslo", "GPE_LOC"),
        ("Sykehuset", "ORG"), ("Vestfold", "GPE_LOC"), ("DIPS", "PROD"),
    ]
    assert docs[1][2].ent_iob_ == "O"  # Titanic (MISC) is outside, not missing
    assert docs[0].text == "Kari Nordmann jobber i Helse Bergen."


def test_guess_spaces() -> None:
    """No space before closing punctuation or after opening brackets."""
    words = ["Hei", "(", "du", ")", ",", "ok", "."]
    assert guess_spaces(words) == [True, False, False, False, True, False, False]


def test_config_is_standalone_ner() -> None:
    """The committed config trains a single ner with its own tok2vec (sourceable alone)."""
    config = spacy.util.load_config(DEFAULT_CONFIG)
    assert config["nlp"]["lang"] == "nb"
    assert config["nlp"]["pipeline"] == ["ner"]
    assert config["components"]["ner"]["model"]["tok2vec"]["@architectures"] == "spacy.Tok2Vec.v2"


@pytest.mark.model
def test_evaluate_iob_structure(tiny_iob: Path) -> None:
    """evaluate_iob returns exactly the documented keys with floats in [0, 1]."""
    scores = evaluate_iob(MODEL_DIR, tiny_iob)
    assert set(scores) == {"ents_f", "ents_p", "ents_r", "ents_per_type"}
    assert set(scores["ents_per_type"]) == set(LABELS)
    values = [scores["ents_f"], scores["ents_p"], scores["ents_r"]]
    for per_type in scores["ents_per_type"].values():
        assert set(per_type) == {"p", "r", "f"}
        values.extend(per_type.values())
    assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in values)


@pytest.mark.model
def test_committed_metrics_meet_floor() -> None:
    """metrics.json of the committed model reports nob-test scores above the pinned floors."""
    metrics = json.loads((MODEL_DIR / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["test"]["ents_f"] >= TEST_ENTS_F_FLOOR
    assert metrics["test"]["ents_per_type"]["PER"]["f"] >= TEST_PER_F_FLOOR
    assert metrics["data"]["train"]["dropped"] > 0  # MISC spans are counted, not silently lost


@pytest.mark.model
def test_ner_sources_after_ruler_and_keeps_preset_ents() -> None:
    """The ner can be sourced into a new pipeline behind an entity_ruler and keeps its spans."""
    nlp = spacy.blank("nb")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ORG", "pattern": "Kari Nordmann"}])
    nlp.add_pipe("ner", source=spacy.load(MODEL_DIR))
    assert nlp.pipe_names == ["entity_ruler", "ner"]
    doc = nlp("Kari Nordmann sa at Helse Bergen i Oslo hadde problemer med DIPS i går.")
    ents = {(e.text, e.label_) for e in doc.ents}
    assert ("Kari Nordmann", "ORG") in ents
    assert any(label != "ORG" or text != "Kari Nordmann" for text, label in ents)


@pytest.mark.model
def test_project_pipeline_is_built_on_the_model_with_rules_before_its_ner() -> None:
    """load_nlp builds on the model itself (one tokenizer): rule components first, the NER gated on candidates."""
    from pipeline.nlp import load_nlp

    nlp = load_nlp(str(MODEL_DIR), 0.5, True)
    names = nlp.pipe_names
    assert names[:5] == ["paragraph_sentencizer", "gazetteer_ruler", "vocab_signals", "compound_terms",
                         "outage_prefilter"]
    assert names[-2:] == ["candidate_only", "outage_facts"] and nlp.disabled == ["ner"]
    doc = nlp("Helse Bergen har hatt full stans i DIPS siden klokka 08.00 i dag. Kari Nordmann leder beredskapen.")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels["Helse Bergen"] == "TRUST"  # the gazetteer span wins over the NER's ORG
    assert labels.get("Kari Nordmann") == "PER"  # the NER ran on this candidate


def _save(nlp, path: Path) -> Path:
    nlp.to_disk(path)
    return path


def test_a_full_model_is_cut_down_to_its_ner(tmp_path: Path) -> None:
    """A model with a shared tok2vec and other components (as nb_core_news_*) gives its NER alone."""
    from spacy.training import Example

    from pipeline.nlp import load_nlp

    nlp = spacy.blank("nb")
    nlp.add_pipe("tok2vec")
    nlp.add_pipe("ner", config={"model": {"@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner",
                                          "hidden_width": 8, "maxout_pieces": 2, "use_upper": True,
                                          "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 96}}})
    nlp.add_pipe("sentencizer")
    doc = nlp.make_doc("Kari Nordmann jobber i Bergen .")
    nlp.initialize(lambda: [Example.from_dict(doc, {"entities": ["B-PER", "L-PER", "O", "O", "U-GPE_LOC", "O"]})])
    full = load_nlp(str(_save(nlp, tmp_path / "full")), 0.5, True)
    assert "tok2vec" not in full.pipe_names and "sentencizer" not in full.pipe_names
    assert full.disabled == ["ner"] and "candidate_only" in full.pipe_names
    assert full("Helse Bergen har full stans i DIPS.")._.outage["is_outage"]

    bare = spacy.blank("nb")
    bare.add_pipe("sentencizer")
    rules = load_nlp(str(_save(bare, tmp_path / "no-ner")), 0.5, True)  # warns, runs the rules alone
    assert "candidate_only" not in rules.pipe_names and "ner" not in rules.pipe_names



def test_a_model_keeps_its_own_tokenizer_rules(tmp_path: Path) -> None:
    """The tokenizer is rebuilt from the config unless the model saved other rules: those are read."""
    from spacy.training import Example

    from pipeline.nlp import _ner_only

    nlp = spacy.blank("nb")
    nlp.add_pipe("ner")
    doc = nlp.make_doc("Kari Nordmann jobber i Bergen .")
    nlp.initialize(lambda: [Example.from_dict(doc, {"entities": ["B-PER", "L-PER", "O", "O", "U-GPE_LOC", "O"]})])
    default = _ner_only(_save(nlp, tmp_path / "default"))
    assert [t.text for t in default("DIPS-systemet")] == ["DIPS-systemet"]
    nlp.tokenizer.add_special_case("DIPS-systemet", [{"ORTH": "DIPS"}, {"ORTH": "-systemet"}])
    own = _ner_only(_save(nlp, tmp_path / "own"))
    assert [t.text for t in own("DIPS-systemet")] == ["DIPS", "-systemet"]
    assert own.pipe_names == ["ner"]
