"""Command line of `python -m baselines`."""

import pytest

from baselines import cli


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    output = capsys.readouterr().out
    for command in ("train", "predict", "package", "submit", "report"):
        assert command in output


def test_submit_without_password_exits_2(monkeypatch, tmp_path):
    monkeypatch.delenv("ELUE_PASSWORD", raising=False)
    status = cli.main(["submit", "--username", "someone", "--run-dir", str(tmp_path)])
    assert status == 2


def test_submit_reports_unreachable_site(monkeypatch, tmp_path):
    # Port 9 (discard) on the loopback: nothing listens there on a test machine.
    monkeypatch.setenv("ELUE_PASSWORD", "secret")
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "manifest.json").write_text(
        '{"entries": [{"name": "E", "kind": "dynamic", "description": "", "tasks": {}}]}',
        encoding="utf-8",
    )
    status = cli.main(["submit", "--url", "http://127.0.0.1:9", "--username", "someone",
                       "--run-dir", str(tmp_path)])
    assert status == 1
