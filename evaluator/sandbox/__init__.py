"""Isolated measurement of an untrusted model file.

A model file is only ever imported by a child process inside bubblewrap, with
no network, no view of the host's files beyond the Python installation, a
wall-clock timeout enforced by the parent and rlimits on memory, CPU time,
file size and open files. See evaluator.sandbox.bwrap and
evaluator.sandbox.limits for the details and defaults.
"""

from evaluator.sandbox.limits import DEFAULT_TIMEOUT_SECONDS, SandboxLimits
from evaluator.sandbox.runner import ModelMeasurement, measure_model_file

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "ModelMeasurement", "SandboxLimits", "measure_model_file"]
