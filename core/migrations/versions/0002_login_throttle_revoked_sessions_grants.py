"""login throttle, revoked sessions, permission grants

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_failure', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle'))
    )
    op.create_table('revoked_sessions',
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_revoked_sessions'))
    )
    with op.batch_alter_table('revoked_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revoked_sessions_expires_at'), ['expires_at'], unique=False)

    op.create_table('permission_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('permission', sa.String(length=150), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_permission_grants_department_id_departments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_permission_grants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_permission_grants')),
    sa.UniqueConstraint('user_id', 'department_id', 'permission', name=op.f('uq_permission_grants_user_id'))
    )
    with op.batch_alter_table('permission_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_permission_grants_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('permission_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_permission_grants_user_id'))

    op.drop_table('permission_grants')
    with op.batch_alter_table('revoked_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revoked_sessions_expires_at'))

    op.drop_table('revoked_sessions')
    op.drop_table('login_throttle')
