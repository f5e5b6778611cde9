"""What each audience sees. This module is the one place that decides it.

- ``phone_public``: shared by every phone of one language (and the display).
- ``phone_personal``: one phone's own status (never broadcast).
- ``display_state``: the projector: ``phone_public`` plus the join code and counts.
- ``facilitator_state``: everything the facilitator may see, notes included.

None of the phone or display builders reads notes, private answers, hands, the
"talk after" signal or who answered what, so those channels cannot carry them.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import select

from reflect.db import utcnow
from reflect.models import Answer, GroupSession, Participant, ResponseMark, SessionCard, User
from reflect.prompts.localize import localize_text
from reflect.prompts.themes import perspective_label
from reflect.rooms import answers as answer_svc
from reflect.rooms import checkins, notes, participants
from reflect.rooms.codes import display_code
from reflect.rooms.lifecycle import current_card
from reflect.rooms.scales import SCALES


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="milliseconds") + "Z" if moment else None


def card_view(card: SessionCard | None, lang: str, total: int) -> dict | None:
    if card is None:
        return None
    text, text_lang, fallback = localize_text(card.text, card.languages, lang)
    followup = None
    if card.followup:
        followup, _l, _f = localize_text(card.followup, card.languages, text_lang)
    return {
        "id": card.id,
        "position": card.position,
        "total": total,
        "text": text,
        "followup": followup,
        "lang": text_lang,
        "fallback": fallback,
        "perspective": card.perspective,
        "perspective_label": perspective_label(card.perspective, lang),
    }


def scales_view(slugs: list[str], lang: str) -> list[dict]:
    with force_locale(lang):
        return [
            {"slug": s, "question": str(SCALES[s].question), "low": str(SCALES[s].low), "high": str(SCALES[s].high)}
            for s in slugs if s in SCALES
        ]


def _checkin_view(db, session: GroupSession, lang: str) -> dict | None:
    kind = {"connect": "opening", "grow": "closing"}.get(session.phase)
    round_ = checkins.get_round(db, session, kind) if kind else None
    if round_ is None:
        return None
    view = checkins.result(db, round_, session.min_group_size)
    view["scale_labels"] = scales_view(round_.scales, lang)
    return view


def _shared_answer(answer) -> dict:
    return {"id": answer.id, "text": answer.text, "author": answer.author_name, "resonates": answer.resonates}


def phone_public(db, session: GroupSession, lang: str) -> dict:
    total = len(session.cards)
    card = current_card(db, session) if session.phase == "reflect" else None
    revealed = answer_svc.revealed(db, session, card.id) if card else []
    takeaways = answer_svc.revealed(db, session, None) if session.phase in ("grow", "ended") else []
    return {
        "version": session.version,
        "phase": session.phase,
        "title": session.title,
        "locked": session.locked,
        "allow_names": session.allow_names,
        "server_now": iso(utcnow()),
        "timer_ends_at": iso(session.timer_ends_at),
        "card": card_view(card, lang, total),
        "checkin": _checkin_view(db, session, lang),
        "revealed": [_shared_answer(a) for a in revealed],
        "takeaways": [_shared_answer(a) for a in takeaways],
    }


def phone_personal(db, session: GroupSession, participant: Participant) -> dict:
    """One phone's own status, for every card at once, so it stays right when the card
    changes without asking the server again."""
    revealed_ids = list(db.scalars(select(Answer.id).where(
        Answer.session_id == session.id, Answer.revealed.is_(True), Answer.hidden.is_(False))))
    marks = db.execute(select(ResponseMark.prompt, ResponseMark.passed).where(
        ResponseMark.session_id == session.id, ResponseMark.participant_id == participant.id)).all()
    responses = {prompt.split(":", 1)[1]: ("passed" if passed else "answered")
                 for prompt, passed in marks if prompt.startswith("card:")}
    named = db.scalars(select(Answer).where(
        Answer.session_id == session.id, Answer.author_participant_id == participant.id))
    return {
        "name": participant.display_name,
        "status": participant.status,
        "locale": participant.locale,
        "hand_raised": participant.hand_raised_at is not None,
        "talk_after": participant.talk_after,
        "checked_in": {
            kind: checkins.has_checked_in(db, checkins.get_round(db, session, kind), participant)
            for kind in checkins.KINDS
        },
        "responses": responses,
        "named_answers": [{"id": a.id, "text": a.text, "card": a.session_card_id} for a in named],
        "takeaway_done": any(prompt == answer_svc.TAKEAWAY for prompt, _passed in marks),
        "reacted": answer_svc.reacted_ids(db, session, participant, revealed_ids),
    }


def phone_snapshot(db, session: GroupSession, participant: Participant) -> dict:
    public = phone_public(db, session, participant.locale)
    if participant.status != "admitted":  # waiting in a locked room, or removed: nothing the group shared
        public.update(card=None, checkin=None, revealed=[], takeaways=[])
    return {"public": public, "me": phone_personal(db, session, participant)}


def _counts(db, session: GroupSession, grace: timedelta) -> dict:
    states = participants.presence(db, session.id, grace)
    values = list(states.values())
    card = current_card(db, session) if session.phase == "reflect" else None
    responded = answer_svc.response_counts(db, session, answer_svc.card_prompt(card)) if card else None
    return {
        "here": values.count("here"),
        "reconnecting": values.count("reconnecting"),
        "present": values.count("here") + values.count("reconnecting"),
        "waiting": values.count("waiting"),
        "card": responded,
    }


def display_state(db, session: GroupSession, lang: str, grace: timedelta) -> dict:
    state = phone_public(db, session, lang)
    state["join"] = {"code": display_code(session.join_code) if session.join_code else None}
    state["counts"] = _counts(db, session, grace)
    return state


def _names(db, session: GroupSession) -> dict[int, tuple[str | None, int]]:
    """participant id -> (display name or None, guest number)."""
    rows = db.execute(select(Participant.id, Participant.display_name)
                      .where(Participant.session_id == session.id).order_by(Participant.id)).all()
    return {pid: (name, number) for number, (pid, name) in enumerate(rows, start=1)}


def facilitator_state(db, session: GroupSession, user: User, lang: str, grace: timedelta) -> dict:
    total = len(session.cards)
    card = current_card(db, session) if session.phase == "reflect" else None
    states = participants.presence(db, session.id, grace)
    names = _names(db, session)
    people = list(db.scalars(select(Participant).where(Participant.session_id == session.id).order_by(Participant.id)))

    def person(p: Participant) -> dict:
        name, number = names[p.id]
        return {"id": p.id, "name": name, "number": number, "status": states.get(p.id, "away"),
                "hand_raised_at": iso(p.hand_raised_at), "talk_after": p.talk_after,
                "roster": p.roster_member_id is not None, "locale": p.locale}

    def answer(a) -> dict:
        return {"id": a.id, "text": a.text, "audience": a.audience, "author": a.author_name,
                "hidden": a.hidden, "revealed": a.revealed, "resonates": a.resonates}

    hands = sorted((p for p in people if p.hand_raised_at), key=lambda p: p.hand_raised_at)
    positions = {c.id: c.position for c in session.cards}
    return {
        "version": session.version,
        "phase": session.phase,
        "title": session.title,
        "join_code": display_code(session.join_code) if session.join_code else None,
        "locked": session.locked,
        "allow_names": session.allow_names,
        "server_now": iso(utcnow()),
        "timer_ends_at": iso(session.timer_ends_at),
        "min_group_size": session.min_group_size,
        "cards": [
            {"position": c.position, "text": localize_text(c.text, c.languages, lang)[0],
             "perspective_label": perspective_label(c.perspective, lang), "shown": c.shown_at is not None}
            for c in session.cards
        ],
        "card": card_view(card, lang, total),
        "counts": _counts(db, session, grace),
        "participants": [person(p) for p in people if p.status != "removed"],
        "hands": [person(p) for p in hands],
        "talk_after": [person(p) for p in people if p.talk_after],
        "checkins": {
            kind: (checkins.result(db, r, session.min_group_size) if (r := checkins.get_round(db, session, kind)) else None)
            for kind in checkins.KINDS
        },
        "answers": [answer(a) for a in answer_svc.answers_for_facilitator(db, session, card.id)] if card else [],
        "takeaways": [answer(a) for a in answer_svc.answers_for_facilitator(db, session, None)],
        "takeaway_counts": answer_svc.response_counts(db, session, answer_svc.TAKEAWAY),
        "notes": [
            {"client_id": n.client_id, "text": n.text, "tags": [t.id for t in n.tags],
             "shared": n.shared_with_supervisor, "phase": n.phase,
             "card_position": positions.get(n.session_card_id), "created_at": iso(n.created_at)}
            for n in notes.notes_of(db, session, user)
        ],
        "tags": [
            {"id": t.id, "label": t.label.get(lang) or t.label.get("en"), "own": t.owner_id is not None}
            for t in notes.visible_tags(db, user)
        ],
    }
