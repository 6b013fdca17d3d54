"""login locks per account and address, rate-limit windows

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-01

Login failures were counted per account, so anyone could lock any account from anywhere;
they are now counted per account *and* address (``account`` names the account a row
locks, for the administrators' unlock). Old per-account rows cannot be split by address
and are dropped (they were locks of at most fifteen minutes); per-address rows stay.
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM login_throttle WHERE key LIKE 'account:%'")
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=200), type_=sa.String(length=255), existing_nullable=False)
        batch_op.add_column(sa.Column('account', sa.String(length=150), nullable=True))
        batch_op.create_index(batch_op.f('ix_login_throttle_account'), ['account'], unique=False)

    op.create_table('rate_limits',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limits'))
    )


def downgrade() -> None:
    op.drop_table('rate_limits')
    op.execute("DELETE FROM login_throttle WHERE key LIKE 'account:%'")
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttle_account'))
        batch_op.drop_column('account')
        batch_op.alter_column('key', existing_type=sa.String(length=255), type_=sa.String(length=200), existing_nullable=False)
