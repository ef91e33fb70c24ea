"""What the core needs to know of a text's or call's purpose; the purposes themselves are the
flows' (flows/purposes.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Purpose:
    # Stored in the outbox row's `purpose` column and shown on the timeline.
    name: str
    # We start it ourselves, often hundreds at once (07:30 dispatches, questions when quiet
    # hours end): it goes after the answers to people who just wrote or called.
    bulk: bool = False
    # To the resident it waits until QUIET_HOURS end; crew texts and calls are not held by this.
    quiet_hours: bool = False

    def __str__(self) -> str:
        return self.name
