"""anonymity after a session

Nothing kept after a session links a person to what they did in it:
- the marks carry the command id by which a retry of an anonymous command is known, so
  anonymous commands no longer write a record in ``processed_commands``;
- check-ins hold the key of a feeling of the shared list (``reflect/rooms/data/
  feelings.toml``) and, apart, a word of the participant's own (``free_word``, the
  facilitator's only) where the session allows it (``allow_free_feeling``). A feeling
  stored before as typed text is turned into its key when it is one of the list's
  labels (or keys), and kept as a word of its own otherwise;
- in every session already ended: the commands' records, the marks (each round's count
  kept), the reactions, the reaction salt and the hands' times are deleted, and the
  anonymous rows (answers, takeaways, check-ins) are written again in a random order,
  check-ins with new random keys (as ``lifecycle.unlink_people`` does at every end).

Tables are read as they stand at this revision (reflected), not through the models,
which describe the newest schema.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 16:20:00
"""
import secrets
import tomllib
from pathlib import Path

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

FEELINGS = Path(__file__).resolve().parents[2] / "rooms" / "data" / "feelings.toml"


def _feeling_keys() -> dict[str, str]:
    """Every key and label of the shared list, folded, to its key."""
    out = {}
    for family in tomllib.loads(FEELINGS.read_text(encoding="utf-8"))["family"]:
        for feeling in family["feelings"]:
            for text in (feeling["key"], feeling["en"], feeling["es"]):
                out[" ".join(text.split()).casefold()] = feeling["key"]
    return out


def upgrade() -> None:
    with op.batch_alter_table('checkin_marks') as batch:
        batch.add_column(sa.Column('command_id', sa.String(length=64), nullable=True))
    with op.batch_alter_table('response_marks') as batch:
        batch.add_column(sa.Column('command_id', sa.String(length=64), nullable=True))
    with op.batch_alter_table('checkin_answers') as batch:
        batch.add_column(sa.Column('free_word', sa.String(length=40), nullable=True))
    with op.batch_alter_table('group_sessions') as batch:
        batch.add_column(sa.Column('allow_free_feeling', sa.Boolean(), nullable=False, server_default=sa.false()))

    bind = op.get_bind()
    meta = sa.MetaData()
    names = ("group_sessions", "participants", "checkin_rounds", "checkin_marks", "checkin_answers", "answers",
             "response_marks", "reactions", "processed_commands")
    t = {name: sa.Table(name, meta, autoload_with=bind) for name in names}
    _feelings_to_keys(bind, t["checkin_answers"])
    ended = bind.execute(sa.select(t["group_sessions"].c.id).where(t["group_sessions"].c.ended_at.is_not(None))
                         .order_by(t["group_sessions"].c.id)).scalars().all()
    for session_id in ended:
        _unlink(bind, t, session_id)


def _feelings_to_keys(bind, checkins: sa.Table) -> None:
    keys = _feeling_keys()
    rows = bind.execute(sa.select(checkins.c.id, checkins.c.feeling).where(checkins.c.feeling.is_not(None))).all()
    for row_id, feeling in rows:
        key = keys.get(" ".join(feeling.split()).casefold())
        values = {"feeling": key} if key else {"feeling": None, "free_word": feeling}
        if key != feeling:
            bind.execute(sa.update(checkins).where(checkins.c.id == row_id).values(**values))


def _write_again(bind, table: sa.Table, where, *, new_key: bool = False) -> None:
    rows = [dict(r) for r in bind.execute(sa.select(*table.c).where(where)).mappings()]
    if not rows:
        return
    bind.execute(sa.delete(table).where(where))
    secrets.SystemRandom().shuffle(rows)
    if new_key:
        for row in rows:
            row["id"] = secrets.token_hex(16)
    bind.execute(sa.insert(table), rows)


def _unlink(bind, t: dict, session_id: int) -> None:
    rounds, marks = t["checkin_rounds"], t["checkin_marks"]
    answers, reactions = t["answers"], t["reactions"]
    counted = (sa.select(sa.func.count()).select_from(marks).where(marks.c.round_id == rounds.c.id)
               .scalar_subquery())
    bind.execute(sa.update(rounds).where(rounds.c.session_id == session_id, rounds.c.answered.is_(None))
                 .values(answered=counted))
    round_ids = bind.execute(sa.select(rounds.c.id).where(rounds.c.session_id == session_id)).scalars().all()
    bind.execute(sa.delete(marks).where(marks.c.round_id.in_(round_ids)))
    bind.execute(sa.delete(t["response_marks"]).where(t["response_marks"].c.session_id == session_id))
    bind.execute(sa.delete(t["processed_commands"]).where(t["processed_commands"].c.session_id == session_id))
    bind.execute(sa.delete(reactions).where(
        reactions.c.answer_id.in_(sa.select(answers.c.id).where(answers.c.session_id == session_id))))
    bind.execute(sa.update(t["group_sessions"]).where(t["group_sessions"].c.id == session_id).values(anon_salt=None))
    bind.execute(sa.update(t["participants"]).where(t["participants"].c.session_id == session_id)
                 .values(hand_raised_at=None))
    _write_again(bind, answers, answers.c.session_id == session_id)
    for round_id in round_ids:
        _write_again(bind, t["checkin_answers"], t["checkin_answers"].c.round_id == round_id, new_key=True)


def downgrade() -> None:
    # what was deleted stays deleted; the columns go (words of their own go with them)
    with op.batch_alter_table('group_sessions') as batch:
        batch.drop_column('allow_free_feeling')
    with op.batch_alter_table('checkin_answers') as batch:
        batch.drop_column('free_word')
    with op.batch_alter_table('response_marks') as batch:
        batch.drop_column('command_id')
    with op.batch_alter_table('checkin_marks') as batch:
        batch.drop_column('command_id')
