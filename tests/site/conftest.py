"""Fixtures of the platform tests: personas, private folders and task data.

Personas: `owner` (owns the entries under test), `other` (another signed-in
researcher), `staff`, and `anonymous`. Each `*_client` is a Django test
client logged in as that persona.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client

from site_factories import make_user

REPO_ROOT = Path(__file__).resolve().parents[2]


def elue_data_path() -> Path:
    """Return the real ELUE data directory: $ELUE_DATA_DIR or ../shared/data/elue."""
    override = os.environ.get("ELUE_DATA_DIR")
    return Path(override) if override else REPO_ROOT / ".." / "shared" / "data" / "elue"


@pytest.fixture
def real_data_dir() -> Path:
    path = elue_data_path()
    if not (path / "SST-2" / "test_full.tsv").is_file():
        pytest.skip(f"ELUE task data not found at {path} (set ELUE_DATA_DIR to its location)")
    return path


@pytest.fixture(autouse=True)
def private_folders(settings, tmp_path: Path) -> Path:
    """Keep uploads and hidden labels of each test in its own temporary folders.

    Passwords use a fast hasher here because the personas are created per test.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ELUE_PRIVATE_DATA_DIR = tmp_path / "private" / "elue-data"
    settings.MEDIA_ROOT.mkdir()
    settings.ELUE_PRIVATE_DATA_DIR.mkdir(parents=True, mode=0o700)
    return tmp_path


@pytest.fixture
def owner(db):
    return make_user("owner")


@pytest.fixture
def other(db):
    return make_user("other")


@pytest.fixture
def staff(db):
    return make_user("staffer", staff=True)


def _client_for(user: object | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner) -> Client:
    return _client_for(owner)


@pytest.fixture
def other_client(other) -> Client:
    return _client_for(other)


@pytest.fixture
def staff_client(staff) -> Client:
    return _client_for(staff)


@pytest.fixture
def anonymous_client(db) -> Client:
    return _client_for(None)


@pytest.fixture
def persona_clients(owner_client, other_client, staff_client, anonymous_client) -> dict[str, Client]:
    return {"owner": owner_client, "other": other_client, "staff": staff_client, "anonymous": anonymous_client}
