"""The Celery application. Settings come from Django's settings module, from
the names that start with CELERY_ (CELERY_TASK_ACKS_LATE -> task_acks_late).

Evaluation tasks go to the queue `evaluate` (CELERY_TASK_ROUTES), so workers
that run model files can be started apart from the rest:
`celery -A elue_site worker -Q evaluate --concurrency=1`.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elue_site.settings")

app = Celery("elue_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
