"""Personal identifiers (D-41): encrypted at rest, keyed hashes in the ledger.

The same vault also keeps other secrets at rest (webhook signing secrets).

ID-card numbers, phone numbers and home addresses are encrypted with AES-GCM under a key
that lives in the instance folder (or ``JIXIAO_PII_KEY``), never in the database. The
ledger only ever holds an HMAC-SHA256 of each identifier under a key derived from the
same secret, so an entry can prove "this is the person with that ID number" to someone
who has the number, without publishing it. As a last guard, the ledger refuses any body
that contains something shaped like a valid resident ID-card number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PII_FIELDS = ("id_card", "phone", "address")
_ID_CARD = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class PersonalDataError(ValueError):
    """Personal data where it must not go (a ledger body, an export)."""


def is_id_card(number: str) -> bool:
    """GB 11643 resident ID number with a valid check digit and a plausible birth date."""
    if not re.fullmatch(r"\d{17}[\dXx]", number):
        return False
    month, day = int(number[10:12]), int(number[12:14])
    if not (1 <= month <= 12 and 1 <= day <= 31 and number[6:8] in ("18", "19", "20")):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def find_id_cards(text: str) -> list[str]:
    return [m for m in _ID_CARD.findall(text) if is_id_card(m)]


def mask(value: str) -> str:
    """Keep the first and last few characters: enough to recognise, not to reuse."""
    if len(value) <= 4:
        return "*" * len(value)
    keep = 4 if len(value) >= 11 else 1
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def normalise(field: str, value: str) -> str:
    value = value.strip()
    if field == "id_card":
        return value.upper()
    if field == "phone":
        return re.sub(r"[\s-]", "", value)
    return re.sub(r"\s+", " ", value)


class Vault:
    """Encrypts identifiers and computes their keyed hashes from one 32-byte secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32:
            raise ValueError("the personal-data key must be 32 bytes")
        self._enc = self._derive(secret, b"jixiao pii encryption")
        self._mac = self._derive(secret, b"jixiao pii keyed hash")

    @staticmethod
    def _derive(secret: bytes, info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)

    @classmethod
    def from_instance(cls, instance: str | Path) -> Vault:
        """``JIXIAO_PII_KEY`` (base64) or ``<instance>/secrets/pii.key``, created if absent."""
        env = os.environ.get("JIXIAO_PII_KEY")
        if env:
            return cls(base64.b64decode(env))
        path = Path(instance) / "secrets" / "pii.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(base64.b64encode(os.urandom(32)).decode() + "\n")
        return cls(base64.b64decode(path.read_text().strip()))

    def digest(self, field: str, value: str) -> str:
        message = f"{field}:{normalise(field, value)}".encode()
        return "hmac-sha256:" + hmac.new(self._mac, message, hashlib.sha256).hexdigest()

    def seal(self, secrets: dict[str, str], purpose: bytes = b"jixiao-person") -> bytes:
        """Encrypt; ``purpose`` is bound in as associated data, so a ciphertext sealed for
        one purpose (a person's identifiers) cannot be passed off as another (a secret)."""
        nonce = os.urandom(12)
        plain = json.dumps(secrets, ensure_ascii=False, sort_keys=True).encode()
        return nonce + AESGCM(self._enc).encrypt(nonce, plain, purpose)

    def open(self, blob: bytes, purpose: bytes = b"jixiao-person") -> dict[str, str]:
        plain = AESGCM(self._enc).decrypt(blob[:12], blob[12:], purpose)
        return json.loads(plain)
