"""Monthly rectification notices (整改通报, D-11): each month the performance liaisons
supervise the bottom-ranked departments and publish a notice; the department answers
with its rectification, which closes the notice (整改销号).

Two ledger event kinds, which webhooks carry like every entry:

* ``tax.rectification.noticed`` — who, for which month, why (bottom of its group
  and/or below the line), where the points were lost, the deadline, and whether it is
  the second month running (then the department head is interviewed, 约谈);
* ``tax.rectification.closed`` — the month and unit of the notice, the measures taken
  and evidence.

Their projector keeps the notices as the plugin's records (collection ``notices``,
key ``<month>/<unit>``), which the command, the API and the outcome read back.
:func:`rectification_due` decides who gets a notice from a month's standing (the rows
of ``jixiao results compute --period 2026-03``) and returns the notices' data, ready
to record: ``jixiao tax notices --bureau B --month 2026-03`` does both.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from core.plugin_api import Event, PluginContext, RecordStore, as_text
from plugins.tax.items import FIRST_DAY, LAST_DAY, SHA256

NOTICED = "tax.rectification.noticed"
CLOSED = "tax.rectification.closed"
REASONS = ("bottom_rank", "below_line")
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class RectificationParams(Schema):
    """Who gets a notice: the ``bottom`` lowest of each group (ties at the boundary
    included) and anyone whose month total is below ``below`` (optional)."""

    bottom = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=10))
    below = fields.Decimal(load_default=None, allow_none=True, as_string=True)
    deadline_days = fields.Integer(
        load_default=15, strict=True, validate=validate.Range(min=1, max=90)
    )
    shortfalls = fields.Integer(load_default=3, strict=True, validate=validate.Range(min=1, max=20))


class ShortfallSchema(Schema):
    node = fields.String(required=True)
    name = fields.String(required=True)
    points = fields.Decimal(required=True, as_string=True)
    score = fields.Decimal(required=True, as_string=True)
    lost = fields.Decimal(required=True, as_string=True)
    deducted = fields.Decimal(as_string=True)


class RectificationNoticeSchema(Schema):
    """``data`` of ``tax.rectification.noticed``."""

    class Meta:
        ordered = True

    cycle = fields.String(required=True)
    period = fields.String(required=True, validate=validate.Regexp(MONTH))
    unit = fields.String(required=True)
    name = fields.String(required=True)
    scheme = fields.String(required=True)
    rank = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    group_size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    total = fields.Decimal(required=True, as_string=True)
    reasons = fields.List(
        fields.String(validate=validate.OneOf(REASONS)),
        required=True,
        validate=validate.Length(min=1),
    )
    shortfalls = fields.List(fields.Nested(ShortfallSchema), required=True)
    consecutive = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    interview = fields.Boolean(required=True)
    issued_on = fields.Date(required=True)
    deadline = fields.Date(required=True)
    liaison = fields.String(load_default="", validate=validate.Length(max=100))


class RectificationClosedSchema(Schema):
    """``data`` of ``tax.rectification.closed`` (整改销号)."""

    class Meta:
        ordered = True

    unit = fields.String(required=True)
    period = fields.String(required=True, validate=validate.Regexp(MONTH))
    measures = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    evidence = fields.List(
        fields.String(validate=validate.Regexp(SHA256)),
        required=True,
        validate=validate.Length(min=1),
    )
    closed_on = fields.Date(required=True)
    verified_by = fields.String(required=True, validate=validate.Length(min=1, max=100))


MONTH_CODE = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


def check_month(month: object, field: str = "month") -> str:
    """A month code (``2026-03``) of the years 2000–2999, as every channel takes it (the
    commands' ``--month``, the API's ``?month=`` and path): an impossible month is
    refused naming ``field`` instead of matching no notice (an empty answer that reads
    as "no notices") or failing in date arithmetic (year 0 or 9999 + 1)."""
    found = MONTH_CODE.fullmatch(month) if isinstance(month, str) else None
    if found is None or not FIRST_DAY.year <= int(found[1]) <= LAST_DAY.year:
        raise ValidationError(
            f"须为 {FIRST_DAY.year} 至 {LAST_DAY.year} 年的月份，如 2026-03 "
            f"(a month of the years {FIRST_DAY.year} to {LAST_DAY.year}, such as 2026-03)",
            field,
        )
    return month


def month_end(code: str) -> dt.date:
    """The last day of a month written as ``2026-03``."""
    year, month = int(code[:4]), int(code[5:7])
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def previous_month(code: str) -> str:
    year, month = int(code[:4]), int(code[5:7])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def _bottom(members: list[Mapping[str, Any]], bottom: int) -> set[str]:
    """The ``bottom`` lowest totals, ties at the boundary included; nobody when the
    group is too small or when everyone is tied (nobody is behind anybody)."""
    if len(members) <= bottom:
        return set()
    ordered = sorted(Decimal(r["total"]) for r in members)
    cut = ordered[bottom - 1]
    if cut == ordered[-1]:
        return set()
    return {r["subject"] for r in members if Decimal(r["total"]) <= cut}


def shortfalls(explanation: Mapping[str, Any], limit: int) -> list[dict[str, str]]:
    """Where the unit lost points in the window: leaves with inputs in it, by points lost
    (points − score), largest first (ties by node code); a daily-points leaf also shows
    ``deducted``, the sum of the points recorded against the unit in the window."""
    found = []

    def visit(node: Mapping[str, Any]) -> None:
        for child in node.get("children", ()):
            visit(child)
        if node.get("periods") and not node.get("extra"):
            lost = Decimal(node["points"]) - Decimal(node["score"])
            if lost > 0:
                found.append((lost, node))

    for top in explanation.get("nodes", ()):
        visit(top)
    found.sort(key=lambda pair: (-pair[0], pair[1]["code"]))
    out = []
    for lost, node in found[:limit]:
        entry = {
            "node": node["code"],
            "name": node["name"],
            "points": node["points"],
            "score": node["score"],
            "lost": as_text(lost),
        }
        if "sum" in node:  # a day leaf: the points recorded against the unit in the window
            entry["deducted"] = node["sum"]
        out.append(entry)
    return out


def rectification_due(
    rows: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    cycle: str,
    issued_on: dt.date,
    previous: Iterable[Mapping[str, Any]] = (),
    liaison: str = "",
) -> list[dict[str, Any]]:
    """The notices for one month's standing, as ``tax.rectification.noticed`` data.

    ``rows`` are the unit rows of one month's standing (with explanations), ``params``
    loaded :class:`RectificationParams`, ``previous`` the notices already issued in
    earlier months (their data), used to count months running."""
    months = {(n["unit"], n["period"]) for n in previous}
    by_scheme: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_scheme.setdefault(row["scheme"], []).append(row)
    below = params.get("below")
    notices = []
    for scheme in sorted(by_scheme):
        members = by_scheme[scheme]
        at_bottom = _bottom(members, params["bottom"])
        for row in sorted(members, key=lambda r: (Decimal(r["total"]), r["subject"])):
            reasons = []
            if row["subject"] in at_bottom:
                reasons.append("bottom_rank")
            if below is not None and Decimal(row["total"]) < Decimal(below):
                reasons.append("below_line")
            if not reasons:
                continue
            period = row["period"]
            running, month = 1, previous_month(period)
            while (row["subject"], month) in months:
                running, month = running + 1, previous_month(month)
            notices.append(
                {
                    "cycle": cycle,
                    "period": period,
                    "unit": row["subject"],
                    "name": row["name"],
                    "scheme": scheme,
                    "rank": row["rank"],
                    "group_size": row["group_size"],
                    "total": row["total"],
                    "reasons": reasons,
                    "shortfalls": shortfalls(row.get("explanation", {}), params["shortfalls"]),
                    "consecutive": running,
                    "interview": running >= 2,
                    "issued_on": issued_on.isoformat(),
                    "deadline": (
                        issued_on + dt.timedelta(days=params["deadline_days"])
                    ).isoformat(),
                    "liaison": liaison,
                }
            )
    return notices


def notice_key(period: str, unit: str) -> str:
    return f"{period}/{unit}"


def project_notice(records: RecordStore, event: Event) -> None:
    """``tax.rectification.noticed`` → an open notice, with the seq that issued it."""
    data = dict(event.data)
    records.put(
        "notices",
        notice_key(data["period"], data["unit"]),
        {**data, "notice_seq": event.seq, "status": "open"},
    )


def project_closed(records: RecordStore, event: Event) -> None:
    """``tax.rectification.closed`` → the notice closed (整改销号), with how and when."""
    key = notice_key(event.data["period"], event.data["unit"])
    notice = records.get("notices", key)
    if notice is not None:
        records.put(
            "notices",
            key,
            {**notice, "status": "closed", "closed": dict(event.data), "closed_seq": event.seq},
        )


def issue(
    ctx: PluginContext, cycle: str, month: str, issued_on: dt.date, liaison: str = ""
) -> list[dict[str, Any]]:
    """Record the month's notices from its standing (``tax.rectification.noticed``) and
    return them; refused when the month's notices were issued already (each month is
    decided once, on its standing at the time)."""
    check_month(month)
    if issued_on < month_end(month):
        raise ValidationError(
            f"通报日期须在 {month} 结束之后 (notices are issued after the month ends)", "on"
        )
    if any(n["period"] == month for n in ctx.records.all("notices")):
        raise ValidationError(
            f"{month}的整改通报已发出 (the notices of {month} were issued already)", "month"
        )
    rows = [r for r in ctx.reader.results(cycle, month, explain=True) if r["kind"] == "unit"]
    params = ctx.settings["rectification"]
    due = rectification_due(rows, params, cycle, issued_on, ctx.records.all("notices"), liaison)
    for notice in due:
        ctx.record(NOTICED, notice)
    return due


def close(
    ctx: PluginContext,
    month: str,
    unit: str,
    measures: str,
    evidence: list[str],
    verified_by: str,
    closed_on: dt.date,
) -> Event:
    """Record ``tax.rectification.closed`` for an open notice."""
    check_month(month)
    notice = ctx.records.get("notices", notice_key(month, unit))
    if notice is None or notice["status"] != "open":
        raise ValidationError(
            f"{unit}在{month}没有未销号的整改通报 (no open notice of {unit} for {month})", "unit"
        )
    evidence = [d.strip().lower() for d in evidence]
    malformed = [d for d in evidence if not re.fullmatch(SHA256, d)]
    if malformed:
        raise ValidationError(
            f"不是 SHA-256 摘要 (not a SHA-256 digest): {', '.join(malformed)[:200]}", "evidence"
        )
    missing = ctx.reader.unattached(unit, evidence) if ctx.reader else evidence
    if missing:
        raise ValidationError(
            f"佐证材料未上传到{unit}：{', '.join(missing)} "
            f"(evidence not attached for {unit}: attach it first with jixiao evidence attach)",
            "evidence",
        )
    return ctx.record(
        CLOSED,
        {
            "unit": unit,
            "period": month,
            "measures": measures,
            "evidence": evidence,
            "closed_on": closed_on.isoformat(),
            "verified_by": verified_by,
        },
    )


def listing(ctx: PluginContext, month: str | None = None) -> list[dict[str, Any]]:
    """The notices (optionally of one month), in the order they were issued."""
    if month is not None:
        check_month(month)
    found = [n for n in ctx.records.all("notices") if month in (None, n["period"])]
    return sorted(found, key=lambda n: n["notice_seq"])
