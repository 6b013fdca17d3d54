"""Settings changed at run time: the database value, else the ini value, else a default."""

from __future__ import annotations

from frontdesk import settings as rs
from frontdesk.db.state import set_setting
from frontdesk.tickets.attachments import upload_policy


def test_flags_prefer_the_database_then_the_ini_then_the_default(db):
    ini = {"frontdesk.portal.registration": "true"}
    assert rs.get_flag(db, ini, rs.PORTAL_REGISTRATION) is True
    assert rs.get_flag(db, {}, rs.PORTAL_REGISTRATION) is False
    assert rs.get_flag(db, {}, rs.MANAGEMENT_REAUTH) is True, "re-authentication is on"
    assert rs.get_flag(db, {}, "unknown.flag") is False
    assert rs.get_flag(db, {}, "unknown.flag", default=True) is True

    set_setting(db, rs.PORTAL_REGISTRATION, rs.flag_value(False))
    set_setting(db, rs.MANAGEMENT_REAUTH, rs.flag_value(False))
    assert rs.get_flag(db, ini, rs.PORTAL_REGISTRATION) is False
    assert rs.get_flag(db, {"frontdesk.management.reauth": "true"}, rs.MANAGEMENT_REAUTH) is False


def test_numbers_and_the_upload_policy(db):
    ini = {"frontdesk.attachments.max_files": "2", "frontdesk.attachments.max_size": "oops"}
    assert rs.get_int(db, ini, rs.ATTACHMENTS_MAX_FILES) == 2
    assert rs.get_int(db, ini, rs.ATTACHMENTS_MAX_SIZE) == 10 * 1024 * 1024, "bad: default"
    set_setting(db, rs.ATTACHMENTS_MAX_FILES, "7")
    set_setting(db, rs.ATTACHMENTS_MAX_SIZE, "1000")
    policy = upload_policy(db, {"frontdesk.attachments.allowed_extensions": "txt"})
    assert (policy.max_files, policy.max_size, policy.allowed_extensions) == (
        7,
        1000,
        frozenset({".txt"}),
    )
