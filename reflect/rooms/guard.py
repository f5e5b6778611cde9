"""The identifier guard at the point where text would reach the group.

Text that looks like it names a child or family is held back with the spans to
highlight; the phone offers "edit" or "share anyway". Only categories are logged.
"""
from __future__ import annotations

import logging

from reflect.privacy import scan
from reflect.rooms.errors import RoomError

log = logging.getLogger("reflect.guard")


def check_shareable(text: str, share_anyway: bool) -> list[list] | None:
    """Raise ``identifiers`` unless the text looks clean or the person chose to share
    anyway; returns the spans found (``[[start, end, category], ...]``) when shared
    anyway, for the facilitator to see before revealing it, else None."""
    result = scan(text)
    if not result.flagged:
        return None
    log.info("identifier guard: %s%s", ",".join(result.categories), " (shared anyway)" if share_anyway else "")
    if share_anyway:
        return [[span.start, span.end, span.category] for span in result.spans]
    raise RoomError(
        "identifiers",
        categories=list(result.categories),
        spans=[[span.start, span.end, span.category] for span in result.spans],
    )
