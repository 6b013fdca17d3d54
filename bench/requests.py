"""Benchmark: request throughput through the full stack, and how fast a plugin switch
made by another process reaches a running app.

    .venv/bin/python bench/requests.py [--database-url URL] [--requests N]

Prints requests per second for a portal page (the plugin gate, layout, menus and one
transaction per request included) with the state cache checked on every request
(interval 0) and at the default interval (0.5 s), and the observed delay between
``plugins disable`` committing and the app answering 404.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from frontdesk.testing import db_session, make_engine, make_test_app, set_plugin_enabled


def throughput(app, path: str, count: int) -> float:
    app.get(path)  # warm up templates and caches
    start = time.perf_counter()
    for _ in range(count):
        app.get(path)
    return count / (time.perf_counter() - start)


def propagation_delay(app, interval: float) -> float:
    """Seconds from the commit of a disable to the first 404, polling every millisecond."""
    set_plugin_enabled(app, "kb", True)
    time.sleep(interval + 0.05)
    app.get("/kb/", status=200)
    set_plugin_enabled(app, "kb", False)
    committed = time.perf_counter()
    while app.get("/kb/", expect_errors=True).status_int != 404:
        time.sleep(0.001)
    return time.perf_counter() - committed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", help="an empty database to use (default: temporary SQLite)"
    )
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        engine = make_engine(url)
        plugins = ["portal", "management", "mobile", "kb", "chat"]
        print(f"database: {engine.url.render_as_string(hide_password=True)}")
        for interval in ("0", "0.5"):
            app = make_test_app(
                plugins=plugins,
                engine=engine,
                settings={"frontdesk.state_check_interval": interval},
            )
            rps = throughput(app, "/", args.requests)
            print(f"portal home, state_check_interval={interval}: {rps:,.0f} requests/s")
        delays = [propagation_delay(app, 0.5) for _ in range(5)]
        print(
            f"plugin disable -> 404, interval 0.5 s: median {statistics.median(delays):.3f} s, "
            f"max {max(delays):.3f} s"
        )
        with db_session(engine) as db:
            from frontdesk.db.state import switch_plugin

            switch_plugin(db, "kb", True)
        engine.dispose()


if __name__ == "__main__":
    main()
