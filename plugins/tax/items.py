"""The 36 bonus and deduction items of the points system (D-11), audit and inspection
findings as deductions that cite the finding (督考融合, D-16), and the importer of the
points platform's daily export (D-42).

The points platform (积分平台) records each event as it happens: a unit or an officer,
the day, the catalogue item, how many times. Its daily export is read by the importer
``tax-daily-points``: every event is checked (a finding must cite its document, the
issue and the evidence), and the events of one subject and day become one value of
``daily_deduction`` or ``daily_bonus`` for that day (the points, summed), with a note
naming each item (``[D21] 督审发现：审计《吴税审〔2026〕3号》第2项…（扣1分）``) so the
ledger alone says where every point came from. The day leaves of the templates add
the days up (``combine: sum``). All rows or none; re-importing the same export records
nothing twice (each value carries a source key over its subject, day and events).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from core.plugin_api import (
    CODE,
    ImportContext,
    as_text,
    chinese_first,
    load_template,
    parse_decimal,
    read_csv,
)

PACKAGE = "plugins.tax"
INDICATOR_FOR_KIND = {"bonus": "daily_bonus", "deduction": "daily_deduction"}
KIND_NAMES = {"bonus": "加", "deduction": "扣"}
FINDING_SOURCES = {
    "audit": "审计",
    "inspection_tour": "巡视巡察",
    "enforcement_inspection": "执法督察",
    "internal_control": "内控监督",
}
SHA256 = r"^[0-9a-f]{64}$"
SOURCE = "tax-points"


@dataclass(frozen=True)
class PointsItem:
    """One of the 36 items: ``points`` per occurrence; ``finding`` items come from audit
    or inspection (``source``) and must cite the finding."""

    code: str
    name: str
    name_en: str
    kind: str
    points: Decimal
    category: str
    finding: bool = False
    source: str = ""


@functools.cache
def catalogue() -> dict[str, PointsItem]:
    """The catalogue by code (B01…B12, D01…D24), read once from templates/items.yaml."""
    rows = load_template(PACKAGE, "items.yaml")["items"]
    return {
        row["code"]: PointsItem(**{**row, "points": parse_decimal(row["points"])}) for row in rows
    }


FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2999, 12, 31)
DAY = fields.Date(
    required=True,
    validate=validate.Range(
        FIRST_DAY,
        LAST_DAY,
        error="须为 2000 至 2999 年之间的日期 (a date between the years 2000 and 2999)",
    ),
    error_messages={"invalid": "不是有效日期（YYYY-MM-DD） (Not a valid date.)"},
)
"""A day as the plugin reads it everywhere (the export's ``day``, the commands' ``--on``;
months lie in the same years): in the years of the platform's cycles, as the core
allows deadlines (year 1 or 9999 is a typing mistake, and 9999-12 had failed in date
arithmetic), refused Chinese first with marshmallow's English kept word for word (an
importer's reasons reach the user as the plugin writes them)."""


def _code(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(CODE.pattern + r"\Z"), **kwargs)


class Count(fields.Field):
    """How many times an event happened: a whole number, read exactly as the platform
    reads every number (:func:`parse_decimal`), so ``1_0`` or ``٢`` is refused rather
    than read as 10 or 2 (marshmallow's ``Integer`` calls ``int()``, which takes both),
    and ``2.5`` or ``2.00000000000000000000001`` is refused with a reason (the
    platform's own, for too many decimal places), not marshmallow's English
    "Not a valid integer."; ``2.0`` is exactly 2."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        try:
            number = parse_decimal(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if number != number.to_integral_value():
            raise ValidationError(f"须为整数 (a whole number, not {value})")
        return int(number)


class PointsEventSchema(Schema):
    """One row of the points platform's export: one event. Flat, so the export maps onto
    it column by column; ``unit`` for a department, ``person`` for an officer."""

    class Meta:
        ordered = True

    unit = _code(load_default=None)
    person = _code(load_default=None)
    day = DAY
    item = fields.String(required=True)
    count = Count(
        load_default=1,
        validate=validate.Range(min=1, max=1000, error="须在 1 至 1000 之间 (from 1 to 1000)"),
    )
    note = fields.String(load_default="", validate=validate.Length(max=200))
    evidence = fields.String(load_default="")
    """SHA-256 digests of attached evidence, separated by ';'."""
    finding_reference = fields.String(load_default="", validate=validate.Length(max=100))
    finding_issue = fields.String(load_default="", validate=validate.Length(max=300))

    @validates("day")
    def _has_come(self, day: dt.date, **_: Any) -> None:
        """An event is what happened: a day after tomorrow (a day's grace for the time
        zones) is a typing mistake, as community correction's incidents say."""
        if day > dt.date.today() + dt.timedelta(days=1):
            raise ValidationError(
                f"{day} 尚未到来：积分记录的是已发生的事项 "
                f"({day} has not come yet: points record what happened)"
            )

    @validates_schema
    def _known_and_cited(self, data: dict, **_: Any) -> None:
        if (data["unit"] is None) == (data["person"] is None):
            raise ValidationError("给出 unit 或 person 之一 (one of unit or person)", "unit")
        digests = _digests(data["evidence"])
        if any(not re.fullmatch(SHA256, d) for d in digests):
            raise ValidationError(
                "SHA-256 摘要，以;分隔 (SHA-256 digests, ';' between)", "evidence"
            )
        item = catalogue().get(data["item"])
        if item is None:
            raise ValidationError("不是36项之一 (not one of the 36 items B01…B12, D01…D24)", "item")
        if not item.finding:
            if data["finding_reference"] or data["finding_issue"]:
                raise ValidationError(
                    f"{item.code}不是督审发现项 (not D21…D24)", "finding_reference"
                )
            return
        missing = {
            "finding_reference": "督审发现须注明文号 (cite the document, e.g. 吴税审〔2026〕3号)",
            "finding_issue": "督审发现须注明问题 (cite the issue found)",
            "evidence": "督审发现须附发现文书 (attach the finding document as evidence)",
        }
        given = {**data, "evidence": digests}
        errors = {name: [reason] for name, reason in missing.items() if not given[name]}
        if errors:
            raise ValidationError(errors)


def _digests(text: str) -> list[str]:
    """The digests of an ``evidence`` cell (``a;b``), lower case as files are stored."""
    return [d.strip().lower() for d in text.split(";") if d.strip()]


def _identity(event: Mapping[str, Any]) -> tuple:
    """Every field of a loaded event, the evidence as a set of digests: two lines with
    the same identity are one event written twice, not two events."""
    return tuple(
        (name, tuple(sorted(set(_digests(value)))) if name == "evidence" else value)
        for name, value in event.items()
    )


def describe(event: Mapping[str, Any]) -> tuple[str, Decimal]:
    """What one loaded event adds to the day: the text for the note, and its points."""
    item = catalogue()[event["item"]]
    points = item.points * event["count"]
    if item.finding:
        source, document = FINDING_SOURCES[item.source], event["finding_reference"]
        text = (
            f"[{item.code}] 督审发现：{source}《{document}》"
            f"{event['finding_issue']}（扣{as_text(points)}分）"
        )
    else:
        times = f"×{event['count']}" if event["count"] > 1 else ""
        text = f"[{item.code}] {item.name}{times}（{KIND_NAMES[item.kind]}{as_text(points)}分）"
    if event["note"]:
        text += f" {event['note']}"
    if event["evidence"]:
        text += f" 佐证 (evidence) {event['evidence']}"
    return text, points


def parse_points(data: bytes, filename: str, ctx: ImportContext) -> tuple[list[dict], list[dict]]:
    """Importer ``tax-daily-points``: the export's events → one value row per subject,
    indicator and day, or every row's errors (row = the line in the file).

    A line identical to an earlier one (every column the same) is refused naming both:
    summed, it would double a deduction, and an event that happened twice is written
    once with ``count`` 2. Lines that differ in any column (a note, say) are events of
    their own and are summed."""
    try:
        lines = read_csv(data, filename)
    except ValueError as exc:
        return [], [{"row": None, "field": "file", "reason": str(exc)}]
    schema, errors = PointsEventSchema(), []
    days: dict[tuple[str, str, str, str], list[tuple[str, Decimal]]] = {}
    places: dict[tuple[str, str, str, str], list[int]] = {}
    cited: dict[tuple[str, str, str, str], set[str]] = {}
    first_line: dict[tuple, int] = {}
    for line, raw in lines:
        try:
            event = schema.load({k: v for k, v in raw.items() if v != ""})
        except ValidationError as exc:
            for name, reasons in exc.normalized_messages().items():
                reason = "; ".join(chinese_first(r) for r in reasons)
                errors.append({"row": line, "field": name, "reason": reason})
            continue
        same = first_line.setdefault(_identity(event), line)
        if same != line:
            errors.append(
                {
                    "row": line,
                    "field": "count",
                    "reason": f"与第{same}行相同，同一事项多次请填写 count "
                    f"(the same as line {same}; for repeated events give count)",
                }
            )
            continue
        kind = catalogue()[event["item"]].kind
        subject = ("person", event["person"]) if event["person"] else ("unit", event["unit"])
        key = (*subject, INDICATOR_FOR_KIND[kind], event["day"].isoformat())
        days.setdefault(key, []).append(describe(event))
        places.setdefault(key, []).append(line)
        cited.setdefault(key, set()).update(_digests(event["evidence"]))
    if not lines:
        errors.append({"row": None, "field": "file", "reason": "没有数据行 (no data rows)"})
    if errors:
        return [], errors
    rows = []
    for (kind, code, indicator, day), events in sorted(days.items()):
        notes = [text for text, _ in events]
        total = sum((points for _, points in events), Decimal(0))
        identity = json.dumps(
            [SOURCE, kind, code, indicator, day, sorted(notes)], ensure_ascii=False
        )
        rows.append(
            {
                kind: code,
                "indicator": indicator,
                "period": day,
                "value": as_text(total),
                "note": "；".join(notes)[:2000],
                "source_key": f"{SOURCE}:{hashlib.sha256(identity.encode()).hexdigest()[:32]}",
                "source_rows": places[(kind, code, indicator, day)],
            }
        )
        if cited[(kind, code, indicator, day)]:
            # cited as the value's evidence, so the entry path checks that each file
            # was attached for the unit (a digest in the note alone was never checked)
            rows[-1]["evidence"] = sorted(cited[(kind, code, indicator, day)])
    return rows, []


def item_of(note: str) -> list[PointsItem]:
    """The catalogue items a recorded note names (``[D21] …；[B10] …``), in order."""
    return [catalogue()[c] for c in re.findall(r"\[([BD]\d\d)\]", note) if c in catalogue()]
