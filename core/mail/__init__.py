"""E-mail: the channel that sends notifications and receives tickets by mail.

The outgoing side builds messages in the recipient's language and sends them through a
job (``mail.send``), exactly once per key (:func:`queue_mail`); ticket events become
notifications (:mod:`frontdesk.mail.notifications`); :mod:`frontdesk.mail.threading`
makes the Message-IDs and subject tags that let mail clients (and the incoming side)
thread a ticket's mails. Sits above ``tickets`` and below ``web``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from frontdesk.jobs import Job
from frontdesk.mail.notifications import NOTIFY_JOB, notify_job
from frontdesk.mail.outgoing import (
    SEND_JOB,
    SEND_RETRIES,
    LogEntry,
    outgoing_log,
    queue_mail,
    send_job,
    send_test_mail,
)
from frontdesk.mail.transport import transport_for

if TYPE_CHECKING:  # pragma: no cover
    from pyramid.config import Configurator

__all__ = ["LogEntry", "jobs", "outgoing_log", "queue_mail", "send_test_mail"]

log = logging.getLogger(__name__)


def jobs() -> list[Job]:
    """The mail jobs core declares through ``frontdesk_jobs``."""
    return [
        Job(name=SEND_JOB, run=send_job, retries=SEND_RETRIES, retry_delay=30),
        Job(name=NOTIFY_JOB, run=notify_job, retries=5, retry_delay=30),
    ]


def includeme(config: Configurator) -> None:
    """Check the mail settings (a bad value stops the app at startup) and say where mail
    goes, so a development setup that writes ``.eml`` files says so."""
    log.info("%s", transport_for(config.registry.settings).describe())
