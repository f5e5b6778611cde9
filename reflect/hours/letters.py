"""Letters: one provider's signed-off attestation of the RS/C they gave one person in a
period, kept as issued, with a short code anyone can check at ``/verify/<code>``.
No Flask here.

A provider can attest only to what they gave, so a letter lists that provider's entries
(a person with two providers asks each for one). Signing it off is what issues it: the
server records who signed and when. When the record behind an issued letter changes (a
correction, a merge, an individual meeting added, a session's mode), the letter is
marked superseded (``letters_state``) and the verification page says so.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from reflect.audit import record as audit
from reflect.hours import progress as prog
from reflect.hours.errors import HoursError
from reflect.hours.record import Rules, person_entries, providers
from reflect.models import HoursLetter, Person, User

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 10
MAX_DAYS = 366 * 10


def display_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def normalise_code(raw: str | None) -> str | None:
    cleaned = "".join(ch for ch in (raw or "").upper() if ch not in "- ")
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def _new_code(db: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.scalar(select(HoursLetter.id).where(HoursLetter.code == code)) is None:
            return code


def _hours(value) -> str:
    return f"{value:.2f}"


def issue(db: Session, provider: User, person: Person, rules: Rules, *, start: date, end: date,
          today: date, now: datetime) -> HoursLetter:
    """``provider`` signs off the RS/C they gave ``person`` from ``start`` to ``end``."""
    if start > end:
        raise HoursError("period_reversed")
    if end > today:
        raise HoursError("period_future")
    if (end - start).days > MAX_DAYS:
        raise HoursError("period_too_long")
    entries = [e for e in person_entries(db, person.id, rules)
               if e.provider_id == provider.id and start <= e.day <= end]
    if not entries:
        raise HoursError("no_entries")
    name, qualification = providers(db, [provider.id])[provider.id]
    tot = prog.totals(entries)
    data = {
        "person": person.display_name,
        "locale": person.locale,
        "provider": {"name": name, "qualification": qualification},
        "entries": [{"date": e.day.isoformat(), "start": e.local_start.strftime("%H:%M"),
                     "minutes": round(e.seconds / 60), "hours": _hours(e.hours), "kind": e.kind, "mode": e.mode,
                     "group": e.group_name} for e in entries],
        "totals": {"group": _hours(tot["group"]), "individual": _hours(tot["individual"]),
                   "total": _hours(tot["total"]), "group_count": tot["group_count"],
                   "individual_count": tot["individual_count"]},
        "timezone": rules.tz,
    }
    letter = HoursLetter(code=_new_code(db), person_id=person.id, provider_id=provider.id, period_start=start,
                         period_end=end, data=data, signed_at=now)
    db.add(letter)
    db.flush()
    audit(db, provider, "letter_signed", f"person:{person.id}",
          {"letter_id": letter.id, "from": start.isoformat(), "to": end.isoformat(), "total": data["totals"]["total"]})
    return letter


def letters_of(db: Session, person_id: int, provider_ids=None) -> list[HoursLetter]:
    query = select(HoursLetter).where(HoursLetter.person_id == person_id)
    if provider_ids is not None:
        query = query.where(HoursLetter.provider_id.in_(sorted(provider_ids)))
    return list(db.scalars(query.order_by(HoursLetter.signed_at.desc(), HoursLetter.id.desc())))


def verify(db: Session, raw_code: str | None) -> dict | None:
    """What the public verification page may say of a letter, and nothing else: that it
    was issued, for whom, the period, the totals, and whether it has been superseded.
    ``None`` for an unknown code."""
    code = normalise_code(raw_code)
    if code is None:
        return None
    letter = db.scalar(select(HoursLetter).where(HoursLetter.code == code))
    if letter is None:
        return None
    return {
        "code": display_code(letter.code),
        "person": letter.data["person"],
        "from": letter.period_start,
        "to": letter.period_end,
        "totals": {key: letter.data["totals"][key] for key in ("group", "individual", "total")},
        "superseded": letter.superseded_at is not None,
    }
