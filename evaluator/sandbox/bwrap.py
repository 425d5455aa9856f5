"""Command line of the bubblewrap sandbox, and its self-test.

The child can read only what the Python interpreter needs: /usr (and
the /bin, /lib* links into it), the dynamic-linker cache, the interpreter
prefix, the virtual environment and the evaluator package. It gets a minimal
/dev and /proc, and two size-limited tmpfs mounts in memory: /tmp, and the
working directory /scratch, which contains a read-only copy of the model file.
Only the child's stdout and stderr reach the host's disk, as files that
RLIMIT_FSIZE caps. No data directory, media directory or home directory
of the host exists inside. All namespaces are unshared (network, PID, IPC, UTS,
user, cgroup), every capability is dropped, the environment is cleared, and the
child runs as uid 65534 in a new session and dies with its parent.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from evaluator.errors import MeasurementError

BWRAP_PACKAGE = "bubblewrap"
SCRATCH_DIR = "/scratch"
MODEL_FILE_NAME = "submission_model.py"
MODEL_PATH = f"{SCRATCH_DIR}/{MODEL_FILE_NAME}"
# Parent directory of the evaluator package inside the sandbox.
PACKAGE_PARENT = "/opt/elue"
SANDBOX_UID = 65534
SELF_TEST_TIMEOUT_SECONDS = 30
SELF_TEST_TMPFS_MB = 1

PACKAGE_DIR = Path(__file__).resolve().parents[1]

# Only these variables exist inside. PATH and HOME have fixed values.
SANDBOX_ENVIRONMENT = {
    "PATH": "/usr/bin:/bin",
    "HOME": SCRATCH_DIR,
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}

# Python code that starts the child with the mounted evaluator package. Empty
# package objects replace evaluator/__init__.py and evaluator/sandbox/__init__.py,
# so the child imports only evaluator.errors, evaluator.flops and the child
# module, not the readers, metrics and parent side that it never uses.
CHILD_BOOTSTRAP = (
    "import sys, types\n"
    "for name in ('evaluator', 'evaluator.sandbox'):\n"
    "    package = types.ModuleType(name)\n"
    f"    package.__path__ = [{PACKAGE_PARENT!r} + '/' + name.replace('.', '/')]\n"
    "    sys.modules[name] = package\n"
    "from evaluator.sandbox.child import main\n"
    "sys.exit(main())\n"
)


def find_bwrap() -> str:
    """Return the path of bwrap, or raise a retryable MeasurementError when it is missing."""
    path = shutil.which("bwrap")
    if path is None:
        raise MeasurementError(
            "the model-file sandbox needs bubblewrap (bwrap), which is not installed; "
            f"install the Debian package '{BWRAP_PACKAGE}'",
            retryable=True,
        )
    return path


def _root_entries() -> list[str]:
    """Mount /usr and reproduce /bin, /lib, /lib64 ... as links or read-only binds."""
    arguments = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host_path = Path("/") / name
        if host_path.is_symlink():
            arguments += ["--symlink", os.readlink(host_path), str(host_path)]
        elif host_path.is_dir():
            arguments += ["--ro-bind", str(host_path), str(host_path)]
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d"):
        arguments += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return arguments


def _python_entries() -> list[str]:
    """Mount the interpreter prefix, the virtual environment and the evaluator."""
    prefixes = {sys.base_prefix, sys.prefix, str(Path(sys.executable).resolve().parent)}
    arguments: list[str] = []
    for prefix in sorted(prefixes):
        if prefix != "/usr" and not prefix.startswith("/usr/"):
            arguments += ["--ro-bind", prefix, prefix]
    arguments += ["--ro-bind", str(PACKAGE_DIR), f"{PACKAGE_PARENT}/evaluator"]
    return arguments


def sandbox_arguments(bwrap: str, model_copy: Path, tmpfs_mb: int) -> list[str]:
    """Build the bwrap command line up to (not including) the program to run.

    `model_copy` is mounted read-only at MODEL_PATH, and /tmp and /scratch are
    tmpfs mounts of `tmpfs_mb` MiB each.
    """
    tmpfs_bytes = str(tmpfs_mb * 1024 * 1024)
    arguments = [
        bwrap,
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--cap-drop", "ALL",
        "--uid", str(SANDBOX_UID),
        "--gid", str(SANDBOX_UID),
        "--clearenv",
    ]
    for name, value in SANDBOX_ENVIRONMENT.items():
        arguments += ["--setenv", name, value]
    arguments += _root_entries()
    arguments += ["--proc", "/proc", "--dev", "/dev"]
    arguments += ["--perms", "1777", "--size", tmpfs_bytes, "--tmpfs", "/tmp"]
    arguments += ["--perms", "1777", "--size", tmpfs_bytes, "--tmpfs", SCRATCH_DIR]
    # bwrap applies mounts in order: the interpreter and the virtual environment
    # come after the /tmp tmpfs, so a checkout under /tmp stays visible.
    arguments += _python_entries()
    arguments += ["--ro-bind", str(model_copy), MODEL_PATH, "--chdir", SCRATCH_DIR, "--"]
    return arguments


def child_command(bwrap: str, model_copy: Path, tmpfs_mb: int) -> list[str]:
    """Build the full command that runs the child entry point in the sandbox."""
    return [*sandbox_arguments(bwrap, model_copy, tmpfs_mb), sys.executable, "-I", "-B", "-c", CHILD_BOOTSTRAP]


@functools.cache
def check_bwrap(bwrap: str) -> None:
    """Start an empty Python in the sandbox, once per process and bwrap path.

    Raises a retryable MeasurementError naming the failure when the machine
    does not allow the namespaces, so the caller never runs the model file
    unsandboxed. A failed self-test is not cached.
    """
    try:
        with tempfile.TemporaryDirectory(prefix="elue-sandbox-check-") as directory:
            model_copy = Path(directory) / MODEL_FILE_NAME
            model_copy.write_text("", encoding="utf-8")
            arguments = sandbox_arguments(bwrap, model_copy, SELF_TEST_TMPFS_MB)
            command = [*arguments, sys.executable, "-I", "-c", "pass"]
            completed = subprocess.run(
                command, capture_output=True, text=True, timeout=SELF_TEST_TIMEOUT_SECONDS, check=False
            )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise MeasurementError(f"the bubblewrap sandbox failed its self-test: {error}", retryable=True) from error
    if completed.returncode != 0:
        raise MeasurementError(
            f"the bubblewrap sandbox failed its self-test (exit status {completed.returncode}): "
            f"{completed.stderr.strip()[-500:]}. The machine must allow user, network and "
            f"mount namespaces for '{BWRAP_PACKAGE}'",
            retryable=True,
        )
