"""Every setting and every command is documented in the README."""
from __future__ import annotations

from pathlib import Path

from assistant.cli import COMMANDS
from assistant.config import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    for setting in SETTINGS:
        assert setting.env in README, setting.env


def test_every_command_is_documented():
    for command in COMMANDS:
        assert f"kompass {command}" in README, command


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci and "make test" in README
