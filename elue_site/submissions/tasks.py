"""Celery tasks. They take ids, claim the row and call one service function.

Failure handling of `evaluate_submission`:

* the submitter's files are invalid (InvalidInputError) or the model cannot
  be measured (MeasurementError with retryable false): FAILED with the
  evaluator's messages, counted against the quota;
* a retryable evaluator error or a platform error (file system, database):
  the row goes back to QUEUED and the task retries with backoff, at most
  ELUE_MAX_ATTEMPTS - 1 times, then FAILED with the reason and not counted;
* a worker killed mid-run: acks_late and reject_on_worker_lost make the
  broker redeliver the task. The redelivered task re-claims the row when the
  claiming process is gone or its heartbeat is stale (see claims.py).
  `recover_stale_runs` also catches rows whose message was lost.
"""

from __future__ import annotations

import logging
import time

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import ngettext
from evaluator import DataError, EvaluatorError, InvalidInputError

from elue_site.submissions import claims
from elue_site.submissions.evaluation import (
    invalid_files_reason, mark_failed, run_evaluation, store_result, submitter_problems,
)

logger = logging.getLogger(__name__)


# NOTE: failure reasons are stored as English text and shown as stored; only
# the "worker lost" reason is translated at display (claims.describe_failure).


class PlatformError(Exception):
    """A failure of the platform, not of the submission; retrying may help."""


@shared_task(
    bind=True,
    name="submissions.evaluate_submission",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(PlatformError,),
    max_retries=settings.ELUE_MAX_ATTEMPTS - 1,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
)
def evaluate_submission(self: Task, submission_id: int) -> str:
    """Evaluate submission `submission_id` once; return its final or skipped state."""
    claim = claims.claim(submission_id)
    if claim is None:
        return "skipped"

    started = time.monotonic()
    try:
        result = run_evaluation(claim)
    except InvalidInputError as error:
        problems = submitter_problems(claim, error.problems)
        mark_failed(claim, invalid_files_reason(error), problems, counts_against_quota=True)
        return "FAILED"
    except DataError as error:
        logger.error("Submission %s: task data unusable: %s", submission_id, error.message)
        mark_failed(claim, "The task data on the server is missing or broken, so the evaluation "
                    "could not run. This does not count against your quota; contact the site staff.", counts_against_quota=False)
        return "FAILED"
    except EvaluatorError as error:
        if not error.retryable:
            mark_failed(claim, error.message, counts_against_quota=True)
            return "FAILED"
        return _retry_or_fail(self, claim, f"evaluator error: {error.message}")
    except SoftTimeLimitExceeded:
        mark_failed(claim, f"The evaluation exceeded the time limit of {settings.CELERY_TASK_SOFT_TIME_LIMIT} s.",
                    counts_against_quota=False)
        return "FAILED"
    except (OSError, DatabaseError) as error:
        logger.exception("Submission %s: platform error during evaluation", submission_id)
        return _retry_or_fail(self, claim, f"platform error: {type(error).__name__}: {error}")
    except Exception:
        # A bug in the platform or the evaluator: record it so the row does not
        # stay RUNNING until the stale-run recovery retries the same bug.
        logger.exception("Submission %s: unexpected error during evaluation", submission_id)
        mark_failed(claim, "An internal error stopped the evaluation. It does not count against "
                    "your quota; the site staff can rerun it.", counts_against_quota=False)
        raise

    wall = time.monotonic() - started
    stored = store_result(claim, result, wall)
    logger.info("Submission %s FINISHED in %.1f s (stored: %s)", submission_id, wall, stored)
    return "FINISHED" if stored else "skipped"


def _retry_or_fail(task: Task, claim: claims.Claim, reason: str) -> str:
    """Requeue the row and raise PlatformError for Celery to retry, or fail when out of retries."""
    if task.request.retries >= task.max_retries:
        gave_up = ngettext("gave up after %(count)s attempt", "gave up after %(count)s attempts", claim.attempt)
        mark_failed(claim, f"{reason} ({gave_up % {'count': claim.attempt}})", counts_against_quota=False)
        return "FAILED"
    claims.release(claim)
    logger.warning("Submission %s: %s; retry %s of %s", claim.submission_id, reason,
                   task.request.retries + 1, task.max_retries)
    raise PlatformError(reason)


@shared_task(name="maintenance.recover_stale_runs")
def recover_stale_runs() -> dict[str, int]:
    """Requeue or fail RUNNING submissions whose worker stopped sending heartbeats."""
    return claims.recover_stale_runs()
