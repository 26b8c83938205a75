"""Press contacts in Norwegian health-trust news: quoted spokespersons and contact-block entries.

Rules only (no model); a statistical NER can pass its PER spans in `person_spans`.
Decisions:
- A person becomes a contact when quoted (speech verb near the name, or "sier han/hun/ho" right
  after a sentence naming them), when given a press role (pressevakt, kommunikasjons-...), or
  when listed in a contact block or a signature line with an e-mail or phone.  A quoted person
  needs a role or a health organisation; quotes without either (patients, bystanders) are dropped.
- Journalists, editors, page authors, outside commentators (GPs, county doctors, professors,
  politicians, patients) and staff of telecom, power, university, municipal or media
  organisations are never contacts; a name excluded once is excluded everywhere in the text.
- Mentions of the same person merge (case-insensitive, a missing middle name or a surname alone
  is tolerated, one-letter spelling differences in the surname too); fields are the union.
- `org` is the organisation written with the person (or the "Kontaktperson i ORG" sub-heading);
  `org_id` is `gazetteer.resolve_trust(org)`.  When no org is written and `publisher_id` is given,
  `org` stays None and `org_id` becomes `publisher_id` only for block entries and press roles,
  who speak for the site that publishes them; other quoted staff may work for another trust.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from ..gazetteer import Gazetteer
from ..records import Contact
from ..urls import registrable_domain
from .contacts_blocks import block_mentions, block_score, byline_lines, emails, phones
from .contacts_lexicon import (
    BLOCK_HEADING,
    BYLINE_PREFIX,
    PRESS_ROLE,
    PRONOUN_ATTRIBUTION,
    SPEECH_VERB,
    normalise_phone,
)
from .contacts_names import Mention, describe, lines, name_spans, sentences

__all__ = ["find_contacts", "normalise_phone"]

_VERB_DISTANCE = 100
_HEALTH_ORG = re.compile(r"helse|sykehus|sjukehus|hospital|klinikk|ikt|apotek", re.I)


def find_contacts(
    text: str,
    gazetteer: Gazetteer,
    person_spans: Sequence[tuple[int, int]] = (),
    publisher_id: str | None = None,
    url: str | None = None,
) -> list[Contact]:
    """Return the press contacts of an article, one per person, in order of first mention.

    On a site that is not a trust's (`publisher_id` None), a person with an e-mail address at the
    site's own domain works for the outlet: a journalist's byline, not a contact.
    """
    spans = lines(text)
    skip = byline_lines(text, spans)
    names = name_spans(text, gazetteer, person_spans)
    mentions = block_mentions(text, gazetteer, names, spans, skip)
    taken = {m.start for m in mentions}
    parts = [(a, lo, hi) for i, (a, b) in enumerate(spans) if i not in skip for lo, hi in sentences(text, a, b)]
    mentions += _quote_mentions(text, parts, names, taken, gazetteer)
    mentions.sort(key=lambda m: m.start)

    def described(m: Mention) -> None:  # what a deferred mention's sentence says about the person
        if m.pending is not None:
            describe(text, m, *m.pending, gazetteer)
            m.pending = None

    found = [_contact(group, gazetteer, publisher_id) for group in _merge(mentions, described)]
    outlet = _domain(urlsplit(url).hostname or "") if publisher_id is None and url else None
    return [c for c in found if not (outlet and c.email and _domain(c.email.rsplit("@", 1)[-1]) == outlet)]


def _domain(host: str) -> str:
    return registrable_domain(host.lower()) if host else ""


def _quote_mentions(
    text: str, parts: list[tuple[int, int, int]], names: list[tuple[int, int]], taken: set[int], gaz: Gazetteer
) -> list[Mention]:
    """Mentions of names in (line start, sentence start, end) parts, with role, org and whether quoted."""
    out: list[Mention] = []
    last: Mention | None = None
    for a, lo, hi in parts:
        inside = [n for n in names if lo <= n[0] and n[1] <= hi and n[0] not in taken]
        inside = [n for n in inside if not BYLINE_PREFIX.search(text[max(a, n[0] - 30):n[0]])]
        sentence = text[lo:hi].strip()
        if not inside:
            if last is not None and last.full and PRONOUN_ATTRIBUTION.search(sentence):
                last.qualifies = True  # "... har satt gul beredskap. – Vi har kontroll, sier hun."
                last.confidence = max(last.confidence, 0.7)
            last = None
            continue
        verbs = [v.span() for v in SPEECH_VERB.finditer(text, lo, hi)]
        full = [n for n in inside if len(text[n[0]:n[1]].split()) >= 2]
        head = BLOCK_HEADING.match(text[lo:hi])
        may_have_press_role = PRESS_ROLE.search(text, lo, hi) is not None  # roles are read within [lo, hi)
        for s, e in inside:
            m = Mention(text[s:e], s, e, sentence, len(text[s:e].split()) >= 2)
            quoted = any(vs - _VERB_DISTANCE <= e and s - _VERB_DISTANCE <= ve for vs, ve in verbs)
            in_block = bool(head and lo + head.end() <= s)  # "... Kontaktperson: NAME, rolle, e-post" in running text
            if quoted or in_block or may_have_press_role:
                describe(text, m, lo, hi, gaz)
            else:  # it cannot qualify by itself, and its score does not depend on its role or org:
                m.pending = (lo, hi)  # described only if another mention makes this person a contact
            m.qualifies = quoted or bool(m.role and PRESS_ROLE.search(m.role))
            if in_block:
                m.qualifies = m.block = True
            if len(full) == 1 and m.full:
                m.email = next(iter(emails(text, lo, hi)), None)
                m.phone = next(iter(phones(text, lo, hi)), None)
            m.confidence = _score(m, quoted)
            out.append(m)
            last = m
    return out


def _score(m: Mention, quoted: bool) -> float:
    """Confidence of a running-text mention (block entries are scored as blocks)."""
    if m.block:
        return block_score(m)
    if quoted and m.role:
        return 0.9 if m.org else 0.85
    if m.role and m.qualifies:
        return 0.75
    return 0.6 if quoted and m.org else 0.4


def _tokens(name: str) -> list[str]:
    """Lower-cased name parts for matching, without initials and particles."""
    words = re.split(r"[\s-]+", name.lower())
    return [w for w in words if len(w) > 1 and not w.endswith(".") and w not in {"van", "von", "de", "der", "den"}]


def _close(a: str, b: str) -> bool:
    """True when two surnames are equal or differ by one edit (spelling varies between outlets)."""
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] <= 1


def _same(a: list[str], b: list[str]) -> bool:
    """Same person: equal parts, or same first name and (nearly) same surname (middle name optional)."""
    return bool(a and b) and (a == b or a[0] == b[0] and _close(a[-1], b[-1]))


def _merge(mentions: list[Mention], described: Callable[[Mention], None]) -> list[list[Mention]]:
    """Group mentions by person; drop groups excluded anywhere, never quoted/listed, or without role/org.

    `described` fills in a deferred mention: those of a group that qualifies, before it is judged.
    """
    groups: list[list[Mention]] = []
    keys: list[list[str]] = []
    for m in (m for m in mentions if m.full):
        toks = _tokens(m.name)
        k = next((k for k, key in enumerate(keys) if _same(key, toks)), None)
        if k is None:
            groups.append([m])
            keys.append(toks)
        else:
            groups[k].append(m)
            if len(toks) > len(keys[k]):
                keys[k] = toks
    for m in (m for m in mentions if not m.full):
        toks = _tokens(m.name)
        hits = [k for k, key in enumerate(keys) if toks and key[-len(toks):] == toks and len(key) > len(toks)]
        if len(hits) == 1:
            groups[hits[0]].append(m)
    out = []
    for group in groups:
        group.sort(key=lambda m: m.start)
        if not any(m.qualifies for m in group):
            continue
        for m in group:
            described(m)
        if any(m.excluded for m in group):
            continue
        if any(m.block or m.role for m in group) or any(m.org and _HEALTH_ORG.search(m.org) for m in group):
            out.append(group)
    return out


def _contact(group: list[Mention], gaz: Gazetteer, publisher_id: str | None) -> Contact:
    """One contact from the mentions of one person (union of fields)."""
    full = [m for m in group if m.full]
    name = max(full, key=lambda m: (len(_tokens(m.name)), -m.start)).name
    role = next((m.role for m in group if m.role), None)
    orgs = [m.org for m in group if m.org]
    org = next((o for o in orgs if gaz.resolve_trust(o)), orgs[0] if orgs else None)
    org_id = gaz.resolve_trust(org) if org else None
    qualifying = [m for m in group if m.qualifies]
    confidence = max(m.confidence for m in qualifying)
    if len({m.block for m in qualifying}) > 1:
        confidence += 0.05  # quoted and listed in a block
    if org is None and publisher_id and (any(m.block for m in group) or role and PRESS_ROLE.search(role)):
        org_id = publisher_id
    return Contact(
        name=" ".join(name.split()),
        role=role,
        org=org,
        org_id=org_id,
        email=next((m.email for m in group if m.email), None),
        phone=next((m.phone for m in group if m.phone), None),
        evidence=qualifying[0].evidence,
        confidence=round(min(confidence, 1.0), 2),
    )
