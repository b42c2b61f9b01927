"""The peer, django-helpdesk, measured in the same ``make bench`` run as our scenarios.

Its harness lives outside this repository (``../shared/peer/django-helpdesk`` from the repo
root, or wherever ``THROUGHLINE_BENCH_PEER`` points) and is only ever run, never copied in:
it is copied to a temporary folder (the original may be read-only), its own ``run.sh``
builds its venv there, serves django-helpdesk under gunicorn on a fresh SQLite database and
writes one results JSON. Its own knobs keep the run short while keeping what is compared:
ticket creation with 8 client threads on SQLite, and the trivial-view ping baseline.

If the harness is absent or fails, the run says so and carries on without it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

ENV_VAR = "THROUGHLINE_BENCH_PEER"
DEFAULT = Path("..") / "shared" / "peer" / "django-helpdesk"  # from the repo root
THREADS = 8
# bench.py's own knobs: the creation and ping phases as the peer's README measures them
# (8 threads, SQLite), with fewer requests; the list and search phases, which we do not
# compare here, on a token desk so that they take seconds instead of minutes.
ARGS = (
    f"--threads {THREADS} --n-baseline 2000 --n-create 1000 --n-load 500 "
    "--n-list 10 --n-search 5 --n-apilist 1 --phase-deadline 120"
)
TIMEOUT = 1200.0  # venv, migrations and the phases together
IGNORED = shutil.ignore_patterns(".venv", "results", "logs", "db.sqlite3*", "__pycache__")


def locate(root: Path) -> Path:
    """Where the harness is: the environment variable, else beside the repository."""
    configured = os.environ.get(ENV_VAR)
    return Path(configured).expanduser() if configured else root / DEFAULT


def _named(source: Path) -> str:
    """The harness's place as the results say it: from the repository, no machine path."""
    return os.path.relpath(source.resolve(), Path(__file__).resolve().parents[1])


def _phase(raw: dict[str, Any]) -> dict[str, Any]:
    keys = ("requested", "done", "ok", "threads", "rps", "p50_ms", "p99_ms", "cut_by_deadline")
    return {key: raw.get(key) for key in keys}


def read_results(raw: dict[str, Any]) -> dict[str, Any]:
    """The figures we compare, from the JSON the peer's bench.py writes."""
    phases = raw["phases"]
    create = phases["create"]
    return {
        "status": "measured",
        "label": raw.get("label", ""),
        "started": raw.get("started"),
        "versions": raw["env"],
        "ping": {"endpoint": "GET /bench/ping/", **_phase(phases["baseline"])},
        "create": {
            "endpoint": "POST /api/tickets/",
            **_phase(create),
            "db_count_matches": create.get("db_count_matches"),
        },
    }


def run(source: Path, workdir: Path, log: Path, args: str = ARGS) -> dict[str, Any]:
    """Copy the harness into workdir, run it once, read its results; never raises."""
    if not (source / "run.sh").is_file():
        return {
            "status": f"absent: no run.sh in {source} (set {ENV_VAR})",
            "source": _named(source),
        }
    copy = workdir / "peer"
    began = time.monotonic()
    try:
        shutil.copytree(source, copy, ignore=IGNORED)
        for path in [copy, *copy.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)  # the original may have no write bits
        env = dict(os.environ, RUNS="1", BENCH_ARGS=args)
        env.pop("HD_LATEST", None)
        with log.open("ab") as out:
            done = subprocess.run(
                ["bash", str(copy / "run.sh")],
                cwd=copy,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=TIMEOUT,
                check=False,
            )
        seconds = round(time.monotonic() - began, 1)
        found = sorted((copy / "results").glob("run-*.json"))
        if done.returncode != 0 or not found:
            return {
                "status": f"failed: run.sh exited {done.returncode} after {seconds} s, "
                f"{len(found)} results file(s); see {log}",
                "source": _named(source),
            }
        result = read_results(json.loads(found[-1].read_text()))
    except (OSError, ValueError, KeyError, subprocess.TimeoutExpired) as exc:
        return {"status": f"failed: {type(exc).__name__}: {exc}", "source": _named(source)}
    return {**result, "seconds": seconds, "args": args, "source": _named(source)}


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    return round(ours / theirs, 2) if ours and theirs else None


def compare(results: list[dict[str, Any]], peer: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per comparable scenario and database: our figure, the peer's, the ratio."""
    if peer.get("status") != "measured":
        return []
    rows = []
    for result in results:
        s = result["scenarios"]
        for key, what, theirs in (
            ("2", "case creation req/s", peer["create"]),
            ("1", "framework ping req/s", peer["ping"]),
        ):
            ours = s.get(key, {}).get("rps")
            if ours is None:
                continue
            rows.append(
                {
                    "what": what,
                    "database": result["database"],
                    "ours": ours,
                    "ours_concurrency": s[key].get("concurrency"),
                    "peer": theirs["rps"],
                    "peer_threads": theirs["threads"],
                    "ratio": _ratio(ours, theirs["rps"]),
                }
            )
    return rows


def table(results: list[dict[str, Any]], peer: dict[str, Any]) -> str:
    """The comparison as printed at the end of a run, or why there is none."""
    status = peer.get("status", "not run")
    if status != "measured":
        return f"Peer (django-helpdesk): {status}"
    v = peer["versions"]
    lines = [
        f"Beside the peer: django-helpdesk {v.get('django-helpdesk')}, Django {v.get('django')}, "
        f"gunicorn {v.get('gunicorn')} (2 sync workers), SQLite {v.get('sqlite')}; "
        f"its run took {peer.get('seconds')} s",
    ]
    header = ("measure", "ours on", "ours", "peer on SQLite", "ours / peer")
    body = [
        (
            row["what"],
            row["database"],
            f"{row['ours']:,.0f} ({row['ours_concurrency']} at once)",
            f"{row['peer']:,.0f} ({row['peer_threads']} threads)",
            f"{row['ratio']:.2f}x" if row["ratio"] is not None else "-",
        )
        for row in compare(results, peer)
    ]
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]
    for line in (header, tuple("-" * w for w in widths), *body):
        lines.append(" | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
    if not peer["create"].get("db_count_matches"):
        lines.append("peer: its ticket count after creation did not match the requests")
    return "\n".join(lines)
