"""The hours pages anyone may open without an account: the letter verification page
(rate limited; says only that a letter was issued, for whom, the period, the totals and
whether it was superseded) and the practitioner's own view through their personal link."""
from __future__ import annotations

from flask import abort, render_template, redirect, request, url_for
from flask_babel import force_locale

from reflect.db import get_session
from reflect.extensions import limiter
from reflect.hours import letters, links
from reflect.hours.forms import VerifyForm
from reflect.hours.views import _helpers, _pdf_response, _record_view, bp
from reflect.models import HoursLetter, Person


# --- public: verification and the practitioner's own view ------------------------------------


@bp.get("/verify")
@limiter.limit("30 per minute")
def verify_form():
    form = VerifyForm(request.args)
    if request.args.get("code") and form.validate():
        return redirect(url_for("hours.verify", code=form.code.data.strip()))
    return render_template("hours/verify_form.html", form=form)


@bp.get("/verify/<code>")
@limiter.limit("30 per minute")
def verify(code: str):
    found = letters.verify(get_session(), code[:40])
    if found is None:
        return render_template("hours/verify.html", letter=None, code=code[:40]), 404
    return render_template("hours/verify.html", letter=found, code=found["code"], **_helpers())


def _own_locale(found: Person) -> str:
    """The practitioner's language, unless they chose the other one with the switch."""
    from reflect.i18n import LANG_COOKIE, normalise

    return normalise(request.cookies.get(LANG_COOKIE)) or found.locale


def _own_person_or_404(token: str) -> Person:
    found = links.person_for(get_session(), token)
    if found is None:
        abort(404)
    return found


@bp.get("/my/<token>")
@limiter.limit("60 per minute")
def own_record(token: str):
    found = _own_person_or_404(token)
    db = get_session()
    view = _record_view(found, None)
    with force_locale(_own_locale(found)):
        return render_template("hours/own.html", person=found, token=token,
                               letters=letters.letters_of(db, found.id), **view, **_helpers())


@bp.get("/my/<token>/letters/<int:letter_id>.pdf")
@limiter.limit("60 per minute")
def own_letter(token: str, letter_id: int):
    found = _own_person_or_404(token)
    letter = get_session().get(HoursLetter, letter_id)
    if letter is None or letter.person_id != found.id:
        abort(404)
    return _pdf_response(letter, _own_locale(found))
