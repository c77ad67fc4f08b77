"""Rankings (排名) per group with grades and quotas; health reports (体检报告) per unit
or person; the printable score notice, health report and publication ranking."""

from __future__ import annotations

import json
from decimal import Decimal

from flask import Blueprint, request
from flask_babel import gettext as _

from core.console import auth
from core.console.pdf import pdf_response
from core.console.rendering import page
from core.console.views.common import choose_cycle
from core.kernel.errors import NotFound
from core.services import reports, results, schemes

bp = Blueprint("results", __name__, url_prefix="/bureaus/<bureau>")


def _grade_table(definitions: list[dict], rows: list[dict]) -> dict[str, list[dict]]:
    """scheme → its grades with quota and how many members got each."""
    out = {}
    for d in definitions:
        members = [r for r in rows if r["scheme"] == d["code"]]
        out[d["code"]] = [
            {
                "name": g.get("name", g["code"]),
                "min": g.get("min"),
                "quota": g.get("quota"),
                "count": sum(1 for r in members if r["grade"] == g["code"]),
            }
            for g in d["definition"].get("grades", [])
        ]
    return out


@bp.get("/rankings")
def rankings(bureau: str):
    c = auth.ctx()
    cycles, cycle = choose_cycle(bureau)
    period = request.args.get("period") or None
    group = request.args.get("group") or None
    rows, missing = [], None
    if cycle:
        try:
            rows = results.results(c, bureau, cycle["code"], period)
        except NotFound as exc:
            missing = exc.detail
    groups = sorted({r["group"] or "" for r in rows})
    shown = [r for r in rows if group is None or (r["group"] or "") == group]
    published = (
        [s for s in schemes.listing(c, bureau, cycle["code"]) if s["status"] == "published"]
        if cycle
        else []
    )
    grouped: dict[tuple, list] = {}
    for r in shown:
        grouped.setdefault((r["kind"], r["group"], r["scheme"]), []).append(r)
    return page(
        "rankings.html",
        cycles=cycles,
        cycle=cycle,
        period=period,
        group=group,
        groups_filter=groups,
        periods_filter=True,
        grouped=grouped,
        grades=_grade_table(published, shown),
        missing=missing,
        as_of=rows[0]["as_of"] if rows else None,
    )


def _chart_options(report: dict) -> tuple[str | None, str | None]:
    """ECharts options (JSON) for the radar against the group median and the trend."""
    result, names = report["result"], report["dimension_names"]
    dims = list(result["dimensions"])
    radar = None
    points = {n["code"]: Decimal(n["points"]) for n in result["explanation"]["nodes"]}
    if dims:
        indicator = [{"name": names.get(d, d), "max": float(points.get(d) or 1)} for d in dims]
        series = [{"name": result["name"], "value": [float(result["dimensions"][d]) for d in dims]}]
        legend = [result["name"]]
        if report["medians"]:
            series.append(
                {"name": _("Group median"), "value": [float(report["medians"][d]) for d in dims]}
            )
            legend.append(_("Group median"))
        radar = {
            "legend": {"data": legend, "bottom": 0},
            "tooltip": {},
            "radar": {"indicator": indicator, "radius": "62%"},
            "series": [{"type": "radar", "data": series, "areaStyle": {"opacity": 0.15}}],
        }
    trend = None
    if report["trend"]:
        trend = {
            "tooltip": {"trigger": "axis"},
            "xAxis": {"type": "category", "data": [t["period"] for t in report["trend"]]},
            "yAxis": {"type": "value"},
            "series": [
                {
                    "type": "line",
                    "name": _("Total"),
                    "data": [float(t["total"]) for t in report["trend"]],
                }
            ],
        }
    return (json.dumps(radar, ensure_ascii=False) if radar else None,
            json.dumps(trend, ensure_ascii=False) if trend else None)  # fmt: skip


def _report(bureau: str, kind: str, code: str) -> tuple[list, dict, dict]:
    cycles, cycle = choose_cycle(bureau)
    if cycle is None:
        raise NotFound("尚无考核周期 (no cycle)")
    return (
        cycles,
        cycle,
        reports.health(
            auth.ctx(), bureau, cycle["code"], kind, code, request.args.get("period") or None
        ),
    )


@bp.get("/report/<any(unit, person):kind>/<code>")
def report(bureau: str, kind: str, code: str):
    cycles, cycle, found = _report(bureau, kind, code)
    radar, trend = _chart_options(found)
    return page(
        "report.html",
        cycles=cycles,
        cycle=cycle,
        period=request.args.get("period") or None,
        periods_filter=True,
        report=found,
        r=found["result"],
        radar=radar,
        trend=trend,
        kind=kind,
        code=code,
    )


@bp.get("/report/<any(unit, person):kind>/<code>.pdf")
def report_pdf(bureau: str, kind: str, code: str):
    cycle, found = _report(bureau, kind, code)[1:]
    stamp = reports.stamp(auth.ctx(), bureau, found["result"]["as_of"] - 1)
    return pdf_response(
        "print/report.html", f"health-report-{code}.pdf", cycle=cycle, report=found,
        r=found["result"], stamp=stamp, notice=False,
    )  # fmt: skip


@bp.get("/notice/<any(unit, person):kind>/<code>.pdf")
def notice_pdf(bureau: str, kind: str, code: str):
    cycle, found = _report(bureau, kind, code)[1:]
    stamp = reports.stamp(auth.ctx(), bureau, found["result"]["as_of"] - 1)
    return pdf_response(
        "print/report.html", f"score-notice-{code}.pdf", cycle=cycle, report=found,
        r=found["result"], stamp=stamp, notice=True,
    )  # fmt: skip


@bp.get("/rankings/publication.pdf")
def publication_pdf(bureau: str):
    cycle = choose_cycle(bureau)[1]
    if cycle is None:
        raise NotFound("尚无考核周期 (no cycle)")
    found = reports.publication(
        auth.ctx(), bureau, cycle["code"], request.args.get("group") or None,
        request.args.get("period") or None,
    )  # fmt: skip
    stamp = reports.stamp(auth.ctx(), bureau, found["as_of"] - 1)
    return pdf_response(
        "print/publication.html", f"publication-{cycle['code']}.pdf", pub=found, stamp=stamp
    )
