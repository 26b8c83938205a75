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
    "meir enn", "mindre enn", "bortimot", "godt over", "nær", "i nær", "i nesten", "i knapt", "i drøyt",
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
# after a weekday: that day of the previous or next calendar week ("tirsdag forrige uke", "onsdag neste veke")
WEEK_BEFORE = r"(?:i\s+)?(?:forrige|førre)\s+(?:uke|uka|veke|veka)"
WEEK_AFTER = r"(?:i\s+)?(?:neste|kommende|kommande)\s+(?:uke|veke)"

# Abbreviations ending in a full stop that do not end a sentence.
ABBREVIATIONS = frozenset({
    "kl", "ca", "nr", "bl.a", "f.eks", "jf", "dvs", "mht", "tlf", "evt", "inkl", "ekskl", "pr",
    "mnd", "st", "dr", "ev", "m.m", "o.l", "ref", "avd", "adm", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "okt", "nov", "des", "f.o.m", "t.o.m", "ifm", "vs",
})

# Time-specific cue words (language facts), matched as whole words; they override the
# gazetteer category of an identical term. Listed inflections, no compounding.
EXTRA_CUES: dict[str, tuple[str, ...]] = {
    # the outage began / was noticed
    "start": (
        "oppsto", "oppstod", "startet", "starta", "begynte", "byrja", "oppdaget", "oppdaga", "oppdagde",
        "rev over", "reiv over", "kuttet", "kutta", "ikke lenger logget", "ikkje lenger logga", "merket at",
        "merka at", "merkte at",
        "ikke lenger tilgang", "ikkje lenger tilgang",
        "fikk problemer", "fekk problem", "fikk problem", "stoppet", "stoppa", "stanset", "stansa",
        "lå nede", "låg nede", "var nede", "gikk i stå", "gjekk i stå", "mistet", "mista",
        "uplanlagt", "uplanlagd", "uplanlagte", "meldte om", "melde om", "varslet om", "varsla om",
        "fikk melding om", "fekk melding om", "feil på", "feil i", "feil med", "problemer", "problema",
        "problemene", "trøbbel", "ute av drift", "ikke åpnet", "ikkje opna", "fikk ikke", "fekk ikkje",
        "kunne ikke", "kunne ikkje", "ikke logge", "ikkje logge", "ikke fått", "ikkje fått", "kom ikke",
        "kom ikkje", "ikke svar", "ikkje svar", "vanskelig å nå", "vanskelige å nå", "vanskeleg å nå",
        "vanskelege å nå", "kutta", "kuttet", "lynnedslag", "lynnedslaget", "slo ned", "øydela", "ødela",
        "fekk skade", "fikk skade", "straumbrot", "straumbrotet", "strømbrudd", "strømbruddet", "kabelbrot",
        "kabelbrotet", "kabelbrudd", "utan straum", "uten strøm", "gikk strømmen", "gjekk straumen",
        "ramma", "rammet", "råka", "mista sambandet", "mistet forbindelsen", "ikke logget", "ikkje logga",
        "ikke logge seg", "ikkje logge seg", "kom ikke inn", "kom ikkje inn", "ikke tilgang", "ikkje tilgang",
    ),
    # the outage ended
    "end": (
        "løst", "løyst", "løyste", "løste", "rettet", "retta", "utbedret", "utbetra", "fikset", "fiksa",
        "reparert", "gjenopprettet", "gjenoppretta", "oppe igjen", "oppe att", "i gang igjen",
        "igjen fungerer", "att fungerer", "igjen virker", "att verkar", "igjen fungerte", "att fungerte",
        "tilgjengelig igjen", "tilgjengelige igjen", "tilgjengeleg att", "tilgjengelege att",
        "i gang att", "fungerte igjen", "fungerte att", "fungerte normalt", "virket igjen", "verka att",
        "verkar att", "kom tilbake", "kom opp igjen", "kom opp att", "er tilbake", "var tilbake",
        "normalisert", "friskmeldt", "friskmeldte", "avblåst", "avblåste", "på plass igjen",
        "stabil igjen", "omstart", "omstartet", "restartet", "var over", "er over", "åpnet igjen",
        "opna att", "fungert normalt", "fungert som normalt", "fungert igjen", "fungert att", "vore i drift",
        "vært i drift", "virket normalt", "fikk kontroll", "fekk kontroll", "under kontroll",
        "stabilt igjen", "stabilt att", "stabil att", "stabile igjen", "stabile att", "kom i gang igjen",
        "kom i gang att", "normal igjen", "normal att", "normalt igjen", "normalt att", "normale igjen",
        "normale att", "igjen var i drift", "igjen er i drift", "att var i drift", "igjen i drift",
        "att i drift", "igjen mulig", "att mogleg", "mulig igjen", "mogleg att", "vore stabile",
        "vært stabile", "vore stabilt", "vært stabilt", "i orden igjen", "i orden att", "vore i full drift",
        "vært i full drift",
    ),
    # still going on at that time: a status time, not the start
    "ongoing": (
        "fortsatt", "framleis", "fremdeles", "ennå", "enno", "stadig", "per nå", "foreløpig", "førebels",
        "pågår", "ikke løst", "ikkje løyst", "ikke rettet", "ikkje retta", "ikke oppe", "ikkje oppe",
    ),
    # planned work: competes with the outage words for the nearest time
    "planned": (
        "planlagt", "planlagd", "planlagde", "planlagte", "vedlikehold", "vedlikehald", "vedlikeholdet",
        "vedlikehaldet",
    ),
    # future tense: no time of the clause is an incident time
    "future": (
        "vil være", "vil vere", "vil bli", "vil", "skal", "kommer til å", "kjem til å", "blir stengt",
        "blir stengd", "vert stengt", "vert stengd", "stenges", "stengast", "i morgen", "i morgon",
        "neste", "kommende", "kommande", "oppgraderes", "oppgraderast", "blir oppgradert",
        "vert oppgradert",
    ),
    # repair estimates and deadlines
    "estimate": (
        "forventer", "forventar", "forventa", "forventes", "forventast", "forventet at", "forventning",
        "venter at", "ventar at", "ventet at", "venta at", "er ventet", "er venta", "regner med",
        "reknar med", "estimert", "estimat", "estimert rettetid", "anslått", "anslag", "håper", "håpar",
        "prognose", "innen", "innan", "tidligst", "tidlegast", "senest", "seinast",
        "etter planen",
    ),
    # when someone spoke or wrote (the time is the statement's, unless it reports the fix)
    "speech": (
        "sier", "seier", "sa", "forteller", "fortel", "fortalte", "opplyser", "opplyste", "uttaler",
        "uttalte", "skriver", "skriv", "skrev", "melder", "meldte", "informerer", "informerte",
        "kunngjorde", "bekrefter", "bekreftet", "stadfestar", "stadfesta", "pressemelding",
        "pressemeldinga", "pressemeldingen", "pressekonferanse", "pressekonferansen", "pressemøte",
        "intervju", "til NRK", "til NTB",
    ),
    # another, earlier event: every time of the sentence is about it
    "past": (
        "i fjor", "tidligere i år", "tidlegare i år", "tidligere i uka", "tidlegare i veka",
        "tidligere i måneden", "tidlegare i månaden", "forrige uke", "førre veke", "forrige gang",
        "førre gong", "sist gang", "sist gong", "tilsvarende", "tilsvarande", "for ett år siden",
        "for eitt år sidan",
    ),
    # other events in the same clause: meetings, waiting and opening times
    "aside": (
        "møte", "møtet", "styremøte", "ventetid", "ventetida", "ventetiden", "ventet", "venta",
        "åpningstid", "åpningstider", "opningstid", "besøkstid", "ble stilt", "vart stilt",
        "stilt tilbake", "stilt fram", "tidsomstilling", "tidsomstillinga", "stilles", "stillast",
    ),
    # longer phrases that only shield a shorter cue ("skal ha" = reportedly, not future; "torsdag forrige
    # uke" dates this event, unlike "forrige uke" alone)
    "neutral": ("skal ha", "skal visstnok", "vil ha", "ikke planlagt", "ikkje planlagd",
                *(f"{day}{en} {i}{last} {week}" for day in WEEKDAYS for en in ("", "en") for i in ("", "i ")
                  for last, weeks in (("forrige", ("uke", "uka")), ("førre", ("veke", "veka"))) for week in weeks)),
}
# Particle verbs split by the subject after a fronted time ("Torsdag kveld gikk systemet ned").
_GAP = r"\s+(?:(?:[\w,-]+|\w{1,3}\.)\s+){1,8}?"  # (an abbreviation such as "St." may stand in it)
_GAP0 = r"\s+(?:[\w-]+\s+){0,4}?"
_GAP_POS = r"\s+(?:(?!ikke\b|ikkje\b|ikkj\b|ingen\b)[\w-]+\s+){0,8}?"  # no negation in the gap: "kunne ikke ... igjen"
SPLIT_CUES: tuple[tuple[str, str], ...] = (
    # "fekk tilsette ved Haukeland, Voss sjukehus og Kysthospitalet i Hagevik feilmelding": a list of places between
    (r"\b(?:fikk|fekk|får)\s+(?:(?:[\w,-]+|\w{1,3}\.)\s+){1,12}?(?:opp\s+)?feilmelding(?:er|ar|a|en)?\b", "start"),
    (rf"\b(?:gikk|gjekk|går|falt|fall|fell|faller|datt|detta){_GAP}(?:ned|ut)\b", "start"),
    (rf"\b(?:sluttet|slutta|slutter|sluttar){_GAP}å\s+(?:virke|verke|fungere|svare|vise|sende|lagre|laste)\b",
     "start"),  # "sluttet Sectra å vise nye bilder"
    (rf"\b(?:strømmen|straumen|lyset){_GAP0}(?:gikk|gjekk|forsvant|forsvann|blei\s+borte|ble\s+borte|vart\s+borte)\b",
     "start"),  # "Strømmen i Sarpsborg-området gikk klokken 23.52"
    (rf"\b(?:ble|blei|vart){_GAP}(?:tomme|tom|tomt|svarte|svart|borte|blanke)\b", "start"),  # "vart skjermane ... tomme"
    (rf"\b(?:mistet|mista|miste|misset)\s+(?:[\w,-]+\s+){{0,8}}?(?:tilgangen|tilgang|forbindelsen|forbindelse|sambandet|samband|"
     rf"kontakten|nettet|datanettet|datanett|nettverket|internett|internettet|strømmen|straumen|telefonene|telefonane)\b",
     "start"),  # "mistet blodbanken ved SUS tilgangen til", "mistet både datanett og interne telefoner"
    (rf"\b(?:klarte|klarer|greidde|greide|greier|maktet){_GAP0}(?:ikke|ikkje)\s+(?:lenger\s+)?å\b", "start"),
    (rf"\b(?:klarte|klarer|greidde|greide|greier|maktet)\s+(?:ikke|ikkje){_GAP0}å\b", "start"),  # "klarte ikke radiologene å"
    (r"\bingen\s+(?:kunne|fikk|fekk|kom)\b", "start"),  # "ingen kunne lese dem av"
    (rf"\b(?:kunne|fikk|fekk)\s+(?:[\w,-]+\s+){{1,4}}?(?:ikke|ikkje)\b", "start"),  # "kunne torsdag ettermiddag ikkje sjå"
    (rf"\b(?:kom|kjem|var|er|ble|vart|blei){_GAP}(?:opp\s+(?:igjen|att)|tilbake)\b", "end"),
    (rf"\b(?:hadde|fikk|fekk){_GAP}tilbake\b", "end"),  # "Teknisk personell hadde strømmen tilbake klokken 08.40"
    (rf"\b(?:var|ble|blei|vart){_GAP0}(?:strømmen|straumen|nettet|telefonane|telefonene)\s+borte\b", "start"),
    (rf"\b(?:fungerte|fungerer|virket|verka|verkar){_GAP}(?:igjen|att|som\s+normalt)\b", "end"),
    (rf"\b(?:gikk|gjekk|går){_GAP0}(?:igjen|att)\s+som\s+(?:normalt|vanlig|vanleg)\b", "end"),  # "gikk journalen igjen som normalt"
    (rf"\b(?:startet|starta){_GAP0}på\s+nytt\b", "end"),
    (rf"\b(?:mulig|mogleg|mogeleg|kunne|kan|fikk|fekk){_GAP_POS}(?:igjen|att|som\s+før|som\s+normalt|som\s+vanlig|"
     rf"som\s+vanleg)\b", "end"),
    (rf"\b(?:blir|vert|vil\s+bli){_GAP0}(?:stengt|stengd|oppgradert|utilgjengelig|utilgjengeleg|nede)\b",
     "future"),
)
