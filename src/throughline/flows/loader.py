"""One loader for every flow: YAML files in the flows folder, and versions saved by leads.

A version saved in the database overrides the file of the same name. When the
configured folder does not exist (an installed wheel run from anywhere), the
flows shipped inside the package are used, so a new install always has them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.config import Settings
from throughline.flows.rules import NAME_PATTERN, Flow, Problem, parse
from throughline.kit.errors import InvalidInput, NotFound
from throughline.models import FlowDefinition

log = logging.getLogger("throughline.flows")

PACKAGED_FLOWS = Path(__file__).parent / "builtin"
MAX_SOURCE_BYTES = 100_000


class FlowInvalid(InvalidInput):
    """A flow with problems; the message names the flow, node and problem of each."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


def parse_source(
    name: str, source: str, *, origin: str = "file"
) -> tuple[Flow | None, list[Problem]]:
    flow, problems = _parse_cached(name, source, origin)
    return flow, list(problems)


# Every page of a run reads its flow: parse each distinct text once (flows are immutable).
@lru_cache(maxsize=256)
def _parse_cached(name: str, source: str, origin: str) -> tuple[Flow | None, tuple[Problem, ...]]:
    if len(source.encode()) > MAX_SOURCE_BYTES:
        return None, (Problem(name, None, f"larger than {MAX_SOURCE_BYTES} bytes"),)
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        reason = getattr(exc, "problem", None) or "cannot be read"
        return None, (Problem(name, None, f"not valid YAML{where}: {reason}"),)
    flow, problems = parse(name, data, origin=origin)
    return flow, tuple(problems)


def load_source(name: str, source: str, *, origin: str = "file") -> Flow:
    """The flow, or :class:`FlowInvalid` (a 422) naming every problem."""
    flow, problems = parse_source(name, source, origin=origin)
    if flow is None:
        raise FlowInvalid(problems)
    return flow


def flows_folder(settings: Settings) -> tuple[Path, str]:
    """The configured folder when it exists, else the flows shipped with the package."""
    if settings.flows_dir.is_dir():
        return settings.flows_dir, "file"
    return PACKAGED_FLOWS, "package"


@dataclass(frozen=True)
class FlowFile:
    name: str
    path: Path
    source: str


def flow_files(folder: Path) -> list[FlowFile]:
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    return [FlowFile(name=path.stem, path=path, source=path.read_text()) for path in files]


def check_folder(folder: Path) -> list[Problem]:
    """Every problem of every flow file in ``folder``, for ``throughline flow check``."""
    found: list[Problem] = []
    for item in flow_files(folder):
        found.extend(parse_source(item.name, item.source)[1])
    return found


async def load_all(session: AsyncSession, settings: Settings) -> dict[str, Flow]:
    """Every usable flow by name; files with problems are left out (and logged)."""
    folder, origin = flows_folder(settings)
    flows: dict[str, Flow] = {}
    for item in flow_files(folder):
        flow, problems = parse_source(item.name, item.source, origin=origin)
        if flow is None:
            log.warning("flow file %s left out: %s", item.path, "; ".join(map(str, problems)))
            continue
        flows[flow.name] = flow
    for definition in await session.scalars(select(FlowDefinition)):
        flow, problems = parse_source(definition.name, definition.source, origin="database")
        if flow is None:
            log.warning("saved flow %s left out: %s", definition.name, problems)
            continue
        flows[flow.name] = flow
    return dict(sorted(flows.items(), key=lambda pair: pair[1].title.lower()))


async def load_one(session: AsyncSession, settings: Settings, name: str) -> Flow:
    if not NAME_PATTERN.match(name):
        raise NotFound(f"flow: no flow called '{name}'")
    definition = await session.scalar(select(FlowDefinition).where(FlowDefinition.name == name))
    if definition is not None:
        return load_source(name, definition.source, origin="database")
    folder, origin = flows_folder(settings)
    for suffix in (".yaml", ".yml"):
        path = folder / f"{name}{suffix}"
        if path.is_file() and path.parent == folder:
            return load_source(name, path.read_text(), origin=origin)
    raise NotFound(f"flow: no flow called '{name}'")


async def source_of(session: AsyncSession, settings: Settings, name: str) -> tuple[str, str]:
    """The YAML of a flow and where it comes from ("database", "file" or "package")."""
    definition = await session.scalar(select(FlowDefinition).where(FlowDefinition.name == name))
    if definition is not None:
        return definition.source, "database"
    folder, origin = flows_folder(settings)
    for item in flow_files(folder):
        if item.name == name:
            return item.source, origin
    raise NotFound(f"flow: no flow called '{name}'")
