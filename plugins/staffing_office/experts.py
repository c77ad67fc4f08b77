"""The expert pool the staffing office maintains (专家库, D-14) and how panels come from it.

Two ledger event kinds keep the pool on the record:

* ``staffing.expert.added`` — an expert (an ``expert`` user of the bureau) joins the
  pool: field of expertise, the organisation they work for, the term, and the units
  they must not rate (回避: their own employer, a unit they left recently…);
* ``staffing.expert.retired`` — leaves the pool, with the date and the reason.

No personal identifiers are recorded: the expert is their username; names, phone
numbers and ID numbers stay with the user record and the vault.

A panel is drawn by the core (``draw_panel``: the pool ranked by SHA-256(seed:member),
recorded as ``panel.drawn``). :func:`pool_at` gives the pool on a date from the events,
:func:`panel_pool` the usernames to hand to ``draw_panel(pool=…)``. For the two ratings
of the recognition coefficient (difficulty, precision) the office draws one panel per
indicator with the *same* seed, so the same experts rate both. :func:`recusals` says
which drawn experts must not rate which unit (the core does not enforce it yet; see
NEEDS.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from plugins.tax.importing import SeparatedList, load_rows

ADDED = "staffing.expert.added"
RETIRED = "staffing.expert.retired"
EXPERTISE = {
    "organisation": "机构编制",
    "public_admin": "公共管理",
    "finance": "财务审计",
    "law": "法律",
    "economy": "经济",
    "social": "社会事业",
    "digital": "信息化",
}
AFFILIATIONS = {
    "university": "高校",
    "research": "研究机构",
    "government": "党政机关",
    "institution": "事业单位",
    "enterprise": "企业",
    "other": "其他",
}
RETIREMENT_REASONS = {
    "term_ended": "任期届满",
    "own_request": "本人申请",
    "misconduct": "违反评审纪律",
    "conflict": "利益冲突",
    "other": "其他",
}
UNIT_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class ExpertAddedSchema(Schema):
    """``data`` of ``staffing.expert.added`` (also one row of the pool import)."""

    class Meta:
        ordered = True

    expert = fields.String(required=True, validate=validate.Length(min=1, max=100))
    expertise = fields.String(required=True, validate=validate.OneOf(EXPERTISE))
    affiliation = fields.String(required=True, validate=validate.Length(min=1, max=200))
    affiliation_kind = fields.String(required=True, validate=validate.OneOf(AFFILIATIONS))
    since = fields.Date(required=True)
    until = fields.Date(load_default=None, allow_none=True)
    recuse = SeparatedList(fields.String(validate=validate.Regexp(UNIT_CODE)), load_default=list)

    @validates_schema
    def _term(self, data: dict, **_: Any) -> None:
        if data["until"] is not None and data["until"] < data["since"]:
            raise ValidationError("the term ends before it starts", "until")


class ExpertRetiredSchema(Schema):
    """``data`` of ``staffing.expert.retired``."""

    class Meta:
        ordered = True

    expert = fields.String(required=True, validate=validate.Length(min=1, max=100))
    on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(RETIREMENT_REASONS))
    note = fields.String(load_default="", validate=validate.Length(max=500))


@dataclass(frozen=True)
class PoolMember:
    expert: str
    expertise: str
    affiliation: str
    affiliation_kind: str
    since: dt.date
    until: dt.date | None
    recuse: tuple[str, ...]


def pool_at(events: Iterable[tuple[str, Mapping[str, Any]]], on: dt.date) -> dict[str, PoolMember]:
    """The pool on a date, from the events in ledger order (kind, data). An addition
    counts from ``since``, a retirement from ``on``, a term ends after ``until``; a
    later addition of the same expert replaces the earlier one (new term, new
    recusals)."""
    added, retired = ExpertAddedSchema(), ExpertRetiredSchema()
    members: dict[str, PoolMember] = {}
    for kind, data in events:
        if kind == ADDED:
            row = added.load(data)
            if row["since"] <= on:
                members[row["expert"]] = PoolMember(**{**row, "recuse": tuple(row["recuse"])})
        elif kind == RETIRED:
            row = retired.load(data)
            if row["on"] <= on:
                members.pop(row["expert"], None)
    return {e: m for e, m in members.items() if m.until is None or m.until >= on}


def panel_pool(members: Mapping[str, PoolMember], expertise: Sequence[str] = ()) -> list[str]:
    """The usernames to draw from (``draw_panel(pool=…)``), optionally only some fields."""
    return sorted(e for e, m in members.items() if not expertise or m.expertise in expertise)


def recusals(members: Mapping[str, PoolMember], panel: Sequence[str]) -> dict[str, list[str]]:
    """Unit → the drawn experts who must not rate it (回避)."""
    out: dict[str, list[str]] = {}
    for expert in sorted(panel):
        member = members.get(expert)
        for unit in member.recuse if member else ():
            out.setdefault(unit, []).append(expert)
    return out


def pool_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Importer: the pool kept in a spreadsheet → ``staffing.expert.added`` data, as the
    ledger records it (dates as text). Errors are keyed by row number."""
    schema = ExpertAddedSchema()
    return [schema.dump(row) for row in load_rows(schema, rows)]
