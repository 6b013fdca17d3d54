"""The agents' workspace in German and French, and in the agent's own time zone: pages,
messages, plurals; due times typed in the agent's zone (both sides of a DST change, the
DST gap refused); the profile's language and time zone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.users import User
from frontdesk.plugins.management.workspace.models import CannedReply
from frontdesk.tickets import add_message, find_ticket, set_due
from tests.plugins.management.workspace_support import PLUGINS, build_desk, login, texts

BERLIN = "Europe/Berlin"
GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


@pytest.fixture
def desk(commit):
    return build_desk(commit)


@pytest.fixture
def app(make_webapp, desk):
    return make_webapp(PLUGINS)


def prefer(commit, username: str, *, locale: str | None = None, zone: str | None = None):
    """Save a user's language and time zone, as their profile would."""
    with commit() as db:
        user = db.scalar(select(User).where(User.username == username))
        user.locale, user.time_zone = locale, zone


def stored(engine, username: str) -> tuple[str | None, str | None]:
    with Session(engine) as db:
        user = db.scalar(select(User).where(User.username == username))
        return user.locale, user.time_zone


def due_of(engine, number: str = "1001") -> dt.datetime | None:
    with Session(engine) as db:
        due = find_ticket(db, number).due_at
    return due if due is None or due.tzinfo else due.replace(tzinfo=dt.UTC)


def text(page, selector: str) -> str:
    return " ".join(page.html.select_one(selector).get_text(" ").split())


def flashes(page) -> list[str]:
    return texts(page, ".flash")


# --- German and French pages ----------------------------------------------------------


def test_the_workspace_speaks_german_when_the_browser_asks_for_it(app):
    login(app, "alex")
    page = app.get("/management/", headers=GERMAN)
    assert page.html.select_one("html")["lang"] == "de"
    assert text(page, "main h1") == "Übersicht"
    assert texts(page, ".stat-tile__label") == [
        "Meine offenen Tickets",
        "Nicht zugewiesen in meinen Abteilungen",
        "Wartet auf Kunden",
        "Überfällig",
    ]
    assert page.html.select_one(".stat-tiles")["aria-label"] == "Ticketzahlen"
    assert {"Übersicht", "Tickets"} <= set(texts(page, "nav a")), "the plugin's menu labels"

    queue = app.get("/management/tickets/", headers=GERMAN)
    assert texts(queue, "label[for=assignee], label[for=due]") == ["Zuständig", "Fällig"]
    assert texts(queue, "#assignee option") == ["Alle", "Ich", "Nicht zugewiesen"]
    assert queue.html.select_one("#q")["placeholder"] == "Betreff, Nachrichtentext oder #Nummer"
    assert texts(queue, ".queue-summary") == ["2 Tickets"], "the plural of the catalog"
    assert {cell["data-label"] for cell in queue.html.select(".queue-row td")} >= {
        "Nummer",
        "Betreff",
        "Anfragender",
        "Zuständig",
    }
    assert text(queue, ".queue-row td[data-label=Zuständig]") == "Nicht zugewiesen"

    one = app.get("/management/tickets/?q=%231001", headers=GERMAN)
    assert texts(one, ".queue-summary") == ["1 Ticket"]
    none = app.get("/management/tickets/?q=nothing-like-this", headers=GERMAN)
    assert "Keine Tickets entsprechen diesen Filtern." in text(none, ".empty-state")


def test_the_ticket_page_in_german(app, commit, desk):
    login(app, "alex")
    page = app.get("/management/tickets/1001", headers=GERMAN)
    assert text(page, "#reply-title") == "Antwort an den Kunden"
    assert text(page, "label[for=due]") == "Fällig (UTC)"
    assert text(page, "#reply-form button[type=submit]:not([name])") == "Antwort senden"
    assert texts(page, "#assignee option")[:1] == ["Niemand (nicht zugewiesen)"]
    assert "Alex Agent (ich)" in texts(page, "#assignee option")
    assert text(page, ".message__label") == "Kunde"
    assert page.html.select_one(".ticket-side")["aria-label"] == "Ticket-Aktionen"
    assert "Keine Fälligkeit" in text(page, ".ticket-meta")

    form = page.forms["reply-form"]
    form["body"] = "Wir kümmern uns darum."
    answer = form.submit(headers=GERMAN, status=303).follow(headers=GERMAN)
    assert flashes(answer) == ["Antwort gesendet."]
    assert texts(answer, ".message__label") == ["Kunde", "Antwort"]


def test_the_workspace_speaks_french_by_the_users_choice(app, commit):
    """The saved language wins over the browser's."""
    prefer(commit, "alex", locale="fr")
    login(app, "alex")
    page = app.get("/management/tickets/1001", headers=GERMAN)
    assert page.html.select_one("html")["lang"] == "fr"
    assert text(page, "#reply-title") == "Répondre au client"
    assert text(page, "#note-title") == "Note interne"
    assert text(page, "label[for=due]") == "Échéance (UTC)"

    form = page.forms["assign-form"]
    form["assignee"] = ""
    form.submit(status=303)
    form = app.get("/management/tickets/1001").forms["merge-form"]
    form["target"] = "9999"
    refused = form.submit(status=400)
    assert text(refused, "#merge-error") == "Il n'existe pas de ticket #9999."

    form = refused.forms["note-form"]
    form["body"] = "Vu."
    done = form.submit(status=303).follow()
    assert flashes(done) == ["Note interne ajoutée."]

    queue = app.get("/management/tickets/")
    assert texts(queue, ".queue-summary") == ["2 tickets"]
    assert "Tableau de bord" in texts(queue, "nav a")


def test_conflict_notice_in_german_names_what_changed(app, commit, desk):
    prefer(commit, "alex", locale="de", zone=BERLIN)
    login(app, "alex")
    form = app.get("/management/tickets/1001").forms["properties-form"]
    with commit() as db:  # meanwhile Sam sets a due time and answers
        ticket = find_ticket(db, "1001")
        set_due(db, ticket, dt.datetime(2030, 5, 1, 9, 30, tzinfo=dt.UTC), by=None)
        add_message(db, ticket, author=db.get(User, desk["sam"]), body="Schon erledigt.")
    form["priority"] = "high"
    page = form.submit(status=409)
    assert text(page, "#conflict-title") == (
        "Dieses Ticket wurde geändert, seit Sie es geöffnet haben"
    )
    changes = texts(page, ".conflict-changes li")
    assert any(change.startswith("Status: ") for change in changes), changes
    assert f"Fällig: 01.05.2030, 11:30 ({BERLIN})" in changes, "in the agent's zone"
    assert text(page, ".conflict-notice strong") == "1 neue Nachricht:"
    assert text(page, "#properties-form button[type=submit]") == "Trotzdem senden"


def test_canned_replies_in_german_with_localised_numbers(app, commit, desk):
    prefer(commit, "alex", locale="de")
    with commit() as db:
        db.add(CannedReply(owner_id=desk["alex"], title="Gruß", body="Hallo!"))
    login(app, "alex")
    page = app.get("/management/canned/")
    assert text(page, "main h1") == "Textbausteine"
    assert texts(page, ".canned-group h2") == ["Meine", "Gemeinsam"]
    assert page.html.select_one(".canned-item form")["data-confirm"] == (
        "Textbaustein „Gruß“ löschen?"
    )
    assert text(page, "#canned-form-title") == "Neuer Textbaustein"

    form = page.forms["canned-form"]
    form["title"], form["body"] = "x" * 101, "y" * 10_001
    refused = form.submit(status=400)
    assert text(refused, "#canned-title-error") == "Der Titel darf höchstens 100 Zeichen lang sein."
    assert text(refused, "#canned-body-error") == (
        "Der Text darf höchstens 10.000 Zeichen lang sein."
    )

    form = refused.forms["canned-form"]
    form["title"], form["body"] = "Abschied", "Tschüss!"
    done = form.submit(status=303).follow()
    assert flashes(done) == ["„Abschied“ hinzugefügt."]
    edit = app.get(done.html.select_one("#canned-item-2 a, .canned-item a")["href"])
    assert text(edit, "#canned-form-title").endswith("bearbeiten")


def test_profile_in_german_keeps_the_permission_headings_apart_from_message_labels(app, commit):
    prefer(commit, "sam", locale="de")
    login(app, "sam")
    page = app.get("/management/profile")
    headings = texts(page, ".profile-permissions thead th")
    assert headings == ["Abteilung", "Sehen", "Antworten", "Notizen", "Status", "Zuweisen"]
    assert {td["data-label"] for td in page.html.select(".profile-permissions td")} == set(
        headings[1:]
    )
    assert texts(page, ".profile-permissions tbody tr:first-child td")[:2] == ["Ja", "Nein"]
    assert text(page, ".ticket-meta div:nth-child(4) dd") == "Agent"


# --- Due times in the agent's zone ----------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "utc", "shown"),
    [
        # The day before clocks go forward (MEZ, UTC+1) and the day after (MESZ, UTC+2).
        ("2026-03-28T12:00", dt.datetime(2026, 3, 28, 11, 0, tzinfo=dt.UTC), "12:00 MEZ"),
        ("2026-03-30T12:00", dt.datetime(2026, 3, 30, 10, 0, tzinfo=dt.UTC), "12:00 MESZ"),
        # Around clocks going back (25 October 2026).
        ("2026-10-24T09:15", dt.datetime(2026, 10, 24, 7, 15, tzinfo=dt.UTC), "09:15 MESZ"),
        ("2026-10-26T09:15", dt.datetime(2026, 10, 26, 8, 15, tzinfo=dt.UTC), "09:15 MEZ"),
    ],
)
def test_a_due_time_is_typed_and_shown_in_the_agents_zone_and_stored_in_utc(
    app, commit, engine, typed, utc, shown
):
    prefer(commit, "alex", locale="de", zone=BERLIN)
    login(app, "alex")
    page = app.get("/management/tickets/1001")
    assert text(page, "label[for=due]") == f"Fällig ({BERLIN})"
    form = page.forms["properties-form"]
    form["due"] = typed
    page = form.submit(status=303).follow()
    assert flashes(page) == ["Ticket aktualisiert."]
    assert due_of(engine) == utc
    assert page.forms["properties-form"]["due"].value == typed, "shown back as typed"
    due = page.html.select_one(".ticket-meta time")
    assert due["datetime"] == utc.isoformat().replace("+00:00", "Z")
    assert " ".join(due.text.split()).endswith(shown)

    # Sent again unchanged, the same wall-clock time changes nothing.
    again = page.forms["properties-form"].submit(status=303).follow()
    assert flashes(again) == ["Nichts geändert."]
    assert due_of(engine) == utc


def test_the_same_moment_is_shown_in_each_viewers_zone(app, commit, engine):
    with commit() as db:
        set_due(db, find_ticket(db, "1001"), dt.datetime(2030, 5, 1, 9, 30, tzinfo=dt.UTC), by=None)
    prefer(commit, "alex", zone="America/New_York")
    prefer(commit, "sam", zone=BERLIN)
    login(app, "alex")
    page = app.get("/management/tickets/1001")
    assert page.forms["properties-form"]["due"].value == "2030-05-01T05:30"
    assert text(page, ".ticket-meta time").endswith("5:30 AM EDT")
    login(app, "sam")
    page = app.get("/management/tickets/1001")
    assert page.forms["properties-form"]["due"].value == "2030-05-01T11:30"
    assert text(page, ".ticket-meta time").endswith("11:30 AM CEST")
    message_time = page.html.select_one(".message__time time")
    assert message_time["datetime"].endswith("Z"), "the machine-readable moment is UTC"
    assert "Central European" in message_time["title"]


def test_a_time_the_clocks_skip_is_refused_beside_the_field(app, commit, engine):
    prefer(commit, "alex", zone=BERLIN)
    login(app, "alex")
    form = app.get("/management/tickets/1001").forms["properties-form"]
    form["status"] = "on_hold"
    form["due"] = "2026-03-29T02:30"  # 02:00-03:00 does not exist that night in Berlin
    page = form.submit(status=400)
    error = text(page, "#due-error")
    assert "2026-03-29 02:30" in error and "does not exist" in error and BERLIN in error
    assert page.html.select_one("#due")["aria-describedby"] == "due-hint due-error"
    assert page.forms["properties-form"]["due"].value == "2026-03-29T02:30", "input kept"
    assert page.forms["properties-form"]["status"].value == "on_hold", "input kept"
    assert due_of(engine) is None, "nothing saved"
    with Session(engine) as db:
        assert find_ticket(db, "1001").status == "open"


def test_the_hour_clocks_pass_twice_means_its_first_occurrence(app, commit, engine):
    prefer(commit, "alex", zone=BERLIN)
    login(app, "alex")
    form = app.get("/management/tickets/1001").forms["properties-form"]
    form["due"] = "2026-10-25T02:30"
    form.submit(status=303)
    assert due_of(engine) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)


def test_a_garbled_due_time_names_the_agents_zone(app, commit):
    prefer(commit, "alex", locale="fr", zone=BERLIN)
    login(app, "alex")
    form = app.get("/management/tickets/1001").forms["properties-form"]
    form["due"] = "mardi prochain"
    page = form.submit(status=400)
    assert text(page, "#due-error") == (
        "Saisissez une date et une heure, par exemple 2026-12-01 17:00 (Europe/Berlin), "
        "ou laissez le champ vide."
    )


# --- The profile: language and time zone -----------------------------------------------


def test_the_profile_saves_language_and_time_zone(app, engine):
    login(app, "alex")
    page = app.get("/management/profile")
    form = page.forms["preferences-form"]
    assert form["locale"].value == "" and form["time_zone"].value == ""
    form["locale"], form["time_zone"] = "de", BERLIN
    done = form.submit(status=303).follow()
    assert stored(engine, "alex") == ("de", BERLIN)
    # "Your profile is saved." (German once the selfservice fragment is in the catalog).
    assert len(flashes(done)) == 1
    assert text(done, "main h1") == "Mein Profil"
    form = done.forms["preferences-form"]
    assert (form["locale"].value, form["time_zone"].value) == ("de", BERLIN)

    form["locale"], form["time_zone"] = "", ""
    form.submit(status=303)
    assert stored(engine, "alex") == (None, None), "back to the defaults"


def test_a_bad_time_zone_is_refused_beside_the_field_with_the_input_kept(app, engine):
    login(app, "alex")
    form = app.get("/management/profile").forms["preferences-form"]
    form["locale"] = "fr"
    form["time_zone"].force_value("Mars/Olympus_Mons")
    page = form.submit(status=400)
    assert "Mars/Olympus_Mons" in text(page, "#preferences-time-zone-error")
    assert page.html.select_one("#error-summary a")["href"] == "#preferences-time-zone"
    kept = page.forms["preferences-form"]
    assert (kept["locale"].value, kept["time_zone"].value) == ("fr", "Mars/Olympus_Mons")
    assert stored(engine, "alex") == (None, None), "nothing saved"


def test_an_unknown_language_is_refused(app, engine):
    login(app, "alex")
    form = app.get("/management/profile").forms["preferences-form"]
    form["locale"].force_value("xx")
    page = form.submit(status=400)
    assert page.html.select_one("#preferences-locale-error")
    assert stored(engine, "alex") == (None, None)


def test_the_preferences_need_the_csrf_token(app, engine):
    login(app, "alex")
    app.get("/management/profile")
    app.post("/management/profile", {"locale": "de", "time_zone": BERLIN}, status=400)
    assert stored(engine, "alex") == (None, None)
