"""/healthz says the process is alive; /readyz that it can serve: database up, migrated."""

from __future__ import annotations

from webtest import TestApp

from frontdesk.app import make_app
from frontdesk.testing import TEST_SETTINGS, make_engine, migrate_database


def test_both_answer_ok_on_a_migrated_database_without_a_cookie(webapp):
    for path in ("/healthz", "/readyz"):
        page = webapp.get(path)

        assert page.json == {"status": "ok"}
        assert "no-store" in page.headers["Cache-Control"]
        assert "Set-Cookie" not in page.headers


def test_readiness_waits_for_the_migrations(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.sqlite'}")
    app = TestApp(make_app(TEST_SETTINGS, plugins=["portal"], engine=engine))

    page = app.get("/readyz", status=503)
    assert page.json["detail"] == "the database needs migrations: frontdesk db upgrade"
    assert page.headers["Retry-After"] == "5"
    assert app.get("/healthz").json == {"status": "ok"}

    migrate_database(engine, ["portal"])
    assert app.get("/readyz").json == {"status": "ok"}
    engine.dispose()
