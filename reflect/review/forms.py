"""Forms for the review pages (WTForms) and the JSON endpoints' query (marshmallow)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import EXCLUDE, Schema, fields, validate
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired, Optional


def by_choices():
    return [("month", _l("By month")), ("quarter", _l("By quarter")), ("period", _l("Whole period"))]


class PeriodForm(FlaskForm):
    """The period filter: a GET form (it changes nothing, so it carries no CSRF token)."""

    class Meta:
        csrf = False

    # The same query names as the JSON endpoints: ?from=...&to=...&by=...
    start = DateField(_l("From"), validators=[Optional()], name="from")
    end = DateField(_l("To"), validators=[Optional()], name="to")
    by = SelectField(_l("Show"), choices=by_choices, validators=[Optional()], default="month")


class AssignForm(FlaskForm):
    user_id = SelectField(_l("Supervisor"), coerce=int, validators=[DataRequired()])


class PeriodQuery(Schema):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD&by=month|quarter|period`` — all optional."""

    class Meta:
        unknown = EXCLUDE

    start = fields.Date(data_key="from", load_default=None)
    end = fields.Date(data_key="to", load_default=None)
    by = fields.String(load_default="month", validate=validate.OneOf(["month", "quarter", "period"]))
