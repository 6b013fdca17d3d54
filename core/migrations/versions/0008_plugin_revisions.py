"""plugin revisions: which plugin each recorded plugin migration belongs to

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

Filled by every ``db upgrade`` from the plugins' scripts, so that a plugin uninstalled (or
pinned out) after its branch ran can be named, and its revisions set aside, without its code.
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plugin_revisions',
    sa.Column('revision', sa.String(length=32), nullable=False),
    sa.Column('plugin', sa.String(length=100), nullable=False),
    sa.Column('implies', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('revision', name=op.f('pk_plugin_revisions'))
    )


def downgrade() -> None:
    op.drop_table('plugin_revisions')
