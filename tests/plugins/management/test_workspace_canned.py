"""Canned replies: each agent's own, and shared ones that only some may edit."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.auth import PermissionGrant
from frontdesk.plugins.management.permissions import P
from frontdesk.plugins.management.workspace.models import CannedReply
from tests.plugins.management.workspace_support import PLUGINS, build_desk, login, texts


@pytest.fixture
def desk(commit):
    return build_desk(commit)


@pytest.fixture
def app(make_webapp, desk):
    return make_webapp(PLUGINS)


@pytest.fixture
def replies(commit, desk):
    with commit() as db:
        rows = [
            CannedReply(owner_id=desk["alex"], title="Alex thanks", body="Thanks! -- Alex"),
            CannedReply(owner_id=desk["sam"], title="Sam thanks", body="Thanks! -- Sam"),
            CannedReply(owner_id=None, title="Opening hours", body="9 to 5."),
        ]
        db.add_all(rows)
        db.flush()
        return {r.title: r.id for r in rows}


def all_replies(engine):
    with Session(engine) as db:
        return {(r.title, r.owner_id, r.body) for r in db.scalars(select(CannedReply)).all()}


def test_the_list_shows_mine_and_shared_never_another_agents(app, replies):
    login(app, "alex")
    page = app.get("/management/canned/")
    assert texts(page, "#canned-mine ~ ul h3") == ["Alex thanks"]
    assert texts(page, "#canned-shared ~ ul h3") == ["Opening hours"]
    assert "Sam thanks" not in page.text
    shared = page.html.select_one(f"#canned-item-{replies['Opening hours']}")
    assert shared.select_one(".canned-item__actions") is None, "agents cannot edit shared ones"
    assert page.html.select_one('input[name="shared"]') is None


def test_add_edit_and_delete_my_own(app, desk, engine):
    login(app, "alex")
    form = app.get("/management/canned/").forms["canned-form"]
    form["title"], form["body"] = "  Greeting  ", "Hello there,\n\n"
    page = form.submit(status=303).follow()
    assert texts(page, ".flash") == ["Added 'Greeting'."]
    assert ("Greeting", desk["alex"], "Hello there,\n\n") in all_replies(engine)

    edit = next(a for a in page.html.select(".canned-item a") if a.text == "Edit Greeting")
    page = app.get(edit["href"])
    form = page.forms["canned-form"]
    assert form["title"].value == "Greeting"
    form["body"] = "Hi,"
    form.submit(status=303)
    assert ("Greeting", desk["alex"], "Hi,") in all_replies(engine)

    page = app.get("/management/canned/")
    delete = next(f for f in page.forms.values() if f.action.endswith("/delete"))
    delete.submit(status=303)
    assert not {r for r in all_replies(engine) if r[0] == "Greeting"}


def test_bad_input_is_shown_beside_the_fields_and_kept(app, engine):
    login(app, "alex")
    form = app.get("/management/canned/").forms["canned-form"]
    form["title"], form["body"] = "", "Some text"
    page = form.submit(status=400)
    assert page.html.select_one("#canned-title-error").text == "Enter a title."
    assert page.forms["canned-form"]["body"].value == "Some text"
    form["title"], form["body"] = "x" * 101, " "
    page = form.submit(status=400)
    assert "under 100 characters" in page.html.select_one("#canned-title-error").text
    assert page.html.select_one("#canned-body-error").text == "Write the reply's text."
    assert all_replies(engine) == set()


def test_another_agents_reply_is_not_found(app, desk, replies, engine):
    login(app, "alex")
    page = app.get("/management/canned/")
    token = page.html.select_one('input[name="csrf_token"]')["value"]
    sams = replies["Sam thanks"]
    app.get(f"/management/canned/{sams}", status=404)
    app.post(
        f"/management/canned/{sams}", {"csrf_token": token, "title": "x", "body": "y"}, status=404
    )
    app.post(f"/management/canned/{sams}/delete", {"csrf_token": token}, status=404)
    app.get("/management/canned/999999999999", status=404)
    assert ("Sam thanks", desk["sam"], "Thanks! -- Sam") in all_replies(engine)


def _owner(engine, reply_id):
    with Session(engine) as db:
        return db.get(CannedReply, reply_id).owner_id


def test_shared_replies_need_the_permission(app, replies, engine):
    login(app, "alex")
    page = app.get("/management/canned/")
    token = page.html.select_one('input[name="csrf_token"]')["value"]
    shared = replies["Opening hours"]
    app.get(f"/management/canned/{shared}", status=403)
    app.post(
        f"/management/canned/{shared}", {"csrf_token": token, "title": "x", "body": "y"}, status=403
    )
    app.post(f"/management/canned/{shared}/delete", {"csrf_token": token}, status=403)
    app.post(
        "/management/canned/",
        {"csrf_token": token, "title": "Mine, shared?", "body": "y", "shared": "1"},
        status=403,
    )
    assert ("Opening hours", None, "9 to 5.") in all_replies(engine)
    assert not {r for r in all_replies(engine) if r[0] == "Mine, shared?"}


def test_administrators_manage_shared_replies(app, replies, engine):
    login(app, "ada")
    form = app.get("/management/canned/").forms["canned-form"]
    form["title"], form["body"], form["shared"] = "Holidays", "Closed on holidays.", True
    form.submit(status=303)
    assert ("Holidays", None, "Closed on holidays.") in all_replies(engine)
    page = app.get(f"/management/canned/{replies['Opening hours']}")
    form = page.forms["canned-form"]
    assert form["shared"].checked
    form["body"] = "10 to 6."
    form.submit(status=303)
    assert ("Opening hours", None, "10 to 6.") in all_replies(engine)


def test_the_permission_can_be_granted_to_an_agent(app, desk, replies, commit, engine):
    with commit() as db:
        # Grants replace the role's defaults where given: the workspace itself too.
        for permission in (P.DashboardView, P.CannedManageShared):
            db.add(PermissionGrant(user_id=desk["alex"], department_id=None, permission=permission))
    login(app, "alex")
    page = app.get(f"/management/canned/{replies['Opening hours']}")
    page.forms["canned-form"]["body"] = "8 to 4."
    page.forms["canned-form"].submit(status=303)
    assert ("Opening hours", None, "8 to 4.") in all_replies(engine)


@pytest.mark.parametrize("path", ["/management/canned/", "{id}", "{id}/delete"])
def test_every_canned_form_needs_the_csrf_token(app, replies, engine, path):
    login(app, "alex")
    mine = replies["Alex thanks"]
    url = path if path.startswith("/") else f"/management/canned/{path.format(id=mine)}"
    app.post(url, {"title": "x", "body": "y"}, status=400)
    assert ("Alex thanks", _owner(engine, mine), "Thanks! -- Alex") in all_replies(engine)
