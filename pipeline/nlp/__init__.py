"""The project's spaCy pipeline: blank "nb" + gazetteer ruler + (trained NER) + rule components."""
from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)


@cache
def load_nlp(ner_model: str = "", threshold: float = 0.5, prefilter: bool = True):  # -> spacy.Language
    """Build the pipeline once per process; `ner_model` is a trained model dir or "" for rules only.

    With `prefilter`, the statistical NER and time parsing run only on outage candidates.
    """
    import spacy
    from spacy.tokens import Doc

    from ..gazetteer import load_gazetteer
    from . import components  # noqa: F401  (registers the factories)
    from .patterns import ruler_patterns

    Doc.set_extension("outage", default=None, force=True)
    Doc.set_extension("candidate", default=None, force=True)
    nlp = spacy.blank("nb")
    nlp.add_pipe("paragraph_sentencizer")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": False, "validate": False})
    ruler.add_patterns(ruler_patterns(load_gazetteer(), lambda t: [w.text for w in nlp.make_doc(t)]))
    nlp.add_pipe("vocab_signals")
    nlp.add_pipe("compound_terms")
    nlp.add_pipe("outage_prefilter", config={"threshold": 0.05 if prefilter else -1.0})
    model = Path(ner_model) if ner_model else None
    if model is not None and (model / "meta.json").exists():
        trained = spacy.load(model)
        if "tok2vec" in trained.pipe_names and "ner" in trained.pipe_names:
            trained.replace_listeners("tok2vec", "ner", ["model.tok2vec"])
        # the gazetteer ruler ran first: its spans are preset entities the NER respects
        nlp.add_pipe("ner", source=trained)
        nlp.disable_pipe("ner")
        nlp.add_pipe("candidate_only", config={"component": "ner"})
    elif model is not None:
        log.warning("NER model %s not found: running the rule components only", model)
    nlp.add_pipe("outage_facts", config={"threshold": threshold})
    return nlp


def nlp_from_settings(settings):  # (Settings) -> spacy.Language
    """The pipeline the settings ask for (model path resolved against the project root)."""
    from ..settings import resolve

    model = str(resolve(settings.nlp.ner_model)) if settings.nlp.ner_model else ""
    return load_nlp(model, settings.nlp.outage_threshold, settings.nlp.prefilter)
