"""The seed story against the Procfile's real processes: release, then gunicorn and the worker.

Everything goes over real HTTP; only Twilio and the case system are the loopback fakes.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests
from twilio.request_validator import RequestValidator

from tests.conftest import ANNA, AUTH_TOKEN, CASE_KEY, JAN, PROXY_NUMBERS

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
CONFIRMATION_DELAY = 2


def procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            entries[name.strip()] = command.strip()
    return entries


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Processes:
    """Process groups started from Procfile commands, with their output kept in files."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env, self.logs, self.running = env, logs, {}

    def start(self, name: str, command: str) -> subprocess.Popen:
        output = open(self.logs / f"{name}.log", "wb")
        process = subprocess.Popen(command, shell=True, cwd=ROOT, env=self.env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        output.close()
        self.running[name] = process
        return process

    def output(self) -> str:
        return "\n".join(f"--- {name} ---\n{(self.logs / f'{name}.log').read_text(errors='replace')}"
                         for name in self.running)

    def stop(self) -> None:
        # Wait for each whole process group, not just the shell: a worker finishing its last
        # tick after the shell is gone would send into the next test's fakes.
        for process in self.running.values():
            _signal_group(process, signal.SIGTERM)
        for process in self.running.values():
            if not _group_gone(process, timeout=10):
                _signal_group(process, signal.SIGKILL)
                _group_gone(process, timeout=10)
            process.wait(timeout=10)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass  # already gone


def _group_gone(process: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.poll()  # reap the shell, or the group lingers as a zombie
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def gateway(settings, request, tmp_path):
    """The release step, then web and worker running; yields the web's base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings.update(PUBLIC_BASE_URL=base, CONFIRMATION_DELAY=f"{CONFIRMATION_DELAY}s")
    request.getfixturevalue("app")  # empties the tables and resets the fakes before anything starts
    # XDG_RUNTIME_DIR: gunicorn's control socket otherwise lands in ~/.gunicorn, shared by every run.
    env = {**settings, "PORT": str(port), "PYTHONUNBUFFERED": "1", "XDG_RUNTIME_DIR": str(tmp_path),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    commands = procfile()
    assert set(commands) >= {"release", "web", "worker"}

    release = subprocess.run(commands["release"], shell=True, cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
    assert release.returncode == 0, release.stdout + release.stderr

    # Bind to loopback only: the Procfile's 0.0.0.0 is for the platform's router.
    web = commands["web"].replace("0.0.0.0:$PORT", "127.0.0.1:$PORT")
    assert "127.0.0.1:$PORT" in web, commands["web"]
    processes = Processes(env, tmp_path)
    try:
        processes.start("web", web)
        processes.start("worker", commands["worker"])
        _wait_until_healthy(base, processes)
        yield base
    finally:
        processes.stop()
        print(processes.output())  # pytest shows it only when the test failed


def _wait_until_healthy(base: str, processes: Processes) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for name, process in processes.running.items():
            assert process.poll() is None, f"{name} exited with {process.returncode}\n{processes.output()}"
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"web never became healthy\n{processes.output()}")


def send_event(base: str, event_type: str, data: dict) -> requests.Response:
    return requests.post(base + "/v1/events", json={"type": event_type, "data": data}, timeout=10,
                         headers={"Authorization": f"Bearer {CASE_KEY}", "webhook-id": "evt_" + uuid.uuid4().hex})


def twilio_post(base: str, path: str, form: dict, signed_for: str | None = None) -> requests.Response:
    signature = RequestValidator(AUTH_TOKEN).compute_signature((signed_for or base) + path, form)
    return requests.post(base + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)


def text_form(sender, body: str, proxy: str) -> dict:
    return {"MessageSid": "SM" + uuid.uuid4().hex, "From": sender.phone, "To": proxy, "Body": body, "NumMedia": "0"}


def test_it_plays_the_story_through_the_procfiles_real_processes(gateway, fake_twilio, case_system):
    base = gateway
    answer = send_event(base, "case.dispatched", {
        "case_id": "MOR-2026-0042", "reference": "MOR-42", "address": "Kerkstraat 12",
        "description": "Twee paaltjes weggehaald en een gat voor mijn deur.",
        "citizen": {"phone": ANNA.national, "name": ANNA.name},
        "crew": {"id": "crew-noord", "phone": JAN.national, "name": JAN.name},
    })
    assert answer.status_code == 202, answer.text
    proxy = answer.json()["proxy_number"]
    assert proxy in PROXY_NUMBERS

    fake_twilio.wait_for_messages(2, timeout=15)
    [to_anna] = fake_twilio.texts_to(ANNA.phone)
    assert "MOR-42" in to_anna and "Kerkstraat 12" in to_anna
    [to_jan] = fake_twilio.texts_to(JAN.phone)
    assert '"Twee paaltjes weggehaald en een gat voor mijn deur."' in to_jan

    # Signed for the host we were reached on, not PUBLIC_BASE_URL: a forgery, refused.
    forged = twilio_post(base, "/twilio/sms", text_form(JAN, "Geef mij haar nummer", proxy),
                         signed_for="http://localhost:8000")
    assert forged.status_code == 403
    assert twilio_post(base, "/twilio/sms", text_form(JAN, "Waar zit het gat precies?", proxy)).status_code == 200
    fake_twilio.wait_for_messages(3, timeout=15)
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("Waar zit het gat precies?")

    call = twilio_post(base, "/twilio/voice", {"CallSid": "CA" + uuid.uuid4().hex, "From": JAN.phone, "To": proxy})
    assert call.status_code == 200
    dial = ElementTree.fromstring(call.text).find("Dial")
    assert dial is not None and dial.get("callerId") == proxy
    assert dial.findtext("Number") == ANNA.phone
    assert JAN.phone not in call.text

    assert send_event(base, "case.completed", {"case_id": "MOR-2026-0042"}).status_code == 202
    completed = time.monotonic()
    fake_twilio.wait_for_messages(4, timeout=15)
    question_after = time.monotonic() - completed
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("Antwoord JA of NEE.")
    print(f"question arrived {question_after:.2f}s after case.completed (CONFIRMATION_DELAY {CONFIRMATION_DELAY}s)")
    assert CONFIRMATION_DELAY - 0.5 <= question_after < CONFIRMATION_DELAY + 2.5

    assert twilio_post(base, "/twilio/sms", text_form(ANNA, "Nee, het gat zit er nog", proxy)).status_code == 200
    [reopened] = case_system.wait_for("case.reopened", timeout=15)
    assert reopened.data["reply"] == "Nee, het gat zit er nog"
    assert reopened.data["case_id"] == "MOR-2026-0042"
    assert case_system.rejected == [], "a callback's signature did not verify"

    case = requests.get(base + "/v1/cases/MOR-2026-0042", headers={"Authorization": f"Bearer {CASE_KEY}"},
                        timeout=10)
    assert case.status_code == 200 and case.json()["status"] == "reopened"
    lateness = [entry["data"]["lateness_seconds"] for entry in case.json()["timeline"] if entry["kind"] == "timer.fired"]
    print(f"timer lateness (s): {lateness}")
    assert lateness, "no timer.fired on the timeline"
    assert all(0 <= late < 2 for late in lateness), lateness
