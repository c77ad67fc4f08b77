"""Indicator schemes (指标体系): imported as versions, published, never rewritten."""

from __future__ import annotations

from typing import Any

from core.domain.assessment import schemes
from core.services.context import Context


def import_scheme(
    ctx: Context, bureau: str, cycle: str, document: Any, publish: bool = False
) -> dict[str, Any]:
    """Validate a scheme document and record it as the next version (and publish it)."""
    with ctx.writing(bureau, "bureau.manage") as work:
        scheme = schemes.import_scheme(work, cycle, document)
        if publish and scheme.status == "draft":
            schemes.publish_scheme(work, cycle, scheme.code, scheme.version)
        return schemes.describe(scheme)


def publish(ctx: Context, bureau: str, cycle: str, code: str, version: object = None) -> dict:
    """Freeze a version (default: the latest)."""
    version = schemes.check_version_arg(version)
    with ctx.writing(bureau, "bureau.manage") as work:
        return schemes.describe(schemes.publish_scheme(work, cycle, code, version))


def listing(ctx: Context, bureau: str, cycle: str | None = None) -> list[dict[str, Any]]:
    with ctx.reading(bureau, "bureau.read") as work:
        return [schemes.describe(s) for s in schemes.listing(work.session, work.bureau, cycle)]
