"""Claiming submissions for evaluation, heartbeats and lost-worker recovery.

A worker owns a submission while it is RUNNING with the worker's attempt
number. Every write of a running evaluation is a conditional update on
(status RUNNING, attempts), so a worker whose claim was taken over after its
heartbeat went stale cannot overwrite the newer attempt's results.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from elue_site.benchmark.models import Status, Submission

logger = logging.getLogger(__name__)

WORKER_LOST_REASON = "worker lost"


@dataclass(frozen=True)
class Claim:
    """The right of one worker to run one attempt of one submission."""

    submission_id: int
    attempt: int

    def rows(self):  # type: ignore[no-untyped-def]
        """Return a queryset matching the submission only while this claim holds."""
        return Submission.objects.filter(pk=self.submission_id, status=Status.RUNNING, attempts=self.attempt)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def stale_before() -> timezone.datetime:
    return timezone.now() - timedelta(seconds=settings.ELUE_HEARTBEAT_STALE_SECONDS)


def claim(submission_id: int) -> Claim | None:
    """Claim a QUEUED submission, or re-claim one whose worker was lost.

    Returns None, and logs why, when the submission is missing, already done,
    running with a fresh heartbeat, or out of attempts (then it is FAILED).
    """
    now = timezone.now()
    updated = Submission.objects.filter(pk=submission_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=now, heartbeat_at=now, claimed_by=worker_name(),
        attempts=F("attempts") + 1, progress_step="", progress_done=0, progress_total=0,
    )
    if updated == 1:
        return _current_claim(submission_id)

    row = Submission.objects.filter(pk=submission_id).values(
        "status", "attempts", "heartbeat_at", "claimed_by",
    ).first()
    if row is None:
        logger.warning("Submission %s does not exist; task skipped", submission_id)
        return None
    if row["status"] != Status.RUNNING:
        logger.info("Submission %s is already %s; duplicate task skipped", submission_id, row["status"])
        return None
    if claimer_is_dead(row["claimed_by"]):
        logger.warning("Submission %s: its worker %s is no longer running", submission_id, row["claimed_by"])
    elif row["heartbeat_at"] is not None and row["heartbeat_at"] >= stale_before():
        logger.info("Submission %s is running elsewhere (fresh heartbeat); duplicate task skipped",
                    submission_id)
        return None
    return _reclaim_stale(submission_id, row["attempts"], row["heartbeat_at"])


def claimer_is_dead(claimed_by: str) -> bool:
    """True when `claimed_by` names a process on this host that no longer exists.

    A worker process killed mid-run is then re-claimed at once when the broker
    redelivers its task, instead of waiting for its heartbeat to go stale.
    Claims by other hosts are judged by their heartbeat only.
    """
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _current_claim(submission_id: int) -> Claim:
    attempt = Submission.objects.values_list("attempts", flat=True).get(pk=submission_id)
    logger.info("Submission %s claimed by %s (attempt %s)", submission_id, worker_name(), attempt)
    return Claim(submission_id, attempt)


def _reclaim_stale(submission_id: int, attempts: int, heartbeat_at: object) -> Claim | None:
    rows = Submission.objects.filter(
        pk=submission_id, status=Status.RUNNING, attempts=attempts, heartbeat_at=heartbeat_at,
    )
    if attempts >= settings.ELUE_MAX_ATTEMPTS:
        if rows.update(**failed_fields(WORKER_LOST_REASON)):
            logger.warning("Submission %s FAILED: worker lost after %s attempts", submission_id, attempts)
        return None
    now = timezone.now()
    if rows.update(started_at=now, heartbeat_at=now, claimed_by=worker_name(), attempts=attempts + 1):
        logger.warning("Submission %s re-claimed after a stale heartbeat (attempt %s)",
                       submission_id, attempts + 1)
        return Claim(submission_id, attempts + 1)
    logger.info("Submission %s changed while re-claiming; task skipped", submission_id)
    return None


def failed_fields(reason: str, errors: list | None = None, *, counts_against_quota: bool = False) -> dict:
    """Return the update that marks a submission FAILED with `reason`."""
    return {
        "status": Status.FAILED, "failure_reason": reason, "errors": errors or [],
        "counts_against_quota": counts_against_quota, "finished_at": timezone.now(),
    }


def release(claim: Claim) -> bool:
    """Put a claimed submission back to QUEUED so a retried task can claim it."""
    return bool(claim.rows().update(status=Status.QUEUED, claimed_by="", heartbeat_at=None))


def recover_stale_runs() -> dict[str, int]:
    """Requeue RUNNING submissions with a stale heartbeat, or fail them when out of attempts.

    Returns the counts {"requeued": n, "failed": m}. Requeued ones are sent
    to the broker again after the update.
    """
    from elue_site.submissions.services import enqueue

    counts = {"requeued": 0, "failed": 0}
    stale = Submission.objects.filter(
        Q(heartbeat_at__lt=stale_before()) | Q(heartbeat_at__isnull=True), status=Status.RUNNING,
    )
    for row in stale.values("pk", "attempts", "heartbeat_at"):
        rows = Submission.objects.filter(
            pk=row["pk"], status=Status.RUNNING, attempts=row["attempts"], heartbeat_at=row["heartbeat_at"],
        )
        if row["attempts"] >= settings.ELUE_MAX_ATTEMPTS:
            counts["failed"] += rows.update(**failed_fields(WORKER_LOST_REASON))
            logger.warning("Submission %s FAILED: worker lost after %s attempts", row["pk"], row["attempts"])
        elif rows.update(status=Status.QUEUED, claimed_by="", heartbeat_at=None):
            counts["requeued"] += 1
            logger.warning("Submission %s requeued: its worker stopped sending heartbeats", row["pk"])
            enqueue(row["pk"])
    return counts


def describe_failure(reason: str) -> str:
    """Return a translated sentence for the stored failure reason."""
    if reason == WORKER_LOST_REASON:
        return _("The worker running this evaluation stopped several times. The platform caused "
                 "this; it does not count against your quota. Submit again.")
    return reason
