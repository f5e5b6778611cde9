"""The audit trail: who did what to which thing, and when. Never any content."""
from __future__ import annotations

from sqlalchemy.orm import Session

from reflect.models.accounts import AuditEvent, User


def record(db: Session, actor: User | None, action: str, target: str = "", detail: dict | None = None) -> None:
    db.add(AuditEvent(actor_id=actor.id if actor else None, action=action, target=target, detail=detail or {}))
