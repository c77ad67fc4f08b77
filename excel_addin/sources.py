"""What the Excel channels read from the services: entry forms, the grade labels of
qualitative indicators, and plugins' extra columns. Everything goes through
:mod:`core.services`; nothing here queries the database or decides permissions.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from core.domain.plugin_host import platform_context
from core.kernel.errors import FieldError, InvalidInput
from core.services import forms, plugins, schemes
from core.services.context import Context
from excel_addin.layout import GRADE_MEASURE, Layout

LAYOUT_HOOK = "jixiao_excel_layouts"


def subject_of(unit: str | None, person: str | None) -> dict[str, str]:
    if bool(unit) == bool(person):
        reason = (
            "填单位或人员，不能同时填 (give unit or person, not both)"
            if unit
            else "请填单位或人员 (give a unit or a person)"
        )
        raise InvalidInput(
            "请指明一个单位或一名人员 (name one unit or one person)", [FieldError("unit", reason)]
        )
    return {"unit": unit} if unit else {"person": str(person)}


def entry_forms(
    ctx: Context,
    bureau: str,
    cycle: str,
    period: str,
    subject: dict[str, str] | None = None,
    units: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The forms a template or sheet is made of: one subject's, or the units' (all the
    caller may enter for when ``units`` is empty) for a 汇总表."""
    if subject is not None:
        return [forms.entry_form(ctx, bureau, cycle, period, subject).as_dict()]
    found = forms.forms_for_units(ctx, bureau, cycle, period, list(units or []) or None)
    return [f.as_dict() for f in found]


def grade_choices(
    ctx: Context, bureau: str, cycle: str, scheme: str | None, version: int | None
) -> dict[str, list[str]]:
    """Indicator code → the grade labels its ``grade_points`` rule scores, best first,
    in the published scheme version a form was built on (for list validation)."""
    if scheme is None:
        return {}
    out: dict[str, list[str]] = {}
    for found in schemes.listing(ctx, bureau, cycle):
        if (found["code"], found["version"]) != (scheme, version):
            continue
        for node in found["definition"]["nodes"]:
            grades = (node.get("rule") or {}).get("params", {}).get("grades")
            if node.get("indicator") and isinstance(grades, dict):
                ranked = sorted(grades.items(), key=lambda kv: -Decimal(str(kv[1])))
                out[node["indicator"]] = [str(label) for label, _ in ranked]
    return out


def form_choices(
    ctx: Context, bureau: str, entry: Sequence[dict[str, Any]]
) -> dict[str, list[str]]:
    """Grade labels for the qualitative rows of ``entry`` (forms of one scheme version
    per group; a 汇总表 may span groups)."""
    out: dict[str, list[str]] = {}
    seen = set()
    for form in entry:
        key = (form["scheme"], form["scheme_version"])
        if key in seen or not any(r["measure"] == GRADE_MEASURE for r in form["rows"]):
            continue
        seen.add(key)
        out.update(grade_choices(ctx, bureau, form["cycle"], *key))
    return out


def layout_for(ctx: Context, bureau: str) -> Layout:
    """The standard columns plus the extra columns of the bureau's plugins
    (``jixiao_excel_layouts``)."""
    names = [p["name"] for p in plugins.installed(ctx, bureau)]
    extra = []
    for plugin, layout in ctx.platform.plugins.collect(LAYOUT_HOOK, names, platform_context):
        for header, field in layout.columns:
            extra.append({"plugin": plugin, "header": header, "field": field})
    return Layout.with_plugins(extra)
