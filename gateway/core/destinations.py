"""Which numbers the gateway texts and calls: the numbers a municipality's residents and crews have.

A resident's number reaches us from a public web form, so anyone can type any number
there. Texting or calling a premium-rate or satellite number costs the municipality and
pays whoever owns it, so such numbers are refused at the API (gateway/core/schemas.py) and
again at send time (gateway/core/recipients.py), whatever ALLOWED_REGIONS says.
"""

from __future__ import annotations

from collections.abc import Collection

import phonenumbers
from phonenumbers import PhoneNumberType as Type

# Lines a person answers. VOIP is for geographic home lines such as Dutch 085; those get
# calls, not texts (gateway/core/phones.py). Non-geographic VOIP (+882, +883) is refused below.
ALLOWED_TYPES = {Type.MOBILE, Type.FIXED_LINE, Type.FIXED_LINE_OR_MOBILE, Type.VOIP}

_REFUSED_TYPES = {
    Type.PREMIUM_RATE: "is a premium-rate number",
    Type.SHARED_COST: "is a shared-cost number",
    Type.TOLL_FREE: "is a toll-free number",
    Type.UAN: "is a company number (UAN), not a personal line",
    Type.PERSONAL_NUMBER: "is a personal (follow-me) number",
    Type.PAGER: "is a pager number",
    Type.VOICEMAIL: "is a voicemail access number",
}

# Dutch 097 numbers are for machine-to-machine traffic (our own proxy numbers among them);
# phonenumbers calls them MOBILE, so the type alone would let them through.
_DUTCH_M2M_PREFIX = "97"


def refusal(number: str, allowed_regions: Collection[str], own_numbers: Collection[str]) -> str | None:
    """None if the gateway may text or call `number` (E.164), else why not, in words an
    integrator understands ("is a premium-rate number"). The reason never repeats the number."""
    if number in own_numbers:
        return "is one of the gateway's own numbers"
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return "is not a phone number"
    if not phonenumbers.is_valid_number(parsed):
        if phonenumbers.is_valid_short_number(parsed):
            return "is a short code, not a phone number"
        return "is not a valid phone number"
    region = phonenumbers.region_code_for_number(parsed)
    if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
        return "is a satellite or other non-geographic number"
    if region == "NL" and phonenumbers.national_significant_number(parsed).startswith(_DUTCH_M2M_PREFIX):
        return "is a Dutch 097 machine-to-machine number"
    kind = phonenumbers.number_type(parsed)
    if kind in _REFUSED_TYPES:
        return _REFUSED_TYPES[kind]
    if kind not in ALLOWED_TYPES:
        return "is not a mobile or fixed-line number"
    if region not in allowed_regions:
        return f"is in {region}, outside ALLOWED_REGIONS ({','.join(allowed_regions)})"
    return None
