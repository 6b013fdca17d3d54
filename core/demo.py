"""Demo data for trying frontdesk out: departments, people and tickets with conversations.

Idempotent: running it again adds nothing. Development only (``frontdesk init --demo``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk import tickets
from frontdesk.db.meta import utcnow
from frontdesk.db.users import Department
from frontdesk.identity.accounts import create_user, find_user

DEMO_MARKER = "demo.loaded"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str


#: Published in the README: these accounts exist only in development databases.
DEMO_LOGINS = (
    DemoLogin("administrator", "admin", "frontdesk-admin"),
    DemoLogin("agent", "agent", "frontdesk-agent"),
    DemoLogin("customer", "customer", "frontdesk-customer"),
)

DEPARTMENTS = [
    ("Support", "Questions about using the product", True),
    ("Billing", "Invoices, payments and refunds", True),
    ("Sales", "Quotes, plans and upgrades", True),
    ("Escalations", "Internal second-line queue", False),
]

PEOPLE = [
    # username, role, display name, email, departments
    ("agent", "agent", "Alex Agent", "alex@example.com", ["Support", "Billing"]),
    ("sam", "agent", "Sam Ortega", "sam@example.com", ["Sales"]),
    ("priya", "agent", "Priya Natarajan", "priya@example.com", ["Support", "Escalations"]),
    ("customer", "customer", "Casey Customer", "casey@example.org", []),
    ("jordan", "customer", "Jordan Lee", "jordan@example.org", []),
    ("mika", "customer", "Mika Virtanen", "mika@example.org", []),
]

TICKETS = [
    # requester, department, subject, status, priority, conversation [(author, kind, body)]
    (
        "customer",
        "Support",
        "Cannot reset my password",
        "open",
        "high",
        [
            (
                "customer",
                "customer",
                "The reset link in the email says it has expired, even right after I get it.",
            ),
            (
                "agent",
                "agent",
                "Thanks Casey! Links expire after 30 minutes; is the clock on your phone right?",
            ),
            ("agent", "note", "Possibly the mail scanner pre-fetching links. Check with IT."),
        ],
    ),
    (
        "customer",
        "Billing",
        "Invoice 2026-114 charged twice",
        "waiting",
        "urgent",
        [
            ("customer", "customer", "My card was charged twice for the November invoice."),
            (
                "agent",
                "agent",
                "I see both charges. I have refunded one; could you confirm it arrived?",
            ),
        ],
    ),
    (
        "jordan",
        "Sales",
        "Upgrade to 25 seats",
        "open",
        "normal",
        [
            (
                "jordan",
                "customer",
                "We would like to move from 10 to 25 seats next month. What would it cost?",
            ),
        ],
    ),
    (
        "mika",
        "Support",
        "Export to CSV misses the last column",
        "on_hold",
        "low",
        [
            ("mika", "customer", "The 'Tags' column is empty in every CSV export."),
            ("priya", "agent", "Reproduced, and reported to engineering. I will update you here."),
        ],
    ),
    (
        "customer",
        "Support",
        "How do I add a colleague?",
        "closed",
        "normal",
        [
            ("customer", "customer", "How can I invite a colleague to our account?"),
            (
                "agent",
                "agent",
                "Under Settings, choose People, then Invite. Let me know if it works!",
            ),
            ("customer", "customer", "Worked, thank you."),
        ],
    ),
]


def demo_loaded(db: Session) -> bool:
    from frontdesk.db.state import get_setting

    return get_setting(db, DEMO_MARKER) == "1"


def load_demo(db: Session) -> bool:
    """Add the demo help desk unless it is there already; ``True`` if anything was added."""
    from frontdesk.db.state import set_setting

    if demo_loaded(db):
        return False
    depts = {}
    for name, description, visible in DEPARTMENTS:
        dept = db.scalar(select(Department).where(Department.name == name))
        if dept is None:
            dept = Department(name=name, description=description, customer_visible=visible)
            db.add(dept)
        depts[name] = dept
    db.flush()

    passwords = {login.username: login.password for login in DEMO_LOGINS}
    admin = DEMO_LOGINS[0]
    if find_user(db, admin.username) is None:
        create_user(
            db,
            username=admin.username,
            role="administrator",
            password=admin.password,
            display_name="Ada Administrator",
            email="admin@example.com",
        )
    users = {}
    for username, role, display, email, dept_names in PEOPLE:
        user = find_user(db, username) or create_user(
            db,
            username=username,
            role=role,
            display_name=display,
            email=email,
            password=passwords.get(username, f"{username}-demo-password"),
            departments=dept_names,
        )
        users[username] = user

    start = utcnow() - dt.timedelta(days=len(TICKETS) + 1)
    for i, (requester, dept, subject, status, priority, conversation) in enumerate(TICKETS):
        (_, _, first), *rest = conversation
        ticket = tickets.create_ticket(
            db,
            requester=users[requester],
            subject=subject,
            body=first,
            department_id=depts[dept].id,
            priority=priority,
        )
        for author, kind, body in rest:
            tickets.add_message(db, ticket, author=users[author], body=body, note=kind == "note")
        agent = next((users[a] for a, k, _ in rest if k != "customer"), None)
        if agent is not None:
            tickets.assign(db, ticket, agent, by=agent)
        tickets.change_status(db, ticket, status, by=agent or users[requester])
        # Spread the conversation over the past days so lists look lived in.
        created = start + dt.timedelta(days=i, hours=9)
        ticket.created_at = created
        for j, message in enumerate(ticket.messages):
            message.created_at = ticket.updated_at = created + dt.timedelta(hours=j)
        if ticket.closed_at is not None:
            ticket.closed_at = ticket.updated_at
    set_setting(db, DEMO_MARKER, "1")
    db.flush()
    return True
