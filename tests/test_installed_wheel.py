"""The package as a new user installs it: a wheel with its runtime dependencies only.

The rest of the suite runs inside the development environment, where every dev tool is
installed too, so a module the product imports but does not declare goes unnoticed there.
Here the wheel is built from the source tree, installed into a fresh virtual environment
from ``requirements/main.txt`` (no dev extra), and every command is run for real: migrate,
serve (with its embedded worker), the separate worker, and each administrative command.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
import typer.main

from throughline.cli import app as cli_app

ROOT = Path(__file__).resolve().parents[1]
# What a source checkout holds that is not part of the package or its build.
NOT_SOURCE = {".git", ".venv", "node_modules", "var", "build", "dist", ".pytest_cache"}
NOT_SOURCE_SUFFIXES = (".egg-info", "__pycache__", ".mypy_cache", ".ruff_cache")


@dataclass
class Installed:
    bin: Path
    home: Path  # the working directory: var/ lives here

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("THROUGHLINE_")}
        env.pop("PYTHONPATH", None)
        env.update(
            THROUGHLINE_VAR_DIR=str(self.home / "var"),
            THROUGHLINE_WORKER_INTERVAL_SECONDS="0.5",
        )
        env.update(extra)
        return env

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "throughline"), *args],
            cwd=self.home,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, f"throughline {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done.stdout


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in NOT_SOURCE or n.endswith(NOT_SOURCE_SUFFIXES)}


def _pip(python: Path, *args: str) -> None:
    done = subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"pip {' '.join(args)}:\n{done.stdout}{done.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=_ignore)
    wheels = base / "wheels"
    # A fresh venv of the interpreter running the tests (a venv's python makes a plain one).
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    _pip(python, "wheel", "--no-deps", "-w", str(wheels), str(source))
    (wheel,) = wheels.glob("throughline-*.whl")
    _pip(python, "install", "--require-hashes", "-r", str(ROOT / "requirements" / "main.txt"))
    _pip(python, "install", "--no-deps", str(wheel))
    _pip(python, "check")
    home = base / "home"
    home.mkdir()
    return Installed(bin=venv / "bin", home=home)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _healthz_with_worker(port: int, process: subprocess.Popen[str], seconds: float) -> dict:
    """The /healthz answer once a worker has been seen, or fail with what the server said."""
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, _ = process.communicate()
            pytest.fail(f"the server exited with {process.returncode}:\n{out}")
        try:
            status, body = _get(f"http://127.0.0.1:{port}/healthz")
        except OSError as exc:  # not listening yet
            last = exc
        else:
            last = (status, body)
            if status == 200:
                health = json.loads(body)
                if health["worker"] is not None and not health["worker"]["stale"]:
                    return health
        time.sleep(0.3)
    pytest.fail(f"no healthy worker within {seconds} s; last answer: {last!r}")


def _stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    try:
        out, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out


def test_installed_wheel_migrates_serves_and_its_worker_runs(installed: Installed) -> None:
    assert "up to date" in installed.ok("migrate")
    port, smtp_port = _free_port(), _free_port()
    server = subprocess.Popen(
        [str(installed.bin / "throughline"), "serve", "--port", str(port)]
        + ["--smtp-port", str(smtp_port), "--no-access-log"],
        cwd=installed.home,
        env=installed.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = _healthz_with_worker(port, server, 90)
        assert health["status"] == "ok"
        assert health["database"] == "sqlite"
        # The pages, their templates and the front-end files came with the wheel.
        for path in ("/app/sign-in", "/portal/help", "/static/vendor/htmx.min.js"):
            status, _ = _get(f"http://127.0.0.1:{port}{path}")
            assert status == 200, path
        with socket.create_connection(("127.0.0.1", smtp_port), timeout=5) as smtp:
            assert smtp.recv(512).startswith(b"220")
    finally:
        output = _stop(server)
    assert "Demo workspace created" in output
    assert "Traceback" not in output, output


def test_the_worker_runs_as_its_own_process_from_the_wheel(installed: Installed) -> None:
    installed.ok("migrate")
    worker = subprocess.Popen(
        [str(installed.bin / "throughline"), "worker"],
        cwd=installed.home,
        env=installed.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    port = _free_port()
    # A server without its own worker: the heartbeat /healthz reports is the worker's.
    server = subprocess.Popen(
        [str(installed.bin / "throughline"), "serve", "--port", str(port), "--smtp-port", "0"]
        + ["--no-demo", "--no-access-log"],
        cwd=installed.home,
        env=installed.env(THROUGHLINE_EMBEDDED_WORKER="false"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = _healthz_with_worker(port, server, 90)
        assert worker.poll() is None
        assert health["worker"]["age_seconds"] < 5
    finally:
        server_output = _stop(server)
        worker_output = _stop(worker)
    assert "Traceback" not in server_output + worker_output, server_output + worker_output


# Every command of the CLI, run for real in the order an admin would set a desk up.
COMMANDS: list[tuple[str, ...]] = [
    ("team", "add", "Field service"),
    ("rep", "add", "--name", "Kim Ito", "--email", "kim@example.org", "--team", "Field service"),
    ("rep", "add", "--name", "Lee Park", "--email", "lee@example.org", "--lead"),
    ("rep", "password", "kim@example.org", "--password", "a long enough password 42"),
    ("rep", "token", "kim@example.org"),
    ("rep", "schedule", "set", "kim@example.org", "--zone", "Europe/Berlin")
    + ("--hours", "mon-fri 09:00-17:00"),
    ("rep", "schedule", "show", "kim@example.org"),
    ("rep", "schedule", "day-off", "2026-12-24", "--rep", "kim@example.org"),
    ("rep", "schedule", "clear", "kim@example.org"),
    ("remedy", "add", "loaner", "--label", "Loaner laptop", "--unit", "items", "--limit", "1"),
    ("remedy", "list"),
    ("remedy", "limit", "--kind", "loaner", "--limit", "2", "--rep", "kim@example.org"),
    ("remedy", "approver", "--rep", "kim@example.org", "--approver", "lee@example.org"),
    ("remedy", "retire", "loaner"),
    ("product", "add", "Desktop app"),
    ("product", "list"),
    ("product", "revoke", "Desktop app"),
    ("channel", "add", "telegram", "--outbound-url", "https://bridge.example.org/out"),
    ("channel", "list"),
    ("channel", "remove", "telegram"),
    ("flow", "check"),
    ("search", "rebuild"),
]
# Commands covered by the tests above, or that load a benchmark desk (run on a fresh file).
RUN_ELSEWHERE = {("migrate",), ("serve",), ("worker",), ("bench", "seed")}


def _leaf_commands() -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        if isinstance(command, click.Group):
            context = click.Context(command)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                assert sub is not None
                walk(sub, (*path, name))
        else:
            found.add(path)

    walk(typer.main.get_command(cli_app), ())
    return found


def test_every_cli_command_is_run_here() -> None:
    leaves = _leaf_commands()
    run = {leaf for leaf in leaves if any(c[: len(leaf)] == leaf for c in COMMANDS)}
    assert leaves - run - RUN_ELSEWHERE == set(), "add the new command to COMMANDS"


def test_every_cli_command_works_from_the_wheel(installed: Installed) -> None:
    installed.ok("migrate")
    outputs = {command: installed.ok(*command) for command in COMMANDS}
    assert "tl_" in outputs[("rep", "token", "kim@example.org")]
    assert "Loaner laptop" in outputs[("remedy", "list")]
    assert "09:00" in outputs[("rep", "schedule", "show", "kim@example.org")]
    assert "telegram" in outputs[("channel", "list")]


def test_bench_seed_loads_a_small_desk_from_the_wheel(installed: Installed, tmp_path: Path) -> None:
    out = tmp_path / "seed.json"
    done = subprocess.run(
        [str(installed.bin / "throughline"), "bench", "seed", "--cases", "50"]
        + ["--reps", "5", "--customers", "20", "--out", str(out)],
        cwd=installed.home,
        env=installed.env(THROUGHLINE_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(out.read_text())
