"""Task registry: spellings, columns, labels, metrics and unknown names."""

from __future__ import annotations

import pytest

from evaluator.errors import UnknownNameError
from evaluator.tasks import TASKS, Task, get_task, register


def test_registry_has_six_elue_tasks():
    assert list(TASKS) == ["SST-2", "IMDb", "SNLI", "SciTail", "MRPC", "STS-B"]


@pytest.mark.parametrize(
    ("spelling", "key"),
    [
        ("SST-2", "SST-2"),
        ("sst2", "SST-2"),
        ("sst-2", "SST-2"),
        ("imdb", "IMDb"),
        ("snli", "SNLI"),
        ("scitail", "SciTail"),
        ("mrpc", "MRPC"),
        ("stsb", "STS-B"),
        ("STS-B", "STS-B"),
        (" StsB ", "STS-B"),
    ],
)
def test_get_task_accepts_spellings(spelling, key):
    assert get_task(spelling).key == key


def test_unknown_task_lists_known_and_suggests():
    with pytest.raises(UnknownNameError) as caught:
        get_task("sts")
    message = str(caught.value)
    assert "'sts'" in message
    assert "SST-2, IMDb, SNLI, SciTail, MRPC, STS-B" in message
    assert "Did you mean 'STS-B'?" in message


def test_unknown_task_is_lookup_error():
    with pytest.raises(LookupError):
        get_task("cola")


def test_duplicate_registration_is_rejected():
    with pytest.raises(ValueError, match="already registered"):
        register(Task(key="SST-2", group="x", directory="x", text_columns=("a",),
                      labels=(0, 1), metric="accuracy"))


@pytest.mark.parametrize(
    ("key", "columns", "labels", "metric"),
    [
        ("SST-2", ("sentence",), (0, 1), "accuracy"),
        ("IMDb", ("sentence",), (0, 1), "accuracy"),
        ("SNLI", ("premise", "hypothesis"), (0, 1, 2), "accuracy"),
        ("SciTail", ("premise", "hypothesis"), (0, 1), "accuracy"),
        ("MRPC", ("#1 String", "#2 String"), (0, 1), "acc_and_f1"),
        ("STS-B", ("sentence1", "sentence2"), (), "pearson_and_spearman"),
    ],
)
def test_task_columns_labels_metric(key, columns, labels, metric):
    task = get_task(key)
    assert task.text_columns == columns
    assert task.labels == labels
    assert task.metric == metric
    assert task.directory == key


def test_num_labels_and_regression():
    assert get_task("SNLI").num_labels == 3
    assert get_task("MRPC").num_labels == 2
    assert get_task("STS-B").num_labels == 1
    assert get_task("STS-B").is_regression
    assert not get_task("SST-2").is_regression
