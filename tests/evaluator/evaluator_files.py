"""Helpers for evaluator tests that write toy files and find the real data.

Test modules import these from here rather than from conftest.py, because
several test folders have a conftest module and only one can own that name.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def elue_data_path() -> Path:
    """Return the real ELUE data directory: $ELUE_DATA_DIR or ../shared/data/elue."""
    override = os.environ.get("ELUE_DATA_DIR")
    if override:
        return Path(override)
    return REPO_ROOT / ".." / "shared" / "data" / "elue"


def write_file(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write `text` byte for byte (no newline translation) and return `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path
