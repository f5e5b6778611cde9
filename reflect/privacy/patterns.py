"""Detectors for identifying details with a recognisable shape.

E-mail addresses, US phone numbers, case/record numbers, street addresses
(English and Spanish) and dates.  Each detector returns candidate spans
``(start, end, category, priority)``; the scanner resolves overlaps by
priority, then by length.
"""

from __future__ import annotations

import re

Candidate = tuple[int, int, str, int]

# Higher wins when candidates overlap.  A record number with an explicit
# label ("MRN 123456") beats a phone number; one introduced only by "number"
# or "#" loses to it ("her number is 555-208-7711").
PRIORITY = {
    "email": 100,
    "record_strong": 90,
    "phone": 80,
    "address": 70,
    "date": 60,
    "record_weak": 55,
    "phone_short": 50,
    "name": 40,
    "age": 30,
}

# ---------------------------------------------------------------------------
# E-mail and phone
# ---------------------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)

_PHONE_EXT = r"(?:\s*(?:ext\.?|x|extensi[oó]n)\s*\d{1,5})?"
_PHONE_RE = re.compile(
    r"(?<![\w-])(?:\+?1[\s.-]?)?"
    r"(?:\(\d{3}\)\s*|\d{3}[\s.-])\d{3}[\s.-]\d{4}"
    + _PHONE_EXT
    + r"(?![\w-])"
)
_PHONE_BARE_RE = re.compile(r"(?<![\w#-])(?:\+?1)?\d{10}(?![\w-])")
_PHONE_SHORT_RE = re.compile(r"(?<![\w#-])\d{3}-\d{4}(?![\w-])")

_SSN_RE = re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])")

# ---------------------------------------------------------------------------
# Record numbers
# ---------------------------------------------------------------------------

# Labels that introduce a record number.  Strong labels name a record type;
# weak ones ("number", "#") need a longer value and yield to phone numbers.
_RECORD_STRONG = (
    r"case|caso|file|expediente|record|chart|client|cliente|member|miembro|"
    r"patient|paciente|medicaid|medi-cal|medical|mrn|ssn|social\s+security|"
    r"seguro\s+social|report|reporte|referral|folio|account|cuenta|"
    r"id|i\.d\.|dcfs|dss|alien|a-number"
)
_RECORD_FILLER = (
    r"(?:\s*(?:number|numbers|no\.?|num\.?|n[uú]m\.?|n[uú]mero|nro\.?|nbr|"
    r"id|i\.d\.|#|is|was|es|era|de|del|the|for|[A-Z]{2,5}|:|,)\s*){0,4}"
)
_RECORD_VALUE = r"(#?\s?(?=[A-Za-z0-9-]*\d)[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))+)"
_RECORD_RE = re.compile(
    rf"\b(?:{_RECORD_STRONG})\b{_RECORD_FILLER}?\s*{_RECORD_VALUE}(?![\w-])",
    re.IGNORECASE,
)
_RECORD_WEAK_RE = re.compile(
    r"(?:\b(?:number|n[uú]mero|no\.)|(?<![\w#]))\s*[:,]?\s*(#\s?\d[\d-]{3,})(?![\w-])"
    r"|\b(?:number|n[uú]mero)\s*[:,]?\s*(?:is\s+|es\s+)?(\d{4,}(?:-\d+)*)(?![\w-])",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------

_STREET_SUFFIX = (
    r"(?:Street|Avenue|Road|Boulevard|Drive|Lane|Court|Way|Place|Parkway|"
    r"Highway|Circle|Terrace|Trail|Loop|Square|Alley|Plaza|Pike|Path|Crossing|"
    r"(?:St|Ave|Av|Rd|Blvd|Dr|Ln|Ct|Pl|Pkwy|Hwy|Cir|Ter|Trl|Sq)\b\.?)"
)
_UNIT = (
    r"(?:,?\s*(?i:apt|apartment|unit|suite|ste|apto|apartamento|depto|"
    r"departamento|dpto|interior|int|piso|\#)\.?\s*\#?\s*\d{1,5}[A-Za-z]?\b)"
)
_CITY_STATE_ZIP = (
    r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+)?"
    r"(?:,\s*[A-Z]{2}(?:\s+\d{5}(?:-\d{4})?)?|\s+\d{5}(?:-\d{4})?))"
)
_STREET_WORD = r"(?:(?-i:[A-ZÁÉÍÓÚÑ])[\w'.-]*|\d{1,3}(?:st|nd|rd|th))"
_ADDRESS_EN_RE = re.compile(
    rf"\b\d{{1,6}}[A-Za-z]?\s+(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?\s+)?"
    rf"(?:{_STREET_WORD}\s+){{0,4}}?{_STREET_WORD}\s+{_STREET_SUFFIX}(?!\w)"
    rf"{_UNIT}?{_CITY_STATE_ZIP}?",
)
_ADDRESS_EN_LOWER_RE = re.compile(
    r"\b\d{1,6}\s+(?:[a-z]+\s+){1,2}(?:st|ave|rd|blvd)\b\.?", re.IGNORECASE
)
_CALLE = (
    r"(?:calle|c/|avenida|av\.|avda\.|camino|carretera|callej[oó]n|calzada|"
    r"paseo|privada|bulevar|cerrada|andador|circuito|prolongaci[oó]n)"
)
# A street-name word starts with a capital or a digit, even under IGNORECASE,
# so "de"/"la" can only be connectors (this also keeps matching linear).
_CALLE_WORD = r"(?:(?:de|del|la|las|los|el)\s+){0,2}(?-i:[A-ZÁÉÍÓÚÑ0-9])[\wáéíóúñ.]*"
_ADDRESS_ES_RE = re.compile(
    rf"\b{_CALLE}\s+(?:{_CALLE_WORD}\s+){{0,3}}?{_CALLE_WORD}\s*,?\s*"
    rf"(?:#|no\.?|n[uú]m\.?|n[uú]mero)?\s*\d{{1,6}}[A-Za-z]?\b{_UNIT}?",
    re.IGNORECASE,
)
_ADDRESS_NUM_FIRST_ES_RE = re.compile(
    r"\b\d{1,6}\s+(?:Avenida|Calle|Av\.|Camino|Calzada)\s+"
    r"(?:(?:de|del|la|las|los|el)\s+)*[A-ZÁÉÍÓÚÑ][\w]*(?:\s+[A-ZÁÉÍÓÚÑ][\w]*){0,2}"
    + _UNIT
    + "?"
)
# "el 450 de la calle Main" / "el 450 de la Main St"
_ADDRESS_NUM_DE_LA_RE = re.compile(
    rf"\b\d{{1,6}}\s+de\s+la\s+(?:(?:calle|avenida|av\.)\s+{_STREET_WORD}(?:\s+{_STREET_WORD}){{0,2}}"
    rf"|{_STREET_WORD}(?:\s+{_STREET_WORD}){{0,2}}\s+{_STREET_SUFFIX}(?!\w)){_UNIT}?",
    re.IGNORECASE,
)
_APARTMENT_RE = re.compile(
    r"\b(?:apartment|apt\.?|apto\.?|apartamento|departamento|depto\.?|dpto\.?)"
    r"\s*(?:#|no\.?|n[uú]m\.?)?\s*\d{1,5}[A-Za-z]?\b",
    re.IGNORECASE,
)
_PO_BOX_RE = re.compile(r"\bP\.?\s?O\.?\s+Box\s+\d+\b|\bApartado\s+(?:Postal\s+)?\d+\b", re.IGNORECASE)

# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

_MONTH_EN = (
    r"(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
)
_MONTH_ES = (
    r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|"
    r"setiembre|octubre|noviembre|diciembre)"
)
_MONTH_ES_ABBR = r"(?:ene|feb|mar|abr|may|jun|jul|ago|sep|sept|oct|nov|dic)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"

_DATE_MONTH_DAY_RE = re.compile(
    rf"\b(?P<month>{_MONTH_EN})\.?\s+(?P<day>{_DAY}){_ORD}\b(?:,?\s+{_YEAR}\b)?",
    re.IGNORECASE,
)
_DATE_DAY_MONTH_RE = re.compile(
    rf"\b(?:the\s+)?{_DAY}{_ORD}\s+(?:of\s+)?(?P<month>{_MONTH_EN})\b(?:,?\s+{_YEAR}\b)?",
    re.IGNORECASE,
)
_DATE_ES_RE = re.compile(
    rf"\b(?:{_DAY}|primero|1ro|1ero|1[oº°])\s+de\s+(?:{_MONTH_ES}|{_MONTH_ES_ABBR}\.)"
    rf"(?:\s+(?:de|del)\s+{_YEAR})?\b",
    re.IGNORECASE,
)
_DATE_ES_MONTH_DAY_RE = re.compile(rf"\b{_MONTH_ES}\s+{_DAY}\b(?!:)", re.IGNORECASE)
_DATE_NUMERIC_RE = re.compile(
    r"(?<![\w/.-])(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\w/-]|\.\d)"
)
_DATE_ISO_RE = re.compile(
    r"(?<![\w/.-])(?P<y>(?:19|20)\d{2})(?P<sep>[-/.])(?P<a>\d{1,2})(?P=sep)(?P<b>\d{1,2})(?![\w/-]|\.\d)"
)
_DATE_DAY_MONTH_ABBR_RE = re.compile(
    rf"(?<![\w-]){_DAY}[-/ ](?:{_MONTH_EN}|{_MONTH_ES_ABBR})[-/ ](?:{_YEAR}|\d{{2}})\b",
    re.IGNORECASE,
)
# m/d without a year only after a date word: "born 3/14", "el 11/6".
_DATE_SHORT_RE = re.compile(
    r"\b(?:on|born|since|until|till|by|before|after|due|dob|el|del|desde|hasta|"
    r"antes\s+del|después\s+del|naci[oó]|nacido|nacida|fecha|cumple)\s*:?\s+"
    r"(?P<date>(?P<a>\d{1,2})/(?P<b>\d{1,2}))(?![\w/]|\.\d)",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------
# Detector functions
# ---------------------------------------------------------------------------


def _valid_day_month(a: int, b: int) -> bool:
    return 1 <= a <= 31 and 1 <= b <= 31 and (a <= 12 or b <= 12)


# A date naming an event rather than a day in someone's life:
# "the 4th of July parade", "the May 5 fiesta".
_DATE_EVENT_AFTER_RE = re.compile(
    r"\s+(?:parade|party|parties|fireworks|celebration|picnic|holiday|weekend|"
    r"desfile|fiesta|celebraci[oó]n|puente|festival)\b",
    re.IGNORECASE,
)


def _dates(text: str) -> list[tuple[int, int]]:
    out = [span for span in _raw_dates(text) if not _DATE_EVENT_AFTER_RE.match(text, span[1])]
    return out


def _raw_dates(text: str) -> list[tuple[int, int]]:
    out = []
    for m in _DATE_MONTH_DAY_RE.finditer(text):
        month = m.group("month")
        if month[0].islower() and month.lower() in ("may", "march", "mar", "jun", "jan", "sep", "oct", "dec"):
            continue  # "I may 2..." / "march 3 blocks"
        out.append(m.span())
    for m in _DATE_DAY_MONTH_RE.finditer(text):
        month = m.group("month")
        if month[0].islower() and month.lower() in ("may", "march", "mar"):
            continue
        out.append(m.span())
    for rx in (_DATE_ES_RE, _DATE_ES_MONTH_DAY_RE, _DATE_DAY_MONTH_ABBR_RE):
        out.extend(m.span() for m in rx.finditer(text))
    for m in _DATE_NUMERIC_RE.finditer(text):
        if _valid_day_month(int(m.group("a")), int(m.group("b"))):
            out.append(m.span())
    for m in _DATE_ISO_RE.finditer(text):
        if 1 <= int(m.group("a")) <= 12 and 1 <= int(m.group("b")) <= 31:
            out.append(m.span())
    for m in _DATE_SHORT_RE.finditer(text):
        if _valid_day_month(int(m.group("a")), int(m.group("b"))):
            out.append(m.span("date"))
    return out


def _addresses(text: str) -> list[tuple[int, int]]:
    out = [m.span() for m in _ADDRESS_EN_RE.finditer(text)]
    out += [m.span() for m in _ADDRESS_EN_LOWER_RE.finditer(text)]
    out += [m.span() for m in _ADDRESS_ES_RE.finditer(text)]
    out += [m.span() for m in _ADDRESS_NUM_FIRST_ES_RE.finditer(text)]
    out += [m.span() for m in _ADDRESS_NUM_DE_LA_RE.finditer(text)]
    out += [m.span() for m in _APARTMENT_RE.finditer(text)]
    out += [m.span() for m in _PO_BOX_RE.finditer(text)]
    return out


def _records(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    strong, weak = [], []
    for m in _RECORD_RE.finditer(text):
        value = m.group(1)
        digits = sum(ch.isdigit() for ch in value)
        if digits < 3:
            continue
        bare = value.lstrip("#").strip()
        if re.fullmatch(r"(?:19|20)\d{2}", bare):
            continue  # a year, not a record number
        start = m.start(1)
        strong.append((start, m.end(1)))
    strong += [m.span() for m in _SSN_RE.finditer(text)]
    for m in _RECORD_WEAK_RE.finditer(text):
        g = 1 if m.group(1) else 2
        weak.append(m.span(g))
    return strong, weak


def structured_candidates(text: str) -> list[Candidate]:
    """All e-mail, phone, record-number, address and date candidates."""
    cands: list[Candidate] = []

    def add(spans, category, prio_key):
        prio = PRIORITY[prio_key]
        cands.extend((s, e, category, prio) for s, e in spans)

    add((m.span() for m in _EMAIL_RE.finditer(text)), "email", "email")
    add((m.span() for m in _PHONE_RE.finditer(text)), "phone", "phone")
    add((m.span() for m in _PHONE_BARE_RE.finditer(text)), "phone", "phone")
    add((m.span() for m in _PHONE_SHORT_RE.finditer(text)), "phone", "phone_short")
    strong, weak = _records(text)
    add(strong, "record_number", "record_strong")
    add(weak, "record_number", "record_weak")
    add(_addresses(text), "address", "address")
    add(_dates(text), "date", "date")
    return cands
