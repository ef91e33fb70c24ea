"""Who is calling: the User-Agent of every request the gateway makes (callbacks, Twilio's API).

A case system's or Twilio's log then names us and our version, not python-requests.
"""

from __future__ import annotations

from importlib.metadata import version

USER_AGENT = f"korte-lijn/{version('korte-lijn')}"
