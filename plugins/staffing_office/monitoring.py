"""Quarterly monitoring (季度动态监控, D-20): "变年终突击考为全程跟踪考".

Each quarter the office publishes a monitoring report built from the quarter's
standing (``jixiao results compute --period 2026-Q2``): for every group, each unit's
standing in the quarter (rank, total, the move since last quarter) and its reported
goal completion against the time progress (序时进度: 25% at Q1, 50% at Q2…), with a
traffic light: green (on time), yellow (behind by at most ``tolerance`` points), red
(further behind), missing (nothing reported). Red and missing units form the
attention list (重点关注名单). Publishing records the report's digest as
``staffing.monitoring.published`` so the published text is on the ledger (and its
projector keeps the published reports as the plugin's records, by quarter).

A value check raises the same warning as soon as a unit reports: progress behind time
beyond the tolerance, or a cumulative rate lower than the quarter before.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from core.plugin_api import (
    Event,
    ImportContext,
    PluginContext,
    RecordStore,
    ValueContext,
    as_text,
    chinese_first,
    quantize,
    read_csv,
)

PUBLISHED = "staffing.monitoring.published"
PROGRESS_INDICATOR = "goal_completion"
STATUSES = ("green", "yellow", "red", "missing")
QUARTER = r"^\d{4}-Q[1-4]$"


class MonitoringParams(Schema):
    node = fields.String(load_default="task")
    tolerance = fields.Decimal(
        load_default=Decimal(10), as_string=True, validate=validate.Range(min=0, max=100)
    )


class SummarySchema(Schema):
    green = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    yellow = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    red = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    missing = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class MonitoringPublishedSchema(Schema):
    """``data`` of ``staffing.monitoring.published``: which report, its SHA-256 over
    the canonical JSON (:func:`digest`), the counts and the attention list."""

    class Meta:
        ordered = True

    cycle = fields.String(required=True)
    period = fields.String(required=True, validate=validate.Regexp(QUARTER))
    digest = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    summary = fields.Nested(SummarySchema, required=True)
    attention = fields.List(fields.String(), required=True)


def expected_progress(period: str) -> Decimal:
    """序时进度 of a calendar quarter: 25, 50, 75, 100."""
    return Decimal(25) * int(period[-1])


def status(progress: Decimal | None, expected: Decimal, tolerance: Decimal) -> str:
    if progress is None:
        return "missing"
    if progress >= expected:
        return "green"
    return "yellow" if progress >= expected - tolerance else "red"


def _progress(explanation: Mapping[str, Any], node: str) -> tuple[bool, Decimal | None, list]:
    """(monitored, latest reported value in the window, its seqs) of leaf ``node``."""

    def find(nodes: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
        for n in nodes:
            if n["code"] == node:
                return n
            found = find(n.get("children", ()))
            if found is not None:
                return found
        return None

    leaf = find(explanation.get("nodes", ()))
    if leaf is None or "periods" not in leaf:
        return False, None, []
    reported = [p for p in leaf["periods"] if p["input"] is not None]
    if not reported:
        return True, None, []
    return True, Decimal(reported[-1]["input"]), reported[-1]["seqs"]


def quarterly_report(
    cycle: str,
    quarter: str,
    rows: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    previous: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The monitoring report of one quarter from its standing rows (with explanations)
    and, optionally, the previous quarter's rows for the movement in rank. Units whose
    scheme has no ``node`` leaf (e.g. the supervising departments) are not monitored; a
    quarter with none is an empty report of that quarter, which can be published too."""
    period = quarter
    expected = expected_progress(period)
    before = {r["subject"]: r["rank"] for r in previous}
    groups: dict[str, dict[str, Any]] = {}
    summary = dict.fromkeys(STATUSES, 0)
    attention = []
    for row in sorted(rows, key=lambda r: (r["scheme"], r["rank"], r["subject"])):
        monitored, progress, seqs = _progress(row.get("explanation", {}), params["node"])
        if not monitored:
            continue
        light = status(progress, expected, params["tolerance"])
        summary[light] += 1
        group = groups.setdefault(
            row["scheme"], {"scheme": row["scheme"], "group": row["group"], "units": []}
        )
        previous_rank = before.get(row["subject"])
        group["units"].append(
            {
                "unit": row["subject"],
                "name": row["name"],
                "rank": row["rank"],
                "previous_rank": previous_rank,
                "rank_change": None if previous_rank is None else previous_rank - row["rank"],
                "total": row["total"],
                "progress": None if progress is None else as_text(progress),
                "status": light,
                "seqs": list(seqs),
            }
        )
        if light in ("red", "missing"):
            attention.append(
                {
                    "unit": row["subject"],
                    "name": row["name"],
                    "scheme": row["scheme"],
                    "status": light,
                }
            )
    for group in groups.values():
        totals = [Decimal(u["total"]) for u in group["units"]]
        group["size"] = len(totals)
        group["mean"] = as_text(quantize(sum(totals, Decimal(0)) / len(totals)))
    return {
        "cycle": cycle,
        "period": period,
        "expected": as_text(expected),
        "tolerance": as_text(params["tolerance"]),
        "groups": list(groups.values()),
        "summary": summary,
        "attention": attention,
    }


def digest(report: Mapping[str, Any]) -> str:
    """SHA-256 of the report's canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(report, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def published(report: Mapping[str, Any]) -> dict[str, Any]:
    """The ``staffing.monitoring.published`` data for a report."""
    return {
        "cycle": report["cycle"],
        "period": report["period"],
        "digest": digest(report),
        "summary": dict(report["summary"]),
        "attention": [a["unit"] for a in report["attention"]],
    }


def progress_check(ctx: ValueContext) -> list[str]:
    """季度进展预警: a quarterly goal-completion report behind the time progress by more
    than the bureau's ``monitoring.tolerance`` points, or lower than the same year's
    previous quarter (the rate is cumulative, so it cannot fall: likely a slip)."""
    if ctx.indicator != PROGRESS_INDICATOR or ctx.period_kind != "quarter":
        return []
    monitoring = ctx.settings.get("monitoring") or {}
    tolerance = monitoring.get("tolerance", MonitoringParams().load({})["tolerance"])
    warnings = []
    expected = expected_progress(ctx.period)
    if ctx.value < expected - tolerance:
        warnings.append(
            f"进度滞后：累计完成{as_text(ctx.value)}%，序时进度{as_text(expected)}% "
            f"(behind time progress: {as_text(ctx.value)}% against {as_text(expected)}%)"
        )
    same_year = [(p, v) for p, v in ctx.history() if p[:4] == ctx.period[:4]]
    if same_year and ctx.value < same_year[-1][1]:
        earlier, value = same_year[-1]
        warnings.append(
            f"累计完成率低于{earlier}的{as_text(value)}%，请核实 "
            f"(cumulative rate below {earlier}'s {as_text(value)}%: check)"
        )
    return warnings


class ProgressRowSchema(Schema):
    """One row of the quarterly progress report (季度进展填报) as the platform exports it."""

    class Meta:
        ordered = True

    unit = fields.String(required=True, validate=validate.Length(min=1, max=64))
    quarter = fields.String(required=True, validate=validate.Regexp(QUARTER))
    completion = fields.Decimal(required=True, validate=validate.Range(min=0, max=200))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


def parse_progress(data: bytes, filename: str, ctx: ImportContext) -> tuple[list[dict], list[dict]]:
    """Importer ``staffing-quarterly-progress``: the reports → values of
    ``goal_completion`` (the cumulative completion rate of the year's goals), or every
    row's errors (row = the line in the file)."""
    try:
        lines = read_csv(data, filename)
    except ValueError as exc:
        return [], [{"row": None, "field": "file", "reason": str(exc)}]
    schema, rows, errors = ProgressRowSchema(), [], []
    for line, raw in lines:
        try:
            row = schema.load({k: v for k, v in raw.items() if v != ""})
        except ValidationError as exc:
            for name, reasons in exc.normalized_messages().items():
                reason = "; ".join(chinese_first(r) for r in reasons)
                errors.append({"row": line, "field": name, "reason": reason})
            continue
        value = {
            "unit": row["unit"],
            "indicator": PROGRESS_INDICATOR,
            "period": row["quarter"],
            "value": as_text(row["completion"]),
            "source_key": f"progress:{row['unit']}:{row['quarter']}:{as_text(row['completion'])}",
            "source_rows": [line],
        }
        if row["note"]:
            value["note"] = row["note"]
        rows.append(value)
    return ([], errors) if errors else (rows, [])


def report(ctx: PluginContext, cycle: str, quarter: str) -> dict[str, Any]:
    """The quarter's report from the stored standings (this quarter and the one before),
    with the bureau's monitoring settings."""
    if not isinstance(quarter, str) or not re.match(QUARTER, quarter):
        raise ValidationError("须为季度，如 2026-Q2 (a quarter, e.g. 2026-Q2)", "quarter")
    rows = ctx.reader.results(cycle, quarter, explain=True)
    number = int(quarter[-1])
    previous = ctx.reader.results(cycle, f"{quarter[:-1]}{number - 1}") if number > 1 else []
    return quarterly_report(cycle, quarter, rows, ctx.settings["monitoring"], previous)


def publish(ctx: PluginContext, cycle: str, quarter: str) -> dict[str, Any]:
    """Record the quarter's report as ``staffing.monitoring.published``; returns it."""
    found = report(ctx, cycle, quarter)
    ctx.record(PUBLISHED, published(found))
    return found


def project_published(records: RecordStore, event: Event) -> None:
    records.put("monitoring", event.data["period"], {**event.data, "published_seq": event.seq})
