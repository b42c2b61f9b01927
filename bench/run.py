"""``make bench``: every scenario of issue 6 on SQLite and on PostgreSQL, a table, JSON results.

    python -m bench.run            # the full run (10 to 20 minutes on 2 cores)
    python -m bench.run --quick    # tiny counts, seconds; what `make test` runs

Each database gets its own server process(es) under the production-style
configuration of docs/PERFORMANCE.md, loaded by a client in another process.
Every scenario is bounded in count and in time. The results, with the
machine's facts, go to ``bench/results/<date>-<db>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from bench import peer as peer_bench
from bench import profile as profiling
from bench.scenarios import assignment, plans
from bench.scenarios import email as email_ingest
from bench.scenarios import live as live_updates
from bench.scenarios.http import ROOT, load
from bench.server import RssSampler, Server, ServerConfig
from throughline.kit.pgserver import PostgresNotInstalled, TemporaryPostgres
from throughline.migrate import upgrade

DATABASES = ("sqlite", "postgresql")
SCENARIOS = ("1", "2", "3", "4", "5", "6", "7", "8")
# PostgreSQL as production runs it: durable commits (the test server turns them off).
PG_SETTINGS = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
NOT_BUILT: dict[str, dict[str, str]] = {}


@dataclass(frozen=True)
class Sizes:
    ping: int
    ping_concurrency: int
    create: int
    create_concurrency: int
    seed_cases: int
    seed_reps: int
    seed_customers: int
    reads: int  # per read route, one request at a time
    read_load: int  # work lists under load
    load_concurrency: int
    warmup: int
    arrivals: int
    processes: int
    contention_reps: int
    mails: int  # scenario 5, sent by 4 SMTP clients at once
    seconds: float  # the most any one batch of requests may take
    # Scenario 8: open work-list streams (one phase per count), arrivals at a steady rate.
    live_streams: tuple[int, ...] = (100, 1_000)
    live_arrivals: int = 100
    # Longer than a stream lives (25 s +- 20 %): the idle figure includes the reconnects.
    live_idle_seconds: float = 32.0


FULL = Sizes(
    ping=20_000,
    ping_concurrency=32,
    create=5_000,
    create_concurrency=16,
    seed_cases=1_000_000,
    seed_reps=1_000,
    seed_customers=200_000,
    reads=1_000,
    read_load=4_000,
    load_concurrency=8,
    warmup=100,
    arrivals=10_000,
    processes=8,
    contention_reps=200,
    mails=5_000,
    seconds=180,
)
QUICK = Sizes(
    ping=300,
    ping_concurrency=8,
    create=200,
    create_concurrency=16,
    seed_cases=2_000,
    seed_reps=50,
    seed_customers=500,
    reads=60,
    read_load=100,
    load_concurrency=8,
    warmup=10,
    arrivals=160,
    processes=8,
    contention_reps=20,
    mails=120,
    seconds=60,
    live_streams=(20, 60),
    live_arrivals=10,
    live_idle_seconds=2.0,
)


def _versions() -> dict[str, str]:
    names = (
        "throughline fastapi starlette uvicorn uvloop httptools pydantic sqlalchemy asyncpg "
        "aiosqlite psutil"
    ).split()
    found = {}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def machine_facts() -> dict[str, Any]:
    cpu = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = _git("rev-parse", "HEAD")
    dirty = _git("status", "--porcelain")
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": _versions(),
        "git_commit": commit,
        "git_dirty": bool(dirty) if dirty is not None else None,
    }


def _load_average() -> float:
    return round(os.getloadavg()[0], 2)


async def _pg_execute(port: int, sql: str, database: str = "postgres") -> Any:
    connection = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{port}/{database}")
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


def _target(met: bool | None, text: str, measured: str) -> dict[str, Any]:
    return {"target": text, "measured": measured, "met": met}


class DatabaseRun:
    """All the scenarios on one database."""

    def __init__(
        self,
        name: str,
        sizes: Sizes,
        *,
        workdir: Path,
        pg: TemporaryPostgres | None,
        profile: Path | None,
        log: Path,
        only: frozenset[str] = frozenset(SCENARIOS),
    ) -> None:
        self.name = name
        self.sizes = sizes
        self.workdir = workdir / name
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.pg = pg
        self.profile = profile
        self.only = only
        self.log = log
        self.secret_key = secrets.token_urlsafe(32)
        self.result: dict[str, Any] = {"database": name, "scenarios": {}, "errors": []}
        self.profile_path = profile.with_name(f"{profile.stem}-{name}.pstats") if profile else None

    # -- databases ------------------------------------------------------------------------

    def new_database(self, label: str) -> str:
        if self.name == "sqlite":
            return f"sqlite+aiosqlite:///{self.workdir / f'{label}.db'}"
        assert self.pg is not None
        asyncio.run(_pg_execute(self.pg.port, f'CREATE DATABASE "{label}"'))
        return self.pg.url(label)

    def database_version(self) -> str:
        if self.name == "sqlite":
            return f"SQLite {sqlite3.sqlite_version}"
        assert self.pg is not None
        return f"PostgreSQL {asyncio.run(_pg_execute(self.pg.port, 'SHOW server_version'))}"

    def server_config(self, url: str) -> ServerConfig:
        sqlite = self.name == "sqlite"
        # SQLite has one writer: one web process with the worker inside is the honest
        # embedded configuration. PostgreSQL: one web process per core, a separate worker.
        workers = 1 if sqlite or self.profile else (os.cpu_count() or 2)
        return ServerConfig(
            database_url=url,
            var_dir=self.workdir / "var",
            secret_key=self.secret_key,
            workers=workers,
            embedded_worker=sqlite,
            log_path=self.log,
            profile_to=self.profile_path,
        )

    # -- the run --------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        sizes = self.sizes
        self.result["database_version"] = self.database_version()
        self.result["load_average_start"] = _load_average()
        scenarios = self.result["scenarios"]
        only = self.only
        # Scenarios 1-3 and 6 need the seeded desk and a web server; 4 and 5 bring their own.
        if only & {"1", "2", "3", "6"}:
            url = self.new_database("bench")
            seed = self.seed(url)
            config = self.server_config(url)
            self.result["config"] = config.describe()
            tokens = [rep["token"] for rep in seed["reps"]]
            with Server(config) as server:
                port = server.port
                load(port, "ping", count=sizes.warmup, concurrency=4, seconds=30)
                if "1" in only:
                    scenarios["1"] = self.http(
                        "framework limit: GET /api/v1/ping",
                        port,
                        "ping",
                        count=sizes.ping,
                        concurrency=sizes.ping_concurrency,
                    )
                with RssSampler(server) as sampler:
                    if "2" in only:
                        scenarios["2"] = self.http(
                            "case creation: POST /api/v1/cases, new customers",
                            port,
                            "create",
                            count=sizes.create,
                            concurrency=sizes.create_concurrency,
                            tokens=tokens,
                            expect=201,
                        )
                        # The "case received" notices of those cases are the worker's to send.
                        # Scenario 3 measures a desk in its steady state, so it starts once they
                        # have gone; how long that took is a figure of its own.
                        scenarios["2"]["notices"] = self.drain_outbox(url)
                    if "3" in only:
                        scenarios["3"] = self.at_scale(port, seed, tokens)
                if "6" in only:
                    scenarios["6"] = self.search(port, seed, tokens)
                if only & {"2", "3"}:
                    scenarios["7"] = {
                        "name": "memory: peak RSS of the server through scenarios 2 and 3",
                        **sampler.peaks.to_json(),
                    }
            if self.profile_path is not None:
                # Written by pyinstrument when the server stopped: where the scenarios spent time.
                summary = profiling.summarize(self.profile_path)
                self.result["profile"] = summary
                self.profile_path.with_suffix(".txt").write_text(profiling.render(summary) + "\n")
            if "3" in only:
                busiest = max(seed["reps"], key=lambda rep: rep["active_cases"])
                scenarios["3"]["plans"] = asyncio.run(
                    plans.capture_plans(
                        url,
                        rep_token=busiest["token"],
                        rep_id=busiest["id"],
                        big_case=seed["big_case"],
                    )
                )
        if self.name != "postgresql":
            scenarios["4"] = {
                "name": "assignment under contention",
                "status": "PostgreSQL only: SQLite has one writer at a time by design",
            }
        elif "4" in only:
            scenarios["4"] = self.contention()
        if "5" in only:
            scenarios["5"] = self.email()
        if "8" in only:
            scenarios["8"] = self.live()
        for key in SCENARIOS:
            scenarios.setdefault(key, {"name": f"scenario {key}", "status": "skipped (--only)"})
        scenarios.update(NOT_BUILT)
        self.result["scenarios"] = dict(sorted(scenarios.items()))
        self.result["load_average_end"] = _load_average()
        self.judge()
        return self.result

    def seed(self, url: str) -> dict[str, Any]:
        sizes = self.sizes
        out = self.workdir / "seed.json"
        env = dict(
            os.environ,
            THROUGHLINE_DATABASE_URL=url,
            THROUGHLINE_SECRET_KEY=self.secret_key,
            THROUGHLINE_VAR_DIR=str(self.workdir / "var"),
        )
        began = time.monotonic()
        with self.log.open("ab") as log:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "throughline.cli",
                    "bench",
                    "seed",
                    "--cases",
                    str(sizes.seed_cases),
                    "--reps",
                    str(sizes.seed_reps),
                    "--customers",
                    str(sizes.seed_customers),
                    "--out",
                    str(out),
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=3600,
            )
        seconds = time.monotonic() - began
        seed: dict[str, Any] = json.loads(out.read_text())
        self.result["seed"] = {
            "command": (
                f"throughline bench seed --cases {sizes.seed_cases} --reps {sizes.seed_reps} "
                f"--customers {sizes.seed_customers}"
            ),
            "seconds": round(seconds, 1),
            "rows": seed["rows"],
            "waiting_cases": seed["waiting"],
            "big_case": seed["big_case"],
        }
        return seed

    def http(self, name: str, port: int, kind: str, **job: Any) -> dict[str, Any]:
        load_before = _load_average()
        measured = load(port, kind, seconds=self.sizes.seconds, run_id=self.name, **job)
        measured["load_average_before"] = load_before
        if measured["errors"]:
            self.result["errors"].append(f"{name}: {measured['errors']} failed requests")
        return {"name": name, **measured}

    def pending_notices(self, url: str) -> int:
        sql = (
            "SELECT count(*) FROM outbox WHERE topic = 'customer.deliver' "
            "AND done_at IS NULL AND failed_at IS NULL"
        )
        if self.name == "sqlite":
            path = url.split("///", 1)[1]
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
                return int(db.execute(sql).fetchone()[0])
        assert self.pg is not None
        return int(asyncio.run(_pg_execute(self.pg.port, sql, database=url.rsplit("/", 1)[1])))

    def drain_outbox(self, url: str) -> dict[str, Any]:
        """Wait (bounded) until the worker has sent every queued notice; its rate."""
        started = time.monotonic()
        pending = first = self.pending_notices(url)
        deadline = started + max(60.0, self.sizes.seconds * 2)
        while pending and time.monotonic() < deadline:
            time.sleep(0.5)
            pending = self.pending_notices(url)
        seconds = time.monotonic() - started
        if pending:
            self.result["errors"].append(f"notices: {pending} still queued after {seconds:.0f} s")
        sent = first - pending
        return {
            "queued_after_creation": first,
            "sent": sent,
            "seconds": round(seconds, 1),
            "per_second": round(sent / seconds, 1) if seconds else None,
            "left": pending,
        }

    def at_scale(self, port: int, seed: dict[str, Any], tokens: list[str]) -> dict[str, Any]:
        sizes = self.sizes
        big = seed["big_case"]
        for kind in ("worklist", "unowned", "case_page"):
            load(port, kind, count=sizes.warmup, concurrency=1, seconds=60, tokens=tokens, case=big)
        reads = {"count": sizes.reads, "concurrency": 1, "tokens": tokens}
        return {
            "name": f"at scale: {sizes.seed_cases:,} cases, {sizes.seed_reps:,} reps, "
            f"{sizes.seed_customers:,} customers",
            "worklist": self.http("GET /api/v1/worklist, random reps", port, "worklist", **reads),
            "worklist_under_load": self.http(
                f"GET /api/v1/worklist, random reps, {sizes.load_concurrency} at once",
                port,
                "worklist",
                count=sizes.read_load,
                concurrency=sizes.load_concurrency,
                tokens=tokens,
            ),
            "unowned": self.http("GET /api/v1/cases?unowned=true", port, "unowned", **reads),
            "case_page": self.http(
                f"GET /api/v1/cases/{big} (200-entry timeline)",
                port,
                "case_page",
                case=big,
                **reads,
            ),
        }

    def search(self, port: int, seed: dict[str, Any], tokens: list[str]) -> dict[str, Any]:
        """Scenario 6: 200 varied queries, and the similar-cases panel of random cases."""
        sizes, cases = self.sizes, str(seed["cases"])
        for kind in ("search", "similar"):
            load(
                port, kind, count=sizes.warmup, concurrency=1, seconds=60, tokens=tokens, case=cases
            )
        reads = {"count": sizes.reads, "concurrency": 1, "tokens": tokens, "case": cases}
        rows = seed["rows"]
        return {
            "name": f"search: {rows.get('timeline_entries', 0):,} timeline entries",
            "search": self.http("GET /api/v1/search, 200 varied queries", port, "search", **reads),
            "similar": self.http(
                "GET /api/v1/cases/{number}/similar, random cases", port, "similar", **reads
            ),
        }

    def contention(self) -> dict[str, Any]:
        sizes = self.sizes
        url = self.new_database("contention")
        upgrade(url)
        outcome = assignment.run(
            url,
            secret_key=self.secret_key,
            var_dir=str(self.workdir / "var"),
            processes=sizes.processes,
            arrivals=sizes.arrivals,
            reps=sizes.contention_reps,
            timeout=max(120.0, sizes.seconds * 3),
        )
        checks = outcome["checks"]
        for name in ("cases_with_two_owners", "reps_over_capacity", "load_counters_wrong"):
            if checks[name]:
                self.result["errors"].append(f"assignment: {checks[name]} {name}")
        self.result["errors"] += [f"assignment: {error}" for error in outcome["errors"]]
        return {
            "name": f"assignment under contention: {sizes.processes} processes, "
            f"{sizes.contention_reps} reps on and off shift, {sizes.arrivals:,} arrivals",
            **outcome,
        }

    def email(self) -> dict[str, Any]:
        url = self.new_database("email")
        upgrade(url)
        outcome = email_ingest.run(
            url,
            var_dir=str(self.workdir / "var-email"),
            secret_key=self.secret_key,
            messages=self.sizes.mails,
            clients=4,
            timeout=max(120.0, self.sizes.seconds * 3),
        )
        self.result["errors"] += [f"email ingest: {error}" for error in outcome["errors"]]
        return outcome

    def live(self) -> dict[str, Any]:
        url = self.new_database("live")
        upgrade(url)
        outcome = live_updates.run(
            url,
            config=self.server_config(url),
            pg_port=self.pg.port if self.name == "postgresql" and self.pg else None,
            secret_key=self.secret_key,
            stream_counts=self.sizes.live_streams,
            reps=min(50, max(self.sizes.live_streams)),
            arrivals=self.sizes.live_arrivals,
            rate=5.0,
            idle_seconds=self.sizes.live_idle_seconds,
            seconds=max(120.0, self.sizes.seconds),
        )
        self.result["errors"] += outcome["errors"]
        return outcome

    def judge(self) -> None:
        """Each measured figure against its target from issue 6."""
        s = self.result["scenarios"]
        judged: dict[str, Any] = {}
        if "rps" in s["1"] and "rps" in s["2"]:
            share = s["2"]["rps"] / s["1"]["rps"] if s["1"]["rps"] else 0.0
            judged["2"] = _target(
                share >= 0.6, ">= 60 % of scenario 1", f"{share:.0%} of scenario 1"
            )
        if "worklist" in s["3"]:
            for key, limit in (("worklist", 15), ("unowned", 25), ("case_page", 25)):
                p99 = s["3"][key]["server_ms"]["p99"]
                judged[f"3.{key}"] = _target(
                    p99 is not None and p99 <= limit, f"p99 <= {limit} ms server-side", f"{p99} ms"
                )
        if "search" in s["6"]:
            for key in ("search", "similar"):
                p99 = s["6"][key]["server_ms"]["p99"]
                judged[f"6.{key}"] = _target(
                    p99 is not None and p99 <= 50, "p99 <= 50 ms server-side", f"{p99} ms"
                )
        if "checks" in s["4"]:
            checks = s["4"]["checks"]
            rate = s["4"]["assigned_per_second"]
            judged["4.rate"] = _target(rate >= 1000, ">= 1,000 assigned/s", f"{rate}/s")
            safe = not (checks["cases_with_two_owners"] or checks["reps_over_capacity_plus_one"])
            judged["4.safety"] = _target(
                safe,
                "0 cases with two owners, 0 reps over capacity (+1)",
                f"{checks['cases_with_two_owners']} / {checks['reps_over_capacity_plus_one']}",
            )
        if "processed_per_second" in s["5"] and self.name == "sqlite":
            rate = s["5"]["processed_per_second"]
            judged["5"] = _target(rate >= 300, ">= 300 messages/s on SQLite", f"{rate}/s")
        if "peak_web_worker_mb" in s["7"]:
            peak = s["7"]["peak_web_worker_mb"]
            judged["7"] = _target(
                peak is not None and peak <= 300, "<= 300 MB per web worker", f"{peak} MB"
            )
        if s["8"].get("phases"):
            worst = [phase["latency_ms_p99"] or 0.0 for phase in s["8"]["phases"]]
            judged["8"] = _target(max(worst) <= 1000, "update p99 <= 1 s", f"{max(worst):.0f} ms")
        self.result["targets"] = judged


# -- the table ----------------------------------------------------------------------------


def _ms(summary: dict[str, Any]) -> str:
    return f"{summary['p50']:.1f} / {summary['p99']:.1f}" if summary["p50"] is not None else "-"


def _rows(result: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """(scenario, measure, figure, target) for one database; the same rows for every one."""
    s, judged = result["scenarios"], result.get("targets", {})

    def mark(key: str) -> str:
        target = judged.get(key)
        if target is None:
            return ""
        return f"{target['target']}: {'met' if target['met'] else 'NOT MET'}"

    def status(key: str) -> str:
        return str(s[key].get("status", "-"))

    one, two, three = s["1"], s["2"], s["3"]
    if "rps" in one:
        yield "1 framework limit", "req/s", f"{one['rps']:,.0f}", "reference"
        yield "  ping", "p50 / p99 ms client", _ms(one["client_ms"]), ""
    else:
        yield "1 framework limit", "req/s", status("1"), "reference"
        yield "  ping", "p50 / p99 ms client", "-", ""
    if "rps" in two:
        yield "2 case creation", "req/s", f"{two['rps']:,.0f}", mark("2")
        yield "  16 at once", "p50 / p99 ms client", _ms(two["client_ms"]), ""
        yield "", "p50 / p99 ms server", _ms(two["server_ms"]), ""
        notices = two.get("notices")
        drained = (
            f"{notices['queued_after_creation']:,} in {notices['seconds']} s" if notices else "-"
        )
        yield "  notices sent after", "left queued; sent in", drained, ""
    else:
        yield "2 case creation", "req/s", status("2"), ""
        yield "  16 at once", "p50 / p99 ms client", "-", ""
        yield "", "p50 / p99 ms server", "-", ""
        yield "  notices sent after", "left queued; sent in", "-", ""
    for key, label, target in (
        ("worklist", "3 work list, 1 at a time", "3.worklist"),
        ("worklist_under_load", "  work list, 8 at once", ""),
        ("unowned", "  unowned list", "3.unowned"),
        ("case_page", "  case page, 200 entries", "3.case_page"),
    ):
        part = three.get(key)
        if part is None:
            yield label, "p50 / p99 ms server", status("3"), ""
            yield "", "p50 / p99 ms client; req/s", "-", ""
            continue
        yield label, "p50 / p99 ms server", _ms(part["server_ms"]), mark(target) if target else ""
        yield "", "p50 / p99 ms client; req/s", f"{_ms(part['client_ms'])}; {part['rps']:,.0f}", ""
    four = s["4"]
    checks = four.get("checks")
    yield (
        "4 assignment, 8 processes",
        "assigned/s",
        f"{four['assigned_per_second']:,.0f}" if checks else status("4"),
        mark("4.rate"),
    )
    yield (
        "",
        "two owners / over cap+1",
        f"{checks['cases_with_two_owners']} / {checks['reps_over_capacity_plus_one']}"
        if checks
        else "-",
        mark("4.safety"),
    )
    five = s["5"]
    if "processed_per_second" in five:
        yield (
            "5 email ingest, 4 SMTP clients",
            "messages/s processed",
            f"{five['processed_per_second']:,.1f}",
            mark("5"),
        )
        stored = f"{five['stored_per_second']:,.1f}; {_ms(five['smtp_ms'])}"
        yield "", "stored/s; 250 p50 / p99 ms", stored, ""
    else:
        yield "5 email ingest", "messages/s processed", status("5"), ""
        yield "", "stored/s; 250 p50 / p99 ms", "-", ""
    for key, label in (("search", "6 search, 200 queries"), ("similar", "  similar cases panel")):
        part = s["6"].get(key)
        if part is None:
            yield label, "p50 / p99 ms server", status("6"), ""
            continue
        yield label, "p50 / p99 ms server", _ms(part["server_ms"]), mark(f"6.{key}")
    seven = s["7"].get("peak_web_worker_mb")
    yield "7 peak RSS per web worker", "MB", f"{seven}" if seven else status("7"), mark("7")
    for i, phase in enumerate(s["8"].get("phases", [])):
        yield (
            f"8 live, {phase['streams']:,} open work lists"
            if i == 0
            else f"  {phase['streams']:,}",
            "queries/s idle; with 5 arrivals/s",
            f"{phase['queries_per_second_idle']}; {phase['queries_per_second_with_arrivals']}",
            "independent of the open tabs",
        )
        yield (
            "",
            "update p99 / max ms",
            f"{phase['latency_ms_p99']} / {phase['latency_ms_max']}",
            mark("8"),
        )


def table(results: list[dict[str, Any]]) -> str:
    columns = [list(_rows(result)) for result in results]
    header = ["scenario", "measure", *[r["database"] for r in results], "target"]
    lines = []
    for i, row in enumerate(columns[0]):
        figures = [column[i][2] if i < len(column) else "" for column in columns]
        targets = " | ".join(
            dict.fromkeys(t for column in columns if i < len(column) and (t := column[i][3]))
        )
        lines.append([row[0], row[1], *figures, targets])
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=False)]
    out = [" | ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True))]
    out.append("-+-".join("-" * w for w in widths))
    for line in lines:
        out.append(" | ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="tiny counts, runs in seconds")
    parser.add_argument(
        "--databases", default=",".join(DATABASES), help="comma-separated: sqlite,postgresql"
    )
    parser.add_argument("--results-dir", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run one web process under pyinstrument and save its report beside the results",
    )
    parser.add_argument(
        "--seed-cases", type=int, help="cases to load for scenario 3 instead of the default"
    )
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help="comma-separated scenarios to run, e.g. 2,3"
    )
    parser.add_argument(
        "--no-peer",
        action="store_true",
        help=f"do not run the peer, django-helpdesk (found via ${peer_bench.ENV_VAR})",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.seed_cases is not None:
        sizes = replace(sizes, seed_cases=args.seed_cases)
    databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    unknown = set(databases) - set(DATABASES)
    if unknown:
        parser.error(f"unknown database {', '.join(sorted(unknown))}")
    only = frozenset(key.strip() for key in args.only.split(",") if key.strip())
    if only - set(SCENARIOS):
        parser.error(f"--only takes scenarios among {', '.join(SCENARIOS)}")
    args.results_dir.mkdir(parents=True, exist_ok=True)
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    suffix = "-quick" if args.quick else ""
    facts = machine_facts()
    workdir = Path(tempfile.mkdtemp(prefix="throughline-bench-"))
    log = args.results_dir / f"{date}{suffix}-server.log.tmp"
    log.write_bytes(b"")
    profiled = args.results_dir / f"{date}-profile" if args.profile else None
    pg: TemporaryPostgres | None = None
    results = []
    began = time.monotonic()
    try:
        if "postgresql" in databases:
            try:
                pg = TemporaryPostgres(settings=PG_SETTINGS).start()
            except PostgresNotInstalled as exc:
                print(f"{exc}\n(or run only SQLite: --databases sqlite)", file=sys.stderr)
                return 2
        # The peer first, alone on the machine, never at the same time as our scenarios.
        if args.no_peer:
            peer: dict[str, Any] = {"status": "not run (--no-peer)"}
        else:
            source = peer_bench.locate(ROOT)
            print(f"== peer: django-helpdesk from {source} …", flush=True)
            peer = peer_bench.run(source, workdir, log)
            print(f"   peer: {peer['status']}", flush=True)
        for name in databases:
            seeding = f"seeding {sizes.seed_cases:,} cases, then " if only & {"1", "2", "3"} else ""
            print(f"== {name}: {seeding}scenarios {','.join(sorted(only))} …", flush=True)
            run = DatabaseRun(
                name, sizes, workdir=workdir, pg=pg, profile=profiled, log=log, only=only
            )
            result = run.run()
            result.update(
                date=date,
                quick=args.quick,
                profiled=args.profile,
                sizes=asdict(sizes),
                machine=facts,
                seconds=round(time.monotonic() - began, 1),
                peer={**peer, "comparison": peer_bench.compare([result], peer)},
            )
            path = args.results_dir / f"{date}-{name}{suffix}.json"
            path.write_text(json.dumps(result, indent=2) + "\n")
            print(f"   wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
            results.append(result)
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    if args.profile:
        print("Profiled run: pyinstrument slows the server, so these figures only say where")
        print(f"the time goes ({args.results_dir}/{date}-profile-<db>.txt), not how fast it is.")
    print(table(results))
    print()
    print(peer_bench.table(results, peer))
    took = time.monotonic() - began
    print(f"\n{facts['cpu_count']} CPUs, Python {facts['python']}; took {took:.0f} s")
    errors = [f"{r['database']}: {e}" for r in results for e in r["errors"]]
    for error in errors:
        print(f"ERROR {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
