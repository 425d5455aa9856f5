"""Claiming, redelivery, lost workers and failure handling of the evaluation task.

These run the real task function in this process (Celery's `apply`) against
the real database and the real evaluator on a tiny SST-2 test set whose
labels are TINY_SST2_LABELS.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from elue_site.benchmark.models import ReferencePoint, Route, Status, Submission, Task
from elue_site.benchmark.taskdata import import_task
from elue_site.submissions import claims, evaluation, services
from elue_site.submissions.tasks import evaluate_submission
from site_factories import TINY_SST2_LABELS, make_entry, make_submission, predictions_tsv, write_elue_dir

pytestmark = pytest.mark.django_db


@pytest.fixture
def sst2(tmp_path, settings):
    """Import the tiny SST-2 set and a two-point reference curve (12 and 6 layers)."""
    import_task(write_elue_dir(tmp_path / "source", ["SST-2"]), "SST-2")
    task = Task.objects.get(key="SST-2")
    ReferencePoint.objects.create(task=task, layers=12, flops=4_238_000_000, performance=88.6, source="test")
    ReferencePoint.objects.create(task=task, layers=6, flops=2_119_000_000, performance=87.0, source="test")
    return task


@pytest.fixture
def queued(owner, sst2):
    submission = make_submission(make_entry(owner), route=Route.PREDICTIONS,
                                 predictions=[predictions_tsv(TINY_SST2_LABELS)], typed_params=67_000_000)
    submission.prediction_files.update(typed_flops=2_119_000_000)
    return submission


def _stale(submission: Submission, attempts: int) -> None:
    Submission.objects.filter(pk=submission.pk).update(
        status=Status.RUNNING, attempts=attempts, heartbeat_at=timezone.now() - timedelta(hours=1),
    )


def test_claim_updates_exactly_once(queued):
    first = claims.claim(queued.pk)
    second = claims.claim(queued.pk)
    queued.refresh_from_db()
    assert first == claims.Claim(queued.pk, 1)
    assert second is None
    assert queued.status == Status.RUNNING
    assert queued.attempts == 1
    assert queued.claimed_by
    assert queued.started_at is not None


@pytest.mark.parametrize("status", [Status.FINISHED, Status.FAILED])
def test_done_row_skipped(queued, status):
    Submission.objects.filter(pk=queued.pk).update(status=status)
    assert evaluate_submission.apply(args=[queued.pk]).get() == "skipped"
    queued.refresh_from_db()
    assert queued.status == status
    assert queued.attempts == 0


def test_duplicate_with_fresh_heartbeat_skipped(queued):
    claims.claim(queued.pk)
    assert evaluate_submission.apply(args=[queued.pk]).get() == "skipped"
    queued.refresh_from_db()
    assert queued.status == Status.RUNNING
    assert queued.attempts == 1


def test_missing_row_skipped(db):
    assert evaluate_submission.apply(args=[999_999]).get() == "skipped"


def test_stale_heartbeat_reclaimed_and_finished(queued):
    _stale(queued, attempts=1)
    assert evaluate_submission.apply(args=[queued.pk]).get() == "FINISHED"
    queued.refresh_from_db()
    assert queued.status == Status.FINISHED
    assert queued.attempts == 2


def test_stale_heartbeat_out_of_attempts_fails(queued, settings):
    _stale(queued, attempts=settings.ELUE_MAX_ATTEMPTS)
    assert evaluate_submission.apply(args=[queued.pk]).get() == "skipped"
    queued.refresh_from_db()
    assert queued.status == Status.FAILED
    assert queued.failure_reason == claims.WORKER_LOST_REASON
    assert queued.counts_against_quota is False


def test_lost_claim_cannot_store(queued):
    old = claims.claim(queued.pk)
    _stale(queued, attempts=1)
    newer = claims.claim(queued.pk)
    assert newer == claims.Claim(queued.pk, 2)
    assert evaluation.mark_failed(old, "late writer", counts_against_quota=True) is False
    queued.refresh_from_db()
    assert queued.status == Status.RUNNING


def test_route2_gold_predictions_scored(queued):
    assert evaluate_submission.apply(args=[queued.pk]).get() == "FINISHED"
    queued.refresh_from_db()
    point = queued.points.get()
    assert point.performance == 100.0
    assert point.flops == 2_119_000_000
    assert point.flops_source == "self-reported"
    assert point.performance_source == "measured"
    # p_ref at 2,119 MFLOPs is the 6-layer reference, 87.0: 100 - 87.0 = 13.0.
    assert queued.task_score == 13.0
    assert queued.scoring_method == "elue-1"
    assert queued.params == 67_000_000
    assert queued.provenance["platform_versions"]["django"]
    assert queued.progress_total > 0
    assert queued.finished_at is not None


def test_invalid_predictions_fail_with_problems(owner, sst2):
    bad = predictions_tsv([1, 0, 7, 1, 0, 0])
    submission = make_submission(make_entry(owner), predictions=[bad], typed_params=1)
    assert evaluate_submission.apply(args=[submission.pk]).get() == "FAILED"
    submission.refresh_from_db()
    assert submission.status == Status.FAILED
    assert submission.counts_against_quota is True
    problem = submission.errors[0]
    assert problem["file"] == "point0.tsv"
    assert problem["line"] == 4
    assert problem["value"] == "7"


def test_missing_task_data_not_counted(owner, db):
    submission = make_submission(make_entry(owner), "MRPC", predictions=[predictions_tsv([1])], typed_params=1)
    assert evaluate_submission.apply(args=[submission.pk]).get() == "FAILED"
    submission.refresh_from_db()
    assert submission.counts_against_quota is False
    assert "task data" in submission.failure_reason


def test_platform_error_retried_then_failed(queued, monkeypatch, settings):
    calls = []

    def broken_disk(claim):
        calls.append(claim.attempt)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("elue_site.submissions.tasks.run_evaluation", broken_disk)
    evaluate_submission.apply(args=[queued.pk])
    queued.refresh_from_db()
    assert calls == [1, 2, 3]
    assert queued.status == Status.FAILED
    assert queued.counts_against_quota is False
    assert "No space left on device" in queued.failure_reason


def test_platform_error_then_success(queued, monkeypatch):
    real = evaluation.run_evaluation
    calls = []

    def flaky(claim):
        calls.append(claim.attempt)
        if len(calls) == 1:
            raise OSError(5, "Input/output error")
        return real(claim)

    monkeypatch.setattr("elue_site.submissions.tasks.run_evaluation", flaky)
    evaluate_submission.apply(args=[queued.pk])
    queued.refresh_from_db()
    assert calls == [1, 2]
    assert queued.status == Status.FINISHED


def test_recover_requeues_stale(queued, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "enqueue", sent.append)
    _stale(queued, attempts=1)
    call_command("recover_stale_runs")
    queued.refresh_from_db()
    assert queued.status == Status.QUEUED
    assert sent == [queued.pk]


def test_recover_fails_exhausted(queued, monkeypatch, settings):
    monkeypatch.setattr(services, "enqueue", lambda pk: None)
    _stale(queued, attempts=settings.ELUE_MAX_ATTEMPTS)
    assert claims.recover_stale_runs() == {"requeued": 0, "failed": 1}
    queued.refresh_from_db()
    assert queued.status == Status.FAILED
    assert queued.failure_reason == "worker lost"


def test_recover_leaves_fresh_runs(queued, monkeypatch):
    monkeypatch.setattr(services, "enqueue", lambda pk: None)
    claims.claim(queued.pk)
    assert claims.recover_stale_runs() == {"requeued": 0, "failed": 0}
    queued.refresh_from_db()
    assert queued.status == Status.RUNNING


def test_dead_claimer_on_this_host_reclaimed(queued):
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    claims.claim(queued.pk)
    Submission.objects.filter(pk=queued.pk).update(claimed_by=f"{socket.gethostname()}:{exited.pid}")
    assert claims.claim(queued.pk) == claims.Claim(queued.pk, 2)


def test_other_host_claim_judged_by_heartbeat(queued):
    claims.claim(queued.pk)
    Submission.objects.filter(pk=queued.pk).update(claimed_by="another-host:1")
    assert claims.claim(queued.pk) is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_heartbeat_thread_refreshes_row(owner, settings):
    import time

    settings.ELUE_HEARTBEAT_STALE_SECONDS = 10
    submission = make_submission(make_entry(owner), predictions=[predictions_tsv([1])])
    claim = claims.claim(submission.pk)
    old = timezone.now() - timedelta(hours=1)
    Submission.objects.filter(pk=submission.pk).update(heartbeat_at=old)
    with evaluation.Heartbeat(claim):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            submission.refresh_from_db()
            if submission.heartbeat_at > old:
                break
            time.sleep(0.2)
    assert submission.heartbeat_at > old


def test_unexpected_error_marks_failed(queued, monkeypatch):
    def bug(claim):
        raise ValueError("bug in the platform")

    monkeypatch.setattr("elue_site.submissions.tasks.run_evaluation", bug)
    outcome = evaluate_submission.apply(args=[queued.pk])
    queued.refresh_from_db()
    assert outcome.failed()
    assert queued.status == Status.FAILED
    assert queued.counts_against_quota is False
    assert "internal error" in queued.failure_reason
