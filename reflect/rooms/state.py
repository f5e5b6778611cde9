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
from functools import cached_property

from flask_babel import force_locale

from reflect.db import utcnow
from reflect.models import CheckinRound, GroupSession, Participant
from reflect.prompts.localize import localize_text
from reflect.prompts.themes import THEMES, perspective_label
from reflect.rooms import answers as answer_svc
from reflect.rooms import checkins, feelings, notes, participants, storage
from reflect.rooms.codes import display_code
from reflect.rooms.lifecycle import CardFace, card_faces, current_card, shown_card_ids
from reflect.rooms.scales import SCALES


THEME_GROUP = {theme.slug: theme.group for theme in THEMES}  # a shared tag's category


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="milliseconds") + "Z" if moment else None


def card_view(card: CardFace | None, lang: str, total: int) -> dict | None:
    if card is None:
        return None
    text, text_lang, fallback = localize_text(card.text, card.languages, lang)
    followup, followup_lang = None, text_lang
    if card.followup:  # in the card's language; a follow-up not translated yet keeps its own
        followup, followup_lang, _f = localize_text(card.followup, card.languages, text_lang)
    return {
        "id": card.id,
        "position": card.position,
        "total": total,
        "text": text,
        "followup": followup,
        "lang": text_lang,
        "followup_lang": followup_lang,
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


class Reads:
    """What one broadcast reads, read once and shared by every audience and language.

    A change is published to phones, the display and the facilitator, each in every
    language; without this each builder would read the same card, answers, check-in
    rounds and participants again. Everything is read lazily, at first use, in the
    caller's transaction."""

    def __init__(self, db, session: GroupSession, grace: timedelta | None = None):
        self.db, self.session = db, session
        self.grace = grace if grace is not None else timedelta(0)
        self.now = utcnow()
        self._facilitator: dict = {}  # per facilitator: the language-neutral parts of their state

    @cached_property
    def cards(self) -> tuple:
        """What each card shows, by position (kept per process: see ``lifecycle.card_faces``)."""
        return card_faces(self.db, self.session)

    @cached_property
    def shown(self) -> set[int]:
        return shown_card_ids(self.db, self.session)

    @cached_property
    def card(self) -> CardFace | None:
        if self.session.phase != "reflect":
            return None
        return current_card(self.db, self.session)

    @cached_property
    def revealed(self) -> list:
        return answer_svc.revealed(self.db, self.session, self.card.id) if self.card else []

    @cached_property
    def takeaways(self) -> list:
        return answer_svc.revealed(self.db, self.session, None) if self.session.phase in ("grow", "ended") else []

    @cached_property
    def rounds(self) -> dict[str, CheckinRound]:
        return {r.kind: r for r in storage.rounds_of(self.db, self.session.id)}

    @cached_property
    def _results(self) -> dict[str, dict]:
        return {kind: checkins.result(self.db, r, self.session.min_group_size) for kind, r in self.rounds.items()}

    def checkin_result(self, kind: str) -> dict | None:
        result = self._results.get(kind)
        return dict(result) if result is not None else None

    @cached_property
    def _presence(self) -> tuple[list, dict[int, str]]:
        rows, online = participants.presence_rows(self.db, self.session.id)
        return rows, {row.id: participants.presence_of(row, online, self.grace, self.now) for row in rows}

    @property
    def people(self) -> list:
        return self._presence[0]

    @property
    def presence(self) -> dict[int, str]:
        return self._presence[1]

    @cached_property
    def card_counts(self) -> dict | None:
        return answer_svc.response_counts(self.db, self.session, answer_svc.card_prompt(self.card.id)) if self.card else None

    @cached_property
    def shared_card_counts(self) -> dict | None:
        """What the group may know of the card's responses: answers shared with it, and passes."""
        if not self.card:
            return None
        return {"answered": answer_svc.shared_count(self.db, self.session, self.card.id),
                "passed": self.card_counts["passed"]}

    @cached_property
    def counts(self) -> dict:
        values = list(self.presence.values())
        return {
            "here": values.count("here"),
            "reconnecting": values.count("reconnecting"),
            "present": values.count("here") + values.count("reconnecting"),
            "waiting": values.count("waiting"),
            "card": self.card_counts,
        }


def _checkin_view(reads: Reads, lang: str) -> dict | None:
    kind = {"connect": "opening", "grow": "closing"}.get(reads.session.phase)
    view = reads.checkin_result(kind) if kind else None
    if view is None:
        return None
    view["scale_labels"] = scales_view(reads.rounds[kind].scales, lang)
    if "words" in view:  # keys of the shared list, shown in the viewer's language
        view["words"] = feelings.labels(view["words"], lang)
    return view


def _shared_answer(answer) -> dict:
    return {"id": answer.id, "text": answer.text, "author": answer.author_name, "resonates": answer.resonates}


def phone_public(reads: Reads, lang: str) -> dict:
    session = reads.session
    return {
        "version": session.version,
        "phase": session.phase,
        "title": session.title,
        "locked": session.locked,
        "allow_names": session.allow_names,
        "server_now": iso(reads.now),
        "timer_ends_at": iso(session.timer_ends_at),
        "card": card_view(reads.card, lang, len(reads.cards)),
        "checkin": _checkin_view(reads, lang),
        "revealed": [_shared_answer(a) for a in reads.revealed],
        "takeaways": [_shared_answer(a) for a in reads.takeaways],
    }


def phone_personal(db, session: GroupSession, participant: Participant) -> dict:
    """One phone's own status, for every card at once, so it stays right when the card
    changes without asking the server again."""
    revealed_ids = storage.revealed_answer_ids(db, session.id)
    marks = storage.response_marks_of(db, session.id, participant.id)
    responses = {prompt.split(":", 1)[1]: ("passed" if passed else "answered")
                 for prompt, passed in marks if prompt.startswith("card:")}
    named = storage.named_answers_of(db, session.id, participant.id)
    checked = storage.checked_in_kinds(db, session.id, participant.id)
    return {
        "name": participant.display_name,
        "status": participant.status,
        "locale": participant.locale,
        "hand_raised": participant.hand_raised_at is not None,
        "talk_after": participant.talk_after,
        "checked_in": {kind: kind in checked for kind in checkins.KINDS},
        "responses": responses,
        "named_answers": [{"id": a.id, "text": a.text, "card": a.session_card_id} for a in named],
        "takeaway_done": any(prompt == answer_svc.TAKEAWAY for prompt, _passed in marks),
        "takeaway_passed": any(prompt == answer_svc.TAKEAWAY and passed for prompt, passed in marks),
        "reacted": answer_svc.reacted_ids(db, session, participant, revealed_ids),
    }


def phone_snapshot(db, session: GroupSession, participant: Participant) -> dict:
    public = phone_public(Reads(db, session), participant.locale)
    if participant.status != "admitted":  # waiting in a locked room, or removed: nothing the group shared
        public.update(card=None, checkin=None, revealed=[], takeaways=[])
    return {"public": public, "me": phone_personal(db, session, participant)}


def display_state(reads: Reads, lang: str) -> dict:
    state = phone_public(reads, lang)
    session = reads.session
    state["join"] = {"code": display_code(session.join_code) if session.join_code else None}
    # the room sees only what was shared with it: an answer written only to the
    # facilitator is not counted here
    state["counts"] = {**reads.counts, "card": reads.shared_card_counts}
    return state


# What a partial facilitator state may carry besides the session's own fields and the
# counts, each named after what changed: who is here (and hands, "talk after"), the
# current card's answers, the closing takeaways, the check-in rounds. (A card move's
# partial state adds "cards", the card list: see ``facilitator_state``.)
PARTS = frozenset({"presence", "answers", "takeaways", "checkins"})


def _facilitator_core(reads: Reads, user_id: int, parts: frozenset[str] = PARTS) -> dict:
    """The facilitator's state apart from what depends on the language and apart from
    their notes and tags; built once per broadcast, shared by the facilitator's
    languages. ``parts``: which of ``PARTS`` to read and include."""
    key = (user_id, parts)
    cached = reads._facilitator.get(key)
    if cached is not None:
        return cached
    db, session = reads.db, reads.session

    names: dict[str, int] = {}
    if "presence" in parts:
        for p in reads.people:
            if p.status != "removed" and p.display_name:
                names[p.display_name.casefold()] = names.get(p.display_name.casefold(), 0) + 1

    def person(number: int, p) -> dict:
        return {"id": p.id, "name": p.display_name, "number": number, "status": reads.presence.get(p.id, "away"),
                "hand_raised_at": iso(p.hand_raised_at), "talk_after": p.talk_after,
                "roster": p.roster_member_id is not None, "locale": p.locale, "claims": p.claims_id,
                # two people in the room by one name: the console says so
                "duplicate": bool(p.display_name) and names.get(p.display_name.casefold(), 0) > 1}

    def answer(a) -> dict:
        return {"id": a.id, "text": a.text, "audience": a.audience, "author": a.author_name,
                "hidden": a.hidden, "revealed": a.revealed, "resonates": a.resonates,
                "flagged": a.flagged, "approved": a.approved}

    card = reads.card
    core = {
        "version": session.version,
        "phase": session.phase,
        "title": session.title,
        "join_code": display_code(session.join_code) if session.join_code else None,
        "locked": session.locked,
        "allow_names": session.allow_names,
        "server_now": iso(reads.now),
        "timer_ends_at": iso(session.timer_ends_at),
        "min_group_size": session.min_group_size,
        # without "presence", only the card's counts (the console keeps the others)
        "counts": reads.counts if "presence" in parts else {"card": reads.card_counts},
    }
    if "presence" in parts:
        numbered = list(enumerate(reads.people, start=1))  # guest numbers follow the order of joining
        hands = sorted(((n, p) for n, p in numbered if p.hand_raised_at), key=lambda item: item[1].hand_raised_at)
        core["participants"] = [person(n, p) for n, p in numbered if p.status != "removed"]
        core["removed"] = [person(n, p) for n, p in numbered if p.status == "removed"]  # to let back in
        core["hands"] = [person(n, p) for n, p in hands]
        core["talk_after"] = [person(n, p) for n, p in numbered if p.talk_after]
    if "checkins" in parts:
        core["checkins"] = {kind: reads.checkin_result(kind) for kind in checkins.KINDS}
        for kind, result in core["checkins"].items():  # words of their own: the facilitator's only
            if result is not None:
                result["free_words"] = checkins.free_words(db, reads.rounds[kind], session.min_group_size)
    if "answers" in parts:
        core["answers"] = [answer(a) for a in answer_svc.answers_for_facilitator(db, session, card.id)] if card else []
    if "takeaways" in parts:
        core["takeaways"] = [answer(a) for a in answer_svc.answers_for_facilitator(db, session, None)]
        core["takeaway_counts"] = answer_svc.response_counts(db, session, answer_svc.TAKEAWAY)
    reads._facilitator[key] = core
    return core


def _facilitator_notes(reads: Reads, user_id: int) -> tuple[list[dict], list]:
    """The facilitator's own notes and the tags they may use (read once per broadcast)."""
    key = ("notes", user_id)
    cached = reads._facilitator.get(key)
    if cached is not None:
        return cached
    positions = {c.id: c.position for c in reads.cards}
    found = notes.notes_of(reads.db, reads.session, user_id)
    own = [
        {"client_id": n.client_id, "text": n.text, "tags": [t.id for t in n.tags],
         "shared": n.shared_with_supervisor, "phase": n.phase,
         "card_position": positions.get(n.session_card_id), "created_at": iso(n.created_at)}
        for n in found
    ]
    reads._facilitator[key] = (own, notes.visible_tags(reads.db, user_id))
    return reads._facilitator[key]


def facilitator_state(reads: Reads, user_id: int, lang: str, *, full: bool = True,
                      parts: frozenset[str] = PARTS) -> dict:
    """Everything the facilitator (the user ``user_id``) may see, notes included, in ``lang``.

    ``full=False``: a partial state (``"partial": true``) without the notes and the tags,
    which only the facilitator's own note and tag commands change, and with only the
    ``parts`` that changed (see ``PARTS``; ``"cards"`` adds the card list, whose "shown"
    marks a card move changes); sent for what changes often (presence, answers counted,
    hands, the card on screen). The console keeps the rest from the last full state."""
    if full:
        parts = PARTS | {"cards"}
    state = dict(_facilitator_core(reads, user_id, parts - {"cards"}))
    state["card"] = card_view(reads.card, lang, len(reads.cards))
    if "checkins" in state:  # the questions in the console's language, as the phones and the display have them
        state["checkins"] = {
            kind: None if result is None else {**result, "scale_labels": scales_view(result["scales"], lang),
                                               **({"words": feelings.labels(result["words"], lang)}
                                                  if "words" in result else {})}
            for kind, result in state["checkins"].items()
        }
    if "cards" in parts:
        state["cards"] = [
            {"position": c.position, "text": localize_text(c.text, c.languages, lang)[0],
             "perspective_label": perspective_label(c.perspective, lang), "shown": c.id in reads.shown}
            for c in reads.cards
        ]
    if not full:
        state["partial"] = True
        return state
    own_notes, tags = _facilitator_notes(reads, user_id)
    state["notes"] = own_notes
    state["tags"] = [
        {"id": t.id, "label": t.label.get(lang) or t.label.get("en"), "own": t.owner_id is not None,
         "group": "own" if t.owner_id is not None else THEME_GROUP.get(t.slug, "")}
        for t in tags
    ]
    return state
