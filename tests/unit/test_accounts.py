"""The accounts service, on SQLite and PostgreSQL."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from reflect.auth import accounts
from reflect.models import AuditEvent, PasswordToken, User

PW = "a long enough password"


def test_passwords_are_hashed_with_argon2id(db):
    user = accounts.create_user(db, email="A@Example.org ", role="facilitator", password=PW)
    assert user.email == "a@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert PW not in user.password_hash


def test_the_product_hashes_with_argon2ids_recommended_cost():
    """The in-process tests hash at argon2id's smallest cost (tests/conftest.py); the
    product's own hasher keeps the RFC 9106 low-memory profile: 64 MiB, 3 passes, 4 lanes."""
    from tests.conftest import PRODUCT_HASHER

    stored = PRODUCT_HASHER.hash(PW)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PRODUCT_HASHER.verify(stored, PW)


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"email": "not-an-email", "role": "facilitator"}, "email_invalid"),
        ({"email": "x@example.org", "role": "wizard"}, "role_invalid"),
        ({"email": "x@example.org", "role": "admin", "password": "short"}, "password_too_short"),
    ],
)
def test_bad_account_requests_are_refused_and_change_nothing(db, kwargs, code):
    with pytest.raises(accounts.AccountError) as err:
        accounts.create_user(db, **kwargs)
    assert err.value.code == code
    db.rollback()
    assert db.scalars(select(User)).all() == []


def test_a_second_account_with_the_same_email_is_refused(db):
    accounts.create_user(db, email="x@example.org", role="admin", password=PW)
    with pytest.raises(accounts.AccountError, match="email_taken"):
        accounts.create_user(db, email="X@example.org", role="supervisor", password=PW)


def test_authenticate_accepts_only_the_right_password_of_an_active_user(db):
    user = accounts.create_user(db, email="f@example.org", role="facilitator", password=PW)
    assert accounts.authenticate(db, "f@example.org", PW) is user
    assert accounts.authenticate(db, "f@example.org", PW + "x") is None
    assert accounts.authenticate(db, "nobody@example.org", PW) is None
    user.active = False
    assert accounts.authenticate(db, "f@example.org", PW) is None


def test_ending_a_login_session_makes_its_cookie_worthless(db):
    user = accounts.create_user(db, email="f@example.org", role="facilitator", password=PW)
    raw = accounts.start_login_session(db, user)
    assert accounts.load_login_session(db, raw) is user
    assert accounts.end_login_session(db, raw) is not None
    assert accounts.load_login_session(db, raw) is None


def test_a_socket_event_gets_a_row_only_through_an_open_login_session_of_its_owner(db):
    """``owned_row`` (every facilitator socket event: the session and who asks, in one
    query, for the sign-in the socket connected with) follows ``load_login_session``'s
    rule, and gives a row to its owner alone."""
    from sqlalchemy import bindparam

    from reflect.models import ThemeTag
    from reflect.tokens import token_hash

    user = accounts.create_user(db, email="f@example.org", role="facilitator", password=PW)
    someone = accounts.create_user(db, email="g@example.org", role="facilitator", password=PW)
    raw, other = accounts.start_login_session(db, user), accounts.start_login_session(db, user)
    stranger = accounts.start_login_session(db, someone)
    db.flush()
    tag = ThemeTag(owner_id=user.id, slug="attachment", label={"en": "Attachment"})
    db.add(tag)
    db.flush()
    query = accounts.owned_by_signed_in(select(ThemeTag).where(ThemeTag.id == bindparam("tag")), ThemeTag.owner_id)

    def owned(login):
        return accounts.owned_row(db, token_hash(login) if login else login, query, tag=tag.id)

    assert owned(raw) == (tag, accounts.SignedIn(id=user.id, role="facilitator", login_hash=token_hash(raw)))
    assert owned(None) is None and owned("") is None
    assert owned(raw + "x") is None
    assert owned(stranger) is None  # signed in, but not theirs
    accounts.end_login_session(db, raw)
    db.flush()
    assert owned(raw) is None and accounts.load_login_session(db, raw) is None
    assert owned(other)[1].id == user.id
    user.role = "supervisor"
    db.flush()
    assert owned(other)[1].role == "supervisor"
    user.active = False  # deactivated without its sessions being ended: no one
    db.flush()
    assert owned(other) is None and accounts.load_login_session(db, other) is None


def test_deactivating_ends_every_login_session(db):
    admin = accounts.create_user(db, email="a@example.org", role="admin", password=PW)
    user = accounts.create_user(db, email="f@example.org", role="facilitator", password=PW)
    one, two = accounts.start_login_session(db, user), accounts.start_login_session(db, user)
    ended = accounts.set_active(db, admin, user, False)
    assert len(ended) == 2
    assert accounts.load_login_session(db, one) is None and accounts.load_login_session(db, two) is None


def test_a_password_link_works_once_and_expires(db):
    user = accounts.create_user(db, email="f@example.org", role="facilitator")
    raw = accounts.issue_password_link(db, user)
    accounts.use_password_link(db, raw, PW)
    assert accounts.authenticate(db, "f@example.org", PW) is user
    with pytest.raises(accounts.AccountError, match="link_invalid"):
        accounts.use_password_link(db, raw, PW + "2")
    expired = accounts.issue_password_link(db, user)
    for token in db.scalars(select(PasswordToken).where(PasswordToken.used_at.is_(None))):
        token.expires_at -= timedelta(hours=100)
    assert accounts.password_link_user(db, expired) is None


def test_a_new_password_link_cancels_the_earlier_one(db):
    user = accounts.create_user(db, email="f@example.org", role="facilitator")
    first = accounts.issue_password_link(db, user)
    accounts.issue_password_link(db, user)
    assert accounts.password_link_user(db, first) is None


def test_first_admin_needs_the_current_setup_token_once(db):
    old = accounts.issue_setup_token(db)
    raw = accounts.issue_setup_token(db)
    with pytest.raises(accounts.AccountError, match="setup_token_invalid"):
        accounts.create_first_admin(db, old, email="a@example.org", display_name="A", password=PW)
    admin = accounts.create_first_admin(db, raw, email="a@example.org", display_name="A", password=PW)
    assert admin.role == "admin"
    assert accounts.issue_setup_token(db) is None
    with pytest.raises(accounts.AccountError, match="setup_token_invalid"):
        accounts.create_first_admin(db, raw, email="b@example.org", display_name="B", password=PW)


def test_admins_cannot_lock_themselves_out(db):
    admin = accounts.create_user(db, email="a@example.org", role="admin", password=PW)
    with pytest.raises(accounts.AccountError, match="cannot_demote_self"):
        accounts.change_role(db, admin, admin, "facilitator")
    with pytest.raises(accounts.AccountError, match="cannot_deactivate_self"):
        accounts.set_active(db, admin, admin, False)


def test_the_audit_trail_records_role_changes_without_secrets(db):
    admin = accounts.create_user(db, email="a@example.org", role="admin", password=PW)
    user = accounts.create_user(db, email="f@example.org", role="facilitator", password=PW, actor=admin)
    accounts.change_role(db, admin, user, "supervisor")
    db.flush()
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "role_changed")).all()
    assert [(e.actor_id, e.target, e.detail) for e in events] == [
        (admin.id, f"user:{user.id}", {"from": "facilitator", "to": "supervisor"})
    ]
    everything = " ".join(str((e.target, e.detail)) for e in db.scalars(select(AuditEvent)))
    assert PW not in everything
