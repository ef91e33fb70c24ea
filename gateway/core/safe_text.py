"""What may go into TwiML and texts: the one cleaning step at the boundary.

XML 1.0 forbids control characters other than tab, newline and carriage return, lone
surrogates, and U+FFFE/U+FFFF; a single one makes Twilio's TwiML parser fail and the
resident hears "an application error has occurred". The other Unicode noncharacters
(U+FDD0-U+FDEF, U+nFFFE/U+nFFFF in every plane) are allowed by XML but are never text:
we drop them too. DEL and the C1 controls are discouraged by XML and unprintable on a phone.
"""

from __future__ import annotations

import re

# Controls become a space, so words a control character stood between stay apart.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17)
)
_NOT_TEXT = re.compile(f"[\ud800-\udfff{_NONCHARACTERS}]")


def clean(text: str) -> str:
    """`text` with nothing XML 1.0 or a phone cannot carry: controls become spaces, the rest goes."""
    return _NOT_TEXT.sub("", _CONTROLS.sub(" ", text))


def unsafe_character(text: str) -> str | None:
    """A character clean() would change, described for an integrator (U+FFFF ...); None if there is none."""
    for match in (_CONTROLS.search(text), _NOT_TEXT.search(text)):
        if match:
            code = ord(match.group())
            kind = (
                "a control character"
                if match.re is _CONTROLS
                else "a lone surrogate"
                if 0xD800 <= code <= 0xDFFF
                else "a Unicode noncharacter"
            )
            return f"U+{code:04X} ({kind})"
    return None
