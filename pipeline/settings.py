"""One frozen Settings, built once at the edge from defaults, a user TOML, env vars and flags."""
from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

DEFAULTS = Path(__file__).with_name("defaults.toml")
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class CrawlSettings:
    user_agent: str
    rate_per_s: float
    sample_rate_per_s: float
    connect_timeout: float
    read_timeout: float
    max_bytes: int
    max_decompressed_bytes: int
    max_redirects: int
    retries: int
    backoff_base: float
    retry_after_cap: float
    max_listing_pages: int
    recheck_min_hours: float
    recheck_max_days: float


@dataclass(frozen=True)
class NlpSettings:
    ner_model: str
    outage_threshold: float
    prefilter: bool
    processes: int


@dataclass(frozen=True)
class IncidentSettings:
    merge_gap_hours: float


@dataclass(frozen=True)
class ExportSettings:
    title: str
    authors: str
    license: str
    repository: str


@dataclass(frozen=True)
class Settings:
    db: str
    crawl: CrawlSettings
    nlp: NlpSettings
    incidents: IncidentSettings
    export: ExportSettings

    def with_db(self, db: str | Path | None) -> "Settings":
        """A copy with another database path (None keeps the current one)."""
        return self if db is None else replace(self, db=str(db))


_SECTIONS = {"crawl": CrawlSettings, "nlp": NlpSettings, "incidents": IncidentSettings, "export": ExportSettings}


def _merge(base: dict[str, Any], extra: Mapping[str, Any], source: str) -> None:
    for key, value in extra.items():
        if key not in base:
            raise ConfigError(f"unknown setting '{key}' in {source}: see pipeline/defaults.toml for valid keys")
        if isinstance(base[key], dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"setting '{key}' in {source} must be a table")
            _merge(base[key], value, source)
        else:
            base[key] = _coerce(value, base[key], key, source)


def _coerce(value: Any, default: Any, key: str, source: str) -> Any:
    try:
        if isinstance(default, bool):
            return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes"}
        return type(default)(value)
    except (TypeError, ValueError):
        raise ConfigError(f"setting '{key}' in {source} must be a {type(default).__name__}, got {value!r}") from None


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in env.items():
        if not name.startswith("PIPELINE_"):
            continue
        path = name[len("PIPELINE_"):].lower().split("__")
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return out


def load_settings(
    user_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build Settings: defaults.toml < user TOML < PIPELINE_* env < explicit overrides."""
    with DEFAULTS.open("rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    if user_file is not None:
        if not user_file.exists():
            raise ConfigError(f"settings file {user_file} does not exist: check the --settings path")
        try:
            with user_file.open("rb") as fh:
                _merge(data, tomllib.load(fh), str(user_file))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"settings file {user_file} is not valid TOML ({exc}): fix the syntax") from None
    _merge(data, _env_overrides(os.environ if env is None else env), "the PIPELINE_* environment")
    if overrides:
        _merge(data, {k: v for k, v in overrides.items() if v is not None}, "the command line")
    sections = {name: cls(**data[name]) for name, cls in _SECTIONS.items()}
    top = {f.name: data[f.name] for f in fields(Settings) if f.name not in _SECTIONS}
    return Settings(**top, **sections)


def resolve(path: str) -> Path:
    """Resolve a project-relative data path (like the model dir) against the repository root."""
    p = Path(path)
    return p if p.is_absolute() or p.exists() else ROOT / p
