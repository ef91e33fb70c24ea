"""Every purpose a text or call to a person can have, in one table.

Adding one is an entry here plus its texts in flows/texts/*.toml: the template `<name>` (or
`template`), and `voice_<name>` when `called`. tests/test_purposes.py checks both ways.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.core.purposes import Purpose


@dataclass(frozen=True)
class FlowPurpose(Purpose):
    # An answer we send by ourselves to what someone wrote: capped by AUTO_REPLY_LIMIT (flows/limits.py).
    automatic: bool = False
    # A resident on a landline gets it as a call (flows/reach.py); others are not worth a ring.
    called: bool = False
    # It asks "is it fixed?": only while the question is open does a retry or a call make sense.
    asks: bool = False
    # The resident's text template, when not the purpose's own name.
    template: str = ""

    @property
    def text_template(self) -> str:
        return self.template or self.name

    @property
    def voice_template(self) -> str:
        return f"voice_{self.name}"


DISPATCH_CITIZEN = FlowPurpose("dispatch_citizen", bulk=True, quiet_hours=True, called=True)
DISPATCH_CREW = FlowPurpose("dispatch_crew", bulk=True)
QUESTION = FlowPurpose("question", bulk=True, quiet_hours=True, called=True, asks=True)
REMINDER = FlowPurpose("reminder", bulk=True, quiet_hours=True, called=True, asks=True)
# The other side's own words; to the resident they wait out quiet hours (a crew on a late shift).
RELAY = FlowPurpose("relay", quiet_hours=True, called=True, template="relay_to_citizen")
REASK = FlowPurpose("reask", automatic=True)
FORWARDED = FlowPurpose("forwarded", automatic=True)
THANKS_YES = FlowPurpose("thanks_yes", automatic=True)
THANKS_NO = FlowPurpose("thanks_no", automatic=True)
WHICH_CASE = FlowPurpose("which_case", automatic=True)
RELAY_CLOSED = FlowPurpose("relay_closed", automatic=True)
RELAY_OPTED_OUT = FlowPurpose("relay_opted_out", automatic=True)

PURPOSES: dict[str, FlowPurpose] = {
    purpose.name: purpose
    for purpose in (
        DISPATCH_CITIZEN,
        DISPATCH_CREW,
        QUESTION,
        REMINDER,
        RELAY,
        REASK,
        FORWARDED,
        THANKS_YES,
        THANKS_NO,
        WHICH_CASE,
        RELAY_CLOSED,
        RELAY_OPTED_OUT,
    )
}
AUTOMATIC = frozenset(name for name, purpose in PURPOSES.items() if purpose.automatic)
ASKING = tuple(name for name, purpose in PURPOSES.items() if purpose.asks)


def of(name: str) -> FlowPurpose:
    """The purpose an outbox row was written for."""
    return PURPOSES[name]
