"""Staff dashboard and its admin actions, for each persona.

Anonymous visitors are sent to log in, signed-in non-staff users get 403,
and only staff see or change anything.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from elue_site.benchmark.models import ReferencePoint, Route, Status, Submission
from elue_site.dashboard import services
from leaderboard_factories import add_result, make_entry, make_tasks, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks():
    return make_tasks()


@pytest.fixture
def owner():
    return make_user("owner")


@pytest.fixture
def other():
    return make_user("other")


@pytest.fixture
def staff():
    return make_user("staffer", staff=True)


@pytest.fixture
def enqueued(monkeypatch):
    """Record the ids sent to the Celery task instead of writing to the shared broker."""
    sent: list[int] = []
    monkeypatch.setattr(services, "enqueue", sent.append)
    return sent


def _failed(entry, task, reason="The model file timed out after 600 s.", days_ago=1):
    submission = add_result(entry, task, [], status=Status.FAILED)
    Submission.objects.filter(pk=submission.pk).update(
        failure_reason=reason, finished_at=timezone.now() - timedelta(days=days_ago),
    )
    return submission


# Access ---------------------------------------------------------------------

STAFF_GETS = [("dashboard:home", {}), ("dashboard:reference", {"task_key": "SST-2"})]
STAFF_POSTS = [("dashboard:rerun", "submission"), ("dashboard:hide", "entry"), ("dashboard:unhide", "entry")]


@pytest.mark.parametrize("url_name, kwargs", STAFF_GETS)
def test_dashboard_anonymous_redirected_to_login(client, tasks, url_name, kwargs):
    response = client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url_name, kwargs", STAFF_GETS)
def test_dashboard_non_staff_forbidden(client, tasks, other, url_name, kwargs):
    client.force_login(other)
    assert client.get(reverse(url_name, kwargs=kwargs)).status_code == 403


@pytest.mark.parametrize("url_name, kwargs", STAFF_GETS)
def test_dashboard_staff_allowed(client, tasks, staff, url_name, kwargs):
    client.force_login(staff)
    assert client.get(reverse(url_name, kwargs=kwargs)).status_code == 200


@pytest.mark.parametrize("url_name, target", STAFF_POSTS)
@pytest.mark.parametrize("persona", ["anonymous", "owner", "other"])
def test_dashboard_actions_need_staff(client, tasks, owner, other, enqueued, url_name, target, persona):
    entry = make_entry(owner, "target", hidden=(url_name == "dashboard:unhide"))
    submission = _failed(entry, tasks["SST-2"])
    if persona != "anonymous":
        client.force_login({"owner": owner, "other": other}[persona])

    pk = submission.pk if target == "submission" else entry.pk
    response = client.post(reverse(url_name, kwargs={"pk": pk}))

    assert response.status_code == (302 if persona == "anonymous" else 403)
    entry.refresh_from_db()
    submission.refresh_from_db()
    assert entry.is_hidden == (url_name == "dashboard:unhide")
    assert submission.status == Status.FAILED
    assert enqueued == []


def test_dashboard_actions_reject_get(client, tasks, staff, owner):
    entry = make_entry(owner, "target")
    client.force_login(staff)
    assert client.get(reverse("dashboard:hide", kwargs={"pk": entry.pk})).status_code == 405


# Home page ------------------------------------------------------------------

def test_dashboard_shows_queue_running_failures(client, tasks, owner, staff):
    entry = make_entry(owner, "busy-model")
    sst2, imdb = tasks["SST-2"], tasks["IMDb"]
    for _ in range(3):
        add_result(entry, sst2, [], status=Status.QUEUED)
    running = add_result(entry, imdb, [], status=Status.RUNNING)
    Submission.objects.filter(pk=running.pk).update(
        started_at=timezone.now() - timedelta(minutes=42), progress_step="measuring", progress_done=2, progress_total=5,
    )
    _failed(entry, sst2, reason="Line 7 of predictions.tsv: invalid label", days_ago=2)
    _failed(entry, sst2, reason="An old failure", days_ago=30)

    client.force_login(staff)
    response = client.get(reverse("dashboard:home"))

    assert response.context["counts"] == {"queued": 3, "running": 1}
    (submission, age), = response.context["running"]
    assert submission.pk == running.pk
    assert timedelta(minutes=41) < age < timedelta(minutes=44)
    reasons = [failure.failure_reason for failure in response.context["failures"]]
    assert reasons == ["Line 7 of predictions.tsv: invalid label"]
    content = response.content.decode()
    assert "42\xa0minutes" in content
    assert "measuring (2/5)" in content


def test_dashboard_failure_window_param(client, tasks, owner, staff):
    entry = make_entry(owner, "m")
    _failed(entry, tasks["SST-2"], reason="An old failure", days_ago=30)
    client.force_login(staff)
    response = client.get(reverse("dashboard:home"), {"days": "31"})
    assert [f.failure_reason for f in response.context["failures"]] == ["An old failure"]
    response = client.get(reverse("dashboard:home"), {"days": "not-a-number"})
    assert response.context["days"] == 7


def test_dashboard_lists_reference_curves(client, tasks, staff):
    client.force_login(staff)
    content = client.get(reverse("dashboard:home")).content.decode()
    assert 'id="reference-SST-2"' in content
    # 12 layers of SST-2: 4,238 MFLOPs, 88.6.
    assert "4,238" in content
    assert "88.6" in content


# Re-run ---------------------------------------------------------------------

def test_rerun_requeues_failed_submission(client, tasks, owner, staff, enqueued, django_capture_on_commit_callbacks):
    entry = make_entry(owner, "m")
    submission = _failed(entry, tasks["SST-2"])
    Submission.objects.filter(pk=submission.pk).update(attempts=3, errors=[{"message": "x"}])
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboard:rerun", kwargs={"pk": submission.pk}))

    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.QUEUED
    assert submission.attempts == 0
    assert submission.errors == []
    assert submission.failure_reason == ""
    assert submission.finished_at is None
    assert enqueued == [submission.pk]


def test_requeued_run_waits_from_requeue(client, tasks, owner, staff, enqueued, django_capture_on_commit_callbacks):
    submission = _failed(make_entry(owner, "m"), tasks["SST-2"])
    Submission.objects.filter(pk=submission.pk).update(submitted_at=timezone.now() - timedelta(days=3))
    waiting = add_result(make_entry(owner, "n"), tasks["MRPC"], [], status=Status.QUEUED)
    Submission.objects.filter(pk=waiting.pk).update(submitted_at=timezone.now() - timedelta(hours=1))
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dashboard:rerun", kwargs={"pk": submission.pk}))

    response = client.get(reverse("dashboard:home"))
    queued = response.context["queued"]
    table = response.content.decode().split('id="queued-runs"')[1].split("</table>")[0]
    # The re-queued run joins the queue behind the one waiting for an hour.
    assert [item.pk for item in queued] == [waiting.pk, submission.pk]
    assert "0\xa0minutes" in table
    assert "3\xa0days" not in table


def test_no_rerun_button_for_invalid_files(client, tasks, owner, staff):
    entry = make_entry(owner, "m")
    invalid = _failed(entry, tasks["SST-2"], reason="The submitted files are invalid: 1 problem listed.")
    platform = _failed(entry, tasks["MRPC"], reason="worker lost")
    Submission.objects.filter(pk=invalid.pk).update(counts_against_quota=True)
    Submission.objects.filter(pk=platform.pk).update(counts_against_quota=False)
    client.force_login(staff)
    content = client.get(reverse("dashboard:home")).content.decode()
    assert f'data-rerun="{invalid.pk}"' not in content
    assert f'data-rerun="{platform.pk}"' in content


@pytest.mark.parametrize("status", [Status.QUEUED, Status.RUNNING])
def test_rerun_skips_active_submission(client, tasks, owner, staff, enqueued, django_capture_on_commit_callbacks, status):
    submission = add_result(make_entry(owner, "m"), tasks["SST-2"], [], status=status)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dashboard:rerun", kwargs={"pk": submission.pk}))
    submission.refresh_from_db()
    assert submission.status == status
    assert enqueued == []


def test_rerun_skips_paper_route(tasks, owner, staff, enqueued):
    submission = add_result(make_entry(owner, "m"), tasks["SST-2"], [(85.0, 4238)], score=-3.5, source="paper")
    assert submission.route == Route.PAPER
    assert services.rerun_submission(submission.pk, staff_user=staff) is False
    assert enqueued == []


# Hide and unhide ------------------------------------------------------------

def test_hide_removes_entry_from_boards(client, tasks, owner, staff):
    entry = make_entry(owner, "to-hide")
    add_result(entry, tasks["SST-2"], [(86.0, 2000)], score=0.1)
    task_url = reverse("leaderboards:task", kwargs={"task_key": "SST-2"})
    assert "to-hide" in client.get(task_url).content.decode()

    client.force_login(staff)
    client.post(reverse("dashboard:hide", kwargs={"pk": entry.pk}))
    client.logout()
    entry.refresh_from_db()
    assert entry.is_hidden
    assert "to-hide" not in client.get(task_url).content.decode()

    client.force_login(staff)
    client.post(reverse("dashboard:unhide", kwargs={"pk": entry.pk}))
    entry.refresh_from_db()
    assert not entry.is_hidden


# Reference curve ------------------------------------------------------------

def _curve_post(task, changes: dict[int, float]) -> dict[str, str]:
    """Build the formset POST data of `task`'s points, with new performances by layers."""
    points = list(task.reference_points.order_by("flops"))
    data = {
        "reference_points-TOTAL_FORMS": str(len(points) + 1),
        "reference_points-INITIAL_FORMS": str(len(points)),
        "reference_points-MIN_NUM_FORMS": "0",
        "reference_points-MAX_NUM_FORMS": "1000",
    }
    for number, point in enumerate(points):
        prefix = f"reference_points-{number}-"
        data.update({
            prefix + "id": str(point.pk), prefix + "task": str(task.pk), prefix + "layers": str(point.layers),
            prefix + "mflops": str(point.flops / 1e6),
            prefix + "performance": str(changes.get(point.layers, point.performance)),
            prefix + "source": point.source,
        })
    return data


def test_reference_edit_rescores_submissions(client, tasks, owner, staff):
    sst2 = tasks["SST-2"]
    # Reference 6L (2119, 87.0) and 12L (4238, 88.6). 3178.5 MFLOPs is half-way,
    # so p_ref = 87.8 and a point at 86.0 scores -1.8.
    submission = add_result(make_entry(owner, "m"), sst2, [(86.0, 3178.5)], score=-1.8)
    client.force_login(staff)

    # New 6L performance 85.0: p_ref = (85.0 + 88.6) / 2 = 86.8, score -0.8.
    response = client.post(reverse("dashboard:reference", kwargs={"task_key": "SST-2"}), _curve_post(sst2, {6: 85.0}))

    assert response.status_code == 302
    assert ReferencePoint.objects.get(task=sst2, layers=6).performance == 85.0
    submission.refresh_from_db()
    assert submission.task_score == pytest.approx(-0.8)
    assert submission.points.get().score == pytest.approx(-0.8)
    assert submission.scoring_method == "elue-1"


def test_reference_edit_marks_typed_flops(client, tasks, staff):
    sst2 = tasks["SST-2"]
    data = _curve_post(sst2, {})
    data["reference_points-0-mflops"] = "2200"
    client.force_login(staff)
    client.post(reverse("dashboard:reference", kwargs={"task_key": "SST-2"}), data)
    edited = ReferencePoint.objects.get(task=sst2, layers=6)
    unchanged = ReferencePoint.objects.get(task=sst2, layers=12)
    assert edited.flops == 2_200_000_000
    assert edited.provenance == {"method": "typed by staff"}
    assert unchanged.provenance != {"method": "typed by staff"}


def test_reference_edit_rejects_duplicate_mflops(client, tasks, staff):
    sst2 = tasks["SST-2"]
    data = _curve_post(sst2, {})
    data.update({
        "reference_points-2-task": str(sst2.pk), "reference_points-2-layers": "3",
        "reference_points-2-mflops": "2119", "reference_points-2-performance": "84.1",
        "reference_points-2-source": "chart",
    })
    client.force_login(staff)
    response = client.post(reverse("dashboard:reference", kwargs={"task_key": "SST-2"}), data)

    assert response.status_code == 200
    assert "same MFLOPs" in response.content.decode()
    assert sst2.reference_points.count() == 2


def test_reference_edit_rejects_out_of_range_performance(client, tasks, staff):
    sst2 = tasks["SST-2"]
    client.force_login(staff)
    response = client.post(reverse("dashboard:reference", kwargs={"task_key": "SST-2"}), _curve_post(sst2, {12: 0.886}))
    # 0.886 is in range, so it saves; 886 is not.
    assert response.status_code == 302
    response = client.post(reverse("dashboard:reference", kwargs={"task_key": "SST-2"}), _curve_post(sst2, {12: 886}))
    assert response.status_code == 200
    assert "outside 0..100" in response.content.decode()


# Django admin ---------------------------------------------------------------

def test_admin_hide_action(admin_client, tasks, owner):
    entry = make_entry(owner, "admin-target")
    response = admin_client.post(
        reverse("admin:benchmark_modelentry_changelist"),
        {"action": "hide_entries", "_selected_action": [str(entry.pk)]},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.is_hidden


def test_admin_rerun_action(admin_client, tasks, owner, enqueued, django_capture_on_commit_callbacks):
    submission = _failed(make_entry(owner, "m"), tasks["SST-2"])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:benchmark_submission_changelist"),
            {"action": "rerun_submissions", "_selected_action": [str(submission.pk)]},
        )
    submission.refresh_from_db()
    assert submission.status == Status.QUEUED
    assert enqueued == [submission.pk]


def test_admin_reference_change_rescores(admin_client, tasks, owner):
    sst2 = tasks["SST-2"]
    submission = add_result(make_entry(owner, "m"), sst2, [(86.0, 3178.5)], score=-1.8)
    point = ReferencePoint.objects.get(task=sst2, layers=6)
    response = admin_client.post(
        reverse("admin:benchmark_referencepoint_change", args=[point.pk]),
        {"task": sst2.pk, "layers": 6, "flops": point.flops, "performance": 85.0, "source": "edited",
         "provenance": "{}"},
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.task_score == pytest.approx(-0.8)


def test_dashboard_query_count_constant(client, tasks, owner, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff)

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("dashboard:home")).status_code == 200
        return len(context.captured_queries)

    def seed(number: int) -> None:
        for index in range(number):
            entry = make_entry(owner, f"q-{number}-{index}", hidden=index % 2 == 0)
            _failed(entry, tasks["SST-2"])
            add_result(entry, tasks["IMDb"], [], status=Status.QUEUED)

    seed(3)
    small = count()
    seed(30)
    assert count() == small
