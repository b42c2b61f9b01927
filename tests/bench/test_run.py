"""`make bench QUICK=1` end to end: every scenario on SQLite and PostgreSQL, with numbers.

Speed is never asserted here (a loaded machine would make that flaky); what is
asserted is that the benchmark runs, measures every scenario that exists and
reports the ones that do not, so that the benchmark code cannot rot.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.client import percentile
from bench.scenarios.plans import indexes_in, scans_in

from throughline.kit.pgserver import PostgresNotInstalled, find_bin_dir

ROOT = Path(__file__).resolve().parents[2]


def _databases() -> list[str]:
    """Both, as in the rest of the suite; without PostgreSQL installed locally, SQLite alone."""
    try:
        find_bin_dir()
    except PostgresNotInstalled:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            raise
        return ["sqlite"]
    return ["sqlite", "postgresql"]


def _numbers(measured: dict[str, Any], *, expected: int) -> None:
    assert measured["requests"] == measured["ok"] == expected, measured
    assert measured["errors"] == 0, measured["first_error"]
    assert measured["rps"] > 0
    for side in ("client_ms", "server_ms"):
        figures = measured[side]
        assert 0 < figures["p50"] <= figures["p99"] <= figures["max"], (side, figures)


def test_quick_benchmark_measures_every_scenario(tmp_path: Path) -> None:
    databases = _databases()
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--results-dir", str(tmp_path)]
        + ["--databases", ",".join(databases), "--no-peer"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "framework limit" in done.stdout
    assert "5 email ingest, 4 SMTP clients" in done.stdout
    for database in databases:
        [path] = tmp_path.glob(f"*-{database}-quick.json")
        result = json.loads(path.read_text())
        assert result["database"] == database
        assert result["quick"] is True
        assert result["peer"] == {"status": "not run (--no-peer)", "comparison": []}
        assert result["database_version"].lower().startswith(database[:6])
        machine = result["machine"]
        assert machine["cpu_count"] >= 1
        assert machine["python"]
        assert {"fastapi", "sqlalchemy", "uvicorn"} <= set(machine["packages"])
        sizes, s = result["sizes"], result["scenarios"]
        assert result["seed"]["rows"]["cases"] == sizes["seed_cases"]
        _numbers(s["1"], expected=sizes["ping"])
        _numbers(s["2"], expected=sizes["create"])
        # Every new case's "received" notice was sent by the worker before the reads began.
        notices = s["2"]["notices"]
        assert notices["left"] == 0
        assert notices["sent"] == notices["queued_after_creation"]
        for key in ("worklist", "unowned", "case_page"):
            _numbers(s["3"][key], expected=sizes["reads"])
        _numbers(s["3"]["worklist_under_load"], expected=sizes["read_load"])
        routes = {plan["route"] for plan in s["3"]["plans"]}
        assert {"GET /api/v1/worklist", "GET /api/v1/cases?unowned=true"} <= routes
        work_list_indexes = {
            name
            for plan in s["3"]["plans"]
            if plan["route"] == "GET /api/v1/worklist"
            for name in plan["indexes"]
        }
        assert "ix_cases_owner_unresolved" in work_list_indexes
        assert s["7"]["peak_web_worker_mb"] > 0
        assert s["7"]["samples"] > 0
        five = s["5"]
        assert five["stored"] == five["messages"] == sizes["mails"]
        assert five["errors"] == []
        assert five["processed_per_second"] > 0
        assert five["outcomes"]["processed/threaded"] > 0
        for key in ("search", "similar"):
            _numbers(s["6"][key], expected=sizes["reads"])
        expected = {
            "2",
            "3.worklist",
            "3.unowned",
            "3.case_page",
            "6.search",
            "6.similar",
            "7",
            "8",
        }
        assert expected <= set(result["targets"])
        _live(s["8"], sizes["live_streams"])
        if database == "postgresql":
            four = s["4"]
            assert four["arrivals"] == sizes["arrivals"]
            assert four["errors"] == []
            assert four["assigned_per_second"] > 0
            assert four["checks"]["cases_with_two_owners"] == 0
            assert four["checks"]["reps_over_capacity"] == 0
            assert four["checks"]["load_counters_wrong"] == 0
        else:
            assert "PostgreSQL only" in s["4"]["status"]


def _live(eight: dict[str, Any], stream_counts: list[int]) -> None:
    """Every open work list heard every arrival of its rep; idle pages cost no queries each."""
    assert eight["errors"] == []
    assert [phase["streams"] for phase in eight["phases"]] == stream_counts
    for phase in eight["phases"]:
        assert phase["connected"] == phase["streams"]
        assert phase["events_expected"] > 0
        assert phase["events_missed"] == 0
        assert phase["latency_ms_p99"] > 0
    # Polling one fingerprint per page every 1.5 s would cost streams / 1.5 per second; the
    # worker's own rounds and the per-process chores are what is left.
    most = eight["phases"][-1]
    assert most["queries_per_second_idle"] < most["streams"] / 3, most


def test_percentiles_and_plan_reading() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([], 99) is None
    sqlite_plan = "SEARCH cases USING INDEX ix_cases_owner_unresolved (owner_id=?)\nSCAN reps"
    assert indexes_in(sqlite_plan) == ["ix_cases_owner_unresolved"]
    assert scans_in(sqlite_plan) == ["SCAN reps"]
    pg_plan = (
        "Limit\n  ->  Index Scan Backward using ix_cases_owner_id_id on cases"
        "\n  ->  Seq Scan on reps"
    )
    assert indexes_in(pg_plan) == ["ix_cases_owner_id_id"]
    assert scans_in(pg_plan) == ["Seq Scan on reps"]
