"""screen presence: which consoles and displays are connected, for every process

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 22:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('screen_presence',
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('server_id', sa.String(length=32), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['group_sessions.id'], name=op.f('fk_screen_presence_session_id_group_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sid', name=op.f('pk_screen_presence'))
    )
    with op.batch_alter_table('screen_presence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screen_presence_server_id'), ['server_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_screen_presence_session_id'), ['session_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('screen_presence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screen_presence_session_id'))
        batch_op.drop_index(batch_op.f('ix_screen_presence_server_id'))

    op.drop_table('screen_presence')
