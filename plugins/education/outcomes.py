"""Results applied to education talents (结果运用, D-31; seed 002: "考核达标人才可获专项经费、
职称晋升及'突出贡献团队'表彰").

Each function takes result rows (see :class:`plugins.education.contributions.OutcomeType`
for their shape), validated params and the grades of earlier cycles, and adds fields to
the rows in place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from core.numbers import as_text, quantize
from plugins.education.fields import share_field
from plugins.education.pay import PayParams
from plugins.education.settings import SHARE_HIGH, SHARE_LOW

Earlier = Sequence[Mapping[str, str | None]]


class FundingParams(Schema):
    amounts = fields.Dict(
        keys=fields.String(), values=fields.Decimal(validate=validate.Range(min=0)), required=True
    )
    grades = fields.Dict(
        keys=fields.String(),
        values=fields.Decimal(validate=validate.Range(min=0, max=1)),
        required=True,
        validate=validate.Length(min=1),
    )


def talent_funding(rows: list[dict], p: Mapping[str, Any], earlier: Earlier = ()) -> None:
    """专项经费: the tier's amount (by the row's group) times the share for the grade;
    a grade not listed has not met the bar and gets nothing. Adds ``funding``."""
    for row in rows:
        amount = p["amounts"].get(row["group"], Decimal(0))
        share = p["grades"].get(row["grade"], Decimal(0))
        row["funding"] = as_text(quantize(amount * share))


class TitleParams(Schema):
    grades = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    years = fields.Integer(load_default=2, strict=True, validate=validate.Range(min=1, max=10))


def title_promotion(rows: list[dict], p: Mapping[str, Any], earlier: Earlier = ()) -> None:
    """职称晋升: eligible for priority in title promotion when the grade was one of
    ``grades`` this cycle and in each of the ``years − 1`` cycles before (a missing
    earlier result breaks the run). Adds ``title_promotion_eligible``."""
    wanted = set(p["grades"])
    for row in rows:
        grades = [row["grade"]] + [g.get(row["subject"]) for g in list(earlier)[: p["years"] - 1]]
        row["title_promotion_eligible"] = len(grades) == p["years"] and all(
            g in wanted for g in grades
        )


class TeamParams(Schema):
    min_members = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    min_mean = fields.Decimal(required=True, validate=validate.Range(min=0))
    min_share = fields.Decimal(required=True, validate=validate.Range(min=0, max=1))
    grades = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


def team_commendation(rows: list[dict], p: Mapping[str, Any], earlier: Earlier = ()) -> None:
    """突出贡献团队: the talents of one unit (school) form its team. The team is commended
    when it has at least ``min_members`` members, their mean total is at least
    ``min_mean`` and the share of members graded one of ``grades`` is at least
    ``min_share``. Adds ``team_mean`` and ``team_commended`` to every member's row."""
    teams: dict[str, list[dict]] = {}
    for row in rows:
        teams.setdefault(row["unit"], []).append(row)
    wanted = set(p["grades"])
    for members in teams.values():
        mean = sum((Decimal(r["total"]) for r in members), Decimal(0)) / len(members)
        meeting = sum(1 for r in members if r["grade"] in wanted)
        commended = (
            len(members) >= p["min_members"]
            and mean >= p["min_mean"]
            and Decimal(meeting) / len(members) >= p["min_share"]
        )
        for row in members:
            row["team_mean"] = as_text(quantize(mean))
            row["team_commended"] = commended


class SchoolPayParams(PayParams):
    """Teachers' pay: the school's performance share must be 40–50% (D-31)."""

    share = share_field(SHARE_LOW, SHARE_HIGH, required=True)
    shares = fields.Dict(
        keys=fields.String(), values=share_field(SHARE_LOW, SHARE_HIGH), load_default=dict
    )
