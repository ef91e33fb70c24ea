"""`flask --app app signalen check`: the settings against the live Signalen, before going live.

Each line is a finding; any failed one makes the command exit 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gateway.core.phones import mask
from gateway.core.signalen.client import SignalenClient, SignalenError
from gateway.core.signalen.settings import DEFAULT_CREW, SignalenSettings

# What the connector's account needs in Signalen (README: Signalen), and why.
NEEDED = {
    "sia_read": "to read signals",
    "sia_write": "to change signals",
    "sia_can_view_contact_details": "to see the reporter's phone; without it nothing is dispatched",
    "sia_signal_change_status": "to reopen a signal after her NEE",
    "sia_signal_create_note": "to add her answers and messages as notes",
}
ADVISED = {"sia_can_view_all_categories": "without it, only the categories of its departments are seen"}


def check(settings: SignalenSettings) -> Iterator[tuple[bool, str]]:
    client = SignalenClient(settings)
    try:
        client.token()
    except SignalenError as exc:
        yield False, f"token from {settings.token_url}: {exc}"
        return
    yield True, f"token from {settings.token_url} for client {settings.client_id!r}"
    try:
        me = client.me()
        newest = client.newest()
    except SignalenError as exc:
        yield False, f"Signalen at {settings.api_url}: {exc}"
        return
    yield True, f"Signalen at {settings.api_url} knows the client as {me.get('username')!r}"
    held = _permissions(me)
    for codename, why in NEEDED.items():
        yield codename in held, f"permission {codename} ({why})" + ("" if codename in held else ": MISSING")
    for codename, why in ADVISED.items():
        if codename not in held:
            yield True, f"note: no permission {codename} ({why})"
    if newest is not None:
        yield True, f"newest signal {newest.get('id_display')} is {(newest.get('status') or {}).get('state')}"
    yield True, f"dispatch state {settings.dispatch_state!r}; a NEE sets {settings.reopen_state!r}"
    for key, crew in settings.crews.items():
        yield True, f"crew for {key!r}: {crew.id} ({crew.name}, {mask(crew.phone)})"
    if DEFAULT_CREW not in settings.crews:
        yield True, "note: no [crews.default]: a signal that matches no crew is skipped, with a log line"


def _permissions(me: dict[str, Any]) -> set[str]:
    """Its own permissions and those of its roles."""
    found = {p.get("codename") for p in me.get("permissions") or [] if isinstance(p, dict)}
    for role in me.get("roles") or []:
        if isinstance(role, dict):
            found |= {p.get("codename") for p in role.get("permissions") or [] if isinstance(p, dict)}
    if me.get("is_superuser"):
        found |= set(NEEDED) | set(ADVISED)
    return {codename for codename in found if isinstance(codename, str)}
