"""Shared set-up for the agents' workspace tests (dashboard, queue, ticket page).

Not a conftest: the administration pages' tests live in the same folder and keep their
own fixtures. Test modules call :func:`build_desk` from a fixture of their own.
"""

from __future__ import annotations

from typing import Any

from frontdesk.db.auth import PermissionGrant
from frontdesk.db.users import Department
from frontdesk.identity.access import TicketPermission
from frontdesk.identity.accounts import create_user
from frontdesk.tickets import create_ticket

PLUGINS = ("portal", "management")


def password(username: str) -> str:
    return f"{username}-password"


def build_desk(commit: Any) -> dict[str, Any]:
    """Two departments and the people and tickets most tests need.

    - Sales: agents alex and sam (and ivan, deactivated).
    - Billing: agent bea; sam works there too but may only *view* its tickets.
    - ada is an administrator; casey and jordan are customers.
    - #1001 "Printer on fire" (Sales, casey), #1002 "Invoice missing" (Billing, casey),
      #1003 "Password reset" (Sales, jordan).
    """
    with commit() as db:
        sales, billing = Department(name="Sales"), Department(name="Billing")
        db.add_all([sales, billing])
        db.flush()
        people = {}
        for username, role, departments, display in [
            ("casey", "customer", [], "Casey Customer"),
            ("jordan", "customer", [], "Jordan Customer"),
            ("alex", "agent", ["Sales"], "Alex Agent"),
            ("sam", "agent", ["Sales", "Billing"], "Sam Agent"),
            ("bea", "agent", ["Billing"], "Bea Agent"),
            ("ivan", "agent", ["Sales"], "Ivan Inactive"),
            ("ada", "administrator", [], "Ada Admin"),
        ]:
            people[username] = create_user(
                db,
                username=username,
                role=role,
                password=password(username),
                display_name=display,
                departments=departments,
            )
        people["ivan"].active = False
        db.add(
            PermissionGrant(
                user_id=people["sam"].id,
                department_id=billing.id,
                permission=TicketPermission.VIEW,
            )
        )
        tickets = [
            create_ticket(
                db,
                requester=people[requester],
                subject=subject,
                body=body,
                department_id=department.id,
            )
            for requester, subject, body, department in [
                ("casey", "Printer on fire", "Smoke everywhere.", sales),
                ("casey", "Invoice missing", "Where is my invoice?", billing),
                ("jordan", "Password reset", "I forgot my password.", sales),
            ]
        ]
        return {
            "sales": sales.id,
            "billing": billing.id,
            **{name: user.id for name, user in people.items()},
            "tickets": [t.number for t in tickets],
        }


def login(app: Any, username: str, *, prefix: str = "/management", status: int = 303) -> Any:
    """Log in through the interface's login form (by its id, like a person would),
    after dropping whatever session ``app`` had (switching users)."""
    app.reset()
    form = app.get(f"{prefix}/login").forms["login-form"]
    form["username"] = username
    form["password"] = password(username)
    return form.submit(status=status)


def texts(page: Any, selector: str) -> list[str]:
    return [" ".join(node.get_text(" ").split()) for node in page.html.select(selector)]
