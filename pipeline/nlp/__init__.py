"""The project's spaCy pipeline: blank "nb" + gazetteer ruler + (trained NER) + rule components."""
from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)
PREFILTER_SHARE = 0.5  # the pre-filter's threshold as a share of the outage threshold


@cache
def load_nlp(ner_model: str = "", threshold: float = 0.5, prefilter: bool = True):  # -> spacy.Language
    """Build the pipeline once per process; `ner_model` is a trained model dir or "" for rules only.

    With `prefilter`, the statistical NER and time parsing run only on outage candidates.
    """
    import spacy
    from spacy.tokens import Doc

    from ..gazetteer import load_gazetteer
    from . import components, gazetteer_ruler  # noqa: F401  (registers the factories)
    from .patterns import ruler_patterns

    Doc.set_extension("outage", default=None, force=True)
    Doc.set_extension("candidate", default=None, force=True)
    model = Path(ner_model) if ner_model else None
    trained = model is not None and (model / "meta.json").exists()
    if model is not None and not trained:
        log.warning("NER model %s not found: running the rule components only", model)
    # the trained model is the base (one tokenizer and vocab to build, not two); the rule components
    # go before its NER: the gazetteer ruler's spans are preset entities the NER respects
    nlp = _ner_only(model) if trained else spacy.blank("nb")
    if trained and "ner" not in nlp.pipe_names:
        log.warning("NER model %s has no ner component: running the rule components only", model)
        trained = False
    place = {"before": "ner"} if trained else {}
    nlp.add_pipe("paragraph_sentencizer", **place)
    ruler = nlp.add_pipe("gazetteer_ruler", **place)  # entity_ruler semantics, phrase-matcher speed
    ruler.add_patterns(ruler_patterns(load_gazetteer(), lambda t: [w.text for w in nlp.make_doc(t)]))
    nlp.add_pipe("vocab_signals", **place)
    nlp.add_pipe("compound_terms", **place)
    # candidates: half the outage threshold. The score does not depend on the NER, so every article
    # that can be an outage is a candidate whatever the threshold; the margin keeps near misses'
    # times and entities for analysts (dev set: the lowest outage scores 0.55, over 2x the default 0.25)
    nlp.add_pipe("outage_prefilter", config={"threshold": threshold * PREFILTER_SHARE if prefilter else -1.0}, **place)
    if trained:
        nlp.disable_pipe("ner")
        nlp.add_pipe("candidate_only", config={"component": "ner"})
    nlp.add_pipe("outage_facts", config={"threshold": threshold})
    return nlp


def _ner_only(model: Path):  # -> spacy.Language
    """The model at `model` with its NER alone (a full model such as nb_core_news_sm is cut down)."""
    import json

    import spacy

    from . import ner_vote  # noqa: F401  (registers the factory of a voting model)

    names = json.loads((model / "meta.json").read_text(encoding="utf-8")).get("pipeline", [])
    # the tokenizer the config builds is read from disk only when the saved one differs (ours does
    # not): reading it again re-adds every special case, a tenth of a second in every worker server
    nlp = spacy.load(model, exclude=[*(n for n in names if n not in ("ner", "tok2vec")), "tokenizer"])
    saved = model / "tokenizer"
    if saved.exists() and saved.read_bytes() != nlp.tokenizer.to_bytes(exclude=["vocab"]):
        nlp.tokenizer.from_disk(saved, exclude=["vocab"])
    if "tok2vec" in nlp.pipe_names:
        if "ner" in nlp.pipe_names:
            nlp.replace_listeners("tok2vec", "ner", ["model.tok2vec"])
        nlp.remove_pipe("tok2vec")
    return nlp


def ner_model_dir(settings) -> str:  # (Settings) -> str
    """The trained model directory the settings name (resolved against the project root), "" for none.

    A configured model that is not there is reported here, once, and the rules run alone.
    """
    from ..settings import resolve

    if not settings.nlp.ner_model:
        return ""
    model = resolve(settings.nlp.ner_model)
    if not (model / "meta.json").exists():
        log.warning("NER model %s not found: running the rule components only", model)
        return ""
    return str(model)


def nlp_from_settings(settings):  # (Settings) -> spacy.Language
    """The pipeline the settings ask for (model path resolved against the project root)."""
    return load_nlp(ner_model_dir(settings), settings.nlp.outage_threshold, settings.nlp.prefilter)
