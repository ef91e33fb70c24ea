"""The gateway's real processes, for the tests that run them and for bench/.

`Processes` starts the Procfile's commands (release, web, worker) or the README's embedded
command, each in a process group of its own with its output in a file, and stops them
whole: a worker finishing its last tick after its shell is gone would send into the next
test's fakes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
FLASK = str(VENV_BIN / "flask")


class ProcessError(RuntimeError):
    """A process exited, or never became ready; the message carries its output."""


def procfile() -> dict[str, str]:
    """The Procfile's entries, name -> command."""
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            entries[name.strip()] = command.strip()
    return entries


def web_command(app: str = "app:app") -> str:
    """The Procfile's web line bound to loopback (its 0.0.0.0 is for the platform's router);
    `app` swaps in another WSGI app, such as bench/bare_app.py."""
    web = procfile()["web"].replace("0.0.0.0:$PORT", "127.0.0.1:$PORT")
    assert "127.0.0.1:$PORT" in web and " app:app " in web, web
    return web.replace(" app:app ", f" {app} ")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def embedded_env(folder: Path, port: int) -> dict[str, str]:
    """What the README's `flask --app app embedded` sees on a machine with nothing configured:
    this environment without any gateway setting, a SQLite file in `folder`, and a question
    one second after the job is done."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TWILIO_", "CASE_", "SIMULATOR", "DATABASE_URL", "TEST_DATABASE_URL"))
    }
    return {
        **env,
        "DATABASE_URL": f"sqlite:///{folder / 'embedded.sqlite3'}",
        "PUBLIC_BASE_URL": f"http://localhost:{port}",
        "CONFIRMATION_DELAY": "1s",
    }


# Every folder a Processes wrote its logs to: tests/log_leaks.py searches them after the run.
LOG_FOLDERS: list[Path] = []


class Processes:
    """Named process groups sharing one environment; output in `logs/<name>.log`."""

    def __init__(self, env: dict[str, str], logs: Path):
        """`env` is all the processes get, so a developer's own TWILIO_* cannot slip in; PATH
        leads to this virtualenv's gunicorn and flask."""
        self.logs = Path(logs)
        LOG_FOLDERS.append(self.logs)
        # XDG_RUNTIME_DIR: gunicorn's control socket otherwise lands in ~/.gunicorn, shared by every run.
        self.env = {
            "PYTHONUNBUFFERED": "1",
            "XDG_RUNTIME_DIR": str(self.logs),
            **env,
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        self.running: dict[str, subprocess.Popen] = {}

    # --- starting ----------------------------------------------------------------------------------

    def release(self) -> None:
        done = subprocess.run(
            procfile()["release"], shell=True, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        (self.logs / "release.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            raise ProcessError(f"release failed:\n{done.stdout}{done.stderr}")

    def start(self, name: str, command: str | list[str], **env: str) -> subprocess.Popen:
        """Starts `command` (a shell line, or an argument list) and returns at once."""
        with open(self.logs / f"{name}.log", "ab") as output:
            process = subprocess.Popen(
                command,
                shell=isinstance(command, str),
                cwd=ROOT,
                env={**self.env, **env},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running[name] = process
        return process

    def start_web(self, name: str = "web", app: str = "app:app", port: int | None = None, **env: str) -> str:
        """The Procfile's web line on loopback; returns its base URL once it answers."""
        port = port or free_port()
        self.start(name, web_command(app), PORT=str(port), **env)
        base = f"http://127.0.0.1:{port}"
        self.wait_until_answering(name, base)
        return base

    def start_worker(self, name: str = "worker", **env: str) -> subprocess.Popen:
        """The Procfile's worker line; returns once it has logged that it started."""
        process = self.start(name, procfile()["worker"], **env)
        deadline = time.monotonic() + 30
        while "worker started" not in self.log(name):
            self._still_running(name)
            if time.monotonic() > deadline:
                raise ProcessError(f"{name} did not start within 30 s:\n{self.log(name)}")
            time.sleep(0.05)
        return process

    def start_embedded(self, port: int, name: str = "embedded") -> str:
        """The README's run command, `flask --app app embedded`; returns its base URL once it answers."""
        self.start(name, [FLASK, "--app", "app", "embedded", "--port", str(port)])
        base = f"http://localhost:{port}"
        self.wait_until_answering(name, base)
        return base

    def wait_until_answering(self, name: str, base: str, timeout: float = 30) -> None:
        """`GET /healthz` gets an answer that is not a server error (the bare app answers 404)."""
        host, port = base.split("://", 1)[1].split(":")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._still_running(name)
            try:
                connection = HTTPConnection(host, int(port), timeout=2)
                try:
                    connection.request("GET", "/healthz")
                    if connection.getresponse().status < 500:
                        return
                finally:
                    connection.close()
            except OSError:
                pass
            time.sleep(0.1)
        raise ProcessError(f"{name} never answered on {base} within {timeout:g} s:\n{self.log(name)}")

    def _still_running(self, name: str) -> None:
        process = self.running[name]
        if process.poll() is not None:
            raise ProcessError(f"{name} exited with {process.returncode}:\n{self.log(name)}")

    # --- watching ----------------------------------------------------------------------------------

    def alive(self, name: str) -> bool:
        return self.running[name].poll() is None

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def output(self) -> str:
        """Every process's log, one after another: for a failed test's report."""
        names = sorted({path.stem for path in self.logs.glob("*.log")})
        return "\n".join(f"--- {name} ---\n{self.log(name)}" for name in names)

    # --- stopping ----------------------------------------------------------------------------------

    def kill(self, name: str) -> None:
        """kill -9 the whole group: no SIGTERM, no finishing the tick in hand. The name stays
        taken, so that its log is kept; start the successor under a new name."""
        process = self.running.pop(name)
        _signal_group(process, signal.SIGKILL)
        process.wait(timeout=10)
        if not _group_gone(process.pid, timeout=10):
            raise ProcessError(f"{name}'s process group did not die")

    def stop(self, name: str) -> None:
        """SIGTERM, and SIGKILL for a group still there after 15 s."""
        process = self.running.pop(name, None)
        if process is None:
            return
        _signal_group(process, signal.SIGTERM)
        if not _group_gone(process.pid, timeout=15, reap=process):
            _signal_group(process, signal.SIGKILL)
            _group_gone(process.pid, timeout=10, reap=process)
        process.wait(timeout=10)

    def stop_all(self, kill: bool = False) -> None:
        """Every group, at once: SIGKILL when `kill` (a graceful stop takes seconds a process)."""
        signum = signal.SIGKILL if kill else signal.SIGTERM
        for process in self.running.values():
            _signal_group(process, signum)
        for name in list(self.running):
            self.stop(name)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(process.pid, signum)


def _group_gone(pgid: int, timeout: float, reap: subprocess.Popen | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if reap is not None:
            reap.poll()  # reap the shell, or the group lingers as a zombie
        if _group_dead(pgid):
            return True
        time.sleep(0.05)
    return False


def _group_dead(pgid: int) -> bool:
    """No process of the group runs any more. A killed grandchild (gunicorn's workers, or the
    command under `sh -c`) stays a zombie until init reaps it, which can take seconds: a
    zombie runs no code, so it counts as dead."""
    if not os.path.isdir("/proc/self"):
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        return False
    with os.scandir("/proc") as entries:
        pids = [entry.name for entry in entries if entry.name.isdigit()]
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                state, _parent, group = stat.read().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue  # gone meanwhile
        if int(group) == pgid and state not in ("Z", "X"):
            return False
    return True


@contextmanager
def procfile_running(settings: dict[str, str], folder: Path, port: int) -> Iterator[Processes]:
    """The release step, then the Procfile's web (on `port`) and worker; all stopped afterwards,
    their output printed (pytest shows it only when the test failed)."""
    processes = Processes(settings, folder)
    try:
        processes.release()
        processes.start_web(port=port)
        processes.start_worker()
        yield processes
    finally:
        processes.stop_all()
        print(processes.output())
