"""Collection rounds (收数), entry forms and submissions (填报): the neutral JSON entry
path that the Excel channels and the console call too."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from core.api import Blueprint
from core.api.context import ctx
from core.api.schemas import Open, RecordedOut, code, optional
from core.kernel.text import CODE_MAX, NOTE_MAX, REASON_MAX
from core.services import collection, forms, submissions

blp = Blueprint(
    "collection", __name__, description="Collection 收数与填报: rounds, forms, submissions"
)

Str = fields.String
PERIOD = "/bureaus/<code>/cycles/<cycle>/periods/<period>"
Days = fields.List(fields.Integer(strict=True), validate=validate.Length(max=20))


class RoundIn(Schema):
    deadline = Str(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "2026-04-15 (end of day, Beijing time) or an ISO date-time"},
    )
    units = fields.List(Str(validate=validate.Length(min=1, max=CODE_MAX)))
    groups = fields.List(Str(validate=validate.Length(min=1, max=CODE_MAX)))
    indicators = fields.List(
        Str(validate=validate.Length(min=1, max=CODE_MAX)),
        metadata={"description": "default: what each unit's published scheme asks"},
    )
    evidence = fields.Raw(
        metadata={"description": 'indicator codes that need evidence, or "*" for all'}
    )
    remind_before = Days
    remind_overdue = Days
    note = optional(NOTE_MAX)


class RoundOut(Open):
    cycle = Str()
    period = Str()
    state = Str(metadata={"description": "open | closed"})
    deadline = Str()
    units = fields.List(Str())
    indicators = fields.List(Str(), allow_none=True)
    opened_seq = fields.Integer()
    closed_seq = fields.Integer(allow_none=True)


class StatusQuery(Schema):
    unit = Str(validate=validate.Length(min=1, max=CODE_MAX))


class ExtensionIn(Schema):
    unit = code()
    deadline = Str(required=True, validate=validate.Length(min=1, max=40))
    reason = Str(required=True, validate=validate.Length(min=1, max=REASON_MAX))


class CloseIn(Schema):
    reason = optional(REASON_MAX)


class FormQuery(Schema):
    unit = Str(validate=validate.Length(min=1, max=CODE_MAX))
    person = Str(validate=validate.Length(min=1, max=CODE_MAX))


class SubmissionRow(Schema):
    indicator = code()
    value = fields.Raw(allow_none=True, metadata={"description": "empty: not reported yet"})
    note = optional(NOTE_MAX)
    evidence = fields.List(Str(validate=validate.Length(equal=64)))
    corrects = fields.Integer(strict=True, allow_none=True)


class SubmissionIn(Schema):
    cycle = code()
    period = Str(required=True, validate=validate.Length(min=1, max=32))
    unit = optional(CODE_MAX)
    person = optional(CODE_MAX)
    scheme_version = fields.Integer(strict=True, allow_none=True, load_default=None)
    rows = fields.List(
        fields.Nested(SubmissionRow), required=True, validate=validate.Length(min=1, max=10_000)
    )


def _clean(row: dict) -> dict:
    return {k: v for k, v in row.items() if v is not None}


@blp.route("/bureaus/<code>/collection")
class Rounds(MethodView):
    @blp.response(200, RoundOut(many=True))
    def get(self, code):
        """The bureau's collection rounds, open ones first."""
        return collection.listing(ctx(), code)


@blp.route(f"{PERIOD}/collection")
class Round(MethodView):
    @blp.arguments(StatusQuery, location="query")
    @blp.response(200, Open)
    def get(self, query, code, cycle, period):
        """Who has reported what: a summary, per indicator, per unit (a reporter sees
        its own units)."""
        return collection.status(ctx(), code, cycle, period, query.get("unit"))

    @blp.arguments(RoundIn)
    @blp.response(201, RoundOut)
    def post(self, data, code, cycle, period):
        """Open collection for the period (a ledger event)."""
        return collection.open_round(ctx(), code, cycle, period, data)


@blp.route(f"{PERIOD}/collection/extensions")
class Extensions(MethodView):
    @blp.arguments(ExtensionIn)
    @blp.response(201, Open)
    def post(self, data, code, cycle, period):
        """Give one unit a later deadline, with the reason on the record."""
        return collection.extend(
            ctx(), code, cycle, period, data["unit"], data["deadline"], data["reason"]
        )


@blp.route(f"{PERIOD}/collection/close")
class Close(MethodView):
    @blp.arguments(CloseIn)
    @blp.response(201, Open)
    def post(self, data, code, cycle, period):
        """Close the period for collection and sign a checkpoint covering it."""
        return collection.close(ctx(), code, cycle, period, data.get("reason"))


@blp.route("/bureaus/<code>/collection/reminders")
class Reminders(MethodView):
    @blp.response(201, Open(many=True))
    def post(self, code):
        """Record the reminders due now (each once; the server also does it hourly)."""
        return collection.remind(ctx(), code)


@blp.route("/bureaus/<code>/todo")
class Todo(MethodView):
    @blp.response(200, Open(many=True))
    def get(self, code):
        """What the caller's units still owe, nearest deadline first."""
        return collection.todo(ctx(), code)


@blp.route(f"{PERIOD}/form")
class Form(MethodView):
    @blp.arguments(FormQuery, location="query")
    @blp.response(200, Open)
    def get(self, query, code, cycle, period):
        """The entry form of a unit (or a member of staff) for the period."""
        return forms.entry_form(ctx(), code, cycle, period, query).as_dict()


@blp.route("/bureaus/<code>/submissions")
class Submissions(MethodView):
    @blp.arguments(SubmissionIn)
    @blp.response(201, RecordedOut)
    def post(self, data, code):
        """Submit one subject's figures for a period: all rows or none; errors per row
        in Chinese with English alongside."""
        subject = {k: data[k] for k in ("unit", "person") if data.get(k)}
        return submissions.submit(
            ctx(),
            code,
            cycle=data["cycle"],
            period=data["period"],
            subject=subject,
            rows=[_clean(r) for r in data["rows"]],
            scheme_version=data["scheme_version"],
        )
