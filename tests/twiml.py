"""Reading what Twilio would get from a voice webhook: the URLs we hand it and what it would say."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

from tests.conftest import PUBLIC_BASE_URL


def local(url: str) -> str:
    """A URL we handed Twilio, as the path (and query) Twilio will request and sign."""
    assert url.startswith(PUBLIC_BASE_URL + "/twilio/"), url
    return url[len(PUBLIC_BASE_URL) :]


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def spoken(root: ET.Element) -> str:
    return " ".join(say.text or "" for say in root.iter("Say"))
