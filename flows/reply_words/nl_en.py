"""Dutch and English answer words, together: a Dutch "No" is a NO (see __init__.py)."""

from __future__ import annotations

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
# "ja en nee", "yes or no": between a yes and a no, these leave only answers.
CONJUNCTIONS = {"en", "of", "and", "or"}
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
    ("havent", "looked"),
    ("not", "looked"),
    ("didnt", "look"),
    ("not", "had", "a", "chance"),
    ("had", "a", "chance"),  # "haven't had a chance to look": "havent" is the no-word
    ("niet", "kunnen", "kijken"),
    ("no", "chance", "to", "look"),
    ("not", "been", "there"),
    ("havent", "been"),
    ("geen", "tijd", "gehad"),
    ("niet", "aan", "toegekomen"),
    ("nog", "niet", "geweest"),
    ("niet", "langs", "geweest"),
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

# Approvals that carry no yes-word: "in orde", "netjes", "prima zo". Read as a yes-word is, so
# "niet in orde" is a NO and "prima, maar ..." asks again.
APPROVAL_WORDS = {"netjes", "prima", "keurig", "perfect", "uitstekend", "excellent"}
APPROVAL_PHRASES = [
    ("in", "orde"),
    ("helemaal", "goed"),
    ("ziet", "er", "goed", "uit"),
    ("all", "good"),
    ("looks", "good"),
    ("all", "sorted"),
    ("all", "fine"),
]

# A yes followed by one of these adds something: unclear, unless it names a problem (then NO).
BUT = {"maar", "but", "alleen", "behalve", "except", "though", "however"}
# Things still standing, which may or may not be the problem: "de auto staat er nog".
CAUTION_PHRASES = [("staat", "er", "nog"), ("staan", "er", "nog"), ("nog", "een")]

# Closing words of a sign-off; they and the name after them are dropped.
SIGN_OFFS = {"groet", "groeten", "groetjes", "gr", "grt", "mvg", "cheers", "regards", "best", "vriendelijke"}
