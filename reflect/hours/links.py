"""A practitioner's personal link to their own record: a random token, kept hashed,
revocable; issuing a new one revokes the old. No Flask here."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reflect.audit import record as audit
from reflect.db import utcnow
from reflect.models import Person, PractitionerLink, User
from reflect.tokens import new_token, token_hash


def issue_link(db: Session, actor: User, person: Person) -> str:
    """A new personal link for ``person`` (any earlier one stops working); returns the
    raw token, which is shown once and never stored."""
    _revoke_all(db, person.id)
    raw = new_token()
    db.add(PractitionerLink(token_hash=token_hash(raw), person_id=person.id, created_by=actor.id))
    db.flush()
    audit(db, actor, "personal_link_issued", f"person:{person.id}")
    return raw


def _revoke_all(db: Session, person_id: int) -> int:
    return db.execute(update(PractitionerLink).where(PractitionerLink.person_id == person_id,
                                                     PractitionerLink.revoked_at.is_(None))
                      .values(revoked_at=utcnow())).rowcount


def revoke(db: Session, actor: User, person: Person) -> bool:
    done = _revoke_all(db, person.id)
    if done:
        audit(db, actor, "personal_link_revoked", f"person:{person.id}")
    return bool(done)


def has_link(db: Session, person_id: int) -> bool:
    return db.scalar(select(PractitionerLink.token_hash).where(PractitionerLink.person_id == person_id,
                                                               PractitionerLink.revoked_at.is_(None))) is not None


def person_for(db: Session, raw: str | None) -> Person | None:
    if not raw or len(raw) > 100:
        return None
    link = db.get(PractitionerLink, token_hash(raw))
    if link is None or link.revoked_at is not None:
        return None
    return db.get(Person, link.person_id)
