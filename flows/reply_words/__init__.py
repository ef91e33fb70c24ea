"""The words the reply reader knows, in every language at once: a Polish resident may answer
"ja", a Turkish one "nee". Each language's module lists its own (nl_en.py, tr.py, ar.py, pl.py,
uk.py); common.py holds what is not a language's (carrier keywords, automatic replies, emoji).

Words are compared folded and squeezed (flows/replies.py: "Hayır", "HAYIR" and "hayiiir" are one
word; so are "نَعَم" and "نعـــم"), so list them as written. Phrases are word sequences, written as
tuples or as one string with spaces; the reader matches the longest first, so "nog niet gekeken"
(not looked yet: doubt) wins over "nog niet" (not yet: a no).

A false friend is an answer word in some languages and an ordinary word in another ("tak": yes
in Polish, a branch in Dutch): it counts in a case in one of its languages, or as the first word.
"""

from __future__ import annotations

from types import ModuleType

from flows.reply_words import ar, nl_en, pl, tr, uk
from flows.reply_words.common import (
    AUTO_REPLY_PHRASES,
    CARRIER_OPT_IN,
    CARRIER_OPT_OUT,
    FRIENDLY_SYMBOLS,
    NO_SYMBOLS,
    YES_SYMBOLS,
)

Phrase = tuple[str, ...]
LANGUAGE_MODULES: tuple[ModuleType, ...] = (nl_en, tr, ar, pl, uk)


def _words(name: str) -> set[str]:
    return set().union(*(getattr(module, name, set()) for module in LANGUAGE_MODULES))


def _phrases(name: str) -> list[Phrase]:
    return [
        tuple(phrase.split()) if isinstance(phrase, str) else tuple(phrase)
        for module in LANGUAGE_MODULES
        for phrase in getattr(module, name, [])
    ]


def _languages_of(name: str) -> dict[str, set[str]]:
    """word -> the languages it is kept for, from every module's table `name`."""
    return {word: languages for module in LANGUAGE_MODULES for word, languages in getattr(module, name, {}).items()}


YES, NO, NEGATORS, BUT = _words("YES"), _words("NO"), _words("NEGATORS"), _words("BUT")
APPROVAL_WORDS, PROBLEM_WORDS, DOUBT_WORDS = _words("APPROVAL_WORDS"), _words("PROBLEM_WORDS"), _words("DOUBT_WORDS")
NOT_DOUBT_AFTER = nl_en.NOT_DOUBT_AFTER
PROBLEM_PHRASES, DOUBT_PHRASES = _phrases("PROBLEM_PHRASES"), _phrases("DOUBT_PHRASES")
COURTESY_PHRASES, APPROVAL_PHRASES = _phrases("COURTESY_PHRASES"), _phrases("APPROVAL_PHRASES")
CAUTION_PHRASES = _phrases("CAUTION_PHRASES")
# A sign-off may be two words ("iyi günler"): only its last word is looked for.
SIGN_OFFS = {sign_off.split()[-1] for sign_off in _words("SIGN_OFFS")}
FALSE_FRIENDS = _languages_of("FALSE_FRIENDS")
# A word that is no answer at all in a case in these languages, even first: Turkish "ne" (what)
# is Dutch "nee" squeezed.
NOT_ANSWERS = _languages_of("NOT_ANSWERS")
# "and" and "or", between a yes and a no: "Tak i nie" holds only answers.
CONJUNCTIONS = _words("CONJUNCTIONS")
# A single letter that is the whole answer: "J", "y.", "N!".
SINGLE_LETTERS = {"j": "ja", "y": "yes", "n": "nee"}

__all__ = [
    "APPROVAL_PHRASES",
    "APPROVAL_WORDS",
    "AUTO_REPLY_PHRASES",
    "BUT",
    "CARRIER_OPT_IN",
    "CARRIER_OPT_OUT",
    "CAUTION_PHRASES",
    "CONJUNCTIONS",
    "COURTESY_PHRASES",
    "DOUBT_PHRASES",
    "DOUBT_WORDS",
    "FALSE_FRIENDS",
    "FRIENDLY_SYMBOLS",
    "NEGATORS",
    "NO",
    "NOT_ANSWERS",
    "NOT_DOUBT_AFTER",
    "NO_SYMBOLS",
    "PROBLEM_PHRASES",
    "PROBLEM_WORDS",
    "SIGN_OFFS",
    "SINGLE_LETTERS",
    "YES",
    "YES_SYMBOLS",
]
