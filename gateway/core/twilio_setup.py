"""Is the Twilio account set up for this gateway? (`flask --app app twilio check`)

Every configured proxy number must be in the account, able to text and be called, and
send what arrives at it to PUBLIC_BASE_URL by POST, since that is the URL the gateway
checks Twilio's signatures against. The numbers' own voice status callback stays empty:
the gateway names its own status URL with every text and call it makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from gateway.core.config import Config
from gateway.core.twilio_transport import AccountNumber

# The two webhooks an operator sets on each number in Twilio's console (gateway/http/).
SMS_PATH, VOICE_PATH = "/twilio/sms", "/twilio/voice"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


@dataclass(frozen=True)
class Problem:
    number: str | None  # None: the problem is the configuration, not one number
    problem: str

    def __str__(self) -> str:
        return f"{self.number}: {self.problem}" if self.number else self.problem


def problems(config: Config, owned: list[AccountNumber]) -> list[Problem]:
    found: list[Problem] = []
    if urlparse(config.public_base_url).hostname in LOCAL_HOSTS:
        found.append(Problem(None, f"PUBLIC_BASE_URL is {config.public_base_url}: Twilio cannot reach that"))
    by_number = {number.phone_number: number for number in owned}
    for number in config.proxy_numbers:
        if number not in by_number:
            found.append(Problem(number, "is not a number of this Twilio account"))
        else:
            found.extend(Problem(number, problem) for problem in number_problems(by_number[number], config))
    return found


def number_problems(number: AccountNumber, config: Config) -> list[str]:
    base = config.public_base_url
    found = []
    for what, able in (("texts", "sms"), ("calls", "voice")):
        if number.capabilities.get(able) is False:
            found.append(f"cannot take {what} (Twilio capability {able!r} is off)")
    for what, url, method, app_sid, path in (
        ("SMS", number.sms_url, number.sms_method, number.sms_application_sid, SMS_PATH),
        ("voice", number.voice_url, number.voice_method, number.voice_application_sid, VOICE_PATH),
    ):
        if app_sid:
            found.append(f"{what} goes to TwiML app {app_sid}, not to its {what} URL; take the number out of the app")
        if url != base + path:
            found.append(f"{what} URL is {url or 'empty'}, expected {base + path}")
        if method != "POST":
            found.append(f"{what} method is {method}, expected POST")
    if number.status_callback:
        found.append(
            f"voice status callback is {number.status_callback}; leave it empty, the gateway gives "
            "Twilio its own status URL with each call"
        )
    return found
