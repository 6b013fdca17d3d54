"""ticketlog: entries

Revision ID: ticketlog_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "ticketlog_0001"
down_revision = None
branch_labels = ("ticketlog",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "ticketlog_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("requester_email", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketlog_entries")),
    )


def downgrade() -> None:
    op.drop_table("ticketlog_entries")
