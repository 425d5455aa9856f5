"""Environment helpers, settings defaults, system checks and check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from elue_site import checks
from elue_site.env import env_bool, env_int, env_list, env_str

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text, expected", [
    ("true", True), ("1", True), ("YES", True), ("on", True),
    ("false", False), ("0", False), ("no", False), ("Off", False),
])
def test_env_bool_words(monkeypatch, text, expected):
    monkeypatch.setenv("ELUE_TEST_FLAG", text)
    assert env_bool("ELUE_TEST_FLAG", not expected) is expected


def test_env_bool_invalid_names_variable(monkeypatch):
    monkeypatch.setenv("ELUE_TEST_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured) as raised:
        env_bool("ELUE_TEST_FLAG", False)
    assert "ELUE_TEST_FLAG" in str(raised.value)
    assert "'maybe'" in str(raised.value)


def test_env_unset_and_empty_use_default(monkeypatch):
    monkeypatch.delenv("ELUE_TEST_VALUE", raising=False)
    assert env_int("ELUE_TEST_VALUE", 7) == 7
    monkeypatch.setenv("ELUE_TEST_VALUE", "  ")
    assert env_str("ELUE_TEST_VALUE", "fallback") == "fallback"
    assert env_list("ELUE_TEST_VALUE", ["a"]) == ["a"]


def test_env_int_invalid_and_too_small(monkeypatch):
    monkeypatch.setenv("ELUE_TEST_VALUE", "12MB")
    with pytest.raises(ImproperlyConfigured, match=r"ELUE_TEST_VALUE: '12MB'"):
        env_int("ELUE_TEST_VALUE", 1)
    monkeypatch.setenv("ELUE_TEST_VALUE", "0")
    with pytest.raises(ImproperlyConfigured, match="ELUE_TEST_VALUE is 0; it must be at least 1"):
        env_int("ELUE_TEST_VALUE", 5, minimum=1)


def test_env_list_splits_commas(monkeypatch):
    monkeypatch.setenv("ELUE_TEST_VALUE", "elue.example.org, ,www.example.org")
    assert env_list("ELUE_TEST_VALUE", []) == ["elue.example.org", "www.example.org"]
    monkeypatch.setenv("ELUE_TEST_VALUE", " , ")
    with pytest.raises(ImproperlyConfigured, match="ELUE_TEST_VALUE"):
        env_list("ELUE_TEST_VALUE", [])


def test_env_str_required_without_default(monkeypatch):
    monkeypatch.delenv("ELUE_TEST_VALUE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="ELUE_TEST_VALUE"):
        env_str("ELUE_TEST_VALUE")


def test_private_dir_inside_media_is_error(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ELUE_PRIVATE_DATA_DIR = tmp_path / "media" / "labels"
    ids = [problem.id for problem in checks.check_private_data_dir()]
    assert "elue.E001" in ids


def test_private_dir_outside_media_passes(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ELUE_PRIVATE_DATA_DIR = tmp_path / "labels"
    (tmp_path / "labels").mkdir(mode=0o700)
    assert checks.check_private_data_dir() == []


def test_private_dir_open_permissions_warns(settings, tmp_path):
    settings.ELUE_PRIVATE_DATA_DIR = tmp_path / "labels"
    (tmp_path / "labels").mkdir()
    os.chmod(tmp_path / "labels", 0o755)
    ids = [problem.id for problem in checks.check_private_data_dir()]
    assert ids == ["elue.W001"]


def test_unknown_broker_scheme_is_error(settings):
    settings.CELERY_BROKER_URL = "reddis://127.0.0.1:6379/0"
    problems = checks.check_celery_settings()
    assert [problem.id for problem in problems] == ["elue.E002"]
    assert "reddis" in problems[0].msg


def test_soft_limit_not_below_hard_is_error(settings):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 600
    settings.CELERY_TASK_TIME_LIMIT = 600
    assert [problem.id for problem in checks.check_celery_settings()] == ["elue.E003"]


def _manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items()
             if not key.startswith(("DJANGO_", "ELUE_", "CELERY_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_clean_in_production(tmp_path):
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "k8Qz1-vP3r7Lm9sT2wX5yB0nC4dF6gH8jK1lM3nP5qR7sT9uV1wX3yZ5aB7cD9eF",
        "DJANGO_ALLOWED_HOSTS": "elue.example.org",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/elue",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "ELUE_VAR_DIR": str(tmp_path / "var"),
    })
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_without_secret_key_fails(tmp_path):
    result = _manage(["check"], {"DJANGO_DEBUG": "false", "ELUE_VAR_DIR": str(tmp_path / "var")})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_invalid_limit_variable_stops_startup(tmp_path):
    result = _manage(["check"], {"ELUE_MAX_UPLOAD_MB": "fifty", "ELUE_VAR_DIR": str(tmp_path / "var")})
    assert result.returncode != 0
    assert "ELUE_MAX_UPLOAD_MB: 'fifty'" in result.stderr


def test_invalid_setting_prints_message_only(tmp_path):
    result = _manage(["check"], {"DJANGO_DEBUG": "maybe", "ELUE_VAR_DIR": str(tmp_path / "var")})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Invalid configuration: ")
    assert "DJANGO_DEBUG: 'maybe'" in result.stderr


def test_wsgi_invalid_setting_prints_message_only(tmp_path):
    clean = {key: value for key, value in os.environ.items()
             if not key.startswith(("DJANGO_", "ELUE_", "CELERY_", "DATABASE_URL"))}
    env = {**clean, "DJANGO_DEBUG": "maybe", "ELUE_VAR_DIR": str(tmp_path / "var")}
    result = subprocess.run([sys.executable, "-c", "import elue_site.wsgi"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "DJANGO_DEBUG: 'maybe'" in result.stderr


def test_local_defaults_need_no_servers(tmp_path):
    result = _manage(["shell", "-c", (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE']);print(s.CELERY_BROKER_URL);print(s.DEBUG)"
    )], {"ELUE_VAR_DIR": str(tmp_path / "var")})
    assert result.returncode == 0, result.stderr
    engine, broker, debug = result.stdout.split()[-3:]
    assert engine == "django.db.backends.sqlite3"
    assert broker == "filesystem://"
    assert debug == "True"
    assert (tmp_path / "var" / "celery" / "queue").is_dir()
    private = tmp_path / "var" / "private" / "elue-data"
    assert private.stat().st_mode & 0o777 == 0o700
