"""Themes: of the cards shown, and the tags of the notes a viewer may count."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from reflect.models import GroupSession, Note, NoteTag, SessionCard, ThemeTag
from reflect.review.stats.dialect import PeriodSql
from reflect.review.stats.periods import Period
from reflect.review.stats.scope import Viewer, held_filter, note_scope


def theme_counts(db: Session, group_ids: list[int], period: Period, viewer: Viewer) -> dict:
    """Themes of the cards shown and tags of the notes this viewer may count, by bucket."""
    sql = PeriodSql(db, period)
    month = sql.month(GroupSession.started_at)
    themes = sql.list_values(SessionCard.themes, "card_theme")
    card_rows = db.execute(
        select(month, themes.c.value, func.count())
        .select_from(GroupSession)
        .join(SessionCard, SessionCard.session_id == GroupSession.id)
        .join(themes, true())
        .where(held_filter(group_ids, period), SessionCard.shown_at.is_not(None))
        .group_by(month, themes.c.value)
    ).all()
    note_rows = db.execute(
        select(month, NoteTag.tag_id, func.count())
        .select_from(GroupSession)
        .join(Note, Note.session_id == GroupSession.id)
        .join(NoteTag, NoteTag.note_id == Note.id)
        .where(held_filter(group_ids, period), note_scope(viewer))
        .group_by(month, NoteTag.tag_id)
    ).all()
    tags = {}
    tag_ids = {tag_id for _m, tag_id, _n in note_rows}
    if tag_ids:
        tags = {
            tag_id: (slug, label)
            for tag_id, slug, label in db.execute(
                select(ThemeTag.id, ThemeTag.slug, ThemeTag.label).where(ThemeTag.id.in_(tag_ids))
            )
        }
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    labels: dict[str, dict] = {}
    for mon, slug, n in card_rows:
        if isinstance(slug, str) and slug:
            cells[(period.bucket_of(mon), slug)][0] += n
    for mon, tag_id, n in note_rows:
        slug, label = tags[tag_id]
        labels.setdefault(slug, label if isinstance(label, dict) else {})
        cells[(period.bucket_of(mon), slug)][1] += n
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (_bucket, slug), (cards, notes) in cells.items():
        totals[slug][0] += cards
        totals[slug][1] += notes
    order = sorted(totals, key=lambda s: (-(totals[s][0] + totals[s][1]), s))
    rank = {slug: i for i, slug in enumerate(order)}
    position = {b: i for i, b in enumerate(period.buckets())}
    ordered_cells = sorted(cells.items(), key=lambda kv: (position.get(kv[0][0], -1), rank[kv[0][1]]))
    return {
        "totals": [
            {"slug": s, "cards": totals[s][0], "notes": totals[s][1], "total": sum(totals[s]),
             "tag_label": labels.get(s)}
            for s in order
        ],
        "cells": [
            {"bucket": b, "slug": s, "cards": c, "notes": n, "total": c + n}
            for (b, s), (c, n) in ordered_cells
        ],
    }
