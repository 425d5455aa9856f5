"""Fixtures shared by the evaluator tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from evaluator_files import elue_data_path


@pytest.fixture(scope="session")
def elue_data_dir() -> Path:
    """The real ELUE data directory; skips the test when it is absent."""
    path = elue_data_path()
    if not (path / "SST-2" / "test.tsv").is_file():
        pytest.skip(f"ELUE task data not found at {path} (set ELUE_DATA_DIR to its location)")
    return path
