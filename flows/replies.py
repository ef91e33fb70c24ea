"""Reading a resident's answer to "is it fixed?" the way a careful clerk would.

A wrong YES leaves a hazard in the street, so the reading errs towards NO or unclear:
1. the whole message is a carrier keyword (STOP, START): opt-out or opt-in, never an answer;
   a phone's automatic reply (Driving Focus, out-of-office): auto_reply, never an answer;
2. she says the problem is still there or the work was wrong ("het gat zit er nog"): NO,
   even beside a yes-word;
3. she does not know, or has not looked: unclear;
4. she denies the fix ("niet opgelost", "not yet"): NO;
5. yes-words and no-words together ("ja nee"): unclear; a no-word alone: NO;
6. a yes-word with nothing that doubts it (no question mark, no "maar", no symbol we
   cannot read): YES. Anything else is unclear and gets one re-ask.
The words live in flows/reply_words.py; tests/reply_table.py holds the replies we test.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from flows import reply_words as W


@dataclass(frozen=True)
class Reading:
    verdict: str  # yes, no, unclear, opt_out, opt_in or auto_reply
    reason: str


# Emoji modifiers that change a symbol's look, not its meaning.
_MODIFIERS = {chr(c) for c in range(0x1F3FB, 0x1F400)} | {"\ufe0e", "\ufe0f", "\u200d", "\u20e3"}


def squeeze(word: str) -> str:
    """'jaaa' -> 'ja', 'neee' -> 'ne': people stretch words; compare stretched forms."""
    return re.sub(r"(.)\1+", r"\1", word)


# Letters that no accent-stripping reaches: Turkish dotless i, Polish l with a stroke; Arabic's
# many ways to write one letter, its tatweel (a stretch, not a letter) and its digits.
_FOLD = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "ـ": None,
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)
# Latin and Cyrillic letters that look alike, for a word typed half on each keyboard: "Тak" and
# "нi" are read as Cyrillic, "Evеt" (with a Cyrillic е) as Latin: by the script of its first letter.
_LATIN_LOOKS, _CYRILLIC_LOOKS = "aceiopxykhtmb", "асеіорхукнтмв"
_TO_CYRILLIC = str.maketrans(_LATIN_LOOKS, _CYRILLIC_LOOKS)
_TO_LATIN = str.maketrans(_CYRILLIC_LOOKS + "и", _LATIN_LOOKS + "i")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")


def fold(text: str) -> str:
    """Lower case, no accents or diacritics, one spelling per letter: how words are compared."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch) and ch not in _MODIFIERS).translate(_FOLD)


def _word(raw: str) -> str:
    return squeeze(_one_script(raw))


def _one_script(raw: str) -> str:
    if _CYRILLIC.search(raw) and _LATIN.search(raw):
        return raw.translate(_TO_CYRILLIC if _CYRILLIC.match(raw) else _TO_LATIN)
    return raw


def _squeezed(words: Iterable[str]) -> set[str]:
    return {_word(fold(w)) for w in words}


def _phrases(phrases: Iterable[Iterable[str]]) -> list[tuple[str, ...]]:
    return sorted((tuple(_word(fold(w)) for w in p) for p in phrases), key=len, reverse=True)


YES, NO, NEGATORS = _squeezed(W.YES | W.APPROVAL_WORDS), _squeezed(W.NO), _squeezed(W.NEGATORS)
PROBLEM_WORDS, DOUBT_WORDS, BUT = _squeezed(W.PROBLEM_WORDS), _squeezed(W.DOUBT_WORDS), _squeezed(W.BUT)
SIGN_OFFS, NOT_DOUBT_AFTER = _squeezed(W.SIGN_OFFS), _squeezed(W.NOT_DOUBT_AFTER)
CONJUNCTIONS = _squeezed(W.CONJUNCTIONS)
# Compared as written, not squeezed: Turkish "ne" (what) is not Dutch "nee" (no), though both squeeze to "ne".
NOT_ANSWERS = {fold(word): languages for word, languages in W.NOT_ANSWERS.items()}
FALSE_FRIENDS = {_word(fold(word)): languages for word, languages in W.FALSE_FRIENDS.items()}
SINGLE_LETTERS = {letter: _word(fold(word)) for letter, word in W.SINGLE_LETTERS.items()}
PHRASES = (
    [(p, "courtesy") for p in _phrases(W.COURTESY_PHRASES)]
    + [(p, "approval") for p in _phrases(W.APPROVAL_PHRASES)]
    + [(p, "doubt") for p in _phrases(W.DOUBT_PHRASES)]
    + [(p, "problem") for p in _phrases(W.PROBLEM_PHRASES)]
    + [(p, "caution") for p in _phrases(W.CAUTION_PHRASES)]
)
PHRASES.sort(key=lambda item: len(item[0]), reverse=True)
AUTO_REPLY_PHRASES = sorted(
    ((p, kind) for kind, phrases in W.AUTO_REPLY_PHRASES.items() for p in _phrases(phrases)),
    key=lambda item: len(item[0]),
    reverse=True,
)


_SIGNATURE_LINE = re.compile(
    r"^(sent from my|sent with|get outlook for|verstuurd (vanaf|met|via) mijn|verzonden (vanaf|met|via) mijn)\b.*$",
    re.IGNORECASE,
)
_REACTION = re.compile(
    r"^(?P<verb>liked|loved|disliked|emphasi[sz]ed|laughed at|questioned|removed an? \w+ from|vond|houdt van|"
    r'benadrukte|lachte om|reacted (?P<emoji>\S+) to)\s*"(?P<quote>.*)"\s*(?P<tail>leuk|niet leuk)?\s*\.?$',
    re.IGNORECASE | re.DOTALL,
)
_POSITIVE_REACTIONS = {"liked", "loved", "houdt van"}
_NEGATIVE_REACTIONS = {"disliked"}


def interpret(text: str, language: str | None = None) -> Reading:
    """Decide what a whole message says: yes, no, unclear, opt_out or opt_in, with a reason.

    Every language's words count whatever the case's `language`; that only decides whether a
    false friend ("tak", "he", "la") is an answer beyond the first word."""
    text = clean(text)
    keyword = carrier_keyword(text)
    if keyword:
        return Reading(keyword, "a carrier keyword")
    kind = automatic_reply(text)
    if kind:
        return Reading("auto_reply", f"a phone's automatic reply ({kind})")
    reaction = _read_reaction(text)
    if reaction:
        return reaction
    return _read_words(_without_signature(text), language)


# Every control character but tab and newline: in ASCII text the only ones `clean` removes.
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(text: str) -> str:
    """Full-width to plain letters, curly to straight quotes, no control or direction marks."""
    if text.isascii():
        # Most replies, and nothing in them to normalise or translate: skip the per-letter look-up.
        return _ASCII_CONTROL.sub("", text).strip()
    text = unicodedata.normalize("NFKC", text)
    text = text.translate({0x201C: '"', 0x201D: '"', 0x201E: '"', 0x2018: "'", 0x2019: "'", 0x00A0: " "})
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf")).strip()


def carrier_keyword(text: str) -> str | None:
    """'opt_out' or 'opt_in' when the whole message is STOP, START or one of their kin."""
    word = keyword_form(text)
    if word in W.CARRIER_OPT_OUT:
        return "opt_out"
    if word in W.CARRIER_OPT_IN:
        return "opt_in"
    return None


def automatic_reply(text: str) -> str | None:
    """The kind of automatic reply a message is ('driving', 'out_of_office', ...), or None."""
    words = tokens(clean(text))
    # The phrases in their order (longest first), but only those whose first word occurs:
    # every text is read for this, and most hold none of them.
    present = set(words)
    for phrase, kind in AUTO_REPLY_PHRASES:
        if phrase[0] in present and any(
            tuple(words[i : i + len(phrase)]) == phrase for i in range(len(words) - len(phrase) + 1)
        ):
            return kind
    return None


def same_words(one: str, other: str) -> bool:
    """The same message, whatever its spacing, case or punctuation (not squeezed: 11 is not 1)."""
    return _plain_words(one) == _plain_words(other)


def among(text: str, others: Iterable[str]) -> bool:
    """Whether any of `others` has the same words as `text` (same_words, `text` read once)."""
    mine = _plain_words(text)
    return any(mine == _plain_words(other) for other in others)


def _plain_words(text: str) -> list[str]:
    return re.sub(r"[\W_]+", " ", clean(text)).casefold().split()


def keyword_form(text: str) -> str:
    """'  Stop!! ' -> 'stop': the message as one word, to compare with the carrier keywords."""
    return re.sub(r"[\W_]+", "", clean(text)).casefold()


def _read_reaction(text: str) -> Reading | None:
    """A phone's tap-back quotes the question, JA and NEE included: judge the reaction, not the quote."""
    match = _REACTION.match(text)
    if not match:
        return None
    verb, tail = match.group("verb").casefold(), (match.group("tail") or "").casefold()
    emoji = "".join(ch for ch in match.group("emoji") or "" if ch not in _MODIFIERS)
    quoted = set(tokens(match.group("quote")))
    if not (quoted & YES and quoted & NO):
        return Reading("unclear", "a reaction to another message than the question")
    if verb in _NEGATIVE_REACTIONS or tail == "niet leuk" or emoji in W.NO_SYMBOLS:
        return Reading("no", f"a negative reaction ({match.group('verb')}) to the question")
    if verb in _POSITIVE_REACTIONS or tail == "leuk" or emoji in W.YES_SYMBOLS or emoji in {"❤", "♥"}:
        return Reading("yes", f"a positive reaction ({match.group('verb')}) to the question")
    return Reading("unclear", f"a reaction ({match.group('verb')}) that does not answer")


def _without_signature(text: str) -> str:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "--" or _SIGNATURE_LINE.match(line.strip()):
            return "\n".join(lines[:i])
    return text


def tokens(text: str, squeezed: bool = True) -> list[str]:
    """Words (folded, squeezed, without apostrophes) and symbols, in order, in any script.

    With `squeezed=False` the words keep their stretched letters ("neee"), one for one."""
    folded = re.sub(r"(?<=\w)['`](?=\w)", "", fold(text))  # isn't -> isnt, sms'en -> smsen, мар`яна
    found = []
    for word, symbol in re.findall(r"([^\W_]+)|([^\w\s])", folded):
        if word:
            found.append(_word(word) if squeezed else _one_script(word))
        elif unicodedata.category(symbol)[0] == "S":
            found.append(symbol)
    return found


def _read_words(text: str, language: str | None) -> Reading:
    written = tokens(text, squeezed=False)
    words = _single_letter(_unfriend(_drop_sign_off([squeeze(w) for w in written]), written, language))
    if not words:
        return Reading("unclear", "no words")
    found = _phrases_in(words)
    rest = found.pop("rest")
    if found["problem"] or any(w in PROBLEM_WORDS for w in rest):
        return Reading("no", "says the problem is still there or the work was wrong")
    if found["doubt"] or any(w in DOUBT_WORDS for w in rest):
        return Reading("unclear", "she does not know or has not looked")
    yes = [w for w in rest if w in YES or w in W.YES_SYMBOLS] + [" ".join(p) for p in found["approval"]]
    no = [w for w in rest if w in NO or w in W.NO_SYMBOLS]
    # "Tak i nie", "نعم لا": only answer words, both ways. Polish "nie" is "no" and "not" at once.
    only_answers = all(w in YES or w in NO or w in CONJUNCTIONS or not w.isalnum() for w in rest)
    # ... unless a no-word denies a yes-word: "nie naprawione" (not repaired).
    negated_yes = any(w in NEGATORS and after in YES for w, after in zip(rest, rest[1:], strict=False))
    if any(w in NEGATORS for w in rest) and not (yes and no and only_answers and not negated_yes):
        return Reading("no", "denies the fix")
    if yes and no:
        return Reading("unclear", f"yes ({yes[0]}) and no ({no[0]}) together")
    if no:
        return Reading("no", f"no-word {no[0]!r}")
    if not yes:
        return Reading("unclear", "no yes or no in it")
    if "?" in text or "؟" in text:
        return Reading("unclear", "a yes that asks a question")
    if found["caution"] or any(w in BUT for w in rest):
        return Reading("unclear", "a yes with a 'but'")
    # Markup (<, >) or an angry or doubting face beside a yes: better to ask again.
    unreadable = [w for w in rest if not w.isalnum() and w not in W.YES_SYMBOLS and w not in W.FRIENDLY_SYMBOLS]
    if unreadable:
        return Reading("unclear", f"a yes with a symbol we cannot read ({unreadable[0]})")
    return Reading("yes", f"yes-word {yes[0]!r} and nothing against it")


def _unfriend(words: list[str], written: list[str], language: str | None) -> list[str]:
    """A false friend after the first word, outside its languages, is an ordinary word ("een tak");
    so is a word that is never an answer in the case's language (Turkish "ne": what).

    It is written in capitals, which no folded word is, so that no list or phrase matches it."""
    return [
        w.upper()
        if (i and w in FALSE_FRIENDS and language not in FALSE_FRIENDS[w])
        or language in NOT_ANSWERS.get(written[i], ())
        else w
        for i, w in enumerate(words)
    ]


def _single_letter(words: list[str]) -> list[str]:
    """'J', 'y.' or 'N!' as the whole answer is that answer; a letter inside a sentence is not."""
    letters = [w for w in words if w.isalnum()]
    if len(letters) == 1 and letters[0] in SINGLE_LETTERS:
        return [SINGLE_LETTERS[w] if w == letters[0] else w for w in words]
    return words


def _drop_sign_off(words: list[str]) -> list[str]:
    """'... groeten, Anna' or 'Nee. Groetjes van Piet en Els': the closing word and up to four words after it."""
    for i in range(len(words) - 1, max(-1, len(words) - 7), -1):
        if words[i] in SIGN_OFFS and len(words) - i - 1 <= 4:
            start = i - 2 if words[i] == "groet" and words[i - 2 : i] == ["met", "vriendelijke"] else i
            return words[:start]
    return words


def _phrases_in(words: list[str]) -> dict[str, list]:
    """Mark known phrases (longest first); what remains is returned as 'rest'."""
    found: dict[str, list] = {"courtesy": [], "approval": [], "doubt": [], "problem": [], "caution": [], "rest": []}
    i = 0
    while i < len(words):
        for phrase, kind in PHRASES:
            if tuple(words[i : i + len(phrase)]) == phrase and not _doubt_about_something_else(kind, words, i, phrase):
                found[kind].append(phrase)
                i += len(phrase)
                break
        else:
            found["rest"].append(words[i])
            i += 1
    return found


def _doubt_about_something_else(kind: str, words: list[str], i: int, phrase: tuple[str, ...]) -> bool:
    # "ik weet niet wie dit stuurt": she does not know who wrote, not whether it is fixed.
    after = words[i + len(phrase) : i + len(phrase) + 1]
    return kind == "doubt" and phrase[0] == squeeze("weet") and bool(after) and after[0] in NOT_DOUBT_AFTER
