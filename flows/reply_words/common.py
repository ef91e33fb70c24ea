"""What every language shares: the carriers' keywords, phones' automatic replies and emoji."""

from __future__ import annotations

# Carriers know these in English only, whatever language the texts are in.
CARRIER_OPT_OUT = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
CARRIER_OPT_IN = {"start", "unstop"}

# A phone's automatic answer (Driving Focus, out-of-office, an unread business number): any of
# these word sequences anywhere in the message makes it one, by kind. Never an answer.
AUTO_REPLY_PHRASES = {
    # Long enough that a person's own words do not match: "ik rijd met de fiets langs, het is gemaakt".
    "driving": [
        # iPhone: "I'm driving with Driving Focus turned on. I'll see your message when I get where I'm going."
        ("im", "driving", "with", "driving", "focus"),
        ("driving", "focus", "turned", "on"),
        ("do", "not", "disturb", "while", "driving"),
        ("ill", "see", "your", "message", "when", "i", "get"),
        # iPhone, Dutch: "Ik rijd met de focus 'Rijden' aan. Ik zie je bericht als ik op mijn bestemming ben."
        ("ik", "rijd", "met", "de", "focus"),
        ("focus", "rijden", "aan"),
        ("niet", "storen", "tijdens", "autorijden"),
        ("ik", "zie", "je", "bericht", "als", "ik"),
        ("ik", "zie", "je", "bericht", "zodra"),
        ("op", "mijn", "bestemming", "ben"),
        # Android's driving mode
        ("im", "driving", "right", "now"),
        ("i", "am", "driving", "right", "now"),
    ],
    # Not "niet storen" alone: "ik wil niet storen, maar het gat is er nog" is a NO.
    "do_not_disturb": [
        ("do", "not", "disturb", "is", "on"),
        ("on", "do", "not", "disturb"),
        ("dont", "disturb", "is", "on"),
        ("niet", "storen", "staat", "aan"),
        ("niet", "storen", "is", "aan"),
        ("staat", "op", "niet", "storen"),
        ("niet", "storen", "modus"),
    ],
    "out_of_office": [
        ("out", "of", "office"),
        ("out", "of", "the", "office"),
        ("ik", "ben", "afwezig"),
        ("ben", "momenteel", "afwezig"),
        ("ben", "ik", "afwezig"),
        ("afwezigheidsbericht",),
        ("afwezigheidsmelding",),
        ("i", "am", "currently", "away"),
        ("im", "currently", "away"),
        ("i", "am", "away", "until"),
    ],
    "automatic": [
        ("auto", "reply"),
        ("autoreply",),
        ("automatic", "reply"),
        ("automated", "reply"),
        ("automated", "message"),
        ("automatic", "message"),
        ("this", "is", "an", "automated"),
        ("automatisch", "antwoord"),
        ("automatisch", "bericht"),
        ("automatisch", "gegenereerd"),
        ("automatisch", "verzonden"),
        ("automatische", "reactie"),
        ("automatisch", "verstuurd"),
        ("dit", "is", "een", "automatisch"),
        ("do", "not", "reply", "to", "this"),
    ],
    "unread_number": [
        ("wordt", "niet", "gelezen"),
        ("worden", "niet", "gelezen"),
        ("wordt", "niet", "beantwoord"),
        ("worden", "niet", "beantwoord"),
        ("wordt", "niet", "uitgelezen"),
        ("niet", "gemonitord"),
        ("is", "not", "monitored"),
        ("are", "not", "monitored"),
        ("not", "be", "read"),
        ("cannot", "receive", "text"),
        ("cannot", "receive", "sms"),
        ("does", "not", "accept", "text"),
    ],
}

YES_SYMBOLS = set("👍👌✅✔☑")
NO_SYMBOLS = set("👎❌✖❎")
FRIENDLY_SYMBOLS = set("🙂😊🙏👏❤♥😀😃😄😁🥰😍🎉💪🌷🌹🌻💐✨🤗😉☺👋🍀")
