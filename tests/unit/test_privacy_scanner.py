"""The privacy scanner flags identifying details before a reflection is shared."""

from __future__ import annotations

import dataclasses
import json

import pytest

from reflect.privacy import CATEGORIES, ScanResult, Span, scan


def flagged(text: str, category: str) -> list[str]:
    """The substrings of ``text`` flagged with ``category``."""
    return [text[s.start : s.end] for s in scan(text).spans if s.category == category]


def assert_well_formed(text: str, result: ScanResult) -> None:
    previous_end = 0
    for span in result.spans:
        assert isinstance(span, Span)
        assert span.category in CATEGORIES
        assert 0 <= span.start < span.end <= len(text)
        assert span.start >= previous_end, "spans overlap or are unsorted"
        previous_end = span.end
    assert result.categories == tuple(sorted({s.category for s in result.spans}))
    assert result.flagged == bool(result.spans)


# ---------------------------------------------------------------------------
# Positives, with the flagged text checked
# ---------------------------------------------------------------------------

NAME_CASES = [
    ("Mom Sarah told me she hasn't slept in days.", ["Sarah"]),
    ("I kept thinking about baby Luis when his dad reached for him.", ["Luis"]),
    ("The teacher, Ms. Johnson, feels alone in the room.", ["Johnson"]),
    ("I keep wondering what Jaylen's mom needs from me.", ["Jaylen"]),
    ("Her daughter Zuri hid behind the couch.", ["Zuri"]),
    ("The dad, Marcus, said he doesn't know how to play.", ["Marcus"]),
    ("Frank, the dad, told me about his drinking.", ["Frank"]),
    ("The Johnson family canceled again.", ["Johnson"]),
    ("i keep thinking about jayden and how he flinched", ["jayden"]),
    ("Dad said Grace has been sleeping better.", ["Grace"]),
    ("Sofía Ramírez came with her grandmother.", ["Sofía Ramírez"]),
    ("Me sentí impotente cuando la mamá de Sofía lloró.", ["Sofía"]),
    ("Su hijo Mateo no quiso soltar a su mamá.", ["Mateo"]),
    ("Hablé con el Sr. García sobre el salón.", ["García"]),
    ("La mamá de Jaziel me contó que el papá regresó.", ["Jaziel"]),
    ("Me dolió ver a Guadalupe tan sola en la sala de espera.", ["Guadalupe"]),
    ("Hablamos de si Mercedes se siente segura para salir del albergue.", ["Mercedes"]),
    ("No dejo de pensar en mateo y en lo callado que estaba.", ["mateo"]),
    ("La familia Pérez canceló otra vez.", ["Pérez"]),
    ("Doña Carmen me dijo que nadie le pregunta cómo está.", ["Carmen"]),
    ("Sometimes I think about Kenji and wonder if he's okay.", ["Kenji"]),
]


@pytest.mark.parametrize("text, names", NAME_CASES)
def test_names_are_flagged(text, names):
    assert flagged(text, "name") == names


def test_a_name_is_flagged_everywhere_it_appears():
    text = "When Luna, who is 2, brought a book, the mom said not now. Luna sat down."
    assert flagged(text, "name") == ["Luna", "Luna"]


DATE_CASES = [
    ("The baby was born on 3/14/2022, at the start of the lockdowns.", ["3/14/2022"]),
    ("The court date is March 14, 2024 and he is terrified.", ["March 14, 2024"]),
    ("She was born 2021-11-05, a few weeks early.", ["2021-11-05"]),
    ("She was born on May 3rd and the mom calls her her gift.", ["May 3rd"]),
    ("The baby came home on the 2nd of February.", ["the 2nd of February"]),
    ("El bebé nació el 14 de marzo de 2022, en plena pandemia.", ["14 de marzo de 2022"]),
    ("La cita en la corte es el 14/03/2024.", ["14/03/2024"]),
    ("Detuvieron a su esposo el 11/6 y no ha sabido nada.", ["11/6"]),
    ("Nació el primero de mayo del 2020.", ["primero de mayo del 2020"]),
]


@pytest.mark.parametrize("text, dates", DATE_CASES)
def test_dates_are_flagged(text, dates):
    assert flagged(text, "date") == dates


AGE_CASES = [
    ("Sofia, 3, has big tantrums at drop-off.", ["Sofia"], ["3"]),
    ("Mateo is 18 months and has started biting.", ["Mateo"], ["18 months"]),
    ("The 3-year-old, Noah, was pushing chairs over.", ["Noah"], ["3-year-old"]),
    ("Aaliyah just turned 2 and the mom feels she lost her baby.", ["Aaliyah"], ["2"]),
    ("Sofía (2 años) se esconde detrás de su mamá.", ["Sofía"], ["2 años"]),
    ("Luis, de 2 años, pega cuando alguien se acerca.", ["Luis"], ["2 años"]),
    ("Su hijo Emiliano tiene casi 4 años y se despierta gritando.", ["Emiliano"], ["4 años"]),
]


@pytest.mark.parametrize("text, names, ages", AGE_CASES)
def test_ages_tied_to_names_are_flagged(text, names, ages):
    assert flagged(text, "name") == names
    assert flagged(text, "age") == ages


PHONE_CASES = [
    ("Call her new number, 555-382-9140, the old one was shut off.", ["555-382-9140"]),
    ("Reach the grandmother at (555) 214-7788 in the evenings.", ["(555) 214-7788"]),
    ("The shelter line is 1-555-367-2201 and they never pick up.", ["1-555-367-2201"]),
    ("Her cell is 555.903.1122 but she only answers texts.", ["555.903.1122"]),
    ("El papá me dejó su número: 555 902 6613.", ["555 902 6613"]),
    ("Llama a la tía al +1 555 320 8890 si la mamá no contesta.", ["+1 555 320 8890"]),
]


@pytest.mark.parametrize("text, phones", PHONE_CASES)
def test_phone_numbers_are_flagged(text, phones):
    assert flagged(text, "phone") == phones


EMAIL_CASES = [
    ("She gave me her email, maria.lopez82@gmail.com, for the handouts.", ["maria.lopez82@gmail.com"]),
    ("Me dio su correo, lupita.morales@hotmail.com, para los folletos.", ["lupita.morales@hotmail.com"]),
    ("She uses maria+kids@gmail.com for school stuff.", ["maria+kids@gmail.com"]),
]


@pytest.mark.parametrize("text, emails", EMAIL_CASES)
def test_emails_are_flagged(text, emails):
    assert flagged(text, "email") == emails


ADDRESS_CASES = [
    ("They moved to 412 Oak Street after the eviction.", ["412 Oak Street"]),
    ("The visit was at 2219 W. Maple Ave, Apt 3B, and the stairs were broken.", ["2219 W. Maple Ave, Apt 3B"]),
    ("The family lives in apartment 12 above the laundromat.", ["apartment 12"]),
    ("Se mudaron a la calle Olivo 123 después del desalojo.", ["calle Olivo 123"]),
    ("Viven en Calle 5 de Mayo #45, departamento 2.", ["Calle 5 de Mayo #45, departamento 2"]),
    ("La familia vive en 1450 Avenida Central, apto 7, sin calefacción.", ["1450 Avenida Central, apto 7"]),
    ("Her sister lives at 77 Magnolia Dr, Fresno, CA 93701.", ["77 Magnolia Dr, Fresno, CA 93701"]),
]


@pytest.mark.parametrize("text, addresses", ADDRESS_CASES)
def test_addresses_are_flagged(text, addresses):
    assert flagged(text, "address") == addresses


RECORD_CASES = [
    ("I double-checked case #48213 before the meeting.", ["#48213"]),
    ("The clinic asked for the MRN 123456 first.", ["123456"]),
    ("I wrote the Medicaid ID 88-1234 on the wrong form.", ["88-1234"]),
    ("The case number 2022-JV-0117 came up in the letter.", ["2022-JV-0117"]),
    ("Revisé el expediente 4432 antes de la reunión.", ["4432"]),
    ("El número de caso es 55129 y no lo he leído.", ["55129"]),
    ("Su número de seguro social 123-45-6789 estaba en el papel.", ["123-45-6789"]),
]


@pytest.mark.parametrize("text, records", RECORD_CASES)
def test_record_numbers_are_flagged(text, records):
    assert flagged(text, "record_number") == records


def test_several_categories_in_one_reflection():
    text = "Elijah, 4, was born on 5/2/2019; his mom's cell is 555-610-4432 and they live at 77 Pine St."
    result = scan(text)
    assert result.categories == ("address", "age", "date", "name", "phone")
    assert flagged(text, "name") == ["Elijah"]
    assert flagged(text, "address") == ["77 Pine St."]


# ---------------------------------------------------------------------------
# Hard negatives
# ---------------------------------------------------------------------------

NEGATIVES = [
    "I felt so tired when the mom started crying again.",
    "Me sentí impotente cuando la mamá lloró.",
    "The family wants to stay in Head Start, maybe Early Head Start next year.",
    "The Early Intervention referral is pending and the mom worries about Part C.",
    "On Monday the baby was fussy; in March we start a new cohort.",
    "El lunes el bebé lloró mucho; en mayo empezamos el grupo.",
    "The mom speaks Spanish at home and the teacher only speaks English.",
    "I prayed to God for patience. Gracias a Dios.",
    "Today was hard. When I arrived the baby slept. Maybe next time.",
    "Hoy fue difícil. Cuando llegué, la maestra estaba cansada.",
    "I think I rushed her.",
    "The Teacher, the Home Visitor and the Consultant met about PreK, the IEP and the IFSP.",
    "The child is 3 years old and still not talking much.",
    "The baby is 9 months old and just started crawling.",
    "We met at 3:30 because that is when the baby naps.",
    "There are 5 children in the room and I called 2 times.",
    "In 2023 our program lost half its staff.",
    "She will try the routine. I hope it helps.",
    "The grandmother held the baby with grace.",
    "Grace is something I want to give myself after this week.",
    "Hope is hard to hold when the family keeps getting bad news.",
    "Will the teacher ever trust me? May I say something?",
    "June is always a hard month for this classroom.",
    "la mamá lucía cansada y el niño estaba armando un rompecabezas.",
    "Ella dijo que la culpa es mía, no tuya.",
    "Rosa es el color favorito de la niña.",
    "La niña es una flor, tan dulce y tan tranquila.",
    "La mamá es muy linda con el bebé.",
    "El bebé tiene 9 meses y la maestra, la mamá y el bebé estaban bien.",
    "The family just moved here from San Antonio.",
    "La mamá quiere regresar a Los Ángeles.",
    "The mom is from Guatemala and lives in Oxnard now.",
    "The teacher trained at Lincoln Elementary.",
    "La Virgen de Guadalupe está en la pared de la sala.",
    "She found a crib through the Salvation Army thrift store.",
    "The toddler watches Paw Patrol for hours.",
    "La familia tiene miedo de que llegue la Migra.",
    "I drove my Mercedes to the visit.",
    "He has 3 siblings and a baby sister.",
    "Our program serves kids ages 0-5; scores were 12/15.",
    "The 4th of July parade was loud.",
    "Room 204 is where the infant class moved.",
    "The mom has 4 kids and the oldest is 9.",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_hard_negatives_are_not_flagged(text):
    result = scan(text)
    assert not result.flagged, [text[s.start : s.end] + "/" + s.category for s in result.spans]
    assert result.categories == ()
    assert result.spans == ()


def test_age_needs_a_name_and_a_link():
    assert flagged("Luis has been in the program for 2 years.", "age") == []
    assert flagged("Pedro llegó 10 minutos tarde.", "age") == []
    assert flagged("Luis, 2 years ago, moved here.", "age") == []
    assert flagged("Luis has been in the program for 2 years.", "name") == ["Luis"]


def test_a_lone_month_or_month_and_year_is_not_a_date():
    assert flagged("She was born in May 2022 during the lockdown.", "date") == []
    assert flagged("Nació en mayo y fue muy difícil.", "date") == []


# ---------------------------------------------------------------------------
# Result shape
# ---------------------------------------------------------------------------


def test_to_json_dict_shape():
    text = "Mom Sarah's number is 555-382-9140."
    result = scan(text)
    data = result.to_json_dict()
    assert set(data) == {"flagged", "categories", "spans"}
    assert data["flagged"] is True
    assert data["categories"] == ["name", "phone"]
    assert data["spans"] == [[4, 9, "name"], [22, 34, "phone"]]
    assert all(isinstance(x, list) and len(x) == 3 for x in data["spans"])
    json.dumps(data)  # serialisable as is


def test_clean_text_json():
    assert scan("The mom and I talked.").to_json_dict() == {"flagged": False, "categories": [], "spans": []}
    assert scan("").to_json_dict() == {"flagged": False, "categories": [], "spans": []}


def test_result_is_frozen():
    result = scan("Mom Sarah called.")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.flagged = False
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.spans[0].start = 0


@pytest.mark.parametrize("text", [t for t, _ in NAME_CASES] + [t for t, _ in DATE_CASES] + [c[0] for c in AGE_CASES])
def test_spans_are_sorted_non_overlapping_and_in_bounds(text):
    assert_well_formed(text, scan(text))


# ---------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus():
    from bench.privacy import load_corpus

    rows = load_corpus()
    assert len(rows) >= 400
    return rows


def test_corpus_spans_are_well_formed(corpus):
    for _lang, _expected, text in corpus:
        assert_well_formed(text, scan(text))


def test_corpus_quality_floor(corpus):
    """Line-level precision and recall over the labelled corpus stay >= 0.85."""
    from bench.privacy import evaluate

    report = evaluate(corpus)
    assert report["overall"]["precision"] >= 0.85, report["overall"]
    assert report["overall"]["recall"] >= 0.85, report["overall"]
    for category in CATEGORIES:
        assert report["per_category"][category]["support"] > 0, category


def test_corpus_covers_both_languages_and_all_categories(corpus):
    langs = {lang for lang, _, _ in corpus}
    assert langs == {"en", "es"}
    for lang in ("en", "es"):
        seen = set().union(*(expected for row_lang, expected, _ in corpus if row_lang == lang))
        assert seen == set(CATEGORIES), lang
        negatives = sum(1 for row_lang, expected, _ in corpus if row_lang == lang and not expected)
        assert negatives >= 100, lang
