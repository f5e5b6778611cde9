"""group_sessions.planned_for: when a session planned ahead is meant to take place

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('group_sessions') as batch:
        batch.add_column(sa.Column('planned_for', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('group_sessions') as batch:
        batch.drop_column('planned_for')
