"""Every word a person reads is wrapped for translation and has its Spanish.

(a) Babel extracts the messages the way ``make messages`` does (babel.cfg, the same
    keywords), and the Spanish catalog has a non-empty, non-fuzzy translation of each,
    with the same placeholders.
(b) No template shows text outside ``{{ _() }}`` / ``{% trans %}``: every text node
    and every attribute a person perceives (aria-label, title, alt, placeholder, value
    of a button) is scanned with Jinja's parts taken out; and no Python module hands a
    bare string to flash(), abort(), a form field, a validator or an error message.
(c) The scripts carry no English sentences: what they show comes from the data-*
    blocks of the templates (``strings()`` in live.js).
"""
from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "reflect"
CATALOG = PACKAGE / "translations" / "es" / "LC_MESSAGES" / "messages.po"
TEMPLATES = sorted(PACKAGE.glob("**/templates/**/*.html"))
SCRIPTS = sorted((PACKAGE / "static" / "js").glob("*.js"))
# The Makefile's `make messages`: the default keywords plus these.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
# Words that are the same in every language: the product's name, and each language's
# name in that language (the language switch).
# name in that language (the language switch), and UTC.
ALLOWED_WORDS = {"reflect", "English", "Español", "español", "UTC"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w+\}")


def extracted() -> dict:
    """msgid (str, or (singular, plural)) -> the first place it was found."""
    with open(ROOT / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


def test_babel_finds_the_messages_of_every_part():
    messages = extracted()
    places = " ".join(messages.values())
    assert len(messages) > 400
    for part in ("join/phone.html", "display.html", "facilitate/console.html", "review/", "decks/", "admin/",
                 "auth/", "errors.py", "rooms/messages.py", "error.html"):
        assert part in places, part


def test_every_message_has_a_spanish_translation_with_the_same_placeholders():
    with open(CATALOG, "rb") as handle:
        catalog = read_po(handle, locale="es")
    problems = []
    for msgid, where in extracted().items():
        singular = msgid[0] if isinstance(msgid, tuple) else msgid
        if not singular:
            continue
        entry = catalog.get(singular)
        if entry is None:
            problems.append(f"{where}: not in the catalog (run `make messages`): {singular!r}")
            continue
        if entry.fuzzy:
            problems.append(f"{where}: fuzzy: {singular!r}")
        forms = entry.string if isinstance(entry.string, (tuple, list)) else (entry.string,)
        if isinstance(msgid, tuple) and len(forms) < catalog.num_plurals:
            problems.append(f"{where}: missing plural forms: {singular!r}")
        if not all(forms):
            problems.append(f"{where}: no Spanish: {singular!r}")
            continue
        sources = msgid if isinstance(msgid, tuple) else (msgid,)
        wanted = set(PLACEHOLDER.findall(" ".join(sources)))
        for form in forms:
            if set(PLACEHOLDER.findall(form)) != wanted:
                problems.append(f"{where}: placeholders differ: {singular!r} -> {form!r}")
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not problems, "\n".join(problems)
    assert not fuzzy, fuzzy


# --- (b) templates ---------------------------------------------------------------------
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
# blocks that fill an attribute (the body's class), not text
JINJA_ATTRIBUTE_BLOCK = re.compile(r"\{%-?\s*block\s+body_class\s*-?%\}.*?\{%-?\s*endblock\b.*?%\}", re.S)
JINJA_TRANS = re.compile(r"\{%-?\s*trans\b.*?%\}.*?\{%-?\s*endtrans\s*-?%\}", re.S)
JINJA_PART = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
JINJA_EXPR = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.S)
GETTEXT_CALL = re.compile(r"""\b(?:_|gettext|ngettext|_l|lazy_gettext)\(\s*(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')"""
                          r"""(?:\s*,\s*(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'))?""", re.S)
STRING_LITERAL = re.compile(r""""((?:\\.|[^"\\])*)"|'((?:\\.|[^'\\])*)'""")
WORDS = re.compile(r"[^\W\d_]{2,}")
SENTENCE = re.compile(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}")
PERCEIVED_ATTRIBUTES = {"aria-label", "aria-description", "aria-roledescription", "title", "alt", "placeholder"}


class VisibleText(HTMLParser):
    """Text nodes and perceived attribute values outside <script> and <style>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[tuple[int, str]] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if value and (name in PERCEIVED_ATTRIBUTES or (
                    name == "value" and tag == "input"
                    and attributes.get("type") in ("submit", "button", "reset"))):
                self.texts.append((self.getpos()[0], value))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.texts.append((self.getpos()[0], data))


def untranslated_template_text(source: str) -> list[tuple[int, str]]:
    source = JINJA_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    source = JINJA_TRANS.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    source = JINJA_ATTRIBUTE_BLOCK.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    problems = []
    # literal sentences inside Jinja expressions that are not gettext arguments
    for match in JINJA_EXPR.finditer(source):
        code = GETTEXT_CALL.sub("", match.group(1) or match.group(2) or "")
        for literal in STRING_LITERAL.finditer(code):
            text = literal.group(1) or literal.group(2) or ""
            if SENTENCE.search(text):
                problems.append((source.count("\n", 0, match.start()) + 1, text))
    # the HTML with every Jinja part blanked out (a placeholder keeps attributes valid)
    html = JINJA_PART.sub(lambda m: "\u2060" + "\n" * m.group(0).count("\n"), source)
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    for line, text in parser.texts:
        words = [w for w in WORDS.findall(text) if w not in ALLOWED_WORDS]
        if words:
            problems.append((line, " ".join(text.split())))
    return problems


def test_the_scanner_flags_bare_text_and_passes_wrapped_text():
    assert untranslated_template_text("<p>Hello there</p>")
    assert untranslated_template_text('<button aria-label="Close">{{ _("x") }}</button>')
    assert untranslated_template_text('<p>{{ "Bare words here" }}</p>')
    assert untranslated_template_text("<p>{{ _('Fine') }} but not this</p>")
    assert not untranslated_template_text("<p>{{ _('Hello there') }}</p>")
    assert not untranslated_template_text("<p>{% trans %}Hello there{% endtrans %}</p>")
    assert not untranslated_template_text('<a href="{{ url_for(\'x\') }}" title="{{ _(\'Go\') }}">reflect</a> · 12')
    assert not untranslated_template_text('<button lang="es">Español</button>{# a comment #}')


def test_no_template_shows_text_outside_the_translation_functions():
    problems = []
    for template in TEMPLATES:
        for line, text in untranslated_template_text(template.read_text()):
            problems.append(f"{template.relative_to(ROOT)}:{line}: {text!r}")
    assert len(TEMPLATES) > 30
    assert not problems, "\n".join(problems)


# --- (b) Python modules ----------------------------------------------------------------
SINKS = {"flash", "abort", "ValidationError", "StopValidation", "_render", "error_payload"}
TEXT_KEYWORDS = {"message", "description", "label", "error", "heading", "body", "button", "hint"}


def _bare(node: ast.AST) -> bool:
    """A string a person would read, not wrapped in a translation call."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value.strip()
        return bool(WORDS.search(text) and (" " in text or re.fullmatch(r"[A-Z][a-z]+[.!?]?", text)))
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value if isinstance(v, ast.Constant) else "value" for v in node.values)
        return _bare(ast.Constant(text.strip()))
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return _bare(node.left) or _bare(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _bare(node.func.value)
    return False


def _name(func: ast.AST) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def untranslated_python_text(source: str) -> list[tuple[int, str]]:
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        positional = []
        if name in SINKS:
            positional = node.args[:1]
        elif name.endswith("Field"):  # a form field's label
            positional = node.args[:1]
        for arg in positional + [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]:
            if _bare(arg):
                problems.append((node.lineno, ast.unparse(arg)))
    return problems


def test_the_python_scanner_flags_bare_strings():
    assert untranslated_python_text('flash("Saved.", "success")')
    assert untranslated_python_text('flash(f"Deck {title} saved")')
    assert untranslated_python_text('StringField("Group name")')
    assert untranslated_python_text('Length(max=3, message="Too long here")')
    assert untranslated_python_text('raise ValidationError("Not a date")')
    assert not untranslated_python_text('flash(_("Saved."), "success")')
    assert not untranslated_python_text('StringField(_l("Group name"), description=_l("One per line"))')
    assert not untranslated_python_text('flash(" ".join(problems), "error")')


# The deck schema's messages are English templates on purpose (the command line's
# language): reflect/prompts/messages.py lists each one for translation and renders it in
# the reader's language where a problem line is built (tests/web/test_deck_problems_translated.py
# imports every broken fixture in Spanish). Any other bare string fails.
KNOWN_UNTRANSLATED = {"reflect/prompts/schema.py"}


def test_no_python_module_hands_a_bare_string_to_a_person():
    problems = []
    for module in sorted(PACKAGE.glob("**/*.py")):
        if "migrations" in module.parts or str(module.relative_to(ROOT)) in KNOWN_UNTRANSLATED:
            continue
        for line, text in untranslated_python_text(module.read_text()):
            problems.append(f"{module.relative_to(ROOT)}:{line}: {text}")
    assert not problems, "\n".join(problems)


# --- (c) scripts -----------------------------------------------------------------------
STOPWORDS = {"the", "a", "an", "is", "are", "to", "of", "and", "you", "your", "not", "no", "in", "on", "for",
             "with", "this", "that", "be", "was", "will", "it", "at", "by", "or", "can", "has", "have", "yet",
             "please", "try", "again", "here", "now", "up", "my", "me", "we", "our"}


def string_literals(source: str) -> list[tuple[int, str]]:
    """The string and template literals of a script (comments skipped; a template
    literal's ``${…}`` parts are read as code)."""
    out: list[tuple[int, str]] = []
    i, n = 0, len(source)
    depth: list[int] = []  # brace depth of each ${ we are inside

    def line(at: int) -> int:
        return source.count("\n", 0, at) + 1

    def read_template(i: int) -> int:
        start, text = i, []
        i += 1
        while i < n:
            c = source[i]
            if c == "\\":
                text.append(source[i:i + 2])
                i += 2
            elif c == "`":
                out.append((line(start), "".join(text)))
                return i + 1
            elif source.startswith("${", i):
                text.append(" ")
                i = read_code(i + 2, stop_at_brace=True)
            else:
                text.append(c)
                i += 1
        return i

    def read_code(i: int, stop_at_brace: bool = False) -> int:
        braces = 0
        while i < n:
            c = source[i]
            if source.startswith("//", i):
                i = source.find("\n", i)
                i = n if i < 0 else i
            elif source.startswith("/*", i):
                i = source.find("*/", i) + 2
            elif c in "\"'":
                start, j = i, i + 1
                while j < n and source[j] != c:
                    j += 2 if source[j] == "\\" else 1
                out.append((line(start), source[i + 1:j]))
                i = j + 1
            elif c == "`":
                i = read_template(i)
            elif c == "{":
                braces += 1
                i += 1
            elif c == "}":
                if stop_at_brace and braces == 0:
                    return i + 1
                braces -= 1
                i += 1
            else:
                i += 1
        return i

    read_code(0)
    return out


def english(text: str) -> bool:
    if not re.search(r"\s", text.strip()):  # a key, a selector, a word: not a sentence
        return False
    words = re.findall(r"[A-Za-z']+", text)
    stop = sum(1 for w in words if w.lower() in STOPWORDS)
    return stop >= 2 or bool(re.search(r"\b[A-Z][a-z]+ [a-z]{2,}\b", text))


def test_the_script_scanner_finds_english_and_passes_code():
    code = 'const a = "Time is up"; // not this comment\nconst b = `${t("card-of")} · ${x}`; el("p", \'no answers yet\');'
    found = [text for _line, text in string_literals(code) if english(text)]
    assert found == ["Time is up", "no answers yet"]
    assert not english("#note-tags input:checked")
    assert not english("input[name=audience]:checked")


def test_no_script_carries_english_sentences():
    problems = []
    for script in SCRIPTS:
        for line, text in string_literals(script.read_text()):
            if english(text):
                problems.append(f"{script.relative_to(ROOT)}:{line}: {text!r}")
    assert len(SCRIPTS) >= 5
    assert not problems, "\n".join(problems)
