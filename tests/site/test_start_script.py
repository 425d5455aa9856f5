"""scripts/start.sh checks its task data directory before installing anything.

The script runs from a copy whose install step is a stub that leaves a
marker file, so a failed check never installs packages or migrates.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from site_factories import write_elue_dir

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTALL_STUB = "#!/usr/bin/env bash\ntouch installed\nexit 1\n"


def _run_start(tmp_path: Path, data_dir: Path) -> subprocess.CompletedProcess:
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "scripts" / "start.sh", checkout / "scripts" / "start.sh")
    (checkout / "scripts" / "install.sh").write_text(INSTALL_STUB)
    return subprocess.run(["bash", str(checkout / "scripts" / "start.sh"), str(data_dir)],
                          capture_output=True, text=True, timeout=30, check=False)


def test_incomplete_data_stops_before_install(tmp_path):
    data = write_elue_dir(tmp_path / "elue", ["SST-2", "MRPC"])
    (data / "MRPC" / "test_full.tsv").unlink()

    result = _run_start(tmp_path, data)

    assert result.returncode == 2
    assert f"{data}/MRPC/test_full.tsv" in result.stderr
    assert f"{data}/IMDb/test.tsv" in result.stderr
    assert f"{data}/SST-2/test.tsv" not in result.stderr
    assert not (tmp_path / "checkout" / "installed").exists()


def test_complete_data_reaches_install(tmp_path):
    result = _run_start(tmp_path, write_elue_dir(tmp_path / "elue"))

    assert (tmp_path / "checkout" / "installed").exists()
    assert result.returncode == 1
