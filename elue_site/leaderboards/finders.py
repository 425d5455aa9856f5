"""Static-files finder that serves plotly.js from the installed plotly package.

The task pages draw their plots with plotly.js, which the plotly Python
package ships as `plotly/package_data/plotly.min.js`. This finder exposes
that file as the static path `vendor/plotly/plotly.min.js`, so the site
serves the library itself (no outside network) without a 4.8 MB copy in the
repository: `runserver` and the test live server find it through the
finders, and `collectstatic` copies it into STATIC_ROOT for production.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import plotly
from django.contrib.staticfiles import utils
from django.contrib.staticfiles.finders import BaseFinder
from django.core import checks
from django.core.files.storage import FileSystemStorage

PLOTLY_STATIC_PREFIX = "vendor/plotly"
PLOTLY_FILE = "plotly.min.js"
PLOTLY_STATIC_PATH = f"{PLOTLY_STATIC_PREFIX}/{PLOTLY_FILE}"


def plotly_package_data() -> Path:
    """Return the folder of the plotly package that contains plotly.min.js."""
    return Path(plotly.__file__).resolve().parent / "package_data"


class PlotlyFinder(BaseFinder):
    """Find `vendor/plotly/plotly.min.js` in the installed plotly package."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.source = plotly_package_data() / PLOTLY_FILE
        self.storage = FileSystemStorage(location=str(self.source.parent))
        # collectstatic stores a file at storage.prefix/path.
        self.storage.prefix = PLOTLY_STATIC_PREFIX

    def check(self, **kwargs: object) -> list[checks.CheckMessage]:
        if self.source.is_file():
            return []
        return [checks.Error(
            f"plotly.js is missing at {self.source}.",
            hint="Reinstall the pinned plotly package: .venv/bin/pip install -r requirements.txt",
            id="leaderboards.E001",
        )]

    def find(self, path: str, find_all: bool = False, **kwargs: object) -> str | list[str]:
        if path != PLOTLY_STATIC_PATH or not self.source.is_file():
            return []
        return [str(self.source)] if find_all else str(self.source)

    def list(self, ignore_patterns: list[str] | None) -> Iterator[tuple[str, FileSystemStorage]]:
        if self.source.is_file() and not utils.matches_patterns(PLOTLY_FILE, ignore_patterns or []):
            yield PLOTLY_FILE, self.storage
