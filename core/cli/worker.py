"""``worker``: run background jobs (huey consumers, the scheduler and the sweeper)."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from frontdesk.cli.base import (
    CLIError,
    command,
    connected,
    load_plugins,
    load_settings,
    require_current_schema,
)


def cmd_worker(args: argparse.Namespace) -> int:
    from frontdesk.jobs import JobError, queue_for

    settings = load_settings(args.config)
    if str(settings.get("frontdesk.jobs.backend", "sqlite")).strip() == "immediate":
        raise CLIError(
            "frontdesk.jobs.backend = immediate runs jobs in the web process; "
            "a worker needs sqlite or redis"
        )
    with connected(settings) as engine:
        require_current_schema(engine, load_plugins(settings), args.config)
    app = _load_app(args.config)
    queue = queue_for(app)
    if queue is None:  # pragma: no cover - every app built by make_app has one
        raise CLIError("the application has no job queue")
    try:
        queue.check()
        worker = queue.worker(workers=args.workers)
    except JobError as exc:
        raise CLIError(str(exc)) from exc
    names = ", ".join(sorted(queue.jobs)) or "none"
    print(
        f"frontdesk worker: {queue.backend} queue, {worker.consumer.workers} thread(s); "
        f"jobs: {names}  (SIGTERM or Ctrl+C to stop)",
        flush=True,
    )
    worker.run()
    print("frontdesk worker: stopped", flush=True)
    return 0


def _load_app(config: str) -> Any:
    """The WSGI app of ``config`` with its logging set up (one-line errors)."""
    from pathlib import Path

    import plaster

    loader = plaster.get_loader(str(Path(config).resolve()), protocols=["wsgi"])
    loader.setup_logging()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    try:
        return loader.get_wsgi_app()
    except Exception as exc:
        raise CLIError(f"cannot load {config}: {str(exc).strip().splitlines()[0]}") from exc


def register(commands: Any) -> None:
    """``worker``."""
    p = command(
        commands,
        "worker",
        cmd_worker,
        "Run the background jobs: queue consumers, periodic jobs and the outbox sweeper.",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="threads running jobs (default: frontdesk.jobs.workers, 2)",
    )
