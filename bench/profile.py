"""Where a profiled server spent its time: pyinstrument's pstats, summed by package.

pyinstrument samples the web process's main thread; time inside the event
loop itself is time the process was idle or waiting for the database
(aiosqlite runs SQLite in a thread of its own, asyncpg waits on a socket), so
it is reported apart from the time spent in Python code. Time in C functions
(pydantic-core, the drivers' C parts) counts towards the Python caller.
"""

from __future__ import annotations

import pstats
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, cast

_SITE = re.compile(r"(?:site|dist)-packages/([A-Za-z0-9_]+)")
_OWN = re.compile(r"(?:^|/)(throughline)/(.+?)\.py$")
_STDLIB = re.compile(r"(?:^|/)lib/python3\.\d+/(.+?)(?:/|\.py)")


def package_of(path: str) -> str:
    """The package a frame's file belongs to: 'sqlalchemy', 'throughline.cases', 'asyncio' …"""
    own = _OWN.search(path)
    if own:
        module = own.group(2).split("/")[0]
        return f"throughline.{module}"
    site = _SITE.search(path)
    if site:
        return site.group(1)
    stdlib = _STDLIB.search(path)
    if stdlib:
        return stdlib.group(1)
    return path.rsplit("/", 1)[-1] or path


def summarize(path: Path, *, top: int = 25) -> dict[str, Any]:
    # The raw table: {(file, line, function): (calls, primitive calls, self, cumulative, callers)}
    stats: dict[tuple[str, int, str], Any] = cast(Any, pstats.Stats(str(path))).stats
    by_package: dict[str, float] = defaultdict(float)
    functions = []
    idle = 0.0
    for (file, line, name), (_cc, _nc, self_time, cumulative, _callers) in stats.items():
        # The event loop itself: waiting on sockets and on the database thread. With uvloop
        # (C) that time shows as asyncio.run's own; with the pure-Python loop, as select.
        if (name == "select" and "selectors" in file) or (
            name == "run" and file.endswith("asyncio/runners.py")
        ):
            idle += self_time
            continue
        by_package[package_of(file)] += self_time
        functions.append((self_time, cumulative, f"{name} ({package_of(file)}:{line})"))
    busy = sum(by_package.values())
    ranked = sorted(by_package.items(), key=lambda item: -item[1])
    own = sorted(
        (f for f in functions if f[2].split("(")[1].startswith("throughline")),
        key=lambda f: -f[1],
    )
    return {
        "busy_seconds": round(busy, 2),
        "idle_seconds": round(idle, 2),
        "by_package": [
            {"package": name, "seconds": round(seconds, 2), "share": round(seconds / busy, 3)}
            for name, seconds in ranked[:top]
            if busy
        ],
        "top_self": [
            {"function": label, "self_seconds": round(s, 3)}
            for s, _c, label in sorted(functions, reverse=True)[:top]
        ],
        "throughline_cumulative": [
            {"function": label, "cumulative_seconds": round(c, 3)} for _s, c, label in own[:top]
        ],
    }


def render(summary: dict[str, Any]) -> str:
    lines = [
        f"in Python code {summary['busy_seconds']} s; in the event loop (idle, waiting on "
        f"sockets and the database thread) {summary['idle_seconds']} s",
        "",
        "self time by package:",
    ]
    lines += [
        f"  {row['share']:6.1%}  {row['seconds']:8.2f} s  {row['package']}"
        for row in summary["by_package"]
    ]
    lines += ["", "throughline functions by cumulative time:"]
    lines += [
        f"  {row['cumulative_seconds']:8.2f} s  {row['function']}"
        for row in summary["throughline_cumulative"]
    ]
    lines += ["", "functions by self time:"]
    lines += [f"  {row['self_seconds']:8.3f} s  {row['function']}" for row in summary["top_self"]]
    return "\n".join(lines)
