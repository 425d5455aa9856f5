"""Headless Chromium driven by Playwright against pytest-django's live server.

The tests use Debian's `/usr/bin/chromium` (installed by `.ci/run`), never a
browser that Playwright downloads. Without it the browser tests skip on a
developer machine and fail in CI (`CI=true`), where a missing browser is a
broken set-up rather than a reason to skip.

Playwright's synchronous API runs an event loop in this thread, which makes
Django refuse database calls from the test ("SynchronousOnlyOperation").
DJANGO_ALLOW_ASYNC_UNSAFE lifts that guard for the test process only: the
test still talks to the database from one thread at a time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("ELUE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR_VARIABLE = "ELUE_SCREENSHOT_DIR"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture
def browser(monkeypatch) -> Iterator[object]:
    """Start a headless Chromium for one test.

    Not session-scoped: while Playwright's synchronous API is running, Django
    hands this thread different database connection objects. Those lack the
    serialized test data, so later `serialized_rollback` tests would start
    from an empty database. Stopping Playwright after each test restores the
    original connections.
    """
    if not CHROMIUM.is_file():
        message = f"Chromium is missing at {CHROMIUM}; install the Debian package chromium"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    """Open a fresh browser context (own cookies) with a page on the live server."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under $ELUE_SCREENSHOT_DIR, when it is set."""
    folder = os.environ.get(SCREENSHOT_DIR_VARIABLE)

    def take(name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take


# A real Celery worker ---------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKER_READY_SECONDS = 90


def _database_url(settings_dict: dict) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _skip_or_fail(message: str) -> None:
    if _in_ci():
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def private_folders(settings, tmp_path: Path) -> dict[str, Path]:
    """Give uploads and hidden labels temporary folders that the worker shares."""
    folders = {"media": tmp_path / "media", "private": tmp_path / "private" / "elue-data"}
    folders["media"].mkdir()
    folders["private"].mkdir(parents=True, mode=0o700)
    settings.MEDIA_ROOT = folders["media"]
    settings.ELUE_PRIVATE_DATA_DIR = folders["private"]
    return folders


@pytest.fixture
def celery_worker_process(live_server, private_folders, tmp_path: Path) -> Iterator[str]:
    """Start `celery worker` on a queue of its own, against the test database.

    The live server runs in this process, so its evaluation tasks are routed
    to that queue; other workers on the same Redis never see them.
    """
    import subprocess
    import sys
    import time
    import uuid

    from django.conf import settings
    from django.db import connection

    from elue_site.celery import app

    if connection.vendor != "postgresql":
        _skip_or_fail("the worker test needs PostgreSQL (set DATABASE_URL), so the worker can share the test database")
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://") or not _redis_reachable(broker):
        _skip_or_fail(f"the worker test needs a reachable Redis broker; CELERY_BROKER_URL is {broker!r}")

    queue = f"evaluate-test-{uuid.uuid4().hex[:12]}"
    saved_routes = app.conf.task_routes
    app.conf.task_routes = {"submissions.*": {"queue": queue}}
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)

    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_BROKER_URL": broker,
        "DJANGO_MEDIA_ROOT": str(private_folders["media"]),
        "ELUE_PRIVATE_DATA_DIR": str(private_folders["private"]),
        "ELUE_VAR_DIR": str(tmp_path / "var"),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "elue_site", "worker", "-Q", queue, "--pool=solo",
        "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h",
    ]
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while b" ready." not in log_path.read_bytes():
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Celery worker did not start; its log:\n{log_path.read_text(errors='replace')[-4000:]}")
            time.sleep(0.3)
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        app.conf.task_routes = saved_routes
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)
        if os.environ.get(SCREENSHOT_DIR_VARIABLE):
            (Path(os.environ[SCREENSHOT_DIR_VARIABLE]) / "worker.log").write_bytes(log_path.read_bytes())
