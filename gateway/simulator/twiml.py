"""TwiML, read the way a phone would hear it: what is said, who is rung, which keys count."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from gateway.core.phones import mask
from gateway.simulator.story import BY_NUMBER

# Numbers in the TwiML that are not the simulator's own people are masked before the page sees them.
_NUMBER = re.compile(r"\+\d{8,15}")


def steps(twiml: str, proxy_numbers: tuple[str, ...]) -> list[dict[str, Any]]:
    """The call, step by step: say, dial, gather (keys), redirect (on silence), hangup."""
    try:
        root = ET.fromstring(twiml)
    except ET.ParseError:
        return [{"kind": "error", "text": "the gateway did not answer with TwiML"}]
    result: list[dict[str, Any]] = []
    for verb in root:
        if verb.tag == "Say":
            result.append({"kind": "say", "text": verb.text or "", "language": verb.get("language", "")})
        elif verb.tag == "Dial":
            number = (verb.findtext("Number") or "").strip()
            result.append(
                {
                    "kind": "dial",
                    "number": shown(number, proxy_numbers),
                    "phone": _phone_key(number),
                    "caller_id": shown(verb.get("callerId", ""), proxy_numbers),
                }
            )
        elif verb.tag == "Gather":
            said = " ".join(say.text or "" for say in verb.findall("Say"))
            result.append(
                {
                    "kind": "gather",
                    "text": said,
                    "action": verb.get("action", ""),
                    "num_digits": int(verb.get("numDigits", "0") or 0),
                    "finish_on_key": verb.get("finishOnKey", "#"),
                    "input": verb.get("input", "dtmf"),
                }
            )
        elif verb.tag == "Redirect":
            result.append({"kind": "redirect", "url": (verb.text or "").strip()})
        elif verb.tag == "Hangup":
            result.append({"kind": "hangup"})
    return result


def shown(number: str, proxy_numbers: tuple[str, ...]) -> str:
    """A simulated person's number or a proxy number in full; anyone else's masked."""
    if number in BY_NUMBER or number in proxy_numbers:
        return number
    return mask(number) if number else ""


def masked_twiml(twiml: str, proxy_numbers: tuple[str, ...]) -> str:
    return _NUMBER.sub(lambda match: shown(match.group(), proxy_numbers), twiml)


def _phone_key(number: str) -> str | None:
    phone = BY_NUMBER.get(number)
    return phone.key if phone else None
