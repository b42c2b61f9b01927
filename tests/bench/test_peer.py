"""The peer's results, read from a harness folder the test writes, beside ours."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from bench import peer


def _phase(name: str, n: int, rps: float) -> dict[str, Any]:
    return {
        "phase": name, "requested": n, "threads": 8, "done": n, "ok": n,
        "codes": {"200": n}, "wall_s": round(n / rps, 3), "rps": rps, "p50_ms": 12.0,
        "p90_ms": 80.0, "p99_ms": 125.3, "max_ms": 160.0, "mean_ms": 30.0,
        "cut_by_deadline": False, "sample_errors": [],
    }  # fmt: skip


PEER_JSON = {
    "label": "run 1/1 20261207T065107Z",
    "env": {"python": "3.11.7", "django": "5.2.19", "django-helpdesk": "2.6.1",
            "djangorestframework": "3.18.3", "gunicorn": "27.0.1", "httpx": "0.28.1",
            "sqlite": "3.40.1", "cpus": 2, "platform": "Linux"},
    "started": "2026-12-07T06:51:07+0000",
    "phases": {"baseline": _phase("baseline GET /bench/ping/", 1000, 200.0),
               "create": {**_phase("create POST /api/tickets/", 400, 80.0),
                          "tickets_in_db_after": 400, "db_count_matches": True}},
    "finished": "2026-12-07T06:53:00+0000",
}  # fmt: skip

OURS = [
    {"database": "sqlite", "scenarios": {"1": {"rps": 3000.0, "concurrency": 32},
                                         "2": {"rps": 420.0, "concurrency": 16}}},
    {"database": "postgresql", "scenarios": {"2": {"rps": 240.0, "concurrency": 16}}},
]  # fmt: skip


def _harness(folder: Path, script: str) -> Path:
    """A read-only harness folder whose run.sh is the given script."""
    folder.mkdir()
    (folder / "peer.json").write_text(json.dumps(PEER_JSON))
    (folder / "run.sh").write_text(script)
    for path in folder.iterdir():
        path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    return folder


def test_the_peer_runs_in_a_copy_and_its_figures_sit_beside_ours(tmp_path: Path) -> None:
    source = _harness(
        tmp_path / "harness",
        '#!/usr/bin/env bash\nset -e\ncd "$(dirname "$0")"\nmkdir -p results\n'
        'case "$BENCH_ARGS" in *"--threads 8"*) ;; *) exit 9;; esac\n'
        "cp peer.json results/run-20261207T065107Z.json\n",
    )
    work = tmp_path / "work"
    work.mkdir()
    measured = peer.run(source, work, tmp_path / "peer.log")
    assert measured["status"] == "measured", measured
    assert measured["versions"]["django-helpdesk"] == "2.6.1"
    assert measured["create"]["rps"] == 80.0
    assert measured["ping"]["threads"] == 8
    assert not (source / "results").exists()  # run in the copy, the original untouched

    rows = {(r["what"], r["database"]): r for r in peer.compare(OURS, measured)}
    assert rows[("case creation req/s", "sqlite")]["ratio"] == 5.25
    assert rows[("case creation req/s", "postgresql")]["ratio"] == 3.0
    assert rows[("framework ping req/s", "sqlite")]["ratio"] == 15.0
    assert ("framework ping req/s", "postgresql") not in rows  # not measured on that side
    printed = peer.table(OURS, measured)
    assert "django-helpdesk 2.6.1" in printed
    cells = [[cell.strip() for cell in line.split("|")] for line in printed.splitlines()]
    assert ["case creation req/s", "sqlite", "420 (16 at once)", "80 (8 threads)", "5.25x"] in cells


def test_an_absent_or_failing_peer_is_said_and_gives_no_rows(tmp_path: Path) -> None:
    absent = peer.run(tmp_path / "nowhere", tmp_path, tmp_path / "peer.log")
    assert absent["status"].startswith("absent: no run.sh in")
    failing = _harness(tmp_path / "failing", "#!/usr/bin/env bash\nexit 3\n")
    failed = peer.run(failing, tmp_path, tmp_path / "peer.log")
    assert failed["status"].startswith("failed: run.sh exited 3")
    assert peer.compare(OURS, failed) == []
    assert peer.table(OURS, failed) == f"Peer (django-helpdesk): {failed['status']}"


def test_the_harness_is_found_beside_the_repo_or_where_the_variable_says(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.delenv(peer.ENV_VAR, raising=False)
    assert peer.locate(tmp_path) == tmp_path / ".." / "shared" / "peer" / "django-helpdesk"
    monkeypatch.setenv(peer.ENV_VAR, str(tmp_path / "elsewhere"))
    assert peer.locate(tmp_path) == tmp_path / "elsewhere"
