"""Ed25519 note signers and the instance's key files.

Keys are stored in the Go ``sumdb/note`` private-key format
(``PRIVATE+KEY+name+hexid+base64(alg||seed)``) so that tooling from the transparency
ecosystem can read them. They live in ``<instance>/keys/``, outside the database: an
attacker with database access alone cannot re-sign a rewritten log. Every ``*.key`` file
there signs each checkpoint, which is how keys are rotated: add the new key, publish its
verifier key, and retire the old file once auditors have the new one.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from core.ledger.tlog import ALG_ED25519, NoteError, NoteVerifier, key_id

PRIVATE_PREFIX = "PRIVATE+KEY+"


@dataclass(frozen=True)
class NoteSigner:
    name: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def parse(cls, skey: str) -> NoteSigner:
        if not skey.startswith(PRIVATE_PREFIX):
            raise NoteError("not a note signer key")
        try:
            name, hex_id, b64 = skey[len(PRIVATE_PREFIX) :].strip().split("+", 2)
            raw = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise NoteError(f"malformed signer key: {exc}") from exc
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("signer key is not Ed25519")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if signer.verifier.key_id.hex() != hex_id:
            raise NoteError("signer key's ID does not match its key")
        return signer

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, key_id(self.name, self.public_bytes), self.public_bytes)

    def __str__(self) -> str:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        seed = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        raw = base64.b64encode(bytes([ALG_ED25519]) + seed).decode()
        return f"{PRIVATE_PREFIX}{self.name}+{self.verifier.key_id.hex()}+{raw}"

    def signature_line(self, text: str) -> str:
        sig = self.private_key.sign(text.encode("utf-8"))
        blob = base64.b64encode(self.verifier.key_id + sig).decode()
        return f"\u2014 {self.name} {blob}\n"


def sign_note(text: str, signers: list[NoteSigner]) -> str:
    """A C2SP signed note: the text, a blank line, one signature line per signer."""
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if not signers:
        raise NoteError("no signing key")
    return text + "\n" + "".join(s.signature_line(text) for s in signers)


def _write_private(path: Path, content: str) -> None:
    """Create a key file readable by the owner only, atomically (write, fsync, rename)."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(content + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class KeyRing:
    """The signing keys of one instance, read from ``<instance>/keys/*.key``."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def signers(self) -> list[NoteSigner]:
        if not self.directory.is_dir():
            return []
        files = sorted(self.directory.glob("*.key"))
        return [NoteSigner.parse(f.read_text(encoding="utf-8")) for f in files]

    def ensure(self, name: str) -> NoteSigner:
        """Return the first key, creating one named ``name`` if there is none (idempotent)."""
        existing = self.signers()
        if existing:
            return existing[0]
        return self.add(name)

    def add(self, name: str) -> NoteSigner:
        self.directory.mkdir(parents=True, exist_ok=True)
        signer = NoteSigner.generate(name)
        _write_private(self.directory / f"{signer.verifier.key_id.hex()}.key", str(signer))
        return signer

    def verifiers(self) -> list[NoteVerifier]:
        return [s.verifier for s in self.signers()]
