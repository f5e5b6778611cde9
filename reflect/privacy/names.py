"""Personal names and ages tied to names.

A name is found from, in order of strength:

1. context cues: an honorific ("Ms. Johnson", "Sr. García"), a kinship or
   role word ("Mom Sarah", "su hijo Mateo", "la mamá de Sofía"), an
   appositive ("the dad, Marcus,", "Frank, the dad,"), a possessive before a
   kinship word ("Jaylen's mom"), "the Pérez family";
2. the curated given-names list: capitalised mid-sentence; sentence-initial
   unless the name is also an ordinary word; lowercase only for names that
   are never ordinary words ("sofia", but not "rosa" or "grace");
3. distinctive surnames capitalised mid-sentence;
4. any other capitalised word followed by an age ("Kenia, 19,") or standing
   alone mid-sentence, unless it is a known common word, a place, part of a
   Title Case phrase ("Paw Patrol"), after an article ("la Migra") or a place
   preposition ("in Oxnard").

An age is flagged only when it is tied to a name: right after it
("Luis, 3," / "Sofía (2 años)" / "Mateo is 18 months") or right before it
("the 3-year-old, Noah").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .wordlists import (
    ADJECTIVE_CUES,
    AMBIGUOUS_NAMES,
    AMBIGUOUS_SURNAMES,
    CALENDAR_WORDS,
    COMMON_CAPITALISED,
    CUE_ADJECTIVES,
    GIVEN_NAMES,
    HONORIFICS,
    HONORIFICS_NEED_CAPITAL,
    KINSHIP_CUES,
    LINKERS,
    MODAL_NAMES,
    NOT_NAMES,
    PLACE_NAMES,
    PLACE_PREPOSITIONS,
    PLACES,
    PRONOUNS,
    ROLE_WORDS,
    SURNAMES,
    fold,
    fold_set,
)

Span = tuple[int, int]

# A rough language guess, used only for Spanish "a" before a person ("ver a Kalani").
_SPANISH_HINTS = fold_set(
    "que la el los las de del y en con para por una uno es está muy pero cuando porque mamá papá bebé niño niña"
)
_ENGLISH_HINTS = fold_set("the and to of is was with for when that she he they but mom dad baby it")


def _looks_spanish(tokens: list[_Token]) -> bool:
    es = sum(1 for t in tokens if t.key in _SPANISH_HINTS)
    en = sum(1 for t in tokens if t.key in _ENGLISH_HINTS)
    return es > en


# An unknown capitalised word right after one of these is a thing or a place
# ("the Bible", "la Migra", "his Dodgers cap", "in Oxnard"), not a person.
_ARTICLES = fold_set(
    "the an our their this that these his her my your its el la los las al del un una lo mis tus sus"
)
_NOT_BEFORE_UNKNOWN_NAME = fold_set(
    "in from at near en desde cerca hacia calle avenida street avenue road colonia barrio"
)
_NAME_PREFIX_CAMEL = re.compile(r"^(?:De|Da|Di|La|Le|Ja|Ke|Mc|Mac|Ty|Sha|O['’])[A-Z][a-z]")

# ---------------------------------------------------------------------------
# Phrases whose capitalised words are never personal names
# ---------------------------------------------------------------------------

# Place-name contexts: "San Antonio", "Santa Rosa", "Los Ángeles".
_PLACE_PREFIX = (
    r"(?:San|Santa|Santo|Saint|St\.|Los|Las|Fort|Port|Mount|Mt\.|Lake|Puerto|Ciudad|"
    r"Villa|Isla|Nueva|Nuevo|New|North|South|West|East)"
)

# Capitalised words after a name that make it an institution, not a person:
# "Lincoln Elementary", "Jackson Park", "Grace Church".
_INSTITUTION_AFTER = (
    r"(?:Elementary|Middle|High|School|Academy|Center|Centre|Clinic|Hospital|"
    r"Library|Park|Church|County|Hall|University|College|Health|Foundation|"
    r"Institute|Community|Preschool|Daycare|Learning|Apartments|Street|"
    r"Avenue|Road|Boulevard|Benz)"
)
# ...and institution words before a name: "Escuela Benito Juárez",
# "Hospital Santa María", "Iglesia San José".
_INSTITUTION_BEFORE = (
    r"(?:Escuela|Colegio|Hospital|Clínica|Clinica|Centro|Parque|Iglesia|"
    r"Condado|Universidad|Preparatoria|Primaria|Kinder|Jardín)"
)

# A capitalised word; possessive quantifiers keep the phrase search linear.
_CAP_WORD = r"[A-ZÁÉÍÓÚÑ]\w*+(?:['’]\w++)?"

MASK_PHRASES_RE = re.compile(
    r"\b(?:Early\s+Head\s+Start|Head\s+Start|Early\s+Intervention|"
    r"Intervenci[oó]n\s+Temprana|Part\s+C|Parte\s+C|Home\s+Visitor|"
    r"Martin\s+Luther\s+King(?:\s+Jr\.?)?|Virgen\s+de\s+Guadalupe|"
    r"Virgin\s+of\s+Guadalupe|Our\s+Lady(?:\s+of\s+\w+)?|"
    r"D[ií]a\s+de\s+(?:los\s+)?(?:Muertos|Reyes|la\s+Madre|las\s+Madres)|"
    r"Semana\s+Santa|Santa\s+Claus|[Bb]aby\s+Jesus|Ni[ñn]o\s+(?:Dios|Jes[uú]s)|Jesus\s+Christ|"
    r"El\s+Salvador|El\s+Paso|"
    r"Puerto\s+Rico|Costa\s+Rica|Las\s+Vegas|Los\s+[ÁA]ngeles|"
    r"Mercedes[\s-]Benz|Amazing\s+Grace|Saint\s+\w++|"
    rf"{_PLACE_PREFIX}\s+{_CAP_WORD}(?:\s+{_CAP_WORD})?|"
    rf"{_INSTITUTION_BEFORE}\s+(?:de\s+)?{_CAP_WORD}(?:\s+{_CAP_WORD})?)"
    rf"|{_CAP_WORD}(?:\s+{_CAP_WORD})?\s+{_INSTITUTION_AFTER}\b"
)

# ---------------------------------------------------------------------------
# Age expressions
# ---------------------------------------------------------------------------

_NUM_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|"
    r"twenty-four|un|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|"
    r"diez|once|doce|trece|catorce|quince|dieciséis|dieciseis|diecisiete|"
    r"dieciocho|diecinueve|veinte|veinticuatro)"
)
_AGE_NUM = rf"(?:\d{{1,2}}(?:\.5|½)?|{_NUM_WORDS})"
_AGE_UNIT = (
    r"(?:years?|months?|weeks?|(?:yrs?|y/?o|mos?|wks?)\b\.?|"
    r"años?|meses|mes|semanas?)"
)
# Age with a unit: "18 months", "2 años", "3 years old", "3-year-old".
_AGE_WITH_UNIT = (
    rf"{_AGE_NUM}(?:\s*-\s*|\s+)?{_AGE_UNIT}(?!\w)(?:(?:\s*-\s*|\s+)old)?(?:\s+de\s+edad)?"
    r"(?!\s+(?:ago|later|before|after|earlier|late|early|atr[aá]s|antes|despu[eé]s|tarde))"
)
# Explicit age phrase anywhere: "3-year-old", "2 years old", "de 4 años".
_AGE_EXPLICIT_RE = re.compile(
    rf"\b(?:{_AGE_NUM}(?:\s*-\s*|\s+){_AGE_UNIT}(?:\s*-\s*|\s+)old"
    rf"|de\s+{_AGE_NUM}\s+(?:años?|meses|semanas))\b",
    re.IGNORECASE,
)

# What may come between a name and its age.
_AGE_STRONG_LINK = (
    r"(?:just\s+turned|turned|turns|will\s+turn|will\s+be|is\s+turning|"
    r"cumpli[oó]|cumple|acaba\s+de\s+cumplir|va\s+a\s+cumplir|ya\s+cumpli[oó]|"
    r"age|aged|edad|de\s+edad)"
)
_AGE_WEAK_LINK = r"(?:is|was|are|were|who's|tiene|tienen|ten[ií]a|ten[ií]an|de)"
_AGE_ADVERB = (
    r"(?:almost|nearly|about|just|only|now|already|barely|over|around|"
    r"casi|apenas|ya|s[oó]lo|como|reci[eé]n|m[aá]s\s+de)"
)
_AGE_AFTER_NAME_RE = re.compile(
    rf"""^(?:['’]s?)?
    (?P<lead>\s*,\s*|\s*\(\s*|\s+)
    (?:(?:who|que|quien|quienes)\s+)?
    (?:{_AGE_ADVERB}\s+)*
    (?:(?P<strong>{_AGE_STRONG_LINK})\s*:?\s+|(?P<weak>{_AGE_WEAK_LINK})\s+)?
    (?:{_AGE_ADVERB}\s+)*
    (?:(?P<unit>{_AGE_WITH_UNIT})|(?P<bare>\d{{1,2}}|{_NUM_WORDS}))
    (?P<tail>\s*(?:[,.;:!?)]|$)|\s+(?:and|y|but|pero|now|ya|so|today|hoy)\b)?
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Words allowed between an age and a following name:
# "the 3-year-old, Noah", "my 2-year-old client Jackson", "de 4 años, Jaxon".
_AGE_BEFORE_NAME_GAP_RE = re.compile(
    r"^[\s,]*(?:(?:boy|girl|son|daughter|child|toddler|baby|client|kid|twin|"
    r"niño|niña|nene|nena|bebé|bebe|hijo|hija|named|llamad[oa]|little)\s*,?\s*)*$",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------
# Tokens and context
# ---------------------------------------------------------------------------

_WORD_RE = re.compile(r"(?:[OD]['’](?=[A-Z]))?[^\W\d_]+(?:-[^\W\d_]+)*")
_SENTENCE_END = set(".!?:;\n\r\u2026")
_OPENERS = set("\"'“‘«(¿¡-*•[")
_POSSESSIVE_RE = re.compile(r"['’]s?\b")


@dataclass
class _Token:
    start: int
    end: int
    text: str
    key: str  # folded: lowercase, no accents
    cap: bool  # starts with a capital (short all-caps acronyms do not count)
    initial: bool  # first word of a sentence
    spaced: bool  # only spaces (no punctuation, no line break) since the previous word


def _tokenize(text: str) -> list[_Token]:
    tokens = []
    prev_end = 0
    for m in _WORD_RE.finditer(text):
        word, start = m.group(), m.start()
        gap = text[prev_end:start]
        tokens.append(
            _Token(
                start,
                m.end(),
                word,
                fold(word),
                _is_capitalised(word),
                _sentence_initial(text, start),
                bool(tokens) and _only_space(gap),
            )
        )
        prev_end = m.end()
    return tokens


def _is_capitalised(word: str) -> bool:
    return word[0].isupper() and not (len(word) > 1 and word.isupper() and len(word) < 4)


def _sentence_initial(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0 and (text[i].isspace() and text[i] not in "\n\r" or text[i] in _OPENERS):
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


class _Context:
    """Token stream with helpers for looking around a token."""

    def __init__(self, text: str, masked: bytearray):
        self.text = text
        self.tokens = _tokenize(text)
        self.masked = masked
        self.spanish = _looks_spanish(self.tokens)

    def is_masked(self, tok: _Token) -> bool:
        return any(self.masked[tok.start : tok.end])

    def gap(self, i: int) -> str:
        """Text between token i-1 and token i."""
        prev_end = self.tokens[i - 1].end if i > 0 else 0
        return self.text[prev_end : self.tokens[i].start]

    def prev(self, i: int, n: int = 1) -> _Token | None:
        j = i - n
        return self.tokens[j] if j >= 0 else None

    def next(self, i: int) -> _Token | None:
        return self.tokens[i + 1] if i + 1 < len(self.tokens) else None


# ---------------------------------------------------------------------------
# Context rules
# ---------------------------------------------------------------------------


def _only_space(gap: str) -> bool:
    return gap != "" and gap.strip() == "" and "\n" not in gap


def _is_honorific_before(ctx: _Context, i: int) -> bool:
    prev = ctx.prev(i)
    if prev is None or prev.key not in HONORIFICS:
        return False
    if prev.key in HONORIFICS_NEED_CAPITAL and not prev.text[0].isupper():
        return False
    gap = ctx.gap(i)
    return gap.strip() in ("", ".") and gap != "" and "\n" not in gap


_LINKERS_AND_ARTICLES = LINKERS | fold_set("la el los")
_APPOSITIVE_END_RE = re.compile(r"\s*(?:[,.;:!?)]|$)|\s+(?:y|e|and)\s")


def _cue_before(ctx: _Context, i: int) -> bool:
    """``Mom Sarah`` / ``la mamá de Sofía`` / ``a boy named Eli``."""
    prev = ctx.prev(i)
    if prev is None or not ctx.tokens[i].spaced:
        return False
    if prev.key in KINSHIP_CUES:
        # "little Emma" but not "Twinkle Twinkle Little Star"
        return not (
            prev.key in ADJECTIVE_CUES
            and prev.text[0].isupper()
            and not prev.initial
        )
    # "la mamá de Sofía", "la hermanita de Brayan", "mamá de la Lupita"
    j = i - 1
    while j > 0 and ctx.tokens[j].key in _LINKERS_AND_ARTICLES and ctx.tokens[j].spaced:
        j -= 1
        if ctx.tokens[j].key in KINSHIP_CUES:
            return True
    return False


def _appositive_after_cue(ctx: _Context, i: int) -> bool:
    """``the dad, Marcus,`` / ``la mamá de la bebé, Yamileth,``."""
    if ctx.gap(i).strip() != ",":
        return False
    prev = ctx.prev(i)
    if prev is None:
        return False
    if not (prev.key in KINSHIP_CUES or prev.key in ROLE_WORDS):
        before = ctx.prev(i, 2)
        if not (prev.key in CUE_ADJECTIVES and before is not None and before.key in ROLE_WORDS):
            return False
    return bool(_APPOSITIVE_END_RE.match(ctx.text, ctx.tokens[i].end))


def _appositive_role_after(ctx: _Context, i: int) -> bool:
    """``Frank, the dad,`` / ``June, the assistant teacher,`` / ``Carlos, el papá``."""
    tok = ctx.tokens[i]
    m = re.match(
        r",\s+(?:the|el|la|my|mi|su|her|his|our|nuestra|nuestro)\s+([^\W\d_]+)(?:\s+([^\W\d_]+))?",
        ctx.text[tok.end : tok.end + 60],
    )
    if not m:
        return False
    words = [fold(w) for w in m.groups() if w]
    return any(w in ROLE_WORDS for w in words)


def _possessive_cue_after(ctx: _Context, i: int) -> bool:
    """``Jaylen's mom`` / ``Destiny's teacher``."""
    tok = ctx.tokens[i]
    m = _POSSESSIVE_RE.match(ctx.text, tok.end)
    if not m:
        return False
    k = i + 1
    if k < len(ctx.tokens) and ctx.tokens[k].start < m.end():
        k += 1  # skip the "s" of "'s"
    following = [t.key for t in ctx.tokens[k : k + 2]]
    if following and following[0] in ROLE_WORDS:
        return True
    # one adjective in between: "Kevin's little brother"
    return len(following) == 2 and following[0] in _POSSESSIVE_ADJECTIVES and following[1] in ROLE_WORDS


_POSSESSIVE_ADJECTIVES = CUE_ADJECTIVES | fold_set("little baby big own")


def _family_after(ctx: _Context, i: int) -> bool:
    """``the Johnson family``."""
    nxt = ctx.next(i)
    return nxt is not None and nxt.key in ("family", "familia", "kids", "household") and ctx.tokens[i + 1].spaced


def _age_after(text: str, pos: int) -> tuple[int, int] | None:
    """Span of an age expression tied to the word ending at ``pos``.

    Accepts ``, 3,`` / ``(2 años)`` / ``is 18 months`` / ``just turned 2 and``
    / ``tiene casi 4 años`` / ``, de 2 años,``; a bare number needs a link
    word or a clause boundary after it.
    """
    m = _AGE_AFTER_NAME_RE.match(text[pos : pos + 70])
    if not m:
        return None
    linked = m.group("strong") or m.group("weak") or m.group("lead").strip() in (",", "(")
    if not linked:
        return None
    if m.group("unit"):
        s, e = m.span("unit")
    elif m.group("bare") and (m.group("strong") or m.group("tail") is not None):
        s, e = m.span("bare")
    else:
        return None
    return pos + s, pos + e


def _age_follows(ctx: _Context, i: int) -> bool:
    return _age_after(ctx.text, ctx.tokens[i].end) is not None


def _looks_like_place(ctx: _Context, i: int) -> bool:
    tok = ctx.tokens[i]
    if tok.key not in PLACE_NAMES:
        return False
    prev = ctx.prev(i)
    return prev is not None and prev.key in PLACE_PREPOSITIONS


def _modal_use(ctx: _Context, i: int) -> bool:
    """``Will you ...`` / ``May I ...`` -- a verb, not a name."""
    tok = ctx.tokens[i]
    if tok.key not in MODAL_NAMES:
        return False
    nxt = ctx.next(i)
    return nxt is not None and nxt.key in PRONOUNS


def _is_known_word(key: str) -> bool:
    """A capitalised word known not to be a personal name."""
    return (
        key in COMMON_CAPITALISED
        or key in PLACES
        or key in NOT_NAMES
        or key in KINSHIP_CUES
        or (len(key) > 5 and key.endswith("ly"))  # "Lately", "Honestly"
        or (len(key) > 7 and key.endswith("mente"))  # "Realmente"
    )


def _after_article(ctx: _Context, i: int) -> bool:
    """``the Bible`` / ``la Migra`` / ``el Seguro``: a thing, not a person."""
    prev = ctx.prev(i)
    return prev is not None and prev.key in _ARTICLES and ctx.tokens[i].spaced


def _is_camel_case(word: str) -> bool:
    """``DoorDash``, ``TikTok`` -- brands; but ``DeShawn``, ``LaToya`` are names."""
    inner = any(ch.isupper() for ch in word[1:]) and not word.isupper()
    return inner and not _NAME_PREFIX_CAMEL.match(word)


def _is_heading(ctx: _Context, i: int) -> bool:
    """``Next Steps:`` / ``Reflection:`` -- a label, not a name."""
    tok = ctx.tokens[i]
    return ctx.text[tok.end : tok.end + 1] == ":" and not ctx.text[tok.end + 1 : tok.end + 2].isdigit()


_MAX_RUN = 6


def _in_capitalised_run(ctx: _Context, i: int) -> bool:
    """True when token ``i`` is part of a run of capitalised words (a title
    or organisation: "Salvation Army", "Paw Patrol", "Cruz Roja"), unless the
    run contains a listed given name or surname ("Kenji Tanaka" is missed,
    "Yuleisy Ramírez" is not)."""
    lo = i
    # "Departamento de Salud", "Circle of Security": bridge over de/of.
    prev, before = ctx.prev(i), ctx.prev(i, 2)
    if (
        prev is not None
        and before is not None
        and prev.key in ("de", "del", "of")
        and ctx.tokens[i].spaced
        and ctx.tokens[i - 1].spaced
        and before.cap
        and before.key not in KINSHIP_CUES
    ):
        return True
    # Runs are short; looking at most _MAX_RUN words each way keeps this linear.
    while lo > 0 and i - lo < _MAX_RUN and ctx.tokens[lo].spaced and ctx.tokens[lo - 1].cap:
        if ctx.tokens[lo - 1].initial and _is_known_word(ctx.tokens[lo - 1].key):
            break
        lo -= 1
    hi = i
    while (
        hi + 1 < len(ctx.tokens)
        and hi - i < _MAX_RUN
        and ctx.tokens[hi + 1].spaced
        and ctx.tokens[hi + 1].cap
    ):
        hi += 1
    if lo == hi:
        return False
    others = [ctx.tokens[k].key for k in range(lo, hi + 1) if k != i]
    return not any(k in GIVEN_NAMES or k in SURNAMES for k in others)


def _next_is_name(ctx: _Context, i: int) -> bool:
    nxt = ctx.next(i)
    if nxt is None or not ctx.tokens[i + 1].spaced or not nxt.cap:
        return False
    return (nxt.key in GIVEN_NAMES and nxt.key not in AMBIGUOUS_NAMES) or nxt.key in SURNAMES


# ---------------------------------------------------------------------------
# The decision
# ---------------------------------------------------------------------------


def _is_name_start(ctx: _Context, i: int) -> bool:
    """Decide whether token ``i`` starts a personal name."""
    tok = ctx.tokens[i]
    key = tok.key
    if ctx.is_masked(tok) or len(key) < 2:
        return False
    if tok.cap and _has_strong_cue(ctx, i):
        return True
    if key in CALENDAR_WORDS or ((key in NOT_NAMES or key in HONORIFICS) and key not in GIVEN_NAMES):
        return False
    if _looks_like_place(ctx, i) or _modal_use(ctx, i):
        return False
    if key in GIVEN_NAMES:
        return _is_listed_name(ctx, i)
    if not tok.cap or _is_known_word(key):
        return False
    if key in SURNAMES:
        # distinctive surnames, capitalised mid-sentence
        return key not in AMBIGUOUS_SURNAMES and not tok.initial
    return _is_unlisted_name(ctx, i)


def _has_strong_cue(ctx: _Context, i: int) -> bool:
    """Rule 1: an honorific, kinship cue, appositive, possessive or "family"."""
    key = ctx.tokens[i].key
    in_list = key in GIVEN_NAMES
    if ((key in NOT_NAMES or key in HONORIFICS) and not in_list) or _modal_use(ctx, i):
        return False
    if _is_honorific_before(ctx, i):
        return True
    if not in_list and (key in COMMON_CAPITALISED or key in PLACES or key in KINSHIP_CUES):
        return False
    if key in CALENDAR_WORDS:
        # "baby June", "June, the assistant teacher," -- but never "June 3"
        if not in_list or re.match(r"\s*\d", ctx.text[ctx.tokens[i].end : ctx.tokens[i].end + 3]):
            return False
        return _cue_before(ctx, i) or _appositive_after_cue(ctx, i) or _appositive_role_after(ctx, i)
    return (
        _cue_before(ctx, i)
        or _appositive_after_cue(ctx, i)
        or (in_list and _appositive_role_after(ctx, i))
        or _possessive_cue_after(ctx, i)
        or ((in_list or key in SURNAMES) and _family_after(ctx, i))
    )


def _is_listed_name(ctx: _Context, i: int) -> bool:
    """Rule 2: a word from the given-names list."""
    tok = ctx.tokens[i]
    ambiguous = tok.key in AMBIGUOUS_NAMES
    if not tok.cap:
        # lowercase: only names that are never ordinary words ("sofia", not "rosa")
        return not ambiguous and len(tok.key) >= 3 and tok.key not in NOT_NAMES
    if ambiguous and _after_article(ctx, i):
        return False  # "la Luna", "el Rosario", "the Grace"
    if not tok.initial or not ambiguous:
        return True
    # sentence-initial and also an ordinary word ("Grace is ..."): needs support
    return _age_follows(ctx, i) or bool(_POSSESSIVE_RE.match(ctx.text, tok.end)) or _next_is_name(ctx, i)


def _is_unlisted_name(ctx: _Context, i: int) -> bool:
    """Rule 4: a capitalised word in no list.

    A name when an age follows ("Kenia, 19," / "Brayan, de 4 años,"), or when
    it stands alone mid-sentence -- unusual given names are common and no list
    is complete -- unless it heads a label ("Next Steps:"), is a brand
    ("DoorDash"), follows an article or a place word ("la Migra", "in
    Oxnard"), or is part of a Title Case phrase ("Paw Patrol").
    """
    tok = ctx.tokens[i]
    if _age_follows(ctx, i):
        return True
    if tok.initial or tok.text.isupper() or _is_camel_case(tok.text) or _is_heading(ctx, i):
        return False
    if _after_article(ctx, i) or _in_capitalised_run(ctx, i):
        return False
    prev = ctx.prev(i)
    if prev is not None and tok.spaced:
        if prev.key in _NOT_BEFORE_UNKNOWN_NAME:
            return False
        if prev.key == "a" and not ctx.spanish:
            return False  # English "a Walmart"; Spanish "ver a Kalani" is personal
    return True


def _extend_name(ctx: _Context, i: int) -> int:
    """Extend a name over following capitalised name parts ("Sofía Ramírez")."""
    j = i
    while j + 1 < len(ctx.tokens) and j - i < 3:
        nxt = ctx.tokens[j + 1]
        if not ctx.tokens[j + 1].spaced or not nxt.cap:
            break
        if ctx.is_masked(nxt) or (_is_known_word(nxt.key) and nxt.key not in GIVEN_NAMES):
            break
        j += 1
    return j


# ---------------------------------------------------------------------------
# Finding names and ages
# ---------------------------------------------------------------------------


def _find_names(ctx: _Context) -> list[Span]:
    spans = []
    found: set[str] = set()
    taken: set[int] = set()
    i = 0
    tokens = ctx.tokens
    while i < len(tokens):
        if _is_name_start(ctx, i):
            j = _extend_name(ctx, i) if tokens[i].cap else i
            spans.append((tokens[i].start, tokens[j].end))
            found.add(tokens[i].key)
            taken.update(range(i, j + 1))
            i = j + 1
        else:
            i += 1
    # Once a word is a name somewhere in the text, its other capitalised
    # occurrences are the same person ("... Luna, who is 2 ... Luna sat down").
    if found:
        for k, tok in enumerate(tokens):
            if k not in taken and tok.key in found and tok.cap and not ctx.is_masked(tok):
                spans.append((tok.start, tok.end))
    return spans


def find_ages(text: str, names: list[Span]) -> list[Span]:
    """Ages tied to the given name spans."""
    ages = []
    for _start, end in names:
        span = _age_after(text, end)
        if span:
            ages.append(span)
    # Age before the name: "the 3-year-old, Noah" / "el niño de 4 años, Jaxon".
    name_starts = {s for s, _ in names}
    for m in _AGE_EXPLICIT_RE.finditer(text):
        for s in name_starts:
            if m.end() <= s <= m.end() + 40 and _AGE_BEFORE_NAME_GAP_RE.match(text[m.end() : s]):
                age_start = m.start() + (3 if m.group().lower().startswith("de ") else 0)
                ages.append((age_start, m.end()))
                break
    return ages


def find_names(text: str, masked: bytearray) -> list[Span]:
    """Name spans in ``text``; characters with ``masked[i]`` set are skipped
    (already-detected addresses, e-mails, ... and phrases like "Head Start")."""
    return _find_names(_Context(text, masked))
