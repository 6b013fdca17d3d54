"""Forms that come back: taking a person to what went wrong, and to the form again.

A form that comes back with errors may sit far down a long page. :class:`ErrorSummary`
lists its errors at the top of the page (``role="alert"``, each linking to its field) and
names the one element the page should open focused on: the first invalid field, or the
summary itself when an error belongs to no single field. Templates print the summary with
``${summary}`` and mark each field with ``autofocus="${summary.autofocus('field-id')}"``;
no script is needed.

A refused form is answered at the address it was posted to. Reloading that address (or
opening it from the history) sends a GET, which :func:`redirect_to_form` answers with the
page that holds the form instead of a 404.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from markupsafe import Markup
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render
from pyramid.request import Request

TEMPLATE = "frontdesk:templates/error_summary.pt"
SUMMARY_ID = "error-summary"


@dataclass(frozen=True, kw_only=True)
class ErrorSummary:
    """The errors of the form that came back, in the order its fields appear."""

    request: Request
    #: (id of the element an error is about, message), first field first.
    items: tuple[tuple[str, str], ...] = ()

    @classmethod
    def build(
        cls,
        request: Request,
        errors: Mapping[str, str] | None,
        field_ids: Mapping[str, str],
    ) -> ErrorSummary:
        """``errors`` by field name; ``field_ids`` maps field names to element ids in page
        order. An error about no field in ``field_ids`` points at the summary itself."""
        errors = dict(errors or {})
        fields = [(field_ids[name], errors.pop(name)) for name in field_ids if name in errors]
        others = [(SUMMARY_ID, message) for message in errors.values()]
        return cls(request=request, items=tuple(fields + others))

    @property
    def focus(self) -> str | None:
        """The id of the element the page opens focused on (``None``: no errors)."""
        return self.items[0][0] if self.items else None

    def autofocus(self, element_id: str) -> str | None:
        """``"autofocus"`` for the element to focus, else ``None`` (drops the attribute)."""
        return "autofocus" if element_id == self.focus else None

    def __bool__(self) -> bool:
        return bool(self.items)

    def __html__(self) -> Markup:
        if not self.items:
            return Markup("")
        values = {"items": self.items, "summary_id": SUMMARY_ID, "focus": self.focus}
        html = render(TEMPLATE, values, request=self.request)
        return Markup(html)  # noqa: S704 (our Chameleon template escapes what it prints)

    __str__ = __html__


def redirect_to_form(page_route: str, anchor: str = "") -> Callable[[Request], HTTPSeeOther]:
    """A view for GET on a form's POST address: to ``page_route`` (with the same URL
    parameters, e.g. the ticket number) at ``anchor``, the id of the form or the item
    it acts on, formatted with the URL parameters (``"plugin-{name}"``)."""

    def view(request: Request) -> HTTPSeeOther:
        target = anchor.format(**request.matchdict)
        url = request.route_url(page_route, **request.matchdict)
        return HTTPSeeOther(f"{url}#{target}" if target else url)

    return view
