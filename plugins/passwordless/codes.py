"""The secrets of a passwordless login and how they derive from one another (contract,
passwordless §2), with upstream's exact encodings so codes interoperate with its SDKs.

A device secret (``deviceId``) and a per-device salt give, for every short code the user
types, the link code of the magic link: HMAC-SHA256 keyed with secret ‖ salt over the
typed code. Only hashes are stored: the device by SHA-256 of its secret, a code by
SHA-256 of its link code. So typing the code and clicking the link find the same row,
and nothing stored lets anyone compute either.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass

from core_app.plugin_api import BadRequest

SECRET_BYTES = 32
USER_INPUT_CODE_LENGTH = 6
_STANDARD = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_URL_SAFE = re.compile(r"[A-Za-z0-9_-]*={0,2}")


def _decode(value: str, url_safe: bool, source: str) -> bytes:
    """Base64 with padding optional, as Java's decoders read it; anything else is a 400."""
    if not (_URL_SAFE if url_safe else _STANDARD).fullmatch(value):
        raise BadRequest(f"Input encoding error in {source}")
    unpadded = value.rstrip("=")
    if len(unpadded) % 4 == 1:
        raise BadRequest(f"Input encoding error in {source}")
    padded = unpadded + "=" * (-len(unpadded) % 4)
    try:
        if url_safe:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"Input encoding error in {source}") from None


def _url_safe_unpadded(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def new_user_input_code() -> str:
    """Six uniformly random digits from the CSPRNG."""
    return "".join(secrets.choice(string.digits) for _ in range(USER_INPUT_CODE_LENGTH))


@dataclass(frozen=True)
class DeviceSecret:
    """A device's secret (``deviceId`` on the wire), as bytes."""

    raw: bytes

    @classmethod
    def generate(cls) -> "DeviceSecret":
        return cls(secrets.token_bytes(SECRET_BYTES))

    @classmethod
    def decode(cls, device_id: str) -> "DeviceSecret":
        """Read a ``deviceId`` from a request (standard base64)."""
        return cls(_decode(device_id, url_safe=False, source="deviceId"))

    def encode(self) -> str:
        """Standard base64 with padding (44 characters)."""
        return base64.b64encode(self.raw).decode("ascii")

    def hash(self) -> str:
        """The device's public id, ``preAuthSessionId``: SHA-256, URL-safe, unpadded."""
        return _url_safe_unpadded(hashlib.sha256(self.raw).digest())

    def link_code(self, salt: str, user_input_code: str) -> "LinkCode":
        """The link code of a typed code on this device."""
        key = self.raw + base64.b64decode(salt)
        return LinkCode(hmac.new(key, user_input_code.encode("utf-8"), hashlib.sha256).digest())


def new_salt() -> str:
    """A device's link-code salt: 32 random bytes, standard base64 with padding."""
    return base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


@dataclass(frozen=True)
class LinkCode:
    """The secret of a magic link, as bytes."""

    raw: bytes

    @classmethod
    def decode(cls, link_code: str) -> "LinkCode":
        """Read a ``linkCode`` from a request (URL-safe base64)."""
        return cls(_decode(link_code, url_safe=True, source="linkCode"))

    def encode(self) -> str:
        """URL-safe base64 without padding (43 characters)."""
        return _url_safe_unpadded(self.raw)

    def hash(self) -> str:
        """What is stored for a code: SHA-256 of the link code, URL-safe base64 padded."""
        return base64.urlsafe_b64encode(hashlib.sha256(self.raw).digest()).decode("ascii")
