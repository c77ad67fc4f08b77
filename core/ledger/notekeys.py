"""C2SP signed-note keys and signatures for more than one algorithm.

A log of the ``sha256-ed25519`` suite signs its checkpoints with Ed25519, one of the
``sm3-sm2`` suite with SM2, and witnesses add 72-byte cosignatures, so notes are parsed
and checked here against any object with a ``name``, a 4-byte ``key_id`` and a
``verify(text, signature)`` method (:class:`NoteVerifier`). Unknown signatures, whatever
their length, are ignored, as the signed-note specification requires.

Signature types (the byte that goes into the key ID and in front of the public key):

* ``0x01`` Ed25519 (the Go ``sumdb/note`` keys and signatures);
* ``0xff ‖ DER(OID 1.2.156.10197.1.501)`` SM2. The signed-note spec assigns no byte to SM2
  and reserves ``0xff`` for "signature types without an identifier byte assigned by this
  specification", recommending that it "be followed by a longer identifier that is
  unlikely to collide". The identifier is the DER encoding of the object identifier of
  SM2-with-SM3 signatures (``06 08 2A 81 1C CF 55 01 83 75``), assigned by OSCCA and
  used by X.509 for exactly this algorithm, with the default user ID of GB/T 35275.
  The public key is the 65-byte uncompressed point 0x04 ‖ X ‖ Y; the signature is r ‖ s,
  32 bytes each (fixed width, unlike DER, so a note's size does not depend on the values).

    key ID = SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]
    vkey   = name + "+" + hex(key ID) + "+" + base64(type ‖ public key)

Only the standard library, ``cryptography`` and (for SM2 only) ``gmalg`` are used; this
module ships in every audit bundle, hence the relative imports.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .sm2 import SM2Error, SM2PrivateKey, SM2PublicKey

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SIG_ED25519 = b"\x01"
SIG_COSIGNATURE_V1 = b"\x04"
# DER of OID 1.2.156.10197.1.501 (SM2 signature with SM3), after the 0xff escape byte.
SM2_SM3_OID_DER = bytes.fromhex("06082a811ccf55018375")
SIG_SM2 = b"\xff" + SM2_SM3_OID_DER
PRIVATE_PREFIX = "PRIVATE+KEY+"
MAX_SIGNATURES = 64  # the spec asks verifiers to accept at least 16


class NoteError(ValueError):
    """A signed note or key that is malformed or does not verify."""


class NoteVerifier(Protocol):
    """What :func:`open_note` needs of a key: its identity and a verify function."""

    name: str

    @property
    def key_id(self) -> bytes: ...

    def verify(self, text: bytes, signature: bytes) -> bool: ...


class NoteSigner(Protocol):
    """What :func:`sign_note` needs of a key."""

    name: str

    @property
    def key_id(self) -> bytes: ...

    def sign(self, text: bytes) -> bytes: ...


def key_id(name: str, sig_type: bytes, public_key: bytes) -> bytes:
    """SHA-256(name ‖ 0x0A ‖ signature type ‖ public key)[:4], as signed-note recommends."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + sig_type + public_key).digest()[:4]


def check_key_name(name: str) -> None:
    """Key names are non-empty, without Unicode spaces or '+' (signed-note "Format")."""
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"invalid key name {name!r}")


def encode_vkey(name: str, sig_type: bytes, public_key: bytes) -> str:
    kid = key_id(name, sig_type, public_key).hex()
    return f"{name}+{kid}+{base64.b64encode(sig_type + public_key).decode()}"


def decode_key(text: str, prefix: str = "") -> tuple[str, bytes, bytes]:
    """Split ``[prefix]name+hexid+base64`` into name, claimed key ID and raw bytes."""
    if not text.startswith(prefix):
        raise NoteError("not a note signer key" if prefix else "not a verifier key")
    try:
        name, hex_id, b64 = text[len(prefix) :].strip().split("+", 2)
        kid = bytes.fromhex(hex_id)
        raw = base64.b64decode(b64, validate=True)
    except ValueError as exc:
        raise NoteError(f"malformed key: {exc}") from exc
    check_key_name(name)
    if len(kid) != 4 or not raw:
        raise NoteError("malformed key: key ID must be 4 bytes")
    return name, kid, raw


# --------------------------------------------------------------------------- Ed25519
# ``cryptography`` is imported by these functions, on first use, not with the module:
# every command imports the ledger, few sign or verify (≈ 10 ms of start-up).


def ed25519_verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``message`` by the raw
    32-byte ``public_key`` (False for a malformed key too)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def ed25519_private_key(seed: bytes | None = None) -> Ed25519PrivateKey:
    """The Ed25519 private key of a raw 32-byte ``seed``, or a new one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if seed is None:
        return Ed25519PrivateKey.generate()
    return Ed25519PrivateKey.from_private_bytes(seed)


def ed25519_public_bytes(private_key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public key of ``private_key``."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def ed25519_seed(private_key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte seed of ``private_key``."""
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    return private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


@dataclass(frozen=True)
class Ed25519Verifier:
    """An Ed25519 note verifier (``name+hexid+base64(0x01 ‖ key)``)."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, SIG_ED25519, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        return ed25519_verify(self.public_key, signature, text)

    def __str__(self) -> str:
        return encode_vkey(self.name, SIG_ED25519, self.public_key)


@dataclass(frozen=True)
class Ed25519Signer:
    name: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> Ed25519Signer:
        check_key_name(name)
        return cls(name, ed25519_private_key())

    @property
    def verifier(self) -> Ed25519Verifier:
        return Ed25519Verifier(self.name, ed25519_public_bytes(self.private_key))

    @property
    def key_id(self) -> bytes:
        return self.verifier.key_id

    def sign(self, text: bytes) -> bytes:
        return self.private_key.sign(text)

    def __str__(self) -> str:
        raw = base64.b64encode(SIG_ED25519 + ed25519_seed(self.private_key)).decode()
        return f"{PRIVATE_PREFIX}{self.name}+{self.key_id.hex()}+{raw}"


# --------------------------------------------------------------------------- SM2


@dataclass(frozen=True)
class SM2Verifier:
    """An SM2 note verifier (signature type ``0xff ‖ DER(OID sm2-with-sm3)``)."""

    name: str
    public_key: SM2PublicKey

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, SIG_SM2, self.public_key.to_bytes())

    def verify(self, text: bytes, signature: bytes) -> bool:
        return self.public_key.verify(text, signature)

    def __str__(self) -> str:
        return encode_vkey(self.name, SIG_SM2, self.public_key.to_bytes())


@dataclass(frozen=True)
class SM2Signer:
    name: str
    private_key: SM2PrivateKey

    @classmethod
    def generate(cls, name: str) -> SM2Signer:
        check_key_name(name)
        return cls(name, SM2PrivateKey.generate())

    @property
    def verifier(self) -> SM2Verifier:
        return SM2Verifier(self.name, self.private_key.public_key)

    @property
    def key_id(self) -> bytes:
        return self.verifier.key_id

    def sign(self, text: bytes) -> bytes:
        return self.private_key.sign(text)

    def __str__(self) -> str:
        raw = base64.b64encode(SIG_SM2 + self.private_key.to_bytes()).decode()
        return f"{PRIVATE_PREFIX}{self.name}+{self.key_id.hex()}+{raw}"


# --------------------------------------------------------------------------- parsing


def parse_verifier(vkey: str) -> Ed25519Verifier | SM2Verifier:
    """Parse a log's verifier key (Ed25519 or SM2); the key ID must match."""
    name, kid, raw = decode_key(vkey)
    verifier: Ed25519Verifier | SM2Verifier
    if raw[:1] == SIG_ED25519 and len(raw) == 33:
        verifier = Ed25519Verifier(name, raw[1:])
    elif raw.startswith(SIG_SM2):
        try:
            verifier = SM2Verifier(name, SM2PublicKey.from_bytes(raw[len(SIG_SM2) :]))
        except SM2Error as exc:
            raise NoteError(str(exc)) from exc
    else:
        raise NoteError("verifier key is neither Ed25519 nor SM2")
    if verifier.key_id != kid:
        raise NoteError("verifier key's ID does not match its name and key")
    return verifier


def parse_signer(skey: str) -> Ed25519Signer | SM2Signer:
    """Parse ``PRIVATE+KEY+name+hexid+base64(type ‖ private key)``."""
    name, kid, raw = decode_key(skey, PRIVATE_PREFIX)
    signer: Ed25519Signer | SM2Signer
    if raw[:1] == SIG_ED25519 and len(raw) == 33:
        signer = Ed25519Signer(name, ed25519_private_key(raw[1:]))
    elif raw.startswith(SIG_SM2):
        try:
            signer = SM2Signer(name, SM2PrivateKey.from_bytes(raw[len(SIG_SM2) :]))
        except SM2Error as exc:
            raise NoteError(str(exc)) from exc
    else:
        raise NoteError("signer key is neither Ed25519 nor SM2")
    if signer.key_id != kid:
        raise NoteError("signer key's ID does not match its key")
    return signer


# --------------------------------------------------------------------------- notes


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"\u2014 {self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


def signature_line(signer: NoteSigner, text: str) -> str:
    """One note signature line by ``signer`` over ``text``."""
    return NoteSignature(signer.name, signer.key_id, signer.sign(text.encode("utf-8"))).line()


def sign_note(text: str, signers: Iterable[NoteSigner]) -> str:
    """A C2SP signed note: the text, a blank line, one signature line per signer."""
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    lines = [signature_line(s, text) for s in signers]
    if not lines:
        raise NoteError("no signing key")
    return text + "\n" + "".join(lines)


def parse_signature_line(line: str) -> NoteSignature:
    """``— <name> base64(key ID ‖ signature)`` without its newline."""
    if not line.startswith("\u2014 "):
        raise NoteError(f"malformed signature line: {line!r}")
    try:
        name, b64 = line[2:].split(" ")
        raw = base64.b64decode(b64, validate=True)
    except ValueError as exc:
        raise NoteError(f"malformed signature line: {line!r}") from exc
    check_key_name(name)
    if len(raw) < 5:
        raise NoteError("signature is too short")
    return NoteSignature(name, raw[:4], raw[4:])


def split_note(note: str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and signatures (any signature length)."""
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("note contains a control character")
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise NoteError("note has no signature block")
    lines = sigs[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has more than {MAX_SIGNATURES} signatures")
    return text + "\n", [parse_signature_line(line) for line in lines]


def signed_by(note: str, verifiers: Iterable[NoteVerifier]) -> tuple[str, list[str]]:
    """The note's text and the names of the known keys whose signatures verify, one name
    per distinct key (a key's second signature on a note counts once).

    Signatures by unknown (name, key ID) pairs are ignored; a known key's signature must
    verify, or the whole note is rejected (which the spec allows).
    """
    text, signatures = split_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    names: list[str] = []
    seen: set[tuple[str, bytes]] = set()
    for sig in signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(text.encode("utf-8"), sig.signature):
            raise NoteError(f"signature by {sig.name} is invalid")
        if (sig.name, sig.key_id) not in seen:
            seen.add((sig.name, sig.key_id))
            names.append(sig.name)
    return text, names


def open_note(note: str, verifiers: Iterable[NoteVerifier]) -> tuple[str, list[str]]:
    """Verify a note; returns its text and the names of the known keys that signed it
    (see :func:`signed_by`); at least one known key must have signed."""
    text, names = signed_by(note, verifiers)
    if not names:
        raise NoteError("no signature by a trusted key")
    return text, names


__all__ = [
    "SIG_COSIGNATURE_V1",
    "SIG_ED25519",
    "SIG_SM2",
    "SM2_SM3_OID_DER",
    "Ed25519Signer",
    "Ed25519Verifier",
    "NoteError",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "SM2Signer",
    "SM2Verifier",
    "check_key_name",
    "decode_key",
    "ed25519_private_key",
    "ed25519_public_bytes",
    "ed25519_seed",
    "ed25519_verify",
    "encode_vkey",
    "key_id",
    "open_note",
    "parse_signer",
    "parse_verifier",
    "sign_note",
    "signature_line",
    "signed_by",
    "split_note",
]
