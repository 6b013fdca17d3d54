"""department names unique ignoring case, new-ticket submission tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=400), nullable=True))
    _fill_name_keys()
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=400), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_departments_name_key'), ['name_key'])

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_tickets_submission_token'), ['submission_token'])


def _fill_name_keys() -> None:
    """Every department gets its case-folded key. Departments saved before the rule
    ("Sales" and "sales") keep their rows; each after the first gets a free name
    ("sales (2)") that an administrator can change."""
    departments = sa.table(
        'departments',
        sa.column('id', sa.Integer),
        sa.column('name', sa.String),
        sa.column('name_key', sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(departments.c.id, departments.c.name).order_by(departments.c.id)
    ).all()
    taken = {name.casefold() for _id, name in rows}
    kept: set[str] = set()
    for row_id, name in rows:
        new = name
        if name.casefold() in kept:
            n = 2
            while f'{name[:94]} ({n})'.casefold() in taken:
                n += 1
            new = f'{name[:94]} ({n})'
            taken.add(new.casefold())
        kept.add(new.casefold())
        connection.execute(
            departments.update()
            .where(departments.c.id == row_id)
            .values(name=new, name_key=new.casefold())
        )


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_tickets_submission_token'), type_='unique')
        batch_op.drop_column('submission_token')

    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_departments_name_key'), type_='unique')
        batch_op.drop_column('name_key')
