"""A facilitator importing a broken deck file reads every problem in their language."""
import html
import io
import re
from pathlib import Path

import pytest

from reflect.prompts.messages import TEMPLATES, translate
from tests.helpers import csrf, sign_in_as

FIXTURES = Path(__file__).resolve().parent.parent / "unit" / "fixtures" / "decks"
BROKEN = sorted(FIXTURES.glob("broken_*"))
ENGLISH = [re.compile(re.escape(t.split("{")[0].strip(" '(:")[:25])) for t in TEMPLATES if len(t.split("{")[0]) > 12]


@pytest.mark.parametrize("path", BROKEN, ids=[p.name for p in BROKEN])
def test_every_problem_of_a_broken_deck_file_is_shown_in_spanish(app, path):
    client = app.test_client()
    sign_in_as(app, client, "facilitator")
    headers = {"Accept-Language": "es"}
    token = csrf(client, "/decks/")
    response = client.post("/decks/import", data={"csrf_token": token, "file": (io.BytesIO(path.read_bytes()), path.name)},
                           headers=headers, content_type="multipart/form-data")
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    problems = re.findall(rf"<li>({re.escape(path.name)}:[^<]*)</li>", page)
    assert problems, "the problems are listed"
    for problem in problems:
        for english in ENGLISH:
            assert not english.search(problem), problem
    assert any(word in " ".join(problems) for word in ("tarjeta", "línea", "Falta", "desconocid", "repetido",
                                                         "Demasiado", "identificador", "https://"))


def test_every_template_has_its_values_carried_into_the_translation(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert translate("Too long: 700 characters (limit 600).") == "Demasiado largo: 700 caracteres (el límite es 600)."
        assert translate("Unknown theme 'x-y' (see reflect/prompts/themes.py).").startswith("Tema desconocido: 'x-y'")
        assert translate("Missing the text in the deck's main language ('es'), the first of its languages.") \
            == "Falta el texto en el idioma principal del mazo ('es'), el primero de sus idiomas."
        assert translate("Something no template knows.") == "Something no template knows."
    with app.app_context():  # the command line stays in English
        assert translate("Too long: 700 characters (limit 600).") == "Too long: 700 characters (limit 600)."
