"""Account forms. Every label is wrapped for translation."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, Optional

from reflect.auth.accounts import MIN_PASSWORD_LENGTH


def language_choices():
    from reflect.i18n import LANGUAGES

    return list(LANGUAGES.items())


def role_choices():
    return [("facilitator", _l("Facilitator")), ("supervisor", _l("Supervisor")), ("admin", _l("Admin"))]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class NewPasswordMixin:
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)],
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class SetupForm(NewPasswordMixin, FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])


class SetPasswordForm(NewPasswordMixin, FlaskForm):
    pass


class NewUserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    lang = SelectField(_l("Their language"), choices=language_choices, validators=[Optional()],
                       validate_choice=False, description=_l("The invitation and later messages are sent in it."))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])


class EmptyForm(FlaskForm):
    """A form with nothing but its CSRF token (for buttons that change something)."""


class ActiveForm(FlaskForm):
    """Activate (1) or deactivate (0) an account: the state wanted, not a toggle, so a
    double click or a resubmitted form asks for the same thing twice."""

    active = HiddenField(validators=[DataRequired(), AnyOf(["0", "1"])])


class CodeForm(FlaskForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
    )


class ConfirmCodeForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("After adding the account, type the 6-digit code the app shows."),
    )


class ForgotForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class EndSignInForm(FlaskForm):
    login = HiddenField(validators=[DataRequired(), Length(max=64)])

