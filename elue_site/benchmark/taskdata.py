"""Importing task data with hidden test labels into the private data directory.

The source directory has the ELUE layout (`<dir>/<task directory>/test.tsv`
and `test_full.tsv`). Files are checked with the evaluator's readers, then
copied to settings.ELUE_PRIVATE_DATA_DIR with owner-only permissions
(folders 0700, files 0600). No URL serves that directory.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import evaluator
from django.conf import settings
from django.utils import timezone
from evaluator.tasks import GOLD_FILE, TEST_FILE

from elue_site.benchmark.models import Task

logger = logging.getLogger(__name__)

IMPORTED_FILES = (TEST_FILE, GOLD_FILE)


class TaskDataError(Exception):
    """The source directory lacks a task folder or its files are invalid."""


@dataclass(frozen=True)
class ImportedTask:
    key: str
    examples: int
    sha256: dict[str, str]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_source(source: Path, task_keys: list[str]) -> None:
    """Raise TaskDataError naming every missing task folder or file under `source`."""
    if not source.is_dir():
        raise TaskDataError(f"Task data directory {source} does not exist or is not a directory.")
    missing = []
    for key in task_keys:
        task = evaluator.get_task(key)
        for name in IMPORTED_FILES:
            if not task.path(source, name).is_file():
                missing.append(str(task.path(source, name)))
    if missing:
        raise TaskDataError(
            f"Task data directory {source} lacks {len(missing)} required files: {', '.join(missing)}. "
            "It must have the ELUE layout: <dir>/<task>/test.tsv and test_full.tsv for every task."
        )


def import_task(source: Path, key: str) -> ImportedTask:
    """Validate one task's files under `source` and copy them into the private directory."""
    task = evaluator.get_task(key)
    try:
        test_set = evaluator.read_test_set(task, source)
    except evaluator.DataError as error:
        raise TaskDataError(f"Task {task.key}: invalid data in {source}: {error.message}") from None

    target = Path(settings.ELUE_PRIVATE_DATA_DIR) / task.directory
    _make_private_dir(Path(settings.ELUE_PRIVATE_DATA_DIR))
    _make_private_dir(target)
    checksums = {}
    for name in IMPORTED_FILES:
        checksums[name] = _copy_private(task.path(source, name), target / name)

    Task.objects.filter(key=task.key).update(
        data_imported_at=timezone.now(), data_sha256=checksums, test_examples=len(test_set),
    )
    logger.info("Imported task %s: %s test examples from %s", task.key, len(test_set), source)
    return ImportedTask(task.key, len(test_set), checksums)


def _make_private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def _copy_private(source: Path, target: Path) -> str:
    """Copy `source` to `target` atomically with mode 0600; return its SHA-256."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as output, open(source, "rb") as stream:
            shutil.copyfileobj(stream, output)
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return sha256_of(target)


def private_data_dir() -> Path:
    return Path(settings.ELUE_PRIVATE_DATA_DIR)
