"""Bureaus (局): the tenants, each with its own ledger, and who the caller is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.domain.models import Bureau
from core.kernel.errors import FieldError, InvalidInput, invalid
from core.kernel.text import NAME_MAX, check_text
from core.services import views
from core.services.context import Context


def create(
    ctx: Context, code: object, name: object, name_en: object = "", suite: object = None
) -> dict[str, Any]:
    """A new bureau with its own log; the default plugins are installed in the same
    transaction (platform admins only). The code is checked under the platform log's
    lock, so two concurrent creations of one code cannot both succeed. ``suite`` is the
    log's cryptographic suite (default ``sha256-ed25519``, or ``sm3-sm2``), fixed for
    good and recorded in the log's first entry."""
    from core.domain.organisation import check_new  # the write path only
    from core.ledger.store import Record, create_log, origin_for
    from core.ledger.suites import DEFAULT, SUITES

    with ctx.platform_writing() as work:
        work.require_platform_admin()
        code, name = check_new(work.session, Bureau, code, name, None)
        name_en = check_text("name_en", name_en, NAME_MAX, required=False)
        suite = suite or DEFAULT.name
        if suite not in SUITES:
            choices = ", ".join(SUITES)
            raise invalid("suite", f"须为以下之一：{choices} (one of {choices})")
        host = ctx.platform.plugins
        default = [
            p.strip() for p in str(ctx.platform.settings["DEFAULT_PLUGINS"]).split(",") if p.strip()
        ]
        missing = [p for p in default if not host.has(p)]
        if missing:
            raise InvalidInput(
                f"默认插件 {', '.join(missing)} 不可用 "
                f"(default plugin(s) {', '.join(missing)} are not available)",
                [
                    FieldError(
                        "JIXIAO_DEFAULT_PLUGINS",
                        "列出了未安装的插件 (names a plugin that is not installed)",
                    )
                ],
            )
        log = create_log(work.session, origin_for(code), suite)
        actor = ctx.principal.actor
        data = {"code": code, "name": name, "name_en": name_en, "suite": suite}
        records = [Record("bureau.created", data, actor)]
        records += [
            Record("plugin.installed", {"plugin": p, "version": host.info(p).version}, actor)
            for p in default
        ]
        work.bureau_log(log).record_many(records)
        bureau = work.session.scalar(select(Bureau).where(Bureau.code == code))
        return views.bureau(bureau)


def listing(ctx: Context) -> list[dict[str, Any]]:
    """Bureaus the caller can see."""
    with ctx.platform_reading() as work:
        rows = work.session.scalars(select(Bureau).order_by(Bureau.code))
        return [views.bureau(b) for b in rows if ctx.principal.sees(b.id)]


def get(ctx: Context, code: str) -> dict[str, Any]:
    with ctx.reading(code, "bureau.read") as work:
        return views.bureau(work.bureau)


def me(ctx: Context) -> dict[str, Any]:
    """Who the caller is: name, role, bureau, units and linked person."""
    principal = ctx.principal
    with ctx.platform_reading() as work:
        bureau = work.session.get(Bureau, principal.bureau_id) if principal.bureau_id else None
        return {
            "username": principal.username,
            "role": principal.role,
            "bureau": bureau.code if bureau else None,
            "actor": principal.actor,
        }
