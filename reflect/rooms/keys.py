"""Names and keys that the pages and the live session both use. Registers nothing.

- ``PARTICIPANT_COOKIE``: the cookie that holds a phone's token (set by the join page,
  read by the ``/phone`` namespace);
- ``display_key``: the key in the projector's link (made by the facilitator's page,
  checked by the ``/display`` namespace).
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app

PARTICIPANT_COOKIE = "reflect_participant"


def display_key(session_id: int) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"display:{session_id}".encode(), hashlib.sha256).hexdigest()[:32]
