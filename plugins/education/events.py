"""Ledger entry kinds of the talent plan: designation, funding and commendation.

What the results say a talent *may* get (outcomes) is computed; what the bureau then
*decided* (designated a tier, paid the funding, commended a team) is a fact to record,
with the document number (文号) of the decision. People are named by their code in the
bureau; identifiers never go into these entries (D-41).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugin_api import Event, RecordStore
from plugins.education.fields import code_field, day_field
from plugins.education.schemes import tracks
from plugins.education.settings import GROUPS

DESIGNATED = "education.talent_designated"
FUNDED = "education.funding_granted"
COMMENDED = "education.team_commended"

TRACKS = ("recruitment", "cultivation")
TRACK_NAMES = {"recruitment": "特聘人才引进", "cultivation": "分层培养"}


class TalentDesignated(Schema):
    """人才认定: a person enters a track and tier (or class) for a term."""

    person = code_field(required=True)
    unit = code_field(required=True)
    track = fields.String(required=True, validate=validate.OneOf(TRACKS))
    group = fields.String(required=True, validate=validate.OneOf(GROUPS))
    start = day_field(required=True)
    end = day_field(required=True)
    document = fields.String(required=True, validate=validate.Length(min=1, max=200))

    @validates_schema
    def _term(self, data: dict, **_: Any) -> None:
        if data["end"] < data["start"]:
            raise ValidationError("聘期结束早于开始 (the term ends before it starts)", "end")

    @validates_schema
    def _track_of_the_tier(self, data: dict, **_: Any) -> None:
        """The track is the tier's own (double track, 双轨并行): a cultivation tier
        designated as recruitment would be counted in the wrong track's reports."""
        group, track = data["group"], tracks()[data["group"]]
        if data["track"] != track:
            raise ValidationError(
                f"{group} 属于{TRACK_NAMES[track]}，轨道应为 {track} "
                f"({group} is a tier of the {track} track)",
                "track",
            )


class FundingGranted(Schema):
    """专项经费拨付: the special funding paid to a talent for a cycle."""

    person = code_field(required=True)
    cycle = code_field(required=True)
    group = fields.String(required=True, validate=validate.OneOf(GROUPS))
    amount = fields.Decimal(required=True, as_string=True, validate=validate.Range(min=Decimal(0)))
    document = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TeamCommended(Schema):
    """ "突出贡献团队"表彰: a school's talent team commended for a cycle."""

    unit = code_field(required=True)
    cycle = code_field(required=True)
    members = fields.List(code_field(), required=True, validate=validate.Length(min=1))
    document = fields.String(required=True, validate=validate.Length(min=1, max=200))


def project_designated(records: RecordStore, event: Event) -> None:
    """The talent's current designation (a new one replaces the old), by person."""
    records.put("talents", event.data["person"], {**event.data, "designated_seq": event.seq})


def project_funded(records: RecordStore, event: Event) -> None:
    records.put("funding", f"{event.data['cycle']}/{event.data['person']}", dict(event.data))


def project_commended(records: RecordStore, event: Event) -> None:
    records.put("teams", f"{event.data['cycle']}/{event.data['unit']}", dict(event.data))
