"""Evidence files (D-24), stored content-addressed: the bytes under
``<instance>/evidence/<sha256[:2]>/<sha256>``, the SHA-256 in the ledger.

The file is written (to a temporary name, fsynced, then renamed) before the ledger entry
is committed. If the transaction then fails, an unreferenced file remains; it is
harmless, since nothing points at it and the same content reuses it. Reading re-hashes
the bytes, so a file altered on disk is refused rather than served.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.access import Principal
from core.domain.models import Bureau, EvidenceFile
from core.domain.organisation import get_unit
from core.domain.projections import record
from core.kernel.errors import FieldError, Forbidden, InvalidInput, NotFound
from core.ledger.store import Appended, Record


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        target = self.path(digest)
        if not target.is_file():
            raise NotFound(f"no evidence file {digest}", [FieldError("sha256", "not stored")])
        content = target.read_bytes()
        if hashlib.sha256(content).hexdigest() != digest:
            raise NotFound(
                f"evidence file {digest} was altered on disk",
                [FieldError("sha256", "stored bytes do not match their hash")],
            )
        return content


def attach(
    session: Session,
    store: EvidenceStore,
    bureau: Bureau,
    content: bytes,
    filename: str,
    media_type: str,
    unit_code: str,
    subject: str,
    who: Principal | None,
    actor: str,
) -> Appended:
    """Store a file and record ``evidence.attached`` for a unit and a subject (e.g. the
    indicator and period it supports, ``i1@2026-Q1``)."""
    errors = []
    if not content:
        errors.append(FieldError("file", "is empty"))
    if not filename.strip() or "/" in filename or "\\" in filename:
        errors.append(FieldError("filename", "a plain file name"))
    if errors:
        raise InvalidInput("cannot attach the evidence; nothing was written", errors)
    unit = get_unit(session, bureau, unit_code)
    if who is not None and not who.can("evidence.attach", bureau.id, unit.id):
        raise Forbidden(
            f"may not attach evidence for unit {unit.code}",
            [FieldError("unit", f"not assigned to {unit.code}")],
        )
    digest = store.put(content)
    data = {
        "sha256": digest,
        "filename": filename.strip()[:255],
        "size": len(content),
        "media_type": (media_type or "application/octet-stream")[:100],
        "unit": unit.code,
        "subject": subject[:200],
    }
    (entry,) = record(session, bureau.log_id, [Record("evidence.attached", data, actor)])
    return entry


def listing(session: Session, bureau: Bureau, unit_id: int | None = None) -> list[EvidenceFile]:
    stmt = select(EvidenceFile).where(EvidenceFile.bureau_id == bureau.id)
    if unit_id is not None:
        stmt = stmt.where(EvidenceFile.unit_id == unit_id)
    return list(session.scalars(stmt.order_by(EvidenceFile.seq)))


def find(session: Session, bureau: Bureau, digest: str) -> EvidenceFile:
    """The first attachment of these bytes in this bureau (404 for another bureau's)."""
    found = session.scalar(
        select(EvidenceFile)
        .where(EvidenceFile.bureau_id == bureau.id, EvidenceFile.sha256 == digest)
        .order_by(EvidenceFile.seq)
        .limit(1)
    )
    if found is None:
        raise NotFound(f"no evidence {digest}", [FieldError("sha256", "not in this bureau")])
    return found
