"""The instance's checkpoint signing keys, one file each in ``<instance>/keys/``.

Keys are stored in the Go ``sumdb/note`` private-key format
(``PRIVATE+KEY+name+hexid+base64(type||key)``; see :mod:`core.ledger.notekeys` for the
types: Ed25519, and SM2 for logs of the ``sm3-sm2`` suite) so that tooling from the
transparency ecosystem can read them. They live outside the database: an attacker with
database access alone cannot re-sign a rewritten log.

A log's checkpoints are signed by every key of its suite's type found there, which is how
keys are rotated: add the new key, publish its verifier key, and retire the old file once
auditors have the new one. ``jixiao init`` makes one key of each type (:meth:`ensure`).
"""

from __future__ import annotations

import os
from pathlib import Path

from core.ledger.notekeys import (
    Ed25519Signer,
    NoteError,
    SM2Signer,
    parse_signer,
    sign_note,
)
from core.ledger.suites import SUITES, Suite

NoteSigner = Ed25519Signer
"""The default suite's signer (the name the ledger has always used)."""
Signer = Ed25519Signer | SM2Signer

__all__ = ["KeyRing", "NoteError", "NoteSigner", "Signer", "sign_note"]


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

    def signers(self, suite: Suite | None = None) -> list[Signer]:
        """Every key, or those that sign checkpoints of ``suite``'s logs."""
        if not self.directory.is_dir():
            return []
        files = sorted(self.directory.glob("*.key"))
        found = [parse_signer(f.read_text(encoding="utf-8")) for f in files]
        if suite is None:
            return found
        return [s for s in found if isinstance(s, suite.signer_type)]

    def ensure(self, name: str) -> Signer:
        """Make sure there is a key for every suite (idempotent: only missing kinds are
        created, named ``name``); returns the default suite's first key."""
        for suite in SUITES.values():
            if not self.signers(suite):
                self.add(name, suite)
        return self.signers(SUITES["sha256-ed25519"])[0]

    def add(self, name: str, suite: Suite | None = None) -> Signer:
        """A new key of ``suite``'s type (default: Ed25519)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        signer = (suite or SUITES["sha256-ed25519"]).generate_signer(name)
        _write_private(self.directory / f"{signer.key_id.hex()}.key", str(signer))
        return signer

    def verifiers(self, suite: Suite | None = None) -> list:
        return [s.verifier for s in self.signers(suite)]
