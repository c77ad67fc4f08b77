"""Cycles, indicators and indicator values (周期、指标、指标值)."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields

from core.api import schemas
from core.api.blueprint import Blueprint, json_body
from core.api.bodies import one_upload
from core.api.context import ctx
from core.kernel.errors import invalid, rows_have_errors
from core.services import cycles, imports, indicators, values

blp = Blueprint("records", __name__, description="Cycles, indicators and values 周期、指标与数据")


@blp.route("/bureaus/<code>/cycles")
class Cycles(MethodView):
    @blp.response(200, schemas.CycleOut(many=True))
    def get(self, code):
        return cycles.listing(ctx(), code)

    @blp.arguments(schemas.CycleIn)
    @blp.response(201, schemas.CycleOut)
    def post(self, data, code):
        """Create a cycle; its periods are generated from the kinds asked for (D-21)."""
        kinds = data.pop("periods")
        return cycles.create(ctx(), code, kinds=kinds, **data)


@blp.route("/bureaus/<code>/cycles/<cycle>")
class CycleOne(MethodView):
    @blp.response(200, schemas.CycleOut)
    def get(self, code, cycle):
        return cycles.get(ctx(), code, cycle)


@blp.route("/bureaus/<code>/indicators")
class Indicators(MethodView):
    @blp.response(200, schemas.IndicatorOut(many=True))
    def get(self, code):
        return indicators.listing(ctx(), code)

    @blp.arguments(schemas.IndicatorIn)
    @blp.response(201, schemas.IndicatorOut)
    def post(self, data, code):
        return indicators.create(ctx(), code, **data)


def _drop_nulls(row: dict) -> dict:
    return {k: v for k, v in row.items() if v is not None or k == "corrects"}


@blp.route("/bureaus/<code>/values")
class Values(MethodView):
    @blp.arguments(schemas.ValueQuery, location="query")
    @blp.response(200, schemas.ValueOut(many=True))
    def get(self, query, code):
        """Current values (a projection of the ledger); reporters see their own units."""
        return values.listing(ctx(), code, query)

    @blp.arguments(schemas.ValueIn)
    @blp.response(201, schemas.RecordedOut)
    def post(self, data, code):
        """Record one value as a ledger entry; to change a value, send ``corrects``."""
        return values.record(ctx(), code, [_drop_nulls(data)])


@blp.route("/bureaus/<code>/values/batch")
class ValueBatch(MethodView):
    @blp.response(201, schemas.RecordedOut)
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/ValueBatchIn"},
                            {"type": "array", "items": {"$ref": "#/components/schemas/ValueIn"}},
                        ]
                    }
                }
            },
        }
    )
    def post(self, code):
        """Record many values at once: all rows are written, or none (errors name rows).
        The body is ``{"rows": [...]}`` or the plain array ``values import`` reads."""
        body = json_body(missing=None)
        rows = body.get("rows") if isinstance(body, dict) else body
        if not isinstance(rows, list) or not rows:
            raise invalid(
                "rows",
                '请发送数据行列表 (send {"rows": [ {unit, indicator, cycle, period, value}, … ]})',
            )
        unknown = sorted(set(body) - {"rows"}) if isinstance(body, dict) else []
        if unknown:  # e.g. a "dry_run" this endpoint does not have: never write regardless
            raise invalid(
                unknown[0][:64], '不是批量请求的字段 (not a field of a batch: send {"rows": [...]})'
            )
        if len(rows) > schemas.BATCH_MAX:
            raise invalid(
                "rows",
                f"一批最多 {schemas.BATCH_MAX} 行，此批 {len(rows)} 行，请分批发送 "
                f"(at most {schemas.BATCH_MAX} rows per batch; this one has {len(rows)}: "
                "send it in parts)",
            )
        loaded = schemas.ValueIn(many=True).validate(rows)
        if loaded:
            from core.api.problems import flatten_messages
            from core.kernel.errors import FieldError, InvalidInput

            errors = flatten_messages({"rows": loaded})
            raise InvalidInput(
                rows_have_errors(errors),
                [FieldError(e["field"], e["reason"], e.get("row")) for e in errors],
            )
        return values.record(ctx(), code, rows)


@blp.route("/bureaus/<code>/values/withdraw")
class ValueWithdraw(MethodView):
    @blp.arguments(schemas.WithdrawIn)
    @blp.response(201, schemas.EventOut)
    def post(self, data, code):
        """Withdraw the current value (it then scores as missing), naming its seq."""
        return values.withdraw(ctx(), code, _drop_nulls(data))


class ImporterOut(Schema):
    name = fields.String()
    title = fields.String()
    formats = fields.List(fields.String())
    plugin = fields.String()


class FeedOut(schemas.RecordedOut):
    importer = fields.String()
    rows = fields.Integer()


@blp.route("/bureaus/<code>/imports")
class Importers(MethodView):
    @blp.response(200, ImporterOut(many=True))
    def get(self, code):
        """Feeds from other systems the bureau's plugins can read (D-42)."""
        return imports.listing(ctx(), code)


@blp.route("/bureaus/<code>/imports/<name>")
class Feed(MethodView):
    @blp.response(201, FeedOut)
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file", "cycle"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "cycle": {"type": "string"},
                            "period": {"type": "string"},
                        },
                    }
                }
            },
        }
    )
    def post(self, code, name):
        """Import an exported file with importer ``name``: all rows or none; rows already
        imported (same source key) are skipped."""
        upload = request.files.get("file")
        if upload is None or not request.form.get("cycle"):
            raise invalid(
                "file",
                "请以 multipart/form-data 发送 'file' 和 'cycle'"
                " (send multipart/form-data with 'file' and 'cycle')",
            )
        one_upload(("cycle", "period"))
        return imports.run(
            ctx(),
            code,
            name,
            upload.read(),
            upload.filename or "",
            request.form["cycle"],
            request.form.get("period") or None,
        )
