"""hello: greetings table"""

import sqlalchemy as sa
from alembic import op

revision = "hello_0001"
down_revision = None  # a new root: the start of the hello branch
branch_labels = ("hello",)  # the branch is named after the plugin
depends_on = "0001"  # the core revision that created the tables you use (users)


def upgrade() -> None:
    op.create_table(
        "hello_greetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            ondelete="CASCADE",
            name=op.f("fk_hello_greetings_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hello_greetings")),
    )
    op.create_index(op.f("ix_hello_greetings_user_id"), "hello_greetings", ["user_id"])


def downgrade() -> None:
    op.drop_table("hello_greetings")
