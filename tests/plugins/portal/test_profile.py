"""The portal's profile page: a signed-in user's language and time zone; and every time
the portal shows is in the viewer's zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import update

from frontdesk.db.tickets import Ticket, TicketMessage
from frontdesk.identity.accounts import find_user
from frontdesk.tickets import find_ticket
from tests.plugins.portal.conftest import add_reply, login, make_ticket
from tests.plugins.portal.test_languages import browser_language, text, texts

#: CLDR puts a narrow no-break space between the time and AM/PM.
NNBSP = "\u202f"
WINTER = dt.datetime(2026, 1, 15, 15, 30, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 7, 15, 15, 30, tzinfo=dt.UTC)


def preferences(commit: Any, username: str) -> tuple[str | None, str | None]:
    with commit() as db:
        user = find_user(db, username)
        return user.locale, user.time_zone


def set_preferences(commit: Any, username: str, locale: str | None, zone: str | None) -> None:
    with commit() as db:
        user = find_user(db, username)
        user.locale, user.time_zone = locale, zone


def profile_form(app: Any, **values: str) -> Any:
    form = app.get("/profile").forms["profile-form"]
    for field, value in values.items():
        form[field].force_value(value)
    return form


def test_the_profile_needs_a_login(app):
    assert app.get("/profile", status=303).location.startswith("http://localhost/login")


def test_the_display_name_menu_links_the_profile(app):
    page = login(app, "casey").follow()
    items = [li.text.strip() for li in page.html.select(".user-menu__items li")]
    assert items == ["My tickets", "Profile", "Change password", "Log out"]
    assert page.html.select_one('.user-menu__items a[href="/profile"]').text == "Profile"


def test_the_profile_shows_the_account_and_the_saved_choices(app, commit):
    set_preferences(commit, "casey", "fr", "Europe/Paris")
    login(app, "casey")
    page = app.get("/profile")
    assert texts(page, ".profile dd") == ["Casey Customer", "casey", "casey@example.com"]
    assert page.html.select_one("#preferences-locale option[selected]")["value"] == "fr"
    assert page.html.select_one("#preferences-time-zone option[selected]")["value"] == (
        "Europe/Paris"
    )
    assert text(page, "h1") == "Profil"  # in the saved language


def test_saving_the_language_and_zone(app, commit):
    login(app, "casey")
    saved = profile_form(app, locale="de", time_zone="Europe/Berlin").submit(status=303)
    assert saved.location == "http://localhost/profile"
    assert preferences(commit, "casey") == ("de", "Europe/Berlin")
    page = saved.follow()
    assert page.html.select_one("html")["lang"] == "de"
    # The confirmation is already in the language just chosen.
    assert text(page, ".flash--success") == "Ihre Einstellungen wurden gespeichert."
    assert text(page, "h1") == "Profil"


def test_the_defaults_come_back_with_empty_choices(app, commit):
    set_preferences(commit, "casey", "de", "Europe/Berlin")
    login(app, "casey")
    profile_form(app, locale="", time_zone="").submit(status=303)
    assert preferences(commit, "casey") == (None, None)
    with browser_language(app, "fr"):
        assert text(app.get("/profile"), "h1") == "Profil"
        assert app.get("/profile").html.select_one("html")["lang"] == "fr"


def test_a_bad_time_zone_is_refused_beside_its_field(app, commit):
    set_preferences(commit, "casey", None, "Europe/Paris")
    login(app, "casey")
    page = profile_form(app, locale="de", time_zone="Mars/Olympus_Mons").submit(status=400)
    assert preferences(commit, "casey") == (None, "Europe/Paris")  # nothing saved
    assert "field--invalid" in page.html.select_one("#preferences-time-zone").parent["class"]
    assert page.html.select_one("#preferences-time-zone")["aria-describedby"] == (
        "preferences-time-zone-error"
    )
    assert "Mars/Olympus_Mons" in text(page, "#preferences-time-zone-error")
    assert page.html.select_one("#preferences-locale-error") is None
    # What was entered is kept, so it can be corrected.
    assert page.html.select_one("#preferences-time-zone option[selected]")["value"] == (
        "Mars/Olympus_Mons"
    )
    assert page.html.select_one("#preferences-locale option[selected]")["value"] == "de"
    assert page.html.select_one("#error-summary a")["href"] == "#preferences-time-zone"


@pytest.mark.parametrize("locale", ["xx", "de_XX", "en'><script>", "qps"])
def test_an_unknown_language_is_refused(app, commit, locale):
    login(app, "casey")
    page = profile_form(app, locale=locale, time_zone="Europe/Berlin").submit(status=400)
    assert preferences(commit, "casey") == (None, None)
    assert page.html.select_one("#preferences-locale-error") is not None
    assert page.html.select_one("html")["lang"] == "en"
    assert "<script>" not in page.text


def test_only_ones_own_preferences_change(app, commit):
    set_preferences(commit, "jordan", "fr", "America/New_York")
    login(app, "casey")
    form = profile_form(app, locale="de", time_zone="Asia/Tokyo")
    # Whatever else the form carries, it speaks for the signed-in user only.
    app.post(
        "/profile",
        {
            "csrf_token": form["csrf_token"].value,
            "locale": "de",
            "time_zone": "Asia/Tokyo",
            "username": "jordan",
            "user_id": "2",
            "id": "2",
        },
        status=303,
    )
    assert preferences(commit, "casey") == ("de", "Asia/Tokyo")
    assert preferences(commit, "jordan") == ("fr", "America/New_York")


def test_saving_needs_the_csrf_token(app, commit):
    login(app, "casey")
    page = app.post("/profile", {"locale": "de", "time_zone": "Asia/Tokyo"}, status=400)
    assert "Form expired" in page.text
    assert preferences(commit, "casey") == (None, None)


def test_staff_keep_their_preferences_on_the_portal_too(app, commit):
    login(app, "alex")
    profile_form(app, locale="fr", time_zone="Europe/Paris").submit(status=303)
    assert preferences(commit, "alex") == ("fr", "Europe/Paris")


# --- Times in the viewer's zone --------------------------------------------------------


def place_ticket(commit: Any, number: str, moment: dt.datetime) -> None:
    """The ticket and its messages were written at ``moment``."""
    with commit() as db:
        ticket = find_ticket(db, number)
        db.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(created_at=moment, updated_at=moment)
        )
        db.execute(
            update(TicketMessage)
            .where(TicketMessage.ticket_id == ticket.id)
            .values(created_at=moment)
        )


@pytest.mark.parametrize(
    ("moment", "shown", "clock"),
    [
        (WINTER, f"Jan 15, 2026, 10:30{NNBSP}AM EST", "10:30"),
        (SUMMER, f"Jul 15, 2026, 11:30{NNBSP}AM EDT", "11:30"),  # daylight saving time
    ],
)
def test_the_ticket_shows_times_in_the_viewers_zone(app, commit, moment, shown, clock):
    number = make_ticket(commit, "casey")
    add_reply(commit, number, "alex", "On it.")
    place_ticket(commit, number, moment)
    set_preferences(commit, "casey", None, "America/New_York")
    login(app, "casey")
    page = app.get(f"/tickets/{number}")
    opened = page.html.select(".details dd time")[0]
    assert opened.text == shown
    assert opened["datetime"] == moment.isoformat().replace("+00:00", "Z")
    assert clock in opened["title"] and "15:30" not in opened["title"]
    # Relative where that reads best, the full local date and time on hover.
    relative = page.html.select(".message__time time") + page.html.select(".details dd time")[1:]
    assert len(relative) == 3
    for element in relative:
        assert element.text.endswith("ago")
        assert "2026" in element["title"] and clock in element["title"]


def test_the_list_and_the_ticket_in_german_in_berlin(app, commit):
    number = make_ticket(commit, "casey")
    place_ticket(commit, number, WINTER)
    set_preferences(commit, "casey", "de", "Europe/Berlin")
    login(app, "casey")
    row = app.get("/tickets/").html.select_one(".ticket-table tbody tr")
    activity = row.select_one("td[data-label='Letzte Aktivität'] time")
    assert activity.text.startswith("vor ")
    assert "16:30" in activity["title"] and "Januar 2026" in activity["title"]
    page = app.get(f"/tickets/{number}")
    assert page.html.select(".details dd time")[0].text == "15.01.2026, 16:30 MEZ"


def test_the_same_ticket_for_two_viewers_in_two_zones(app, commit):
    number = make_ticket(commit, "casey")
    place_ticket(commit, number, SUMMER)
    set_preferences(commit, "casey", None, "Asia/Tokyo")
    login(app, "casey")
    assert (
        app.get(f"/tickets/{number}")
        .html.select(".details dd time")[0]
        .text.startswith(f"Jul 16, 2026, 12:30{NNBSP}AM")
    )
    app.reset()
    set_preferences(commit, "casey", None, None)  # the default zone: UTC
    login(app, "casey")
    assert app.get(f"/tickets/{number}").html.select(".details dd time")[0].text == (
        f"Jul 15, 2026, 3:30{NNBSP}PM UTC"
    )


def test_a_moment_ago_reads_just_now_even_from_a_clock_ahead(app, commit):
    number = make_ticket(commit, "casey")
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)  # another server's clock
    place_ticket(commit, number, ahead)
    login(app, "casey")
    row = app.get("/tickets/").html.select_one(".ticket-table tbody tr")
    assert row.select_one("time").text == "just now"
    assert row.select_one("time")["datetime"].startswith(ahead.date().isoformat())
