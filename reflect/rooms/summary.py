"""The end-of-session summary for the facilitator (check-ins only where allowed)."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from reflect.models import Answer, GroupSession, Note, Participant
from reflect.prompts.localize import localize_text
from reflect.prompts.themes import perspective_label, theme_label
from reflect.rooms import checkins, feelings
from reflect.rooms.state import scales_view


def _change(opening: dict | None, closing: dict | None) -> dict:
    if not (opening and closing and opening.get("shown") and closing.get("shown")):
        return {}
    return {
        scale: round(closing["means"][scale] - opening["means"][scale], 2)
        for scale in opening["means"]
        if opening["means"].get(scale) is not None and closing["means"].get(scale) is not None
    }


def build(db, session: GroupSession, lang: str) -> dict:
    rounds = {kind: checkins.get_round(db, session, kind) for kind in checkins.KINDS}
    results = {kind: checkins.result(db, r, session.min_group_size) if r else None for kind, r in rounds.items()}
    for kind, result in results.items():
        if result is not None:  # the shared list's words in the reader's language; their own words apart
            result["words"] = feelings.labels(result.get("words", []), lang)
            result["free_words"] = checkins.free_words(db, rounds[kind], session.min_group_size)
    shown_cards = [c for c in session.cards if c.shown_at is not None]
    answers = db.scalars(select(Answer).where(
        Answer.session_id == session.id, Answer.revealed.is_(True), Answer.hidden.is_(False)
    ).order_by(Answer.reveal_rank)).all()
    by_card: dict[int, list[Answer]] = {}
    for answer in answers:
        by_card.setdefault(answer.session_card_id, []).append(answer)
    # what practitioners sent only to the facilitator: theirs to read after the session too
    private: dict[int | None, list[dict]] = {}
    for card_id, text, author in db.execute(select(Answer.session_card_id, Answer.text, Answer.author_name).where(
            Answer.session_id == session.id, Answer.audience == "facilitator", Answer.text.is_not(None)
    ).order_by(Answer.id)):
        private.setdefault(card_id, []).append({"text": text, "author": author})
    notes = db.scalars(select(Note).where(Note.session_id == session.id, Note.author_id == session.facilitator_id)
                       .order_by(Note.created_at)).all()
    tag_counts = Counter(tag.label.get(lang) or tag.label.get("en") for note in notes for tag in note.tags)
    card_themes = Counter(theme_label(t, lang) for c in shown_cards for t in c.themes)
    people = db.scalars(select(Participant).where(Participant.session_id == session.id,
                                                  Participant.status == "admitted")).all()
    minutes = None
    if session.started_at and session.ended_at:
        minutes = round((session.ended_at - session.started_at).total_seconds() / 60)
    return {
        "cards": [
            {
                "position": c.position + 1,
                "text": localize_text(c.text, c.languages, lang)[0],
                "perspective": perspective_label(c.perspective, lang),
                "answers": [{"text": a.text, "author": a.author_name, "resonates": a.resonates}
                            for a in by_card.get(c.id, [])],
                "private": private.get(c.id, []),
            }
            for c in shown_cards
        ],
        "checkins": results,
        "scale_labels": {s["slug"]: s for s in scales_view(session.checkin_scales, lang)},
        "change": _change(results["opening"], results["closing"]),
        "takeaways": [a.text for a in answers if a.kind == "takeaway"],
        "private_takeaways": [a["text"] for a in private.get(None, [])],
        "tags": tag_counts.most_common(),
        "card_themes": card_themes.most_common(),
        "notes": notes,
        "attendance": {
            "total": len(people),
            "rostered": sorted(p.display_name for p in people if p.roster_member_id is not None),
            "guests": sum(1 for p in people if p.roster_member_id is None),
        },
        "minutes": minutes,
    }
