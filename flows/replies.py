"""Reading a resident's answer to "is it fixed?".

Deliberately cautious: a wrong YES leaves a hazard in the street, so anything that
hints at NO is a NO, and YES needs a reply made only of yes-words and courtesies.
The words of every supported language count, whatever the resident's language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


def squeeze(word: str) -> str:
    """'jaaa' -> 'ja', 'neee' -> 'ne': people stretch words; compare stretched forms."""
    return re.sub(r"(.)\1+", r"\1", word)


YES = {squeeze(w) for w in ("ja", "jawel", "jazeker", "zeker", "yes", "yep", "yeah", "y", "j", "klopt", "opgelost", "fixed", "done")}
NO = {squeeze(w) for w in (
    "nee", "neen", "no", "nope", "nah", "n", "niet", "niks", "niets", "not", "nog", "geen", "never", "nooit",
    "still", "broken", "kapot", "isn", "wasn", "aren", "hasn", "hasnt", "isnt", "didn", "didnt", "nothing",
)}
# Symbols that may stand beside a YES; any other emoji or symbol makes a YES unclear ("ja 👎").
FRIENDLY_SYMBOLS = set("👍👌✅🙂😊🙏") | {chr(c) for c in range(0x1F3FB, 0x1F400)} | {"\ufe0f", "\u200d"}
COURTESY = {squeeze(w) for w in (
    "dank", "danku", "dankjewel", "bedankt", "je", "thanks", "thank", "you", "u", "wel", "hoor", "het", "is",
    "it", "helemaal", "top", "prima", "super", "great", "ok", "oke", "okay", "fijn",
)}


@dataclass(frozen=True)
class Reading:
    verdict: str  # yes, no or unclear
    reason: str


def words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [squeeze(w) for w in re.findall(r"[a-z]+", letters)]


def interpret(text: str) -> Reading:
    tokens = words(text)
    if not tokens:
        return Reading("unclear", "no words")
    negative = [t for t in tokens if t in NO]
    if negative:
        return Reading("no", f"no-word {negative[0]!r}")
    if any(t in YES for t in tokens) and all(t in YES or t in COURTESY for t in tokens):
        if _unexplained_symbols(text):
            return Reading("unclear", "a yes with a symbol we cannot read")
        return Reading("yes", "only yes-words and courtesies")
    return Reading("unclear", "not a plain yes or no")


def _unexplained_symbols(text: str) -> bool:
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in "LMNPZ" or category == "Cf" or ch in FRIENDLY_SYMBOLS or ch in "\n\r\t":
            continue
        return True
    return False
