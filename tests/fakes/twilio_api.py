"""A fake of Twilio's REST API, reached by the real twilio client via TWILIO_API_BASE_URL.

It records every message and call it accepts (every field: a call's TimeLimit too), checks the
account's basic auth like Twilio does, refuses a text over 1,600 characters (21617) and a call
without a TimeLimit, and can be told to fail the next requests (5xx, 429, an error code, a hang).

Opt-in, for the fault tests (all off until asked for, and off again after reset()):
slow() answers every accepted request late, hold()/release() park requests until the
test lets them through, refuse() answers every text to one number with an error, and
report_status() posts a signed status callback after accepting a text, as Twilio does.
`arrivals` records every message request (accepted or not) with when it came and the
Host it was sent to, so a test can tell which process sent what, and when.
own_number() adds an IncomingPhoneNumber to the account, listed in pages of
`numbers_page_size` as Twilio pages them, so `twilio check` can be tested against it.
auto_respond() makes a number behave like a phone that answers by itself (Driving Focus,
an out-of-office, or a phone that echoes what it got): each text to it is answered with a
signed inbound text to the gateway's /twilio/sms, as Twilio delivers a real reply.

WhatsApp, as Twilio behaves: a message From=whatsapp:<sender> must go To=whatsapp:<number>, with
either a ContentSid (HX + 32 hex, and ContentVariables a JSON object) or a Body. Twilio accepts it
and reports its fate later, by status callback: `failed` with 63003 for a number without WhatsApp
(no_whatsapp()), `failed` with 63016 for free text (a Body) to someone whose 24-hour window is
closed, `sent` otherwise. The window opens with each inbound WhatsApp message the fake sees:
whatsapp_from() posts one, signed, to the gateway's /twilio/sms and opens it; saw_whatsapp_from()
only opens it (for a test that posts through Flask's test client). `whatsapp_outcome` holds the
fate of each message by sid; with report_whatsapp() on, the fake posts it to StatusCallback.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests
from twilio.request_validator import RequestValidator
from werkzeug.wrappers import Request, Response

from tests.fakes.server import LoopbackServer

WHATSAPP = "whatsapp:"
CONTENT_SID = re.compile(r"HX[0-9a-f]{32}")
WHATSAPP_WINDOW_SECONDS = 24 * 3600
# Twilio refuses a longer text (error 21617) and a TimeLimit outside 1 s to 4 h.
MAX_BODY_CHARACTERS = 1600
TIME_LIMIT_SECONDS = (1, 14400)


@dataclass
class Scripted:
    status: int
    code: int | None = None
    hang: float = 0.0
    retry_after: str | None = None
    garbage: bool = False  # answer 200 with an HTML page, as a broken proxy in between would


@dataclass
class Arrival:
    """One request to Messages.json, as it reached the fake."""

    at: float  # time.monotonic() when it came in
    host: str  # the Host header: which TWILIO_API_BASE_URL the sender was given
    form: dict
    status: int | None = None  # what the fake answered; None while it is held or hanging


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    messages: list[dict] = field(default_factory=list)
    user_agents: set[str] = field(default_factory=set)
    calls: list[dict] = field(default_factory=list)
    requests_seen: int = 0
    _script: list[Scripted] = field(default_factory=list)
    _lock: threading.Condition = field(default_factory=threading.Condition)
    server: LoopbackServer | None = None
    # Opt-in abilities (see the module docstring); reset() turns them all off.
    arrivals: list[Arrival] = field(default_factory=list)
    held: int = 0  # requests parked by hold() right now
    status_reports: list[tuple[str, int | str]] = field(default_factory=list)  # (sid, answer or error)
    _delay: float = 0.0
    _open: threading.Event = field(default_factory=lambda: _set(threading.Event()))
    _refusals: dict[str, Scripted] = field(default_factory=dict)
    _report: str | None = None
    _report_only_to: frozenset[str] | None = None
    numbers: list[dict] = field(default_factory=list)  # the account's IncomingPhoneNumbers
    numbers_page_size: int = 50
    _responders: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # number -> (webhook, reply)
    auto_responses: list[tuple[str, str, int | str]] = field(default_factory=list)  # (from, body, answer)
    # WhatsApp (see the module docstring).
    whatsapp_outcome: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # sid -> (status, code)
    _windows: dict[str, float] = field(default_factory=dict)  # her number -> when she last wrote
    _no_whatsapp: set[str] = field(default_factory=set)
    _report_whatsapp: bool = False

    def start(self) -> FakeTwilio:
        self.server = LoopbackServer(self.wsgi).start()
        return self

    @property
    def url(self) -> str:
        return self.server.url

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.user_agents.clear()
            self.calls.clear()
            self._script.clear()
            self.requests_seen = 0
            self.arrivals.clear()
            self.status_reports.clear()
            self._delay, self._report, self._report_only_to = 0.0, None, None
            self._refusals.clear()
            self._open.set()
            self.numbers.clear()
            self.numbers_page_size = 50
            self._responders.clear()
            self.auto_responses.clear()
            self.whatsapp_outcome.clear()
            self._windows.clear()
            self._no_whatsapp.clear()
            self._report_whatsapp = False

    # WhatsApp
    def no_whatsapp(self, number: str) -> None:
        """`number` has no WhatsApp: every message to it fails with 63003."""
        with self._lock:
            self._no_whatsapp.add(number)

    def report_whatsapp(self) -> None:
        """Post each WhatsApp message's status (sent, or failed with its error) to its StatusCallback."""
        with self._lock:
            self._report_whatsapp = True

    def saw_whatsapp_from(self, number: str) -> None:
        """She wrote to our WhatsApp sender just now: free text may go to her for 24 hours."""
        with self._lock:
            self._windows[number] = time.time()

    def close_window(self, number: str) -> None:
        """A day has passed since she last wrote."""
        with self._lock:
            self._windows.pop(number, None)

    def whatsapp_from(self, number: str, sender: str, webhook: str, body: str = "", **extra: str) -> int:
        """Her WhatsApp message to our `sender`, posted signed to `webhook` as Twilio does; the answer's status."""
        self.saw_whatsapp_from(number)
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "MessageSid": "SM" + uuid.uuid4().hex,
            "From": WHATSAPP + number,
            "To": WHATSAPP + sender,
            "Body": body,
            "NumMedia": "0",
            "ProfileName": "Anna",
            "WaId": number.lstrip("+"),
            **extra,
        }
        signature = RequestValidator(self.auth_token).compute_signature(webhook, form)
        return requests.post(webhook, data=form, headers={"X-Twilio-Signature": signature}, timeout=10).status_code

    def whatsapp_to(self, number: str) -> list[dict]:
        """The WhatsApp messages accepted for `number`, each with its ContentSid or Body."""
        with self._lock:
            return [m for m in self.messages if m["To"] == WHATSAPP + number]

    def _whatsapp_refusal(self, form: dict) -> Response | None:
        if not form.get("To", "").startswith(WHATSAPP + "+"):
            return _error(400, 21211, f"Invalid 'To' WhatsApp address {form.get('To')!r}")
        sid = form.get("ContentSid")
        if sid is None and not form.get("Body"):
            return _error(400, 21619, "A text message body or a ContentSid must be specified")
        if sid is not None and not CONTENT_SID.fullmatch(sid):
            return _error(400, 21655, f"The ContentSid {sid!r} is invalid")
        if sid is not None:
            try:
                variables = json.loads(form.get("ContentVariables", "{}"))
            except ValueError:
                variables = None
            if not isinstance(variables, dict) or not all(isinstance(v, str) and v for v in variables.values()):
                return _error(400, 21656, "The ContentVariables parameter is invalid")
        return None

    def _whatsapp_fate(self, record: dict) -> tuple[str, str | None]:
        number = record["To"].removeprefix(WHATSAPP)
        if number in self._no_whatsapp:
            return "failed", "63003"
        opened = self._windows.get(number)
        if "ContentSid" not in record and (opened is None or time.time() - opened > WHATSAPP_WINDOW_SECONDS):
            return "failed", "63016"
        return "sent", None

    def auto_respond(self, number: str, webhook: str, reply: str | None = None) -> None:
        """Every text to `number` is answered from it with `reply` (None: the text it got; "{n}" in
        it: the answer's number, so no two are the same), posted signed to `webhook` (/twilio/sms)."""
        with self._lock:
            self._responders[number] = (webhook, reply)

    def own_number(self, phone_number: str, base_url: str | None = None, **fields) -> dict:
        """Add a number to the account; with `base_url` its SMS and voice webhooks POST there,
        as the README tells an operator to set them. `fields` override any attribute."""
        record = {
            "sid": "PN" + uuid.uuid4().hex,
            "account_sid": self.account_sid,
            "phone_number": phone_number,
            "sms_url": f"{base_url}/twilio/sms" if base_url else "",
            "sms_method": "POST",
            "voice_url": f"{base_url}/twilio/voice" if base_url else "",
            "voice_method": "POST",
            "status_callback": "",
            "status_callback_method": "POST",
            "sms_application_sid": "",
            "voice_application_sid": "",
            "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False},
            **fields,
        }
        with self._lock:
            self.numbers.append(record)
        return record

    def fail_next(
        self,
        times: int = 1,
        status: int = 500,
        code: int | None = None,
        hang: float = 0.0,
        retry_after: str | None = None,
        garbage: bool = False,
    ) -> None:
        with self._lock:
            self._script.extend(Scripted(status, code, hang, retry_after, garbage) for _ in range(times))

    def slow(self, seconds: float) -> None:
        """Take `seconds` over every request it accepts, as a busy provider does."""
        with self._lock:
            self._delay = seconds

    def hold(self) -> None:
        """Park every request it would accept until release(); `held` counts the parked ones."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def wait_until_held(self, count: int = 1, timeout: float = 10.0) -> None:
        with self._lock:
            if not self._lock.wait_for(lambda: self.held >= count, timeout):
                raise AssertionError(f"expected {count} parked request(s), the fake holds {self.held}")

    def refuse(self, to: str, status: int = 400, code: int = 21211) -> None:
        """Answer every text to `to` with this error (21211: not a valid phone number)."""
        with self._lock:
            self._refusals[to] = Scripted(status, code)

    def report_status(self, status: str = "sent", only_to=None) -> None:
        """After accepting a text, POST a signed status callback to its StatusCallback URL,
        as Twilio does; only for texts to `only_to` when given. Answers go to status_reports."""
        with self._lock:
            self._report = status
            self._report_only_to = frozenset(only_to) if only_to is not None else None

    def texts_to(self, number: str) -> list[str]:
        with self._lock:
            return [m["Body"] for m in self.messages if m["To"] == number]

    def wait_for_messages(self, count: int, timeout: float = 10.0) -> list[dict]:
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"expected {count} texts, fake Twilio got {len(self.messages)}: {self.messages}")
            return list(self.messages)

    def wait_until(self, check, timeout: float = 10.0, what: str = "it"):
        """Wait for `check()` (called under the fake's lock, after each request) to be true; its value."""
        with self._lock:
            found = self._lock.wait_for(check, timeout)
            if not found:
                raise AssertionError(f"waited {timeout}s for {what}; fake Twilio has {self.messages}")
            return found

    def wsgi(self, environ, start_response):
        request = Request(environ)
        response = self._handle(request)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        with self._lock:
            self.user_agents.add(request.headers.get("User-Agent", ""))
        arrival = None
        if request.method == "POST" and request.path.endswith("/Messages.json"):
            arrival = Arrival(time.monotonic(), request.host, request.form.to_dict())
            with self._lock:
                self.arrivals.append(arrival)
        response = self._answer(request)
        if arrival is not None:
            with self._lock:
                arrival.status = response.status_code
                self._lock.notify_all()
        return response

    def _answer(self, request: Request) -> Response:
        with self._lock:
            self.requests_seen += 1
            if not self._authorised(request):
                return _error(401, 20003, "Authenticate")
            scripted = self._script.pop(0) if self._script else None
        if scripted and scripted.garbage:
            return Response("<html><body>502 Bad Gateway</body></html>", status=200, mimetype="text/html")
        if scripted:
            time.sleep(scripted.hang)
            response = _error(scripted.status, scripted.code or scripted.status, "scripted failure")
            if scripted.retry_after:
                response.headers["Retry-After"] = scripted.retry_after
            return response
        prefix = f"/2010-04-01/Accounts/{self.account_sid}/"
        if request.method == "POST" and request.path == prefix + "Messages.json":
            with self._lock:
                refusal = self._refusals.get(request.form.get("To", ""))
            if refusal:
                return _error(refusal.status, refusal.code or refusal.status, "scripted refusal")
            if len(request.form.get("Body", "")) > MAX_BODY_CHARACTERS:
                return _error(400, 21617, "The concatenated message body exceeds the 1600 character limit")
            if request.form.get("From", "").startswith(WHATSAPP):
                refused = self._whatsapp_refusal(request.form.to_dict())
                if refused is not None:
                    return refused
            self._wait_its_turn()
            return self._create("SM", self.messages, request)
        if request.method == "GET" and request.path == prefix + "IncomingPhoneNumbers.json":
            return self._numbers_page(request, prefix + "IncomingPhoneNumbers.json")
        if request.method == "POST" and request.path == prefix + "Calls.json":
            if not TIME_LIMIT_SECONDS[0] <= _number(request.form.get("TimeLimit")) <= TIME_LIMIT_SECONDS[1]:
                # Stricter than Twilio, which takes a missing TimeLimit as 4 hours: every call a test
                # places shows the gateway never forgets it.
                return _error(400, 400, f"TimeLimit {request.form.get('TimeLimit')!r} is missing or invalid")
            self._wait_its_turn()
            return self._create("CA", self.calls, request)
        return _error(404, 20404, f"no fake for {request.method} {request.path}")

    def _authorised(self, request: Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("Authorization") == expected

    def _create(self, prefix: str, into: list, request: Request) -> Response:
        record = request.form.to_dict()
        record["sid"] = prefix + uuid.uuid4().hex
        with self._lock:
            into.append(record)
            self._lock.notify_all()
            report = (
                self._report
                if prefix == "SM" and (self._report_only_to is None or record.get("To") in self._report_only_to)
                else None
            )
            responder = self._responders.get(record.get("To", "")) if prefix == "SM" else None
            if record.get("From", "").startswith(WHATSAPP):
                fate = self.whatsapp_outcome[record["sid"]] = self._whatsapp_fate(record)
                report = f"{fate[0]}:{fate[1] or ''}" if self._report_whatsapp else None
        if report and record.get("StatusCallback"):
            threading.Thread(target=self._post_status, args=(record, report), daemon=True).start()
        if responder:
            threading.Thread(target=self._answer_back, args=(record, *responder), daemon=True).start()
        body = {
            "sid": record["sid"],
            "account_sid": self.account_sid,
            "status": "queued",
            "to": record.get("To"),
            "from": record.get("From"),
            "body": record.get("Body"),
        }
        return Response(json.dumps(body), status=201, mimetype="application/json")

    def _numbers_page(self, request: Request, path: str) -> Response:
        try:
            size = min(int(request.args.get("PageSize", "50")), self.numbers_page_size)
            page = int(request.args.get("Page", "0"))
        except ValueError:
            return _error(400, 20001, "PageSize and Page must be numbers")
        with self._lock:
            chunk = self.numbers[page * size : (page + 1) * size]
            more = (page + 1) * size < len(self.numbers)
        body = {
            "incoming_phone_numbers": chunk,
            "page": page,
            "page_size": size,
            "start": page * size,
            "end": page * size + len(chunk) - 1,
            "uri": f"{path}?PageSize={size}&Page={page}",
            "first_page_uri": f"{path}?PageSize={size}&Page=0",
            "previous_page_uri": None,
            "next_page_uri": f"{path}?PageSize={size}&Page={page + 1}" if more else None,
        }
        return Response(json.dumps(body), status=200, mimetype="application/json")

    def _wait_its_turn(self) -> None:
        if not self._open.is_set():
            with self._lock:
                self.held += 1
                self._lock.notify_all()
            self._open.wait()
            with self._lock:
                self.held -= 1
        if self._delay:
            time.sleep(self._delay)

    def _post_status(self, record: dict, status: str) -> None:
        url = record["StatusCallback"]
        status, _, code = status.partition(":")
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": record.get("From", ""),
            "To": record.get("To", ""),
            "MessageSid": record["sid"],
            "SmsSid": record["sid"],
            "MessageStatus": status,
            "SmsStatus": status,
            **({"ErrorCode": code} if code else {}),
        }
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        try:
            answer: int | str = requests.post(
                url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10
            ).status_code
        except requests.RequestException as exc:
            answer = type(exc).__name__
        with self._lock:
            self.status_reports.append((record["sid"], answer))
            self._lock.notify_all()

    def _answer_back(self, record: dict, webhook: str, reply: str | None) -> None:
        """The phone's automatic answer, as Twilio would deliver it to the number's SMS webhook."""
        with self._lock:
            n = 1 + sum(1 for sender, _, _ in self.auto_responses if sender == record["To"])
        body = record.get("Body", "") if reply is None else reply.replace("{n}", str(n))
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "MessageSid": "SM" + uuid.uuid4().hex,
            "From": record["To"],
            "To": record.get("From", ""),
            "Body": body,
            "NumMedia": "0",
        }
        signature = RequestValidator(self.auth_token).compute_signature(webhook, form)
        try:
            answer: int | str = requests.post(
                webhook, data=form, headers={"X-Twilio-Signature": signature}, timeout=10
            ).status_code
        except requests.RequestException as exc:
            answer = type(exc).__name__
        with self._lock:
            self.auto_responses.append((record["To"], body, answer))
            self._lock.notify_all()


def _set(event: threading.Event) -> threading.Event:
    event.set()
    return event


def _number(value: str | None) -> int:
    return int(value) if value and value.isdigit() else -1


def _error(status: int, code: int, message: str) -> Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Response(json.dumps(body), status=status, mimetype="application/json")
