"""Factories for the platform tests: users, entries, submissions and tiny
ELUE-layout task folders whose labels the tests know."""

from __future__ import annotations

import itertools
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from elue_site.benchmark.models import (
    ModelEntry, PredictionFile, ResultPoint, Route, Source, Status, Submission, Task,
)

PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)

# Gold labels of the tiny SST-2 test set written by write_task_folder.
TINY_SST2_LABELS = [1, 0, 1, 1, 0, 0]


def make_user(username: str | None = None, *, staff: bool = False) -> object:
    username = username or f"user{next(_counter)}"
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD, is_staff=staff,
    )


def make_entry(owner: object, name: str | None = None, *, public: bool = False, **fields: object) -> ModelEntry:
    return ModelEntry.objects.create(
        owner=owner, name=name or f"Model {next(_counter)}", is_public=public, **fields,
    )


def make_submission(entry: ModelEntry, task_key: str = "SST-2", *, route: str = Route.PREDICTIONS,
                    status: str = Status.QUEUED, predictions: list[bytes] | None = None,
                    **fields: object) -> Submission:
    """Create a submission of `entry` with predictions files stored in MEDIA_ROOT."""
    submission = Submission.objects.create(
        entry=entry, task=Task.objects.get(key=task_key), route=route, status=status,
        submitted_by=fields.pop("submitted_by", entry.owner), **fields,
    )
    for position, content in enumerate(predictions or []):
        prediction = PredictionFile(submission=submission, position=position,
                                    original_name=f"point{position}.tsv", typed_flops=1_000_000_000)
        prediction.file.save(f"point{position}.tsv", ContentFile(content), save=True)
    return submission


def make_finished(entry: ModelEntry, task_key: str = "SST-2", *, performance: float = 90.0,
                  flops: int = 4_238_000_000) -> Submission:
    submission = make_submission(entry, task_key, route=Route.PAPER, status=Status.FINISHED,
                                 task_score=1.4, scoring_method="elue-1", finished_at=timezone.now())
    ResultPoint.objects.create(
        submission=submission, position=0, performance=performance, flops=flops, params=1_000_000,
        score=1.4, performance_source=Source.SELF_REPORTED, flops_source=Source.SELF_REPORTED,
        params_source=Source.SELF_REPORTED,
    )
    return submission


def predictions_tsv(preds: list[object], modules: list[str] | None = None) -> bytes:
    """Return a predictions file for indices 0..n-1."""
    header = "index\tpred" + ("\tmodules" if modules else "")
    rows = [header]
    for index, pred in enumerate(preds):
        row = f"{index}\t{pred}"
        if modules:
            row += f"\t{modules[index]}"
        rows.append(row)
    return ("\n".join(rows) + "\n").encode()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/tab-separated-values")


# --- tiny task folders in the ELUE layout ------------------------------------

_TINY = {
    "SST-2": ("index\tsentence", "sentence\tlabel", lambda i: (f"sentence {i}",), TINY_SST2_LABELS),
    "IMDb": ("index\tsentence", "sentence\tlabel", lambda i: (f"review {i}",), [0, 1, 1, 0]),
    "SNLI": ("index\tpremise\thypothesis", "premise\thypothesis\tlabel",
             lambda i: (f"premise {i}", f"hypothesis {i}"), [0, 1, 2, 0]),
    "SciTail": ("index\tpremise\thypothesis", "premise\thypothesis\tlabel",
                lambda i: (f"premise {i}", f"hypothesis {i}"), [0, 1, 1, 0]),
    "MRPC": ("index\t#1 ID\t#2 ID\t#1 String\t#2 String", "label\t#1 ID\t#2 ID\t#1 String\t#2 String",
             lambda i: ("1", "2", f"first {i}", f"second {i}"), [1, 0, 1, 1]),
    "STS-B": ("index\tsentence1\tsentence2", "sentence1\tsentence2\tlabel",
              lambda i: (f"one {i}", f"two {i}"), [0.5, 2.0, 3.5, 4.8]),
}


def write_task_folder(root: Path, task_key: str) -> Path:
    """Write test.tsv and test_full.tsv of a tiny test set of `task_key` under `root`."""
    test_header, gold_header, texts, labels = _TINY[task_key]
    folder = root / task_key
    folder.mkdir(parents=True, exist_ok=True)
    test_rows, gold_rows = [test_header], [gold_header]
    for index, label in enumerate(labels):
        fields = texts(index)
        test_rows.append("\t".join((str(index),) + fields))
        if gold_header.startswith("label"):
            gold_rows.append("\t".join((str(label),) + fields))
        else:
            gold_rows.append("\t".join(fields + (str(label),)))
    (folder / "test.tsv").write_text("\n".join(test_rows) + "\n", encoding="utf-8")
    (folder / "test_full.tsv").write_text("\n".join(gold_rows) + "\n", encoding="utf-8")
    return folder


def write_elue_dir(root: Path, task_keys: list[str] | None = None) -> Path:
    for key in task_keys or list(_TINY):
        write_task_folder(root, key)
    return root
