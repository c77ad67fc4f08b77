"""Ledger entry kinds of community correction: incidents and platform imports.

An incident report (安全事故报告) is the fact a reviewer's deduction item or the veto
value then cites; a platform import records which file (by SHA-256) was read and the
source keys of its rows, so that an auditor can tie every imported value to its file
(appended by :func:`imported`, which hears the values the importer recorded, in the
same transaction).
Workers and supervised persons are named by code only; identifiers stay in the vault
(D-41).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from marshmallow import Schema, fields, validate

from core.plugin_api import CODE, Event, PluginContext, RecordStore

INCIDENT = "community_correction.incident_reported"
IMPORTED = "community_correction.platform_imported"
IMPORTER = "sujiefen-mediation"
_ORIGIN = re.compile(r"sha256:([0-9a-f]{64}) 「(.+?)」")


def code_field(**kwargs: object) -> fields.String:
    return fields.String(validate=validate.Regexp(CODE.pattern + r"\Z"), **kwargs)


INCIDENT_DAYS = validate.Range(
    dt.date(2000, 1, 1),
    dt.date(2999, 12, 31),
    error="须为 2000 至 2999 年之间的日期 (a date between the years 2000 and 2999)",
)
"""An incident's day lies in the years of the platform's cycles, in the core's words for
a deadline outside them (9999-12-31 had been recorded: a typing mistake taken for a
fact)."""

INCIDENT_KINDS = ("abscond", "reoffence", "major_incident", "group_incident", "unreported")
SEVERITIES = ("general", "major")


class IncidentReported(Schema):
    """安全事故报告: what happened, to whose caseload, how serious."""

    unit = code_field(required=True)
    person = code_field(required=True)
    date = fields.Date(
        required=True,
        validate=INCIDENT_DAYS,
        error_messages={"invalid": "不是有效日期（YYYY-MM-DD） (Not a valid date.)"},
    )
    kind = fields.String(required=True, validate=validate.OneOf(INCIDENT_KINDS))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    summary = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PlatformImported(Schema):
    """平台数据导入: one export file read by an importer."""

    importer = fields.String(required=True, validate=validate.Length(min=1, max=64))
    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    rows = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    source_keys = fields.List(fields.String(validate=validate.Length(min=1, max=100)))


def project_incident(records: RecordStore, event: Event) -> None:
    records.put("incidents", str(event.seq), dict(event.data))


def project_imported(records: RecordStore, event: Event) -> None:
    records.put("imports", str(event.seq), dict(event.data))


def imported(context: PluginContext, events: Sequence[Event]) -> None:
    """Values the 苏解纷 importer just recorded → one ``platform_imported`` entry per file
    (named in each value's note by its SHA-256), in the same transaction."""
    files: dict[tuple[str, str], list[str]] = {}
    for event in events:
        key = event.data.get("source_key", "") if event.kind == "value.recorded" else ""
        found = _ORIGIN.search(event.data.get("note", "")) if key.startswith("sujiefen:") else None
        if found:
            files.setdefault((found.group(1), found.group(2)), []).append(key)
    for (sha256, filename), keys in sorted(files.items()):
        context.record(
            IMPORTED,
            {
                "importer": IMPORTER,
                "filename": filename[:255],
                "sha256": sha256,
                "rows": len(keys),
                "source_keys": keys,
            },
        )


def report_incident(context: PluginContext, given: dict) -> Event:
    """Record ``community_correction.incident_reported`` for a worker of the bureau: of
    a unit of the bureau, on a day that has come (a report is of what happened; a day
    after tomorrow — a day's grace for the time zones — is a typing mistake)."""
    from marshmallow import ValidationError

    loaded = IncidentReported().load(given)
    if given.get("unit") not in {u.code for u in context.reader.units()}:
        raise ValidationError(f"没有单位 {given.get('unit')!r} (unknown unit)", "unit")
    person = next((p for p in context.reader.people() if p.code == given.get("person")), None)
    if person is None or person.unit != given.get("unit"):
        raise ValidationError("不是该司法所的社工 (not a worker of that office)", "person")
    if loaded["date"] > dt.date.today() + dt.timedelta(days=1):
        raise ValidationError(
            f"{loaded['date']} 尚未到来：报告的是已发生的事故 "
            f"({loaded['date']} has not come yet: a report is of what happened)",
            "date",
        )
    return context.record(INCIDENT, IncidentReported().dump(loaded))
