"""The bureau's decisions after the results (talent designations, funding granted, teams
commended), recorded as the plugin's ledger entries (:mod:`plugins.education.events`)
through its context: what the outcomes say a talent *may* get is computed; what the
bureau *decided* is a fact on the record, with the decision's document number."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError

from core.plugin_api import PluginContext
from plugins.education.events import (
    COMMENDED,
    DESIGNATED,
    FUNDED,
    FundingGranted,
    TalentDesignated,
    TeamCommended,
)
from plugins.education.settings import GROUPS

__all__ = ["COMMENDED", "DESIGNATED", "FUNDED", "apply", "designation"]


def designation(ctx: PluginContext, given: Mapping[str, Any]) -> dict[str, Any]:
    """``education.talent_designated`` data for a person of the bureau, validated (the
    unit is the person's own)."""
    person = next((p for p in ctx.reader.people() if p.code == given.get("person")), None)
    if person is None or person.unit is None:
        raise ValidationError(
            "不是本局有所属单位的人员 (not a person of the bureau's units)", "person"
        )
    schema = TalentDesignated()
    return schema.dump(schema.load({**given, "unit": person.unit}))


def apply(
    ctx: PluginContext, cycle: str, rows: Sequence[Mapping[str, Any]], document: str
) -> list[dict[str, Any]]:
    """Record the funding and team commendations the outcome rows give for ``cycle``
    (rows of the talent schemes: ``talent_funding``, ``team_commended``); returns what
    was recorded."""
    done = []
    teams: dict[str, list[str]] = {}
    for row in rows:
        if row.get("kind") != "person" or row.get("group") not in GROUPS:
            continue
        person = row["subject"]
        amount = Decimal(row.get("funding") or 0)
        if amount > 0 and ctx.records.get("funding", f"{cycle}/{person}") is None:
            data = {
                "person": person,
                "cycle": cycle,
                "group": row["group"],
                "amount": row["funding"],
                "document": document,
            }
            event = ctx.record(FUNDED, FundingGranted().dump(FundingGranted().load(data)))
            done.append(
                {"kind": "funding", "subject": person, "amount": row["funding"], "seq": event.seq}
            )
        if row.get("team_commended"):
            teams.setdefault(row["unit"], []).append(person)
    for unit, members in sorted(teams.items()):
        if ctx.records.get("teams", f"{cycle}/{unit}") is not None:
            continue
        data = {"unit": unit, "cycle": cycle, "members": sorted(members), "document": document}
        event = ctx.record(COMMENDED, TeamCommended().dump(TeamCommended().load(data)))
        done.append({"kind": "team", "subject": unit, "amount": None, "seq": event.seq})
    return done
