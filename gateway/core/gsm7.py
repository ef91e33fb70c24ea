"""GSM-7 character set and SMS segment counting.

One character outside GSM-7 (a curly quote, a non-breaking space) switches the whole
text to UCS-2, which cuts a segment from 160 to 70 characters and can double the cost.
"""

BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# These take two septets: an escape and the character.
EXTENDED = set("^{}\\[~]|€\f")

# Look-alikes that word processors and phones put into templates.
REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
}


def is_gsm7(text: str) -> bool:
    return all(ch in BASIC or ch in EXTENDED for ch in text)


def to_gsm7(text: str) -> str:
    """Replace typographic look-alikes with their GSM-7 equivalents."""
    return "".join(REPLACEMENTS.get(ch, ch) for ch in text)


def segments(text: str) -> int:
    """How many SMS segments a text costs."""
    if is_gsm7(text):
        septets = sum(2 if ch in EXTENDED else 1 for ch in text)
        return 1 if septets <= 160 else -(-septets // 153)
    # UCS-2 counts UTF-16 code units: an emoji takes two.
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)
