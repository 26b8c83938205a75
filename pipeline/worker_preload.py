"""Imported once by the forkserver the worker pool forks from (see `parallel._worker_context`).

It builds the spaCy pipeline the parent asked for (`PRELOAD_ENV`, the `NlpSpec` as JSON) and imports
the extractor, so every worker forked from that server starts with both in memory instead of
importing spaCy and reading the model itself.
"""
from __future__ import annotations

import gc
import json
import os

PRELOAD_ENV = "OUTAGE_TRACKER_WORKER_PRELOAD"  # not PIPELINE_*: that namespace is the settings

if spec := os.environ.get(PRELOAD_ENV):
    import trafilatura  # noqa: F401  (the workers extract too)

    from .nlp import load_nlp

    load_nlp(*json.loads(spec))  # positional, as the workers call it: the same cache key
    gc.freeze()  # the forked workers neither scan nor copy what they inherit
