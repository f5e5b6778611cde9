"""``reflect seed-demo``: fill an empty database with realistic demo data.

Several groups with rosters, a facilitator per two groups, a supervisor assigned to most
groups and an admin; for each group a year or so of ended sessions (every two to four
weeks) with opening and closing check-ins, cards from the built-in decks, answers and
takeaways in English and Spanish, and the facilitator's notes with theme tags (some
shared with the supervisor). Anonymous rows get random ids, as the live engine writes
them. The bulk rows are written with multi-row INSERTs so the benchmark can seed
thousands of sessions quickly.

The service (:func:`seed_demo`) takes a ``Session`` and plain values; the click command
at the bottom is registered in ``reflect.cli``.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from reflect.audit import record
from reflect.auth import accounts
from reflect.db import utcnow
from reflect.models import (
    Answer,
    CheckinAnswer,
    CheckinRound,
    Group,
    GroupSession,
    Note,
    NoteTag,
    Participant,
    Role,
    RosterMember,
    SessionCard,
    SupervisorAssignment,
    ThemeTag,
    User,
)
from reflect.prompts import THEMES, builtin_decks

DOMAIN = "demo.example.org"
SCALES = ["energy", "supported", "weight"]
# How the closing check-in tends to differ from the opening one.
CLOSING_SHIFT = {"energy": 0.2, "supported": 0.5, "weight": -0.4}

GROUP_NAMES = [
    "Eastside Early Head Start home visitors",
    "Maple Street infant room teachers",
    "Proveedoras de cuidado infantil familiar",
    "Early intervention team North",
    "Toddler classroom leads",
    "Part C service coordinators",
    "Family child care network (bilingual)",
    "Home visiting cohort, spring",
    "Preschool inclusion coaches",
    "Infant–toddler specialists, rural counties",
]
FIRST_NAMES = [
    ("Ana", "es"), ("Maya", "en"), ("Lucía", "es"), ("Keisha", "en"), ("Rosa", "es"), ("Priya", "en"),
    ("Guadalupe", "es"), ("Hannah", "en"), ("Marisol", "es"), ("Tanya", "en"), ("Yesenia", "es"),
    ("Erin", "en"), ("Carmen", "es"), ("Aisha", "en"), ("Daniela", "es"), ("Megan", "en"), ("Sofía", "es"),
    ("Jasmine", "en"), ("Beatriz", "es"), ("Linh", "en"), ("Alejandra", "es"), ("Rachel", "en"),
    ("Esperanza", "es"), ("Monique", "en"), ("Paola", "es"), ("Kim", "en"), ("Verónica", "es"), ("Tom", "en"),
    ("Luis", "es"), ("Darnell", "en"),
]
LAST_NAMES = [
    "García", "Johnson", "Martínez", "Nguyen", "Hernández", "Williams", "López", "Patel", "Ramírez", "Brown",
    "Torres", "Davis", "Flores", "Okafor", "Rivera", "Miller", "Castillo", "Kowalski", "Morales", "Chen",
]
FACILITATOR_NAMES = [
    "Dana Whitfield", "Inés Robles", "Marcus Greene", "Teresa Aguilar", "Naomi Fischer", "Julia Ortega",
    "Helen Park", "Ramón Cruz",
]
# keys of the shared list of feelings (reflect/rooms/data/feelings.toml), whatever the language
FEELINGS = ["tired", "hopeful", "drained", "calm", "grateful", "worried", "steady", "overwhelmed", "curious",
            "scattered", "relieved", "moved", "frustrated", "content", "connected"]
TAKEAWAYS = {
    "en": [
        "I can slow down before I respond.",
        "The mother's tears were also about her own fear, not about me.",
        "I want to notice my own body at the next visit.",
        "Wondering out loud helped more than giving advice.",
        "I am not alone with this family.",
        "Repair is possible, even after a hard visit.",
        "I'll ask the teacher what she sees before I suggest anything.",
        "Taking ten minutes after a visit before the next one.",
        "The child may be telling us something with the clinging.",
        "Holding hope for the family even when they can't yet.",
        "Checking my assumptions about what 'engaged' looks like.",
        "A walk at lunch, every day this week.",
    ],
    "es": [
        "Puedo ir más despacio antes de responder.",
        "Las lágrimas de la mamá también hablaban de su propio miedo.",
        "Quiero notar mi cuerpo en la próxima visita.",
        "Preguntarme en voz alta ayudó más que dar consejos.",
        "No estoy sola con esta familia.",
        "Reparar es posible, incluso después de una visita difícil.",
        "Voy a preguntarle a la maestra qué ve antes de sugerir algo.",
        "Tomarme diez minutos entre una visita y la siguiente.",
        "Quizás el niño nos está diciendo algo cuando se aferra.",
        "Sostener la esperanza por la familia cuando ella todavía no puede.",
        "Revisar lo que doy por sentado sobre una familia 'comprometida'.",
        "Caminar un rato a la hora del almuerzo esta semana.",
    ],
}
CARD_ANSWERS = {
    "en": [
        "Maybe she felt judged before anyone said a word.",
        "I think the little one was overwhelmed by all the new faces.",
        "I felt pulled to fix it right away.",
        "It reminded me of my own first year as a parent.",
        "The teacher seemed exhausted too.",
        "Perhaps the family sees me as part of the system that failed them.",
    ],
    "es": [
        "Tal vez ella se sintió juzgada antes de que nadie dijera nada.",
        "Creo que la pequeña se abrumó con tantas caras nuevas.",
        "Sentí el impulso de arreglarlo enseguida.",
        "Me recordó mi propio primer año como mamá.",
        "La maestra también parecía agotada.",
        "Quizás la familia me ve como parte del sistema que les falló.",
    ],
}
NOTES = [
    ("Group noticed the parallel between the teacher's frustration and the parent's.", ["parallel-process"]),
    ("Presenter moved from blaming to wondering about the baby's experience.", ["holding-the-baby-in-mind", "wondering-instead-of-knowing"]),
    ("Energy low at check-in; several mentioned back-to-back visits.", ["stress", "self-care"]),
    ("Strong feelings about the cultural mismatch; we slowed down.", ["perspective-mismatch", "culture-and-equity"]),
    ("Talked about what it stirs from our own histories.", ["professional-use-of-self", "history-shapes-assumptions"]),
    ("Two members quiet today; check in with the group about safety.", ["reflective-alliance"]),
    ("Grief came up around a family leaving the program.", ["grief-and-loss"]),
    ("Good repair after a tense moment in the group.", ["repair", "mutuality"]),
    ("Signs of compassion fatigue in the team; follow up with the program lead.", ["compassion-fatigue", "programmatic"]),
    ("We stayed with the family story before any problem-solving.", ["understanding-the-family-story", "describing"]),
]
NOTE_PHASES = ["connect", "reflect", "reflect", "reflect", "grow"]


class DemoError(ValueError):
    """The demo data cannot be written; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class DemoResult:
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (role, email, password)
    groups: int = 0
    sessions: int = 0
    members: int = 0
    people: int = 0


def database_has_data(db: Session) -> bool:
    return db.scalar(select(User.id).limit(1)) is not None or db.scalar(select(Group.id).limit(1)) is not None


def _ensure_theme_tags(db: Session) -> dict[str, int]:
    have = {slug: tag_id for tag_id, slug in db.execute(
        select(ThemeTag.id, ThemeTag.slug).where(ThemeTag.owner_id.is_(None)))}
    for theme in THEMES:
        if theme.slug not in have:
            tag = ThemeTag(owner_id=None, slug=theme.slug, label={"en": theme.en, "es": theme.es})
            db.add(tag)
            db.flush()
            have[theme.slug] = tag.id
    return have


def _account(db: Session, role: str, email: str, name: str, password: str, password_hash: str,
             result: DemoResult) -> User:
    user = db.scalar(select(User).where(User.email == email))
    if user is None:
        user = accounts.create_user(db, email=email, role=role, display_name=name)
    user.password_hash = password_hash
    user.active = True
    result.accounts.append((user.role, email, password))
    return user


def _insert_ids(db: Session, model, rows: list[dict]) -> list[int]:
    """Insert many rows at once and return their new ids, in order."""
    if not rows:
        return []
    result = db.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return [row[0] for row in result]


def _insert(db: Session, model, rows: list[dict]) -> None:
    if rows:
        db.execute(insert(model), rows)


def _clamp(value: float) -> int:
    return max(1, min(5, int(round(value))))


def _session_dates(rng: random.Random, count: int, now: datetime) -> list[datetime]:
    """``count`` session starts, every two to four weeks, the last one in the past week."""
    start = (now - timedelta(days=rng.randint(2, 8))).replace(hour=0, minute=0, second=0, microsecond=0)
    dates = []
    for _ in range(count):
        dates.append(start + timedelta(hours=rng.choice([15, 16, 17, 18]), minutes=rng.choice([0, 0, 30])))
        start -= timedelta(days=rng.choice([14, 14, 21, 28, 28]))
    return sorted(dates)


def seed_demo(
    db: Session,
    *,
    groups: int = 4,
    sessions_per_group: int = 20,
    participants: int = 8,
    password: str | None = None,
    force: bool = False,
    min_group_size: int = 3,
    seed: int | None = None,
    now: datetime | None = None,
    timezone: str = "UTC",
) -> DemoResult:
    if database_has_data(db) and not force:
        raise DemoError("not_empty")
    if password is not None:
        accounts.check_password_rules(password)
    rng = random.Random(seed)
    now = now or utcnow()
    result = DemoResult()
    tags = _ensure_theme_tags(db)
    decks = [d for d in builtin_decks() if len(d.cards) >= 3]

    shared_hash = accounts.hash_password(password) if password else None

    def account(role: str, email: str, name: str) -> User:
        pw = password or secrets.token_urlsafe(12)
        return _account(db, role, email, name, pw, shared_hash or accounts.hash_password(pw), result)

    account(Role.ADMIN.value, f"admin@{DOMAIN}", "Demo Admin")
    supervisor = account(Role.SUPERVISOR.value, f"supervisor@{DOMAIN}", "Sam Supervisor")
    facilitators = [
        account(Role.FACILITATOR.value, f"facilitator{i + 1}@{DOMAIN}", FACILITATOR_NAMES[i % len(FACILITATOR_NAMES)])
        for i in range((groups + 1) // 2)
    ]
    db.flush()

    for g in range(groups):
        facilitator = facilitators[g // 2]
        base_name = GROUP_NAMES[g % len(GROUP_NAMES)]
        name = base_name if g < len(GROUP_NAMES) else f"{base_name} ({g // len(GROUP_NAMES) + 1})"
        group = Group(name=name, facilitator_id=facilitator.id, created_at=now - timedelta(days=500))
        db.add(group)
        db.flush()
        # The supervisor reviews every group but the last (so the demo shows both cases).
        if g < groups - 1 or groups == 1:
            db.add(SupervisorAssignment(group_id=group.id, user_id=supervisor.id))
        spanish_group = "Proveedoras" in base_name or "bilingual" in base_name

        people = []
        used = set()
        for _ in range(participants):
            for _attempt in range(50):
                first, lang = rng.choice(FIRST_NAMES)
                full = f"{first} {rng.choice(LAST_NAMES)}"
                if full not in used:
                    break
            used.add(full)
            if spanish_group and rng.random() < 0.7:
                lang = "es"
            people.append({"name": full, "lang": lang, "presence": rng.uniform(0.6, 0.95),
                           "mood": rng.uniform(-0.6, 0.6)})
        member_ids = _insert_ids(db, RosterMember, [
            {"group_id": group.id, "display_name": p["name"], "active": not (i == 0 and g % 3 == 2)}
            for i, p in enumerate(people)
        ])
        for person, member_id in zip(people, member_ids):
            person["id"] = member_id
        result.members += len(people)

        dates = _session_dates(rng, sessions_per_group, now)
        plans = []
        for i, started in enumerate(dates):
            deck = decks[(g + i) % len(decks)]
            minutes = rng.choice([60, 75, 90, 90, 90, 105, 120])
            small = rng.random() < 0.06  # now and then only two people come
            present = [p for p in people if rng.random() < p["presence"]]
            if small:
                present = present[:2]
            elif len(present) < min(3, len(people)):
                present = people[: min(len(people), 4)]
            plans.append({"deck": deck, "started": started, "ended": started + timedelta(minutes=minutes),
                          "present": present, "guests": 1 if rng.random() < 0.15 else 0,
                          "closing": rng.random() < 0.85})
        session_ids = _insert_ids(db, GroupSession, [
            {"group_id": group.id, "facilitator_id": facilitator.id, "deck_id": p["deck"].id,
             "title": group.name, "phase": "ended", "version": 1, "join_code": None, "locked": False,
             "allow_names": True, "min_group_size": min_group_size, "checkin_scales": list(SCALES),
             "anon_salt": None, "created_at": p["started"] - timedelta(minutes=10),
             "started_at": p["started"], "ended_at": p["ended"]}
            for p in plans
        ])
        result.sessions += len(session_ids)

        cards, participants_rows, rounds = [], [], []
        for session_id, plan in zip(session_ids, plans):
            plan["id"] = session_id
            deck = plan["deck"]
            shown = rng.randint(min(3, len(deck.cards)), min(6, len(deck.cards)))
            plan["shown"] = shown
            for position, card in enumerate(deck.cards):
                cards.append({
                    "session_id": session_id, "position": position, "deck_card_id": card.id,
                    "deck_version": deck.version, "languages": list(deck.languages), "text": dict(card.text),
                    "followup": dict(card.followup or {}), "perspective": card.perspective,
                    "themes": list(card.themes),
                    "shown_at": plan["started"] + timedelta(minutes=15 + 10 * position) if position < shown else None,
                })
            for person in plan["present"]:
                participants_rows.append({
                    "session_id": session_id, "token_hash": secrets.token_hex(32), "display_name": person["name"],
                    "roster_member_id": person["id"], "locale": person["lang"], "status": "admitted",
                    "joined_at": plan["started"] - timedelta(minutes=rng.randint(0, 8)), "connections": 0,
                })
            for _ in range(plan["guests"]):
                participants_rows.append({
                    "session_id": session_id, "token_hash": secrets.token_hex(32), "display_name": None,
                    "roster_member_id": None, "locale": "en", "status": "admitted",
                    "joined_at": plan["started"], "connections": 0,
                })
            rounds.append({"session_id": session_id, "kind": "opening", "status": "closed", "scales": list(SCALES),
                           "opened_at": plan["started"] + timedelta(minutes=3),
                           "closed_at": plan["started"] + timedelta(minutes=8)})
            if plan["closing"]:
                rounds.append({"session_id": session_id, "kind": "closing", "status": "closed",
                               "scales": list(SCALES), "opened_at": plan["ended"] - timedelta(minutes=10),
                               "closed_at": plan["ended"] - timedelta(minutes=4)})
        card_ids = _insert_ids(db, SessionCard, cards)
        participant_ids = _insert_ids(db, Participant, participants_rows)
        round_ids = _insert_ids(db, CheckinRound, rounds)

        cards_by_session: dict[int, list[int]] = {}
        for card_id, row in zip(card_ids, cards):
            if row["shown_at"] is not None:
                cards_by_session.setdefault(row["session_id"], []).append(card_id)
        participant_by_key = {(row["session_id"], row["roster_member_id"]): pid
                              for pid, row in zip(participant_ids, participants_rows)}
        plan_by_id = {plan["id"]: plan for plan in plans}

        checkin_answers = []
        for round_id, row in zip(round_ids, rounds):
            plan = plan_by_id[row["session_id"]]
            drift = 0.4 * ((plan["started"].month % 6) / 5 - 0.5)  # a gentle seasonal pattern
            for person in plan["present"]:
                if rng.random() < 0.08:
                    continue  # did not check in
                if rng.random() < 0.1:
                    checkin_answers.append({"id": secrets.token_hex(16), "round_id": round_id, "passed": True,
                                            "scores": {}, "feeling": None})
                    continue
                scores = {}
                for scale in SCALES:
                    centre = {"energy": 3.1, "supported": 3.4, "weight": 3.2}[scale] + person["mood"] + drift
                    if scale == "weight":
                        centre = 6.4 - centre
                    if row["kind"] == "closing":
                        centre += CLOSING_SHIFT[scale]
                    scores[scale] = _clamp(rng.gauss(centre, 0.7))
                feeling = rng.choice(FEELINGS) if rng.random() < 0.6 else None
                checkin_answers.append({"id": secrets.token_hex(16), "round_id": round_id, "passed": False,
                                        "scores": scores, "feeling": feeling})
        _insert(db, CheckinAnswer, checkin_answers)

        answers, notes, note_tag_slugs = [], [], []
        for plan in plans:
            session_id = plan["id"]
            shown_cards = cards_by_session.get(session_id, [])
            for card_id in shown_cards:
                for person in rng.sample(plan["present"], k=min(len(plan["present"]), rng.randint(0, 2))):
                    named = rng.random() < 0.25
                    answers.append({
                        "id": secrets.token_hex(16), "session_id": session_id, "session_card_id": card_id,
                        "kind": "card", "audience": "group" if rng.random() < 0.8 else "facilitator",
                        "author_participant_id": participant_by_key[(session_id, person["id"])] if named else None,
                        "author_name": person["name"] if named else None,
                        "text": rng.choice(CARD_ANSWERS[person["lang"]]), "hidden": False, "revealed": True,
                        "reveal_rank": rng.randint(0, 1000), "resonates": rng.randint(0, 3), "withdrawn": False,
                    })
            for person in plan["present"]:
                if rng.random() < 0.7:
                    named = rng.random() < 0.15
                    answers.append({
                        "id": secrets.token_hex(16), "session_id": session_id, "session_card_id": None,
                        "kind": "takeaway", "audience": "group",
                        "author_participant_id": participant_by_key[(session_id, person["id"])] if named else None,
                        "author_name": person["name"] if named else None,
                        "text": rng.choice(TAKEAWAYS[person["lang"]]), "hidden": False, "revealed": True,
                        "reveal_rank": rng.randint(0, 1000), "resonates": rng.randint(0, 4), "withdrawn": False,
                    })
            for n in range(rng.randint(2, 4)):
                text, slugs = rng.choice(NOTES)
                phase = rng.choice(NOTE_PHASES)
                notes.append({
                    "session_id": session_id, "author_id": facilitator.id, "client_id": secrets.token_hex(12),
                    "phase": phase,
                    "session_card_id": rng.choice(shown_cards) if shown_cards and phase == "reflect" else None,
                    "text": text, "shared_with_supervisor": rng.random() < 0.3,
                    "created_at": plan["started"] + timedelta(minutes=10 + 15 * n),
                    "updated_at": plan["started"] + timedelta(minutes=10 + 15 * n),
                })
                note_tag_slugs.append(slugs)
        _insert(db, Answer, answers)
        note_ids = _insert_ids(db, Note, notes)
        _insert(db, NoteTag, [
            {"note_id": note_id, "tag_id": tags[slug]}
            for note_id, slugs in zip(note_ids, note_tag_slugs) for slug in slugs if slug in tags
        ])
        result.groups += 1

    from reflect.hours.demo import seed_hours  # people across groups, individual RS/C, letters

    result.people = seed_hours(db, rng, now, timezone)
    record(db, None, "demo_seeded", "", {"groups": result.groups, "sessions": result.sessions})
    return result


DEMO_ERRORS = {
    "not_empty": "This database already holds accounts or groups. Use --force to add demo data anyway.",
    "password_too_short": f"The password must be at least {accounts.MIN_PASSWORD_LENGTH} characters.",
}


@click.command("seed-demo")
@click.option("--groups", default=4, show_default=True, type=click.IntRange(1, 500))
@click.option("--sessions-per-group", default=20, show_default=True, type=click.IntRange(1, 300))
@click.option("--participants", default=8, show_default=True, type=click.IntRange(1, 60),
              help="Rostered members per group.")
@click.option("--password", default=None, help="One password for every demo account (else random, printed).")
@click.option("--force", is_flag=True, help="Add demo data even if the database already holds data.")
@click.option("--seed", default=None, type=int, help="Seed the random choices (repeatable data).")
@with_appcontext
def seed_demo_command(groups: int, sessions_per_group: int, participants: int, password: str | None,
                      force: bool, seed: int | None):
    """Fill the database with realistic demo groups, sessions, check-ins, notes and accounts."""
    from reflect import migrate
    from reflect.cli import upgrade_database
    from reflect.db import begin_write, get_session

    if migrate.pending(current_app.config["REFLECT_DATABASE_URL"]):  # a new database: migrated first
        click.echo("The database was not migrated yet; migrating it first (as `reflect db upgrade` does).")
        click.echo(upgrade_database())
    db = get_session()
    begin_write(db)  # reads, then writes (see reflect/cli.py, create-user)
    try:
        result = seed_demo(db, groups=groups, sessions_per_group=sessions_per_group, participants=participants,
                           password=password, force=force, seed=seed,
                           min_group_size=int(current_app.config["REFLECT_MIN_GROUP_SIZE"]),
                           timezone=current_app.config.get("REFLECT_TIMEZONE") or "UTC")
    except (DemoError, accounts.AccountError) as err:
        db.rollback()
        raise click.ClickException(DEMO_ERRORS.get(err.code, err.code))
    db.commit()
    click.echo(f"Demo data: {result.groups} groups, {result.sessions} sessions, {result.members} rostered members, "
               f"{result.people} people with hours records.")
    click.echo("Accounts (the passwords are shown only now):")
    for role, email, pw in result.accounts:
        click.echo(f"  {role:<12} {email:<32} {pw}")
