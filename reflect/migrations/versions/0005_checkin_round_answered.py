"""checkin_rounds.answered: a round's count, kept once the session's marks are deleted

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('checkin_rounds') as batch:
        batch.add_column(sa.Column('answered', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('checkin_rounds') as batch:
        batch.drop_column('answered')
