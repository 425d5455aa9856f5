"""Fixtures shared by the evaluator tests: real ELUE data and toy task folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def elue_data_path() -> Path:
    """Return the real ELUE data directory: $ELUE_DATA_DIR or ../shared/data/elue."""
    override = os.environ.get("ELUE_DATA_DIR")
    if override:
        return Path(override)
    return REPO_ROOT / ".." / "shared" / "data" / "elue"


@pytest.fixture(scope="session")
def elue_data_dir() -> Path:
    """The real ELUE data directory; skips the test when it is absent."""
    path = elue_data_path()
    if not (path / "SST-2" / "test.tsv").is_file():
        pytest.skip(f"ELUE task data not found at {path} (set ELUE_DATA_DIR to its location)")
    return path


def write_file(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write `text` byte for byte (no newline translation) and return `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path
