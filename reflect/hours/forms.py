"""Forms of the hours pages (WTForms: validation and CSRF). Every label is translated."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from reflect.i18n import LANGUAGES


def mode_choices():
    from reflect.hours.labels import MODE_LABELS

    return list(MODE_LABELS.items())


def month_choices():
    from flask_babel import format_date
    from datetime import date

    return [(m, format_date(date(2000, m, 1), "MMMM")) for m in range(1, 13)]


class PersonForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Language of their record and letters"), choices=list(LANGUAGES.items()),
                         default="en")
    year_start_month = SelectField(_l("Their endorsement year starts in"), coerce=int, choices=month_choices,
                                   default=1)


class NewPersonForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=list(LANGUAGES.items()), default="en")


class LinkForm(FlaskForm):
    person = StringField(_l("Person"), validators=[DataRequired(), Length(max=20)])


class PersonalLinkForm(FlaskForm):
    # only when email is set up; the address is used once and not kept
    email = EmailField(_l("Their email address (optional: the link is sent there, and the address is not kept)"),
                       validators=[Optional(), Length(max=254),
                                   Regexp(r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+$",
                                          message=_l("That is not an email address."))])


class MergeForm(FlaskForm):
    source = SelectField(_l("The same person, recorded as"), coerce=int, validators=[DataRequired()])


class MeetingForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    start = TimeField(_l("Start time"), validators=[DataRequired()])
    minutes = IntegerField(_l("Duration (minutes)"), validators=[InputRequired(message=_l("Give the duration in minutes."))])
    mode = SelectField(_l("Mode"), choices=mode_choices, default="in_person")


class LiveForm(FlaskForm):
    group = SelectField(_l("Run it in the group"), coerce=int, validators=[DataRequired()])
    mode = SelectField(_l("Mode"), choices=mode_choices, default="video")


class LetterForm(FlaskForm):
    start = DateField(_l("From"), validators=[DataRequired()], name="from")
    end = DateField(_l("To"), validators=[DataRequired()], name="to")


class CorrectionForm(FlaskForm):
    absent = BooleanField(_l("Did not attend"))
    arrived = TimeField(_l("Arrived"), validators=[Optional()])
    left = TimeField(_l("Left"), validators=[Optional()])
    mode = SelectField(_l("Mode"), choices=lambda: [("", _l("As the session"))] + mode_choices(), default="")
    reason = StringField(_l("Reason (kept in the audit trail)"), validators=[DataRequired(), Length(max=200)])


class ModeForm(FlaskForm):
    mode = SelectField(_l("How the group met"), choices=mode_choices)


class ProviderForm(FlaskForm):
    name = StringField(_l("Your name as it should appear on records"), validators=[DataRequired(), Length(max=120)])
    qualification = TextAreaField(_l("Your qualification"), validators=[Length(max=200)],
                                description=_l("For example a license and an endorsement."))


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=20)])
