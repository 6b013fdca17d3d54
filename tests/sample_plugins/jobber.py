"""A test plugin declaring jobs whose effects are counted in the settings table."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from frontdesk import Job, PluginInfo, hookimpl
from frontdesk.db.state import get_setting, set_setting
from frontdesk.jobs import JobContext
from frontdesk.plugin_platform import events as ev

PLUGIN = PluginInfo(name="jobber", title="Jobber")
#: Events delivered to this plugin: (phase, event, request).
SEEN: list[tuple[str, ev.Event, Any]] = []


def bump(ctx: JobContext, tag: str) -> None:
    """Add one to the counter ``jobber.<tag>`` in the job's transaction."""
    key = f"jobber.{tag}"
    set_setting(ctx.db, key, str(int(get_setting(ctx.db, key, "0") or 0) + 1))


def count(db: Any, tag: str) -> int:
    return int(get_setting(db, f"jobber.{tag}", "0") or 0)


def record(ctx: JobContext, payload: dict[str, Any]) -> None:
    bump(ctx, payload.get("tag", "record"))
    if payload.get("then"):
        ctx.enqueue("jobber.record", {"tag": payload["then"]})


def flaky(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Fails until attempt ``succeed_on`` (never when it is 0); its writes roll back."""
    bump(ctx, "flaky-tries")
    if not payload["succeed_on"] or ctx.attempt < payload["succeed_on"]:
        raise RuntimeError(f"flaky failure on attempt {ctx.attempt}")
    bump(ctx, "flaky")


def slow(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Counts, then (first attempt only) announces itself in a file and sleeps."""
    bump(ctx, "slow")
    ctx.db.flush()
    if ctx.attempt == 1:
        Path(payload["started"]).write_text(str(ctx.attempt))
        time.sleep(payload["sleep"])


def tick(ctx: JobContext, payload: dict[str, Any]) -> None:
    bump(ctx, "tick")


def emitter(ctx: JobContext, payload: dict[str, Any]) -> None:
    ctx.emit(ev.ArticlePublished(article_id=payload["id"], title="From a job"))


@hookimpl
def frontdesk_jobs() -> list[Job]:
    return [
        Job("jobber.record", record),
        Job("jobber.flaky", flaky, retries=2, retry_delay=0.2),
        Job("jobber.slow", slow, retries=3, retry_delay=0.1),
        Job("jobber.tick", tick, periodic="*/5 * * * *"),
        Job("jobber.emit", emitter),
    ]


@hookimpl
def frontdesk_before_commit_event(event: ev.Event, dbsession: Any, request: Any) -> None:
    SEEN.append(("before", event, request))


@hookimpl
def frontdesk_article_published(event: ev.ArticlePublished, request: Any) -> None:
    SEEN.append(("after", event, request))
