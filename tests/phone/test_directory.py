"""The phone directory file: two levels at most, nine entries per menu, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from throughline.config import Settings
from throughline.phone import directory

ROOT = Path(__file__).resolve().parents[2]


def _problems(data: object) -> list[str]:
    parsed, problems = directory.parse(data)
    assert parsed is None
    return problems


def test_the_shipped_directory_loads() -> None:
    path = ROOT / "phone-directory.yaml"
    loaded, problems = directory.parse_source(path.read_text())
    assert problems == []
    assert loaded is not None
    assert [department.key for department in loaded.departments] == ["1", "2", "3", "4"]
    assert all(len(department.options) <= 9 for department in loaded.departments)
    # Installed without the file next to it: the copy inside the package is the same.
    assert directory.PACKAGED_DIRECTORY.read_text() == path.read_text()
    missing = Settings(phone_directory_file=ROOT / "no-such-directory.yaml")
    assert directory.directory_file(missing) == directory.PACKAGED_DIRECTORY


def test_a_third_level_is_refused_naming_where() -> None:
    data = {
        "departments": [
            {
                "name": "Internet",
                "options": [{"name": "Down", "options": [{"name": "Really down"}]}],
            }
        ]
    }
    assert _problems(data) == [
        "department 1 'Internet', option 1 'Down': has options of its own; the directory "
        "is at most two levels deep (departments, then options)"
    ]


def test_at_most_nine_departments_and_nine_options() -> None:
    ten = [{"name": f"Entry {n}"} for n in range(10)]
    assert _problems({"departments": ten}) == [
        "departments: 10 departments; at most 9 (keys 1-9; 0 is always a person)"
    ]
    assert _problems({"departments": [{"name": "Big", "options": ten}]}) == [
        "department 1 'Big': 10 options; at most 9 (keys 1-9; 0 is always a person)"
    ]


def test_missing_names_and_bad_values_are_named() -> None:
    problems = _problems(
        {"departments": [{"team": "Billing"}, {"name": "X", "severity": 9, "dial": "call me"}]}
    )
    assert problems == [
        "department 1: missing name",
        "department 2 'X': dial must be a phone number or extension",
        "department 2 'X': severity must be 1 (down) to 4 (question)",
    ]
    assert _problems({"greeting": "Hi"}) == ["departments: needs a list of at least one department"]
    assert _problems({"departments": ["Sales", {"name": "Help", "options": [7]}]}) == [
        "department 1: must be a mapping with a name",
        "department 2 'Help', option 1: must be a mapping with a name",
    ]


def test_load_raises_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump({"departments": [{"name": "A", "options": [{"x": 1}]}]}))
    with pytest.raises(directory.DirectoryInvalid) as caught:
        directory.load(Settings(phone_directory_file=path))
    assert caught.value.status_code == 422
    assert caught.value.message == (
        "phone directory: department 1 'A', option 1: unknown key 'x'; "
        "department 1 'A', option 1: missing name"
    )
