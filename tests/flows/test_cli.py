"""``throughline flow check``: every problem of the flows folder and the phone directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from throughline.cli import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("THROUGHLINE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("THROUGHLINE_FLOWS_DIR", str(ROOT / "flows"))
    monkeypatch.setenv("THROUGHLINE_PHONE_DIRECTORY_FILE", str(ROOT / "phone-directory.yaml"))
    return CliRunner()


def test_the_shipped_flows_and_directory_pass(runner: CliRunner) -> None:
    result = runner.invoke(app, ["flow", "check"])
    assert result.exit_code == 0, result.output
    assert "3 file(s)" in result.output
    assert result.output.strip().endswith("All flows and the phone directory are valid.")


def test_problems_are_printed_and_fail_the_command(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "wifi.yaml").write_text(
        "title: Wi-Fi\nstart: ask\nnodes:\n"
        "  ask:\n    type: question\n    text: Which?\n    choices: []\n"
    )
    directory = tmp_path / "directory.yaml"
    directory.write_text(
        "departments:\n  - name: Help\n    options:\n"
        "      - name: Deep\n        options:\n          - name: Deeper\n"
    )
    result = runner.invoke(
        app, ["flow", "check", "--folder", str(folder), "--directory", str(directory)]
    )
    assert result.exit_code == 1
    assert "  - flow 'wifi', node 'ask': a question needs at least one choice" in result.output
    assert (
        f"  - {directory}: department 1 'Help', option 1 'Deep': has options of its own; "
        "the directory is at most two levels deep" in result.output
    )
