"""The phone directory: departments and their options, two levels at most.

Invariants kept at load time, with an error that names what is wrong: at most
nine departments, each with at most nine options, no option with options of
its own (a caller is never more than two choices from a person), and every
menu gets "0 - talk to a person" from the system, never from the author.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from throughline.config import Settings
from throughline.kit.errors import InvalidInput

MAX_ENTRIES = 9
PERSON_KEY = "0"
PERSON_LABEL = "talk to a person"
PACKAGED_DIRECTORY = Path(__file__).parent / "directory.yaml"

_DEPARTMENT_KEYS = {"name", "team", "dial", "severity", "options"}
_OPTION_KEYS = {"name", "team", "dial", "severity"}


class DirectoryInvalid(InvalidInput):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("phone directory: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Choice:
    """A key on a menu: it leads to a free person of ``team``, or to the number ``dial``."""

    key: str
    name: str
    team: str | None = None
    dial: str | None = None
    severity: int = 3


@dataclass(frozen=True)
class Option(Choice):
    """A choice on a department's own menu (the second and last level)."""


@dataclass(frozen=True)
class Department(Choice):
    options: tuple[Option, ...] = ()

    def option(self, key: str) -> Option | None:
        return next((option for option in self.options if option.key == key), None)


@dataclass(frozen=True)
class Directory:
    greeting: str
    departments: tuple[Department, ...] = field(default_factory=tuple)

    def department(self, key: str) -> Department | None:
        return next((item for item in self.departments if item.key == key), None)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _severity(value: object, where: str, problems: list[str]) -> int:
    if value is None:
        return 3
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 4:
        problems.append(f"{where}: severity must be 1 (down) to 4 (question)")
        return 3
    return value


def _dial(value: object, where: str, problems: list[str]) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text or not all(ch.isdigit() or ch in "+*#-() " for ch in text):
        problems.append(f"{where}: dial must be a phone number or extension")
        return None
    return text


def _named(raw: object, where: str, problems: list[str]) -> tuple[dict[Any, Any], str, str] | None:
    """A menu entry's mapping, its name, and ``where`` it is with that name (for problems);
    None, with the problem noted, when it is not a mapping."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping with a name")
        return None
    name = _text(raw.get("name"))
    return raw, name, f"{where} '{name}'" if name else where


def parse(data: object) -> tuple[Directory | None, list[str]]:
    problems: list[str] = []
    if not isinstance(data, dict):
        return None, ["must be a mapping with greeting and departments"]
    for key in sorted(set(data) - {"greeting", "departments"}, key=str):
        problems.append(f"unknown key '{key}' (use greeting, departments)")
    raw_departments = data.get("departments")
    if not isinstance(raw_departments, list) or not raw_departments:
        return None, [*problems, "departments: needs a list of at least one department"]
    if len(raw_departments) > MAX_ENTRIES:
        problems.append(
            f"departments: {len(raw_departments)} departments; at most {MAX_ENTRIES} "
            "(keys 1-9; 0 is always a person)"
        )
    departments = []
    for number, raw_department in enumerate(raw_departments, start=1):
        department = _named(raw_department, f"department {number}", problems)
        if department is None:
            continue
        raw, name, where = department
        if not name:
            problems.append(f"{where}: missing name")
        for key in sorted(set(raw) - _DEPARTMENT_KEYS, key=str):
            problems.append(f"{where}: unknown key '{key}'")
        options = []
        raw_options = raw.get("options") or []
        if not isinstance(raw_options, list):
            problems.append(f"{where}: options must be a list")
            raw_options = []
        if len(raw_options) > MAX_ENTRIES:
            problems.append(
                f"{where}: {len(raw_options)} options; at most {MAX_ENTRIES} "
                "(keys 1-9; 0 is always a person)"
            )
        for index, raw_entry in enumerate(raw_options, start=1):
            option = _named(raw_entry, f"{where}, option {index}", problems)
            if option is None:
                continue
            raw_option, option_name, at = option
            if "options" in raw_option:
                problems.append(
                    f"{at}: has options of its own; the directory is at most two levels deep "
                    "(departments, then options)"
                )
            for key in sorted(set(raw_option) - _OPTION_KEYS - {"options"}, key=str):
                problems.append(f"{at}: unknown key '{key}'")
            if not option_name:
                problems.append(f"{at}: missing name")
            options.append(
                Option(
                    key=str(index),
                    name=option_name,
                    team=_text(raw_option.get("team")) or _text(raw.get("team")) or None,
                    dial=_dial(raw_option.get("dial"), at, problems),
                    severity=_severity(
                        raw_option.get("severity", raw.get("severity")), at, problems
                    ),
                )
            )
        departments.append(
            Department(
                key=str(number),
                name=name,
                team=_text(raw.get("team")) or None,
                dial=_dial(raw.get("dial"), where, problems),
                severity=_severity(raw.get("severity"), where, problems),
                options=tuple(options),
            )
        )
    if problems:
        return None, problems
    greeting = _text(data.get("greeting")) or "Thank you for calling."
    return Directory(greeting=greeting, departments=tuple(departments)), []


def parse_source(source: str) -> tuple[Directory | None, list[str]]:
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        return None, [f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}"]
    return parse(data)


def directory_file(settings: Settings) -> Path:
    """The configured file when it exists, else the directory shipped with the package."""
    if settings.phone_directory_file.is_file():
        return settings.phone_directory_file
    return PACKAGED_DIRECTORY


def check(path: Path) -> list[str]:
    return parse_source(path.read_text())[1]


def load(settings: Settings) -> Directory:
    path = directory_file(settings)
    directory, problems = parse_source(path.read_text())
    if directory is None:
        raise DirectoryInvalid(problems)
    return directory
