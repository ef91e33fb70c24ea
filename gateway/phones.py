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


# Anything that looks like a phone number inside free text, such as a provider's error message.
_NUMBER_IN_TEXT = re.compile(r"\+?\d[\d \-]{6,}\d")


def mask_numbers_in(text: str) -> str:
    def masked(match: re.Match) -> str:
        digits = re.sub(r"[ \-]", "", match.group())
        return mask(digits) if sum(ch.isdigit() for ch in digits) >= 9 else match.group()
    return _NUMBER_IN_TEXT.sub(masked, text)


# Numbers that take calls but not texts. FIXED_LINE_OR_MOBILE (where a country's plan
# cannot tell) is texted: a failed text still falls back to a call (flows/reach.py).
# Other kinds are not texted or called at all (gateway/destinations.py).
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


def spoken(number: str) -> str:
    """'030 286 0000' to '0 3 0, 2 8 6, 0 0 0 0': a speech engine reads digits, not a large number."""
    groups = re.findall(r"\+?\d+", number)
    return ", ".join(" ".join(group) for group in groups)
