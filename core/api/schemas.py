"""marshmallow schemas of the API: requests (unknown fields refused, marshmallow's
default) and the documented shape of every successful answer."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, post_dump, validate

from core.kernel.numbers import MAX_SAFE_INT
from core.kernel.text import CODE_MAX, NAME_MAX, NOTE_MAX, REASON_MAX

Str = fields.String


def code(**kw) -> fields.String:
    return Str(required=True, validate=validate.Length(min=1, max=CODE_MAX), **kw)


def name() -> fields.String:
    return Str(required=True, validate=validate.Length(min=1, max=NAME_MAX))


def seq_field(strict: bool = True, **kw) -> fields.Integer:
    """A ledger seq: 0 … 2^53−1 (``strict=False`` for query strings, which are text)."""
    return fields.Integer(strict=strict, validate=validate.Range(min=0, max=MAX_SAFE_INT), **kw)


class StrictBoolean(fields.Boolean):
    """A JSON body's boolean: ``true`` or ``false`` only. Marshmallow's default also reads
    "yes", "off", 1 or "0", so ``{"public": "no"}`` had made a log public. (Query
    strings keep the lenient field: they have no booleans of their own.)"""

    def _deserialize(self, value: object, attr: object, data: object, **kwargs: object) -> bool:
        if value is True or value is False:  # identity: 1 == True, and 0 == False
            return value
        raise self.make_error("invalid", input=value)


def optional(length: int) -> fields.String:
    return Str(load_default=None, allow_none=True, validate=validate.Length(max=length))


class Open(Schema):
    """A documented object that may carry more fields (plugins add some): the declared
    fields are documented, and every field of the answer is sent."""

    class Meta:
        unknown = INCLUDE

    @post_dump(pass_original=True)
    def _keep_the_rest(self, data: dict, original: object, **_: object) -> dict:
        if isinstance(original, dict):
            for key, value in original.items():
                data.setdefault(key, value)
        return data


# --------------------------------------------------------------------------- organisation


class BureauIn(Schema):
    code = code()
    name = name()
    name_en = Str(load_default="", validate=validate.Length(max=NAME_MAX))
    suite = Str(
        load_default="sha256-ed25519",
        validate=validate.OneOf(["sha256-ed25519", "sm3-sm2"]),
        metadata={"description": "the log's hash and signature algorithms, fixed for good"},
    )


class BureauOut(Schema):
    code = Str()
    name = Str()
    name_en = Str()
    entries = fields.Integer(metadata={"description": "ledger entries"})


class MeOut(Schema):
    username = Str()
    role = Str()
    bureau = Str(allow_none=True)
    actor = Str()


class UnitIn(Schema):
    code = code()
    name = name()
    name_en = Str(load_default="", validate=validate.Length(max=NAME_MAX))
    parent = optional(CODE_MAX)
    group = optional(CODE_MAX)


class UnitOut(Schema):
    code = Str()
    name = Str()
    name_en = Str()
    parent = Str(allow_none=True)
    group = Str(allow_none=True)


class GroupIn(Schema):
    group = Str(required=True, allow_none=True, validate=validate.Length(max=CODE_MAX))


class PersonIn(Schema):
    code = code()
    name = name()
    unit = optional(CODE_MAX)
    group = optional(CODE_MAX)
    id_card = optional(64)
    phone = optional(64)
    address = optional(500)


class PersonOut(Schema):
    code = Str()
    name = Str()
    unit = Str(allow_none=True)
    group = Str(allow_none=True)
    identifiers = fields.Dict(
        keys=Str(), values=Str(), metadata={"description": "masked; only for bureau admins"}
    )


class IndicatorIn(Schema):
    code = code()
    name = name()
    name_en = Str(load_default="", validate=validate.Length(max=NAME_MAX))
    measure = Str(
        load_default="",
        validate=validate.Length(max=32),
        metadata={"description": "unit of measure, e.g. %, 元, 件; 'grade' for labels"},
    )


class IndicatorOut(Schema):
    code = Str()
    name = Str()
    name_en = Str()
    measure = Str()


class PeriodOut(Schema):
    code = Str()
    kind = Str()
    start = Str()
    end = Str()


class CycleIn(Schema):
    code = code()
    name = name()
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    periods = fields.List(
        Str(validate=validate.OneOf(("year", "half", "quarter", "month", "day"))),
        load_default=lambda: ["quarter", "year"],
        validate=validate.Length(min=1, max=5),
    )


class CycleOut(Schema):
    code = Str()
    name = Str()
    start = Str()
    end = Str()
    periods = fields.List(fields.Nested(PeriodOut))


class UserIn(Schema):
    username = code()
    role = Str(required=True, validate=validate.Length(max=32))
    name = Str(load_default="", validate=validate.Length(max=NAME_MAX))
    units = fields.List(Str(validate=validate.Length(max=CODE_MAX)), load_default=list)
    person = optional(CODE_MAX)


class UserOut(Schema):
    username = Str()
    name = Str()
    role = Str()
    units = fields.List(Str())
    person = Str(allow_none=True)


class TokenIn(Schema):
    label = Str(load_default="", validate=validate.Length(max=100))


class TokenOut(Schema):
    id = fields.Integer()
    label = Str()
    created_at = Str()
    revoked = fields.Boolean()
    username = Str()
    token = Str(metadata={"description": "the bearer token, shown only when issued"})


# --------------------------------------------------------------------------- values


class Target(Schema):
    unit = optional(CODE_MAX)
    person = optional(CODE_MAX)
    indicator = code()
    cycle = code()
    period = Str(required=True, validate=validate.Length(min=1, max=32))


class ValueIn(Target):
    value = fields.Raw(
        required=True, metadata={"description": 'a decimal ("92.50" or 92.5), or a grade label'}
    )
    corrects = seq_field(
        load_default=None, allow_none=True, metadata={"description": "seq corrected"}
    )
    note = optional(NOTE_MAX)
    evidence = fields.List(Str(validate=validate.Length(equal=64)))
    source_key = optional(200)


BATCH_MAX = 50_000
"""Rows in one batch of values (the API's limit; a larger import is sent in parts)."""


class ValueBatchIn(Schema):
    rows = fields.List(
        fields.Nested(ValueIn), required=True, validate=validate.Length(min=1, max=BATCH_MAX)
    )


class WithdrawIn(Target):
    withdraws = seq_field(required=True, metadata={"description": "seq of the current entry"})
    reason = Str(required=True, validate=validate.Length(min=1, max=REASON_MAX))


class ValueOut(Open):
    unit = Str(allow_none=True)
    person = Str()
    indicator = Str()
    cycle = Str()
    period = Str()
    value = Str()
    seq = fields.Integer()
    review = Str()
    late = fields.Boolean(metadata={"description": "recorded after the round's deadline"})


class ValueQuery(Schema):
    unit = Str(validate=validate.Length(max=CODE_MAX))
    person = Str(validate=validate.Length(max=CODE_MAX))
    indicator = Str(validate=validate.Length(max=CODE_MAX))
    cycle = Str(validate=validate.Length(max=CODE_MAX))
    period = Str(validate=validate.Length(max=32))


class EventOut(Schema):
    seq = fields.Integer()
    kind = Str()
    leaf_hash = Str()


class RecordedWarning(Schema):
    row = fields.Integer()
    check = Str()
    message = Str()
    seq = fields.Integer()


class RecordedOut(Schema):
    entries = fields.List(fields.Nested(EventOut))
    warnings = fields.List(fields.Nested(RecordedWarning))
    skipped_rows = fields.List(fields.Integer())


# --------------------------------------------------------------------------- assessment


class RatingIn(Target):
    role = Str(required=True, metadata={"description": "superior, service_recipient, expert…"})
    score = fields.Raw(required=True, metadata={"description": '0–100, e.g. "92.5"'})
    rater = optional(100)
    comment = optional(NOTE_MAX)
    corrects = seq_field(load_default=None, allow_none=True)


class RatingRows(Schema):
    rows = fields.List(fields.Nested(RatingIn), required=True, validate=validate.Length(min=1))


class RatingWithdrawIn(WithdrawIn):
    rater = Str(required=True, validate=validate.Length(min=1, max=100))


class ItemIn(Target):
    quantity = fields.Raw(required=True)
    reason = Str(required=True, validate=validate.Length(min=1, max=NOTE_MAX))
    evidence = fields.List(Str(validate=validate.Length(equal=64)), load_default=list)
    finding = optional(200)
    corrects = seq_field(load_default=None, allow_none=True, metadata={"description": "item seq"})


class ItemRows(Schema):
    rows = fields.List(fields.Nested(ItemIn), required=True, validate=validate.Length(min=1))


class ItemWithdrawIn(Schema):
    reason = Str(required=True, validate=validate.Length(min=1, max=REASON_MAX))


class ItemOut(Open):
    seq = fields.Integer()
    unit = Str()
    person = Str()
    indicator = Str()
    cycle = Str()
    period = Str()
    quantity = Str()
    reason = Str()
    evidence = fields.List(Str())


class SeqsOut(Schema):
    seqs = fields.List(fields.Integer())
    entries = fields.List(fields.Nested(EventOut))


class PanelIn(Schema):
    cycle = code()
    indicator = code()
    size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))
    pool = fields.List(Str(validate=validate.Length(max=100)))
    reason = optional(REASON_MAX)
    """Required to draw again: why the panel is replaced."""


class PanelCloseIn(Schema):
    cycle = code()
    indicator = code()
    reason = optional(REASON_MAX)


class PanelQuery(Schema):
    cycle = code()
    indicator = code()


class PanelOut(Schema):
    seq = fields.Integer()
    seed = Str()
    members = fields.List(Str())


class ReviewIn(Schema):
    seq = seq_field(required=True, metadata={"description": "seq of the current value"})
    decision = Str(required=True, validate=validate.OneOf(("approved", "rejected")))
    note = Str(load_default="", validate=validate.Length(max=NOTE_MAX))
    corrects = seq_field(load_default=None, allow_none=True, metadata={"description": "review seq"})


class ReviewWithdrawIn(Schema):
    seq = seq_field(required=True)
    withdraws = seq_field(required=True)
    reason = Str(required=True, validate=validate.Length(min=1, max=REASON_MAX))


class WarningOut(Open):
    seq = fields.Integer()
    unit = Str()
    person = Str()
    indicator = Str()
    cycle = Str()
    period = Str()
    value_seq = fields.Integer()
    check = Str()
    message = Str()


class EvidenceOut(Schema):
    seq = fields.Integer()
    sha256 = Str()
    filename = Str()
    size = fields.Integer()
    media_type = Str()
    subject = Str()


class AttachOut(EvidenceOut):
    unit = Str()


class ResultQuery(Schema):
    period = Str(validate=validate.Length(max=32), metadata={"description": "e.g. 2026-Q2"})
    explain = fields.Boolean(load_default=True, metadata={"description": "false: ranks only"})


class UnitResultQuery(Schema):
    period = Str(validate=validate.Length(max=32))
    kind = Str(validate=validate.OneOf(("unit", "person")), load_default="unit")


class ResultOut(Open):
    subject = Str()
    kind = Str()
    unit = Str(allow_none=True)
    person = Str()
    name = Str()
    group = Str(allow_none=True)
    scheme = Str()
    version = fields.Integer()
    total = Str()
    rank = fields.Integer(allow_none=True)
    group_size = fields.Integer()
    grade = Str(allow_none=True)
    grade_name = Str(allow_none=True)
    flags = fields.List(Str())
    dimensions = fields.Dict(keys=Str(), values=Str())
    period = Str()
    attainable = Str(allow_none=True)
    share = Str(allow_none=True)
    explanation = fields.Dict()
    as_of = fields.Integer(metadata={"description": "the ledger size the result reflects"})


class OutcomeOut(Open):
    subject = Str()
    kind = Str()
    unit = Str(allow_none=True)
    name = Str()
    group = Str(allow_none=True)
    total = Str()
    rank = fields.Integer(allow_none=True)
    grade = Str(allow_none=True)
    health = fields.Dict(keys=Str(), values=Str())


class AppealIn(Target):
    reason = Str(required=True, validate=validate.Length(min=1, max=REASON_MAX))
    evidence = fields.List(Str(validate=validate.Length(equal=64)), load_default=list)


class AssignIn(Schema):
    reviewer = Str(required=True, validate=validate.Length(min=1, max=100))


class DecideIn(Schema):
    decision = Str(required=True, validate=validate.OneOf(("upheld", "corrected")))
    reason = Str(required=True, validate=validate.Length(min=1, max=REASON_MAX))
    value = fields.Raw(
        load_default=None, metadata={"description": "corrected value/quantity/score"}
    )
    target = seq_field(
        load_default=None, allow_none=True, metadata={"description": "input entry seq"}
    )
    withdraw = StrictBoolean(load_default=False)


class AppealQuery(Schema):
    overdue = fields.Boolean(load_default=False)


class AppealOut(Open):
    code = Str()
    subject = Str()
    kind = Str()
    unit = Str(allow_none=True)
    indicator = Str()
    cycle = Str()
    period = Str()
    value_seq = fields.Integer(allow_none=True)
    reason = Str()
    evidence = fields.List(Str())
    status = Str()
    reviewer = Str(allow_none=True)
    deadline = Str()
    seconds_left = fields.Integer(allow_none=True)
    overdue = fields.Boolean()
    decision = Str(allow_none=True)
    filed_seq = fields.Integer()
    decided_seq = fields.Integer(allow_none=True)
    correction_seq = fields.Integer(allow_none=True)


class SchemeOut(Schema):
    code = Str()
    version = fields.Integer()
    name = Str()
    group = Str(allow_none=True)
    subject = Str()
    status = Str()
    digest = Str()
    cycle = Str()
    nodes = fields.Integer()
    definition = fields.Dict()
