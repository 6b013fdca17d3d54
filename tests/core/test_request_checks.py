"""Bad bytes and out-of-range numbers are a 400 with a message (or a clamp), never a 500,
on every database: NUL in a login name, a search or the access explainer, audit
``before`` beyond any integer column."""

from __future__ import annotations

import pytest

from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    admin_fixture,
    app_fixture,
    desk_fixture,
    login,
)

CONTROL = "The address or a form field contains a control character"


def refused(page) -> str:
    assert page.status_int == 400
    return page.html.select_one("main").get_text(" ", strip=True)


@pytest.mark.parametrize("path", ["/login", "/management/login"])
def test_a_nul_byte_in_a_login_name_is_a_bad_request(app, path):
    form = app.get(path).forms["login-form"]
    form["username"] = "ada\x00"
    form["password"] = "whatever"
    assert CONTROL in refused(form.submit(status=400))


@pytest.mark.parametrize(
    "url",
    [
        "/management/tickets/?q=printer%00",
        f"{ADMIN}/customers?q=ca%00sey",
        f"{ADMIN}/permissions/explain?username=alex%00&ticket=1001&permission=tickets:view",
        "/management/tickets/1001%00",
        "/tickets/?status=open%01",
        f"{ADMIN}/customers?q%00=x",
    ],
)
def test_control_characters_anywhere_in_the_address_are_a_bad_request(admin, url):
    assert CONTROL in refused(admin.get(url, status=400))


def test_undecodable_bytes_are_a_bad_request(admin):
    assert "not valid UTF-8" in refused(admin.get(f"{ADMIN}/customers?q=%ff%fe", status=400))


def test_json_clients_get_the_reason_as_json(admin):
    answer = admin.get(
        "/management/tickets/?q=%00", headers={"Accept": "application/json"}, status=400
    )
    assert answer.json["error"]["status"] == 400
    assert answer.json["error"]["message"].startswith(CONTROL)


def test_tabs_and_line_breaks_in_text_are_fine(admin):
    page = admin.get(f"{ADMIN}/customers?q=ca%09sey%0D%0A")
    assert page.status_int == 200


@pytest.mark.parametrize("before", ["1000000000000", "-1", "0", "ten"])
def test_audit_before_out_of_range_is_a_bad_request_with_a_message(admin, before):
    page = admin.get(f"{ADMIN}/audit?before={before}", status=400)
    assert "“before” must be the number of an entry of the audit log." in refused(page)


def test_audit_before_in_range_pages_back(admin):
    assert admin.get(f"{ADMIN}/audit?before=2147483647").status_int == 200


@pytest.mark.parametrize(
    "url",
    [
        "/management/tickets/?page=1000000000000",
        f"{ADMIN}/customers?page=1000000000000",
        f"{ADMIN}/customers?page=-5",
    ],
)
def test_huge_page_numbers_show_a_page(admin, url):
    assert admin.get(url).status_int == 200


def test_huge_page_numbers_in_the_portal_show_a_page(app):
    login_portal(app)
    assert app.get("/tickets/?page=1000000000000").status_int == 200


@pytest.mark.parametrize(
    "url",
    [f"{ADMIN}/agents/1000000000000", f"{ADMIN}/departments/99999999999999999999"],
)
def test_ids_beyond_any_row_are_not_found(admin, url):
    admin.get(url, status=404)


def login_portal(app):
    form = app.get("/login").forms["login-form"]
    form["username"], form["password"] = "casey", "casey-password"
    form.submit(status=303)
