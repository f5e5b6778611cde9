"""Words for the hours record, in the reader's language (lazy: looked up when shown)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

MODE_LABELS = {"in_person": _l("In person"), "video": _l("Video"), "phone": _l("Phone")}
KIND_LABELS = {"group": _l("Group RS/C"), "individual": _l("Individual RS/C")}
LEVEL_LABELS = {"ifs": _l("Infant Family Specialist"), "imhs": _l("Infant Mental Health Specialist")}

ERRORS = {
    "name_invalid": _l("Give a name of at most 120 characters."),
    "language_invalid": _l("Choose English or Spanish."),
    "month_invalid": _l("Choose a month."),
    "already_linked": _l("This roster entry is already linked to that person."),
    "merge_self": _l("A person cannot be merged into themselves. Choose another person."),
    "session_not_held": _l("This session has not been held yet."),
    "reason_required": _l("Say why you are correcting this attendance."),
    "reason_too_long": _l("Keep the reason under 200 characters."),
    "mode_invalid": _l("Choose in person, video or phone."),
    "not_on_roster": _l("This person is not on this group's roster."),
    "times_required": _l("Give the arrival and departure times, or choose \u201cdid not attend\u201d."),
    "negative_duration": _l("The end must come after the start: the duration cannot be negative."),
    "outside_session": _l("The times must fall within the session, from its start to its end."),
    "overlap": _l("These times overlap another entry of this person's record. Nothing was changed."),
    "duration_invalid": _l("Give a duration from 1 minute to 8 hours."),
    "meeting_in_future": _l("A meeting is recorded once it has taken place."),
    "period_reversed": _l("The start date is after the end date."),
    "period_future": _l("A letter covers days that have passed: end the period today or earlier."),
    "period_too_long": _l("Choose a period of at most ten years."),
    "no_entries": _l("You provided no RS/C to this person in that period: there is nothing to sign."),
    "not_found": _l("Not found."),
    "group_invalid": _l("Choose one of your groups with this person on its roster."),
    "invalid": _l("Check the form and try again."),
}


def mode_label(mode: str | None) -> str:
    return str(MODE_LABELS.get(mode or "", mode or ""))


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def level_label(key: str) -> str:
    return str(LEVEL_LABELS.get(key, key))


def error_message(code: str) -> str:
    return str(ERRORS.get(code, ERRORS["invalid"]))
