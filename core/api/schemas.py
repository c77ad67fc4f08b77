"""marshmallow schemas of the API. Unknown fields are refused (marshmallow's default)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.domain.access import ROLES
from core.domain.cycles import PERIOD_KINDS

Code = fields.String(required=True, validate=validate.Length(min=1, max=64))
Name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class BureauIn(Schema):
    code = Code
    name = Name
    name_en = fields.String(load_default="", validate=validate.Length(max=200))


class BureauOut(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()


class UnitIn(BureauIn):
    parent = fields.String(load_default=None, allow_none=True)
    group = fields.String(load_default=None, allow_none=True)


class UnitOut(BureauOut):
    parent = fields.Function(lambda u: u.parent.code if u.parent else None)
    group = fields.String(attribute="group_code", allow_none=True)


class PersonIn(Schema):
    code = Code
    name = Name
    unit = fields.String(load_default=None, allow_none=True)
    id_card = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class PersonOut(Schema):
    code = fields.String()
    name = fields.String()
    unit = fields.String(allow_none=True)
    identifiers = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "masked; only for bureau admins"},
    )


class IndicatorIn(BureauIn):
    measure = fields.String(
        load_default="",
        validate=validate.Length(max=32),
        metadata={"description": "unit of measure, e.g. %, 元, 件"},
    )


class IndicatorOut(BureauOut):
    measure = fields.String()


class PeriodOut(Schema):
    code = fields.String()
    kind = fields.String()
    start = fields.Date()
    end = fields.Date()


class CycleIn(Schema):
    code = Code
    name = Name
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    periods = fields.List(
        fields.String(validate=validate.OneOf(PERIOD_KINDS)),
        load_default=lambda: ["quarter", "year"],
    )


class CycleOut(Schema):
    code = fields.String()
    name = fields.String()
    start = fields.Date()
    end = fields.Date()
    periods = fields.List(fields.Nested(PeriodOut))


class ValueIn(Schema):
    unit = fields.String(required=True)
    indicator = fields.String(required=True)
    cycle = fields.String(required=True)
    period = fields.String(required=True)
    value = fields.Raw(required=True, metadata={"description": 'decimal as string, e.g. "92.50"'})
    corrects = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        metadata={"description": "seq of the entry this corrects"},
    )
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ValueBatchIn(Schema):
    rows = fields.List(
        fields.Nested(ValueIn), required=True, validate=validate.Length(min=1, max=50_000)
    )


class ValueOut(Schema):
    unit = fields.Function(lambda v: v.unit.code)
    indicator = fields.Function(lambda v: v.indicator.code)
    cycle = fields.Function(lambda v: v.period.cycle.code)
    period = fields.Function(lambda v: v.period.code)
    value = fields.String()
    seq = fields.Integer()


class ValueQuery(Schema):
    unit = fields.String()
    indicator = fields.String()
    cycle = fields.String()
    period = fields.String()


class EntryRef(Schema):
    seq = fields.Integer()
    kind = fields.String()
    leaf_hash = fields.Function(lambda e: e.leaf_hash.hex())


class RecordedOut(Schema):
    entries = fields.List(fields.Nested(EntryRef))
    warnings = fields.List(fields.Dict())


class UserIn(Schema):
    username = Code
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    name = fields.String(load_default="")
    units = fields.List(fields.String(), load_default=list)
