"""The effective Celery configuration, read back from the app."""

from __future__ import annotations

from elue_site.celery import app
from elue_site.submissions.tasks import evaluate_submission, recover_stale_runs


def test_serialization_is_json_only():
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert list(app.conf.accept_content) == ["json"]


def test_delivery_guarantees():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_time_limits_soft_below_hard():
    assert app.conf.task_soft_time_limit == 3600
    assert app.conf.task_time_limit == 3900
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_evaluation_routed_to_evaluate_queue():
    route = app.amqp.router.route({}, evaluate_submission.name, args=(1,), kwargs={})
    assert route["queue"].name == "evaluate"
    assert evaluate_submission.name == "submissions.evaluate_submission"


def test_evaluation_task_declares_policy():
    assert evaluate_submission.acks_late is True
    assert evaluate_submission.reject_on_worker_lost is True
    assert evaluate_submission.max_retries == 2


def test_recovery_scheduled_on_beat():
    schedule = app.conf.beat_schedule["recover-stale-runs"]
    assert schedule["task"] == recover_stale_runs.name
