"""Deck file format: schema validation, problem messages, loading, round trips, localization."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from reflect.prompts import (
    Card,
    DeckError,
    PERSPECTIVE_SLUGS,
    THEME_SLUGS,
    THEMES,
    load_deck_bytes,
    load_deck_file,
    localize_card,
    localize_deck,
    localize_text,
    perspective_label,
    theme_label,
    validate_deck_data,
    validate_paths,
)

FIXTURES = Path(__file__).parent / "fixtures" / "decks"
GOOD_TOML = FIXTURES / "good.toml"
GOOD_JSON = FIXTURES / "good.json"


def good_data() -> dict:
    return json.loads(GOOD_JSON.read_text(encoding="utf-8"))


def problems_for(data, source="decks/x.toml") -> list[str]:
    with pytest.raises(DeckError) as info:
        validate_deck_data(data, source)
    assert info.value.problems, "DeckError must carry at least one problem"
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


# --- good files -----------------------------------------------------------


def test_good_toml_loads_every_field():
    deck = load_deck_file(GOOD_TOML)
    assert deck.id == "sample-deck"
    assert deck.version == 2
    assert deck.languages == ("en", "es")
    assert deck.primary_language == "en"
    assert deck.title == {"en": "Sample deck", "es": "Mazo de ejemplo"}
    assert deck.description["es"] == "Un mazo pequeño para las pruebas."
    assert len(deck.links) == 1
    assert deck.links[0].url == "https://example.org/reading"
    assert deck.links[0].label == {"en": "Further reading", "es": "Para leer más"}
    assert deck.builtin is False
    assert [c.id for c in deck.cards] == ["sd-parent", "sd-english-only"]
    first, second = deck.cards
    assert first.perspective == "parent"
    assert first.themes == ("understanding-the-family-story",)
    assert first.followup == {"en": "What helped you imagine it?", "es": "¿Qué te ayudó a imaginarlo?"}
    assert second.followup is None
    assert second.text == {"en": "Whose voice have we not heard yet?"}
    assert second.themes == ("hearing-all-voices", "closing")
    assert deck.card("sd-parent") is first
    assert deck.card("nope") is None


def test_json_and_toml_versions_load_equal():
    assert load_deck_file(GOOD_JSON) == load_deck_file(GOOD_TOML)


def test_to_dict_shape():
    out = load_deck_file(GOOD_TOML).to_dict()
    assert list(out) == ["id", "version", "languages", "title", "description", "links", "cards"]
    assert out["languages"] == ["en", "es"]
    assert out["links"] == [
        {"label": {"en": "Further reading", "es": "Para leer más"}, "url": "https://example.org/reading"}
    ]
    assert out["cards"][0] == {
        "id": "sd-parent",
        "text": {
            "en": "What might it be like to be this parent today?",
            "es": "¿Cómo será estar hoy en el lugar de esta mamá o este papá?",
        },
        "followup": {"en": "What helped you imagine it?", "es": "¿Qué te ayudó a imaginarlo?"},
        "perspective": "parent",
        "themes": ["understanding-the-family-story"],
    }
    assert "followup" not in out["cards"][1]
    assert "builtin" not in out
    assert out == good_data()  # the JSON fixture is exactly the export shape


def test_to_dict_round_trips_through_validation():
    deck = load_deck_file(GOOD_TOML)
    assert validate_deck_data(deck.to_dict(), "roundtrip") == deck
    as_json = json.dumps(deck.to_dict(), ensure_ascii=False).encode("utf-8")
    assert load_deck_bytes(as_json, "export.json") == deck


def test_to_dict_is_a_copy():
    deck = load_deck_file(GOOD_TOML)
    out = deck.to_dict()
    out["title"]["en"] = "changed"
    out["cards"][0]["text"]["en"] = "changed"
    assert deck.title["en"] == "Sample deck"
    assert deck.cards[0].text["en"].startswith("What might")


def test_load_deck_bytes_for_uploads():
    raw = GOOD_TOML.read_bytes()
    assert load_deck_bytes(raw, "upload.toml") == load_deck_file(GOOD_TOML)
    assert load_deck_bytes(raw, "upload.toml", builtin=True).builtin is True


def test_whitespace_around_text_is_trimmed():
    data = good_data()
    data["cards"][0]["text"]["en"] = "  Hello there?\n"
    assert validate_deck_data(data, "x").cards[0].text["en"] == "Hello there?"


# --- broken fixture files: one problem each, naming file, card and field ---------

BROKEN_CASES = [
    ("broken_missing_primary_text.toml", "card 'sd-parent': text.en: Missing the text in the deck's main language ('en')"),
    ("broken_unknown_perspective.toml", "card 'sd-parent': perspective: Unknown perspective 'neighbour'"),
    ("broken_unknown_theme.toml", "card 'sd-english-only': themes (item 2): Unknown theme 'astrology'"),
    ("broken_duplicate_card_id.toml", "card 2 ('sd-parent'): id: Duplicate card id 'sd-parent'"),
    ("broken_unknown_key.toml", "card 'sd-english-only': mood: Unknown field."),
    ("broken_bad_id_slug.toml", "id: 'SD English_only' is not a valid id"),
    ("broken_missing_card_id.toml", "card 2: id: Missing data for required field."),
    ("broken_too_long_text.toml", "card 'sd-english-only': text.en: Too long: 699 characters (limit 600)."),
    ("broken_http_link.toml", "link 1: url: Must be a full https:// URL."),
]


@pytest.mark.parametrize("filename, expected", BROKEN_CASES)
def test_each_broken_file_reports_one_precise_problem(filename, expected):
    path = FIXTURES / filename
    with pytest.raises(DeckError) as info:
        load_deck_file(path)
    problems = info.value.problems
    assert len(problems) == 1, problems
    assert problems[0] == f"{path}: {problems[0].split(': ', 1)[1]}"
    assert problems[0].startswith(f"{path}: ")
    assert expected in problems[0]


def test_toml_syntax_error_names_file_and_line():
    path = FIXTURES / "broken_syntax.toml"
    with pytest.raises(DeckError) as info:
        load_deck_file(path)
    [problem] = info.value.problems
    assert problem.startswith(f"{path}: line 33, column ")
    assert "TOML syntax error" in problem
    assert "(at line" not in problem


def test_json_syntax_error_names_file_and_line():
    path = FIXTURES / "broken_syntax.json"
    with pytest.raises(DeckError) as info:
        load_deck_file(path)
    [problem] = info.value.problems
    assert problem.startswith(f"{path}: line 4, column 3: JSON syntax error")


def test_several_problems_are_all_reported():
    path = FIXTURES / "broken_several_problems.toml"
    with pytest.raises(DeckError) as info:
        load_deck_file(path)
    problems = info.value.problems
    assert all(p.startswith(f"{path}: ") for p in problems)
    expected = [
        "version: Must be 1 or more.",
        "card 1 ('sd-parent'): text.en: Missing the text in the deck's main language ('en')",
        "card 1 ('sd-parent'): themes (item 1): Unknown theme 'astrology'",
        "card 2 ('sd-parent'): colour: Unknown field.",
        "card 2 ('sd-parent'): id: Duplicate card id 'sd-parent' (first used by card 1).",
        "card 2 ('sd-parent'): perspective: Unknown perspective 'neighbour'",
    ]
    assert len(problems) == len(expected), problems
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    # deck-level problems come before card problems
    assert "version" in problems[0]


def test_validate_paths_expands_directories_and_reports_per_file():
    results = validate_paths([FIXTURES])
    names = {Path(p).name: problems for p, problems in results.items()}
    assert names["good.toml"] == []
    assert names["good.json"] == []
    broken = [n for n in names if n.startswith("broken_")]
    assert len(broken) == len(BROKEN_CASES) + 3
    for name in broken:
        assert names[name], f"{name} should have problems"
        assert all(name in p for p in names[name])


def test_validate_paths_single_and_missing_files(tmp_path):
    missing = tmp_path / "nope.toml"
    results = validate_paths([GOOD_TOML, missing])
    assert results[str(GOOD_TOML)] == []
    [problem] = results[str(missing)]
    assert problem.startswith(f"{missing}: cannot read file")


# --- schema rules, checked on in-memory data ----------------------------------


def test_unknown_deck_level_key_rejected():
    data = good_data()
    data["author"] = "someone"
    assert problems_for(data) == ["decks/x.toml: author: Unknown field."]


@pytest.mark.parametrize("bad_id", ["Has Caps", "under_score", "-lead", "trail-", "dou--ble", "", "é"])
def test_deck_id_must_be_slug(bad_id):
    data = good_data()
    data["id"] = bad_id
    [problem] = problems_for(data)
    assert problem.startswith("decks/x.toml: id: ")


@pytest.mark.parametrize("version", [0, -1, "1", 1.5, True])
def test_version_must_be_positive_int(version):
    data = good_data()
    data["version"] = version
    [problem] = problems_for(data)
    assert problem.startswith("decks/x.toml: version: ")


def test_version_one_and_up_accepted():
    data = good_data()
    data["version"] = 1
    assert validate_deck_data(data, "x").version == 1


def test_languages_rules():
    data = good_data()
    data["languages"] = ["en", "fr"]
    problems = problems_for(data)
    assert any(
        p.startswith("decks/x.toml: languages (item 2): Unsupported language code 'fr'") for p in problems
    )
    # Spanish text is now in a language the deck does not declare.
    assert "decks/x.toml: title.es: Language 'es' is not listed in the deck's languages." in problems

    data = good_data()
    data["languages"] = ["en", "es", "en"]
    assert problems_for(data) == ["decks/x.toml: languages: Duplicate language 'en'."]

    data = good_data()
    data["languages"] = []
    assert problems_for(data) == ["decks/x.toml: languages: List at least one language."]


def test_primary_language_is_first_and_required_everywhere():
    data = good_data()
    data["languages"] = ["es", "en"]
    # the second card has no Spanish text, so it now lacks the primary language
    assert problems_for(data) == [
        "decks/x.toml: card 'sd-english-only': text.es: Missing the text in the deck's main language ('es'), the first of its languages."
    ]
    data = good_data()
    del data["title"]["en"]
    del data["description"]["en"]
    del data["links"][0]["label"]["en"]
    del data["cards"][0]["followup"]["en"]
    problems = problems_for(data)
    assert problems == [
        "decks/x.toml: description.en: Missing the text in the deck's main language ('en'), the first of its languages.",
        "decks/x.toml: link 1: label.en: Missing the text in the deck's main language ('en'), the first of its languages.",
        "decks/x.toml: title.en: Missing the text in the deck's main language ('en'), the first of its languages.",
        "decks/x.toml: card 'sd-parent': followup.en: Missing the text in the deck's main language ('en'), the first of its languages.",
    ]


def test_text_in_undeclared_language_rejected():
    data = good_data()
    data["languages"] = ["en"]
    problems = problems_for(data)
    assert "decks/x.toml: title.es: Language 'es' is not listed in the deck's languages." in problems
    assert any(p.startswith("decks/x.toml: card 'sd-parent': text.es: Language 'es'") for p in problems)


def test_unsupported_language_key_in_text():
    data = good_data()
    data["cards"][0]["text"]["de"] = "Hallo"
    [problem] = problems_for(data)
    assert problem.startswith("decks/x.toml: card 'sd-parent': text.de: Unsupported language code 'de'")


def test_empty_and_blank_text_rejected():
    data = good_data()
    data["cards"][1]["text"]["en"] = "   "
    assert problems_for(data) == ["decks/x.toml: card 'sd-english-only': text.en: Must not be empty."]


def test_card_text_limit_is_600_characters():
    data = good_data()
    data["cards"][0]["text"]["es"] = "a" * 600
    validate_deck_data(data, "x")
    data["cards"][0]["followup"]["es"] = "a" * 601
    assert problems_for(data) == [
        "decks/x.toml: card 'sd-parent': followup.es: Too long: 601 characters (limit 600)."
    ]


def test_themes_rules():
    data = good_data()
    data["cards"][0]["themes"] = []
    [problem] = problems_for(data)
    assert problem.startswith("decks/x.toml: card 'sd-parent': themes: Give between 1 and")

    data = good_data()
    data["cards"][0]["themes"] = ["stress", "stress"]
    assert problems_for(data) == ["decks/x.toml: card 'sd-parent': themes: Duplicate theme 'stress'."]


def test_required_card_fields_named():
    data = good_data()
    for key in ("perspective", "themes", "text"):
        del data["cards"][1][key]
    assert problems_for(data) == [
        f"decks/x.toml: card 'sd-english-only': {key}: Missing data for required field."
        for key in ("perspective", "text", "themes")
    ]


def test_required_deck_fields_named():
    problems = problems_for({})
    for key in ("cards", "description", "id", "languages", "title", "version"):
        assert f"decks/x.toml: {key}: Missing data for required field." in problems
    assert len(problems) == 6


def test_deck_needs_at_least_one_card():
    data = good_data()
    data["cards"] = []
    [problem] = problems_for(data)
    assert problem.startswith("decks/x.toml: cards: A deck needs between 1 and")


def test_non_object_inputs_rejected():
    [problem] = problems_for([1, 2])
    assert problem.startswith("decks/x.toml: expected one deck")
    data = good_data()
    data["cards"][1] = "not a card"
    [problem] = problems_for(data)
    assert problem.startswith("decks/x.toml: card 2: ")


def test_followup_null_in_json_means_none():
    data = good_data()
    data["cards"][0]["followup"] = None
    assert validate_deck_data(data, "x").cards[0].followup is None


def test_upload_problems_name_the_upload():
    with pytest.raises(DeckError) as info:
        load_deck_bytes(b"id = 'x'\n", "my-deck.toml")
    assert all(p.startswith("my-deck.toml: ") for p in info.value.problems)
    with pytest.raises(DeckError) as info:
        load_deck_bytes(b"{}", "my-deck.yaml")
    assert info.value.problems == ["my-deck.yaml: unsupported file type (use .toml or .json)."]
    with pytest.raises(DeckError) as info:
        load_deck_bytes(b"\xff\xfe\x00", "my-deck.json")
    assert info.value.problems[0].startswith("my-deck.json: not valid UTF-8")
    with pytest.raises(DeckError) as info:
        load_deck_bytes(b" " * (300 * 1024), "big.json")
    assert info.value.problems[0].startswith("big.json: file is too large")


# --- localization ---------------------------------------------------------------


def test_localize_card_uses_viewer_language():
    deck = load_deck_file(GOOD_TOML)
    card = localize_card(deck.card("sd-parent"), deck.languages, "es")
    assert card.text.startswith("¿Cómo será")
    assert card.followup == "¿Qué te ayudó a imaginarlo?"
    assert card.lang == "es"
    assert card.fallback is False
    assert card.perspective == "parent"
    assert card.themes == ("understanding-the-family-story",)


@pytest.mark.parametrize("locale", ["es", "es-MX", "es_US", "ES"])
def test_localize_card_falls_back_to_primary_and_marks_it(locale):
    deck = load_deck_file(GOOD_TOML)
    card = localize_card(deck.card("sd-english-only"), deck.languages, locale)
    assert card.text == "Whose voice have we not heard yet?"
    assert card.lang == "en"
    assert card.fallback is True
    assert card.followup is None


def test_localize_card_unknown_locale_falls_back():
    deck = load_deck_file(GOOD_TOML)
    card = localize_card(deck.card("sd-parent"), deck.languages, "fr")
    assert (card.lang, card.fallback) == ("en", True)
    assert card.followup == "What helped you imagine it?"


def test_localize_uses_deck_first_language_for_fallback():
    card = Card(
        id="c", text={"es": "Hola", "en": "Hello"}, followup=None, perspective="group", themes=("closing",)
    )
    assert localize_card(card, ("es", "en"), "fr").text == "Hola"
    assert localize_card(card, ("en", "es"), "fr").text == "Hello"


def test_localize_text_and_deck():
    assert localize_text({"en": "A", "es": "B"}, ("en", "es"), "es") == ("B", "es", False)
    assert localize_text({"en": "A"}, ("en", "es"), "es") == ("A", "en", True)
    assert localize_text({"en": "A"}, ("en", "es"), None) == ("A", "en", False)
    deck = localize_deck(load_deck_file(GOOD_TOML), "es-419")
    assert deck.title == "Mazo de ejemplo"
    assert deck.fallback is False
    assert deck.links[0].label == "Para leer más"
    assert [c.fallback for c in deck.cards] == [False, True]


# --- vocabularies ---------------------------------------------------------------


def test_theme_vocabulary_is_well_formed():
    assert len(THEME_SLUGS) == len(set(THEME_SLUGS))
    for theme in THEMES:
        assert theme.en and theme.es and theme.group
    for required in (
        "understanding-the-family-story", "holding-the-baby-in-mind", "professional-use-of-self",
        "parallel-process", "reflective-alliance", "describing", "responding", "exploring",
        "linking", "integrating", "programmatic", "classroom", "child-and-family", "stress",
        "burnout", "compassion-fatigue", "secondary-traumatic-stress", "self-care", "regulation",
        "repair", "grief-and-loss", "culture-and-equity", "arriving", "closing",
        "wondering-instead-of-knowing", "holding-hope", "hearing-all-voices",
    ):
        assert required in THEME_SLUGS, required


def test_labels():
    assert theme_label("grief-and-loss", "es") == "Duelo y pérdida"
    assert theme_label("grief-and-loss", "en") == "Grief and loss"
    assert theme_label("grief-and-loss", "es-MX") == "Duelo y pérdida"
    assert theme_label("not-a-theme", "es") == "not-a-theme"
    assert set(PERSPECTIVE_SLUGS) == {
        "parent", "child", "practitioner", "family-view-of-me", "relationships", "group"
    }
    assert perspective_label("family-view-of-me", "es") == "Cómo me ve la familia"
    assert perspective_label("group", "en") == "The group"


def test_deep_copy_of_data_is_not_mutated_by_validation():
    data = good_data()
    before = copy.deepcopy(data)
    validate_deck_data(data, "x")
    assert data == before
