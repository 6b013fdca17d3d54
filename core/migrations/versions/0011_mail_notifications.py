"""outgoing mail log and notification choices

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-20

``outgoing_mails``: one row per mail sent, unique per idempotency key, with its status
(queued, sending, sent, retrying, failed) and last error. ``notification_choices``: the
notification kinds each user switched on or off.
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outgoing_mails',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=400), nullable=False),
        sa.Column('locale', sa.String(length=35), nullable=True),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('message_id', sa.String(length=250), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['department_id'], ['departments.id'],
            name=op.f('fk_outgoing_mails_department_id_departments'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_mails')),
        sa.UniqueConstraint('key', name=op.f('uq_outgoing_mails_key')),
    )
    op.create_index(op.f('ix_outgoing_mails_status'), 'outgoing_mails', ['status'])
    op.create_index(op.f('ix_outgoing_mails_created_at'), 'outgoing_mails', ['created_at'])
    op.create_table(
        'notification_choices',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'],
            name=op.f('fk_notification_choices_user_id_users'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_choices')),
    )


def downgrade() -> None:
    op.drop_table('notification_choices')
    op.drop_index(op.f('ix_outgoing_mails_created_at'), table_name='outgoing_mails')
    op.drop_index(op.f('ix_outgoing_mails_status'), table_name='outgoing_mails')
    op.drop_table('outgoing_mails')
