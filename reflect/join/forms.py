"""What the join page's form may hold: how the person appears (``who``) and a typed name.

Checked before anything is looked up or stored, the same on every database: a roster
choice is ``roster:`` and ASCII digits that fit the database's ids (``"²".isdigit()`` is
true in Python, and 30 digits overflow SQLite's integers), and a name holds no control
characters (PostgreSQL refuses a NUL in text; SQLite would store it).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from marshmallow import Schema, ValidationError, fields, validate

from reflect.rooms.errors import RoomError

NAME_MAX = 40  # the page's maxlength; a longer one is cut, as a browser would
_WHO = re.compile(r"(?:none|typed|roster:[0-9]{1,9})\Z", re.ASCII)  # 9 digits: below 2**31


def _no_control_characters(value: str) -> None:
    """White space (a tab, a line break) is allowed: a name's white space becomes one space."""
    if any(unicodedata.category(char) in ("Cc", "Cs") and not char.isspace() for char in value):
        raise ValidationError("name_invalid")  # a code: the view shows the message


class WelcomeIn(Schema):
    who = fields.String(load_default="none", validate=validate.Regexp(_WHO))
    display_name = fields.String(load_default="", validate=_no_control_characters)


@dataclass(frozen=True)
class Choice:
    roster_member_id: int | None
    display_name: str | None


_SCHEMA = WelcomeIn()


def read_choice(form) -> Choice:
    """The person's choice from the posted form; raises ``RoomError`` ("who_invalid",
    "name_invalid") for anything else."""
    data = {key: form.get(key) for key in ("who", "display_name") if form.get(key) is not None}
    try:
        loaded = _SCHEMA.load(data)
    except ValidationError as err:
        raise RoomError("who_invalid" if "who" in err.messages else "name_invalid") from None
    who, typed = loaded["who"], loaded["display_name"][:NAME_MAX]
    roster_id = int(who.removeprefix("roster:")) if who.startswith("roster:") else None
    # A name typed in the box is meant, even when its radio was not chosen ("Without a
    # name" is pre-selected, and a page without its script cannot select it).
    name = typed if roster_id is None and (who == "typed" or typed.strip()) else None
    return Choice(roster_id, name)
