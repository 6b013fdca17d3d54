"""outdated: its table, which a fenced plugin must never create

Revision ID: outdated_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "outdated_0001"
down_revision = None
branch_labels = ("outdated",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table("outdated_records", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("outdated_records")
