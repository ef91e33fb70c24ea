"""The real Signalen for these tests, and the gateway set up as its connector.

`signalen` (one per session) is Signalen itself with its issuer; `staff` acts in it as a
medewerker and as a resident; `connector_settings` is the gateway's environment with SIGNALEN_*
pointing at it, a crews file that sends every signal to Jan, and a one-second poll.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ANNA, JAN
from tests.fakes.hostile_signalen import TOKEN, Hostile
from tests.fakes.oidc_issuer import FakeIssuer
from tests.fakes.server import LoopbackServer
from tests.processes import Processes, free_port, procfile, procfile_running
from tests.signalen.server import CONNECTOR, NO_CONTACT, STAFF, RealSignalen, require_built

CLIENT_ID, CLIENT_SECRET = "korte-lijn", "korte-lijn-geheim-0123456789"
NO_CONTACT_CLIENT = "korte-lijn-zonder-contact"
METRICS_TOKEN = "signalen-tests-metrics-token"
CONFIRMATION_DELAY = 2
WORDS = "Twee paaltjes weggehaald en een gat voor mijn deur. Niet aan de overkant!"


@pytest.fixture(scope="session")
def signalen(tmp_path_factory):
    require_built()
    issuer = FakeIssuer().start()
    issuer.add_client(CLIENT_ID, CLIENT_SECRET, CONNECTOR)
    issuer.add_client(NO_CONTACT_CLIENT, CLIENT_SECRET, NO_CONTACT)
    server = RealSignalen(issuer, tmp_path_factory.mktemp("signalen") / "signalen.log").start()
    yield server
    server.remove()
    issuer.stop()


class Staff:
    """A medewerker in Signalen's private API, and a resident in its public one."""

    def __init__(self, server: RealSignalen):
        self.server = server
        self.url = server.url + "/signals/v1"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.server.issuer.token_for(STAFF)}

    def report(self, text: str, phone: str | None, address: bool = True) -> dict:
        """A resident's report through the public form's API."""
        location: dict = {"geometrie": {"type": "Point", "coordinates": [5.1214, 52.0907]}}
        if address:
            location["address"] = {
                "openbare_ruimte": "Kerkstraat", "huisnummer": "12", "postcode": "3511LK", "woonplaats": "Utrecht",
            }  # fmt: skip
        body = {
            "text": text,
            "location": location,
            "category": {"sub_category": self.url + "/public/terms/categories/overig/sub_categories/overig"},
            "reporter": {"phone": phone} if phone else {},
            "incident_date_start": "2026-12-01T10:00:00+01:00",
        }
        answer = requests.post(self.url + "/public/signals/", json=body, timeout=30)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def set_state(self, signal_id: int, state: str, text: str | None = None) -> None:
        body = {"status": {"state": state, "text": text, "send_email": False}}
        answer = requests.patch(
            f"{self.url}/private/signals/{signal_id}", json=body, headers=self._headers(), timeout=30
        )
        assert answer.status_code == 200, answer.text

    def plan(self, signal_id: int) -> None:
        """From gemeld through the usual steps to ingepland: a crew is planned."""
        for state in ("i", "b"):
            self.set_state(signal_id, state)
        self.set_state(signal_id, "ingepland", "Ploeg Noord komt langs")

    def signal(self, signal_id: int) -> dict:
        answer = requests.get(f"{self.url}/private/signals/{signal_id}", headers=self._headers(), timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def history(self, signal_id: int) -> list[dict]:
        answer = requests.get(f"{self.url}/private/signals/{signal_id}/history", headers=self._headers(), timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def wait_for(self, signal_id: int, done: Callable[[dict], bool], timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            signal = self.signal(signal_id)
            if done(signal):
                return signal
            if time.monotonic() > deadline:
                raise AssertionError(f"signal {signal_id} never got there: {signal['status']} {signal['notes']}")
            time.sleep(0.3)


@pytest.fixture
def staff(signalen) -> Staff:
    return Staff(signalen)


@pytest.fixture
def crews_file(tmp_path):
    path = tmp_path / "crews.toml"
    path.write_text(f'[crews.default]\nid = "ploeg-noord"\nname = "{JAN.name}"\nphone = "{JAN.national}"\n')
    return path


@pytest.fixture
def connector_settings(settings, signalen, crews_file) -> dict[str, str]:
    settings.update(
        SIGNALEN_API_URL=signalen.url,
        SIGNALEN_TOKEN_URL=signalen.issuer.token_url,
        SIGNALEN_CLIENT_ID=CLIENT_ID,
        SIGNALEN_CLIENT_SECRET=CLIENT_SECRET,
        SIGNALEN_POLL_INTERVAL="1",
        SIGNALEN_CREWS=str(crews_file),
        METRICS_TOKEN=METRICS_TOKEN,
    )
    return settings


def start_connector(processes: Processes, name: str = "signalen", **env: str) -> None:
    processes.start(name, procfile()["signalen"], **env)
    deadline = time.monotonic() + 30
    while "signalen: polling" not in processes.log(name):
        assert processes.alive(name), processes.log(name)
        assert time.monotonic() < deadline, processes.log(name)
        time.sleep(0.05)


@pytest.fixture
def gateway(connector_settings, request, tmp_path):
    """Release, web, worker and the signalen process; yields (web's base URL, the processes)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    connector_settings.update(PUBLIC_BASE_URL=base, CONFIRMATION_DELAY=f"{CONFIRMATION_DELAY}s")
    request.getfixturevalue("app")  # empties the tables and resets the fakes before anything starts
    with procfile_running(connector_settings, tmp_path, port) as processes:
        start_connector(processes)
        yield base, processes


def metrics(base: str) -> str:
    answer = requests.get(base + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10)
    assert answer.status_code == 200
    return answer.text


def done_and_asked(staff: Staff, fake_twilio) -> tuple[dict, str]:
    """Anna's signal planned, then closed, and her question sent: (the signal, the proxy number)."""
    signal = staff.report(WORDS, ANNA.national)
    staff.plan(signal["id"])
    fake_twilio.wait_for_messages(2, timeout=30)
    proxy = fake_twilio.messages[0]["From"]
    staff.set_state(signal["id"], "o", "Klaar")
    fake_twilio.wait_for_messages(3, timeout=30)
    return signal, proxy


def metric(base: str, name: str, **labels: str) -> float:
    """A sample's value on /metrics (name as scraped: ..._total), 0 while it is not there."""
    return sum(
        found.value
        for family in text_string_to_metric_families(metrics(base))
        for found in family.samples
        if found.name == name and found.labels == labels
    )


def wait_for_metric(base: str, name: str, at_least: float = 1, timeout: float = 30, **labels: str) -> None:
    deadline = time.monotonic() + timeout
    while metric(base, name, **labels) < at_least:
        assert time.monotonic() < deadline, f"{name}{labels} stayed below {at_least}"
        time.sleep(0.3)


# A signal as Signalen's private API gives it, for the tests that read one without Signalen.
SIGNAL = {
    "id": 7,
    "id_display": "SIG-7",
    "text": "  Twee paaltjes weg.  ",
    "updated_at": "2026-12-05T18:32:14.726333+01:00",
    "status": {"state": "ingepland", "text": "Ploeg komt", "created_at": "2026-12-05T18:32:14.650643+01:00"},
    "location": {"address_text": "Dam 1 1012JS Amsterdam", "geometrie": {"coordinates": [4.89, 52.37]}},
    "reporter": {"phone": "0612345678", "allows_contact": True},
    "category": {"sub_slug": "overig"},
    "routing_departments": [{"code": "WEG"}],
    "assigned_user_email": None,
}


@pytest.fixture
def hostile():
    fake = Hostile()
    server = LoopbackServer(fake.wsgi).start()
    fake.url = server.url
    fake.on("/token", TOKEN)
    yield fake
    server.stop()
