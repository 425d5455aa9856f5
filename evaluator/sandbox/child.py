"""Entry point of the sandboxed child that imports an untrusted model file.

The parent starts it inside bubblewrap with the request as JSON on stdin. The
child applies its resource limits, imports the model file, counts FLOPs and
parameters, and writes one JSON object to the original stdout. Output of the
model file's own code goes to stderr, so it cannot corrupt the result.

Result: {"status": "ok", "counts": [[name, shape, flops, operators], ...],
"unknown_modules": [...], "unsupported": {...}, "params": n, "versions": {...}}
or {"status": "error", "kind": KIND, "message": text}, where KIND is one of
ERROR_KINDS.
"""

from __future__ import annotations

import faulthandler
import gc
import importlib.util
import json
import os
import platform
import resource
import sys
import traceback
from importlib.metadata import version
from typing import Any, TextIO

MODULE_NAME = "submission_model"
# The scratch directory that contains the model file inside the sandbox; the same
# path as evaluator.sandbox.bwrap.SCRATCH_DIR, which this module does not import.
SUBMISSION_DIR = "/scratch/"
TRACEBACK_LINES = 12
ERROR_KINDS = ("import", "invalid", "module", "unpriced", "memory")
_ALLOCATION_FAILURES = ("can't allocate memory", "not enough memory", "out of memory")


class ChildFailure(Exception):
    """A failure to report to the parent as {"status": "error"}."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def apply_limits(limits: dict[str, int]) -> None:
    """Set the rlimits before any untrusted code runs."""
    mebibyte = 1024 * 1024
    memory = limits["memory_mb"] * mebibyte
    file_size = limits["file_size_mb"] * mebibyte
    cpu = limits["cpu_seconds"]
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # SIGXCPU at the soft limit, SIGKILL at the hard limit if it is caught.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"], limits["open_files"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _traceback_tail(error: BaseException) -> str:
    """Return the last lines of the traceback of `error`, frames of the submitter's files only.

    Frames of the evaluator, torch and importlib mean nothing to the submitter,
    so only frames under SUBMISSION_DIR are kept, then the exception itself.
    """
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename.startswith(SUBMISSION_DIR)]
    lines = ["Traceback (most recent call last):"] if frames else []
    lines += "".join(traceback.format_list(frames)).rstrip("\n").splitlines()
    lines += "".join(traceback.format_exception_only(error)).rstrip("\n").splitlines()
    return "\n".join(lines[-TRACEBACK_LINES:])


def _is_allocation_failure(error: BaseException) -> bool:
    if isinstance(error, MemoryError):
        return True
    text = str(error).lower()
    return isinstance(error, RuntimeError) and any(marker in text for marker in _ALLOCATION_FAILURES)


def _failure(error: BaseException, kind: str, module: str | None = None) -> ChildFailure:
    """Wrap an exception raised by untrusted code, classifying memory errors.

    `module` names the module and shape whose forward pass raised, or is None
    for an error while importing the model file.
    """
    if _is_allocation_failure(error):
        where = f"in {module}" if module else "while importing the model file"
        return ChildFailure("memory", f"{type(error).__name__} {where}")
    tail = _traceback_tail(error)
    return ChildFailure(kind, f"{module}:\n{tail}" if module else tail)


def import_model_file(path: str) -> Any:
    """Import the model file as module `submission_model`."""
    spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
    if spec is None or spec.loader is None:
        raise ChildFailure("import", "the model file cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module
    failure = None
    try:
        spec.loader.exec_module(module)
    # The model file is arbitrary code, so any exception type can come out of it.
    except (Exception, SystemExit) as error:
        failure = _failure(error, "import")
    if failure is not None:
        # Drop the half-imported module so that memory it allocated is freed
        # before the result is written.
        sys.modules.pop(MODULE_NAME, None)
        del module
        gc.collect()
        raise failure
    return module


def model_objects(module: Any) -> tuple[dict[str, Any], Any]:
    """Return (module_list, entire_model) after checking their types."""
    missing = [name for name in ("module_list", "entire_model") if not hasattr(module, name)]
    if missing:
        raise ChildFailure("invalid", f"the model file does not define {' and '.join(missing)}")

    module_list = module.module_list
    if not isinstance(module_list, dict):
        raise ChildFailure(
            "invalid",
            f"module_list must be a dict of module names to torch.nn.Module, got {type(module_list).__name__}",
        )

    # Imported only here, so that the checks above stay fast.
    from torch import nn

    for name, value in module_list.items():
        if not isinstance(name, str) or not isinstance(value, nn.Module):
            raise ChildFailure(
                "invalid",
                f"module_list entry {name!r} must map a str to a torch.nn.Module, got {type(value).__name__}",
            )
    if not isinstance(module.entire_model, nn.Module):
        raise ChildFailure(
            "invalid", f"entire_model must be a torch.nn.Module, got {type(module.entire_model).__name__}"
        )
    return module_list, module.entire_model


def count_requests(module_list: dict[str, Any], requests: list[tuple[str, tuple[int, ...]]]) -> dict[str, Any]:
    """Count FLOPs of every known (name, shape) request."""
    from evaluator.flops import FlopCounter, UnpricedOperatorError

    counter = FlopCounter(module_list, try_meta=True)
    counts: list[list[Any]] = []
    unknown: set[str] = set()
    unsupported: dict[str, int] = {}
    for name, shape in requests:
        if name not in module_list:
            unknown.add(name)
            continue
        failure = None
        try:
            result = counter.count(name, shape)
        except UnpricedOperatorError as error:
            failure = ChildFailure("unpriced", error.message)
        # The module's forward is untrusted code and can raise any exception.
        except Exception as error:
            failure = _failure(error, "module", f"module {name!r} at input shape {shape}")
        if failure is not None:
            raise failure
        counts.append([name, list(shape), result.flops, result.operators])
        for operator, occurrences in result.unsupported.items():
            unsupported[operator] = unsupported.get(operator, 0) + occurrences
    return {"counts": counts, "unknown_modules": sorted(unknown), "unsupported": unsupported}


def measure(request: dict[str, Any]) -> dict[str, Any]:
    """Import the model file and measure it; raise ChildFailure on failure."""
    # NOTE: the model file runs in this process, so a hostile file can patch
    # the counter and forge its counts. The sandbox protects the host only.
    module = import_model_file(request["model_file"])
    module_list, entire_model = model_objects(module)
    requests = [(name, tuple(shape)) for name, shape in request["requests"]]
    result = count_requests(module_list, requests)

    import torch

    from evaluator.flops import count_parameters

    result["params"] = count_parameters(entire_model)
    result["versions"] = {
        "torch": torch.__version__,
        "fvcore": version("fvcore"),
        "python": platform.python_version(),
    }
    return {"status": "ok", **result}


def _take_stdout() -> TextIO:
    """Keep the real stdout for the result and send fd 1 to stderr."""
    sys.stdout.flush()
    result_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(result_fd, "w", encoding="utf-8")


def main() -> int:
    """Run one measurement request from stdin; return the exit status."""
    result_stream = _take_stdout()
    faulthandler.enable()
    request = json.load(sys.stdin)
    apply_limits(request["limits"])
    try:
        payload = measure(request)
    except ChildFailure as failure:
        payload = {"status": "error", "kind": failure.kind, "message": failure.message}
    json.dump(payload, result_stream)
    result_stream.close()
    return 0
