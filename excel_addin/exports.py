"""The workbooks the command line and the API hand out, each as (file name, bytes):
entry templates and results. Both channels call these, so a download from either is
the same file."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from core.domain.assessment.outcomes import health as health_shares
from core.services import results, schemes
from core.services.context import Context
from excel_addin import reports, sources, template


def safe_name(*parts: str) -> str:
    text = "-".join(p for p in parts if p)
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def entry_template(
    ctx: Context,
    bureau: str,
    cycle: str,
    period: str,
    subject: dict[str, str] | None = None,
    units: Sequence[str] | None = None,
) -> tuple[str, bytes]:
    """One subject's template, or the 汇总表 of ``units`` (all the caller may enter for
    when empty), one sheet per unit."""
    forms = sources.entry_forms(ctx, bureau, cycle, period, subject, units)
    data = template.build(
        forms, sources.layout_for(ctx, bureau), sources.form_choices(ctx, bureau, forms)
    )
    who = next(iter(subject.values())) if subject else "汇总表"
    return safe_name(bureau, cycle, period, who) + ".xlsx", data


def unit_templates(
    ctx: Context, bureau: str, cycle: str, period: str, units: Sequence[str] | None = None
) -> list[tuple[str, bytes]]:
    """One template file per unit (an office sending each unit its own form): the
    forms are read once, then one workbook is made per unit."""
    forms = sources.entry_forms(ctx, bureau, cycle, period, None, units)
    layout = sources.layout_for(ctx, bureau)
    choices = sources.form_choices(ctx, bureau, forms)
    return [
        (
            safe_name(bureau, cycle, period, form["subject"]) + ".xlsx",
            template.build([form], layout, choices),
        )
        for form in forms
    ]


def rankings(ctx: Context, bureau: str, cycle: str, period: str | None = None) -> tuple[str, bytes]:
    rows = results.results(ctx, bureau, cycle, period, explain=True)
    data = reports.rankings(rows, bureau, cycle, period)
    return safe_name(bureau, cycle, period or "", "排名") + ".xlsx", data


def explanation(
    ctx: Context, bureau: str, cycle: str, code: str, kind: str = "unit", period: str | None = None
) -> tuple[str, bytes]:
    found = results.subject_result(ctx, bureau, cycle, code, kind, period)
    return safe_name(bureau, cycle, period or "", code, "得分明细") + ".xlsx", reports.explanation(
        found, bureau, cycle
    )


def health(ctx: Context, bureau: str, cycle: str) -> tuple[str, bytes]:
    rows = results.results(ctx, bureau, cycle, explain=True)
    names = reports.dimension_names(rows)
    data = reports.health(health_rows(ctx, bureau, cycle, rows), names, bureau, cycle)
    return safe_name(bureau, cycle, "体检报告") + ".xlsx", data


def health_rows(
    ctx: Context, bureau: str, cycle: str, rows: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each subject's dimension shares (绩效体检报告, D-32). The outcomes service gives
    them only for schemes with an ``outcomes`` section, so they are worked out here with
    the core's own function from the published schemes' top-level points (see
    CORE-REQUESTS.md: a health service)."""
    points: dict[tuple[str, int], dict[str, Decimal]] = {}
    for scheme in schemes.listing(ctx, bureau, cycle):
        points[(scheme["code"], scheme["version"])] = {
            n["code"]: Decimal(str(n["points"]))
            for n in scheme["definition"]["nodes"]
            if n.get("parent") is None
        }
    return [
        {
            **row,
            "health": health_shares(
                row["dimensions"], points.get((row["scheme"], row["version"]), {})
            ),
        }
        for row in rows
    ]
