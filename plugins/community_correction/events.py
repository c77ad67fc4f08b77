"""Ledger entry kinds of community correction: incidents and platform imports.

An incident report (安全事故报告) is the fact a reviewer's deduction item or the veto
value then cites; a platform import records which file (by SHA-256) was read and the
source keys of its rows, so that an auditor can tie every imported value to its file.
Workers and supervised persons are named by code only; identifiers stay in the vault
(D-41).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from plugins.education.fields import code_field

INCIDENT_KINDS = ("abscond", "reoffence", "major_incident", "group_incident", "unreported")
SEVERITIES = ("general", "major")


class IncidentReported(Schema):
    """安全事故报告: what happened, to whose caseload, how serious."""

    unit = code_field(required=True)
    person = code_field(required=True)
    date = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(INCIDENT_KINDS))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    summary = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PlatformImported(Schema):
    """平台数据导入: one export file read by an importer."""

    importer = fields.String(required=True, validate=validate.Length(min=1, max=64))
    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))
    sha256 = fields.String(required=True, validate=validate.Regexp(r"[0-9a-f]{64}"))
    rows = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    source_keys = fields.List(fields.String(validate=validate.Length(min=1, max=100)))
