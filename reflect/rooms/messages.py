"""Words for the error codes of the live session, in the reader's language."""
from flask_babel import lazy_gettext as _l

ERRORS = {
    "invalid": _l("That request was not valid."),
    "forbidden": _l("You are not allowed to do that."),
    "not_found": _l("That no longer exists."),
    "rate_limited": _l("Too many actions at once. Wait a few seconds and try again."),
    "server_error": _l("Something went wrong. Nothing was saved; try again."),
    "busy": _l("The server is busy just now. Nothing was saved; try again in a moment."),
    "session_ended": _l("This session has ended."),
    "phase_invalid": _l("That step is not available."),
    "not_in_phase": _l("That is not possible at this point in the session."),
    "card_out_of_range": _l("There is no card there."),
    "card_not_current": _l("The group has moved on to another card."),
    "timer_invalid": _l("The timer must be between 10 seconds and one hour."),
    "agreements_required": _l("Please accept the group agreements to join."),
    "roster_member_invalid": _l("That name is not on this group's list."),
    "who_invalid": _l("Choose how you will appear: a name on the list, a name you type, or no name."),
    "name_invalid": _l("A name cannot hold control characters. Type it again."),
    "roster_name_invalid": _l("Give a name of up to 80 characters."),
    "roster_name_taken": _l("Someone on this group's list, now or before, already has that name."),
    "waiting_to_be_admitted": _l("The facilitator will let you in in a moment."),
    "language_invalid": _l("That language is not available."),
    "checkin_kind_invalid": _l("That check-in does not exist."),
    "checkin_not_open": _l("The check-in is not open."),
    "scale_invalid": _l("That question is not part of this check-in."),
    "score_invalid": _l("Choose a number from 1 to 5."),
    "feeling_too_long": _l("A feeling word is at most 40 characters."),
    "feeling_invalid": _l("Choose a feeling from the list."),
    "free_word_not_allowed": _l("In this session, feelings are chosen from the list."),
    "checkin_empty": _l("Answer at least one question, or choose pass."),
    "already_checked_in": _l("You have already checked in. Thank you!"),
    "checkin_results_shown": _l("This check-in's results have been shown, so it stays closed: "
                                "with a late answer added, the difference would show that person's answer."),
    "text_empty": _l("Write something first, or choose pass."),
    "text_too_long": _l("That is longer than 600 characters."),
    "audience_invalid": _l("Choose who will see your answer."),
    "names_not_allowed": _l("In this session answers are shared without names."),
    "no_name": _l("You joined without a name, so your answer can only be anonymous."),
    "already_responded": _l("You have already answered this card."),
    "reveal_waits_for_another": _l("Only one new answer came since the last reveal. It will be revealed with the "
                                   "next one, so that nobody can tell whose it is."),
    "identifiers": _l("This might identify a child or family. Edit it, or share anyway."),
    "tag_invalid": _l("That tag cannot be used."),
    "reveal_held_back": _l("Every answer not yet revealed was shared despite the identifier warning. "
                           "Read each one and reveal or approve it yourself."),
    "claim_pending": _l("This phone chose a name that someone here already has. Say whether it is the same "
                        "person, or refuse it."),
    "group_name_invalid": _l("Give the group a name (up to 120 characters)."),
}


def error_payload(code: str, details: dict | None = None) -> dict:
    return {"ok": False, "error": {"code": code, "message": str(ERRORS.get(code, ERRORS["invalid"])), **(details or {})}}
