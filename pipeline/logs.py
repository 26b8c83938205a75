"""Logging to stderr for people (text) or for log collectors (one JSON object per line)."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import TextIO

FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, run_id (when known), error."""

    def format(self, record: logging.LogRecord) -> str:
        obj: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        run_id = getattr(record, "run_id", None)
        if run_id:
            obj["run_id"] = run_id
        for key in ("exit_code", "stage"):
            if getattr(record, key, None) is not None:
                obj[key] = getattr(record, key)
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            obj["error"] = f"{type(exc).__name__}: {exc}"
        return json.dumps(obj, ensure_ascii=False, default=str)


class RunIdFilter(logging.Filter):
    """Stamps the current run id on every record that does not carry one."""

    def __init__(self) -> None:
        super().__init__()
        self.run_id: str | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "run_id", None):
            record.run_id = self.run_id
        return True


def configure(fmt: str = "text", verbose: bool = False, stream: TextIO | None = None) -> RunIdFilter:
    """Send logs to stderr in `fmt` (JSON includes the pipeline's INFO records); returns the run-id filter."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {FORMATS}, not {fmt!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    run_filter = RunIdFilter()
    handler.addFilter(run_filter)
    handler.set_name("pipeline-stderr")
    root = logging.getLogger()
    for old in list(root.handlers):  # replace our own handler (or basicConfig's); keep e.g. pytest's capture
        if old.get_name() == "pipeline-stderr" or type(old) is logging.StreamHandler:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)  # -v includes the libraries' INFO records
    logging.getLogger("pipeline").setLevel(logging.INFO if verbose or fmt == "json" else logging.NOTSET)
    return run_filter


def json_enabled() -> bool:
    """True when the root logger writes JSON lines (so the CLI reports errors as JSON too)."""
    return any(isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers)
