"""the room: moderated reveal and one person, one participant

- ``answers.flagged``: the identifier guard's spans (``[[start, end, category], ...]``)
  of an answer shared with "share anyway"; ``answers.approved``: the facilitator let
  such an answer be revealed. Both describe the text, never its author.
- ``group_sessions.reveal_backlog``: per prompt, how many shared anonymous answers were
  left unrevealed by its last reveal (a count, no answer named), so that a lone answer
  written since is never shown on its own, whether revealed all at once or one by one.
- ``participants.claims_id``: a device that chose a roster name already held in the
  session waits for the facilitator, who admits it as that same person or refuses it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 16:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('answers') as batch:
        batch.add_column(sa.Column('flagged', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('approved', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('group_sessions') as batch:
        batch.add_column(sa.Column('reveal_backlog', sa.JSON(), nullable=True))
    with op.batch_alter_table('participants') as batch:
        batch.add_column(sa.Column('claims_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_participants_claims_id_participants'), 'participants', ['claims_id'], ['id'],
                                 ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('participants') as batch:
        batch.drop_constraint(op.f('fk_participants_claims_id_participants'), type_='foreignkey')
        batch.drop_column('claims_id')
    with op.batch_alter_table('group_sessions') as batch:
        batch.drop_column('reveal_backlog')
    with op.batch_alter_table('answers') as batch:
        batch.drop_column('approved')
        batch.drop_column('flagged')
