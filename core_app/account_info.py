"""How emails and phone numbers are normalised before they are stored or looked up.

One place for every recipe and the host (contract, users §1, emailpassword §2.1), so a
value written by one recipe is found by another with plain equality.
"""

from __future__ import annotations

import phonenumbers


def normalise_email(email: str) -> str:
    """Trim and lower-case the whole address; the core never checks its syntax."""
    return email.strip().lower()


def normalise_phone_number(phone_number: str) -> str:
    """E.164 when the number parses with its ``+`` country code, else only trimmed.

    Region "ZZ" (unknown) as upstream: a number without a country code does not parse.
    """
    trimmed = phone_number.strip()
    try:
        parsed = phonenumbers.parse(trimmed, "ZZ")
    except phonenumbers.NumberParseException:
        return trimmed
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
