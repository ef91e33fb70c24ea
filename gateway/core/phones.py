"""Phone numbers: normalising to E.164, and masking them for logs and APIs."""

from __future__ import annotations

import re

import phonenumbers

MAX_INPUT_LENGTH = 40


class InvalidPhoneNumber(ValueError):
    pass


def normalise(raw: object, region: str) -> str:
    """'06 12345678' or '+31 6 1234 5678' to '+31612345678'; InvalidPhoneNumber otherwise."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPhoneNumber("expected a phone number as text")
    if len(raw) > MAX_INPUT_LENGTH:
        raise InvalidPhoneNumber("is too long to be a phone number")
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber("is not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        if phonenumbers.is_valid_short_number(parsed):
            raise InvalidPhoneNumber("is a short code, not a phone number")
        raise InvalidPhoneNumber("is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask(number: str | None) -> str:
    """'+31612345678' to '+316****5678': enough to tell numbers apart, not to call one."""
    if not number:
        return "-"
    if len(number) <= 8:
        return number[:2] + "*" * (len(number) - 2)
    return number[:4] + "****" + number[-4:]


# Anything shaped like a phone number inside free text (a crew text, a callback body, a
# provider's error, a URL): E.164, URL-encoded (%2B316...), international 0031..., or national
# 06-12345678, 06 12 34 56 78, 0612345678, +31 (0)6 ... Only what starts with +, %2B or 0, so
# that dates, durations and ids stay readable; nothing glued to a letter or digit either side.
_NUMBER_IN_TEXT = re.compile(r"(?<![\w%+])(?:\+|%2[Bb])?\d(?:[ \-()/]{0,3}\d){7,16}(?!\w)")


def mask_numbers_in(text: str, public: frozenset[str] = frozenset(), region_code: str = "31") -> str:
    """Mask every phone number in `text` as `mask` does, whatever its format; `public` E.164
    numbers (our own proxy numbers) stay readable."""

    def masked(match: re.Match) -> str:
        found = match.group()
        international = found.startswith(("+", "%2B", "%2b"))
        digits = re.sub(r"\D", "", found.replace("(0)", "").removeprefix("%2B").removeprefix("%2b"))
        if not (international or digits.startswith("0")) or len(digits) < 9:
            return found
        if international:
            e164 = "+" + digits
        elif digits.startswith("00"):
            e164 = "+" + digits[2:]
        else:
            e164 = "+" + region_code + digits[1:]
        return found if e164 in public else mask(e164)

    return _NUMBER_IN_TEXT.sub(masked, text)


# Numbers that take calls but not texts. FIXED_LINE_OR_MOBILE (where a country's plan
# cannot tell) is texted: a failed text still falls back to a call (flows/reach.py).
# Other kinds are not texted or called at all (gateway/core/destinations.py).
_VOICE_ONLY = {
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.VOIP,
}


def is_landline(number: str) -> bool:
    """True for an E.164 number that cannot receive texts, such as +31201234567."""
    try:
        return phonenumbers.number_type(phonenumbers.parse(number, None)) in _VOICE_ONLY
    except phonenumbers.NumberParseException:
        return False


def readable(number: str) -> str:
    """'+31612345678' to '+31 6 12345678': a number as a person writes and dials it."""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(number, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return number


def spoken(number: str) -> str:
    """'030 286 0000' to '0 3 0, 2 8 6, 0 0 0 0': a speech engine reads digits, not a large number."""
    groups = re.findall(r"\+?\d+", number)
    return ", ".join(" ".join(group) for group in groups)
