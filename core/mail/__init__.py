"""E-mail: the channel that sends notifications and receives tickets by mail.

The outgoing side builds messages in the recipient's language and sends them through a
job (``mail.send``), exactly once per key; :mod:`frontdesk.mail.threading` makes the
Message-IDs and subject tags that let mail clients (and the incoming side) thread a
ticket's mails. Sits above ``tickets`` and below ``web``.
"""

from __future__ import annotations
