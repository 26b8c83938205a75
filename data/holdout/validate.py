"""Check the held-out gold set for format errors and inconsistencies.

Usage: python3 data/holdout/validate.py [GOLD.jsonl] [DOMAIN_DIR]
Exits non-zero and lists problems if anything is wrong. Checks only form and
internal consistency; it never looks at the extractor.
"""
import calendar
import csv
import datetime as dt
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLD = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "gold.jsonl"
DOMAIN = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parents[3] / "shared" / "domain"

KEYS = ["id", "url", "published", "lang", "text", "gold", "notes"]
GOLD_KEYS = ["is_outage", "systems", "trusts", "start", "end", "status", "contacts"]
CONTACT_KEYS = ["name", "role", "org", "email", "phone"]
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$")
WEEKDAYS = {  # bokmål and nynorsk, Monday = 0
    "mandag": 0, "måndag": 0, "tirsdag": 1, "tysdag": 1, "onsdag": 2, "torsdag": 3,
    "fredag": 4, "lørdag": 5, "laurdag": 5, "søndag": 6, "sundag": 6,
}
MONTHS = {m: i for i, m in enumerate(
    ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
     "september", "oktober", "november", "desember"], 1)}
# Weekday/date conflicts written on purpose (the explicit date wins in gold).
INTENDED_CONFLICTS = {
    "ho-p04-bergen-orbit-lagring-nn": "tysdag 9. juni",
    "ho-p25-unn-longyearbyen-fiber": "lørdag 3. februar",
}
# Bare weekdays intended to resolve to these dates (relative to published).
BARE_WEEKDAYS = {
    "ho-p01-hn-sectra-lagring": {"torsdag": "2023-09-14"},
    "ho-p02-ous-dips-arena-kriseledelse": {"torsdag": "2025-01-16"},
    "ho-p03-siv-dips-arena-treghet": {"mandag": "2024-05-27", "tirsdag": "2024-05-28"},
    "ho-p05-forde-nettverk-kort-nn": {"onsdag": "2022-11-23"},
    "ho-p06-ntb-helse-vest-brannmur": {"tirsdag": "2020-10-13"},
    "ho-p08-innlandet-lang-artikkel": {"tirsdag": "2023-02-07"},
    "ho-p09-voss-straumbrot-nn": {"måndag": "2023-12-11"},
    "ho-p11-fonna-ikt-problem-nn": {"tysdag": "2022-01-25"},
    "ho-p12-oslo-nettverk-sykehuspartner": {"tirsdag": "2022-08-23"},
    "ho-p13-forde-epost-sjukehuset-nn": {"tysdag": "2024-03-19"},
    "ho-p14-hemit-helseplattformen-vedlikehold": {"torsdag": "2024-06-13", "onsdag": "2024-06-12"},
    "ho-p15-unn-dips-etter-oppgradering": {"mandag": "2020-10-26", "søndag": "2020-10-25"},
    "ho-p16-ntb-sorlandet-sentralbord": {"onsdag": "2021-01-13"},
    "ho-p17-hmr-kabelbrot-hjelset-nn": {"onsdag": "2019-03-13"},
    "ho-p18-digi-dips-arena-hso": {"tirsdag": "2025-04-08"},
    "ho-p19-helse-vest-meona-nn": {"onsdag": "2023-05-10"},
    "ho-p20-ostfold-nodnett-amk": {"torsdag": "2024-01-18"},
    "ho-p21-sus-lab-stans-nn": {"onsdag": "2022-04-06"},
    "ho-p22-helgeland-e-resept": {"torsdag": "2023-02-23", "fredag": "2023-02-24"},
    "ho-p23-vestlandet-journal-nn": {"onsdag": "2023-09-27"},
    "ho-p26-bergen-biletarkiv-nn": {"tysdag": "2024-10-22"},
    "ho-p27-finnmark-telefon-to-dogn": {"mandag": "2022-01-17", "onsdag": "2022-01-19"},
    "ho-p28-hmr-datanett-alesund-nn": {"måndag": "2025-02-10"},
    "ho-p29-telemark-vestfold-kurve": {"mandag": "2023-12-04"},
    "ho-p30-forde-113-nn": {"søndag": "2024-06-23"},
}


def load_domain():
    with open(DOMAIN / "trusts.csv", encoding="utf-8") as f:
        trusts = {r["id"] for r in csv.DictReader(f)}
    with open(DOMAIN / "systems.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return trusts, {r["name"]: r["type"] for r in rows}, {r["type"] for r in rows}


def recent_weekday(published: dt.date, wd: int) -> dt.date:
    """Most recent date on or before `published` with weekday `wd`."""
    return published - dt.timedelta(days=(published.weekday() - wd) % 7)


def check(rec, trusts, sys_names, sys_types, errs):
    rid = rec.get("id")
    e = lambda msg: errs.append(f"{rid}: {msg}")
    if list(rec) != KEYS:
        e(f"keys {list(rec)} != {KEYS}")
    g = rec["gold"]
    if list(g) != GOLD_KEYS:
        e(f"gold keys {list(g)}")
    pub = dt.date.fromisoformat(rec["published"])
    if rec["lang"] not in ("nb", "nn"):
        e("lang")
    text = rec["text"]
    m = re.search(r"Publisert:? (\d{2})\.(\d{2})\.(\d{4})", text)
    if m and dt.date(int(m[3]), int(m[2]), int(m[1])) != pub:
        e(f"Publisert line {m[0]} != published {pub}")
    for t in g["trusts"]:
        if t not in trusts:
            e(f"unknown trust {t}")
    if len(set(g["trusts"])) != len(g["trusts"]):
        e("duplicate trust")
    for s in g["systems"]:
        if list(s) != ["name", "type"] or s["type"] not in sys_types:
            e(f"bad system {s}")
        elif s["name"] is not None and sys_names.get(s["name"]) != s["type"]:
            e(f"system name/type not in systems.csv: {s}")
    if len({(s["name"], s["type"]) for s in g["systems"]}) != len(g["systems"]):
        e("duplicate system")
    if not g["systems"]:
        e("no systems")
    for k in ("start", "end"):
        v = g[k]
        if v is not None:
            if not TIME_RE.match(v):
                e(f"{k} format {v}")
            elif dt.date.fromisoformat(v[:10]) > pub + dt.timedelta(days=1):
                e(f"{k} {v} after published {pub} (+1 day for 'Sist oppdatert')")
    if g["start"] and g["end"] and g["end"] < g["start"]:
        e("end before start")
    if g["status"] not in ("resolved", "ongoing", "unknown"):
        e("status")
    if g["is_outage"]:
        if not g["trusts"]:
            e("positive without trusts")
        if g["status"] == "unknown":
            e("positive with status unknown")
        if g["status"] == "ongoing" and g["end"]:
            e("ongoing with an end")
        if g["status"] == "resolved" and not g["end"]:
            e("resolved without an end")
    else:
        if g["trusts"] or g["start"] or g["end"] or g["status"] != "unknown":
            e("negative must have trusts [], start/end null, status unknown")
    for c in g["contacts"]:
        if list(c) != CONTACT_KEYS:
            e(f"contact keys {list(c)}")
        if c["name"] not in text:
            e(f"contact name not in text: {c['name']}")
        if c["role"] is not None and (c["role"] != c["role"].lower() or c["role"] not in text.lower()):
            e(f"role not lower-case / not in text: {c['role']}")
        if c["org"] is not None and c["org"] not in text:
            e(f"org not in text: {c['org']}")
        if c["email"] is not None and (not c["email"].endswith("@example.no") or c["email"] not in text):
            e(f"email {c['email']}")
        if c["phone"] is not None:
            digits_in_text = re.sub(r"\D", "", text)
            if not re.fullmatch(r"\d{8}", c["phone"]) or c["phone"] not in digits_in_text:
                e(f"phone {c['phone']}")
    # every e-mail address in the text must belong to a contact or to a journalist byline
    for addr in re.findall(r"[\w.\-]+@[\w.\-]+\.\w+", text):
        if not addr.endswith("@example.no"):
            e(f"non-example e-mail {addr}")
    # weekday + explicit date must agree unless the conflict is intended
    for m in re.finditer(r"\b(\w+dag) (\d{1,2})\. (\w+)", text, re.I):
        wd, day, mon = m[1].lower(), int(m[2]), m[3].lower()
        if wd in WEEKDAYS and mon in MONTHS:
            year = pub.year if MONTHS[mon] <= pub.month + 1 else pub.year - 1
            d = dt.date(year, MONTHS[mon], day)
            ok = d.weekday() == WEEKDAYS[wd]
            intended = INTENDED_CONFLICTS.get(rid, "").lower() == m[0].lower()
            if ok == intended:
                e(f"weekday/date '{m[0]}': {calendar.day_name[d.weekday()]} {d} (intended conflict: {intended})")
    for wd, want in BARE_WEEKDAYS.get(rid, {}).items():
        before = recent_weekday(pub, WEEKDAYS[wd])
        after = before + dt.timedelta(days=7)  # an update written after the published day
        if want != before.isoformat() and not (want == after.isoformat() and after <= pub + dt.timedelta(days=1)):
            e(f"bare weekday {wd}: resolves to {before}, intended {want}")
        if wd not in text.lower():
            e(f"bare weekday {wd} not in text")
    # every start/end day must be explained: the published day, a resolved weekday, an explicit
    # date in the text, or 'i går' (published day - 1)
    allowed = {pub.isoformat()} | set(BARE_WEEKDAYS.get(rid, {}).values())
    for m in re.finditer(r"\b(\d{1,2})\. (\w+)", text):
        if m[2].lower() in MONTHS:
            allowed.add(dt.date(pub.year, MONTHS[m[2].lower()], int(m[1])).isoformat())
    for m in re.finditer(r"Publisert (?:klokken )?(\d{2})\.(\d{2}) \d", text):  # OUS-style update stamps
        allowed.add(dt.date(pub.year, int(m[2]), int(m[1])).isoformat())
    if "i går" in text:
        allowed.add((pub - dt.timedelta(days=1)).isoformat())
    if "i natt" in text or "natt til" in text:
        allowed |= {(dt.date.fromisoformat(a) + dt.timedelta(days=1)).isoformat() for a in list(allowed)}
    for k in ("start", "end"):
        if g[k] and g[k][:10] not in allowed:
            e(f"{k} day {g[k][:10]} not explained by text/published ({sorted(allowed)})")
    if rid in INTENDED_CONFLICTS and INTENDED_CONFLICTS[rid].lower() not in text.lower():
        e("intended conflict phrase missing")


def main():
    trusts, sys_names, sys_types = load_domain()
    errs = []
    recs = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = Counter(r["id"] for r in recs)
    errs += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    for r in recs:
        check(r, trusts, sys_names, sys_types, errs)
    pos = sum(r["gold"]["is_outage"] for r in recs)
    langs = Counter(r["lang"] for r in recs)
    status = Counter(r["gold"]["status"] for r in recs)
    print(f"{len(recs)} records: {pos} outage, {len(recs) - pos} negative; lang {dict(langs)}; status {dict(status)}")
    print(f"contacts: {sum(len(r['gold']['contacts']) for r in recs)}; "
          f"date-only times: {sum(1 for r in recs for k in ('start', 'end') if r['gold'][k] and 'T' not in r['gold'][k])}")
    for x in errs:
        print("ERROR", x)
    sys.exit(1 if errs else 0)


if __name__ == "__main__":
    main()
