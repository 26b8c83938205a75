"""The `eval` contract: score `extract` output against gold records, field by field."""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .gazetteer import load_gazetteer


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def _norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(re.sub(r"[^\w\s-]", " ", text).split())


def _trust_id(value: str) -> str:
    gaz = load_gazetteer()
    if value in gaz.trusts:
        return value
    return gaz.resolve_trust(value) or _norm(value)


def local_minute(value: str | None) -> str | None:
    """Contract time (ISO with offset, or a date) → gold form: local YYYY-MM-DDTHH:MM or YYYY-MM-DD."""
    if not value:
        return None
    if len(value) == 10:
        return value
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%dT%H:%M")
    except ValueError:
        return value


def _phone(value: str | None) -> str | None:
    digits = re.sub(r"\D", "", value or "")
    return digits[-8:] if len(digits) >= 8 else None


def _contacts_match(gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> tuple[int, int, int, Counter]:
    fields: Counter = Counter()
    unmatched = list(pred)
    tp = 0
    for g in gold:
        name = _norm(g.get("name"))
        hit = next((p for p in unmatched if name and _norm(p.get("name")) == name), None)
        if hit is None:
            hit = next((p for p in unmatched if g.get("email") and (p.get("email") or "").lower() == g["email"].lower()), None)
        if hit is None:
            continue
        unmatched.remove(hit)
        tp += 1
        for key, norm in (("email", lambda v: (v or "").lower() or None), ("phone", _phone),
                          ("role", lambda v: _norm(v) or None), ("org_id", None)):
            if key == "org_id":
                if g.get("org"):
                    fields["org_total"] += 1
                    fields["org_ok"] += _trust_id(g["org"]) == (hit.get("org_id") or _trust_id(hit.get("org") or "-"))
                continue
            fields[f"{key}_total"] += 1
            fields[f"{key}_ok"] += norm(g.get(key)) == norm(hit.get(key))
    return tp, len(unmatched), len(gold) - tp, fields


def evaluate(records: Iterable[dict[str, Any]], predictions: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Per-field scores of predictions (contract objects) against gold records, paired in order."""
    counts: dict[str, list[int]] = {k: [0, 0, 0] for k in ("is_outage", "trusts", "system_types", "systems_named", "contacts")}
    exact: Counter = Counter()
    contact_fields: Counter = Counter()
    n = 0
    errors: list[dict[str, Any]] = []
    for rec, pred in zip(records, predictions, strict=True):
        n += 1
        gold = rec["gold"]
        g_out, p_out = bool(gold["is_outage"]), bool(pred["is_outage"])
        c = counts["is_outage"]
        c[0] += g_out and p_out
        c[1] += p_out and not g_out
        c[2] += g_out and not p_out
        exact["is_outage_ok"] += g_out == p_out
        sets = {
            "trusts": ({_trust_id(t) for t in gold.get("trusts") or []}, {t["id"] for t in pred["trusts"]}),
            "system_types": ({s["type"] for s in gold.get("systems") or []}, {s["type"] for s in pred["systems"]}),
            "systems_named": ({_norm(s["name"]) for s in gold.get("systems") or [] if s.get("name")},
                              {_norm(s["name"]) for s in pred["systems"] if s.get("name")}),
        }
        for key, (g, p) in sets.items():
            counts[key][0] += len(g & p)
            counts[key][1] += len(p - g)
            counts[key][2] += len(g - p)
        for key in ("start", "end"):
            ok = (gold.get(key) or None) == local_minute(pred.get(key))
            exact[f"{key}_ok"] += ok
            if gold.get(key):
                exact[f"{key}_given"] += 1
                exact[f"{key}_given_ok"] += ok
        exact["status_ok"] += (gold.get("status") or "unknown") == pred["status"]
        tp, fp, fn, fields = _contacts_match(gold.get("contacts") or [], pred["contacts"])
        counts["contacts"][0] += tp
        counts["contacts"][1] += fp
        counts["contacts"][2] += fn
        contact_fields.update(fields)
        wrong = [k for k in ("is_outage",) if g_out != p_out] + [k for k, (g, p) in sets.items() if g != p] + [
            k for k in ("start", "end") if (gold.get(k) or None) != local_minute(pred.get(k))] + (["contacts"] if fp or fn else [])
        if wrong:
            errors.append({"id": rec.get("id"), "fields": wrong})
    rate = lambda ok, total: round(ok / total, 4) if total else None  # noqa: E731
    return {
        "n": n,
        "is_outage": {**_prf(*counts["is_outage"]), "accuracy": rate(exact["is_outage_ok"], n)},
        "trusts": _prf(*counts["trusts"]),
        "system_types": _prf(*counts["system_types"]),
        "systems_named": _prf(*counts["systems_named"]),
        "start": {"exact": rate(exact["start_ok"], n), "exact_when_given": rate(exact["start_given_ok"], exact["start_given"]),
                  "given": exact["start_given"]},
        "end": {"exact": rate(exact["end_ok"], n), "exact_when_given": rate(exact["end_given_ok"], exact["end_given"]),
                "given": exact["end_given"]},
        "status": {"exact": rate(exact["status_ok"], n)},
        "contacts": _prf(*counts["contacts"]),
        "contact_fields": {k: rate(contact_fields[f"{k}_ok"], contact_fields[f"{k}_total"])
                           for k in ("email", "phone", "role", "org")},
        "records_with_errors": errors,
    }


def load_gold(path: Path) -> list[dict[str, Any]]:
    """Read gold records (JSON Lines), with a one-line error for a bad line."""
    if not path.exists():
        raise ConfigError(f"gold file {path} does not exist")
    records = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            rec["gold"]["is_outage"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ConfigError(f"{path} line {n} is not a gold record (needs JSON with gold.is_outage)") from None
        records.append(rec)
    return records


def evaluate_file(path: Path) -> dict[str, Any]:
    """Run `extract` over the gold file's texts and score it."""
    from .extraction import extract_records

    records = load_gold(path)
    return evaluate(records, extract_records(str(path)))


def format_scores(s: dict[str, Any]) -> str:
    """A human-readable table of the scores."""
    lines = [f"records: {s['n']}", f"{'field':16} {'P':>6} {'R':>6} {'F1':>6}"]
    for key in ("is_outage", "trusts", "system_types", "systems_named", "contacts"):
        v = s[key]
        lines.append(f"{key:16} {v['p']:6.3f} {v['r']:6.3f} {v['f']:6.3f}")
    lines.append(f"{'outage accuracy':16} {s['is_outage']['accuracy']:.3f}")
    for key in ("start", "end"):
        v = s[key]
        lines.append(f"{key + ' exact':16} {v['exact']:.3f} (when given: {v['exact_when_given']}, n={v['given']})")
    lines.append(f"{'status exact':16} {s['status']['exact']:.3f}")
    lines.append("contact fields: " + ", ".join(f"{k} {v}" for k, v in s["contact_fields"].items()))
    lines.append(f"records with errors: {len(s['records_with_errors'])}")
    return "\n".join(lines)
