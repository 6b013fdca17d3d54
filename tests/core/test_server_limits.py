"""The waitress settings shipped in config/*.ini hold up against abusive clients."""

from __future__ import annotations

import configparser
import http.client
import socket
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.servers import threaded_server

CONFIG = Path(__file__).parents[2] / "config"
SHIPPED = ["development.ini", "production.ini", "test.ini"]


def server_options(ini: str) -> dict[str, str]:
    """The ini's waitress settings, but listening where the test says."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(CONFIG / ini)
    options = dict(parser["server:main"])
    del options["use"], options["listen"]
    return options


@pytest.fixture
def app(make_webapp):
    return make_webapp()


@pytest.mark.parametrize("ini", SHIPPED)
def test_a_huge_upload_is_refused_before_it_is_sent(ini, app):
    options = server_options(ini)
    assert int(options["max_request_body_size"]) < 100 * 1024 * 1024
    with threaded_server(app.app, **options) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as client:
            client.sendall(
                b"POST /tickets/new HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: multipart/form-data; boundary=xyz\r\n"
                b"Content-Length: 314572800\r\n\r\n"
            )  # 300 MB announced, not one byte of it sent
            answer = client.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize("ini", SHIPPED)
def test_slow_clients_holding_connections_do_not_lock_others_out(ini, app):
    with threaded_server(app.app, **server_options(ini)) as url, ExitStack() as stack:
        address = url.removeprefix("http://")
        host, port = address.split(":")
        for _ in range(150):  # headers started, never finished
            slow = stack.enter_context(socket.create_connection((host, int(port))))
            slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        visitor = http.client.HTTPConnection(address, timeout=15)
        visitor.request("GET", "/static/frontdesk/frontdesk.css")
        assert visitor.getresponse().status == 200
        visitor.close()
