"""Registry of the six ELUE tasks.

Each `Task` describes how its data sits in the ELUE release layout
(`<data_dir>/<task directory>/test.tsv`, `test_full.tsv`, `train.tsv`,
`dev.tsv`), which columns contain the input text, the label set and the metric
that ranks submissions. Look tasks up with `get_task`, which accepts the
canonical key ("SST-2") and the lower-case form without the dash ("sst2").
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from evaluator.errors import UnknownNameError

TEST_FILE = "test.tsv"
GOLD_FILE = "test_full.tsv"


@dataclass(frozen=True)
class Task:
    """One ELUE task: its data layout, input columns, labels and metric.

    `text_columns` name the input columns, the same in every file of the task.
    `labels` is the class set, empty for the regression task STS-B.
    `label_columns` are the header names the label column may have (MRPC's
    train.tsv and dev.tsv call it "Quality"). `gold_csv_quoted` is true where
    test_full.tsv was written with CSV quoting, while all other files must be
    read with quoting off.
    """

    key: str
    group: str
    directory: str
    text_columns: tuple[str, ...]
    labels: tuple[int, ...]
    metric: str
    gold_csv_quoted: bool = False
    label_columns: tuple[str, ...] = ("label",)

    @property
    def is_regression(self) -> bool:
        """True for STS-B, whose predictions are real numbers, not classes."""
        return not self.labels

    @property
    def num_labels(self) -> int:
        """Number of model outputs: the class count, or 1 for regression."""
        return len(self.labels) or 1

    def path(self, data_dir: Path, file_name: str) -> Path:
        """Return the path of `file_name` in this task's folder of `data_dir`."""
        return Path(data_dir) / self.directory / file_name


TASKS: dict[str, Task] = {}


def register(task: Task) -> Task:
    """Add `task` to `TASKS`; raise ValueError if its key is taken."""
    if task.key in TASKS:
        raise ValueError(f"task {task.key!r} is already registered")
    TASKS[task.key] = task
    return task


def _normalise(name: str) -> str:
    return name.strip().lower().replace("-", "").replace("_", "")


def get_task(name: str) -> Task:
    """Return the task called `name` ("SST-2", "sst2", "STS-B", "stsb", ...).

    Raises UnknownNameError, listing the known keys and the closest match,
    when no task has that name.
    """
    by_spelling = {_normalise(key): task for key, task in TASKS.items()}
    requested = _normalise(name)
    if requested in by_spelling:
        return by_spelling[requested]

    close = difflib.get_close_matches(requested, list(by_spelling), n=1)
    hint = f" Did you mean {by_spelling[close[0]].key!r}?" if close else ""
    known = ", ".join(TASKS)
    raise UnknownNameError(f"Unknown task {name!r}. Known tasks: {known}.{hint}")


register(Task(
    key="SST-2", group="sentiment", directory="SST-2",
    text_columns=("sentence",), labels=(0, 1), metric="accuracy",
))
register(Task(
    key="IMDb", group="sentiment", directory="IMDb",
    text_columns=("sentence",), labels=(0, 1), metric="accuracy",
))
register(Task(
    key="SNLI", group="inference", directory="SNLI",
    text_columns=("premise", "hypothesis"), labels=(0, 1, 2), metric="accuracy",
))
register(Task(
    key="SciTail", group="inference", directory="SciTail",
    text_columns=("premise", "hypothesis"), labels=(0, 1), metric="accuracy",
))
register(Task(
    key="MRPC", group="paraphrase", directory="MRPC",
    text_columns=("#1 String", "#2 String"), labels=(0, 1), metric="acc_and_f1",
    gold_csv_quoted=True, label_columns=("label", "Quality"),
))
register(Task(
    key="STS-B", group="similarity", directory="STS-B",
    text_columns=("sentence1", "sentence2"), labels=(), metric="pearson_and_spearman",
    gold_csv_quoted=True,
))
