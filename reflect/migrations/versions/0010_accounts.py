"""accounts: second factor, single sign-on, open sign-ins

Users get a TOTP secret and the last time step a code was accepted for, and the
identity provider's issuer and subject once they sign in with single sign-on; login
sessions get the browser's description, how they were opened and when they were last
used; recovery codes (hashed, single use) and passkeys (WebAuthn credentials: their id,
public key and signature counter) get tables of their own.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 16:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("oidc_issuer", sa.String(255), nullable=True))
        batch.add_column(sa.Column("oidc_subject", sa.String(255), nullable=True))
        batch.create_unique_constraint("uq_users_oidc_issuer", ["oidc_issuer", "oidc_subject"])
    with op.batch_alter_table("login_sessions") as batch:
        batch.add_column(sa.Column("user_agent", sa.String(255), nullable=False, server_default=""))
        batch.add_column(sa.Column("method", sa.String(16), nullable=False, server_default="password"))
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
    op.create_table(
        "recovery_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"])
    op.create_table(
        "passkeys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("credential_id", sa.String(1400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("credential_id", name="uq_passkeys_credential_id"),
    )
    op.create_index("ix_passkeys_user_id", "passkeys", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_passkeys_user_id", table_name="passkeys")
    op.drop_table("passkeys")
    op.drop_index("ix_recovery_codes_user_id", table_name="recovery_codes")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("login_sessions") as batch:
        batch.drop_column("last_seen_at")
        batch.drop_column("method")
        batch.drop_column("user_agent")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_oidc_issuer", type_="unique")
        batch.drop_column("oidc_subject")
        batch.drop_column("oidc_issuer")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
