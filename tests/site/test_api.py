"""The JSON API: token auth, entries, submissions, privacy and the error shape."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from elue_site.benchmark.models import ModelEntry, Status, Submission
from site_factories import PASSWORD, make_entry, make_finished, make_submission, predictions_tsv, upload

pytestmark = pytest.mark.django_db


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _assert_error_shape(response, code):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code


def test_token_endpoint(owner):
    response = APIClient().post("/api/v1/token/", {"username": "owner", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=owner).key


def test_anonymous_rejected_with_error_shape():
    response = _api().get("/api/v1/entries/")
    assert response.status_code == 401
    _assert_error_shape(response, "not_authenticated")


def test_create_and_list_entries(owner, other):
    created = _api(owner).post("/api/v1/entries/", {"name": "ApiNet", "kind": "dynamic"}, format="json")
    make_entry(other, "NotMine")
    listed = _api(owner).get("/api/v1/entries/").json()["entries"]
    assert created.status_code == 201
    assert created.json()["is_public"] is False
    assert [item["name"] for item in listed] == ["ApiNet"]


def test_duplicate_entry_name(owner, other):
    make_entry(other, "SameName")
    response = _api(owner).post("/api/v1/entries/", {"name": "samename"}, format="json")
    assert response.status_code == 400
    _assert_error_shape(response, "duplicate_name")
    assert "already exists" in response.json()["error"]["details"]["name"][0]


def test_missing_entry_name_invalid(owner):
    response = _api(owner).post("/api/v1/entries/", {"kind": "static"}, format="json")
    assert response.status_code == 400
    _assert_error_shape(response, "invalid")
    assert "name" in response.json()["error"]["details"]


@pytest.mark.parametrize("persona, expected", [("owner", 200), ("staff", 200), ("other", 404)])
def test_entry_detail_privacy(owner, other, staff, persona, expected):
    entry = make_entry(owner, "Secret")
    user = {"owner": owner, "other": other, "staff": staff}[persona]
    response = _api(user).get(f"/api/v1/entries/{entry.pk}/")
    assert response.status_code == expected
    if expected == 404:
        _assert_error_shape(response, "not_found")


@pytest.mark.parametrize("persona, expected", [("owner", 200), ("staff", 200), ("other", 404)])
def test_submission_detail_privacy(owner, other, staff, persona, expected):
    submission = make_finished(make_entry(owner, "Secret"))
    user = {"owner": owner, "other": other, "staff": staff}[persona]
    response = _api(user).get(f"/api/v1/submissions/{submission.pk}/")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["results"]["points"][0]["flops"] == 4_238_000_000


def test_anonymous_submission_detail():
    response = _api().get("/api/v1/submissions/1/")
    assert response.status_code == 401


def test_submit_paper_route(owner):
    entry = make_entry(owner, "PaperNet")
    response = _api(owner).post("/api/v1/submissions/", {
        "entry": entry.pk, "task": "MRPC", "route": "paper", "points": "87.9, 9117, 109.5",
    }, format="multipart")
    assert response.status_code == 201
    assert response.json()["status"] == "FINISHED"
    # 87.9 at 9,117 MFLOPs is the MRPC 12-layer reference point itself.
    assert response.json()["results"]["task_score"] == 0.0


def test_submit_predictions_route(owner, django_capture_on_commit_callbacks):
    entry = make_entry(owner, "PredNet")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _api(owner).post("/api/v1/submissions/", {
            "entry": entry.pk, "task": "SST-2", "route": "predictions", "mflops": "2119 1000", "mparams": "67",
            "predictions": [upload("a.tsv", predictions_tsv([1, 0])), upload("b.tsv", predictions_tsv([0, 0]))],
        }, format="multipart")
    submission = Submission.objects.get()
    assert response.status_code == 201
    assert response.json()["status"] == "QUEUED"
    assert submission.prediction_files.count() == 2
    assert len(callbacks) == 1


def test_submit_to_other_users_entry(owner, other):
    entry = make_entry(other, "TheirNet")
    response = _api(owner).post("/api/v1/submissions/", {
        "entry": entry.pk, "task": "SST-2", "route": "paper", "points": "80, 100, 10",
    }, format="multipart")
    assert response.status_code == 404
    assert not Submission.objects.exists()


def test_submit_limit_error_names_limit(owner, settings):
    settings.ELUE_MAX_RUNNING_PER_USER = 1
    entry = make_entry(owner, "BusyNet")
    make_submission(entry, status=Status.QUEUED)
    response = _api(owner).post("/api/v1/submissions/", {
        "entry": entry.pk, "task": "SST-2", "route": "predictions", "mflops": "1", "mparams": "1",
        "predictions": [upload("a.tsv", predictions_tsv([1]))],
    }, format="multipart")
    assert response.status_code == 400
    _assert_error_shape(response, "running_limit")
    assert response.json()["error"]["details"]["params"]["limit"] == 1
    assert "ELUE_MAX_RUNNING_PER_USER" in response.json()["error"]["message"]


def test_submit_unknown_task(owner):
    entry = make_entry(owner, "TaskNet")
    response = _api(owner).post("/api/v1/submissions/", {
        "entry": entry.pk, "task": "CoLA", "route": "paper", "points": "80, 100, 10",
    }, format="multipart")
    assert response.status_code == 400
    _assert_error_shape(response, "unknown_task")
    message = response.json()["error"]["details"]["task"][0]
    assert "'CoLA'" in message
    assert "SST-2, IMDb" in message
    assert "STS-B" in message


@pytest.mark.parametrize("spelling", ["sst2", "SST2", "sst-2", "SST-2"])
def test_submit_task_spellings(owner, spelling):
    entry = make_entry(owner, f"Spelling {spelling}")
    response = _api(owner).post("/api/v1/submissions/", {
        "entry": entry.pk, "task": spelling, "route": "paper", "points": "80, 100, 10",
    }, format="multipart")
    assert response.status_code == 201
    assert Submission.objects.get(entry=entry).task.key == "SST-2"


def test_session_auth_works(owner_client, owner):
    make_entry(owner, "SessionNet")
    response = owner_client.get("/api/v1/entries/")
    assert response.status_code == 200
    assert ModelEntry.objects.get().name == response.json()["entries"][0]["name"]
