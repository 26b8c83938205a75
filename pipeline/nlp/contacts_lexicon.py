"""Word lists and regular expressions for press-contact extraction (bokmål and nynorsk)."""
from __future__ import annotations

import re

UPPER = "A-ZÆØÅÉÈÜÖÄÁÓ"
LOWER = "a-zæøåéèêüöäáóíçñ"
SPACE = r"[ \t\u00a0]"

# A capitalised name token ("Kari", "Olsen-Lie", "McKenzie"), an initial ("M.") and particles.
NAME_TOKEN = re.compile(rf"[{UPPER}][{LOWER}'’]+(?:[{UPPER}][{LOWER}]+)?(?:-[{UPPER}][{LOWER}'’]+)*")
INITIAL = re.compile(rf"[{UPPER}]\.")
PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "af", "ten", "ter", "bin"})

# Capitalised words that start sentences or label things: never part of a person name.
STOPWORDS = frozenset("""
av alle andre at da de dei dem den denne dette det du eg en ein eit et etter for fordi fra frå før
han hun ho hva kva her hvis viss i ifølge ifølgje ifylgje ikke ikkje inn kl klokka klokken med men
mens medan når nå no og om også på samtidig se sjå som så til ut under ved vi me vår våre alt ingen
noen nokre mange flere fleire både blant hos mot over uten utan etterpå derfor difor likevel dessuten
tidligere tidlegare senere seinare tekst foto fotograf illustrasjon illustrasjonsbilde bilde kontakt
kontaktperson kontaktpersoner kontaktpersonar kontaktinformasjon telefon tlf mobil mob epost e-post
publisert oppdatert oppdatering sist les mer meir sentralbord sentralbordet pressetelefon adresse
postadresse besøksadresse besøksadresse postboks org faks ansvarlig ansvarleg redaktør nettredaktør
mandag måndag tirsdag tysdag onsdag torsdag fredag lørdag laurdag søndag sundag januar februar mars
april mai juni juli august september oktober november desember god hei takk media presse norge noreg
pressekontakt mediekontakt spørsmål henvendelser førespurnader journalist
""".split())

# Capitalised words that belong to organisation, system or place names, not to person names.
ORG_WORDS = frozenset("""
helse helsenett sykehus sykehuset sjukehus sjukehuset sykehusene sjukehusa universitetssykehus
universitetssykehuset universitetssjukehus universitetssjukehuset hospital klinikk klinikken kommune
kommunen fylkeskommune statsforvalteren fylkesmannen politiet telenor telia elvia statnett hafslund
lyse tensio eviny norsk nasjonal nasjonalt direktoratet helsedirektoratet universitetet høgskolen
avdeling avdelingen seksjon senter senteret regionalt regional akuttmottaket legevakt legevakten
dips arena sectra orbit aftenposten dagbladet nordlys adresseavisen tidende sykehuspartner hemit
diakonale diakonhjemmet hf rhf ikt as sf ikt-avdelingen it-avdelingen
""".split())

# Role phrases: optional modifiers, then a title word (compounds allowed: "kommunikasjonssjef").
_MODIFIER = (
    r"(?:administrerende|administrerande|adm\.|viseadministrerende|viseadministrerande|konstituert|"
    r"konstituerande|kst\.|fungerende|fungerande|fung\.|fg\.|assisterende|assisterande|ass\.|"
    r"midlertidig|mellombels|regional|teknisk|medisinsk|medisinskfaglig|daglig|dagleg|nyansatt|"
    r"nytilsett|avtroppende|påtroppende|ledende|leiande|vakthavende|vakthavande|ansvarlig|ansvarleg)"
)
_HEAD = (
    r"(?:sjef|direktør|direktor|leder|leiar|rådgiver|rådgivar|rådgjevar|konsulent|koordinator|"
    r"talsperson|talsmann|talskvinne|lege|sjukepleiar|sykepleier|spesialist|medarbeider|medarbeidar|"
    r"sekretær|ingeniør|ombud|forvalter|forvaltar|pressevakt|mediavakt|medievakt|kommunikasjonsvakt|"
    r"informasjonsvakt|pressekontakt|mediekontakt|fylkesmann|professor|amanuensis|forsker|forskar|"
    r"stipendiat|minister|statsråd|representant|ordfører|ordførar|politiker|politikar|pasient|"
    r"pårørende|pårørande|journalist|reporter|redaktør|fotograf|kommentator|tillitsvalgt|tillitsvald|"
    r"ekspert|analytiker|rådmann|politimester|politimeister|innbygger|innbyggar)"
)
ROLE_WORD = rf"(?:[{UPPER}]{{2,5}}-)?(?:[{UPPER}a-zæøå][a-zæøå-]*?)?(?i:{_HEAD})"
ROLE_PHRASE = rf"(?<![\w-])(?:(?i:{_MODIFIER}){SPACE}+)*{ROLE_WORD}(?![\w-])"
ROLE_FULL = re.compile(rf"{ROLE_PHRASE}(?:{SPACE}+for{SPACE}+[a-zæøå]+(?:{SPACE}+og{SPACE}+[a-zæøå]+)?)?")
ROLE_TOKEN = re.compile(rf"(?i:{_MODIFIER})|{ROLE_WORD}")

# Roles of people who are never press contacts of a trust (commentators, politicians, patients, press).
EXCLUDED_ROLE = re.compile(
    r"fastlege|kommuneoverlege|kommunelege|fylkeslege|statsforvalter|fylkesmann|professor|amanuensis|"
    r"forsker|forskar|stipendiat|minister|statsråd|statssekretær|representant|ordfør|politike|politika|"
    r"pasient|pårørende|pårørande|journalist|reporter|redaktør|fotograf|kommentator|tillitsval|ekspert|"
    r"analytiker|rådmann|kommunedirektør|politimeist|politimest|innbygg|legevakt",
    re.I,
)
PRESS_ROLE = re.compile(r"presse|kommunikasjon|informasjon|medie|media|talsperson|talsmann|talskvinne", re.I)

# Organisations whose staff are outside commentators: telecom, power, academia, municipalities, press.
EXCLUDED_ORG = re.compile(
    r"\b(?:telenor|telia|ice|altibox|globalconnect|broadnet|lyse|elvia|bkk|eviny|statnett|hafslund|"
    r"tensio|glitre|agder energi|lede|norgesnett|nte|skagerak|fjordkraft|\w*energi|\w*kraft(?:lag)?|"
    r"nettselskap\w*|teleselskap\w*|straumselskap\w*|strømselskap\w*|kraftselskap\w*|"
    r"energiselskap\w*|leverandøren|leverandørens|entreprenøren|vaktselskap\w*|"
    r"universitet(?:et)?|uit|uio|uib|ntnu|oslomet|høgskole\w*|høgskule\w*|høyskole\w*|kommunen?|"
    r"fylkeskommunen?|statsforvalter(?:en)?|statsforvaltaren|fylkesmannen|politiet|politidistrikt|"
    r"brannvesen\w*|legevakt\w*|legekontor\w*|legesenter\w*|regjeringen|regjeringa|departementet|"
    r"stortinget|nrk|ntb|tv ?2|vg|aftenposten|dagbladet|nordlys|itromsø|bergens tidende|adresseavisen|"
    r"digi|dagens medisin|legeforeningen|legeforeininga|sykepleierforbundet|sjukepleiarforbundet|nsf|"
    r"fagforbundet)\b",
    re.I,
)
EXCLUDED_MAIL_DOMAIN = re.compile(
    r"@(?:[\w-]+\.)*(?:nrk|ntb|vg|tv2|aftenposten|dagbladet|nordlys|itromso|bt|adressa|digi|"
    r"dagensmedisin|telenor|telia|elvia|statnett|bkk|uit|uio|uib|ntnu)\.no$"
)

SPEECH_VERB = re.compile(
    r"(?<![\w-])(?:sier|sa|seier|sei|sagt|forteller|fortalte|fortel|fortalde|opplyser|opplyste|"
    r"uttaler|uttalte|uttalar|skriver|skrev|skriv|bekrefter|bekreftet|bekreftar|bekrefta|stadfestar|"
    r"stadfester|stadfesta|forklarer|forklarte|forklarar|understreker|understrekar|understreka|"
    r"presiserer|presiserar|legger til|la til|legg til|melder|meldte|meldar|ifølge|ifølgje|ifylgje|"
    r"i følge|svarer|svarar|svarte|utdyper|utdjupar|kommenterer|kommenterte|kommenterar|beklager|"
    r"beklagar|påpeker|påpeikar|peker på|peikar på|erkjenner|innrømmer|vedgår|anslår|varsler|"
    r"varslar|mener|meiner|tror|trur)(?![\w-])",
    re.I,
)
_PRONOUN_VERB = (
    r"(?:sier|sa|seier|forteller|fortalte|fortel|fortalde|opplyser|opplyste|legger til|legg til|"
    r"understreker|understrekar|forklarer|forklarar|mener|meiner|bekrefter|stadfestar)"
)
PRONOUN_ATTRIBUTION = re.compile(
    rf"(?<![\w-])(?:{_PRONOUN_VERB}\s+(?:han|hun|ho)|(?:han|hun|ho)\s+{_PRONOUN_VERB})(?![\w-])", re.I
)

# Lines and name prefixes that mark a journalist, photographer or editor.
BYLINE_LINE = re.compile(
    r"^\W*(?:author|forfatter|skribent|tekst(?:\s+og\s+foto)?|foto(?:\s+og\s+tekst)?|fotograf|av(?=:|\s+(?-i:[A-ZÆØÅ]))|"
    r"skrevet\s+av|journalist|illustrasjon|bilde|grafikk|video|ansvarleg\s+redaktør|ansvarlig\s+redaktør|"
    r"nettredaktør|nyhetsredaktør|redaktør|publisert\s+av|sist\s+oppdatert\s+av)\b\s*:?",
    re.I,
)
BYLINE_PREFIX = re.compile(
    r"(?:(?i:foto|tekst|fotograf|illustrasjon|bilde|journalist|redaktør)\s*:?|\bAv:?)"
    r"\s*(?:[\w-]+\s*/\s*)?$"
)
PUBLISHED_LINE = re.compile(r"^\W*(?:publisert|sist\s+oppdatert)\b", re.I)
STAMP_LINE = re.compile(r"^\s*\d{1,2}\.\d{1,2}\.\d{2,4}(?:,?\s+(?:kl\.?\s*)?\d{1,2}[:.]\d{2})?\s*$")
AGE_OR_PARTY = re.compile(r"^\s*\(\s*(?:\d{1,3}(?:\s*år)?|H|Ap|A|Frp|FrP|Sp|SV|KrF|V|MDG|R|Rødt|Høyre)\s*\)")

# Contact-block headings; group "org" is the organisation of a "Kontaktperson i ORG" sub-heading.
BLOCK_HEADING = re.compile(
    r"^[\W_]*(?:"
    r"(?:kontaktpersone?r?|kontaktpersonar|kontaktperson)(?:\s+for\s+(?:media|medier|pressen|presse))?"
    r"(?:\s+(?:i|ved|på|hos|for)\s+(?P<org>[^:\n]+?))?\s*(?::|$)"
    r"|(?:presse|medie|media|kommunikasjons)kontakte?r?(?:\s+(?:i|ved|på|hos|for)\s+(?P<org2>[^:\n]+?))?"
    r"\s*(?::|$)"
    r"|kontakt(?:informasjon)?(?:\s+for\s+(?:media|pressen|presse))?\s*(?::|$)"
    r"|(?:for|ved)\s+(?:mer|meir|ytterligere|ytterlegare)?\s*(?:informasjon|info|spørsmål|"
    r"spørsmål\s+om\s+[\w ]+?)\s*,?\s*(?:kontakt|kontakte|ta\s+kontakt\s+med|kan\s+du\s+kontakte|"
    r"kan\s+media\s+kontakte|kan\s+pressen\s+kontakte)\s*:?"
    r"|(?:spørsmål|henvendelser|førespurnader)(?:\s+om\s+[\w ]+?)?\s+kan\s+rett(?:es|ast)\s+til\s*:?"
    r"|(?:media|pressen|journalister)\s+kan\s+kontakte\s*:?"
    r")[ \t\u00a0]*",
    re.I,
)
# Switchboard and address lines ("Helse Nord RHF: 75 51 29 00 • Sjøgata 10, 8038 Bodø").
ADDRESS_LINE = re.compile(
    r"\bpostboks\b|\bpostadresse\b|\bbesøksadresse\b|\borg\.?\s*nr\b|\b\d{4}\s+[A-ZÆØÅ]\w+\s*$|"
    r"\b\w+(?:gata|gate|veien|vegen|vei|veg)\s+\d+",
    re.I,
)
LABELLED_NUMBER = re.compile(r"^\W*(?P<label>[^:\n]{2,80}?)\s*:\s*(?:tlf\.?|telefon)?\s*[+(\d]")
# Right of a name: works at a GP office, a municipal emergency clinic or a municipality.
OUTSIDE_PLACE = re.compile(
    r"^\s*,?\s*(?:som\s+(?:er|var|jobber|jobbar)\s+)?(?:[\w-]+\s+)?(?:ved|i|på|hos)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:legevakt|legekontor|fastlegekontor|kommunen\b|universitetet\b|politi|brannvesen|fylkeskommunen\b)",
    re.I,
)
NONPERSONAL_AFTER = re.compile(
    r"\s*\(\s*(?:sentralbord|hovednummer|hovudnummer|pressetelefon|vakttelefon|sms|faks)", re.I
)
NONPERSONAL_LABEL = re.compile(
    r"(?:sentralbord(?:et)?|hovednummer|hovudnummer|pressetelefon(?:en)?|pressevakttelefon|"
    r"pressenummer|vakttelefon|vaktnummer|beredskapstelefon|reservetelefon\w*|reservenummer|nødnummer|"
    r"naudnummer|amk|sms|faks|fax|telefaks|kundesenter|brukerstøtte|servicedesk|kundeservice|"
    r"ekspedisjon(?:en)?|resepsjon(?:en)?)\b[^,;•|\n]{0,25}$",
    re.I,
)

EMAIL = re.compile(r"[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_SEP = r"[ .\u00a0-]?"
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?47[ .\u00a0-]?|\(\+47\)\s?)?"
    r"(?:\d{2}(?P<a>[ .\u00a0-]?)\d{2}(?P=a)\d{2}(?P=a)\d{2}"
    r"|\d{3}(?P<b>[ .\u00a0-]?)\d{2}(?P=b)\d{3})(?![\d@])"
)


def normalise_phone(raw: str) -> str | None:
    """Return "+47" and 8 digits for a personal Norwegian number, or None for short/service/invalid ones."""
    text = raw.strip()
    digits = re.sub(r"\D", "", text)
    if text.lstrip("(").startswith("+"):
        if not digits.startswith("47"):
            return None
        digits = digits[2:]
    elif digits.startswith("0047"):
        digits = digits[4:]
    elif len(digits) == 10 and digits.startswith("47"):
        digits = digits[2:]
    if len(digits) != 8 or digits[0] in "08":  # 0xxxx short numbers, 8xx service numbers
        return None
    return "+47" + digits


def lower_role(role: str) -> str:
    """Lower-case a role as written, keeping acronym prefixes ("IT-direktør")."""
    words = []
    for word in " ".join(role.split()).split(" "):
        words.append(word if word[:2].isupper() else word.lower())
    return " ".join(words)
