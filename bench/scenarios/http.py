"""Scenarios 1 to 3: HTTP load from the client process (bench/client.py) against the server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def load(
    port: int,
    kind: str,
    *,
    count: int,
    concurrency: int,
    seconds: float,
    tokens: list[str] | None = None,
    case: str | None = None,
    run_id: str = "run",
    expect: int = 200,
) -> dict[str, Any]:
    """Run one batch of requests from a separate client process; returns its measurements."""
    job = {
        "port": port,
        "kind": kind,
        "count": count,
        "concurrency": concurrency,
        "seconds": seconds,
        "tokens": tokens or [],
        "case": case,
        "run_id": run_id,
        "expect": expect,
    }
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    done = subprocess.run(
        [sys.executable, "-m", "bench.client"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=seconds + 60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load client failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result
