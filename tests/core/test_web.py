"""What every page shares: headers, error pages, CSRF, the layout."""

from __future__ import annotations

import pytest

from frontdesk import PUBLIC, PluginInfo, hookimpl


class FormPlugin:
    """A plugin with an unsafe POST view that relies on core's default CSRF check."""

    PLUGIN = PluginInfo(name="forms", title="Forms")

    @hookimpl
    def frontdesk_configure(self, config):
        config.add_route("forms.submit", "/forms/submit")
        config.add_view(
            lambda request: "saved",
            route_name="forms.submit",
            renderer="string",
            permission=PUBLIC,
            request_method="POST",
        )
        config.add_route("forms.token", "/forms/token")
        config.add_view(
            lambda request: request.session.get_csrf_token(),
            route_name="forms.token",
            renderer="string",
            permission=PUBLIC,
        )


@pytest.fixture
def app(make_webapp):
    return make_webapp(["portal", "management", "mobile", FormPlugin()])


def test_every_response_carries_security_headers(app):
    for page in (app.get("/"), app.get("/nowhere", status=404)):
        csp = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script(app):
    html = app.get("/").html
    assert all(script.get("src") for script in html.select("script"))


def test_unknown_url_gets_a_404_page_in_the_layout(app):
    page = app.get("/no/such/page", status=404)
    assert page.html.select_one("h1").text == "Page not found"
    assert page.html.select_one("header .brand") is not None


def test_json_clients_get_json_errors(app):
    page = app.get("/no/such/page", headers={"Accept": "application/json"}, status=404)
    assert page.json == {
        "error": {
            "status": 404,
            "title": "Page not found",
            "message": "There is nothing at this address.",
        }
    }


def test_post_without_csrf_token_is_refused_with_a_clear_page(app):
    page = app.post("/forms/submit", status=400)
    assert page.html.select_one("h1").text == "Form expired"
    assert "reload the page" in page.text
    assert "Traceback" not in page.text


def test_post_with_csrf_token_is_accepted(app):
    token = app.get("/forms/token").text
    assert app.post("/forms/submit", {"csrf_token": token}).text == "saved"


def test_session_cookie_is_httponly_and_samesite(app):
    page = app.get("/forms/token")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("frontdesk_portal=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_portal_and_management_keep_separate_sessions(app):
    portal_token = app.get("/forms/token").text
    app.get("/management/login")
    assert {"frontdesk_portal", "frontdesk_management"} <= set(app.cookies)
    assert app.get("/forms/token").text == portal_token


def test_mobile_under_free_edition_explains_itself(app):
    page = app.get("/m/", status=404)
    assert "Mobile interface is available in the Enterprise edition" in page.text


def test_management_root_aspx_redirects_permanently(app):
    page = app.get("/management/root.aspx", status=301)
    assert page.location.endswith("/management/")


def test_management_sends_anonymous_visitors_to_its_login(app):
    page = app.get("/management/", status=303)
    assert page.location == "http://localhost/management/login?next=%2Fmanagement%2F"


def test_json_clients_get_403_instead_of_a_login_redirect(app):
    page = app.get("/management/", headers={"Accept": "application/json"}, status=403)
    assert page.json["error"]["status"] == 403


def test_static_assets_are_served(app):
    css = app.get("/static/frontdesk/frontdesk.css")
    assert css.content_type == "text/css"
    assert ".user-menu" in css.text


def test_refused_page_keeps_the_layout_when_menus_check_permissions(make_webapp, commit):
    """A 404 raised before traversal still renders menus that check permissions."""
    from frontdesk.identity.accounts import create_user
    from frontdesk.testing import set_plugin_enabled
    from tests.sample_plugins import greeter

    with commit() as db:
        create_user(db, username="casey", role="customer", password=None)
    app = make_webapp(["portal", "kb", greeter])
    set_plugin_enabled(app, "kb", False)

    page = app.get("/kb/", headers={"X-Test-User": "casey"}, status=404)

    assert page.html.select_one("header .brand") is not None
    assert page.html.select_one('nav a[href="/greeting/"]').text == "Greeting"
    assert "disabled by an administrator" in page.text
