"""Results applied to education talents (结果运用, D-31; seed 002: "考核达标人才可获专项经费、
职称晋升及'突出贡献团队'表彰").

Each is an outcome type named in the talent schemes' ``outcomes`` section: it takes
the scheme's result rows (``subject`` the talent, ``unit`` their school, ``group`` the
tier, ``total``, ``rank``, ``grade``), validated params and the
:class:`~core.plugin_api.OutcomeContext`, and adds fields to the rows in place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from core.plugin_api import OutcomeContext, as_text, quantize


class FundingParams(Schema):
    amount = fields.Decimal(required=True, validate=validate.Range(min=0))
    grades = fields.Dict(
        keys=fields.String(),
        values=fields.Decimal(validate=validate.Range(min=0, max=1)),
        required=True,
        validate=validate.Length(min=1),
    )


def talent_funding(rows: list[dict], p: Mapping[str, Any], ctx: OutcomeContext) -> None:
    """专项经费: the tier's ``amount`` times the share for the grade; a grade not listed
    has not met the bar and gets nothing. Adds ``funding``."""
    for row in rows:
        share = p["grades"].get(row["grade"], Decimal(0))
        row["funding"] = as_text(quantize(p["amount"] * share))


class TitleParams(Schema):
    grades = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    years = fields.Integer(load_default=2, strict=True, validate=validate.Range(min=1, max=10))


def title_promotion(rows: list[dict], p: Mapping[str, Any], ctx: OutcomeContext) -> None:
    """职称晋升: eligible for priority in title promotion when the grade was one of
    ``grades`` this cycle and in each of the ``years − 1`` cycles before (a missing
    earlier result breaks the run). Adds ``title_promotion_eligible``."""
    wanted = set(p["grades"])
    for row in rows:
        earlier = list(ctx.earlier_grades)[: p["years"] - 1]
        grades = [row["grade"]] + [g.get(row["subject"]) for g in earlier]
        row["title_promotion_eligible"] = len(grades) == p["years"] and all(
            g in wanted for g in grades
        )


class TeamParams(Schema):
    min_members = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    min_mean = fields.Decimal(required=True, validate=validate.Range(min=0))
    min_share = fields.Decimal(required=True, validate=validate.Range(min=0, max=1))
    grades = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


def team_commendation(
    talents: Callable[[str], list[Mapping[str, Any]]],
) -> Callable[[list[dict], Mapping[str, Any], OutcomeContext], None]:
    """突出贡献团队: the talents of one school (their unit), *of every tier*, form its
    team (``talents(cycle)`` gives their result rows). The team is commended when it has
    at least ``min_members`` members, their mean total is at least ``min_mean`` and the
    share of members graded one of ``grades`` is at least ``min_share``. Adds
    ``team_size``, ``team_mean`` and ``team_commended`` to every member's row."""

    def apply(rows: list[dict], p: Mapping[str, Any], ctx: OutcomeContext) -> None:
        teams: dict[str, list[Mapping[str, Any]]] = {}
        for row in talents(ctx.cycle):
            teams.setdefault(row["unit"], []).append(row)
        wanted = set(p["grades"])
        for row in rows:
            members = teams.get(row["unit"]) or [row]
            mean = sum((Decimal(r["total"]) for r in members), Decimal(0)) / len(members)
            meeting = sum(1 for r in members if r["grade"] in wanted)
            row["team_size"] = len(members)
            row["team_mean"] = as_text(quantize(mean))
            row["team_commended"] = (
                len(members) >= p["min_members"]
                and mean >= p["min_mean"]
                and Decimal(meeting) / len(members) >= p["min_share"]
            )

    return apply
