"""System checks (ids elue.E001...) for configurations that would break the
platform or leak hidden test labels. Run them with `manage.py check`."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

KNOWN_BROKER_SCHEMES = frozenset(
    {"redis", "rediss", "amqp", "amqps", "pyamqp", "filesystem", "memory", "sqs"}
)


def _is_inside(path: Path, folder: Path) -> bool:
    path, folder = Path(path).resolve(), Path(folder).resolve()
    return path == folder or folder in path.parents


@register(Tags.security)
def check_private_data_dir(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    """The hidden-label folder must not be reachable through MEDIA_ROOT or STATIC_ROOT."""
    private = Path(settings.ELUE_PRIVATE_DATA_DIR)
    problems: list[Error | Warning] = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        public = Path(getattr(settings, name))
        if _is_inside(private, public) or _is_inside(public, private):
            problems.append(Error(
                f"ELUE_PRIVATE_DATA_DIR ({private}) overlaps {name} ({public}).",
                hint=f"Point ELUE_PRIVATE_DATA_DIR at a folder outside {name}: "
                "it holds hidden test labels.",
                id="elue.E001",
            ))
    if private.exists() and private.stat().st_mode & 0o077:
        problems.append(Warning(
            f"ELUE_PRIVATE_DATA_DIR ({private}) is readable by other users "
            f"(mode {oct(private.stat().st_mode & 0o777)}).",
            hint=f"Run: chmod 700 {private}",
            id="elue.W001",
        ))
    return problems


@register()
def check_celery_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The broker URL must use a known transport and the time limits must nest."""
    problems = []
    scheme = urlsplit(settings.CELERY_BROKER_URL).scheme
    if scheme not in KNOWN_BROKER_SCHEMES:
        problems.append(Error(
            f"CELERY_BROKER_URL uses the unknown scheme {scheme!r}.",
            hint="Use redis://HOST:PORT/DB in production or filesystem:// for one machine; "
            f"known schemes: {', '.join(sorted(KNOWN_BROKER_SCHEMES))}.",
            id="elue.E002",
        ))
    if settings.CELERY_TASK_SOFT_TIME_LIMIT >= settings.CELERY_TASK_TIME_LIMIT:
        problems.append(Error(
            f"CELERY_TASK_SOFT_TIME_LIMIT ({settings.CELERY_TASK_SOFT_TIME_LIMIT} s) is not "
            f"below CELERY_TASK_TIME_LIMIT ({settings.CELERY_TASK_TIME_LIMIT} s).",
            hint="Make the soft limit shorter so the task can record the failure "
            "before the hard limit kills the worker process.",
            id="elue.E003",
        ))
    return problems


@register(Tags.database, deploy=True)
def check_production_services(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Production should not run on the local SQLite database or the file broker."""
    problems = []
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(Warning(
            "The database is SQLite.",
            hint="Set DATABASE_URL=postgres://USER@HOST:PORT/NAME for production.",
            id="elue.W002",
        ))
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        problems.append(Warning(
            "The Celery broker is the local file system.",
            hint="Set CELERY_BROKER_URL=redis://HOST:PORT/DB so several machines share the queue.",
            id="elue.W003",
        ))
    return problems
