"""A text longer than Twilio takes goes out as numbered parts: "(1/3) ...", "(2/3) ...".

Twilio refuses a body over 1,600 characters (error 21617): a long description would
never reach the crew. Parts are cut after a space or line end where there is one in
the second half of a part, else mid-word (a 2,000-character "word" must still arrive);
the space stays with the part before it, so the parts joined give the text back exactly.
"""

from __future__ import annotations

# Twilio refuses a text over 1,600 characters (error 21617).
MAX_TEXT_CHARACTERS = 1600


def length(text: str) -> int:
    """Characters as Twilio may count them: UTF-16 code units, so an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2


def split(text: str, limit: int = MAX_TEXT_CHARACTERS) -> list[str]:
    """`text` as one text if it fits, else as numbered parts that each fit."""
    if length(text) <= limit:
        return [text]
    total = 2
    while True:
        # The label's width depends on how many parts there are: count again until it holds.
        pieces = _cut(text, limit - length(_label(total, total)))
        if len(pieces) <= total:
            return [_label(index, len(pieces)) + piece for index, piece in enumerate(pieces, 1)]
        total = len(pieces)


def _label(index: int, total: int) -> str:
    return f"({index}/{total}) "


def _cut(text: str, room: int) -> list[str]:
    pieces = []
    while length(text) > room:
        end = _fitting(text, room)
        space = max(text.rfind(" ", 0, end), text.rfind("\n", 0, end))
        cut = space + 1 if space >= end // 2 else end
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text]


def _fitting(text: str, room: int) -> int:
    """How many characters from the start of `text` fit in `room` code units."""
    used = 0
    for index, character in enumerate(text):
        used += 2 if ord(character) > 0xFFFF else 1
        if used > room:
            return index
    return len(text)
