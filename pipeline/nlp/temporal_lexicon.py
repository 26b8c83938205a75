"""Norwegian (bokmål and nynorsk) time vocabulary: language facts used by the temporal extractor.

These lists are facts about how times are written, not configuration; the outage
vocabulary proper (start/resolved/planned terms) comes from the gazetteer.
"""
from __future__ import annotations

import re
from collections.abc import Iterable


def alt(words: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first, spaces matching any whitespace."""
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


# Month names and the abbreviations news sites use ("7. jan.", "16. sept.").
MONTHS: dict[str, int] = {
    "januar": 1, "jan": 1, "februar": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4,
    "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "desember": 12, "des": 12,
}

# Weekdays in both written standards (Monday = 0, as date.weekday()).
WEEKDAYS: dict[str, int] = {
    "mandag": 0, "måndag": 0, "tirsdag": 1, "tysdag": 1, "onsdag": 2, "torsdag": 3,
    "fredag": 4, "lørdag": 5, "laurdag": 5, "søndag": 6, "sundag": 6,
}

# Part-of-day words (bare and definite forms, bokmål and nynorsk) -> canonical part of day.
PARTS_OF_DAY: dict[str, str] = {
    "morgen": "morgen", "morgenen": "morgen", "morgon": "morgen", "morgonen": "morgen",
    "formiddag": "formiddag", "formiddagen": "formiddag",
    "føremiddag": "formiddag", "føremiddagen": "formiddag",
    "ettermiddag": "ettermiddag", "ettermiddagen": "ettermiddag",
    "kveld": "kveld", "kvelden": "kveld", "kveldinga": "kveld",
    "natt": "natt", "natta": "natt", "natten": "natt",
}

# Hours [from, to) each part of the day covers; a clock time inside it can be joined to it.
POD_HOURS: dict[str, tuple[int, int]] = {
    "natt": (0, 6), "morgen": (5, 11), "formiddag": (8, 12),
    "ettermiddag": (12, 18), "kveld": (17, 24), "dag": (6, 18),
}

# Named days resolved like a date without a year.
HOLIDAYS: dict[str, tuple[int, int]] = {
    "julaften": (12, 24), "julaftan": (12, 24), "første juledag": (12, 25),
    "1. juledag": (12, 25), "andre juledag": (12, 26), "2. juledag": (12, 26),
    "nyttårsaften": (12, 31), "nyttårsaftan": (12, 31), "nyårsaftan": (12, 31),
    "nyttårsdag": (1, 1), "nyårsdag": (1, 1),
}

# Hours written as words (12-hour clock: "halv ett" is 12.30, "klokka ni" 9 or 21).
CLOCK_WORDS: dict[str, int] = {
    "ett": 1, "eitt": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "sju": 7, "syv": 7,
    "åtte": 8, "ni": 9, "ti": 10, "elleve": 11, "tolv": 12,
}

# Amount words in durations and relative times ("en time", "tre kvarter", "halvannen time").
NUMBER_WORDS: dict[str, float] = {
    **CLOCK_WORDS, "en": 1, "ei": 1, "et": 1, "ein": 1, "eit": 1,
    "tretten": 13, "fjorten": 14, "femten": 15, "seksten": 16, "sytten": 17, "atten": 18,
    "nitten": 19, "tjue": 20, "tjuefem": 25, "tretti": 30, "tredve": 30, "førti": 40, "femti": 50,
    "halvannen": 1.5, "halvanna": 1.5, "halvannan": 1.5,
}

# Vague amounts: a duration is recognised but its length stays unknown ("nokre timar").
VAGUE_AMOUNTS = (
    "noen få", "nokre få", "noen", "nokre", "nokon", "flere", "fleire", "mange",
    "et par", "eit par", "par", "en del", "ein del",
)

# Modifiers marking an amount as approximate ("drøye halvtimen", "opp mot tre timer").
APPROX_AMOUNT = (
    "drøy", "drøye", "drøyt", "knapp", "knappe", "knapt", "snaut", "snau", "snaue", "vel", "godt og vel",
    "nesten", "nærmere", "nærmare", "opp mot", "oppimot", "opptil", "rundt", "ca.", "ca", "cirka",
    "om lag", "omlag", "omtrent", "i overkant av", "i underkant av", "over", "under", "mer enn",
    "meir enn", "mindre enn", "bortimot", "godt over",
)

# Duration units (regex, minutes per unit).
UNITS: tuple[tuple[str, int], ...] = (
    (r"minutt(?:er|ar|a|ane|ene|en)?|min\b\.?", 1),
    (r"kvarter(?:et)?", 15),
    (r"halvtime(?:n)?", 30),
    (r"tim(?:e(?:r|n|ne)?|ar|ane|er|ene)", 60),
    (r"døgn(?:et|a)?", 1440),
    (r"dag(?:er|ar|en|ane|ene)?", 1440),
    (r"uke(?:r|n)?|veke(?:r|a)?", 10080),
)

# Words after (or "etter" before) an amount making it a time relative to the previous one.
RELATIVE_AFTER = ("senere", "seinare", "seinere", "etter", "etterpå", "etter dette", "etter det")

# Words before an amount making it the length of the outage ("nede i fire timer", "varte to døgn").
DURATION_BEFORE = ("i", "på", "varte", "varte i", "varde", "varde i", "vara", "pågikk i", "pågjekk i")

# A relative end with no length given: the end is a marker without value.
MARKER_PHRASES = (
    "etter kort tid", "etter en kort stund", "etter ei kort stund", "etter ein kort stund",
    "kort tid etter", "kort tid etterpå", "like etterpå", "raskt etterpå",
)

# Words before a clock time. Direction: where the time sits in an interval or a deadline.
CLOCK_FROM = ("fra", "frå", "f.o.m.", "fra og med", "frå og med")
CLOCK_SINCE = ("siden", "sidan")
CLOCK_TO = ("til", "fram til", "frem til", "inntil")
CLOCK_DEADLINE = ("innen", "innan", "seinast", "senest")
# Approximation words before a clock time ("rundt klokken 08.00", "like etter klokka 10").
CLOCK_APPROX = (
    "ca.", "ca", "cirka", "circa", "rundt", "omkring", "kring", "om lag", "omlag", "omtrent",
    "like etter", "like før", "rett etter", "rett før", "litt etter", "litt før", "litt over",
    "kort etter", "straks etter", "noe etter", "noko etter",
)
# Neutral words that may stand between the cue and the time ("fra i 07-tiden", "ved 15.30-tida").
CLOCK_NEUTRAL = ("i", "ved", "etter", "før", "mellom", "om")
CLOCK_PREFIXES = CLOCK_FROM + CLOCK_SINCE + CLOCK_TO + CLOCK_DEADLINE + CLOCK_APPROX + CLOCK_NEUTRAL

# Words introducing a date or part of day as one end of a range ("fra torsdag kveld").
DATE_FROM = ("fra", "frå", "siden", "sidan")
DATE_TO = ("til", "fram til", "frem til", "inntil")

# Word before a weekday choosing the next (future) or a strictly earlier occurrence.
WEEKDAY_NEXT = ("neste", "kommende", "kommande", "førstkommende", "førstkomande")
WEEKDAY_LAST = ("sist", "siste", "forrige", "førre")

# Abbreviations ending in a full stop that do not end a sentence.
ABBREVIATIONS = frozenset({
    "kl", "ca", "nr", "bl.a", "f.eks", "jf", "dvs", "mht", "tlf", "evt", "inkl", "ekskl", "pr",
    "mnd", "st", "dr", "ev", "m.m", "o.l", "ref", "avd", "adm", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "okt", "nov", "des", "f.o.m", "t.o.m", "ifm", "vs",
})
