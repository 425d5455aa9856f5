"""Measurement of model files in the bubblewrap sandbox, each in a real child.

Every child starts a fresh interpreter, and those that import torch take a
few seconds, so the cases share small model files.
"""

from __future__ import annotations

import os
import sys
import socket
import textwrap
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from evaluator.errors import MeasurementError
from evaluator.predictions import ModuleShape
from evaluator.sandbox import ModelMeasurement, SandboxLimits, measure_model_file

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/bwrap").exists() and os.system("command -v bwrap >/dev/null") != 0,
    reason="bubblewrap (bwrap) is not installed; .ci/run installs the Debian package 'bubblewrap'",
)

GOOD_MODEL = """
import torch
from torch import nn

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)
        self.norm = nn.LayerNorm(8)

    def forward(self, x):
        return self.norm(torch.nn.functional.gelu(self.proj(x)))

embedding = nn.Embedding(100, 8)
block = Block()
print("output of the model file goes to stderr")
module_list = {"emb": embedding, "block": block}
entire_model = nn.Sequential(embedding, block)
"""

# Hand-derived counts for GOOD_MODEL.
BLOCK_FLOPS_AT_5 = 2 * (5 * 8 * 8 + 2 * 5 * 8)
GOOD_PARAMS = 100 * 8 + (8 * 8 + 8) + 2 * 8

SMALL_REQUESTS = [ModuleShape("emb", (5,)), ModuleShape("block", (5, 8))]


def write_model(directory: Path, source: str, name: str = "model.py") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def assert_parent_still_measures(tmp_path: Path) -> None:
    model = write_model(tmp_path, GOOD_MODEL, "good_after.py")
    measurement = measure_model_file(model, [ModuleShape("block", (5, 8))], timeout=120)
    assert measurement.flops[ModuleShape("block", (5, 8))] == BLOCK_FLOPS_AT_5


def test_good_model_measured(tmp_path: Path) -> None:
    model = write_model(tmp_path, GOOD_MODEL)
    requests = [*SMALL_REQUESTS, ModuleShape("exit_1", (8,))]

    measurement = measure_model_file(model, requests, timeout=120)

    assert isinstance(measurement, ModelMeasurement)
    assert measurement.flops == {ModuleShape("emb", (5,)): 0, ModuleShape("block", (5, 8)): BLOCK_FLOPS_AT_5}
    assert measurement.operators[ModuleShape("block", (5, 8))] == {
        "layer_norm": 2 * (2 * 5 * 8),
        "linear": 2 * (5 * 8 * 8),
    }
    assert measurement.unsupported == {"aten::gelu": 1}
    assert measurement.unknown_modules == {"exit_1"}
    assert measurement.params == GOOD_PARAMS
    assert set(measurement.versions) == {"torch", "fvcore", "python"}
    assert measurement.wall_seconds > 0

    again = measure_model_file(model, requests, timeout=120)
    assert again.flops == measurement.flops
    assert again.operators == measurement.operators
    assert again.unsupported == measurement.unsupported
    assert again.params == measurement.params


def test_infinite_loop_times_out(tmp_path: Path) -> None:
    model = write_model(tmp_path, "while True:\n    pass\n")

    with pytest.raises(MeasurementError, match="timed out after 3 s") as caught:
        measure_model_file(model, SMALL_REQUESTS, timeout=3)

    assert caught.value.retryable is False
    assert_parent_still_measures(tmp_path)


def processes_with_argument(argument: str) -> list[str]:
    """Return the pids of host processes whose command line contains `argument`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command_line = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if argument.encode() in command_line.split(b"\0"):
            found.append(entry.name)
    return found


def test_timeout_kills_detached_processes(tmp_path: Path) -> None:
    marker = f"{uuid.uuid4().int % 10**6}.5"
    source = f"""
        import os, time
        if os.fork() == 0:
            os.setsid()
            os.execv("/usr/bin/sleep", ["sleep", "{marker}"])
        while True:
            time.sleep(0.1)
        """
    model = write_model(tmp_path, source)

    with ThreadPoolExecutor(max_workers=1) as executor:
        measurement = executor.submit(measure_model_file, model, SMALL_REQUESTS, timeout=4)
        started = time.monotonic()
        while not processes_with_argument(marker) and time.monotonic() < started + 4:
            time.sleep(0.05)
        assert processes_with_argument(marker), "the detached process never started"
        with pytest.raises(MeasurementError, match="timed out"):
            measurement.result()

    deadline = time.monotonic() + 5
    while processes_with_argument(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with_argument(marker) == []


def test_unbounded_allocation_hits_memory_limit(tmp_path: Path) -> None:
    model = write_model(tmp_path, "blocks = []\nwhile True:\n    blocks.append(bytearray(50_000_000))\n")
    limits = SandboxLimits(memory_mb=512)

    with pytest.raises(MeasurementError, match="memory limit") as caught:
        measure_model_file(model, SMALL_REQUESTS, timeout=60, limits=limits)

    assert caught.value.retryable is False
    assert_parent_still_measures(tmp_path)


def test_scratch_space_is_bounded(tmp_path: Path) -> None:
    source = """
        chunk = bytes(256 * 1024)
        for number in range(8):
            with open(f"/scratch/part{number}", "wb") as part:
                part.write(chunk)
        """
    model = write_model(tmp_path, source)

    with pytest.raises(MeasurementError, match="No space left on device") as caught:
        measure_model_file(model, SMALL_REQUESTS, timeout=60, limits=SandboxLimits(tmpfs_mb=1))

    assert caught.value.retryable is False


def test_file_size_limit_reported(tmp_path: Path) -> None:
    model = write_model(tmp_path, "open('/tmp/big', 'wb').write(bytes(2 * 1024 * 1024))\n")

    # Python ignores SIGXFSZ, so the write raises EFBIG instead of killing it.
    with pytest.raises(MeasurementError, match="File too large"):
        measure_model_file(model, SMALL_REQUESTS, timeout=60, limits=SandboxLimits(file_size_mb=1))


@pytest.mark.parametrize(
    ("source", "signal_name"),
    [
        ("import os\nos.abort()\n", "SIGABRT"),
        ("import ctypes\nctypes.string_at(0)\n", "SIGSEGV"),
    ],
)
def test_interpreter_crash_reported(tmp_path: Path, source: str, signal_name: str) -> None:
    model = write_model(tmp_path, source)

    with pytest.raises(MeasurementError, match=f"crashed with signal {signal_name}") as caught:
        measure_model_file(model, SMALL_REQUESTS, timeout=60)

    # faulthandler prints the Python stack of the crash on stderr, with the
    # sandbox's path of the model file replaced by the submitted name.
    assert 'File "model.py"' in caught.value.message
    assert caught.value.retryable is False
    assert_parent_still_measures(tmp_path)


def test_socket_connect_fails_inside(tmp_path: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    model = write_model(tmp_path, f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5)\n")

    with listener, pytest.raises(MeasurementError, match="failed to import") as caught:
        measure_model_file(model, SMALL_REQUESTS, timeout=60)
        with pytest.raises(TimeoutError):
            listener.accept()

    assert "ConnectionRefusedError" in caught.value.message or "OSError" in caught.value.message
    assert_parent_still_measures(tmp_path)


def test_hidden_labels_not_visible(tmp_path: Path) -> None:
    labels = tmp_path / "data" / "SST-2" / "test_full.tsv"
    labels.parent.mkdir(parents=True)
    labels.write_text("index\tlabel\tsentence\n0\t1\tSECRET-GOLD-MARKER\n", encoding="utf-8")
    model = write_model(tmp_path, f"print(open({str(labels)!r}).read())\n")

    with pytest.raises(MeasurementError, match="FileNotFoundError") as caught:
        measure_model_file(model, SMALL_REQUESTS, timeout=60)

    assert "SECRET-GOLD-MARKER" not in caught.value.message
    assert_parent_still_measures(tmp_path)


def test_environment_has_no_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELUE_TEST_SECRET_KEY", "do-not-leak")
    model = write_model(tmp_path, "import os\nraise RuntimeError('env: ' + ' '.join(sorted(os.environ)))\n")

    with pytest.raises(MeasurementError, match="env: ") as caught:
        measure_model_file(model, SMALL_REQUESTS, timeout=60)

    assert "ELUE_TEST_SECRET_KEY" not in caught.value.message
    assert "DATABASE_URL" not in caught.value.message
    assert "HOME" in caught.value.message


def test_repository_not_visible(tmp_path: Path) -> None:
    repository_file = Path(__file__).resolve()
    model = write_model(tmp_path, f"open({str(repository_file)!r})\n")

    with pytest.raises(MeasurementError, match="FileNotFoundError"):
        measure_model_file(model, SMALL_REQUESTS, timeout=60)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("x = 1\n", "does not define module_list and entire_model"),
        ("module_list = [1]\nentire_model = None\n", "module_list must be a dict"),
        (
            "from torch import nn\nmodule_list = {'emb': 3}\nentire_model = nn.Linear(1, 1)\n",
            "module_list entry 'emb'",
        ),
        ("from torch import nn\nmodule_list = {}\nentire_model = 'model'\n", "entire_model must be"),
    ],
)
def test_invalid_model_objects(tmp_path: Path, source: str, message: str) -> None:
    model = write_model(tmp_path, source)

    with pytest.raises(MeasurementError, match=message) as caught:
        measure_model_file(model, SMALL_REQUESTS, timeout=60)

    assert caught.value.retryable is False


def test_unpriced_operator_rejected(tmp_path: Path) -> None:
    source = "from torch import nn\nrnn = nn.GRU(8, 8, batch_first=True)\nmodule_list = {'rnn': rnn}\nentire_model = rnn\n"
    model = write_model(tmp_path, source)

    with pytest.raises(MeasurementError, match="aten::gru") as caught:
        measure_model_file(model, [ModuleShape("rnn", (5, 8))], timeout=60)

    assert "'rnn' at input shape (5, 8)" in caught.value.message


def test_module_failure_names_module_and_shape(tmp_path: Path) -> None:
    model = write_model(tmp_path, GOOD_MODEL)

    with pytest.raises(MeasurementError, match=r"module 'block' at input shape \(5, 3\)") as caught:
        measure_model_file(model, [ModuleShape("block", (5, 3))], timeout=60)

    assert "RuntimeError" in caught.value.message


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(MeasurementError, match="model file not found") as caught:
        measure_model_file(tmp_path / "absent.py", SMALL_REQUESTS, timeout=60)

    assert caught.value.retryable is False


def test_missing_bwrap_is_retryable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    model = write_model(tmp_path, GOOD_MODEL)

    with pytest.raises(MeasurementError, match="Debian package 'bubblewrap'") as caught:
        measure_model_file(model, SMALL_REQUESTS, timeout=60)

    assert caught.value.retryable is True


def test_bwrap_start_failure_is_retryable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    script = (
        '#!/bin/sh\n'
        'for last; do :; done\n'
        '[ "$last" = pass ] && exit 0\n'
        "echo 'bwrap: Creating new namespace failed' >&2\n"
        'exit 1\n'
    )
    fake.write_text(script)
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    model = write_model(tmp_path, GOOD_MODEL)

    with pytest.raises(MeasurementError, match="failed to start") as caught:
        measure_model_file(model, SMALL_REQUESTS, timeout=60)

    assert caught.value.retryable is True


def test_failing_bwrap_is_retryable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    model = write_model(tmp_path, GOOD_MODEL)

    with pytest.raises(MeasurementError, match="self-test") as caught:
        measure_model_file(model, SMALL_REQUESTS, timeout=60)

    assert caught.value.retryable is True
    assert "No permissions" in caught.value.message


def test_python_mounted_after_tmp_tmpfs(tmp_path: Path) -> None:
    """A checkout under /tmp (as CI clones are) keeps its venv visible inside."""
    from evaluator.sandbox.bwrap import sandbox_arguments

    arguments = sandbox_arguments("bwrap", tmp_path / "model.py", tmpfs_mb=1)
    tmpfs_at = arguments.index("/tmp", arguments.index("--tmpfs"))
    python_binds = [index for index, value in enumerate(arguments)
                    if value == "--ro-bind" and arguments[index + 1] == sys.prefix]

    assert python_binds, "the virtual environment is not mounted"
    assert all(index > tmpfs_at for index in python_binds)


def test_import_error_names_submitted_file(tmp_path: Path) -> None:
    """The traceback shows the submitter's file name and line, not sandbox internals."""
    model = write_model(tmp_path, "import torch\n\nraise ValueError('bad width 7')\n", "my_model.py")

    with pytest.raises(MeasurementError, match="failed to import") as caught:
        measure_model_file(model, SMALL_REQUESTS, timeout=60)

    message = caught.value.message
    assert 'File "my_model.py", line 3' in message
    assert "ValueError: bad width 7" in message
    assert "/scratch" not in message
    assert "/opt/elue" not in message
    assert "importlib" not in message


def test_syntax_error_names_submitted_file(tmp_path: Path) -> None:
    model = write_model(tmp_path, "x = (1,\n", "broken.py")

    with pytest.raises(MeasurementError) as caught:
        measure_model_file(model, SMALL_REQUESTS, timeout=60)

    assert 'File "broken.py", line 1' in caught.value.message
    assert "SyntaxError" in caught.value.message
