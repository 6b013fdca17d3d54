"""Benchmark: the management ticket queue (and dashboard, ticket page) at scale.

    .venv/bin/python bench/queue.py [--database-url URL] [--tickets N] [--repeat R]

Fills an empty database (default: a temporary SQLite file; give a PostgreSQL URL of an
empty database to measure that) with N tickets (default 100000), two messages each, in
8 departments, by bulk insert. Then requests typical queue pages through the full stack
(routing, security, one transaction, the query, the template) as an agent who works in
two departments and as an administrator, and prints the median and slowest of R runs of
each. Nothing here is a test: timings depend on the machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where its name would
# shadow the standard library's ``queue`` (which WebOb imports): take it off first.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time

from sqlalchemy import Engine, insert, select, text, update

from frontdesk.db.tickets import Ticket, TicketCounter, TicketMessage
from frontdesk.db.users import Department, User, agent_departments
from frontdesk.identity.accounts import create_user
from frontdesk.identity.passwords import configure_hasher
from frontdesk.testing import db_session, make_engine, make_test_app, migrate_database

PLUGINS = ["portal", "management"]
DEPARTMENTS = ["Sales", "Billing", "Support", "Returns", "Shipping", "Accounts", "Legal", "IT"]
AGENTS_PER_DEPARTMENT = 5
CUSTOMERS = 5000
CHUNK = 10_000
WORDS = [
    "printer", "invoice", "password", "login", "error", "refund", "order", "delivery",
    "account", "screen", "update", "payment", "card", "broken", "missing", "late", "damaged",
    "crash", "slow", "email", "phone", "address", "contract", "cancel", "upgrade", "license",
    "install", "network", "server", "backup", "report", "export", "import", "mobile",
]  # fmt: skip
STATUSES = ["open"] * 25 + ["waiting"] * 15 + ["on_hold"] * 5 + ["closed"] * 55
PRIORITIES = ["low"] * 20 + ["normal"] * 60 + ["high"] * 15 + ["urgent"] * 5
RARE_WORD = "zanzibar"


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def fill(engine: Engine, tickets: int, seed: int = 7) -> dict[str, object]:
    """People, departments and ``tickets`` tickets with two messages each."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    with db_session(engine) as db:
        departments = [Department(name=name) for name in DEPARTMENTS]
        db.add_all(departments)
        db.flush()
        agents: dict[int, list[int]] = {d.id: [] for d in departments}
        for i in range(len(DEPARTMENTS) * AGENTS_PER_DEPARTMENT):
            first, second = departments[i % 8], departments[(i + 3) % 8]
            agent = create_user(
                db,
                username=f"agent{i}",
                role="agent",
                password="bench-password",
                departments=[first.name, second.name],
            )
            agents[first.id].append(agent.id)
            agents[second.id].append(agent.id)
        create_user(db, username="admin", role="administrator", password="bench-password")
        department_ids = [d.id for d in departments]
    with engine.begin() as conn:
        conn.execute(
            insert(User),
            [
                {
                    "username": f"customer{i}",
                    "login_key": f"customer{i}",
                    "display_name": f"Customer {i}",
                    "role": "customer",
                    "active": True,
                    "session_generation": 0,
                    "created_at": now,
                }
                for i in range(CUSTOMERS)
            ],
        )
        customers = list(conn.scalars(select(User.id).where(User.role == "customer")))
        first_id = (conn.scalar(select(Ticket.id).order_by(Ticket.id.desc()).limit(1)) or 0) + 1
        for start in range(0, tickets, CHUNK):
            rows, messages = [], []
            for i in range(start, min(start + CHUNK, tickets)):
                department = rng.choice(department_ids)
                created = now - dt.timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
                updated = created + dt.timedelta(minutes=rng.randint(0, 20_000))
                updated = min(updated, now)
                status = rng.choice(STATUSES)
                subject = sentence(rng, rng.randint(3, 8)).capitalize()
                if i % 5000 == 0:
                    subject += f" {RARE_WORD}"
                rows.append(
                    {
                        "id": first_id + i,
                        "number": str(1001 + i),
                        "subject": subject,
                        "department_id": department,
                        "requester_id": rng.choice(customers),
                        "assignee_id": (
                            rng.choice(agents[department]) if rng.random() < 0.6 else None
                        ),
                        "status": status,
                        "priority": rng.choice(PRIORITIES),
                        "created_at": created,
                        "updated_at": updated,
                        "closed_at": updated if status == "closed" else None,
                        "due_at": (
                            created + dt.timedelta(days=rng.randint(1, 10))
                            if rng.random() < 0.1
                            else None
                        ),
                        "version": 1,
                    }
                )
                for kind, when in (("customer", created), ("agent", updated)):
                    messages.append(
                        {
                            "ticket_id": first_id + i,
                            "kind": kind,
                            "body": sentence(rng, rng.randint(10, 60)),
                            "created_at": when,
                        }
                    )
            conn.execute(insert(Ticket), rows)
            conn.execute(insert(TicketMessage), messages)
        conn.execute(update(TicketCounter).values(last=1000 + tickets))
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets))"))
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    with engine.connect() as conn:
        member = list(
            conn.scalars(
                select(agent_departments.c.department_id)
                .join(User, User.id == agent_departments.c.user_id)
                .where(User.username == "agent0")
                .order_by(agent_departments.c.department_id)
            )
        )
        sample = conn.scalar(  # a ticket agent0 may open, from the middle of the table
            select(Ticket.number)
            .where(Ticket.department_id == member[0], Ticket.id >= first_id + tickets // 2)
            .order_by(Ticket.id)
            .limit(1)
        )
    return {"departments": member, "sample": sample}


def login(app, username: str) -> None:
    app.reset()
    form = app.get("/management/login").forms["login-form"]
    form["username"], form["password"] = username, "bench-password"
    form.submit(status=303)


def timed(app, path: str, repeat: int) -> tuple[float, float]:
    app.get(path)  # warm up templates and caches
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        app.get(path)
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs), max(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    configure_hasher(time_cost=1, memory_cost=1024, parallelism=1)  # logins are not measured
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        engine = make_engine(url)
        print(f"database: {engine.url.render_as_string(hide_password=True)}")
        migrate_database(engine, PLUGINS)
        start = time.perf_counter()
        world = fill(engine, args.tickets)
        print(
            f"filled {args.tickets:,} tickets and {2 * args.tickets:,} messages "
            f"in {time.perf_counter() - start:.1f} s"
        )
        app = make_test_app(plugins=PLUGINS, engine=engine, migrate_first=False)
        department = world["departments"][0]
        cases = [
            ("dashboard", "/management/"),
            ("queue: default (not closed, updated)", "/management/tickets/"),
            ("queue: page 2", "/management/tickets/?page=2"),
            ("queue: page 200", "/management/tickets/?page=200"),
            ("queue: last page, any status", "/management/tickets/?status=any&page=999999"),
            ("queue: one department", f"/management/tickets/?department={department}"),
            ("queue: closed", "/management/tickets/?status=closed"),
            ("queue: assigned to me", "/management/tickets/?assignee=me"),
            ("queue: unassigned", "/management/tickets/?assignee=unassigned"),
            ("queue: urgent", "/management/tickets/?priority=urgent"),
            ("queue: overdue", "/management/tickets/?due=overdue"),
            ("queue: sort by priority", "/management/tickets/?sort=priority"),
            ("queue: sort by number", "/management/tickets/?sort=number&status=any"),
            ("queue: sort by created, asc", "/management/tickets/?sort=created&order=asc"),
            ("queue: search common word", "/management/tickets/?q=printer"),
            ("queue: search two words", "/management/tickets/?q=printer+refund"),
            (f"queue: search rare word ({RARE_WORD})", f"/management/tickets/?q={RARE_WORD}"),
            ("queue: search, any status", "/management/tickets/?q=invoice&status=any"),
            ("ticket page", f"/management/tickets/{world['sample']}"),
        ]
        for who in ("agent0", "admin"):
            login(app, who)
            scope = "2 of 8 departments" if who == "agent0" else "every department"
            print(f"\n{who} ({scope}); median / slowest of {args.repeat} runs, ms")
            for label, path in cases:
                if who == "admin" and path.endswith(world["sample"]):
                    continue
                median, worst = timed(app, path, args.repeat)
                print(f"  {label:<44} {median:8.1f} {worst:8.1f}")
        engine.dispose()


if __name__ == "__main__":
    main()
