"""Word lists used by the privacy scanner.

The curated lists live in ``data/*.txt`` (one entry per line, ``#`` starts a
comment).  Everything is matched on a *folded* key: lowercase with accents
removed, except that ñ is kept ("niña" is not the name "Nina").
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

_TILDE = "\u0303"  # keep ñ distinct from n ("niña" is not the name "Nina")


@lru_cache(maxsize=8192)
def fold(word: str) -> str:
    """Lowercase and strip accents (but keep ñ): ``Sofía`` -> ``sofia``."""
    decomposed = unicodedata.normalize("NFD", word)
    kept = "".join(
        ch for ch in decomposed if ch == _TILDE or not unicodedata.combining(ch)
    )
    return unicodedata.normalize("NFC", kept).lower()


_DATA_DIR = Path(__file__).with_name("data")


def load_words(filename: str) -> frozenset[str]:
    path = _DATA_DIR / filename
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(fold(line))
    return frozenset(words)


GIVEN_NAMES = load_words("given_names.txt")
AMBIGUOUS_NAMES = load_words("ambiguous_names.txt")
SURNAMES = load_words("surnames.txt")
PLACES = load_words("places.txt")
COMMON_CAPITALISED = load_words("common_capitalised.txt")


def fold_set(words: str) -> frozenset[str]:
    return frozenset(fold(w) for w in words.split())


# Surnames that are also common words, places or given names used as words.
AMBIGUOUS_SURNAMES = fold_set(
    """
    luna cruz reyes santiago león mora campos ríos vega miranda valencia
    castro cook baker bailey jackson lara silva soto rojas ramos salinas
    medina molina navarro serrano rubio moreno rosales flores fuentes
    guerrero delgado estrada vargas rangel rivera lópez león valdez torres
    """
)

MONTHS_EN = (
    "january february march april may june july august september october "
    "november december"
)
MONTHS_ES = (
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre "
    "octubre noviembre diciembre"
)
WEEKDAYS = (
    "monday tuesday wednesday thursday friday saturday sunday "
    "lunes martes miércoles jueves viernes sábado domingo"
)

# Months/weekdays that are also given names: only names with a strong cue.
CALENDAR_WORDS = fold_set(MONTHS_EN + " " + MONTHS_ES + " " + WEEKDAYS)

# Kinship and role words: a capitalised word right after one is a name
# ("Mom Sarah", "baby Luis", "su hijo Mateo", "la abuela Rosa").
KINSHIP_CUES = fold_set(
    """
    mom mommy mama momma mother dad daddy papa father baby babe son daughter
    brother sister grandma grandmother grandpa grandfather granny nana
    abuela abuelo abuelita abuelito aunt auntie uncle cousin niece nephew
    stepdad stepmom stepfather stepmother stepson stepdaughter stepbrother
    stepsister husband wife partner boyfriend girlfriend fiance fiancee
    twin twins toddler infant child kid boy girl newborn preschooler little
    caregiver guardian teacher coach nickname client
    mamá mami papá papi madre padre madrastra padrastro hijo hija hijito
    hijita hijastro hijastra bebé bebe beba nene nena niño niña niñito
    niñita hermano hermana hermanito hermanita hermanastro hermanastra
    tía tío tita tito primo prima sobrino sobrina nieto nieta nieto esposo
    esposa marido pareja novio novia compañero compañera maestra maestro
    pequeño pequeña pequeñito pequeñita chiquito chiquita gemelo gemela
    apodo cliente familia family
    parents papás mamás padres hijos hijas abuelos tíos hermanos hermanas
    """
)

# Honorifics and titles: "Ms. Johnson", "Sr. García", "Doña Carmen".
HONORIFICS = fold_set(
    """
    mr mrs ms miss mx dr doctor sr sra srta señor señora señorita don doña
    dra profe profesor profesora
    """
)
# Honorifics that are ordinary lowercase words in one of the languages.
HONORIFICS_NEED_CAPITAL = fold_set("miss doctor dr")

# Cue words that are adjectives: only cues when written in lowercase
# mid-sentence ("little Emma", but "Twinkle Twinkle Little Star").
ADJECTIVE_CUES = fold_set(
    "little pequeño pequeña pequeñito pequeñita chiquito chiquita baby"
)

# Words linking a cue to a name: "la mamá de Sofía", "a boy named Eli".
LINKERS = fold_set("de del of named called llamado llamada nombre")

# Role words used in appositives: "Frank, the dad," / "June, the teacher,".
ROLE_WORDS = KINSHIP_CUES | fold_set(
    """
    assistant aide cook director caseworker consultant visitor home nurse
    doctor therapist worker neighbor neighbour friend vecina vecino amiga
    amigo cocinera cocinero directora director asistente trabajadora
    trabajador visitadora consultora
    """
)

# Adjectives that may sit between a cue and an appositive name:
# "the older brother, Tyler," / "el hermano mayor, Diego,".
CUE_ADJECTIVES = fold_set(
    "older younger oldest youngest new big mayor menor nuevo nueva foster"
)

# Ordinary words that are never names, even when capitalised after a cue
# (sentence starters, function words, programs, languages, holidays...).
NOT_NAMES = fold_set(
    """
    i a an the this that these those there here then than when where why how
    what who whom which while today tonight tomorrow yesterday now maybe
    also and but or so if because after before during since until though
    although yet still just even only really very not no yes ok okay
    he she they we you it his her hers their our my your its him them us me
    is was are were be been being am do does did has have had will would
    can could should may might must shall let lets got get gets
    all some any every each both few many much more most other another
    one two three four five six seven eight nine ten first second third
    last next same such own again once ever never always sometimes often
    in on at to from for with without about into over under by of off up
    down out as like
    hoy ayer mañana ahora cuando donde dónde como cómo que qué quien quién
    porque pero y o e ni si sí no ya aún aun todavía también tampoco
    quizás quizá tal vez luego después antes entonces pues bueno además
    él ella ellos ellas nosotros nosotras yo tú usted ustedes mi mis tu
    tus su sus nuestro nuestra le les lo la los las el un una unos unas
    este esta esto ese esa eso estos estas esos esas aquel aquella
    es era fue está estaba son eran han ha he hay había tiene tenía
    en con sin para por de del al sobre entre hasta desde hacia según
    todo toda todos todas cada otro otra otros otras mucho mucha muchos
    muy más menos casi solo sólo nada nadie algo alguien siempre nunca
    god dios lord señor jesucristo christ virgen virgin
    english spanish español inglés mexican mexicana mexicano latina latino
    latinx hispanic american americana americano
    christmas navidad easter pascua thanksgiving halloween
    head start early intervention part parte preK prek pre k iep ifsp
    wic cps nicu covid zoom medicaid medi-cal snap tanf ssi
    home visitor consultant teacher consultora visitadora supervisora
    supervisor director directora coordinator coordinadora
    happy birthday feliz cumpleaños
    whenever wherever however whatever whoever meanwhile afterwards afterward
    lately recently finally honestly actually basically luckily sadly
    unfortunately fortunately hopefully usually normally mostly especially
    instead otherwise overall anyway anyhow somehow perhaps probably
    suddenly immediately eventually initially later earlier soon already
    every everyone everybody everything someone somebody something nobody
    nothing none neither either whether without within throughout toward
    towards across around behind beside besides beyond despite except
    upon unless wow oh ah hey hi hello thanks thank please sorry well
    siempre mientras aunque ayer anoche anteayer finalmente realmente
    afortunadamente desafortunadamente lamentablemente últimamente
    honestamente normalmente generalmente especialmente simplemente
    primero segundo tercero ojalá gracias hola oye mira fíjate bueno pues
    ahorita apenas enseguida pronto temprano tarde durante mediante
    dentro fuera encima debajo detrás delante cerca lejos alrededor
    algunos algunas ninguno ninguna varios varias tanto tanta tantos
    tantas cualquier cualquiera alguno alguna
    mom mommy dad daddy mama mamá papá papa mami papi baby bebé
    abuela abuelo grandma grandpa tía tío aunt uncle
    """
) | CALENDAR_WORDS

# Places that are also given names; not a name after "in/from/en/desde".
PLACE_NAMES = fold_set(
    """
    austin jordan georgia virginia carolina madison jackson lincoln sydney
    savannah dakota brooklyn chelsea victoria florencia santiago israel
    charlotte houston phoenix dallas denver florida
    """
)
PLACE_PREPOSITIONS = fold_set("in from en desde near")

# Modal verbs that are also names ("Will you ...", "May I ...").
MODAL_NAMES = fold_set("will may")
PRONOUNS = fold_set("i you we he she they it this that there")
