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
    """Base class. `retryable` says whether the same call may succeed later."""

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
