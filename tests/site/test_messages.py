"""Site messages that carry counts use the singular for one and the plural otherwise."""

from __future__ import annotations

import pytest
from evaluator import InvalidInputError, Problem

from elue_site.dashboard.services import RescoreReport, rescore_message
from elue_site.submissions.evaluation import invalid_files_reason


def _problems(count: int) -> list[Problem]:
    return [Problem(file="a.tsv", line=line, value="7", message="invalid label") for line in range(2, 2 + count)]


@pytest.mark.parametrize("count, truncated, expected", [
    (1, 0, "The submitted files are invalid: 1 problem listed."),
    (3, 0, "The submitted files are invalid: 3 problems listed."),
    (50, 1, "The submitted files are invalid: 50 problems listed and 1 more not shown."),
])
def test_invalid_files_reason_plurals(count, truncated, expected):
    assert invalid_files_reason(InvalidInputError(_problems(count), truncated=truncated)) == expected


@pytest.mark.parametrize("total, changed, expected", [
    (1, 1, "Re-scored 1 finished submission of SST-2; 1 task score changed."),
    (2, 0, "Re-scored 2 finished submissions of SST-2; 0 task scores changed."),
])
def test_rescore_message_plurals(total, changed, expected):
    assert rescore_message(RescoreReport("SST-2", total, changed)) == expected
