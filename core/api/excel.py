"""Excel over HTTP (Excel 表格): template downloads, workbook uploads, results as
workbooks, the xlwings-Server-style endpoint for the add-ins, and the Office.js task pane
and custom functions the app serves.

Views parse, call :mod:`excel_addin` (which calls the services) and render. An upload
that is refused answers 422: as problem+json naming each problem's sheet and cell, or,
when the client asks for a spreadsheet (``Accept: application/vnd.openxmlformats…``
or ``?annotated=true``), as the annotated copy of the workbook itself.
"""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path
from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask import Response, request, send_file
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from core.api.blueprint import Blueprint, json_body
from core.api.bodies import one_upload
from core.api.context import ctx
from core.api.problems import problem
from core.kernel.errors import invalid
from core.kernel.files import content_disposition

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

blp = Blueprint(
    "excel", __name__, description="Excel 表格: templates, uploads, results, xlwings add-in"
)


def _xlsx(name: str, data: bytes, status: int = 200) -> Response:
    response = send_file(io.BytesIO(data), mimetype=XLSX)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.status_code = status
    return response


class TemplateQuery(Schema):
    cycle = fields.String(required=True, validate=validate.Length(max=64))
    period = fields.String(required=True, validate=validate.Length(max=64))
    unit = fields.String(validate=validate.Length(max=64))
    person = fields.String(validate=validate.Length(max=64))
    all_units = fields.Boolean(load_default=False)
    units = fields.String(load_default="", validate=validate.Length(max=10_000))


class ResultsQuery(Schema):
    cycle = fields.String(required=True, validate=validate.Length(max=64))
    period = fields.String(validate=validate.Length(max=64))
    unit = fields.String(validate=validate.Length(max=64))
    person = fields.String(validate=validate.Length(max=64))
    health = fields.Boolean(load_default=False)


class ImportQuery(Schema):
    annotated = fields.Boolean(load_default=False)


XLSX_RESPONSE = {"description": "an .xlsx workbook", "content": {XLSX: {}}}


@blp.route("/bureaus/<code>/excel/template")
class Template(MethodView):
    @blp.arguments(TemplateQuery, location="query")
    @blp.doc(responses={"200": XLSX_RESPONSE})
    def get(self, query, code):
        """An entry template for one unit (``unit``) or person (``person``) and period,
        or with ``all_units=true`` the 汇总表 of every unit the caller may enter for
        (``units=a,b`` to choose), one sheet per unit."""
        from excel_addin import exports, sources

        if query["all_units"]:
            chosen = [u.strip() for u in query["units"].split(",") if u.strip()]
            name, data = exports.entry_template(
                ctx(), code, query["cycle"], query["period"], None, chosen
            )
        else:
            subject = sources.subject_of(query.get("unit"), query.get("person"))
            name, data = exports.entry_template(
                ctx(), code, query["cycle"], query["period"], subject
            )
        return _xlsx(name, data)


@blp.route("/bureaus/<code>/excel/import")
class Import(MethodView):
    @blp.arguments(ImportQuery, location="query")
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        responses={"201": {"description": "recorded: entries and warnings per sheet"}},
    )
    def post(self, query, code):
        """Upload a filled-in template (multipart field ``file``, or the bytes with
        Content-Type xlsx). All sheets are checked before anything is sent; a refused
        workbook writes nothing and answers 422 with every problem's sheet and cell."""
        from excel_addin import importer

        upload = request.files.get("file")
        if upload is not None:
            one_upload()
            data = upload.read()
        elif request.mimetype in (XLSX, "application/octet-stream"):
            data = request.get_data()
        else:
            raise invalid(
                "file",
                "请以 multipart/form-data 的 'file' 字段上传工作簿"
                " (send the workbook as multipart/form-data field 'file')",
            )
        outcome = importer.import_workbook(ctx(), code, data)
        if outcome.ok:
            return outcome.summary(), 201
        # JSON first: a client accepting anything (curl's and requests' */*) gets the
        # problem+json the docs promise; only one that names the workbook type gets it
        wants_file = query["annotated"] or (
            request.accept_mimetypes.best_match(["application/json", XLSX]) == XLSX
        )
        if wants_file and outcome.annotated is not None:
            return _xlsx("annotated.errors.xlsx", outcome.annotated, outcome.status)
        return _refused(outcome)


def _refused(outcome: Any) -> Response:
    first = outcome.problems[0] if outcome.problems else None
    return problem(
        outcome.status,
        "Workbook refused",
        f"{len(outcome.problems)} 处问题，未写入任何数据 ({len(outcome.problems)} problem(s); "
        f"nothing was written): {first}",
        [p.as_dict() for p in outcome.problems],
    )


@blp.route("/bureaus/<code>/excel/results")
class Results(MethodView):
    @blp.arguments(ResultsQuery, location="query")
    @blp.doc(responses={"200": XLSX_RESPONSE})
    def get(self, query, code):
        """Results for printing: rankings and grades per group (default), one subject's
        explanation (``unit``/``person``), or the health report (``health=true``)."""
        from excel_addin import exports

        cycle, period = query["cycle"], query.get("period")
        if query["health"]:
            name, data = exports.health(ctx(), code, cycle)
        elif query.get("unit") or query.get("person"):
            kind = "unit" if query.get("unit") else "person"
            name, data = exports.explanation(ctx(), code, cycle, query[kind], kind, period)
        else:
            name, data = exports.rankings(ctx(), code, cycle, period)
        return _xlsx(name, data)


class FormQuery(Schema):
    cycle = fields.String(required=True, validate=validate.Length(max=64))
    period = fields.String(required=True, validate=validate.Length(max=64))
    unit = fields.String(validate=validate.Length(max=64))
    person = fields.String(validate=validate.Length(max=64))


@blp.route("/bureaus/<code>/excel/form")
class Form(MethodView):
    @blp.arguments(FormQuery, location="query")
    def get(self, query, code):
        """The entry form of one subject and period for the add-ins: ``form``, the sheet
        layout (``columns``, plugins' included) and grade lists (``choices``)."""
        from excel_addin import sheet_entry, sources

        subject = sources.subject_of(query.get("unit"), query.get("person"))
        return sheet_entry.form_payload(ctx(), code, query["cycle"], query["period"], subject)


@blp.route("/bureaus/<code>/excel/submit")
class Submit(MethodView):
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["cycle", "period", "subject", "rows"],
                        "properties": {
                            "cycle": {"type": "string"},
                            "period": {"type": "string"},
                            "subject": {"type": "object"},
                            "scheme_version": {"type": "integer"},
                            "sheet": {"type": "string"},
                            "rows": {"type": "array", "items": {"type": "object"}},
                        },
                    }
                }
            },
        }
    )
    def post(self, code):
        """One entry sheet's raw cells (``rows: [{row, indicator, cells: {value, note,
        evidence}}]``), checked as an uploaded workbook's are and submitted all or
        nothing; 201 with ``recorded_rows`` and warnings, else 4xx with ``problems``,
        each naming its sheet row and cell."""
        from excel_addin import sheet_entry

        outcome = sheet_entry.submit_sheet(ctx(), code, _json_body())
        return outcome, outcome["status"]


def _json_body() -> Any:
    found = json_body(missing=None)
    if found is None:
        raise invalid("body", "请发送 JSON (send JSON (Content-Type: application/json))")
    return found


@blp.route("/bureaus/<code>/excel/xlwings/<action>")
class XlwingsServer(MethodView):
    @blp.doc(
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        responses={"200": {"description": '{"actions": [...]} for the xlwings client'}},
    )
    def post(self, code, action):
        """xlwings-Server-style endpoint for the Office.js pane and VBA
        ``RunServerPython``: the body is the client's book payload; ``form`` lays out the
        entry sheet named by ``?cycle=&period=&unit=`` (or the active sheet's heading),
        ``submit`` reads the active entry sheet, submits it and marks the outcome. The
        answer is the actions the client applies. Needs the ``excel`` extra and
        ``XLWINGS_LICENSE_KEY`` (docs/excel.md)."""
        from excel_addin import server

        return server.run(ctx(), code, action, _json_body(), request.args)


# ---------------------------------------------------------------- the Office.js add-in

pane = FlaskBlueprint("excel_pane", __name__, url_prefix="/excel")
PANE_FILES = {
    "taskpane.html": "text/html",
    "taskpane.js": "text/javascript",
    "functions.js": "text/javascript",
    "functions.json": "application/json",
    "icon-32.png": "image/png",
}


def _pane_file(name: str) -> bytes:
    return resources.files("excel_addin").joinpath("officejs", name).read_bytes()


@pane.get("/manifest.xml")
def manifest() -> Response:
    """The add-in manifest, pointing at this server (sideload it: docs/excel.md)."""
    base = request.host_url.rstrip("/")
    text = _pane_file("manifest.xml").decode().replace("{BASE}", base)
    return Response(text, mimetype="application/xml")


@pane.get("/<any(" + ", ".join(f'"{n}"' for n in PANE_FILES) + "):name>")
def pane_file(name: str) -> Response:
    return Response(_pane_file(name), mimetype=PANE_FILES[name])


@pane.get("/office.js")
def office_js() -> Response:
    """Microsoft's office.js, served from this server when the administrator placed it
    in ``<instance>/excel/office.js`` (npm package ``@microsoft/office-js``); the pane
    never loads it from a CDN."""
    from core.api.context import platform

    path = Path(platform().instance) / "excel" / "office.js"
    if not path.is_file():
        return Response(
            "// office.js is not installed on this server: see docs/excel.md\n",
            404,
            mimetype="text/javascript",
        )
    return Response(path.read_bytes(), mimetype="text/javascript")


blp.record_once(lambda state: state.app.register_blueprint(pane))
