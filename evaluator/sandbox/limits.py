"""Resource limits of the sandboxed child, with environment overrides."""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass

# Wall-clock seconds for one model file. A dynamic BERT-base model on IMDb
# requests about 25 modules at about 490 distinct token counts, about 6,400
# traces. benchmarks/flops_speed.py measured 14 traces per second in the
# sandbox at 16 to 512 tokens on two loaded AMD EPYC cores (torch 2.13,
# fvcore 0.1.5), which makes about 8 minutes.
# NOTE: a module that cannot be traced on the meta device is traced on the
# CPU, about 0.3 s per BERT-base layer at 256 tokens there, so such a model
# needs about 35 minutes on IMDb and a longer timeout.
DEFAULT_TIMEOUT_SECONDS = 1800.0

# Address-space limit. Importing torch reserves about 0.6 GiB, and building and
# tracing BERT-base (110M parameters) peaked at about 1.4 GiB. BERT-large's
# 335M float32 parameters take 1.3 GiB, so 4 GiB should fit it (an estimate,
# not measured).
DEFAULT_MEMORY_MB = 4096

# Largest file the child may write, which also caps its stdout and stderr.
DEFAULT_FILE_SIZE_MB = 64

DEFAULT_OPEN_FILES = 256

# Size of each of the in-memory /tmp and /scratch mounts of the child.
DEFAULT_TMPFS_MB = 256

# NOTE: there is no limit on the number of processes. RLIMIT_NPROC counts every
# process of the host uid that the sandbox uid maps to, so a fork bomb is only
# stopped by the wall-clock timeout.

# CPU seconds allowed beyond the wall-clock timeout before the kernel sends
# SIGXCPU. Counting runs on one thread, so the wall-clock timeout normally
# fires first; this limit stops a child that spawns busy threads.
CPU_SECONDS_MARGIN = 30

ENV_PREFIX = "ELUE_SANDBOX_"


def _env_int(name: str, default: int) -> int:
    """Read a positive integer from ELUE_SANDBOX_<name>, else `default`."""
    raw = os.environ.get(ENV_PREFIX + name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ValueError(f"{ENV_PREFIX}{name} must be a positive integer, got {raw!r}") from error
    if value <= 0:
        raise ValueError(f"{ENV_PREFIX}{name} must be a positive integer, got {raw!r}")
    return value


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of the child: rlimits that it applies to itself, and the
    size of its tmpfs mounts."""

    memory_mb: int = DEFAULT_MEMORY_MB
    cpu_seconds: int = math.ceil(DEFAULT_TIMEOUT_SECONDS) + CPU_SECONDS_MARGIN
    file_size_mb: int = DEFAULT_FILE_SIZE_MB
    open_files: int = DEFAULT_OPEN_FILES
    # Not an rlimit: the size of the /tmp and /scratch tmpfs mounts.
    tmpfs_mb: int = DEFAULT_TMPFS_MB

    @classmethod
    def from_environment(cls, timeout: float) -> SandboxLimits:
        """Build limits for a run of `timeout` seconds. The environment variables
        ELUE_SANDBOX_MEMORY_MB, ELUE_SANDBOX_CPU_SECONDS, ELUE_SANDBOX_FILE_SIZE_MB,
        ELUE_SANDBOX_OPEN_FILES and ELUE_SANDBOX_TMPFS_MB override the defaults."""
        return cls(
            memory_mb=_env_int("MEMORY_MB", DEFAULT_MEMORY_MB),
            cpu_seconds=_env_int("CPU_SECONDS", math.ceil(timeout) + CPU_SECONDS_MARGIN),
            file_size_mb=_env_int("FILE_SIZE_MB", DEFAULT_FILE_SIZE_MB),
            open_files=_env_int("OPEN_FILES", DEFAULT_OPEN_FILES),
            tmpfs_mb=_env_int("TMPFS_MB", DEFAULT_TMPFS_MB),
        )

    def to_dict(self) -> dict[str, int]:
        return asdict(self)
