"""Contact blocks ("Kontaktpersoner for media:", "Kontakt:", signature lines) and byline lines."""
from __future__ import annotations

import re

from ..gazetteer import Gazetteer
from .contacts_lexicon import (
    BLOCK_HEADING,
    BYLINE_LINE,
    EMAIL,
    EXCLUDED_MAIL_DOMAIN,
    EXCLUDED_ORG,
    NONPERSONAL_AFTER,
    NONPERSONAL_LABEL,
    ADDRESS_LINE,
    LABELLED_NUMBER,
    ORG_WORDS,
    PHONE,
    PUBLISHED_LINE,
    ROLE_FULL,
    SPEECH_VERB,
    STAMP_LINE,
    lower_role,
    normalise_phone,
)
from .contacts_names import Mention, known_org, describe, org_at

_MAX_ENTRY_WORDS = 12


def byline_lines(text: str, spans: list[tuple[int, int]]) -> set[int]:
    """Indexes of lines that name the journalist, photographer, editor or page author."""
    out: set[int] = set()
    body = [i for i, (a, b) in enumerate(spans) if text[a:b].strip()]
    for k, i in enumerate(body):
        line = text[spans[i][0]:spans[i][1]].strip()
        words = len(line.split())
        if (BYLINE_LINE.match(line) or PUBLISHED_LINE.match(line)) and words <= 12 and not SPEECH_VERB.search(line):
            out.add(i)
        nxt = body[k + 1] if k + 1 < len(body) else None
        nxt_line = text[spans[nxt][0]:spans[nxt][1]].strip() if nxt is not None else ""
        near_stamp = STAMP_LINE.match(nxt_line) or k > 0 and STAMP_LINE.match(_line(text, spans, body[k - 1]))
        if (PUBLISHED_LINE.match(nxt_line) or near_stamp) and words <= 10 and not SPEECH_VERB.search(line):
            out.add(i)  # an author line just before "Publisert", or next to a "27.03.19 10:58" stamp
        if PUBLISHED_LINE.match(line):  # a media byline block above it: name, title, e-mail on lines of their own
            for j in reversed(body[max(1, k - 3):k]):
                above = _line(text, spans, j)
                if len(above.split()) > 6 or above.endswith((".", "!", "?", ":")) or SPEECH_VERB.search(above):
                    break
                out.add(j)
    return out


def _line(text: str, spans: list[tuple[int, int]], i: int) -> str:
    return text[spans[i][0]:spans[i][1]].strip()


def emails(text: str, lo: int, hi: int) -> list[str]:
    """Lower-cased e-mail addresses in text[lo:hi], cutting off a phone number glued in front."""
    phones = [m.span() for m in PHONE.finditer(text, lo, hi)]
    out = []
    for m in EMAIL.finditer(text, lo, hi):
        start = max([e for s, e in phones if s <= m.start() < e] + [m.start()])
        glued = re.match(r"\d{8,}(?=[^\d@])", text[start:m.end()])
        if glued and normalise_phone(glued.group()):
            start += glued.end()
        out.append(text[start:m.end()].lower())
    return out


def phones(text: str, lo: int, hi: int) -> list[str]:
    """Normalised personal phone numbers in text[lo:hi] (switchboards, SMS and press lines skipped)."""
    out = []
    for m in PHONE.finditer(text, lo, hi):
        before = re.split(r"[,;•|(]", text[lo:m.start()])[-1]
        number = normalise_phone(m.group())
        if number and not NONPERSONAL_LABEL.search(before) and not NONPERSONAL_AFTER.match(text, m.end(), hi):
            out.append(number)
    return out


def _fill(mention: Mention, text: str, lo: int, hi: int, gaz: Gazetteer) -> None:
    """Add e-mail, phone, role and organisation found in text[lo:hi] to a block entry."""
    mail = next(iter(emails(text, lo, hi)), None)
    if mail and EXCLUDED_MAIL_DOMAIN.search(mail):
        mention.excluded = True
    mention.email = mention.email or mail
    mention.phone = mention.phone or next(iter(phones(text, lo, hi)), None)
    segments = [s.strip() for s in re.split(r"[,;•|]", text[lo:hi])]
    for seg in segments:
        if mention.role is None and ROLE_FULL.fullmatch(seg):
            mention.role = lower_role(seg)
        known = known_org(gaz).fullmatch(seg)
        if mention.org is None and known:
            mention.org = known.group("org")
    if mention.org and EXCLUDED_ORG.search(mention.org):
        mention.excluded = True


def _is_org_line(line: str, gaz: Gazetteer) -> bool:
    """True for switchboard and address lines ("Helse Nord RHF: 75 51 29 00 • Sjøgata 10")."""
    if ADDRESS_LINE.search(line):
        return True
    m = LABELLED_NUMBER.match(line)
    if not m:
        return False
    label = m.group("label").strip()
    words = {w.lower() for w in re.findall(r"[\w-]+", label)}
    return bool(known_org(gaz).fullmatch(label) or words & ORG_WORDS or gaz.resolve_trust(label))


def _continues(line: str, gaz: Gazetteer) -> bool:
    """True for the short lines that follow a name in a signature: role, e-mail, phone or organisation."""
    stripped = line.strip().strip(".")
    return bool(
        EMAIL.search(line) or PHONE.search(line) or ROLE_FULL.fullmatch(stripped) or known_org(gaz).fullmatch(stripped)
    ) and len(line.split()) <= _MAX_ENTRY_WORDS


def _signature(text: str, spans: list[tuple[int, int]], i: int, gaz: Gazetteer) -> bool:
    """True when line i holds only a name and the next lines give role, e-mail or phone."""
    following = [text[a:b] for a, b in spans[i + 1:i + 5] if text[a:b].strip()][:3]
    return any(EMAIL.search(x) or PHONE.search(x) for x in following) and all(_continues(x, gaz) for x in following[:1])


def block_score(mention: Mention) -> float:
    """Confidence of a block entry: higher with an e-mail or phone, lower without a role."""
    if mention.email or mention.phone:
        return 0.95
    return 0.8 if mention.role else 0.6


def _heading_org(text: str, a: int, head: re.Match[str], gaz: Gazetteer) -> tuple[str | None, int]:
    """The organisation of a block heading ("Kontaktperson i ORG") and where its entries start."""
    key = "org" if head.group("org") else "org2"
    org, start = (head.group(key) or "").strip(), a + head.end()
    if org and (len(org.split()) > 6 or re.search(r"[\d@]|\s(?:er|heiter|heter)\s", org)):
        found = org_at(text, a + head.start(key), gaz, known_only=True)  # "... i UNN er NAME, tlf ..."
        org, start = (found[0] if found else ""), a + head.start(key)
    return (org if org[:1].isupper() else None), start


def block_mentions(
    text: str, gaz: Gazetteer, names: list[tuple[int, int]], spans: list[tuple[int, int]], skip: set[int]
) -> list[Mention]:
    """Entries of contact blocks and signature lines, each a qualifying mention."""
    full = [n for n in names if len(text[n[0]:n[1]].split()) >= 2]
    out: list[Mention] = []
    cur: Mention | None = None
    in_block, implicit, blanks, org_ctx = False, False, 0, None
    for i, (a, b) in enumerate(spans):
        line = text[a:b]
        if i in skip:
            cur = None
            continue
        if not line.strip():
            blanks += 1
            if blanks >= 3:
                in_block, cur = False, None
            continue
        blanks = 0
        start = a
        org_line = _is_org_line(line, gaz)
        head = BLOCK_HEADING.match(line)
        has_contact = bool(EMAIL.search(line) or PHONE.search(line))
        if head:
            in_block, implicit, cur = True, False, None
            org_ctx, start = _heading_org(text, a, head, gaz)
        elif in_block and (len(line.split()) > _MAX_ENTRY_WORDS and not has_contact
                           or implicit and not _continues(line, gaz)):
            in_block, cur, org_ctx = False, None, None
        name = next((n for n in full if start <= n[0] and n[1] <= b), None)
        if name is None:
            if cur is not None and not org_line and in_block:
                _fill(cur, text, start, b, gaz)
                cur.evidence += " | " + line.strip()
                cur.confidence = block_score(cur)
            else:
                cur = None
            continue
        lead = text[start:name[0]]
        signature = re.fullmatch(rf"[\W_]*(?:{ROLE_FULL.pattern})?\s*", lead) and (
            has_contact or not text[name[1]:b].strip(" ,.") and _signature(text, spans, i, gaz)
        )
        if org_line or not in_block and not signature:
            cur = None
            continue
        if not in_block:
            in_block, implicit, org_ctx = True, True, None
        cur = Mention(text[name[0]:name[1]], name[0], name[1], line.strip(), True, qualifies=True, block=True)
        describe(text, cur, start, b, gaz)
        _fill(cur, text, name[1], b, gaz)
        if cur.org is None and org_ctx:
            cur.org = org_ctx
            cur.excluded = cur.excluded or bool(EXCLUDED_ORG.search(org_ctx))
        cur.confidence = block_score(cur)
        out.append(cur)
    return out
