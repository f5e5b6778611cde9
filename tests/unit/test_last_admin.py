"""Two admins acting on each other at once never leave the install without an active admin.

Each admin's request was let in (``roles_required``) before the other's change was
committed; the accounts service locks the admins' rows, reads them again and refuses.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from reflect.auth import accounts
from reflect.db import begin_write, get_store
from reflect.models import Role, User

PW = "a long enough password"


def _two_admins(db) -> tuple[int, int]:
    ada = accounts.create_user(db, email="ada@example.org", role="admin", password=PW)
    bea = accounts.create_user(db, email="bea@example.org", role="admin", password=PW)
    db.commit()
    return ada.id, bea.id


def _active_admins(app) -> list[str]:
    with get_store().session_factory() as fresh:
        return sorted(fresh.scalars(select(User.email).where(User.role == Role.ADMIN.value,
                                                             User.active.is_(True))).all())


@pytest.mark.parametrize("second", ["demote", "deactivate"])
def test_an_admin_changed_meanwhile_cannot_take_away_the_last_admin(app, db, second):
    ada_id, bea_id = _two_admins(db)
    # Bea's request: she and Ada as they were when it was let in.
    bea, ada = db.get(User, bea_id), db.get(User, ada_id)
    db.commit()
    # Meanwhile Ada's request demotes Bea, and commits.
    with get_store().session_factory() as other:
        begin_write(other)
        accounts.change_role(other, other.get(User, ada_id), other.get(User, bea_id), "facilitator")
        other.commit()
    # Bea's request goes on, still holding her stale view of both accounts.
    assert bea.role == "admin" and ada.role == "admin"
    begin_write(db)
    with pytest.raises(accounts.AccountError) as err:
        if second == "demote":
            accounts.change_role(db, bea, ada, "supervisor")
        else:
            accounts.set_active(db, bea, ada, False)
    assert err.value.code in ("last_admin", "not_admin")
    db.rollback()
    assert _active_admins(app) == ["ada@example.org"]


def test_two_admins_demoting_each_other_at_the_same_time_leave_one_admin(app, db):
    """Really at once: the first holds its transaction open while the second begins."""
    ada_id, bea_id = _two_admins(db)
    store = get_store()
    locked, outcomes = threading.Event(), {}

    def act(me: int, them: int, hold: bool) -> None:
        with app.app_context(), store.session_factory() as session:
            actor, target = session.get(User, me), session.get(User, them)  # let in as admins
            session.commit()
            if not hold:
                locked.wait(5)
            begin_write(session)
            try:
                accounts.change_role(session, actor, target, "facilitator")
                if hold:
                    locked.set()
                    threading.Event().wait(0.5)  # the other request arrives meanwhile
                session.commit()
                outcomes[me] = "changed"
            except accounts.AccountError as err:
                session.rollback()
                outcomes[me] = err.code
            finally:
                locked.set()

    first = threading.Thread(target=act, args=(ada_id, bea_id, True))
    second = threading.Thread(target=act, args=(bea_id, ada_id, False))
    first.start()
    second.start()
    first.join(20)
    second.join(20)
    assert outcomes[ada_id] == "changed"
    assert outcomes[bea_id] in ("last_admin", "not_admin")
    assert _active_admins(app) == ["ada@example.org"]


def test_asking_twice_for_the_same_state_records_it_once(db):
    ada_id, bea_id = _two_admins(db)
    ada, bea = db.get(User, ada_id), db.get(User, bea_id)
    accounts.set_active(db, ada, bea, False)
    assert accounts.set_active(db, ada, bea, False) == []
    assert bea.active is False
    from reflect.models import AuditEvent

    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.target == f"user:{bea_id}")).all()
    assert actions.count("user_deactivated") == 1 and "user_activated" not in actions


def test_no_password_link_for_a_deactivated_account(db):
    ada_id, bea_id = _two_admins(db)
    ada, bea = db.get(User, ada_id), db.get(User, bea_id)
    accounts.set_active(db, ada, bea, False)
    with pytest.raises(accounts.AccountError, match="link_for_deactivated"):
        accounts.issue_password_link(db, bea, actor=ada)


def test_the_first_run_token_is_created_once(db):
    raw = accounts.ensure_setup_token(db)
    assert raw is not None
    assert accounts.ensure_setup_token(db) is None  # not replaced: the first link still works
    admin = accounts.create_first_admin(db, raw, email="a@example.org", display_name="A", password=PW)
    assert admin.role == "admin"
    assert accounts.ensure_setup_token(db) is None
