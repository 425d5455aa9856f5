"""Parent side of the sandbox: start the child, enforce the wall-clock
timeout, and turn its output into a ModelMeasurement or a MeasurementError."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from evaluator.errors import MeasurementError
from evaluator.predictions import ModuleShape
from evaluator.sandbox.bwrap import MODEL_FILE_NAME, MODEL_PATH, check_bwrap, child_command, find_bwrap
from evaluator.sandbox.limits import DEFAULT_TIMEOUT_SECONDS, SandboxLimits
from evaluator.sandbox.protocol import describe_exit, parse_result

logger = logging.getLogger(__name__)

# Largest result the parent reads; an IMDb request of about 12,000 module
# shapes produces about 2 MB.
MAX_RESULT_BYTES = 32 * 1024 * 1024
STDERR_TAIL_BYTES = 4096
STDERR_TAIL_LINES = 12


@dataclass
class ModelMeasurement:
    """FLOPs of every requested (module, shape) and parameters of entire_model."""

    # FLOPs (2 x multiply-accumulates) of one forward pass with batch size 1.
    flops: dict[ModuleShape, int]
    # FLOPs per operator, for the same keys as `flops`.
    operators: dict[ModuleShape, dict[str, int]]
    # Non-matmul operators priced 0, with occurrence counts over all traces.
    unsupported: dict[str, int]
    # Requested module names that module_list does not define.
    unknown_modules: set[str]
    params: int
    # torch, fvcore and python versions used by the child.
    versions: dict[str, str] = field(default_factory=dict)
    wall_seconds: float = 0.0


def _stderr_tail(stream: IO[bytes]) -> str:
    """Return the last lines the child wrote to stderr."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(max(0, size - STDERR_TAIL_BYTES))
    text = stream.read().decode("utf-8", errors="replace")
    return "\n".join(text.rstrip().splitlines()[-STDERR_TAIL_LINES:])


def _starts_with(stream: IO[bytes], prefix: bytes) -> bool:
    stream.seek(0)
    return stream.read(len(prefix)) == prefix


def _read_result(stream: IO[bytes]) -> bytes:
    stream.seek(0, os.SEEK_END)
    if stream.tell() > MAX_RESULT_BYTES:
        raise MeasurementError(f"the model-file child wrote a result larger than {MAX_RESULT_BYTES} bytes")
    stream.seek(0)
    return stream.read()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill bwrap's process group; the sandboxed processes die with bwrap."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _request_payload(requests: list[ModuleShape], limits: SandboxLimits) -> str:
    return json.dumps(
        {
            "model_file": MODEL_PATH,
            "requests": [[request.name, list(request.shape)] for request in requests],
            "limits": limits.to_dict(),
        }
    )


def _limits_text(limits: SandboxLimits) -> str:
    return (
        f"{limits.memory_mb} MiB of memory, {limits.cpu_seconds} CPU seconds, "
        f"{limits.file_size_mb} MiB per file"
    )


def _run_child(workdir: Path, bwrap: str, timeout: float, limits: SandboxLimits) -> bytes:
    """Run the child to completion and return its stdout.

    Raises MeasurementError on a timeout or an exit without a result.
    """
    command = child_command(bwrap, workdir / MODEL_FILE_NAME, limits.tmpfs_mb)
    with (
        open(workdir / "request.json", "rb") as stdin,
        open(workdir / "stdout", "w+b") as stdout,
        open(workdir / "stderr", "w+b") as stderr,
    ):
        process = subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=stderr, start_new_session=True)
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise MeasurementError(
                f"measuring the model file timed out after {timeout:g} s; make module construction "
                "and forward passes faster or ask for a longer timeout"
            ) from None

        if returncode != 0 or stdout.tell() == 0:
            tail = _stderr_tail(stderr)
            if _starts_with(stderr, b"bwrap: "):
                # bwrap failed to set up the sandbox before the child started.
                raise MeasurementError(f"the bubblewrap sandbox failed to start: {tail}", retryable=True)
            message = describe_exit(returncode, _limits_text(limits))
            raise MeasurementError(f"{message}. Last lines of its stderr:\n{tail}" if tail else message)
        return _read_result(stdout)


def _with_submitted_name(error: MeasurementError, name: str) -> MeasurementError:
    """Return `error` with the sandbox's path of the model file replaced by `name`."""
    error.message = error.message.replace(MODEL_PATH, name)
    error.args = (error.message,)
    return error


def measure_model_file(
    model_file: Path,
    requests: Collection[ModuleShape],
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    limits: SandboxLimits | None = None,
) -> ModelMeasurement:
    """Import an untrusted model file in the bubblewrap sandbox and measure it.

    Counts the FLOPs of each requested module at each shape and the parameters
    of entire_model. `limits` defaults to SandboxLimits.from_environment.
    Raises MeasurementError on any failure: retryable only when the sandbox
    itself is unavailable, never for a fault of the model file.
    """
    started = time.monotonic()
    if not Path(model_file).is_file():
        raise MeasurementError(f"model file not found: {model_file}")
    bwrap = find_bwrap()
    check_bwrap(bwrap)
    limits = limits or SandboxLimits.from_environment(timeout)
    ordered = sorted(set(requests), key=lambda request: (request.name, request.shape))

    with tempfile.TemporaryDirectory(prefix="elue-sandbox-") as temporary:
        workdir = Path(temporary)
        shutil.copyfile(model_file, workdir / MODEL_FILE_NAME)
        (workdir / "request.json").write_text(_request_payload(ordered, limits), encoding="utf-8")
        try:
            raw = _run_child(workdir, bwrap, timeout, limits)
            fields = parse_result(raw, ordered)
        except MeasurementError as error:
            raise _with_submitted_name(error, Path(model_file).name) from error.__cause__

    wall_seconds = time.monotonic() - started
    logger.info(
        "Measured %s: %s module shapes, %s params in %.1f s",
        model_file.name, len(fields["flops"]), fields["params"], wall_seconds,
    )
    return ModelMeasurement(**fields, wall_seconds=wall_seconds)
