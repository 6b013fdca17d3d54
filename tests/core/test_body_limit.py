"""Request bodies larger than their URL accepts are answered 413 without being read."""

from __future__ import annotations

import http.client
import io

import pytest
from webob import Request

from frontdesk.db.state import set_setting
from tests.servers import threaded_server

MB = 1024 * 1024
SMALL = {
    "frontdesk.request.max_form_size": "1000",
    "frontdesk.attachments.max_size": "2000",
    "frontdesk.attachments.max_files": "2",
}  # a form may send 1,000 bytes; a form with files 2 x 2,000 + 1,000 = 5,000


class Body(io.RawIOBase):
    """``size`` bytes of request body that count how much of them the app reads."""

    def __init__(self, size: int):
        self.left, self.read_bytes = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = b"x" * n
        self.left -= n
        self.read_bytes += n
        return n


def post(app, path, size, *, declared=True, **headers):
    body = Body(size)
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "multipart/form-data; boundary=xyz",
        "wsgi.input": body,
    }
    if declared:
        environ["CONTENT_LENGTH"] = str(size)
    else:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    request = Request.blank(path, environ, headers=headers)
    return request.get_response(app.app), body


@pytest.fixture
def app(make_webapp):
    return make_webapp(**SMALL)


def test_a_huge_post_to_the_login_page_is_refused_unread(make_webapp):
    app = make_webapp()  # the shipped limits
    response, body = post(app, "/login", 300 * MB)
    assert response.status_int == 413
    assert body.read_bytes == 0
    assert "Too large to send" in response.text
    assert "1.0 MB at most" in response.text and "Go back, send less" in response.text


def test_json_clients_get_a_json_413(app):
    response, body = post(app, "/management/login", 2000, Accept="application/json")
    assert response.status_int == 413 and body.read_bytes == 0
    assert response.json["error"]["status"] == 413


@pytest.mark.parametrize(
    "path", ["/tickets/new", "/tickets/1001/reply", "/management/tickets/1001/reply"]
)
def test_forms_with_files_take_the_attachment_limits(app, path):
    response, body = post(app, path, 4500)
    assert response.status_int != 413 and body.read_bytes == 4500
    response, body = post(app, path, 5001)
    assert response.status_int == 413 and body.read_bytes == 0
    assert "4.9 KB at most" in response.text and "attach fewer or smaller files" in response.text


def test_other_forms_take_the_small_limit(app):
    for path in ("/login", "/register", "/tickets/1001/status", "/management/admin/settings"):
        response, body = post(app, path, 1001)
        assert (response.status_int, body.read_bytes) == (413, 0), path
        response, _body = post(app, path, 900)
        assert response.status_int != 413, path


def test_the_limit_follows_the_run_time_attachment_settings(app, commit):
    with commit() as db:
        set_setting(db, "attachments.max_size", "4000")
    response, _body = post(app, "/tickets/new", 8000)
    assert response.status_int != 413


def test_a_body_of_unknown_length_is_read_only_up_to_the_limit(app):
    response, body = post(app, "/login", 5 * MB, declared=False)
    assert response.status_int == 413
    assert body.read_bytes <= 1001
    response, body = post(app, "/login", 500, declared=False)
    assert response.status_int != 413 and body.read_bytes == 500


def test_a_real_server_answers_413_without_the_app_reading(app):
    reads = []

    def counting(environ, start_response):
        stream = environ["wsgi.input"]
        counted = Body(0)
        counted.readinto = lambda buffer: reads.append(stream.readinto(buffer)) or reads[-1]
        environ["wsgi.input"] = io.BufferedReader(counted)
        return app.app(environ, start_response)

    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="username"; filename="big.txt"\r\n\r\n'
        + b"x" * (2 * MB)
        + b"\r\n--xyz--\r\n"
    )
    with threaded_server(counting) as url:
        connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=30)
        connection.request(
            "POST", "/login", body, {"Content-Type": "multipart/form-data; boundary=xyz"}
        )
        response = connection.getresponse()
        page = response.read().decode()
        connection.close()
    assert response.status == 413
    assert "Too large to send" in page
    assert sum(reads) == 0
