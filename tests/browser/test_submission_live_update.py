"""The submission page's live update in headless Chromium, without a worker.

The test changes the submission row in the database while the page polls
its status, as a worker would, and checks what the poller renders.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from elue_site.benchmark.models import ModelEntry, ResultPoint, Route, Source, Status, Submission, Task

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "live-update-pass-47"


@pytest.fixture
def queued(page) -> Submission:
    """Log in as the owner of a queued submission and open its page."""
    owner = get_user_model().objects.create_user("live-owner", password=PASSWORD)
    entry = ModelEntry.objects.create(owner=owner, name="LiveNet")
    submission = Submission.objects.create(entry=entry, task=Task.objects.get(key="SST-2"), route=Route.MODEL,
                                           submitted_by=owner)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", owner.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    page.goto(submission.get_absolute_url())
    return submission


def test_live_failure_keeps_line_breaks(page, queued):
    reason = "The model file raised an error:\nTraceback (most recent call last):\nValueError: bad shape"
    Submission.objects.filter(pk=queued.pk).update(status=Status.FAILED, failure_reason=reason,
                                                   finished_at=timezone.now())

    page.wait_for_selector("#submission-status.status-FAILED")
    shown = page.locator("#submission-failure-reason")
    assert shown.is_visible()
    assert shown.inner_text().count("\n") == 2
    assert page.locator("#submission-errors").is_hidden()


def test_live_results_use_board_formats(page, queued):
    ResultPoint.objects.create(
        submission=queued, position=0, performance=90.0, flops=12_340, params=45_000, score=0.3,
        performance_source=Source.MEASURED, flops_source=Source.MEASURED, params_source=Source.MEASURED,
    )
    Submission.objects.filter(pk=queued.pk).update(status=Status.FINISHED, task_score=0.3, scoring_method="elue-1",
                                                   finished_at=timezone.now())

    page.wait_for_selector("#submission-status.status-FINISHED")
    cells = page.locator("#submission-points td").all_inner_texts()
    assert page.locator("#submission-score").inner_text() == "+0.30"
    assert cells[1:5] == ["90.00", "0.0123", "0.0450", "+0.30"]
