"""Resource limits of the sandboxed child, with environment overrides."""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass

# Wall-clock seconds for one model file. A dynamic BERT-base model on IMDb asks
# for about 25 modules at about 450 distinct token counts, about 11,000 traces
# of about 20 ms each on one core (measured with fvcore 0.1.5 and torch 2.13 on
# a two-core x86 machine), so 30 minutes leaves headroom for slower machines.
DEFAULT_TIMEOUT_SECONDS = 1800.0

# Address-space limit. Importing torch reserves about 0.6 GiB, and building and
# tracing BERT-base (110M parameters) peaks at about 1.4 GiB, so 4 GiB admits
# models up to BERT-large size.
DEFAULT_MEMORY_MB = 4096

# Largest file the child may write, which also caps its stdout and stderr.
DEFAULT_FILE_SIZE_MB = 64

DEFAULT_OPEN_FILES = 256

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
    """Limits applied with setrlimit inside the child."""

    memory_mb: int = DEFAULT_MEMORY_MB
    cpu_seconds: int = math.ceil(DEFAULT_TIMEOUT_SECONDS) + CPU_SECONDS_MARGIN
    file_size_mb: int = DEFAULT_FILE_SIZE_MB
    open_files: int = DEFAULT_OPEN_FILES

    @classmethod
    def from_environment(cls, timeout: float) -> SandboxLimits:
        """Build limits for a run of `timeout` seconds. The environment variables
        ELUE_SANDBOX_MEMORY_MB, ELUE_SANDBOX_CPU_SECONDS, ELUE_SANDBOX_FILE_SIZE_MB
        and ELUE_SANDBOX_OPEN_FILES override the defaults."""
        return cls(
            memory_mb=_env_int("MEMORY_MB", DEFAULT_MEMORY_MB),
            cpu_seconds=_env_int("CPU_SECONDS", math.ceil(timeout) + CPU_SECONDS_MARGIN),
            file_size_mb=_env_int("FILE_SIZE_MB", DEFAULT_FILE_SIZE_MB),
            open_files=_env_int("OPEN_FILES", DEFAULT_OPEN_FILES),
        )

    def to_dict(self) -> dict[str, int]:
        return asdict(self)
