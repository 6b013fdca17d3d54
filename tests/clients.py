"""Real HTTP clients for load tests: each keeps its own cookies, many run at once."""

from __future__ import annotations

import http.cookiejar
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the caller sees the 303 itself


class Client:
    """A browser-like client of a real server: cookies kept, redirects not followed."""

    def __init__(self, base_url: str, timeout: float = 60) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] = {}
    ) -> Reply:
        request = urllib.request.Request(  # noqa: S310 (a test server)
            self.base_url + path, data=body, method=method, headers=dict(headers)
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return Reply(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers, error.read().decode())

    def get(self, path: str, headers: Mapping[str, str] = {}) -> Reply:
        return self.request("GET", path, headers=headers)

    def post(
        self,
        path: str,
        fields: Mapping[str, str],
        files: Mapping[str, tuple[str, bytes]] | None = None,
        headers: Mapping[str, str] = {},
    ) -> Reply:
        """POST a form (multipart when ``files`` maps field -> (filename, bytes))."""
        if files is None:
            body = urllib.parse.urlencode(fields).encode()
            kind = "application/x-www-form-urlencoded"
        else:
            body, kind = _multipart(fields, files)
        return self.request("POST", path, body, {**headers, "Content-Type": kind})

    def csrf_token(self, path: str) -> str:
        """The CSRF token from the form on the page at ``path``."""
        page = self.get(path)
        match = CSRF_INPUT.search(page.text)
        if match is None:
            raise AssertionError(f"no form on {path}: {page.status} {page.text[:200]}")
        return match.group(1)

    def login(self, username: str, password: str, path: str = "/login") -> Reply:
        token = self.csrf_token(path)
        return self.post(path, {"csrf_token": token, "username": username, "password": password})


def _multipart(
    fields: Mapping[str, str], files: Mapping[str, tuple[str, bytes]]
) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def all_at_once(count: int, work: Callable[[int, Callable[[], None]], T]) -> list[T]:
    """Run ``work(i, together)`` in ``count`` threads; each call of ``together()`` waits
    until every thread has reached it, so the requests after it start at the same moment."""
    barrier = threading.Barrier(count)

    def together() -> None:
        barrier.wait(timeout=60)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda i: work(i, together), range(count)))
