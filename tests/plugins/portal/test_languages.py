"""The portal in German and French: chosen by the browser (Accept-Language) or by the
signed-in user's preference, for every page, message and form error of the portal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from frontdesk.identity.accounts import find_user
from frontdesk.tickets import find_ticket, merge
from tests.plugins.portal.conftest import login, make_ticket

NBSP = "\u00a0"  # French puts a no-break space before : ? ! ;
APOSTROPHE = "\u2019"  # and writes the typographic apostrophe
OPEN = {"frontdesk.portal.registration": "true", "frontdesk.portal.anonymous_tickets": "true"}


@contextmanager
def browser_language(app: Any, header: str) -> Iterator[Any]:
    """Every request of ``app`` sends ``Accept-Language: header`` (the app is shared)."""
    app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = header
    try:
        yield app
    finally:
        del app.extra_environ["HTTP_ACCEPT_LANGUAGE"]


@pytest.fixture
def open_app(make_webapp, desk):
    """The portal with registration and tickets without an account switched on."""
    return make_webapp(["portal"], **OPEN)


def prefer(commit: Any, username: str, locale: str | None) -> None:
    with commit() as db:
        find_user(db, username).locale = locale


def squeeze(element: Any) -> str:
    """The element's text, runs of spaces and line breaks as one space (a no-break space
    stays what it is)."""
    return re.sub(r"[ \t\r\n]+", " ", element.get_text(" ", strip=True))


def text(page: Any, selector: str) -> str:
    return squeeze(page.html.select_one(selector))


def texts(page: Any, selector: str) -> list[str]:
    return [squeeze(element) for element in page.html.select(selector)]


def test_the_home_page_in_german(open_app):
    with browser_language(open_app, "de-DE,de;q=0.9,en;q=0.5"):
        page = open_app.get("/")
    assert page.html.select_one("html")["lang"] == "de"
    assert text(page, ".hero h1") == "Wie können wir Ihnen heute helfen?"
    assert text(page, ".hero__account") == (
        "Melden Sie sich an oder erstellen Sie ein Konto , um Tickets zu senden und Ihre "
        "Anfragen zu verfolgen. Sie können auch ohne Konto ein Ticket erstellen: Wir "
        "antworten Ihnen per E-Mail."
    )
    links = {a.text: a["href"] for a in page.html.select(".hero__account a")}
    assert links == {"Melden Sie sich an": "/login", "erstellen Sie ein Konto": "/register"}
    assert page.html.select_one("nav.tiles")["aria-label"] == "Hier starten"
    assert texts(page, "nav.tiles a") == ["Ticket erstellen"]
    assert texts(page, "nav.main-nav a") == ["Startseite"]


def test_the_home_page_in_french(open_app):
    with browser_language(open_app, "fr-CH, fr;q=0.9"):
        page = open_app.get("/")
    assert page.html.select_one("html")["lang"] == "fr"
    assert (
        text(page, ".hero h1") == f"Comment pouvons-nous vous aider aujourd{APOSTROPHE}hui{NBSP}?"
    )
    assert "Connectez-vous ou créez un compte" in text(page, ".hero__account")
    assert texts(page, "nav.tiles a") == ["Envoyer un ticket"]


def test_an_administrators_welcome_text_is_shown_as_written(open_app, commit):
    from frontdesk.db.state import set_setting

    with commit() as db:
        set_setting(db, "portal.welcome", "Welcome to Acme support")
    with browser_language(open_app, "de"):
        assert text(open_app.get("/"), ".hero h1") == "Welcome to Acme support"


@pytest.mark.parametrize("header", ["xx-YY", "de;q=abc,,;", "*", ";;;", "\u00e9"])
def test_an_unknown_or_malformed_language_falls_back_to_english(open_app, header):
    with browser_language(open_app, header):
        page = open_app.get("/")
    assert text(page, ".hero h1") == "How can we help you today?"


def test_registration_in_german(open_app):
    with browser_language(open_app, "de"):
        assert text(open_app.get("/login"), ".login-extras") == "Noch kein Konto? Konto erstellen"
        page = open_app.get("/register")
        assert page.html.select_one("title").text.startswith("Konto erstellen · ")
        assert texts(page, "#register-form label") == [
            "Benutzername",
            "Ihr Name",
            "E-Mail-Adresse",
            "Passwort",
            "Passwort wiederholen",
        ]
        assert text(page, "#password-hint") == "Mindestens 10 Zeichen."
        form = page.forms["register-form"]
        form["username"] = "robin"
        form["password"] = form["repeat_password"] = "a-good-long-password"
        refused = form.submit(status=400)
    assert text(refused, "#display_name-error") == "Geben Sie Ihren Namen ein."
    assert text(refused, "#email-error") == "Geben Sie Ihre E-Mail-Adresse ein."
    form = refused.forms["register-form"]
    form["display_name"], form["email"] = "Robin", "robin@example.com"
    form["password"] = "a-good-long-password"
    form["repeat_password"] = "another-long-password"
    with browser_language(open_app, "de"):
        again = form.submit(status=400)
    assert text(again, "#repeat_password-error") == "Die beiden Passwörter stimmen nicht überein."
    assert again.html.select_one("#display_name")["value"] == "Robin"


def test_a_ticket_without_an_account_in_french(open_app):
    with browser_language(open_app, "fr"):
        page = open_app.get("/tickets/new")
        assert text(page, "h1") == "Envoyer un ticket"
        assert text(page, "#email-hint") == "Nous envoyons notre réponse à cette adresse."
        form = page.forms["ticket-form"]
        form["email"] = "not-an-address"
        form["subject"], form["body"] = "Imprimante", "Elle fume."
        refused = form.submit(status=400)
        assert text(refused, "#name-error") == "Saisissez votre nom."
        assert (
            text(refused, "#email-error") == "Saisissez une adresse e-mail comme nom@example.com."
        )
        assert text(refused, "#department-error") == "Choisissez un service."
        assert text(refused, ".flash--error") == "Veuillez corriger les champs signalés."
        form = refused.forms["ticket-form"]
        form["name"], form["email"] = "Camille", "camille@example.com"
        form["department"].select(text="Support")
        done = form.submit(status=303).follow()
    assert text(done, "h1") == f"Merci{NBSP}: le ticket n°1001 a été créé."
    assert text(done, ".confirmation p") == (
        "Votre numéro de ticket est #1001 . Merci de le mentionner si vous nous contactez au "
        "sujet de cette demande."
    )
    assert f"Nous vous répondrons par e-mail à l{APOSTROPHE}adresse camille@example.com ." in text(
        done, ".confirmation"
    )


def test_a_users_preference_wins_over_the_browser(app, commit):
    number = make_ticket(commit, "casey", subject="Imprimante en feu")
    prefer(commit, "casey", "fr")
    with browser_language(app, "de-DE,de;q=0.9"):
        login(app, "casey")
        page = app.get("/tickets/")
        assert page.html.select_one("html")["lang"] == "fr"
        assert text(page, "h1") == "Mes tickets"
        assert texts(page, ".ticket-table th")[:5] == [
            "Numéro",
            "Objet",
            "Statut",
            "Service",
            "Dernière activité",
        ]
        row = page.html.select_one(".ticket-table tbody tr")
        assert [td["data-label"] for td in row.select("td")][:2] == ["Numéro", "Objet"]
        assert texts(page, ".filters a")[0] == "Tous"
        assert texts(page, ".user-menu__items a")[:2] == ["Mes tickets", "Profil"]
        empty = app.get("/tickets/", {"status": "on_hold"})
        assert f"Aucun ticket n{APOSTROPHE}est en suspens." in text(empty, ".empty-state")

        ticket = app.get(f"/tickets/{number}")
        assert texts(ticket, ".details dt") == [
            "Statut",
            "Service",
            "Ouvert le",
            "Dernière activité",
        ]
        assert texts(ticket, ".message__author") == ["Vous"]
        assert text(ticket, "#status-form button") == "Fermer le ticket"
        closed = ticket.forms["status-form"].submit(status=303).follow()
        assert text(closed, ".flash--success") == f"Le ticket n°{number} a été fermé."
        assert text(closed, "#status-form button") == "Rouvrir le ticket"
        assert (
            text(closed, "#body-hint")
            == "Vous pouvez utiliser Markdown. Répondre rouvre le ticket."
        )
        reply = closed.forms["reply-form"]
        reply["body"] = ""
        refused = reply.submit(status=400)
        assert refused.html.select_one("#reply-title").text == "Répondre"
        reply = refused.forms["reply-form"]
        reply["body"] = "Elle fume encore."
        sent = reply.submit(status=303).follow()
    assert text(sent, ".flash--success") == "Votre réponse a été envoyée."


def test_a_customer_submits_and_closes_a_ticket_in_german(app, commit):
    with browser_language(app, "de"):
        login(app, "casey")
        page = app.get("/tickets/new")
        assert texts(page, "#ticket-form label")[:3] == ["Abteilung", "Betreff", "Nachricht"]
        form = page.forms["ticket-form"]
        form["department"].select(text="Support")
        form["subject"], form["body"] = "Drucker brennt", "Hilfe!"
        ticket = form.submit(status=303).follow()
        assert text(ticket, ".flash--success") == "Ticket #1001 wurde erstellt."
        assert text(ticket, ".breadcrumb") == "Meine Tickets"
        closed = ticket.forms["status-form"].submit(status=303).follow()
        assert text(closed, ".flash--success") == "Ticket #1001 wurde geschlossen."
        again = app.post(
            "/tickets/1001/status",
            {"status": "closed", "csrf_token": closed.forms["status-form"]["csrf_token"].value},
            status=303,
        ).follow()
        assert text(again, ".flash--success") == "Ticket #1001 ist bereits geschlossen."
        odd = app.post(
            "/tickets/1001/status",
            {"status": "waiting", "csrf_token": closed.forms["status-form"]["csrf_token"].value},
            status=303,
        ).follow()
    assert text(odd, ".flash--error") == (
        "Ein Ticket kann hier nur geschlossen oder wieder geöffnet werden."
    )


def test_a_merged_ticket_says_so_in_german(app, commit):
    old, new = make_ticket(commit, "casey"), make_ticket(commit, "casey")
    with commit() as db:
        merge(db, find_ticket(db, old), find_ticket(db, new), by=find_user(db, "alex"))
    with browser_language(app, "de"):
        login(app, "casey")
        page = app.get(f"/tickets/{old}")
    assert text(page, ".flash--info") == (
        f"Dieses Ticket wurde mit Ticket #{new} zusammengeführt; der Austausch geht dort weiter."
    )
    assert page.html.select_one(".flash--info a")["href"] == f"/tickets/{new}"


def test_an_empty_list_and_pages_in_german(app, commit):
    with browser_language(app, "de"):
        login(app, "casey")
        page = app.get("/tickets/")
    assert "Sie haben noch keine Tickets." in text(page, ".empty-state")
    assert page.html.select_one(".empty-state a").text == "Erstellen Sie ein Ticket"
    assert page.html.select_one("nav.filters")["aria-label"] == "Tickets nach Status anzeigen"
