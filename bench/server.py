"""The server under test: uvicorn in processes of its own, and what they cost in memory."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ServerConfig:
    """The production-style configuration docs/PERFORMANCE.md documents."""

    database_url: str
    var_dir: Path
    secret_key: str
    workers: int
    # SQLite: the background worker runs inside the one web process (the embedded default).
    # PostgreSQL: it runs as its own ``throughline worker`` process, as at scale.
    embedded_worker: bool
    log_path: Path
    profile_to: Path | None = None
    # What uvicorn serves; another ASGI path lets an experiment try a variant of the app.
    app: str = "throughline.asgi:app"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            THROUGHLINE_DATABASE_URL=self.database_url,
            THROUGHLINE_VAR_DIR=str(self.var_dir),
            THROUGHLINE_SECRET_KEY=self.secret_key,
            THROUGHLINE_EMBEDDED_WORKER="true" if self.embedded_worker else "false",
            THROUGHLINE_SERVER_TIMING="true",
            THROUGHLINE_BASE_URL="http://127.0.0.1",
        )
        return env

    def describe(self) -> dict[str, Any]:
        return {
            "server": (
                f"uvicorn {self.app} --workers {self.workers} "
                "--no-access-log --log-level warning (uvloop, httptools)"
            ),
            "web_processes": self.workers,
            "background_worker": (
                "embedded in the web process"
                if self.embedded_worker
                else "one separate `throughline worker` process"
            ),
            "server_timing_header": True,
        }


class Server:
    """Start, wait until healthy, stop: only the processes this object started."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.port = free_port()
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def start(self) -> Server:
        config = self.config
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            config.app,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(config.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        if config.profile_to is not None:
            # pyinstrument samples the one web process; it writes its report on shutdown.
            command = [
                sys.executable,
                "-m",
                "pyinstrument",
                "-i",
                "0.002",
                "-r",
                "pstats",
                "-o",
                str(config.profile_to),
                *command[1:],
            ]
        self._log = config.log_path.open("ab")
        env = config.environment()
        self.web = subprocess.Popen(
            command, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        if not config.embedded_worker:
            self.worker = subprocess.Popen(
                [sys.executable, "-m", "throughline.cli", "worker"],
                env=env,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_healthy(timeout=120)
        return self

    def _wait_healthy(self, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.web is not None
            if self.web.poll() is not None:
                raise RuntimeError(f"server exited with {self.web.returncode}: {self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    # Every web process must be up, not only the first to answer.
                    if len(self.web_processes()) >= self.config.workers:
                        return
            time.sleep(0.2)
        raise RuntimeError(f"server not healthy after {timeout:.0f} s: {self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return self.config.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def web_processes(self) -> list[psutil.Process]:
        """The processes that serve requests (with several workers, uvicorn's children)."""
        if self.web is None:
            return []
        try:
            root = psutil.Process(self.web.pid)
            children = root.children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        if self.config.workers == 1:
            return [root]
        serving = []
        for child in children:
            with contextlib.suppress(psutil.Error):
                command = " ".join(child.cmdline())
                if "resource_tracker" not in command:
                    serving.append(child)
        return serving

    def roles(self) -> dict[int, str]:
        roles: dict[int, str] = {}
        if self.web is not None:
            if self.config.workers > 1:
                roles[self.web.pid] = "supervisor"
            for process in self.web_processes():
                roles[process.pid] = "web"
        if self.worker is not None:
            roles[self.worker.pid] = "background worker"
        return roles

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process is None or process.poll() is not None:
                continue
            # SIGTERM, not SIGINT: a shell without job control starts background jobs with
            # SIGINT ignored, and that would leave the worker running.
            process.send_signal(signal.SIGTERM)
        for process in (self.web, self.worker):
            if process is None:
                continue
            try:
                # A profiled server first writes its report, which takes a while.
                process.wait(timeout=300 if self.config.profile_to else 30)
            except subprocess.TimeoutExpired:
                # Its own session: the group holds only what this server started.
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self._log is not None:
            self._log.close()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@dataclass
class RssPeaks:
    by_pid: dict[int, float] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    peak_total_mb: float = 0.0
    samples: int = 0

    def to_json(self) -> dict[str, Any]:
        web = [mb for pid, mb in self.by_pid.items() if self.roles.get(pid) == "web"]
        return {
            "peak_web_worker_mb": round(max(web), 1) if web else None,
            "web_workers": len(web),
            "peak_total_mb": round(self.peak_total_mb, 1),
            "samples": self.samples,
            "processes": [
                {"role": self.roles.get(pid, "other"), "peak_mb": round(mb, 1)}
                for pid, mb in sorted(self.by_pid.items())
            ],
        }


class RssSampler:
    """Samples the resident memory of every server process, 10 times a second."""

    def __init__(self, server: Server, interval: float = 0.1) -> None:
        self.server = server
        self.interval = interval
        self.peaks = RssPeaks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            roles = self.server.roles()
            total = 0.0
            for pid, role in roles.items():
                with contextlib.suppress(psutil.Error):
                    mb = psutil.Process(pid).memory_info().rss / 1024 / 1024
                    total += mb
                    self.peaks.by_pid[pid] = max(self.peaks.by_pid.get(pid, 0.0), mb)
                    self.peaks.roles[pid] = role
            self.peaks.peak_total_mb = max(self.peaks.peak_total_mb, total)
            self.peaks.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
