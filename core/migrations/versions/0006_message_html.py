"""messages keep their rendered HTML; attachment names lose invisible characters

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01

Pages show ``ticket_messages.body_html`` instead of rendering Markdown on every view;
existing messages are rendered here. Stored attachment names are cleaned the way new
uploads are (no bidi overrides or zero-width characters).
"""

from alembic import op
import sqlalchemy as sa

from frontdesk.tickets.attachments import clean_filename
from frontdesk.db.text import render_markdown


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BATCH = 500

messages = sa.table(
    'ticket_messages',
    sa.column('id', sa.Integer()),
    sa.column('body', sa.Text()),
    sa.column('body_html', sa.Text()),
)
attachments = sa.table(
    'attachments', sa.column('id', sa.Integer()), sa.column('filename', sa.String(255))
)


def _backfill_html(conn: sa.Connection) -> None:
    last = 0
    while rows := conn.execute(
        sa.select(messages.c.id, messages.c.body)
        .where(messages.c.id > last)
        .order_by(messages.c.id)
        .limit(BATCH)
    ).all():
        for id_, body in rows:
            conn.execute(
                messages.update()
                .where(messages.c.id == id_)
                .values(body_html=str(render_markdown(body or '')))
            )
        last = rows[-1][0]


def _clean_filenames(conn: sa.Connection) -> None:
    for id_, name in conn.execute(sa.select(attachments.c.id, attachments.c.filename)).all():
        if clean_filename(name) != name:
            conn.execute(
                attachments.update()
                .where(attachments.c.id == id_)
                .values(filename=clean_filename(name))
            )


def upgrade() -> None:
    # A plain ADD COLUMN (NOT NULL needs the default): SQLite must not rebuild the table,
    # which would drop it and, through ON DELETE CASCADE, every attachment with it.
    op.add_column(
        'ticket_messages', sa.Column('body_html', sa.Text(), nullable=False, server_default='')
    )
    _backfill_html(op.get_bind())
    _clean_filenames(op.get_bind())


def downgrade() -> None:
    op.drop_column('ticket_messages', 'body_html')  # native on SQLite 3.35+, no rebuild
