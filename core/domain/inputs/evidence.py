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

from core.domain.models import Bureau, EvidenceFile
from core.domain.organisation import get_unit
from core.domain.work import BureauWork
from core.kernel.errors import FieldError, InvalidInput, NotFound
from core.kernel.text import FILENAME_MAX, SUBJECT_MAX, check_text


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
            raise NotFound(
                f"没有佐证材料文件 {digest} (no evidence file {digest})",
                [FieldError("sha256", "未保存 (not stored)")],
            )
        content = target.read_bytes()
        if hashlib.sha256(content).hexdigest() != digest:
            raise NotFound(
                f"佐证材料文件 {digest} 在磁盘上被改动 "
                f"(evidence file {digest} was altered on disk)",
                [
                    FieldError(
                        "sha256",
                        "保存的内容与其哈希不符 (stored bytes do not match their hash)",
                    )
                ],
            )
        return content


MAX_EVIDENCE_BYTES = 32 * 1024 * 1024


ACTIVE_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/javascript",
    "application/javascript",
    "application/ecmascript",
    "text/xml",
    "application/xml",
)
ACTIVE_MARKS = (b"<!doctype", b"<html", b"<svg", b"<script", b"<?xml", b"<iframe", b"<body")
ACTIVE_REFUSED = (
    "网页、SVG 和脚本不能作为佐证材料：请上传图片、PDF 或办公文档 "
    "(web pages, SVG and scripts are not accepted as evidence: upload an image, a PDF or "
    "an office document)"
)


def _active(content: bytes, media_type: str) -> bool:
    """Whether a file is markup a browser would run, whatever it is called: evidence is
    served sandboxed, but a reviewer may still download and open it."""
    if media_type.split(";")[0].strip().lower() in ACTIVE_TYPES:
        return True
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and any(mark in head for mark in ACTIVE_MARKS)


def attach(
    work: BureauWork,
    store: EvidenceStore,
    content: bytes,
    filename: object,
    media_type: object,
    unit_code: object,
    subject: object,
) -> dict:
    """Store a file and record ``evidence.attached`` for a unit and a subject (e.g. the
    indicator and period it supports, ``i1@2026-Q1``); the attachment as recorded, with
    its ``seq``. The same bytes under the same name for the same unit and subject are
    already attached: that attachment is the answer, and nothing more is recorded (an
    upload retried after a lost answer would otherwise count twice)."""
    errors = []
    if unit_code in (None, ""):
        errors.append(FieldError("unit", "必填：佐证材料所属单位 (required: the unit it is for)"))
    if not content:
        errors.append(FieldError("file", "文件为空 (is empty)"))
    elif len(content) > MAX_EVIDENCE_BYTES:
        errors.append(
            FieldError(
                "file",
                f"文件 {len(content)} 字节，上限 {MAX_EVIDENCE_BYTES} 字节 "
                f"(is {len(content)} bytes; the limit is {MAX_EVIDENCE_BYTES})",
            )
        )
    try:
        name = check_text("filename", filename, FILENAME_MAX)
        if "/" in name or "\\" in name or name in (".", ".."):
            errors.append(
                FieldError(
                    "filename", "须为不含文件夹的文件名 (a plain file name, without folders)"
                )
            )
    except InvalidInput as exc:
        errors.extend(exc.errors)
    try:
        about = check_text("subject", subject, SUBJECT_MAX, required=False)
        kind = check_text("media_type", media_type or "application/octet-stream", 100)
    except InvalidInput as exc:
        errors.extend(exc.errors)
    else:
        if content and _active(content, kind):
            errors.append(FieldError("file", ACTIVE_REFUSED))
    if errors:
        raise InvalidInput(
            "无法附上佐证材料，未写入任何数据 (cannot attach the evidence; nothing was written)",
            errors,
        )
    unit = get_unit(work.session, work.bureau, unit_code)
    work.require("evidence.attach", unit.id)
    digest = hashlib.sha256(content).hexdigest()
    data = {
        "sha256": digest,
        "filename": name,
        "size": len(content),
        "media_type": kind,
        "unit": unit.code,
        "subject": about,
    }
    earlier = work.session.scalar(
        select(EvidenceFile.seq)
        .where(
            EvidenceFile.bureau_id == work.bureau.id,
            EvidenceFile.sha256 == digest,
            EvidenceFile.unit_id == unit.id,
            EvidenceFile.subject == about,
            EvidenceFile.filename == name,
        )
        .limit(1)
    )
    if earlier is not None:
        return {"seq": earlier, **data}
    store.put(content)
    return {"seq": work.log.record("evidence.attached", data).seq, **data}


def listing(session: Session, bureau: Bureau, units: frozenset[int] | None) -> list[EvidenceFile]:
    """The bureau's evidence files (only those of ``units`` when given)."""
    stmt = select(EvidenceFile).where(EvidenceFile.bureau_id == bureau.id)
    if units is not None:
        stmt = stmt.where(EvidenceFile.unit_id.in_(units))
    return list(session.scalars(stmt.order_by(EvidenceFile.seq)))


def find(
    session: Session, bureau: Bureau, digest: object, units: frozenset[int] | None
) -> EvidenceFile:
    """The first attachment of these bytes in this bureau that the caller may see (404
    for another bureau's, or another unit's for a unit-scoped reader)."""
    found = None
    if isinstance(digest, str) and len(digest) == 64:
        stmt = select(EvidenceFile).where(
            EvidenceFile.bureau_id == bureau.id, EvidenceFile.sha256 == digest
        )
        if units is not None:
            stmt = stmt.where(EvidenceFile.unit_id.in_(units))
        found = session.scalar(stmt.order_by(EvidenceFile.seq).limit(1))
    if found is None:
        raise NotFound(
            f"没有佐证材料 {digest} (no evidence {digest})",
            [FieldError("sha256", "不在本局 (not in this bureau)")],
        )
    return found
