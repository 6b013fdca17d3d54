"""Bad input refused early, the same way for every view of every plugin.

Control characters (NUL and the rest of C0 but tab, line feed and carriage return) have
no place in a URL or a form field, and PostgreSQL cannot store NUL at all: a request
carrying one is answered 400 before any view, route factory or query sees it. Numbers
from forms and URLs go through :func:`positive_int`, so that no query is sent an id
larger than a database integer.
"""

from __future__ import annotations

import re
from typing import Any

from pyramid.config import Configurator
from pyramid.events import NewRequest
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.request import Request

from frontdesk.i18n import _

#: Larger numbers are no row's id (and overflow PostgreSQL's integer).
MAX_ID = 2**31 - 1

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BadRequest(HTTPBadRequest):
    """A request no view should see; the message says what was wrong."""

    title = _("Bad request")


def positive_int(value: Any, default: int | None = None) -> int | None:
    """A positive database-sized integer from a form or URL, else ``default``."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return number if 0 < number <= MAX_ID else default


def _texts(request: Request) -> list[str]:
    """The path, every query and form parameter (names and values) and file names."""
    texts = [request.path_info]
    params = list(request.GET.items())
    if request.content_type in FORM_TYPES:
        params += list(request.POST.items())
    for name, value in params:
        texts.append(name)
        texts.append(value if isinstance(value, str) else getattr(value, "filename", "") or "")
    return texts


def refuse_bad_input(event: NewRequest) -> None:
    """Answer 400 to a request with control characters or undecodable text in it."""
    request = event.request
    try:
        texts = _texts(request)
    except UnicodeDecodeError:
        raise BadRequest(_("The address or form is not valid UTF-8 text.")) from None
    if any(CONTROL_CHARACTERS.search(text) for text in texts):
        raise BadRequest(
            _(
                "The address or a form field contains a control character (such as a NUL "
                "byte) that cannot be stored. Remove it and try again."
            )
        )


def includeme(config: Configurator) -> None:
    """Refuse control characters in any parameter before routing."""
    config.add_subscriber(refuse_bad_input, NewRequest)
