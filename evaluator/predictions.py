"""Parser and validator of a submitter's predictions file.

A predictions file is UTF-8 tab-separated text with a header row and the
columns `index`, `pred` and optionally `modules`, one row per test example:

    index   pred    modules
    0       1       (12),emb; (12,768),layer_1; (768),exit_1
    1       0       (9),emb; (9,768),layer_1; (768),exit_1

* `index` is a test index of test.tsv. Every index appears exactly once.
* `pred` is an integer class label from the task's label set, or a finite
  number for the regression task STS-B.
* `modules` lists the modules that the example executed, in order, each as
  `(d1,d2,...),name` with its input shape without the batch dimension,
  separated by ";". A model file requires this column in every file.

Validation reports every problem of the file (up to the evaluation's cap),
each naming the file, the line, the submitter's value and what was expected.
Messages quote only the submitter's values, never a gold label.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evaluator.errors import ProblemList
from evaluator.tasks import Task

logger = logging.getLogger(__name__)

INDEX = "index"
PRED = "pred"
MODULES = "modules"
MISSING_INDICES_SHOWN = 10

_INTEGER = re.compile(r"\s*-?[0-9]+\s*")
_ENTRY = re.compile(r"\s*\(\s*([0-9]+(?:\s*,\s*[0-9]+)*)\s*\)\s*,\s*([A-Za-z0-9_.\-]+)\s*")

Prediction = int | float


@dataclass(frozen=True)
class ModuleShape:
    """A module of the model file and one input shape, without the batch dimension."""

    name: str
    shape: tuple[int, ...]

    def __str__(self) -> str:
        return f"({','.join(map(str, self.shape))}),{self.name}"


def parse_modules(text: str) -> list[ModuleShape]:
    """Parse a modules cell such as "(10),emb; (10,768),layer_1; (768),exit_1".

    Raises ValueError naming the first entry that is not `(d1,d2,...),name`
    with positive integer dimensions.
    """
    entries = text.split(";")
    if entries and not entries[-1].strip():
        entries.pop()  # tolerate one trailing ";"
    if not entries:
        raise ValueError("empty modules list; expected entries such as (10,768),layer_1")

    modules = []
    for number, entry in enumerate(entries, start=1):
        match = _ENTRY.fullmatch(entry)
        if match is None:
            raise ValueError(
                f"modules entry {number} {entry.strip()!r} is not of the form "
                "(d1,d2,...),name with integer dimensions and a name of letters, "
                "digits, '_', '.' or '-'"
            )
        shape = tuple(int(size) for size in match.group(1).split(","))
        if 0 in shape:
            raise ValueError(f"modules entry {number} {entry.strip()!r} has a zero dimension")
        modules.append(ModuleShape(name=match.group(2), shape=shape))
    return modules


@dataclass
class Predictions:
    """A validated predictions file, aligned with the test set's row order.

    `modules[i]` lists what test row i executed, or `modules` is None when the
    file has no modules column. `first_lines` maps each module name to the
    first file line that lists it, for error messages about unknown modules.
    """

    name: str
    values: list[Prediction]
    modules: list[tuple[ModuleShape, ...]] | None
    first_lines: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.values)


def read_predictions(
    path: Path,
    task: Task,
    indices: Sequence[int],
    problems: ProblemList,
    *,
    name: str | None = None,
    require_modules: bool = False,
) -> Predictions | None:
    """Read and validate one predictions file against the test `indices`.

    Problems go to `problems` under the file name `name` (default: the file's
    base name, so server paths stay private). Returns None when the file has
    any problem.
    """
    name = name or Path(path).name
    before = len(problems)
    lines = _read_lines(path, name, problems)
    if lines is None:
        return None

    columns = _check_header(lines[0], name, problems, require_modules=require_modules)
    if columns is None:
        return None

    first_problem = len(problems.problems)
    parser = _RowParser(task, indices, name, problems, columns)
    for number, line in enumerate(lines[1:], start=2):
        parser.parse(number, line)
    parser.check_complete()
    _hint_wrong_task(parser, len(lines) - 1, problems, first_problem)

    if len(problems) > before:
        return None
    return parser.result()


def _hint_wrong_task(parser: _RowParser, rows: int, problems: ProblemList, position: int) -> None:
    """Put one hint first when most indices are unknown: the file is likely for another task."""
    if rows == 0 or parser.unknown_indices * 2 <= rows:
        return
    key = parser.task.key
    problems.insert(position, parser.name, None, None,
                    f"{parser.unknown_indices} of {rows} rows have an index that is not in the {key} "
                    f"test set; check that this file was made for {key}")


def _read_lines(path: Path, name: str, problems: ProblemList) -> list[str] | None:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        problems.add(name, None, None, f"the file is not valid UTF-8 text ({error.reason} "
                     f"at byte {error.start}); save it as UTF-8")
        return None

    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()  # trailing blank lines carry no rows
    if not lines:
        problems.add(name, None, None, "the file is empty; expected a header row "
                     "'index<TAB>pred' and one row per test example")
        return None
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _check_header(
    header: str, name: str, problems: ProblemList, *, require_modules: bool
) -> list[str] | None:
    columns = [column.strip().lower() for column in header.split("\t")]
    allowed = [[INDEX, PRED], [INDEX, PRED, MODULES]]
    if sorted(columns) not in [sorted(option) for option in allowed]:
        problems.add(name, 1, header, "invalid header; expected the tab-separated columns "
                     "index, pred and optionally modules")
        return None
    if require_modules and MODULES not in columns:
        problems.add(name, 1, header, "missing modules column; a model file requires it "
                     "in every predictions file")
        return None
    return columns


class _RowParser:
    """Parses rows one by one, recording problems and aligned values."""

    def __init__(
        self,
        task: Task,
        indices: Sequence[int],
        name: str,
        problems: ProblemList,
        columns: list[str],
    ) -> None:
        self.task = task
        self.name = name
        self.problems = problems
        self.columns = columns
        self.has_modules = MODULES in columns
        self.position_of = {index: position for position, index in enumerate(indices)}
        self.values: list[Prediction | None] = [None] * len(indices)
        self.modules: list[tuple[ModuleShape, ...] | None] = [None] * len(indices)
        self.seen_on: dict[int, int] = {}
        self.first_lines: dict[str, int] = {}
        self.parsed_modules: dict[str, tuple[ModuleShape, ...] | str] = {}
        self.unknown_indices = 0

    def problem(self, line: int, value: str | None, message: str) -> None:
        self.problems.add(self.name, line, value, message)

    def parse(self, number: int, line: str) -> None:
        fields = line.split("\t")
        if len(fields) != len(self.columns):
            self.problem(number, line, f"expected {len(self.columns)} tab-separated fields "
                         f"({', '.join(self.columns)}), found {len(fields)}")
            return
        row = dict(zip(self.columns, fields))

        position = self.parse_index(number, row[INDEX])
        value = self.parse_pred(number, row[PRED])
        modules = self.parse_modules(number, row[MODULES]) if self.has_modules else None
        if position is None:
            return
        self.values[position] = value
        self.modules[position] = modules

    def parse_index(self, number: int, text: str) -> int | None:
        if not _INTEGER.fullmatch(text):
            self.problem(number, text, "index is not an integer; expected a test index")
            return None
        index = int(text)
        if index not in self.position_of:
            self.unknown_indices += 1
            self.problem(number, text, f"unknown index; test indices of {self.task.key} run "
                         f"from {min(self.position_of)} to {max(self.position_of)}")
            return None
        if index in self.seen_on:
            self.problem(number, text, f"duplicate index; already given on line "
                         f"{self.seen_on[index]}")
            return None
        self.seen_on[index] = number
        return self.position_of[index]

    def parse_pred(self, number: int, text: str) -> Prediction | None:
        if self.task.is_regression:
            return self._parse_score(number, text)
        return self._parse_class(number, text)

    def _parse_score(self, number: int, text: str) -> float | None:
        try:
            # float() also accepts "1_000"; a score never needs the underscore.
            value = math.nan if "_" in text else float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.problem(number, text, f"pred is not a finite number; {self.task.key} "
                         "expects a real-valued score such as 3.25")
            return None
        return value

    def _parse_class(self, number: int, text: str) -> int | None:
        labels = ", ".join(map(str, self.task.labels))
        if not _INTEGER.fullmatch(text):
            self.problem(number, text, f"pred is not an integer class label; "
                         f"{self.task.key} labels are {labels}")
            return None
        value = int(text)
        if value not in self.task.labels:
            self.problem(number, text, f"pred is not a {self.task.key} label; "
                         f"expected one of {labels}")
            return None
        return value

    def parse_modules(self, number: int, text: str) -> tuple[ModuleShape, ...] | None:
        parsed = self.parsed_modules.get(text)
        if parsed is None:
            try:
                parsed = tuple(parse_modules(text))
            except ValueError as error:
                parsed = str(error)
            self.parsed_modules[text] = parsed

        if isinstance(parsed, str):
            self.problem(number, text, f"invalid modules: {parsed}")
            return None
        for module in parsed:
            self.first_lines.setdefault(module.name, number)
        return parsed

    def check_complete(self) -> None:
        missing = [index for index in self.position_of if index not in self.seen_on]
        if not missing:
            return

        shown = ", ".join(map(str, missing[:MISSING_INDICES_SHOWN]))
        more = ""
        if len(missing) > MISSING_INDICES_SHOWN:
            more = f" and {len(missing) - MISSING_INDICES_SHOWN} more"
        noun = "index" if len(missing) == 1 else "indices"
        self.problems.add(self.name, None, None, f"missing predictions for {len(missing)} "
                          f"test {noun}: {shown}{more}; give one row per test example")

    def result(self) -> Predictions:
        modules = list(self.modules) if self.has_modules else None
        return Predictions(name=self.name, values=list(self.values), modules=modules,
                           first_lines=self.first_lines)
