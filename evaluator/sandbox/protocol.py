"""Validation of the child's JSON result and of its exit status.

The child runs untrusted code, so its output is checked like any other
untrusted input before it becomes a measurement.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Collection
from typing import Any

from evaluator.errors import MeasurementError
from evaluator.predictions import ModuleShape

# bwrap exits with 128 + N when the sandboxed process is killed by signal N.
SIGNAL_EXIT_BASE = 128

_ERROR_PREFIXES = {
    "import": "the model file failed to import",
    "invalid": "the model file is invalid",
    "module": "a forward pass of the model file failed",
    "unpriced": "the model file uses an operator whose FLOPs cannot be counted",
    "memory": "the model file exceeded the memory limit",
}


class InvalidResultError(MeasurementError):
    """The child's output is not a well-formed measurement."""


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise InvalidResultError(f"the model-file child returned an invalid result: {problem}")


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _parse_counts(entries: Any, requested: set[ModuleShape]) -> tuple[dict, dict]:
    """Return (flops, operators) keyed by ModuleShape, checking every entry."""
    _require(isinstance(entries, list), "counts is not a list")
    flops: dict[ModuleShape, int] = {}
    operators: dict[ModuleShape, dict[str, int]] = {}
    for entry in entries:
        _require(isinstance(entry, list) and len(entry) == 4, "a count entry is malformed")
        name, shape, total, by_operator = entry
        _require(isinstance(shape, list) and all(_is_count(size) for size in shape), "a shape is malformed")
        key = ModuleShape(name, tuple(shape))
        _require(key in requested and key not in flops, f"unexpected or repeated count for {key}")
        _require(_is_count(total), f"the FLOPs of {key} are not a non-negative integer")
        _require(
            isinstance(by_operator, dict)
            and all(isinstance(op, str) and _is_count(n) for op, n in by_operator.items()),
            f"the operator breakdown of {key} is malformed",
        )
        flops[key] = total
        operators[key] = by_operator
    return flops, operators


def parse_result(raw: bytes, requests: Collection[ModuleShape]) -> dict[str, Any]:
    """Parse the child's stdout into the fields of a ModelMeasurement.

    Raises MeasurementError with the child's message when it reported a
    failure, and InvalidResultError when the output is malformed.
    """
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidResultError(f"the model-file child returned no valid JSON: {error}") from error
    _require(isinstance(payload, dict), "the result is not a JSON object")

    if payload.get("status") == "error":
        kind, message = payload.get("kind"), payload.get("message")
        _require(kind in _ERROR_PREFIXES and isinstance(message, str), "an error report is malformed")
        raise MeasurementError(f"{_ERROR_PREFIXES[kind]}: {message}", retryable=False)
    _require(payload.get("status") == "ok", "status is neither 'ok' nor 'error'")

    requested = set(requests)
    flops, operators = _parse_counts(payload.get("counts"), requested)
    unknown = payload.get("unknown_modules")
    _require(isinstance(unknown, list) and all(isinstance(name, str) for name in unknown), "unknown_modules")
    unknown_set = set(unknown)
    missing = {key for key in requested if key not in flops and key.name not in unknown_set}
    _require(not missing, f"no count for {sorted(map(str, missing))[:3]}")

    unsupported = payload.get("unsupported")
    _require(
        isinstance(unsupported, dict) and all(_is_count(n) for n in unsupported.values()), "unsupported"
    )
    _require(_is_count(payload.get("params")), "params is not a non-negative integer")
    versions = payload.get("versions")
    _require(isinstance(versions, dict) and all(isinstance(v, str) for v in versions.values()), "versions")
    return {
        "flops": flops,
        "operators": operators,
        "unsupported": unsupported,
        "unknown_modules": unknown_set,
        "params": payload["params"],
        "versions": versions,
    }


def describe_exit(returncode: int, limits_text: str) -> str:
    """Describe a child that exited without a result, from its exit status."""
    if returncode <= SIGNAL_EXIT_BASE:
        return f"the model-file child exited with status {returncode} without a result"
    number = returncode - SIGNAL_EXIT_BASE
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"the model-file child exited with status {returncode} without a result"
    if number == signal.SIGXCPU:
        return f"the model file exceeded the CPU-time limit ({limits_text})"
    if number == signal.SIGKILL:
        return f"the model-file child was killed by SIGKILL, most likely at a resource limit ({limits_text})"
    return f"the model-file child crashed with signal {name}"
