"""Forms for groups and sessions."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from reflect.rooms.scales import DEFAULT_SCALES, SCALES


class GroupForm(FlaskForm):
    name = StringField(_l("Group name"), validators=[DataRequired(), Length(max=120)])
    roster = TextAreaField(
        _l("Regular members (optional)"),
        validators=[Length(max=5000)],
        description=_l("One name per line. People can pick their name when they join, which keeps attendance and hours."),
    )


class MemberNameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _planned_for(**kwargs) -> DateTimeLocalField:
    return DateTimeLocalField(
        _l("Date and time the group meets (optional)"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
        description=_l("For a session set up ahead: its code and link work from now, so they can go out "
                       "with the invitation."), **kwargs)


class PlanForm(FlaskForm):
    planned_for = _planned_for()


class SessionForm(FlaskForm):
    title = StringField(_l("Title (optional)"), validators=[Length(max=120)])
    planned_for = _planned_for()
    deck = SelectField(_l("Prompt deck"), validators=[DataRequired()])
    scales = MultiCheckboxField(
        _l("Check-in questions (one to three)"),
        choices=[(slug, scale.question) for slug, scale in SCALES.items()],
        default=DEFAULT_SCALES,
    )
    allow_names = BooleanField(_l("Participants may share answers with their name"), default=True)
    allow_free_feeling = BooleanField(
        _l("Besides the list of feelings, participants may write a word of their own (only you will see it)"),
        default=False)
    min_group_size = IntegerField(
        _l("Minimum number of answers before any summary is shown"),
        validators=[NumberRange(min=2, max=50)],
        default=3,
    )
