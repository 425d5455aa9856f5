"""Readers for the ELUE release layout of a task data directory.

`<data_dir>/<task directory>/test.tsv` contains the unlabelled test inputs (an
`index` column, then the text columns), `test_full.tsv` the same rows in the
same order with their labels, and `train.tsv` / `dev.tsv` labelled examples
where present. The readers survive the quirks of the released files:

* UTF-8 byte-order marks (decoded with "utf-8-sig") and CRLF line ends;
* quoting is off for every file, because texts contain unbalanced `"`,
  except test_full.tsv of MRPC and STS-B, which was written with CSV quoting;
* reviews contain Unicode line breaks (IMDb has U+0085, and U+2028 would
  act alike), so lines are split on "\\n" only, never with str.splitlines.

Errors in the data raise DataError. Their messages never quote a label,
because test labels are the benchmark's secret.
"""

from __future__ import annotations

import csv
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

from evaluator.errors import DataError
from evaluator.tasks import GOLD_FILE, TEST_FILE, Task

logger = logging.getLogger(__name__)

INDEX_COLUMN = "index"

Label = int | float


@dataclass(frozen=True)
class Table:
    """A TSV file as a header and rows of string fields."""

    path: Path
    header: tuple[str, ...]
    rows: list[list[str]]

    def column(self, *names: str) -> int:
        """Return the position of the first of `names` in the header."""
        for name in names:
            if name in self.header:
                return self.header.index(name)
        raise DataError(
            f"{self.path}: missing column {' or '.join(map(repr, names))}; "
            f"the header has {', '.join(map(repr, self.header))}"
        )


@dataclass(frozen=True)
class TestSet:
    """The test inputs of a task and their gold labels, row-aligned."""

    task: Task
    indices: list[int]
    inputs: list[tuple[str, ...]]
    gold: list[Label] = field(repr=False)

    def __len__(self) -> int:
        return len(self.indices)


@dataclass(frozen=True)
class LabelledSplit:
    """Labelled examples of one split (train, dev or test)."""

    inputs: list[tuple[str, ...]]
    labels: list[Label] = field(repr=False)


def read_tsv(path: Path, *, csv_quoted: bool = False) -> Table:
    """Read a tab-separated file with a header row.

    Every row must have as many fields as the header, else DataError names
    the line.
    """
    lines = _read_lines(path)
    if csv_quoted:
        rows = list(csv.reader(lines, delimiter="\t", strict=True))
    else:
        rows = [line.split("\t") for line in lines]
    header, body = tuple(rows[0]), rows[1:]

    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DataError(
                f"{path}:{number}: expected {len(header)} tab-separated fields "
                f"as in the header, found {len(row)}"
            )
    return Table(path=path, header=header, rows=body)


def _read_lines(path: Path) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"Missing data file {path}") from None
    except UnicodeDecodeError as error:
        raise DataError(f"{path} is not valid UTF-8: {error}") from None

    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if not lines:
        raise DataError(f"{path} is empty; expected a header row")
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def read_test_inputs(task: Task, data_dir: Path) -> list[tuple[str, ...]]:
    """Return the text columns of the rows of test.tsv, in file order."""
    table = read_tsv(task.path(data_dir, TEST_FILE))
    return _texts(task, table)


def read_test_set(task: Task, data_dir: Path) -> TestSet:
    """Read test.tsv and test_full.tsv and check that they have the same rows.

    Indices must be unique integers. The texts come from test.tsv, the labels
    from test_full.tsv.
    """
    table = read_tsv(task.path(data_dir, TEST_FILE))
    indices = _indices(table)
    gold = read_gold_labels(task, data_dir)
    if len(gold) != len(indices):
        raise DataError(
            f"{task.path(data_dir, TEST_FILE)} has {len(indices)} rows but "
            f"{task.path(data_dir, GOLD_FILE)} has {len(gold)}; they must hold "
            "the same test examples in the same order"
        )
    logger.debug("Read %s test rows of %s from %s", len(indices), task.key, data_dir)
    return TestSet(task=task, indices=indices, inputs=_texts(task, table), gold=gold)


def read_gold_labels(task: Task, data_dir: Path) -> list[Label]:
    """Return the labels of test_full.tsv in file order."""
    table = read_tsv(task.path(data_dir, GOLD_FILE), csv_quoted=task.gold_csv_quoted)
    return _labels(task, table)


def read_split(task: Task, data_dir: Path, split: str) -> LabelledSplit:
    """Read the labelled examples of `split`: "train", "dev" or "test".

    "test" pairs the texts of test.tsv with the labels of test_full.tsv.
    """
    if split == "test":
        test_set = read_test_set(task, data_dir)
        return LabelledSplit(inputs=test_set.inputs, labels=test_set.gold)
    if split not in ("train", "dev"):
        raise ValueError(f"Unknown split {split!r}; expected 'train', 'dev' or 'test'")

    table = read_tsv(task.path(data_dir, f"{split}.tsv"))
    return LabelledSplit(inputs=_texts(task, table), labels=_labels(task, table))


def _texts(task: Task, table: Table) -> list[tuple[str, ...]]:
    positions = [table.column(name) for name in task.text_columns]
    return [tuple(row[position] for position in positions) for row in table.rows]


def _indices(table: Table) -> list[int]:
    position = table.column(INDEX_COLUMN)
    indices = []
    for number, row in enumerate(table.rows, start=2):
        try:
            indices.append(int(row[position]))
        except ValueError:
            raise DataError(
                f"{table.path}:{number}: index {row[position]!r} is not an integer"
            ) from None
    if len(set(indices)) != len(indices):
        raise DataError(f"{table.path}: the index column contains duplicate values")
    return indices


def _labels(task: Task, table: Table) -> list[Label]:
    position = table.column(*task.label_columns)
    parse = _parse_score if task.is_regression else _parse_class
    labels = []
    for number, row in enumerate(table.rows, start=2):
        label = parse(task, row[position])
        if label is None:
            # The value itself stays out of the message: it may be a test label.
            raise DataError(f"{table.path}:{number}: invalid label for task {task.key}")
        labels.append(label)
    return labels


def _parse_class(task: Task, value: str) -> int | None:
    try:
        label = int(value)
    except ValueError:
        return None
    return label if label in task.labels else None


def _parse_score(task: Task, value: str) -> float | None:
    try:
        score = float(value)
    except ValueError:
        return None
    return score if math.isfinite(score) else None
