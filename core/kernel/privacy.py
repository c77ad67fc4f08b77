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
import unicodedata
from pathlib import Path

PII_FIELDS = ("id_card", "phone", "address")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

# A run of digits, possibly split by single spaces, hyphens or invisible characters, not
# glued to letters or digits on either side (so hex digests and codes never match), with
# an optional final X for the ID-card check digit. Text is NFKC-normalised first, so
# full-width digits typed in a Chinese IME count as digits.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9](?:[ \-]?[0-9]){10,}(?:[ \-]?[Xx])?(?![0-9A-Za-z])")
# Cheap first test, run on every recorded string: eleven digits close together.
_MAYBE = re.compile(r"[0-9\uff10-\uff19](?:[^0-9A-Za-z\uff10-\uff19]{0,2}[0-9\uff10-\uff19]){10}")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


class PersonalDataError(ValueError):
    """Personal data where it must not go (a ledger body, an export)."""


def _valid_date(yyyymmdd: str) -> bool:
    month, day = int(yyyymmdd[4:6]), int(yyyymmdd[6:8])
    return 1 <= month <= 12 and 1 <= day <= 31


def is_id_card(number: str) -> bool:
    """GB 11643 resident ID number: 18 characters with a valid check digit and a
    plausible birth date, or the old 15-digit form (no check digit, YYMMDD)."""
    if re.fullmatch(r"[0-9]{15}", number):
        return _valid_date("19" + number[6:12])
    if not re.fullmatch(r"[0-9]{17}[0-9Xx]", number):
        return False
    if number[6:8] not in ("18", "19", "20") or not _valid_date(number[6:14]):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == number[17].upper()


def is_mobile(number: str) -> bool:
    """A mainland mobile number: 11 digits starting 13–19, optionally after 86."""
    if len(number) == 13 and number.startswith("86"):
        number = number[2:]
    return len(number) == 11 and number[0] == "1" and number[1] in "3456789"


KINDS_ZH = {"resident ID-card number": "身份证号", "mobile phone number": "手机号"}
"""The kinds :func:`find_personal_data` names, as refusals name them in Chinese."""


def find_personal_data(text: str, *, values: bool = True) -> list[str]:
    """What in ``text`` looks like a resident ID-card or mainland mobile number
    ("resident ID-card number", "mobile phone number"), however it was typed: full-width, split by
    spaces, hyphens or zero-width characters, 15 or 18 digits, check digit x or X.

    A string that is nothing but a plain decimal number may be a *value* (a revenue
    figure of 13,000,000,000 yuan looks like a mobile number): only the 18-character ID
    form is refused there, since no honest value has a valid check digit and birth date.
    ``values=False`` is for text a person wrote (a name, a note, a reason): there a bare
    number is no value, and a mobile number or an old 15-digit ID number typed on its
    own is as personal as one inside a sentence.
    """
    if _MAYBE.search(text) is None:
        return []
    if values and _PLAIN_NUMBER.fullmatch(text):
        return ["resident ID-card number"] if len(text) == 18 and is_id_card(text) else []
    normal = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    found = []
    for match in _RUN.finditer(normal):
        digits = re.sub(r"[ \-]", "", match.group())
        if len(digits) in (15, 18) and is_id_card(digits):
            found.append("resident ID-card number")
        elif digits.isdigit() and is_mobile(digits):
            found.append("mobile phone number")
    return found


def find_id_cards(text: str) -> list[str]:
    """Kept for callers that only care about ID cards."""
    return [kind for kind in find_personal_data(text) if kind == "resident ID-card number"]


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
        from cryptography.hazmat.primitives import hashes  # only when the vault is used
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

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
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return nonce + AESGCM(self._enc).encrypt(nonce, plain, purpose)

    def open(self, blob: bytes, purpose: bytes = b"jixiao-person") -> dict[str, str]:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        plain = AESGCM(self._enc).decrypt(blob[:12], blob[12:], purpose)
        return json.loads(plain)
