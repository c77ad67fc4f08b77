"""The 36 bonus and deduction items of the points system (D-11) and audit and
inspection findings recorded as deductions that cite the finding (督考融合, D-16).

An item happens on a day and is recorded that day as a reviewers' item (the core's
``item.recorded``): on indicator ``daily_bonus`` or ``daily_deduction``, period = the
day, quantity = the item's points × occurrences, a reason naming the catalogue code,
and evidence hashes. A finding item (审计, 巡视巡察, 执法督察, 内控监督) must cite the
finding — the document it comes from and the issue — and attach that document as
evidence, so the deduction can be traced to the finding and the finding to its bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.numbers import as_text, parse_decimal
from plugins.tax.importing import SeparatedList, load_rows
from plugins.tax.schemekit import load_yaml

ITEMS_FILE = Path(__file__).parent / "templates" / "items.yaml"
INDICATOR_FOR_KIND = {"bonus": "daily_bonus", "deduction": "daily_deduction"}
KIND_NAMES = {"bonus": "加", "deduction": "扣"}
FINDING_SOURCES = {
    "audit": "审计",
    "inspection_tour": "巡视巡察",
    "enforcement_inspection": "执法督察",
    "internal_control": "内控监督",
}
SHA256 = r"^[0-9a-f]{64}$"


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
    """The catalogue by code, read once from templates/items.yaml."""
    rows = load_yaml(ITEMS_FILE)["items"]
    return {
        row["code"]: PointsItem(**{**row, "points": parse_decimal(row["points"])}) for row in rows
    }


class PointsEventSchema(Schema):
    """One points event as it happens (also one row of the daily points import).
    Flat, so that a CSV export of the points platform maps onto it column by column."""

    class Meta:
        ordered = True

    unit = fields.String(required=True, validate=validate.Length(min=1, max=64))
    day = fields.Date(required=True)
    item = fields.String(required=True)
    count = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=1000))
    note = fields.String(load_default="", validate=validate.Length(max=500))
    evidence = SeparatedList(
        fields.String(
            validate=validate.Regexp(SHA256, error="a SHA-256 digest (64 lowercase hex)")
        ),
        load_default=list,
    )
    finding_reference = fields.String(load_default="", validate=validate.Length(max=100))
    finding_issue = fields.String(load_default="", validate=validate.Length(max=500))

    @validates_schema
    def _known_and_cited(self, data: dict, **_: Any) -> None:
        item = catalogue().get(data["item"])
        if item is None:
            raise ValidationError("not one of the 36 catalogue items (B01…B12, D01…D24)", "item")
        if not item.finding:
            if data["finding_reference"] or data["finding_issue"]:
                raise ValidationError(
                    f"{item.code} is not a finding item (D21…D24)", "finding_reference"
                )
            return
        missing = {
            "finding_reference": "a finding cites its document (文号), e.g. 吴税审〔2026〕3号",
            "finding_issue": "a finding cites the issue found",
            "evidence": "a finding attaches the finding document as evidence",
        }
        errors = {name: [reason] for name, reason in missing.items() if not data[name]}
        if errors:
            raise ValidationError(errors)


def item_row(event: Mapping[str, Any], cycle: str) -> dict[str, Any]:
    """A loaded points event → a row for the core's ``record_items``.

    The reason starts with the catalogue code in brackets, so the item can be
    classified again from the ledger alone; a finding's reason cites its source,
    document and issue."""
    item = catalogue()[event["item"]]
    quantity = item.points * event["count"]
    times = f"×{event['count']}" if event["count"] > 1 else ""
    if item.finding:
        source = FINDING_SOURCES[item.source]
        reason = (
            f"[{item.code}] 督审发现：{source}《{event['finding_reference']}》"
            f"{event['finding_issue']}（扣{as_text(quantity)}分）"
        )
    else:
        reason = f"[{item.code}] {item.name}{times}（{KIND_NAMES[item.kind]}{as_text(quantity)}分）"
    if event.get("note"):
        reason += f" {event['note']}"
    day: dt.date = event["day"]
    return {
        "unit": event["unit"],
        "indicator": INDICATOR_FOR_KIND[item.kind],
        "cycle": cycle,
        "period": day.isoformat(),
        "quantity": as_text(quantity),
        "reason": reason,
        "evidence": list(event["evidence"]),
    }


def points_rows(rows: Sequence[Mapping[str, Any]], cycle: str) -> list[dict[str, Any]]:
    """Importer: points events (e.g. the points platform's CSV export) → core item rows.
    Every row is validated first; errors are keyed by row number (1-based), and nothing
    is converted unless all rows are valid."""
    return [item_row(event, cycle) for event in load_rows(PointsEventSchema(), rows)]


def classify(reason: str) -> PointsItem | None:
    """The catalogue item a recorded reason names (``[D21] …``), or None."""
    found = re.match(r"\[([BD]\d\d)\]", reason)
    return catalogue().get(found.group(1)) if found else None
