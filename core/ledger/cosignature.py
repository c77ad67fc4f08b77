"""C2SP tlog-cosignature v1: a witness's timestamped Ed25519 signature on a checkpoint.

A cosignature is a note signature line whose payload is

    key ID (4) ‖ timestamp (u64, big-endian seconds since the epoch) ‖ Ed25519 signature (64)

with key ID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte public key)[:4], over the message

    "cosignature/v1\\n" ‖ "time " ‖ decimal timestamp ‖ "\\n" ‖ checkpoint note text

The header line separates it from the log's own signatures (type 0x01) even with the same
key; the timestamp tells a client how fresh the witness's view was. Verifier keys are the
usual ``name+hexid+base64(0x04 ‖ key)``. The classes below satisfy the
:class:`~core.ledger.notekeys.NoteVerifier` / ``NoteSigner`` protocols, so cosignatures
are checked by :func:`core.ledger.notekeys.open_note` like any other signature.
"""

from __future__ import annotations

import base64
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .notekeys import (
    PRIVATE_PREFIX,
    SIG_COSIGNATURE_V1,
    NoteError,
    check_key_name,
    decode_key,
    ed25519_private_key,
    ed25519_public_bytes,
    ed25519_seed,
    ed25519_verify,
    encode_vkey,
    key_id,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HEADER = b"cosignature/v1\n"
SIGNATURE_SIZE = 8 + 64
MAX_TIMESTAMP = 2**63 - 1  # Go implementations refuse the top bit; so do we


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    """The exact bytes a v1 cosignature signs: header, time line, checkpoint text."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"cosignature timestamp {timestamp} is out of range")
    return HEADER + b"time %d\n" % timestamp + text


def timestamp_of(signature: bytes) -> int:
    """The timestamp of a 72-byte ``timestamped_signature``."""
    if len(signature) != SIGNATURE_SIZE:
        raise NoteError("a v1 cosignature is 72 bytes")
    return struct.unpack(">Q", signature[:8])[0]


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness's public key, as clients and logs configure it."""

    name: str
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> CosignatureVerifier:
        name, kid, raw = decode_key(vkey)
        if raw[:1] != SIG_COSIGNATURE_V1 or len(raw) != 33:
            raise NoteError("not a cosignature/v1 (0x04 Ed25519) verifier key")
        verifier = cls(name, raw[1:])
        if verifier.key_id != kid:
            raise NoteError("verifier key's ID does not match its name and key")
        return verifier

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, SIG_COSIGNATURE_V1, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != SIGNATURE_SIZE:
            return False
        timestamp = timestamp_of(signature)
        if timestamp > MAX_TIMESTAMP:
            return False
        return ed25519_verify(self.public_key, signature[8:], cosigned_message(text, timestamp))

    def __str__(self) -> str:
        return encode_vkey(self.name, SIG_COSIGNATURE_V1, self.public_key)


@dataclass(frozen=True)
class CosignatureSigner:
    """A witness's signing key. ``clock`` gives the time to stamp (seconds)."""

    name: str
    private_key: Ed25519PrivateKey
    clock: Callable[[], float] = field(default=time.time, compare=False)

    @classmethod
    def generate(cls, name: str) -> CosignatureSigner:
        check_key_name(name)
        return cls(name, ed25519_private_key())

    @classmethod
    def parse(cls, skey: str) -> CosignatureSigner:
        name, kid, raw = decode_key(skey, PRIVATE_PREFIX)
        if raw[:1] != SIG_COSIGNATURE_V1 or len(raw) != 33:
            raise NoteError("not a cosignature/v1 signing key")
        signer = cls(name, ed25519_private_key(raw[1:]))
        if signer.key_id != kid:
            raise NoteError("signer key's ID does not match its key")
        return signer

    @property
    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, ed25519_public_bytes(self.private_key))

    @property
    def key_id(self) -> bytes:
        return self.verifier.key_id

    def sign_at(self, text: bytes, timestamp: int) -> bytes:
        signature = self.private_key.sign(cosigned_message(text, timestamp))
        return struct.pack(">Q", timestamp) + signature

    def sign(self, text: bytes) -> bytes:
        return self.sign_at(text, int(self.clock()))

    def __str__(self) -> str:
        raw = base64.b64encode(SIG_COSIGNATURE_V1 + ed25519_seed(self.private_key)).decode()
        return f"{PRIVATE_PREFIX}{self.name}+{self.key_id.hex()}+{raw}"


__all__ = [
    "HEADER",
    "CosignatureSigner",
    "CosignatureVerifier",
    "cosigned_message",
    "timestamp_of",
]
