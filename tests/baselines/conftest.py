"""Fixtures shared by the baseline tests."""

from pathlib import Path

import pytest

from baseline_helpers import real_data_dir


@pytest.fixture
def data_dir() -> Path:
    path = real_data_dir()
    if not (path / "SST-2" / "train.tsv").exists():
        pytest.skip(f"ELUE task data not found at {path} (set ELUE_DATA_DIR to its location)")
    return path
