"""Helpers for templates: header links by role, role names, accessible form-field attributes."""
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

PHASE_LABELS = {
    "lobby": _l("Lobby"),
    "connect": _l("Check-in"),
    "reflect": _l("Reflect"),
    "grow": _l("Closing"),
    "ended": _l("Ended"),
}

ROLE_LABELS = {"admin": _l("Admin"), "facilitator": _l("Facilitator"), "supervisor": _l("Supervisor")}

LINKS = [
    ("facilitate.index", _l("Sessions"), {"facilitator", "admin"}),
    ("decks.index", _l("Decks"), {"facilitator", "admin"}),
    ("review.index", _l("Review"), {"supervisor", "admin", "facilitator"}),
    ("hours.index", _l("Hours"), {"supervisor", "admin", "facilitator"}),
    ("admin.users", _l("People"), {"admin"}),
    ("admin.audit", _l("Audit trail"), {"admin"}),
    ("auth.account", _l("Account"), {"admin", "facilitator", "supervisor"}),
]


def nav_links(user):
    return [
        (endpoint, label)
        for endpoint, label, roles in LINKS
        if user.role in roles and endpoint in current_app.view_functions
    ]


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def phase_label(phase: str) -> str:
    return str(PHASE_LABELS.get(phase, phase))


def field_attrs(field, autocomplete=None) -> dict:
    """Attributes that tie a field to its hint and error for screen readers."""
    attrs = {}
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    described = []
    if field.description:
        described.append(f"{field.id}-hint")
    if field.errors:
        described.append(f"{field.id}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return attrs


def init_app(app: Flask) -> None:
    from flask_babel import format_date, format_datetime, format_decimal, format_time

    def format_when(moment, date_format: str = "full") -> str:
        """A stored (UTC) time as its date and its short time in the program's zone."""
        return f"{format_date(moment, date_format)}, {format_time(moment, 'short')}"

    app.jinja_env.globals.update(
        nav_links=nav_links, role_label=role_label, phase_label=phase_label, field_attrs=field_attrs,
        format_date=format_date, format_datetime=format_datetime, format_decimal=format_decimal,
        format_when=format_when,
    )
