"""Exceptions raised by the evaluator.

Every error carries what failed and whether retrying can help, so callers
(the command line, the Celery task) decide between exit codes, retries and a
message to the submitter without parsing text. No message may contain a gold
label: validators compare against labels but only ever quote the submitter's
own values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One defect in a submitted file: where it is and what was expected."""

    file: str
    line: int | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.value is None:
            return f"{where}: {self.message}"
        return f"{where}: {self.message} (got {self.value!r})"

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "value": self.value, "message": self.message}


class EvaluatorError(Exception):
    """Base class. `retryable` is true when the same call may succeed later."""

    retryable = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if retryable is not None:
            self.retryable = retryable


class InvalidInputError(EvaluatorError):
    """The submitter's files are invalid; `problems` lists every defect found."""

    def __init__(self, problems: list[Problem], *, truncated: int = 0) -> None:
        self.problems = list(problems)
        self.truncated = truncated
        lines = [str(problem) for problem in self.problems]
        if truncated:
            lines.append(f"... and {truncated} more problems not shown")
        super().__init__("\n".join(lines), retryable=False)


class MeasurementError(EvaluatorError):
    """Measuring the model file failed: it crashed, timed out, exceeded a
    resource limit, or used an operator that cannot be priced."""


class DataError(EvaluatorError):
    """The task data directory is missing files or its files disagree."""


class UnknownNameError(EvaluatorError, LookupError):
    """A registry (tasks, metrics) has no entry of the requested name."""


MAX_PROBLEMS = 50
MAX_VALUE_CHARS = 80


class ProblemList:
    """Problems collected across all files of one evaluation, capped.

    The first `limit` problems are kept and later ones only counted, so a
    25,000-line file full of errors neither floods the submitter nor memory.
    """

    def __init__(self, limit: int = MAX_PROBLEMS) -> None:
        self.limit = limit
        self.problems: list[Problem] = []
        self.truncated = 0

    def add(self, file: str, line: int | None, value: str | None, message: str) -> None:
        """Record one problem, or only count it once `limit` are kept.

        Values longer than MAX_VALUE_CHARS are cut, so one huge field cannot
        fill the report.
        """
        if len(self.problems) >= self.limit:
            self.truncated += 1
            return
        if value is not None and len(value) > MAX_VALUE_CHARS:
            value = value[:MAX_VALUE_CHARS] + "..."
        self.problems.append(Problem(file=file, line=line, value=value, message=message))

    def insert(self, position: int, file: str, line: int | None, value: str | None, message: str) -> None:
        """Record one problem at `position`, ahead of later ones; the cap still holds."""
        self.problems.insert(position, Problem(file=file, line=line, value=value, message=message))
        if len(self.problems) > self.limit:
            self.problems.pop()
            self.truncated += 1

    def __len__(self) -> int:
        return len(self.problems) + self.truncated

    def raise_if_any(self) -> None:
        """Raise InvalidInputError with the kept problems if any were recorded."""
        if len(self):
            raise InvalidInputError(self.problems, truncated=self.truncated)
