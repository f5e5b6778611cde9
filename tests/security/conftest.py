"""The security tier's shared world: every role of the authorisation matrix with its own
signed-in (or joined) browser, two groups with a session each, data in the first one,
and a database snapshot to prove that a refusal changed nothing."""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select, text

from reflect.db import Base, get_session
from reflect.models import (
    Answer,
    GroupSession,
    Note,
    Participant,
    SessionCard,
    SupervisorAssignment,
    User,
)
from reflect.prompts import get_builtin, store
from reflect.rooms import groups, lifecycle, participants
from reflect.rooms.keys import display_key
from tests.helpers import csrf, csrf_from, sign_in_as

# The roles of the matrix, in the order of the brief.
ROLES = (
    "admin",
    "facilitator",            # this session's facilitator (owns group G, session S, deck D)
    "other_facilitator",      # runs group H and session T, owns deck E
    "assigned_supervisor",    # assigned to group G
    "unassigned_supervisor",
    "participant",            # joined session S from a phone
    "other_participant",      # joined session T
    "display",                # the projector of S: holds S's display key, no account
    "nobody",
)
ACCOUNTS = {
    "admin": "admin",
    "facilitator": "facilitator",
    "other_facilitator": "facilitator",
    "assigned_supervisor": "supervisor",
    "unassigned_supervisor": "supervisor",
}


@pytest.fixture
def backend():
    """Requesting this fixture pins ``database_url`` to SQLite (see tests/conftest.py)."""
    return "sqlite"


def deck_data(deck_id: str, title: str = "Security deck", cards: int = 3) -> dict:
    return {
        "id": deck_id,
        "version": 1,
        "languages": ["en", "es"],
        "title": {"en": title, "es": title},
        "description": {"en": "For the security tests.", "es": "Para las pruebas."},
        "cards": [
            {"id": f"c{i}", "text": {"en": f"Card {i}", "es": f"Carta {i}"}, "perspective": "parent",
             "themes": ["describing"]}
            for i in range(1, cards + 1)
        ],
    }


def join_http(app, code: str, name: str | None = None, lang: str = "en", environ: dict | None = None):
    """A phone's browser that joined through /join and /join/welcome."""
    client = app.test_client()
    if environ:
        client.environ_base.update(environ)
    headers = {"Accept-Language": lang}
    token = csrf(client, "/join")
    response = client.post("/join", data={"code": code, "csrf_token": token}, headers=headers)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    page = client.get("/join/welcome", headers=headers).get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "agree": "yes", "who": "none"}
    if name:
        form.update(who="typed", display_name=name)
    response = client.post("/join/welcome", data=form, headers=headers)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


@dataclass
class World:
    app: object
    ids: dict
    clients: dict
    codes: dict
    keys: dict
    tokens: dict = field(default_factory=dict)  # role -> CSRF token of its browser session
    made: bool = False  # set when a fresh_* helper wrote to the database

    # --- helpers that make fresh targets (each allowed change gets its own) ------------

    def db(self):
        return get_session()

    def user(self, role: str) -> User:
        return get_session().get(User, self.ids[role])

    def token(self, role: str) -> str:
        if role not in self.tokens:
            self.tokens[role] = csrf(self.clients[role], "/join")
        return self.tokens[role]

    def fresh_user(self, role: str = "facilitator") -> int:
        self.made = True
        with self.app.app_context():
            from reflect.auth import accounts

            db = get_session()
            user = accounts.create_user(db, email=f"t-{uuid.uuid4().hex[:10]}@example.org", role=role,
                                        display_name="Throwaway")
            db.commit()
            return user.id

    def fresh_group(self, owner_role: str = "facilitator") -> int:
        self.made = True
        with self.app.app_context():
            db = get_session()
            group = groups.create_group(db, db.get(User, self.ids[owner_role]), f"Fresh {uuid.uuid4().hex[:6]}")
            db.commit()
            return group.id

    def fresh_member(self) -> tuple[int, int]:
        """A new group of the facilitator's with one regular member: (group id, member id)."""
        self.made = True
        with self.app.app_context():
            db = get_session()
            group = groups.create_group(db, db.get(User, self.ids["facilitator"]), f"Fresh {uuid.uuid4().hex[:6]}",
                                        ["Dana Lopez"])
            db.commit()
            return group.id, group.roster[0].id

    def fresh_assignment(self) -> tuple[int, int]:
        self.made = True
        group_id, user_id = self.fresh_group(), self.fresh_user("supervisor")
        with self.app.app_context():
            db = get_session()
            db.add(SupervisorAssignment(group_id=group_id, user_id=user_id))
            db.commit()
        return group_id, user_id

    def fresh_deck(self, owner_role: str = "facilitator", retired: bool = False) -> str:
        self.made = True
        deck_id = f"fresh-{uuid.uuid4().hex[:8]}"
        with self.app.app_context():
            db = get_session()
            owner = db.get(User, self.ids[owner_role])
            store.create_deck(db, owner, deck_data(deck_id))
            if retired:
                store.retire_deck(db, owner, deck_id)
            db.commit()
        return deck_id

    def fresh_lobby_session(self, title: str = "Planned") -> int:
        """A session of the facilitator's set up ahead, still in the lobby."""
        self.made = True
        with self.app.app_context():
            db = get_session()
            user = db.get(User, self.ids["facilitator"])
            session = lifecycle.create_session(db, user, db.get(groups.Group, self.ids["G"]),
                                               get_builtin("multiple-perspectives"), title=title)
            db.commit()
            return session.id

    def fresh_ended_session(self) -> int:
        session_id = self.fresh_lobby_session(title="Ended")
        with self.app.app_context():
            db = get_session()
            session = db.get(GroupSession, session_id)
            db.add(Answer(id=secrets.token_hex(16), session_id=session.id, kind="takeaway", audience="group",
                          text="to be erased"))
            lifecycle.set_phase(db, session, "ended")
            db.commit()
            return session.id

    def fresh_participant(self, session_key: str = "S", status: str = "admitted") -> int:
        self.made = True
        with self.app.app_context():
            db = get_session()
            session = db.get(GroupSession, self.ids[session_key])
            participant, _raw = participants.join(db, session, agreed=True, display_name="Fresh")
            participant.status = status
            db.commit()
            return participant.id


def build_world(app) -> World:
    clients, ids = {}, {}
    for role, account in ACCOUNTS.items():
        clients[role] = app.test_client()
        ids[role] = sign_in_as(app, clients[role], account, f"{role}@example.org")
    with app.app_context():
        db = get_session()
        fac, other = db.get(User, ids["facilitator"]), db.get(User, ids["other_facilitator"])
        g = groups.create_group(db, fac, "Eastside home visitors", ["Ana", "Beto"])
        h = groups.create_group(db, other, "Westside classroom team", ["Carla"])
        db.add(SupervisorAssignment(group_id=g.id, user_id=ids["assigned_supervisor"]))
        store.create_deck(db, fac, deck_data("deck-d", "Deck D"))
        store.create_deck(db, other, deck_data("deck-e", "Deck E"))
        deck = get_builtin("multiple-perspectives")
        s = lifecycle.create_session(db, fac, g, deck, title="Session S")
        t = lifecycle.create_session(db, other, h, deck, title="Session T")
        db.commit()
        ids.update(G=g.id, H=h.id, S=s.id, T=t.id)
        codes = {"S": s.join_code, "T": t.join_code}
        keys = {"S": display_key(s.id), "T": display_key(t.id)}
    clients["participant"] = join_http(app, codes["S"], name="Ana")
    clients["other_participant"] = join_http(app, codes["T"], name="Carla")
    clients["display"] = app.test_client()
    clients["nobody"] = app.test_client()
    with app.app_context():
        db = get_session()
        for role, key in (("participant", "S"), ("other_participant", "T")):
            ids[role] = db.scalar(select(Participant.id).where(Participant.session_id == ids[key]))
        # Something in S to point at: a card, a revealed shared answer, a named answer of
        # the participant, a private note of the facilitator.
        s = db.get(GroupSession, ids["S"])
        lifecycle.set_phase(db, s, "connect")
        lifecycle.set_phase(db, s, "reflect")
        card = lifecycle.current_card(db, s)
        ids["card_S"] = card.id
        ids["card_S_next"] = db.scalar(select(SessionCard.id).where(SessionCard.session_id == s.id,
                                                                    SessionCard.position == 1))
        revealed = Answer(id=secrets.token_hex(16), session_id=s.id, session_card_id=card.id, kind="card",
                          audience="group", text="A revealed answer", revealed=True, reveal_rank=1)
        named = Answer(id=secrets.token_hex(16), session_id=s.id, session_card_id=card.id, kind="card",
                       audience="group", text="Ana's named answer", author_participant_id=ids["participant"],
                       author_name="Ana")
        db.add_all([revealed, named])
        db.add(Note(session_id=s.id, author_id=ids["facilitator"], client_id="note-of-S-0001", phase="reflect",
                    text="PRIVATE NOTE of S"))
        db.commit()
        ids.update(answer_S=revealed.id, named_S=named.id, note_S="note-of-S-0001")
    return World(app=app, ids=ids, clients=clients, codes=codes, keys=keys)


@pytest.fixture
def world(app) -> World:
    return build_world(app)


# --- database snapshots --------------------------------------------------------------------


def _rows(db, table, where=None) -> list[tuple]:
    query = select(table)
    if where is not None:
        query = query.where(where)
    return sorted((tuple(map(repr, row)) for row in db.execute(query)), key=repr)


def snapshot(app) -> dict:
    """Every row of every table (and so every row count and GroupSession.version).

    On PostgreSQL one query returns each table's row count and a digest of all its
    rows (one round trip instead of one per table). On SQLite each table's rows as
    stored, read with the driver's own cursor: the stored values are what a refusal
    must leave alone, and they need no conversion to Python types (turning every
    stored date back into a datetime was most of the cost of a snapshot)."""
    with app.app_context():
        db = get_session()
        try:
            if db.get_bind().dialect.name == "postgresql":
                parts = [
                    f"SELECT '{t.name}', count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))"
                    f' FROM "{t.name}" x'
                    for t in Base.metadata.sorted_tables
                ]
                rows = db.execute(text(" UNION ALL ".join(parts))).all()
                return {name: (count, digest) for name, count, digest in rows}
            cursor = db.connection().connection.dbapi_connection.cursor()
            try:
                return {t.name: sorted(map(repr, cursor.execute(f'SELECT * FROM "{t.name}"').fetchall()))
                        for t in Base.metadata.sorted_tables}
            finally:
                cursor.close()
        finally:
            db.rollback()


def session_snapshot(app, session_id: int) -> dict:
    """Every row that belongs to one session."""
    tables = Base.metadata.tables
    with app.app_context():
        db = get_session()
        try:
            rounds = select(tables["checkin_rounds"].c.id).where(tables["checkin_rounds"].c.session_id == session_id)
            answers = select(tables["answers"].c.id).where(tables["answers"].c.session_id == session_id)
            notes = select(tables["notes"].c.id).where(tables["notes"].c.session_id == session_id)
            out = {"group_sessions": _rows(db, tables["group_sessions"],
                                           tables["group_sessions"].c.id == session_id)}
            for table in Base.metadata.sorted_tables:
                if "session_id" in table.c:
                    out[table.name] = _rows(db, table, table.c.session_id == session_id)
            out["checkin_answers"] = _rows(db, tables["checkin_answers"], tables["checkin_answers"].c.round_id.in_(rounds))
            out["checkin_marks"] = _rows(db, tables["checkin_marks"], tables["checkin_marks"].c.round_id.in_(rounds))
            out["reactions"] = _rows(db, tables["reactions"], tables["reactions"].c.answer_id.in_(answers))
            out["note_tags"] = _rows(db, tables["note_tags"], tables["note_tags"].c.note_id.in_(notes))
            return out
        finally:
            db.rollback()


def diff(before: dict, after: dict) -> list[str]:
    """Names of the tables whose rows differ."""
    return [name for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)]


def version(app, session_id: int) -> int:
    with app.app_context():
        db = get_session()
        try:
            return db.scalar(select(GroupSession.version).where(GroupSession.id == session_id))
        finally:
            db.rollback()
