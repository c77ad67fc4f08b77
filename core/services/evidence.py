"""Evidence files (佐证材料, D-24), stored by content hash under the instance folder."""

from __future__ import annotations

from typing import Any

from core.domain.inputs import evidence
from core.services.context import Context


def store(ctx: Context) -> evidence.EvidenceStore:
    return evidence.EvidenceStore(ctx.platform.instance / "evidence")


def attach(
    ctx: Context,
    bureau: str,
    content: bytes,
    filename: object,
    media_type: object,
    unit: object,
    subject: object = "",
) -> dict[str, Any]:
    """Store a file for a unit (the caller's own, for reporters) and record it."""
    with ctx.writing(bureau, "evidence.attach") as work:
        return evidence.attach(work, store(ctx), content, filename, media_type, unit, subject)


def _view(f: Any) -> dict[str, Any]:
    return {
        "seq": f.seq,
        "sha256": f.sha256,
        "filename": f.filename,
        "size": f.size,
        "media_type": f.media_type,
        "subject": f.subject,
    }


def listing(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    """The bureau's files; a reporter sees only its own units'."""
    with ctx.reading(bureau, "values.read") as work:
        return [_view(f) for f in evidence.listing(work.session, work.bureau, work.unit_scope())]


def content(ctx: Context, bureau: str, digest: object) -> tuple[dict[str, Any], bytes]:
    """A file's description and bytes, re-hashed before they are handed out."""
    with ctx.reading(bureau, "values.read") as work:
        found = evidence.find(work.session, work.bureau, digest, work.unit_scope())
        return _view(found), store(ctx).get(found.sha256)
