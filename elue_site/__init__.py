"""Django project of the ELUE platform. Importing it loads the Celery app so
that `@shared_task` functions bind to it."""

from elue_site.celery import app as celery_app

__all__ = ["celery_app"]
