"""App config of the project package itself: local folders and system checks."""

from __future__ import annotations

import os

from django.apps import AppConfig
from django.conf import settings


class ProjectConfig(AppConfig):
    name = "elue_site"
    label = "elue_site"
    verbose_name = "ELUE platform"

    def ready(self) -> None:
        from elue_site import checks  # noqa: F401  (registers the checks)

        create_local_folders()


def create_local_folders() -> None:
    """Create the upload, private-data and file-broker folders if missing.

    The private data folder contains hidden test labels, so it is created with
    mode 0700 (owner only).
    """
    os.makedirs(settings.MEDIA_ROOT, exist_ok=True)
    os.makedirs(settings.STATIC_ROOT, exist_ok=True)
    private = settings.ELUE_PRIVATE_DATA_DIR
    if not private.exists():
        os.makedirs(private, mode=0o700, exist_ok=True)
        os.chmod(private, 0o700)
    for folder in {str(path) for path in settings.CELERY_BROKER_TRANSPORT_OPTIONS.values() if isinstance(path, str)}:
        os.makedirs(folder, exist_ok=True)
