"""Background jobs: the outbox, enqueue after commit, the sweeper, retries, workers."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from frontdesk import Job
from frontdesk.db.jobs import OutboxEntry
from frontdesk.db.meta import utcnow
from frontdesk.jobs import (
    JobError,
    collect_jobs,
    discard_job,
    enqueue,
    failed_jobs,
    queue_for,
    recent_jobs,
    retry_job,
)
from frontdesk.plugin_platform.pluginmanager import make_plugins
from frontdesk.testing import app_request, db_session, run_jobs
from tests.sample_plugins import jobber
from tests.sample_plugins.entry_points import write_distribution

FRONTDESK = str(Path(sys.executable).with_name("frontdesk"))
REDIS_URL = os.environ.get("FRONTDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture
def immediate_app(make_webapp: Callable[..., Any]) -> Any:
    return make_webapp(("management", jobber))


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Settings for a real huey backend: SQLite under tmp_path, or Redis."""
    name = f"frontdesk-test-{uuid.uuid4().hex[:8]}"
    if request.param == "sqlite":
        yield {
            "frontdesk.jobs.backend": "sqlite",
            "frontdesk.jobs.sqlite_path": str(tmp_path / "jobs.sqlite"),
            "frontdesk.jobs.name": name,
        }
        return
    if not redis_available():
        if os.environ.get("CI"):
            pytest.fail(f"no Redis at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield {
        "frontdesk.jobs.backend": "redis",
        "frontdesk.jobs.redis_url": REDIS_URL,
        "frontdesk.jobs.name": name,
    }
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"huey.*{name}*"):
        client.delete(key)


@pytest.fixture
def queued_app(make_webapp: Callable[..., Any], backend: dict[str, str]) -> Any:
    return make_webapp(("management", jobber), **backend)


def rows(engine: Engine, name: str | None = None) -> list[OutboxEntry]:
    """The outbox (the rows of job ``name``), read as another process would."""
    query = select(OutboxEntry).order_by(OutboxEntry.id)
    if name is not None:
        query = query.where(OutboxEntry.name == name)
    with Session(engine, expire_on_commit=False) as db:
        return list(db.scalars(query))


def count(engine: Engine, tag: str) -> int:
    with Session(engine) as db:
        return jobber.count(db, tag)


# -- enqueue after commit --------------------------------------------------------------


def test_a_rolled_back_request_enqueues_nothing(immediate_app: Any, engine: Engine) -> None:
    with pytest.raises(RuntimeError), app_request(immediate_app) as request:
        enqueue(request.dbsession, "jobber.record", {"tag": "lost"})
        raise RuntimeError("the request fails after enqueueing")
    assert rows(engine) == [] and count(engine, "lost") == 0
    with app_request(immediate_app) as request:
        enqueue(request.dbsession, "jobber.record", {"tag": "kept"})
        assert count(engine, "kept") == 0  # not before the commit
    assert count(engine, "kept") == 1
    assert [(r.name, r.status, r.attempts) for r in rows(engine)] == [("jobber.record", "done", 1)]


def test_nothing_is_pushed_before_commit(queued_app: Any, engine: Engine) -> None:
    huey = queue_for(queued_app).huey
    with app_request(queued_app) as request:
        enqueue(request.dbsession, "jobber.record", {"tag": "a"})
        request.dbsession.flush()
        assert huey.pending_count() == 0
    assert huey.pending_count() == 1
    assert rows(engine)[0].status == "queued"
    with pytest.raises(RuntimeError), app_request(queued_app) as request:
        enqueue(request.dbsession, "jobber.record", {"tag": "b"})
        raise RuntimeError("rolled back")
    assert huey.pending_count() == 1 and len(rows(engine)) == 1
    # A consumer runs what was pushed.
    task = huey.dequeue()
    huey.execute(task)
    assert count(engine, "a") == 1 and rows(engine)[0].status == "done"


def test_the_sweeper_pushes_a_row_whose_push_was_lost(queued_app: Any, engine: Engine) -> None:
    queue = queue_for(queued_app)
    queue.sweep_interval = 0.2
    with app_request(queued_app) as request:
        enqueue(request.dbsession, "jobber.record", {"tag": "swept"})
        request.dbsession.info.pop("frontdesk_jobs_pending")  # the process dies here
    assert queue.huey.pending_count() == 0 and rows(engine)[0].status == "pending"
    assert queue.sweep() == 0  # too fresh: its own push may still be on the way
    time.sleep(1.1)
    assert queue.sweep() == 1
    assert queue.huey.pending_count() == 1
    queue.huey.execute(queue.huey.dequeue())
    assert count(engine, "swept") == 1
    assert queue.sweep() == 0


def test_an_idempotency_key_enqueues_once(immediate_app: Any, engine: Engine) -> None:
    with app_request(immediate_app) as request:
        enqueue(request.dbsession, "jobber.record", {"tag": "k"}, key="mail:42")
        enqueue(request.dbsession, "jobber.record", {"tag": "k"}, key="mail:42")
    with app_request(immediate_app) as request:
        enqueue(request.dbsession, "jobber.record", {"tag": "k"}, key="mail:42")
    assert count(engine, "k") == 1 and len(rows(engine)) == 1
    run_jobs(immediate_app)
    assert count(engine, "k") == 1


def test_payloads_must_be_json(immediate_app: Any) -> None:
    with pytest.raises(JobError, match="JSON"), app_request(immediate_app) as request:
        enqueue(request.dbsession, "jobber.record", {"when": dt.date.today()})


def test_jobs_enqueued_by_a_job_run_after_it_commits(immediate_app: Any, engine: Engine) -> None:
    with app_request(immediate_app) as request:
        enqueue(request.dbsession, "jobber.record", {"tag": "first", "then": "second"})
    assert count(engine, "first") == 1 and count(engine, "second") == 1


# -- retries and failures ----------------------------------------------------------------


def test_a_failing_job_is_retried_with_backoff_then_failed(
    immediate_app: Any, engine: Engine
) -> None:
    with app_request(immediate_app) as request:
        enqueue(request.dbsession, "jobber.flaky", {"succeed_on": 0})
    (row,) = rows(engine)
    assert (row.status, row.attempts) == ("queued", 1)
    assert "flaky failure on attempt 1" in row.last_error
    first_wait = (row.run_after - row.updated_at).total_seconds()
    assert first_wait == pytest.approx(0.2, abs=0.05)
    queue = queue_for(immediate_app)
    assert queue.execute(row.id) == "skipped"  # not due yet
    time.sleep(0.25)
    assert queue.execute(row.id) == "retry"
    (row,) = rows(engine)
    assert (row.run_after - row.updated_at).total_seconds() == pytest.approx(0.4, abs=0.05)
    run_jobs(immediate_app)
    (row,) = rows(engine)
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error == "RuntimeError: flaky failure on attempt 3"
    assert count(engine, "flaky-tries") == 0  # every failed run rolled back its writes
    with db_session(engine) as db:
        assert [e.id for e in failed_jobs(db)] == [row.id]
        assert [e.id for e in recent_jobs(db, name_prefix="jobber.")] == [row.id]
        assert recent_jobs(db, name_prefix="mail.") == []
        assert retry_job(db, row.id)
    # Retried by an administrator: runs at once after commit, fails again three times.
    run_jobs(immediate_app)
    with db_session(engine) as db:
        assert failed_jobs(db)[0].attempts == 3
        assert discard_job(db, row.id)
        assert not discard_job(db, row.id) and not retry_job(db, row.id)
    assert rows(engine) == []


def test_a_job_that_succeeds_on_retry_is_done_once(immediate_app: Any, engine: Engine) -> None:
    with app_request(immediate_app) as request:
        enqueue(request.dbsession, "jobber.flaky", {"succeed_on": 2})
    run_jobs(immediate_app)
    (row,) = rows(engine)
    assert (row.status, row.attempts, row.last_error) == ("done", 2, None)
    assert count(engine, "flaky") == 1 and count(engine, "flaky-tries") == 1


def test_an_unknown_job_fails_at_once(immediate_app: Any, engine: Engine) -> None:
    with app_request(immediate_app) as request:
        enqueue(request.dbsession, "nobody.knows", {})
    (row,) = rows(engine)
    assert (row.status, row.last_error) == ("failed", "unknown job 'nobody.knows'")


def test_a_job_taken_over_after_its_lease_does_not_commit(
    immediate_app: Any, engine: Engine
) -> None:
    queue = queue_for(immediate_app)
    with db_session(engine) as db:
        enqueue(db, "jobber.record", {"tag": "late"}, delay=60)
    (row,) = rows(engine)
    with db_session(engine) as db:
        db.execute(update(OutboxEntry).values(run_after=utcnow()))
    original = jobber.record

    def overtaken(ctx: Any, payload: dict[str, Any]) -> None:
        with db_session(engine) as other:  # the lease ran out; another worker claimed it
            other.execute(update(OutboxEntry).values(attempts=OutboxEntry.attempts + 1))
        original(ctx, payload)

    queue.jobs["jobber.record"] = Job("jobber.record", overtaken)
    try:
        assert queue.execute(row.id) == "skipped"
    finally:
        queue.jobs["jobber.record"] = Job("jobber.record", original)
    assert count(engine, "late") == 0


# -- events from jobs ---------------------------------------------------------------------


def test_events_from_jobs_reach_plugins_with_request_none(immediate_app: Any) -> None:
    jobber.SEEN.clear()
    with app_request(immediate_app) as request:
        enqueue(request.dbsession, "jobber.emit", {"id": 7})
    assert [(phase, type(e).__name__, r) for phase, e, r in jobber.SEEN] == [
        ("before", "ArticlePublished", None),
        ("after", "ArticlePublished", None),
    ]


# -- declaring jobs ------------------------------------------------------------------------


def test_hook_frontdesk_jobs() -> None:
    jobs = collect_jobs(make_plugins({}, [jobber]))
    assert {"jobber.record", "jobber.tick"} <= set(jobs)
    assert jobs["jobber.tick"].periodic == "*/5 * * * *"

    class Twin:
        from frontdesk import PluginInfo, hookimpl

        PLUGIN = PluginInfo(name="twin", title="Twin")

        @hookimpl
        def frontdesk_jobs(self) -> list[Job]:
            return [Job("jobber.record", jobber.record)]

    with pytest.raises(JobError, match="declared twice"):
        collect_jobs(make_plugins({}, [jobber, Twin()]))


@pytest.mark.parametrize("spec", ["* * *", "61 * * * *", "x * * * *"])
def test_bad_crontabs_are_refused(spec: str) -> None:
    with pytest.raises(JobError, match="periodic"):
        Job("jobber.bad", jobber.tick, periodic=spec)


def test_periodic_jobs_run_on_their_schedule_once_per_slot(queued_app: Any, engine: Engine) -> None:
    queue = queue_for(queued_app)
    huey = queue.huey
    on_time = dt.datetime(2026, 12, 1, 10, 5)

    def jobber_tasks(moment: dt.datetime) -> list[Any]:
        # Core's own periodic jobs (mail.fetch) are on the schedule too.
        return [t for t in huey.read_periodic(moment) if t.name.startswith("periodic:jobber.")]

    fired = jobber_tasks(on_time)
    assert [t.name for t in fired] == ["periodic:jobber.tick"]
    assert jobber_tasks(on_time.replace(minute=6)) == []
    # Two schedulers (two worker processes) fire the same minute: one row, one run.
    for _scheduler in range(2):
        task = jobber_tasks(on_time)[0]
        huey.execute(task)
    assert len(rows(engine)) == 1
    while huey.pending_count():
        huey.execute(huey.dequeue())
    assert count(engine, "tick") == 1


# -- the worker process --------------------------------------------------------------------


def write_ini(tmp_path: Path, engine: Engine, settings: dict[str, str]) -> Path:
    url = engine.url.render_as_string(hide_password=False)
    lines = [
        "[app:main]",
        "use = egg:frontdesk",
        f"sqlalchemy.url = {url}",
        "frontdesk.session.secret = worker-test",
        "frontdesk.plugins = jobber",
        "frontdesk.jobs.lease = 2",
        "frontdesk.jobs.sweep_interval = 1",
        *(f"{k} = {v}" for k, v in settings.items()),
    ]
    ini = tmp_path / "worker.ini"
    ini.write_text("\n".join(lines) + "\n")
    return ini


def worker_env(tmp_path: Path) -> dict[str, str]:
    dist = write_distribution(
        tmp_path / "dist", "jobber", {"jobber": "tests.sample_plugins.jobber"}
    )
    root = Path(__file__).resolve().parents[2]
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(dist), str(root)])}


def start_worker(ini: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [FRONTDESK, "worker", str(ini), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def test_a_worker_killed_mid_job_finishes_it_once_after_restart(
    make_webapp: Callable[..., Any], backend: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    app = make_webapp(("management", jobber), **backend)
    ini, env = write_ini(tmp_path, engine, backend), worker_env(tmp_path)
    started = tmp_path / "started"
    with app_request(app) as request:
        enqueue(request.dbsession, "jobber.slow", {"started": str(started), "sleep": 60})
    worker = start_worker(ini, env)
    try:
        try:
            wait_for(started.exists)
        except AssertionError:
            worker.kill()
            raise AssertionError(worker.communicate()[0][-3000:]) from None
        assert rows(engine, "jobber.slow")[0].status == "running"
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        worker.stdout.close()
        assert count(engine, "slow") == 0  # its transaction died with it
        worker = start_worker(ini, env)
        wait_for(lambda: rows(engine, "jobber.slow")[0].status == "done")
        (row,) = rows(engine, "jobber.slow")  # the scheduler may add a jobber.tick row
        assert row.attempts == 2 and count(engine, "slow") == 1
        # More work flows through the restarted worker, and SIGTERM stops it cleanly.
        with app_request(app) as request:
            enqueue(request.dbsession, "jobber.record", {"tag": "after"})
        wait_for(lambda: count(engine, "after") == 1)
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
        assert worker.returncode == 0, output
        assert "frontdesk worker: stopped" in output
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert count(engine, "slow") == 1


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FRONTDESK, *args], capture_output=True, text=True, timeout=60, env=env, check=False
    )


def test_worker_without_a_config_says_so_in_one_line(tmp_path: Path) -> None:
    result = run_cli("worker", str(tmp_path / "missing.ini"))
    assert result.returncode == 2
    assert (
        result.stderr.startswith("frontdesk: error: config file") and result.stderr.count("\n") == 1
    )


def test_worker_with_an_unreachable_redis_says_so_in_one_line(
    engine: Engine, tmp_path: Path
) -> None:
    ini = write_ini(
        tmp_path,
        engine,
        {"frontdesk.jobs.backend": "redis", "frontdesk.jobs.redis_url": "redis://127.0.0.1:1/0"},
    )
    result = run_cli("worker", str(ini), env=worker_env(tmp_path))
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "frontdesk: error: cannot reach the job queue (redis redis://127.0.0.1:1/0)"
    )
    assert not any(line.startswith("Traceback") for line in result.stderr.splitlines())


def test_worker_refuses_the_immediate_backend(engine: Engine, tmp_path: Path) -> None:
    ini = write_ini(tmp_path, engine, {"frontdesk.jobs.backend": "immediate"})
    result = run_cli("worker", str(ini), env=worker_env(tmp_path))
    assert result.returncode == 2 and "immediate" in result.stderr
    assert result.stderr.count("\n") == 1
