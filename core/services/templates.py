"""Scheme templates and indicator libraries from plugins (D-03, D-06).

Importing a template creates the indicators it needs that the bureau does not have yet,
then imports each of its schemes, rendered with the bureau's settings for the plugin, as
the next version (identical content is recognised and adds nothing). A bureau adapts a
template by changing settings or importing an edited scheme: every change is a new
version, and a plugin's next release never rewrites a bureau's published scheme.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.domain.assessment import schemes
from core.domain.models import Indicator
from core.domain.organisation import create_indicator
from core.kernel.errors import FieldError, InvalidInput, NotFound
from core.services.context import Context, Work

TEMPLATE_HOOK = "jixiao_scheme_templates"
LIBRARY_HOOK = "jixiao_indicator_libraries"


def listing(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    """The templates and indicator libraries the bureau's plugins offer."""
    with ctx.reading(bureau, "bureau.read") as work:
        out = [
            {
                "kind": "template",
                "name": item.name,
                "title": item.title,
                "plugin": plugin,
                "groups": dict(item.groups),
                "indicators": len(item.indicators),
                "description": item.description,
            }
            for plugin, item in work.collect(TEMPLATE_HOOK)
        ]
        out += [
            {
                "kind": "library",
                "name": item.name,
                "title": item.title,
                "plugin": plugin,
                "groups": {},
                "indicators": len(item.indicators),
                "description": "",
            }
            for plugin, item in work.collect(LIBRARY_HOOK)
        ]
        return out


def _find(work: Work, hook: str, name: str) -> tuple[str, Any]:
    for plugin, item in work.collect(hook):
        if item.name == name:
            return plugin, item
    what = "template" if hook == TEMPLATE_HOOK else "indicator library"
    what_zh = "模板" if hook == TEMPLATE_HOOK else "指标库"
    raise NotFound(
        f"本局插件中没有{what_zh} {name!r} (no {what} {name!r} among the bureau's plugins)",
        [FieldError("name", f"没有此{what_zh} (unknown {what})")],
    )


def _add_indicators(work: Work, specs: Any) -> list[str]:
    """Create the indicators the bureau lacks; returns their codes."""
    have = set(
        work.session.scalars(select(Indicator.code).where(Indicator.bureau_id == work.bureau.id))
    )
    added = []
    for spec in specs:
        if spec.code not in have:
            create_indicator(work, spec.code, spec.name, spec.name_en, spec.measure)
            have.add(spec.code)
            added.append(spec.code)
    return added


def add_library(ctx: Context, bureau: str, name: str) -> dict[str, Any]:
    """Add an indicator library's indicators the bureau does not have yet."""
    with ctx.writing(bureau, "bureau.manage") as work:
        _, library = _find(work, LIBRARY_HOOK, name)
        return {"library": name, "added": _add_indicators(work, library.indicators)}


def import_template(
    ctx: Context, bureau: str, name: str, cycle: str, publish: bool = False
) -> dict[str, Any]:
    """Import a template into a cycle in one transaction: its missing indicators, then
    each scheme rendered with the bureau's settings (and published, if asked)."""
    with ctx.writing(bureau, "bureau.manage") as work:
        plugin, template = _find(work, TEMPLATE_HOOK, name)
        added = _add_indicators(work, template.indicators)
        try:
            documents = template.schemes(work.context_for(plugin).settings)
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(
                f"无法按本局设置生成模板 {name} "
                f"(template {name} could not be rendered with the bureau's settings: {exc})",
                [FieldError("settings", str(exc))],
            ) from exc
        imported = []
        for document in documents:
            scheme = schemes.import_scheme(work, cycle, document, template=name)
            if publish and scheme.status == "draft":
                schemes.publish_scheme(work, cycle, scheme.code, scheme.version)
            imported.append(schemes.describe(scheme))
        return {"template": name, "indicators_added": added, "schemes": imported}
