"""The words the reply reader knows, Dutch and English together (a Dutch "No" is a NO).

Words are compared in their squeezed form ("jaaa" and "ja" both become "ja"), so list
them as written. Phrases are word sequences; the reader matches the longest first, so
"nog niet gekeken" (not looked yet: doubt) wins over "nog niet" (not yet: a no).
"""

from __future__ import annotations

CARRIER_OPT_OUT = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
CARRIER_OPT_IN = {"start", "unstop"}

YES = {
    "ja",
    "jawel",
    "jazeker",
    "jep",
    "jup",
    "yes",
    "yep",
    "yup",
    "yeah",
    "klopt",
    "inderdaad",
    "idd",
    "opgelost",
    "fixed",
    "done",
    "gemaakt",
    "gerepareerd",
    "gefixt",
    "repaired",
    "sorted",
}
NO = {"nee", "neen", "no", "nope", "nah", "nein", "helaas", "unfortunately"}

# A fix that is denied: any of these makes the reply a NO (after doubt has had its say).
NEGATORS = {
    "niet",
    "nie",
    "not",
    "never",
    "nooit",
    "geen",
    "niks",
    "niets",
    "nothing",
    "nada",
    "isnt",
    "hasnt",
    "havent",
    "wasnt",
    "arent",
    "didnt",
    "doesnt",
    "dont",
    "werent",
    "cant",
    "aint",
}

# The problem is still there, or the work was wrong: a NO even beside a yes-word.
PROBLEM_WORDS = {
    "kapot",
    "stuk",
    "broken",
    "still",
    "verkeerd",
    "verkeerde",
    "wrong",
    "erger",
    "worse",
    "groter",
    "bigger",
    "niemand",
    "nobody",
    "overkant",
    "scheef",
    "crooked",
    "half",
}
PROBLEM_PHRASES = [
    ("nog", "steeds"),
    ("nog", "altijd"),
    ("zit", "er", "nog"),
    ("ligt", "er", "nog"),
    ("is", "er", "nog"),
    ("zit", "er", "weer"),
    ("ligt", "er", "weer"),
    ("weer", "uit"),
    ("weer", "kapot"),
    ("no", "one"),
    ("not", "working"),
    ("doet", "het", "niet"),
    ("brandt", "niet"),
]

# Not knowing, not having looked, not being there: never a yes, never a no.
DOUBT_WORDS = {"misschien", "maybe", "probably", "perhaps", "vakantie", "holiday", "away", "idk", "denk", "think"}
DOUBT_PHRASES = [
    ("weet", "ik", "niet"),
    ("weet", "niet"),
    ("weet", "het", "niet"),
    ("weet", "eigenlijk", "niet"),
    ("weet", "ik", "veel"),
    ("geen", "idee"),
    ("no", "idea"),
    ("dont", "know"),
    ("do", "not", "know"),
    ("not", "sure"),
    ("niet", "zeker"),
    ("volgens", "mij"),
    ("nog", "niet", "gaan", "kijken"),
    ("niet", "gaan", "kijken"),
    ("nog", "niet", "gekeken"),
    ("niet", "gekeken"),
    ("nog", "niet", "gezien"),
    ("havent", "checked"),
    ("not", "checked"),
    ("will", "check"),
    ("zal", "kijken"),
    ("woon", "er", "niet", "meer"),
]
# After "weet ... niet" these say she does not know something else ("wie dit stuurt"), not the answer.
NOT_DOUBT_AFTER = {"wie", "who", "waarom", "why"}

# Courtesies that contain a no-word: "No problem, it's fixed" is a yes.
COURTESY_PHRASES = [
    ("no", "problem"),
    ("geen", "probleem"),
    ("geen", "dank"),
    ("no", "worries"),
    ("geen", "klachten"),
    ("no", "complaints"),
]

# A yes followed by one of these adds something: unclear, unless it names a problem (then NO).
BUT = {"maar", "but", "alleen", "behalve", "except", "though", "however"}
# Things still standing, which may or may not be the problem: "de auto staat er nog".
CAUTION_PHRASES = [("staat", "er", "nog"), ("staan", "er", "nog"), ("nog", "een")]

# Closing words of a sign-off; they and the name after them are dropped.
SIGN_OFFS = {"groet", "groeten", "groetjes", "gr", "grt", "mvg", "cheers", "regards", "best", "vriendelijke"}

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
