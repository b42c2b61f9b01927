"""``throughline remedy …`` against a real SQLite file, as an administrator would run it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from throughline.cli import app


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("THROUGHLINE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("THROUGHLINE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("THROUGHLINE_SECRET_KEY", "test-secret-key")
    return CliRunner()


def run(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_catalogue_limits_and_approver_from_the_command_line(runner: CliRunner) -> None:
    assert "No remedies yet" in run(runner, "remedy", "list")
    added = run(
        runner, "remedy", "add", "refund", "--label", "Refund", "--unit", "money", "--limit", "40"
    )
    assert added.strip() == "Remedy 'refund' added: Refund, limit 40.00."
    run(
        runner,
        "remedy",
        "add",
        "extension",
        "--label",
        "Extension",
        "--unit",
        "days",
        "--limit",
        "7",
    )
    run(runner, "remedy", "retire", "extension")

    listing = run(runner, "remedy", "list").splitlines()
    assert listing[0].split() == [
        "extension",
        "Extension",
        "days",
        "limit",
        "7",
        "days",
        "(retired)",
    ]
    assert listing[1].split() == ["refund", "Refund", "money", "limit", "40.00"]

    run(runner, "rep", "add", "--name", "Olivia Owner", "--email", "olivia@desk.example")
    run(runner, "rep", "add", "--name", "Lena Lead", "--email", "lena@desk.example", "--lead")
    limit = run(
        runner,
        "remedy",
        "limit",
        "--rep",
        "olivia@desk.example",
        "--kind",
        "refund",
        "--limit",
        "75",
    )
    assert limit.strip() == "Olivia Owner may now grant Refund up to 75.00."
    named = run(
        runner,
        "remedy",
        "approver",
        "--rep",
        "olivia@desk.example",
        "--approver",
        "lena@desk.example",
    )
    assert named.strip() == "Lena Lead now decides Olivia Owner's actions above their limits."


def test_mistakes_are_named(runner: CliRunner) -> None:
    bad_unit = run(
        runner,
        "remedy",
        "add",
        "pizza",
        "--label",
        "Pizza",
        "--unit",
        "cash",
        "--limit",
        "1",
        code=1,
    )
    assert "unit: 'cash' is not one of money, days, items" in bad_unit
    run(runner, "remedy", "add", "refund", "--label", "Refund", "--unit", "money", "--limit", "40")
    twice = run(
        runner,
        "remedy",
        "add",
        "refund",
        "--label",
        "Refund",
        "--unit",
        "money",
        "--limit",
        "9",
        code=1,
    )
    assert "remedy 'refund' already exists" in twice
    run(runner, "rep", "add", "--name", "Olivia Owner", "--email", "olivia@desk.example")
    run(runner, "rep", "add", "--name", "Oscar Other", "--email", "oscar@desk.example")
    not_lead = run(
        runner,
        "remedy",
        "approver",
        "--rep",
        "olivia@desk.example",
        "--approver",
        "oscar@desk.example",
        code=1,
    )
    assert "approver: Oscar Other is not a lead" in not_lead
    fraction = run(
        runner,
        "remedy",
        "limit",
        "--rep",
        "olivia@desk.example",
        "--kind",
        "refund",
        "--limit",
        "1.005",
        code=1,
    )
    assert "limit: at most 2 decimals" in fraction
    unknown = run(
        runner,
        "remedy",
        "limit",
        "--rep",
        "nobody@desk.example",
        "--kind",
        "refund",
        "--limit",
        "5",
        code=1,
    )
    assert "rep: no rep 'nobody@desk.example'" in unknown
