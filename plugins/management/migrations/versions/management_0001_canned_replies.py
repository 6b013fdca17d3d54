"""management: canned replies

Revision ID: management_0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "management_0001"
down_revision = None
branch_labels = ("management",)
depends_on = "0004"


def upgrade() -> None:
    op.create_table(
        "management_canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_management_canned_replies_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_management_canned_replies")),
    )
    with op.batch_alter_table("management_canned_replies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_management_canned_replies_owner_id"), ["owner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("management_canned_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_management_canned_replies_owner_id"))
    op.drop_table("management_canned_replies")
