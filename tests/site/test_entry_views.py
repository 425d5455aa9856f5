"""Entry and submission pages for each persona: owner, other user, anonymous, staff.

A private entry, its submissions and its files return 404 to everyone but
the owner and staff. Only the owner may change an entry.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from elue_site.benchmark.models import ModelEntry, Route, Submission
from site_factories import make_entry, make_finished, make_submission, predictions_tsv

pytestmark = pytest.mark.django_db

READERS = {"owner": 200, "staff": 200, "other": 404, "anonymous": 404}


@pytest.fixture
def entry(owner):
    return make_entry(owner, "Private TinyNet")


@pytest.fixture
def submission(entry):
    return make_submission(entry, predictions=[predictions_tsv([1, 0, 1, 1, 0, 0])])


@pytest.mark.parametrize("persona, expected", READERS.items())
def test_entry_page_private(persona_clients, entry, persona, expected):
    response = persona_clients[persona].get(reverse("submissions:entry", args=[entry.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize("persona, expected", READERS.items())
def test_entry_page_public_still_owner_page(persona_clients, owner, persona, expected):
    # The management page stays with owner and staff; the public entry page is on the boards.
    public = make_entry(owner, "Public TinyNet", public=True)
    response = persona_clients[persona].get(reverse("submissions:entry", args=[public.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize("persona, expected", READERS.items())
def test_submission_page(persona_clients, submission, persona, expected):
    response = persona_clients[persona].get(reverse("submissions:detail", args=[submission.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize("persona, expected", READERS.items())
def test_submission_status_json(persona_clients, submission, persona, expected):
    response = persona_clients[persona].get(reverse("submissions:status", args=[submission.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize("persona, expected", READERS.items())
def test_prediction_file_download(persona_clients, submission, persona, expected):
    url = reverse("submissions:prediction_file", args=[submission.pk, 0])
    response = persona_clients[persona].get(url)
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content).startswith(b"index\tpred")
        assert "attachment" in response["Content-Disposition"]


def test_media_root_has_no_url(owner_client, submission):
    stored = submission.prediction_files.get().file.name
    assert owner_client.get(f"/media/{stored}").status_code == 404
    assert owner_client.get(f"/{stored}").status_code == 404


@pytest.mark.parametrize("persona, expected", {"owner": 200, "staff": 404, "other": 404, "anonymous": 404}.items())
def test_edit_page_owner_only(persona_clients, entry, persona, expected):
    response = persona_clients[persona].get(reverse("submissions:entry_edit", args=[entry.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize("persona", ["other", "staff", "anonymous"])
def test_publish_rejected_for_non_owner(persona_clients, entry, persona):
    response = persona_clients[persona].post(reverse("submissions:entry_publish", args=[entry.pk]))
    entry.refresh_from_db()
    assert response.status_code == 404
    assert entry.is_public is False


def test_owner_publishes_and_unpublishes(owner_client, entry):
    owner_client.post(reverse("submissions:entry_publish", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.is_public is True
    owner_client.post(reverse("submissions:entry_unpublish", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.is_public is False


def test_owner_page_says_unpublish(owner_client, owner):
    public = make_entry(owner, "Shown", public=True)
    content = owner_client.get(reverse("submissions:entry", args=[public.pk])).content.decode()
    assert ">Unpublish</button>" in content
    assert "Make private" not in content


def test_publish_requires_post(owner_client, entry):
    response = owner_client.get(reverse("submissions:entry_publish", args=[entry.pk]))
    assert response.status_code == 405


@pytest.mark.parametrize("persona", ["other", "staff", "anonymous"])
def test_delete_rejected_for_non_owner(persona_clients, entry, persona):
    response = persona_clients[persona].post(reverse("submissions:entry_delete", args=[entry.pk]))
    assert response.status_code == 404
    assert ModelEntry.objects.filter(pk=entry.pk).exists()


def test_owner_deletes_entry(owner_client, entry):
    response = owner_client.post(reverse("submissions:entry_delete", args=[entry.pk]))
    assert response.status_code == 302
    assert not ModelEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("persona, expected", {"owner": 200, "staff": 404, "other": 404, "anonymous": 404}.items())
def test_add_results_page_owner_only(persona_clients, entry, persona, expected):
    response = persona_clients[persona].get(reverse("submissions:create", args=[entry.pk]))
    assert response.status_code == expected


def test_create_entry_private_by_default(owner_client, owner):
    response = owner_client.post(reverse("submissions:entry_create"), {
        "name": "DistilTiny", "kind": "dynamic", "affiliation": "Example Lab",
        "paper_url": "https://example.org/paper", "code_url": "https://example.org/code",
    })
    entry = ModelEntry.objects.get(name="DistilTiny")
    assert response.status_code == 302
    assert entry.owner == owner
    assert entry.is_public is False
    assert entry.kind == "dynamic"


def test_duplicate_name_rejected_ignoring_case(owner_client, other):
    make_entry(other, "ElasticTiny")
    response = owner_client.post(reverse("submissions:entry_create"), {"name": "elastictiny", "kind": "static"})
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["name"][0].code == "duplicate_name"
    assert ModelEntry.objects.filter(name__iexact="elastictiny").count() == 1


def test_create_entry_requires_login(anonymous_client):
    response = anonymous_client.get(reverse("submissions:entry_create"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_mine_lists_only_own_entries(owner_client, owner, other):
    make_entry(owner, "Mine A")
    make_entry(other, "Theirs B")
    content = owner_client.get(reverse("submissions:mine")).content.decode()
    assert "Mine A" in content
    assert "Theirs B" not in content


def test_submission_page_shows_problems(owner_client, entry):
    failed = make_submission(entry, status="FAILED", failure_reason="invalid predictions", errors=[
        {"file": "point0.tsv", "line": 3, "value": "7", "message": "pred must be 0 or 1"},
    ])
    content = owner_client.get(reverse("submissions:detail", args=[failed.pk])).content.decode()
    assert 'id="submission-status"' in content
    assert ">Failed<" in content
    assert "point0.tsv" in content
    assert "pred must be 0 or 1" in content


def test_failure_reason_keeps_line_breaks(owner_client, entry):
    failed = make_submission(entry, status="FAILED", failure_reason="Traceback:\n  line 1 <bad>\nValueError")
    content = owner_client.get(reverse("submissions:detail", args=[failed.pk])).content.decode()
    assert "Traceback:\n  line 1 &lt;bad&gt;\nValueError</pre>" in content
    assert '<table id="submission-errors" hidden>' in content


def test_problems_table_shown_with_problems(owner_client, entry):
    failed = make_submission(entry, status="FAILED", failure_reason="invalid", errors=[
        {"file": "p.tsv", "line": 2, "value": "7", "message": "invalid label"},
    ])
    content = owner_client.get(reverse("submissions:detail", args=[failed.pk])).content.decode()
    assert '<table id="submission-errors" >' in content


def test_submission_page_formats_like_boards(owner_client, entry):
    finished = make_finished(entry, performance=90.0, flops=12_340)
    finished.task_score = 0.3
    finished.save()
    finished.points.update(score=0.3, params=45_000)
    content = owner_client.get(reverse("submissions:detail", args=[finished.pk])).content.decode()
    assert '<strong id="submission-score">+0.30</strong>' in content
    assert '<td class="number">0.0123</td>' in content
    assert '<td class="number">0.0450</td>' in content
    assert '<td class="number">+0.30</td>' in content


def test_entry_and_mine_pages_sign_scores(owner_client, entry):
    finished = make_finished(entry)
    finished.task_score = 6.5
    finished.save()
    for url in (reverse("submissions:entry", args=[entry.pk]), reverse("submissions:mine")):
        assert '<td class="number">+6.50</td>' in owner_client.get(url).content.decode()


def test_status_json_display_strings(owner_client, entry):
    finished = make_finished(entry, performance=90.0, flops=12_340)
    finished.points.update(score=-0.25, params=45_000)
    results = owner_client.get(reverse("submissions:status", args=[finished.pk])).json()["results"]
    assert results["task_score_display"] == "+1.40"
    assert results["points"][0]["display"] == {
        "performance": "90.00", "mflops": "0.0123", "params": "0.0450", "score": "-0.25",
    }


def test_entry_page_marks_counted_submission(owner_client, entry):
    from datetime import timedelta

    from django.utils import timezone

    older = make_finished(entry)
    newer = make_finished(entry)
    Submission.objects.filter(pk=older.pk).update(finished_at=timezone.now() - timedelta(days=1))
    queued = make_submission(entry, "MRPC")
    response = owner_client.get(reverse("submissions:entry", args=[entry.pk]))
    rows = {row.split("</td>")[0]: row for row in response.content.decode().split('<td><a href="')[1:]}
    assert "counted" in rows[f'{newer.get_absolute_url()}">SST-2</a>']
    assert "superseded" in rows[f'{older.get_absolute_url()}">SST-2</a>']
    assert "counted" not in rows[f'{queued.get_absolute_url()}">MRPC</a>']
    assert response.context["counted_ids"] == {newer.pk}


def test_finished_status_text(owner_client, entry):
    finished = make_finished(entry)
    response = owner_client.get(reverse("submissions:status", args=[finished.pk]))
    data = response.json()
    assert data["status"] == "FINISHED"
    assert data["status_display"] == "Finished"
    assert data["results"]["points"][0]["performance"] == 90.0
    assert data["queue_position"] is None


def test_queue_position_counts_earlier_queued(owner, other):
    first = make_submission(make_entry(other), route=Route.MODEL)
    second = make_submission(make_entry(owner), route=Route.PREDICTIONS)
    from elue_site.submissions.status import queue_position
    assert queue_position(first) == 1
    assert queue_position(second) == 2


def test_delete_removes_uploaded_files(owner_client, entry, submission, django_capture_on_commit_callbacks):
    stored = submission.prediction_files.get().file
    path = stored.path
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("submissions:entry_delete", args=[entry.pk]))
    assert not ModelEntry.objects.filter(pk=entry.pk).exists()
    assert not Path(path).exists()


@pytest.mark.parametrize("persona", ["other", "staff", "anonymous"])
def test_unpublish_rejected_for_non_owner(persona_clients, owner, persona):
    public = make_entry(owner, "Shown", public=True)
    response = persona_clients[persona].post(reverse("submissions:entry_unpublish", args=[public.pk]))
    public.refresh_from_db()
    assert response.status_code == 404
    assert public.is_public is True


@pytest.mark.parametrize("persona", ["other", "staff", "anonymous"])
def test_add_results_post_rejected_for_non_owner(persona_clients, entry, persona):
    response = persona_clients[persona].post(reverse("submissions:create", args=[entry.pk]), {
        "task": "SST-2", "route": "paper", "points": "88.6, 4238, 109.5",
    })
    assert response.status_code == 404
    assert not entry.submissions.exists()


def test_add_results_accepts_task_spelling(owner_client, entry):
    response = owner_client.post(reverse("submissions:create", args=[entry.pk]), {
        "task": "stsb", "route": "paper", "points": "86.0, 2000, 67",
    })
    assert response.status_code == 302
    assert entry.submissions.get().task.key == "STS-B"


def test_add_results_unknown_task_lists_keys(owner_client, entry):
    response = owner_client.post(reverse("submissions:create", args=[entry.pk]), {
        "task": "CoLA", "route": "paper", "points": "86.0, 2000, 67",
    })
    content = response.content.decode()
    assert response.status_code == 200
    assert "Unknown task" in content
    assert "SciTail, MRPC, STS-B" in content
    assert not entry.submissions.exists()


def test_add_results_preselects_task_spelling(owner_client, entry):
    response = owner_client.get(reverse("submissions:create", args=[entry.pk]), {"task": "scitail"})
    assert '<option value="SciTail" selected>' in response.content.decode()


@pytest.mark.parametrize("persona", ["other", "staff", "anonymous"])
def test_edit_post_rejected_for_non_owner(persona_clients, entry, persona):
    response = persona_clients[persona].post(reverse("submissions:entry_edit", args=[entry.pk]), {
        "name": "Renamed", "kind": "static",
    })
    entry.refresh_from_db()
    assert response.status_code == 404
    assert entry.name == "Private TinyNet"


@pytest.mark.parametrize("persona, expected", READERS.items())
def test_model_file_download(persona_clients, entry, persona, expected):
    from django.core.files.base import ContentFile

    submission = make_submission(entry, route=Route.MODEL)
    submission.model_file.save("model.py", ContentFile(b"module_list = {}\n"), save=True)
    response = persona_clients[persona].get(reverse("submissions:model_file", args=[submission.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == b"module_list = {}\n"


def test_model_file_missing_is_404(owner_client, submission):
    response = owner_client.get(reverse("submissions:model_file", args=[submission.pk]))
    assert response.status_code == 404


def test_publish_next_stays_on_site(owner_client, entry):
    url = reverse("submissions:entry_publish", args=[entry.pk])
    inside = owner_client.post(url, {"next": "/some/board/"})
    outside = owner_client.post(url, {"next": "https://evil.example.org/"})
    assert inside["Location"] == "/some/board/"
    assert outside["Location"] == entry.get_absolute_url()
