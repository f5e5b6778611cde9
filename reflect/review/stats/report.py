"""Whole reports: one group's figures, and the overview of several groups."""
from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from reflect.models import Group, User
from reflect.review.stats.attendance import attendance, group_attendance_summary
from reflect.review.stats.checkins import checkin_trends, feeling_words
from reflect.review.stats.periods import Period
from reflect.review.stats.scope import Viewer
from reflect.review.stats.sessions import sessions_summary
from reflect.review.stats.shared_notes import shared_notes
from reflect.review.stats.takeaways import takeaways
from reflect.review.stats.themes import theme_counts


GROUP_PARTS = ("sessions", "themes", "checkins", "feelings", "attendance", "takeaways", "shared_notes")


def group_report(db: Session, group: Group, period: Period, viewer: Viewer, k: int,
                 rng: random.Random | None = None, parts: tuple[str, ...] = GROUP_PARTS, lang: str = "en") -> dict:
    """The figures of one group; ``parts`` limits the work to what will be shown; words in ``lang``."""
    ids = [group.id]
    facilitator = db.get(User, group.facilitator_id)
    build = {
        "sessions": lambda: sessions_summary(db, ids, period),
        "themes": lambda: theme_counts(db, ids, period, viewer),
        "checkins": lambda: checkin_trends(db, ids, period, k),
        "feelings": lambda: feeling_words(db, ids, period, k, lang=lang),
        "attendance": lambda: attendance(db, ids, period, log=True),
        "takeaways": lambda: takeaways(db, ids, period, k, rng),
        "shared_notes": lambda: shared_notes(db, ids, period, viewer),
    }
    report = {
        "group": {"id": group.id, "name": group.name, "archived": bool(group.archived),
                  "facilitator": facilitator.display_name if facilitator else ""},
        "period": period.as_dict(),
        "buckets": period.buckets(),
        "min_group_size": k,
    }
    report.update({part: build[part]() for part in parts})
    return report


def overview_report(db: Session, groups: list[Group], period: Period, viewer: Viewer, k: int,
                    lang: str = "en") -> dict:
    ids = [g.id for g in groups]
    sessions = sessions_summary(db, ids, period)
    people = group_attendance_summary(db, ids, period) if ids else {}
    facilitators = {}
    if ids:
        facilitators = dict(db.execute(
            select(User.id, User.display_name).where(User.id.in_({g.facilitator_id for g in groups}))
        ).all())
    rows = []
    for g in groups:
        s = sessions["per_group"].get(g.id, {"held": 0, "hours": 0.0, "last": None})
        p = people.get(g.id, {"roster": 0, "attendances": 0})
        rows.append({
            "id": g.id, "name": g.name, "archived": bool(g.archived),
            "facilitator": facilitators.get(g.facilitator_id, ""),
            "held": s["held"], "hours": s["hours"], "last": s["last"],
            "roster": p["roster"], "attendances": p["attendances"],
            "mean_attendance": round(p["attendances"] / s["held"], 1) if s["held"] else None,
        })
    return {
        "groups": rows,
        "period": period.as_dict(),
        "buckets": period.buckets(),
        "min_group_size": k,
        "sessions": sessions,
        "themes": theme_counts(db, ids, period, viewer) if ids else {"totals": [], "cells": []},
        "checkins": checkin_trends(db, ids, period, k) if ids else [],
        "feelings": feeling_words(db, ids, period, k, lang=lang) if ids else [],
    }
