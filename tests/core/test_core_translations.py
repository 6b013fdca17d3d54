# ruff: noqa: RUF001 (French text has typographic apostrophes)
"""Core's own pages and messages in German and French (chosen by Accept-Language), and
the catalogs behind them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pyramid.i18n import make_localizer
from webtest import TestApp

from frontdesk.app import make_app
from frontdesk.i18n import LOCALE_COOKIE, _
from frontdesk.i18n.messages import human_size, inner, plain, wait_text
from frontdesk.identity.accounts import create_user
from frontdesk.testing import TEST_SETTINGS
from frontdesk.tickets.attachments import UploadPolicy, describe_policy

CORE_LOCALE = Path(__file__).resolve().parents[2] / "core" / "locale"
PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


@pytest.fixture
def app(make_webapp, commit):
    with commit() as db:
        create_user(db, username="casey", role="customer", password="casey-password")
        create_user(db, username="alex", role="agent", password="alex-password")
    return make_webapp(["portal", "management"])


def speaking(app, language):
    """``app`` as a browser whose preferred language is ``language``."""
    app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = f"{language},en;q=0.5"
    return app


def texts(page, selector):
    return [node.get_text(" ", strip=True) for node in page.html.select(selector)]


def log_in(app, prefix, username, password, status=303):
    form = app.get(f"{prefix}/login").forms["login-form"]
    form["username"], form["password"] = username, password
    return form.submit(status=status)


@pytest.mark.parametrize(
    ("language", "labels", "heading", "title"),
    [
        ("de", ["Benutzername", "Passwort"], "Anmelden", "Anmelden · frontdesk"),
        ("fr", ["Nom d’utilisateur", "Mot de passe"], "Connexion", "Connexion · frontdesk"),
    ],
)
def test_the_login_page_speaks_the_browsers_language(app, language, labels, heading, title):
    page = speaking(app, language).get("/login")
    assert texts(page, "#login-form label") == labels
    assert texts(page, "#login-form button") == [heading]
    assert texts(page, "h1") == [heading]
    assert page.html.title.get_text(strip=True) == title


def test_the_login_page_stays_english_without_a_known_language(app):
    page = speaking(app, "xx-YY").get("/login")
    assert texts(page, "#login-form label") == ["Username", "Password"]
    assert texts(page, "#login-form button") == ["Login"]


def test_login_errors_in_german(app):
    speaking(app, "de")
    page = log_in(app, "", "", "", status=400)
    assert texts(page, ".field__error") == [
        "Geben Sie Ihren Benutzernamen ein.",
        "Geben Sie Ihr Passwort ein.",
    ]
    page = log_in(app, "", "casey", "wrong password", status=400)
    assert texts(page, "[role=alert]") == ["Benutzername oder Passwort ist falsch."]


def test_a_customer_refused_by_the_management_interface_reads_why_in_french(app):
    page = speaking(app, "fr").get("/management/login")
    assert texts(page, "h1") == ["Connexion à l’interface de gestion"]
    refused = log_in(app, "/management", "casey", "casey-password", status=403)
    assert texts(refused, "[role=alert]") == [
        "Les comptes clients ne peuvent pas utiliser l’interface de gestion. "
        "Veuillez utiliser le portail client."
    ]


def test_logging_out_of_two_interfaces_names_both_in_german(app):
    speaking(app, "de")
    log_in(app, "/management", "alex", "alex-password")
    log_in(app, "", "alex", "alex-password")
    csrf = app.get("/").html.select_one("input[name=csrf_token]")["value"]
    page = app.post("/logout", {"csrf_token": csrf}).follow()
    assert "Sie sind vom Portal und von der Verwaltungsoberfläche abgemeldet." in texts(
        page, ".flash"
    )


def test_the_password_page_and_its_errors_in_german(app):
    speaking(app, "de")
    log_in(app, "/management", "alex", "alex-password")
    page = app.get("/management/account/password")
    assert texts(page, "#password-form label") == [
        "Aktuelles Passwort",
        "Neues Passwort",
        "Neues Passwort wiederholen",
    ]
    form = page.forms["password-form"]
    form["current_password"], form["new_password"] = "wrong", "short"
    refused = form.submit(status=400)
    assert texts(refused, ".field__error") == [
        "Das ist nicht Ihr aktuelles Passwort.",
        "Verwenden Sie mindestens 10 Zeichen.",
    ]
    assert texts(refused, "#logout-everywhere button") == ["Überall abmelden"]


@pytest.mark.parametrize(
    ("language", "title", "message", "back"),
    [
        (
            "de",
            "Seite nicht gefunden",
            "Unter dieser Adresse gibt es nichts.",
            "Zurück zur Startseite",
        ),
        ("fr", "Page introuvable", "Il n’y a rien à cette adresse.", "Retour à la page d’accueil"),
    ],
)
def test_the_not_found_page_in_german_and_french(app, language, title, message, back):
    page = speaking(app, language).get("/no/such/page", status=404)
    assert texts(page, "h1") == [title]
    assert texts(page, ".error-page__message") == [message]
    assert back in texts(page, ".error-page a")


def test_json_errors_are_translated_too(app):
    answer = speaking(app, "fr").get(
        "/no/such/page", headers={"Accept": "application/json"}, status=404
    )
    assert answer.json["error"] == {
        "status": 404,
        "title": "Page introuvable",
        "message": "Il n’y a rien à cette adresse.",
    }


def test_a_form_without_its_token_is_refused_in_german(app):
    page = speaking(app, "de").post("/login", {"username": "casey"}, status=400)
    assert texts(page, "h1") == ["Formular abgelaufen"]


def test_a_control_character_is_refused_in_french(app):
    page = speaking(app, "fr").get("/login?next=%00", status=400)
    assert texts(page, "h1") == ["Requête incorrecte"]
    assert "caractère de contrôle" in page.text


def test_the_database_down_page_follows_the_browser_and_the_cookie(tmp_path):
    """The page for a database that cannot be reached is chosen without asking it."""
    app = TestApp(make_app({**TEST_SETTINGS, "sqlalchemy.url": f"sqlite:///{tmp_path}"}))
    german = app.get("/", headers={"Accept-Language": "de"}, status=503)
    assert texts(german, "h1") == ["Vorübergehend nicht verfügbar"]
    assert german.html.html["lang"] == "de"
    app.set_cookie(LOCALE_COOKIE, "fr")
    french = app.get("/", headers={"Accept-Language": "de"}, status=503)
    assert texts(french, "h1") == ["Temporairement indisponible"]
    app.app.registry["dbengine"].dispose()


def test_amounts_follow_the_language():
    german = Viewer("de")
    assert human_size(10 * 1024 * 1024, german) == "10,0 MB"
    assert human_size(512, Viewer("fr")) == "512 octets"
    assert wait_text(90, german) == "2 Minuten"
    assert wait_text(30, Viewer("fr")) == "30\xa0secondes"
    assert human_size(1536) == "1.5 KB" and wait_text(1) == "1 second"  # no request: English


def test_a_message_inside_another_is_translated_with_it():
    message = _("the installed key is refused: ${reason}", mapping={"reason": inner(_("Open"))})
    assert plain(message) == "the installed key is refused: Open"


def test_the_attachment_limits_sentence_in_german():
    german = Viewer("de")
    sentence = describe_policy(UploadPolicy(max_files=3, max_size=2 * 1024 * 1024), german)
    assert german.localizer.translate(sentence).startswith(
        "Optional: bis zu 3 Dateien, je höchstens 2,0 MB. Erlaubte Dateitypen: .csv, "
    )


@pytest.mark.parametrize("language", ["de", "fr"])
def test_every_core_translation_keeps_the_placeholders(language):
    with (CORE_LOCALE / language / "LC_MESSAGES" / "frontdesk.po").open("rb") as po:
        catalog = read_po(po)
    for message in catalog:
        if message.id:
            assert message.string, message.id
            assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
                PLACEHOLDER.findall(message.id)
            ), message.id


class Viewer:
    """What the amount helpers use of a request: its language and localizer."""

    def __init__(self, language: str):
        self.locale_name = language
        self.localizer = make_localizer(language, [str(CORE_LOCALE)])
