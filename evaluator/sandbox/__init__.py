"""Isolated measurement of an untrusted model file.

A model file is only ever imported by a child process inside bubblewrap. The
child has no network and cannot read the host's files beyond the Python
installation. The parent enforces a wall-clock timeout, and rlimits bound the
child's memory, CPU time, file size and open files. evaluator.sandbox.bwrap
and evaluator.sandbox.limits give the details and defaults.
"""

from evaluator.sandbox.limits import DEFAULT_TIMEOUT_SECONDS, SandboxLimits
from evaluator.sandbox.runner import ModelMeasurement, measure_model_file

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "ModelMeasurement", "SandboxLimits", "measure_model_file"]
