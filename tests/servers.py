"""Real HTTP servers for tests: waitress in a thread, or ``frontdesk serve`` in a process."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import waitress


@contextmanager
def threaded_server(wsgi_app: Any, threads: int = 4) -> Iterator[str]:
    """Serve ``wsgi_app`` with waitress on a free loopback port; yields the base URL."""
    server = waitress.create_server(wsgi_app, host="127.0.0.1", port=0, threads=threads)
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except (OSError, ValueError):
            # Closing the listening socket under the select loop ends it this way.
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        server.close()
        thread.join(timeout=0.2)  # a browser keep-alive may hold it; it is a daemon


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def frontdesk_process(ini: Path) -> Iterator[str]:
    """Run ``frontdesk serve ini`` (the ini's [server:main] must listen on 127.0.0.1:PORT)."""
    listen = next(
        line.split("=", 1)[1].strip()
        for line in ini.read_text().splitlines()
        if line.startswith("listen")
    )
    command = [str(Path(sys.executable).with_name("frontdesk")), "serve", str(ini)]
    log = ini.with_suffix(".log")
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    host, port = listen.rsplit(":", 1)
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                socket.create_connection((host, int(port)), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"frontdesk serve did not start:\n{log.read_text()}"
                    ) from None
                time.sleep(0.1)
        yield f"http://{listen}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
