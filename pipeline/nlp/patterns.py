"""Entity-ruler patterns generated from the gazetteer files (never hand-written literals)."""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from collections.abc import Callable, Iterator
from typing import Any

from ..gazetteer import Gazetteer

# Aliases too ambiguous to match on their own in running text: two-letter
# abbreviations (HN, SI, HP, RF, KJ, SØ, ...) and ordinary words or numbers.
_AMBIGUOUS = {"arena", "epic", "locus", "nettet", "server", "aggregat", "113", "agfa", "signering",
              "epikriser", "henvisninger", "prøvesvar", "exchange", "journalsystemet", "pas", "lis",
              "rit", "sir", "sia", "ris", "hus", "hds", "lds", "kak", "edi", "csam", "nødnummer",
              "internett", "nettverket", "lims", "tris", "felles journal", "hjelset"}
_ABBREVIATION = re.compile(r"^[A-ZÆØÅ][A-ZÆØÅa-zæøå.\-]{1,5}$")


def _is_ambiguous(alias: str) -> bool:
    return len(alias) <= 2 or alias.lower() in _AMBIGUOUS


def _token_pattern(words: list[str], exact: bool, genitive: bool) -> list[dict[str, Any]]:
    attr = "ORTH" if exact else "LOWER"
    pattern: list[dict[str, Any]] = [{attr: w if exact else w.lower()} for w in words]
    if genitive and words:
        last = words[-1] if exact else words[-1].lower()
        pattern[-1] = {attr: {"IN": [last, last + "s"]}}
    return pattern


def ruler_patterns(gaz: Gazetteer, tokenize: Callable[[str], list[str]]) -> list[dict[str, Any]]:
    """Patterns for spaCy's entity_ruler: TRUST, HOSPITAL, REGION, SYSTEM and SYSTEM_TERM spans."""
    patterns: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()

    def add(label: str, text: str, kb_id: str, genitive: bool = False) -> None:
        words = tokenize(text)
        exact = bool(_ABBREVIATION.match(text)) and text.upper() == text.replace("i", "I")
        key = (label, text if exact else text.lower())
        if not words or key in seen:
            return
        seen.add(key)
        patterns.append({"label": label, "pattern": _token_pattern(words, exact, genitive), "id": kb_id})

    shared = _shared_aliases(gaz)
    for alias, trust_id, label in _trust_aliases(gaz):
        if shared.get(alias.lower(), "TRUST") == "TRUST":
            add(label, alias, trust_id, genitive=True)
    for phrase, region_id in gaz.regions:
        add("REGION", phrase, region_id, genitive=True)
    generic = {term.lower() for term, _ in gaz.system_terms}
    claimed: set[str] = set()  # generic terms that are a service's own name
    for system in gaz.systems.values():
        for alias in (system.name, *system.aliases):
            if _is_ambiguous(alias) or shared.get(alias.lower()) == "TRUST":
                continue
            if alias.lower() not in generic or own_name(alias, system.name):
                add("SYSTEM", alias, system.id)
                claimed.add(alias.lower())
    for term, type_ in gaz.system_terms:
        if len(term) > 2 and term.lower() not in {"nettet", "server", "aggregat"} | claimed:
            add("SYSTEM_TERM", term, type_)
    return patterns


def own_name(alias: str, name: str) -> bool:
    """Whether an alias is a one-word proper name a system is called by ("e-resept", "Reseptformidleren",
    "helsenorge", "Kjernejournalen", "Helsenettet" of "e-resept / Reseptformidleren", "helsenorge.no", ...):
    one of the name's "/"-parts (a definite ending allowed), not an acronym such as AMK or PACS."""
    if alias.isupper() or "generisk" in name:  # acronyms; the generic systems (telephony, e-mail) have no name
        return False
    word = alias.lower().removesuffix(".no")
    parts = {re.sub(r"\s*\(.*?\)", "", p).strip().lower().removesuffix(".no") for p in name.split(" / ")}
    # the nynorsk spelling counts too ("Naudnettet" of "Nødnett")
    return any(" " not in p and any(word == form or len(form) >= 6 and SequenceMatcher(None, word, form).ratio() >= 0.8
                                    for form in (p, p + "en", p + "et", p + "a")) for p in parts)


def product_aliases(gaz: Gazetteer) -> dict[str, str]:
    """One-word product names the ruler matches as SYSTEM (lower-cased) → system id.

    Used for hyphenated compounds the tokenizer keeps whole ("Sectra-systemet", "DIPS-feilen").
    """
    generic = {term.lower() for term, _ in gaz.system_terms}
    shared = _shared_aliases(gaz)
    return {alias.lower(): system.id for system in gaz.systems.values() for alias in (system.name, *system.aliases)
            if " " not in alias and "-" not in alias and not _is_ambiguous(alias)
            and alias.lower() not in generic and shared.get(alias.lower()) != "TRUST"}


def _shared_aliases(gaz: Gazetteer) -> dict[str, str]:
    """Aliases of both an organisation and a system, with the reading that wins ("TRUST" or "SYSTEM").

    The organisation only when its name starts with the alias and the system's does not
    ("Norsk helsenett" is Norsk helsenett SF, not its network Helsenettet); otherwise the system
    ("Helseplattformen", "Helseplattforma" are the EPJ far more often than the company).
    """
    orgs: dict[str, bool] = {}
    for trust in gaz.trusts.values():
        for alias in (trust.name, *trust.aliases):
            orgs[alias.lower()] = orgs.get(alias.lower(), False) or trust.name.lower().startswith(alias.lower())
    systems: dict[str, bool] = {}
    for system in gaz.systems.values():
        for alias in (system.name, *system.aliases):
            systems[alias.lower()] = systems.get(alias.lower(), False) or system.name.lower().startswith(alias.lower())
    return {a: "TRUST" if orgs[a] and not systems[a] else "SYSTEM" for a in orgs.keys() & systems.keys()}


def _trust_aliases(gaz: Gazetteer) -> Iterator[tuple[str, str, str]]:
    for trust in gaz.trusts.values():
        for alias in (trust.name, *trust.aliases):
            if not _is_ambiguous(alias):
                yield alias, trust.id, "TRUST"
    for alias, trust_id, _ in gaz.hospitals:
        if not _is_ambiguous(alias):
            yield alias, trust_id, "HOSPITAL"
    owners: dict[str, set[str]] = {}
    for town, trust_id in gaz.towns:
        owners.setdefault(town, set()).add(trust_id)
    for town, trust_ids in owners.items():
        if len(trust_ids) == 1:  # Oslo, Bergen, Bærum ... host several trusts: not evidence alone
            yield town, next(iter(trust_ids)), "TOWN"
