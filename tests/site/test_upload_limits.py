"""Adding results through the form: the three routes and every upload limit.

Each refused upload names the limit and its value. Submissions that failed
because of the platform count toward no limit.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from elue_site.benchmark.models import ResultPoint, Route, Status, Submission
from site_factories import make_entry, make_submission, predictions_tsv, upload

pytestmark = pytest.mark.django_db

GOLD_PREDICTIONS = predictions_tsv([1, 0, 1, 1, 0, 0])


@pytest.fixture
def entry(owner):
    return make_entry(owner, "LimitNet")


def _post(client, entry, data, files=None):
    return client.post(reverse("submissions:create", args=[entry.pk]), {**data, **(files or {})})


def _form_errors(response) -> list:
    form = response.context["form"]
    return [error for errors in form.errors.as_data().values() for error in errors]


def test_paper_route_scores_at_once(owner_client, entry):
    response = _post(owner_client, entry, {"task": "SST-2", "route": "paper", "points": "88.6, 4238, 109.5\n87.0, 2119, 67"})
    submission = Submission.objects.get(entry=entry)
    points = list(submission.points.order_by("position"))
    assert response.status_code == 302
    assert submission.status == Status.FINISHED
    assert [point.flops for point in points] == [4_238_000_000, 2_119_000_000]
    assert points[0].params_source == "self-reported"
    # Both points lie on the built-in SST-2 reference curve, so each scores 0.
    assert submission.task_score == 0.0


def test_paper_route_invalid_line(owner_client, entry):
    response = _post(owner_client, entry, {"task": "SST-2", "route": "paper", "points": "88.6, 4238"})
    assert response.status_code == 200
    assert [error.code for error in _form_errors(response)] == ["invalid_point"]
    assert not Submission.objects.exists()


def test_predictions_route_queues(owner_client, entry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _post(owner_client, entry, {"task": "SST-2", "route": "predictions", "mflops": "2119", "mparams": "67"},
                         {"predictions": [upload("a.tsv", GOLD_PREDICTIONS)]})
    submission = Submission.objects.get(entry=entry)
    assert response.status_code == 302
    assert submission.status == Status.QUEUED
    assert submission.typed_params == 67_000_000
    assert submission.prediction_files.get().typed_flops == 2_119_000_000
    assert len(callbacks) == 1


def test_predictions_route_needs_one_flops_per_file(owner_client, entry):
    response = _post(owner_client, entry, {"task": "SST-2", "route": "predictions", "mflops": "2119 4238", "mparams": "67"},
                     {"predictions": [upload("a.tsv", GOLD_PREDICTIONS)]})
    assert [error.code for error in _form_errors(response)] == ["flops_count_mismatch"]
    assert "you uploaded 1 file and typed 2 values." in response.content.decode()


def test_model_route_needs_python_file(owner_client, entry):
    response = _post(owner_client, entry, {"task": "SST-2", "route": "model"},
                     {"predictions": [upload("a.tsv", GOLD_PREDICTIONS)], "model_file": upload("model.txt", b"x = 1\n")})
    assert [error.code for error in _form_errors(response)] == ["invalid_model_file"]


def test_file_size_limit(owner_client, entry, settings):
    settings.ELUE_MAX_UPLOAD_MB = 1
    big = upload("big.tsv", b"index\tpred\n" + b"0\t1\n" * 300_000)
    response = _post(owner_client, entry, {"task": "SST-2", "route": "predictions", "mflops": "1", "mparams": "1"},
                     {"predictions": [big]})
    errors = _form_errors(response)
    assert [error.code for error in errors] == ["file_too_large"]
    assert "limit is 1 MB per file" in response.content.decode()
    assert not Submission.objects.exists()


def test_file_count_limit(owner_client, entry, settings):
    settings.ELUE_MAX_FILES_PER_SUBMISSION = 2
    files = [upload(f"p{number}.tsv", GOLD_PREDICTIONS) for number in range(3)]
    response = _post(owner_client, entry, {"task": "SST-2", "route": "predictions", "mflops": "1 2 3", "mparams": "1"},
                     {"predictions": files})
    assert [error.code for error in _form_errors(response)] == ["too_many_files"]
    assert "limit is 2 files per submission" in response.content.decode()


def test_file_count_limit_singular(owner_client, entry, settings):
    settings.ELUE_MAX_FILES_PER_SUBMISSION = 1
    files = [upload(f"p{number}.tsv", GOLD_PREDICTIONS) for number in range(2)]
    response = _post(owner_client, entry, {"task": "SST-2", "route": "predictions", "mflops": "1 2", "mparams": "1"},
                     {"predictions": files})
    content = response.content.decode()
    assert "This submission has 2 files." in content
    assert "The limit is 1 file per submission" in content


def test_daily_limit(owner_client, owner, entry, settings):
    settings.ELUE_MAX_SUBMISSIONS_PER_DAY = 2
    make_submission(entry, status=Status.FINISHED)
    make_submission(entry, status=Status.FAILED)
    response = _post(owner_client, entry, {"task": "SST-2", "route": "paper", "points": "88, 4238, 109"})
    assert [error.code for error in _form_errors(response)] == ["daily_limit"]
    assert "limit is 2 per day" in response.content.decode()


def test_platform_failure_not_counted(owner_client, entry, settings):
    settings.ELUE_MAX_SUBMISSIONS_PER_DAY = 1
    make_submission(entry, status=Status.FAILED, counts_against_quota=False)
    response = _post(owner_client, entry, {"task": "SST-2", "route": "paper", "points": "88, 4238, 109"})
    assert response.status_code == 302
    assert Submission.objects.filter(status=Status.FINISHED).count() == 1


def test_running_limit(owner_client, entry, settings):
    settings.ELUE_MAX_RUNNING_PER_USER = 1
    make_submission(entry, status=Status.RUNNING)
    response = _post(owner_client, entry, {"task": "SST-2", "route": "predictions", "mflops": "1", "mparams": "1"},
                     {"predictions": [upload("a.tsv", GOLD_PREDICTIONS)]})
    assert [error.code for error in _form_errors(response)] == ["running_limit"]
    assert "limit is 1 at once" in response.content.decode()
    assert "You have 1 evaluation queued or running" in response.content.decode()


def test_daily_limit_singular(owner_client, entry, settings):
    settings.ELUE_MAX_SUBMISSIONS_PER_DAY = 1
    make_submission(entry, status=Status.FINISHED)
    response = _post(owner_client, entry, {"task": "SST-2", "route": "paper", "points": "88, 4238, 109"})
    assert "You made 1 submission in the last 24 hours" in response.content.decode()


def test_running_limit_ignores_paper_route(owner_client, entry, settings):
    settings.ELUE_MAX_RUNNING_PER_USER = 1
    make_submission(entry, status=Status.RUNNING)
    response = _post(owner_client, entry, {"task": "SST-2", "route": "paper", "points": "88, 4238, 109"})
    assert response.status_code == 302
    assert ResultPoint.objects.count() == 1


def test_limits_count_per_user(owner_client, other, entry, settings):
    settings.ELUE_MAX_RUNNING_PER_USER = 1
    make_submission(make_entry(other), status=Status.RUNNING, route=Route.MODEL)
    response = _post(owner_client, entry, {"task": "SST-2", "route": "predictions", "mflops": "1", "mparams": "1"},
                     {"predictions": [upload("a.tsv", GOLD_PREDICTIONS)]})
    assert response.status_code == 302
