"""Passkeys' service with answers a browser never sends: each refused as
``passkey_refused``, audited for the second step, nothing kept."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from reflect.auth import accounts, passkeys
from reflect.models import AuditEvent, Passkey

GARBAGE = [
    "", "{}", "[]", "null", json.dumps({"id": "x"}), json.dumps({"id": 5, "rawId": [], "response": "no"}),
    json.dumps({"id": "AAAA", "rawId": "AAAA", "type": "public-key",
                "response": {"clientDataJSON": "e30", "attestationObject": "oA"}}),
    json.dumps({"id": "AAAA", "rawId": "AAAA", "type": "public-key",
                "response": {"clientDataJSON": "!!", "authenticatorData": "??", "signature": ""}}),
]


@pytest.mark.parametrize("answer", GARBAGE)
def test_a_malformed_registration_is_refused_and_nothing_kept(db, answer):
    user = accounts.create_user(db, email="f@example.org", role="facilitator", password="a long enough password")
    _options, challenge = passkeys.registration_options(db, user, "localhost")
    with pytest.raises(accounts.AccountError) as refused:
        passkeys.register(db, user, answer, challenge, "localhost", "http://localhost:5000", "key")
    assert refused.value.code == "passkey_refused"
    assert db.scalar(select(func.count()).select_from(Passkey)) == 0


@pytest.mark.parametrize("answer", GARBAGE)
def test_a_malformed_sign_in_answer_is_refused_and_audited(db, answer):
    user = accounts.create_user(db, email="f@example.org", role="facilitator", password="a long enough password")
    db.add(Passkey(user_id=user.id, credential_id="AAAA", public_key=b"\xa0", sign_count=0, name="k"))
    db.flush()
    _options, challenge = passkeys.authentication_options(db, user, "localhost")
    with pytest.raises(accounts.AccountError) as refused:
        passkeys.verify(db, user, answer, challenge, "localhost", "http://localhost:5000")
    assert refused.value.code == "passkey_refused"
    assert db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "second_factor_failed")) == {
        "reason": "passkey"}
