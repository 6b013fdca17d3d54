"""ticket counter

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_counter'))
    )
    # Continue after any tickets created before the counter existed (numbers are digits).
    op.execute(
        "INSERT INTO ticket_counter (id, last) "
        "SELECT 1, COALESCE(MAX(CAST(number AS INTEGER)), 1000) FROM tickets"
    )


def downgrade() -> None:
    op.drop_table('ticket_counter')
