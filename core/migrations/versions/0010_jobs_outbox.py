"""the job outbox

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-20

Background jobs are written as rows in the transaction that asks for them and pushed to
the queue after it commits; a sweeper re-pushes what a dead process left behind.
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'job_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('run_after', sa.DateTime(timezone=True), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('locked_by', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_outbox')),
        sa.UniqueConstraint('key', name=op.f('uq_job_outbox_key')),
    )
    op.create_index(op.f('ix_job_outbox_name'), 'job_outbox', ['name'], unique=False)
    op.create_index(
        'ix_job_outbox_status_run_after', 'job_outbox', ['status', 'run_after'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_job_outbox_status_run_after', table_name='job_outbox')
    op.drop_index(op.f('ix_job_outbox_name'), table_name='job_outbox')
    op.drop_table('job_outbox')
