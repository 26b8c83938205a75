"""The project's gazetteer: trusts, hospitals, systems and vocabulary as reviewed CSV files.

`build_gazetteer` regenerates `data/gazetteer/*.csv` from the fact base in
`../shared/domain`; `load_gazetteer` reads the committed files at run time.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .errors import ConfigError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
GAZETTEER_DIR = DATA_DIR / "gazetteer"

# Columns kept from each domain file; free-text notes stay in ../shared/domain.
_KEEP = {
    "trusts.csv": ("trusts.csv", ["id", "name", "kind", "region", "aliases", "website", "news_url"]),
    "hospitals.csv": ("hospitals.csv", ["name", "aliases", "trust_id", "town"]),
    "systems.csv": ("systems.csv", ["id", "name", "vendor", "type", "aliases", "regions_using"]),
    "generic_system_terms.csv": ("system_terms.csv", ["term", "type"]),
    "incident_vocabulary.csv": ("vocabulary.csv", ["term", "lang", "signal"]),
}


@dataclass(frozen=True)
class Trust:
    id: str
    name: str
    kind: str  # RHF, HF, IT-provider, private-nonprofit, AS, SF
    region: str  # id of the regional trust ("" for RHFs and national bodies)
    aliases: tuple[str, ...]
    website: str

    @property
    def region_id(self) -> str:
        return self.region or (self.id if self.kind == "RHF" else "")

    @property
    def is_it_provider(self) -> bool:
        # operators too: the national health network, the Epic platform company, the Nødnett operator
        return self.kind == "IT-provider" or self.id in {"norsk-helsenett", "helseplattformen-as", "hdo"}


@dataclass(frozen=True)
class System:
    id: str
    name: str
    type: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, eq=False)  # identity equality: loaded once, shared, hashable
class Gazetteer:
    trusts: dict[str, Trust]
    hospitals: tuple[tuple[str, str, str], ...]  # (alias, trust_id, hospital name)
    towns: tuple[tuple[str, str], ...]  # (town, trust_id)
    systems: dict[str, System]
    system_terms: tuple[tuple[str, str], ...]  # (term, type)
    vocabulary: tuple[tuple[str, str, str], ...]  # (term, lang, signal)
    regions: tuple[tuple[str, str], ...]  # (collective phrase, region trust id)
    compounds: tuple[tuple[str, str, str], ...] = ()  # (word part, "system" | "outage", type)
    components: frozenset[str] = frozenset()  # terms naming a failing component (storage, servers, ...)
    region_members: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def trust_name(self, trust_id: str) -> str:
        return self.trusts[trust_id].name

    def region_of(self, trust_id: str) -> str:
        trust = self.trusts.get(trust_id)
        return trust.region_id if trust else ""

    def terms(self, signal: str) -> tuple[str, ...]:
        return tuple(t for t, _, s in self.vocabulary if s == signal)

    def resolve_trust(self, text: str) -> str | None:
        """Map an organisation or hospital name to its trust id, or None."""
        key = " ".join(text.split()).strip(" .,").lower()
        return _alias_index(self).get(key)


def _split(aliases: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in aliases.split(";") if a.strip())


@cache
def _alias_index(gaz: Gazetteer) -> dict[str, str]:
    index: dict[str, str] = {}
    for alias, trust_id, _ in gaz.hospitals:
        index.setdefault(alias.lower(), trust_id)
    for trust in gaz.trusts.values():
        for alias in (trust.name, *trust.aliases):
            index[alias.lower()] = trust.id
    return index


def _read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise ConfigError(f"gazetteer file {path} is missing: run `python -m pipeline build-gazetteer`")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build_gazetteer(domain_dir: Path, out_dir: Path = GAZETTEER_DIR) -> list[Path]:
    """Regenerate the gazetteer CSV files from the domain fact base; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source, (target, columns) in _KEEP.items():
        rows = _read(domain_dir / source)
        out = out_dir / target
        with out.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({c: (row.get(c) or "").strip() for c in columns})
        written.append(out)
    return written


@cache
def load_gazetteer(directory: Path = GAZETTEER_DIR) -> Gazetteer:
    """Load the committed gazetteer files (cached per directory)."""
    trusts = {
        r["id"]: Trust(r["id"], r["name"], r["kind"], r["region"], _split(r["aliases"]), r["website"])
        for r in _read(directory / "trusts.csv")
    }
    hospitals: list[tuple[str, str, str]] = []
    towns: list[tuple[str, str]] = []
    for r in _read(directory / "hospitals.csv"):
        for alias in (r["name"], *_split(r["aliases"])):
            hospitals.append((alias, r["trust_id"], r["name"]))
        town = r["town"].split("(")[0].strip()
        if town:
            towns.append((town, r["trust_id"]))
    # systems.csv comes from the domain facts; system_aliases_extra.csv holds spellings seen since
    extra: dict[str, list[str]] = {}
    for r in _read(directory / "system_aliases_extra.csv"):
        extra.setdefault(r["system_id"], []).append(r["alias"].strip())
    systems = {
        r["id"]: System(r["id"], r["name"], r["type"], (*_split(r["aliases"]), *extra.pop(r["id"], ())))
        for r in _read(directory / "systems.csv")
    }
    if extra:
        raise ConfigError(f"system_aliases_extra.csv names systems not in systems.csv: {sorted(extra)}")
    # system_terms.csv comes from the domain facts; system_terms_extra.csv holds our own additions
    terms = tuple((r["term"], r["type"]) for name in ("system_terms.csv", "system_terms_extra.csv")
                  for r in _read(directory / name))
    # vocabulary.csv comes from the domain facts; vocabulary_extra.csv holds our own additions
    vocab = tuple(
        (r["term"], r["lang"], r["signal"])
        for name in ("vocabulary.csv", "vocabulary_extra.csv")
        for r in _read(directory / name)
    )
    regions = tuple((r["phrase"], r["region_id"]) for r in _read(directory / "regions.csv"))
    members: dict[str, list[str]] = {}
    for t in trusts.values():
        # "all hospitals of the region": hospital trusts, not pharmacies or IT providers
        if t.region and t.kind == "HF" and "apotek" not in t.id:
            members.setdefault(t.region, []).append(t.id)
    return Gazetteer(
        trusts=trusts,
        hospitals=tuple(hospitals),
        towns=tuple(dict.fromkeys(towns)),
        systems=systems,
        system_terms=terms,
        vocabulary=vocab,
        regions=regions,
        compounds=tuple((r["part"], r["kind"], r["type"]) for r in _read(directory / "compounds.csv")),
        components=frozenset(r["term"].lower() for r in _read(directory / "components.csv")),
        region_members={k: tuple(v) for k, v in members.items()},
    )
