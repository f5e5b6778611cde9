"""Prompt decks: the catalogue, one deck, the editor, import and export.

Facilitators and admins only. A facilitator sees the built-in decks and their own;
another facilitator's deck is a 404. Built-in decks are read-only (a change is a 403).
The rules are in :mod:`reflect.prompts.store` and :mod:`reflect.prompts.card_edits`;
these views validate the form, call the store, commit and respond.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from reflect.auth.access import roles_required
from reflect.auth.forms import EmptyForm
from reflect.db import get_session
from reflect.decks import deck_error
from reflect.decks.forms import CardForm, DeckDetailsForm, ImportForm, NewDeckForm, perspective_choices
from reflect.models import Role, User
from reflect.prompts import card_edits, store, toml_writer
from reflect.prompts.localize import localize_deck, localize_text
from reflect.prompts.schema import DeckError
from reflect.prompts.themes import THEME_GROUPS, perspective_label, theme_label, themes_in_group

bp = Blueprint("decks", __name__, url_prefix="/decks")

EDITORS = (Role.ADMIN, Role.FACILITATOR)
LANGUAGE_NAMES = {"en": _l("English"), "es": _l("Spanish")}
FALLBACK_MARKS = {"en": _l("(English)"), "es": _l("(Spanish)")}


# --------------------------------------------------------------------------- helpers


def _locale() -> str:
    return str(get_locale() or "en")


def _entry_or_404(deck_id: str) -> store.DeckEntry:
    entry = store.get_entry(get_session(), current_user, deck_id)
    if entry is None:
        abort(404)
    return entry


def _editable_or_abort(deck_id: str) -> store.DeckEntry:
    entry = _entry_or_404(deck_id)
    if entry.builtin:
        abort(403)
    if not entry.editable:
        abort(404)
    return entry


def _card_or_404(entry: store.DeckEntry, card_id: str):
    card = entry.deck.card(card_id)
    if card is None:
        abort(404)
    return card


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _store_error(err: store.DeckStoreError, deck_id: str | None = None):
    """Turn a store refusal into a response: 403/404 for access, else a message."""
    get_session().rollback()
    if err.code == "builtin_read_only":
        abort(403)
    if err.code == "not_found":
        abort(404)
    flash(deck_error(err), "error")
    target = url_for("decks.view", deck_id=deck_id) if deck_id else url_for("decks.index")
    return redirect(target)


def _title(deck) -> str:
    return localize_text(deck.title, deck.languages, _locale())[0]


def _owners(entries) -> dict[int, str]:
    ids = {e.owner_id for e in entries if e.owner_id is not None}
    if not ids or current_user.role != Role.ADMIN.value:
        return {}
    users = get_session().scalars(select(User).where(User.id.in_(ids)))
    return {u.id: u.display_name or u.email for u in users}


def _theme_groups():
    locale = _locale()
    return [
        (group.label(locale), [(t.slug, t.label(locale)) for t in themes_in_group(group.slug)])
        for group in THEME_GROUPS
    ]


def _download(body: str, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _render_index(import_form: ImportForm | None = None, problems=None, status: int = 200):
    db = get_session()
    entries = store.list_decks(db, current_user, include_retired=True)
    locale = _locale()
    rows = [
        {
            "entry": e,
            "title": localize_text(e.deck.title, e.deck.languages, locale),
            "languages": [str(LANGUAGE_NAMES.get(x, x)) for x in e.deck.languages],
        }
        for e in entries
    ]
    return (
        render_template(
            "decks/index.html",
            builtin=[r for r in rows if r["entry"].builtin],
            custom=[r for r in rows if not r["entry"].builtin and not r["entry"].retired],
            retired=[r for r in rows if r["entry"].retired],
            owners=_owners(entries),
            import_form=import_form or ImportForm(formdata=None),
            problems=problems,
            fallback_marks=FALLBACK_MARKS,
        ),
        status,
    )


# --------------------------------------------------------------------------- catalogue


@bp.get("/")
@roles_required(*EDITORS)
def index():
    return _render_index()


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new():
    form = NewDeckForm()
    problems = None
    if form.validate_on_submit():
        db = get_session()
        data = form.deck_data()
        data["cards"] = [dict(form.card_data(), id="card-1")]
        try:
            deck = store.create_deck(db, current_user, data)
        except DeckError as err:
            db.rollback()
            problems = err.problems
        except store.DeckStoreError as err:
            return _store_error(err)
        else:
            db.commit()
            flash(_("Deck created."), "success")
            return redirect(url_for("decks.view", deck_id=deck.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "decks/new.html", form=form, problems=problems, theme_groups=_theme_groups(),
        perspective_choices=perspective_choices(),
    ), status


@bp.post("/import")
@roles_required(*EDITORS)
def import_deck():
    form = ImportForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _render_index(import_form=form, status=400)
    upload = form.file.data
    db = get_session()
    try:
        decks, skipped = store.import_decks(
            db, current_user, upload.read(), upload.filename or "deck", replace=bool(form.replace.data)
        )
    except DeckError as err:
        db.rollback()
        return _render_index(import_form=form, problems=err.problems, status=400)
    except store.DeckStoreError as err:
        db.rollback()
        return _render_index(import_form=form, problems=[deck_error(err)], status=400)
    db.commit()
    if len(decks) == 1:
        flash(_("Deck imported: %(title)s", title=_title(decks[0])), "success")
    else:
        flash(_("Decks imported: %(titles)s", titles=", ".join(_title(deck) for deck in decks)), "success")
    if skipped:
        flash(ngettext("%(num)d built-in deck in the file was left as it is.",
                       "%(num)d built-in decks in the file were left as they are.", skipped), "info")
    if len(decks) == 1:
        return redirect(url_for("decks.view", deck_id=decks[0].id))
    return redirect(url_for("decks.index"))


@bp.get("/export.json")
@roles_required(*EDITORS)
def export_all():
    db = get_session()
    body = store.export_decks(db, None, actor=current_user)
    db.commit()
    return _download(json.dumps(body, ensure_ascii=False, indent=2) + "\n", "reflect-decks.json", "application/json")


# --------------------------------------------------------------------------- one deck


@bp.get("/<deck_id>/")
@roles_required(*EDITORS)
def view(deck_id: str):
    entry = _entry_or_404(deck_id)
    locale = _locale()
    shown = localize_deck(entry.deck, locale)
    cards = [
        {
            "card": card,
            "perspective": perspective_label(card.perspective, locale),
            "themes": [theme_label(t, locale) for t in card.themes],
        }
        for card in shown.cards
    ]
    return render_template(
        "decks/view.html",
        entry=entry,
        deck=shown,
        cards=cards,
        owners=_owners([entry]),
        deck_languages=[str(LANGUAGE_NAMES.get(x, x)) for x in entry.deck.languages],
        fallback_marks=FALLBACK_MARKS,
        action_form=EmptyForm(),
    )


@bp.get("/<deck_id>/export.<fmt>")
@roles_required(*EDITORS)
def export_one(deck_id: str, fmt: str):
    if fmt not in ("json", "toml"):
        abort(404)
    entry = _entry_or_404(deck_id)
    db = get_session()
    body = store.export_decks(db, [entry.id], actor=current_user)
    db.commit()
    if fmt == "toml":
        return _download(toml_writer.deck_to_toml(entry.deck), f"{entry.id}.toml", "application/toml")
    return _download(json.dumps(body, ensure_ascii=False, indent=2) + "\n", f"{entry.id}.json", "application/json")


@bp.route("/<deck_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(deck_id: str):
    entry = _editable_or_abort(deck_id)
    form = DeckDetailsForm()
    problems = None
    if request.method == "GET":
        form.fill_from(entry.deck)
    elif form.validate_on_submit():
        db = get_session()
        try:
            store.update_deck(db, current_user, deck_id, form.deck_data())
        except DeckError as err:
            db.rollback()
            problems = err.problems
        except store.DeckStoreError as err:
            return _store_error(err, deck_id)
        else:
            db.commit()
            flash(_("Deck details saved."), "success")
            return redirect(url_for("decks.view", deck_id=deck_id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "decks/edit.html", entry=entry, title=_title(entry.deck), form=form, problems=problems
    ), status


@bp.post("/<deck_id>/duplicate")
@roles_required(*EDITORS)
def duplicate(deck_id: str):
    _entry_or_404(deck_id)
    _check_csrf()
    db = get_session()
    try:
        copy = store.duplicate_deck(db, current_user, deck_id)
    except store.DeckStoreError as err:
        return _store_error(err, deck_id)
    db.commit()
    flash(_("This is your copy. You can edit it."), "success")
    return redirect(url_for("decks.view", deck_id=copy.id))


@bp.post("/<deck_id>/retire")
@roles_required(*EDITORS)
def retire(deck_id: str):
    return _set_retired(deck_id, True)


@bp.post("/<deck_id>/restore")
@roles_required(*EDITORS)
def restore(deck_id: str):
    return _set_retired(deck_id, False)


def _set_retired(deck_id: str, retired: bool):
    _editable_or_abort(deck_id)
    _check_csrf()
    db = get_session()
    try:
        (store.retire_deck if retired else store.restore_deck)(db, current_user, deck_id)
    except store.DeckStoreError as err:
        return _store_error(err, deck_id)
    db.commit()
    flash(
        _("Deck retired: it is no longer offered for new sessions.") if retired
        else _("Deck restored: it is offered for new sessions again."),
        "success",
    )
    return redirect(url_for("decks.view", deck_id=deck_id))


@bp.route("/<deck_id>/delete", methods=["GET", "POST"])
@roles_required(*EDITORS)
def delete(deck_id: str):
    entry = _editable_or_abort(deck_id)
    if request.method == "POST":
        _check_csrf()
        db = get_session()
        try:
            store.delete_deck(db, current_user, deck_id)
        except store.DeckStoreError as err:
            return _store_error(err, deck_id)
        db.commit()
        flash(_("Deck deleted."), "success")
        return redirect(url_for("decks.index"))
    return render_template(
        "decks/confirm.html",
        entry=entry,
        title=_title(entry.deck),
        heading=_("Delete the deck “%(title)s”?", title=_title(entry.deck)),
        body=_("This cannot be undone. Export the deck first if you may want it back."),
        action=url_for("decks.delete", deck_id=deck_id),
        button=_("Delete the deck"),
        action_form=EmptyForm(),
    )


# --------------------------------------------------------------------------- cards


def _render_card_form(entry, form, card=None, position=None, problems=None, status=200):
    return render_template(
        "decks/card.html",
        entry=entry,
        title=_title(entry.deck),
        form=form,
        card=card,
        position=position,
        problems=problems,
        theme_groups=_theme_groups(),
        perspective_choices=perspective_choices(),
    ), status


@bp.route("/<deck_id>/cards/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def add_card(deck_id: str):
    entry = _editable_or_abort(deck_id)
    form = CardForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _render_card_form(entry, form, status=400)
        db = get_session()
        try:
            deck = card_edits.add_card(db, current_user, deck_id, form.card_data())
        except DeckError as err:
            db.rollback()
            return _render_card_form(entry, form, problems=err.problems, status=400)
        except store.DeckStoreError as err:
            return _store_error(err, deck_id)
        db.commit()
        flash(_("Card added."), "success")
        return redirect(url_for("decks.view", deck_id=deck_id, _anchor=f"card-{deck.cards[-1].id}"))
    return _render_card_form(entry, form)


@bp.route("/<deck_id>/cards/<card_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_card(deck_id: str, card_id: str):
    entry = _editable_or_abort(deck_id)
    card = _card_or_404(entry, card_id)
    position = entry.deck.cards.index(card) + 1
    form = CardForm()
    if request.method == "GET":
        form.fill_from_card(card)
        return _render_card_form(entry, form, card, position)
    if not form.validate_on_submit():
        return _render_card_form(entry, form, card, position, status=400)
    db = get_session()
    try:
        card_edits.edit_card(db, current_user, deck_id, card_id, form.card_data())
    except DeckError as err:
        db.rollback()
        return _render_card_form(entry, form, card, position, problems=err.problems, status=400)
    except store.DeckStoreError as err:
        return _store_error(err, deck_id)
    db.commit()
    flash(_("Card %(n)d saved.", n=position), "success")
    return redirect(url_for("decks.view", deck_id=deck_id, _anchor=f"card-{card_id}"))


@bp.route("/<deck_id>/cards/<card_id>/delete", methods=["GET", "POST"])
@roles_required(*EDITORS)
def delete_card(deck_id: str, card_id: str):
    entry = _editable_or_abort(deck_id)
    card = _card_or_404(entry, card_id)
    position = entry.deck.cards.index(card) + 1
    if request.method == "POST":
        _check_csrf()
        db = get_session()
        try:
            card_edits.delete_card(db, current_user, deck_id, card_id)
        except store.DeckStoreError as err:
            return _store_error(err, deck_id)
        db.commit()
        flash(_("Card %(n)d deleted.", n=position), "success")
        return redirect(url_for("decks.view", deck_id=deck_id))
    return render_template(
        "decks/confirm.html",
        entry=entry,
        title=_title(entry.deck),
        heading=_("Delete card %(n)d?", n=position),
        quote=localize_text(card.text, entry.deck.languages, _locale()),
        body=_("Past sessions keep their copy of the card."),
        action=url_for("decks.delete_card", deck_id=deck_id, card_id=card_id),
        button=_("Delete card %(n)d", n=position),
        action_form=EmptyForm(),
    )


@bp.post("/<deck_id>/cards/<card_id>/move")
@roles_required(*EDITORS)
def move_card(deck_id: str, card_id: str):
    entry = _editable_or_abort(deck_id)
    _card_or_404(entry, card_id)
    _check_csrf()
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    db = get_session()
    try:
        deck = card_edits.move_card(db, current_user, deck_id, card_id, -1 if direction == "up" else 1)
    except DeckError as err:  # pragma: no cover - a reorder of a valid deck stays valid
        db.rollback()
        flash(" ".join(err.problems), "error")
        return redirect(url_for("decks.view", deck_id=deck_id))
    except store.DeckStoreError as err:
        return _store_error(err, deck_id)
    db.commit()
    position = next(i for i, c in enumerate(deck.cards, 1) if c.id == card_id)
    flash(_("Card moved to position %(n)d.", n=position), "success")
    return redirect(url_for("decks.view", deck_id=deck_id, _anchor=f"card-{card_id}"))
