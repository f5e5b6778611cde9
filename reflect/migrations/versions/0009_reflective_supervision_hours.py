"""reflective-supervision hours: people, credits, providers, letters

People of the program (one practitioner across groups' rosters, ``roster_links``),
providers' names and qualifications, individual meetings, per-session mode and
attendance corrections, issued letters (kept as issued, with a verification code) and
practitioners' personal links (hashed). New tables only: no existing table changes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 16:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('year_start_month', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_people_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people'))
    )
    op.create_table('hours_letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('superseded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_hours_letters_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['users.id'], name=op.f('fk_hours_letters_provider_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_letters')),
    sa.UniqueConstraint('code', name=op.f('uq_hours_letters_code'))
    )
    op.create_index(op.f('ix_hours_letters_person_id'), 'hours_letters', ['person_id'], unique=False)
    op.create_index(op.f('ix_hours_letters_provider_id'), 'hours_letters', ['provider_id'], unique=False)
    op.create_table('practitioner_links',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_practitioner_links_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_practitioner_links_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_practitioner_links'))
    )
    op.create_index(op.f('ix_practitioner_links_person_id'), 'practitioner_links', ['person_id'], unique=False)
    op.create_table('provider_profiles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('qualification', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_provider_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_provider_profiles'))
    )
    op.create_table('attendance_corrections',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('arrived_at', sa.DateTime(), nullable=True),
    sa.Column('left_at', sa.DateTime(), nullable=True),
    sa.Column('mode', sa.String(length=16), nullable=True),
    sa.Column('corrected_by', sa.Integer(), nullable=True),
    sa.Column('corrected_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['corrected_by'], ['users.id'], name=op.f('fk_attendance_corrections_corrected_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_attendance_corrections_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['group_sessions.id'], name=op.f('fk_attendance_corrections_session_id_group_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'person_id', name=op.f('pk_attendance_corrections'))
    )
    op.create_table('individual_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_individual_meetings_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['users.id'], name=op.f('fk_individual_meetings_provider_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['group_sessions.id'], name=op.f('fk_individual_meetings_session_id_group_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_individual_meetings')),
    sa.UniqueConstraint('session_id', name=op.f('uq_individual_meetings_session_id'))
    )
    op.create_index(op.f('ix_individual_meetings_person_id'), 'individual_meetings', ['person_id'], unique=False)
    op.create_index(op.f('ix_individual_meetings_provider_id'), 'individual_meetings', ['provider_id'], unique=False)
    op.create_table('roster_links',
    sa.Column('roster_member_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_roster_links_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['roster_member_id'], ['roster_members.id'], name=op.f('fk_roster_links_roster_member_id_roster_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('roster_member_id', name=op.f('pk_roster_links'))
    )
    op.create_index(op.f('ix_roster_links_person_id'), 'roster_links', ['person_id'], unique=False)
    op.create_table('session_modes',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['group_sessions.id'], name=op.f('fk_session_modes_session_id_group_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_session_modes'))
    )


def downgrade() -> None:
    op.drop_table('session_modes')
    op.drop_index(op.f('ix_roster_links_person_id'), table_name='roster_links')
    op.drop_table('roster_links')
    op.drop_index(op.f('ix_individual_meetings_provider_id'), table_name='individual_meetings')
    op.drop_index(op.f('ix_individual_meetings_person_id'), table_name='individual_meetings')
    op.drop_table('individual_meetings')
    op.drop_table('attendance_corrections')
    op.drop_table('provider_profiles')
    op.drop_index(op.f('ix_practitioner_links_person_id'), table_name='practitioner_links')
    op.drop_table('practitioner_links')
    op.drop_index(op.f('ix_hours_letters_provider_id'), table_name='hours_letters')
    op.drop_index(op.f('ix_hours_letters_person_id'), table_name='hours_letters')
    op.drop_table('hours_letters')
    op.drop_table('people')
