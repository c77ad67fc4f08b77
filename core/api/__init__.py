"""REST API under ``/api/v1`` (flask-smorest), OpenAPI at ``/api/openapi.json``.

What holds for every endpoint, set up here once:

* bodies are read by the strict JSON reader (:mod:`core.kernel.jsonio`: exact decimals,
  no duplicate keys, bounded depth and integers, no unreadable text), and answers are
  UTF-8 JSON with Chinese as itself;
* path segments, query strings and form fields with NUL or lone surrogates are refused
  before any view runs;
* the caller is authenticated before the body is validated (401 first);
* every error is RFC 9457 ``application/problem+json`` naming the field, row and reason,
  and the OpenAPI document says so for every operation.
"""

from __future__ import annotations

from apispec import BasePlugin
from flask import Flask, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from core.api import bodies, context, problems
from core.api.blueprint import StrictJSONProvider
from core.kernel.errors import FieldError, InvalidInput, ServiceError
from core.kernel.text import problem as text_problem

ERROR_STATUSES = ("400", "401", "403", "404", "409", "413", "415", "422")


class ProblemErrors(BasePlugin):
    """Document the errors every operation can answer, as problem+json."""

    def operation_helper(self, path=None, operations=None, **kwargs):  # type: ignore[no-untyped-def]
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            for status in ERROR_STATUSES:
                responses.setdefault(status, {"$ref": f"#/components/responses/PROBLEM_{status}"})


class ProblemApi(Api):
    """flask-smorest's Api with every HTTP error rendered, and documented, as RFC 9457
    problem+json."""

    ERROR_SCHEMA = problems.ProblemSchema

    def handle_http_exception(self, error: HTTPException):  # type: ignore[override]
        return problems.from_http(error)

    def _register_responses(self) -> None:  # type: ignore[override]
        super()._register_responses()
        for status in ERROR_STATUSES:
            self.spec.components.response(
                f"PROBLEM_{status}",
                {
                    "description": problems.DESCRIPTIONS[status],
                    "content": {problems.CONTENT_TYPE: {"schema": problems.ProblemSchema}},
                },
            )


def _guard_request() -> None:
    """Refuse NUL, other control characters and lone surrogates in the path, the query
    and form fields before a view sees them (PostgreSQL cannot even compare them)."""
    sources = [("path", request.view_args or {}), ("query", request.args)]
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        sources.append(("form", request.form))
    errors = []
    for where, values in sources:
        items = (
            values.items(multi=True)
            if hasattr(values, "items") and where != "path"
            else values.items()
        )
        for key, value in items:
            for text in (key, value):
                reason = (
                    text_problem(text, multiline=where == "form") if isinstance(text, str) else None
                )
                if reason:
                    errors.append(FieldError(str(key)[:64], reason))
                    break
    if request.path.startswith("/api/"):
        errors += _replaced_bytes()
    if errors:
        raise InvalidInput(f"{errors[0].field}: {errors[0].reason}", errors)


NOT_UTF8 = "不是有效的 UTF-8 文本 (is not valid UTF-8 text)"


def _replaced_bytes() -> list[FieldError]:
    """Form fields and file names werkzeug could not decode as UTF-8, which it hands on
    with U+FFFD in place of the bytes (an evidence subject ``x\\xff`` was recorded as
    ``x\ufffd``): refused, as a JSON body that is not UTF-8 is. (The console reads its
    forms strictly itself, and shows each such field again beside its error.)"""
    if request.mimetype not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return []
    if not request.form and not request.files and (request.content_length or 0) > 0:
        # werkzeug drops a whole body it cannot parse: part headers that are not UTF-8,
        # a body cut short (no closing boundary), a boundary the body does not use
        reason = (
            "表单无法读取：多部分正文不完整或格式有误，或字段名、文件名不是有效的 UTF-8 "
            "(the form cannot be read: the multipart body is incomplete or malformed, "
            "or a field or file name is not valid UTF-8)"
        )
        return [FieldError("body", reason)]
    # a part without a name arrives under the key None: str() it, never add to it
    found = [key for key, value in request.form.items(multi=True) if "\ufffd" in f"{key}{value}"]
    found += [key for key, upload in request.files.items(multi=True)
              if "\ufffd" in f"{key}{upload.filename or ''}"]  # fmt: skip
    return [FieldError(str(key)[:64], NOT_UTF8) for key in found]


def init_app(app: Flask) -> None:
    app.json_provider_class = StrictJSONProvider
    app.json = StrictJSONProvider(app)
    app.config.update(
        API_TITLE="jixiao 绩效",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {
                "description": "Performance assessment ledger API. Authenticate with "
                "`Authorization: Bearer <token>`. Errors are RFC 9457 "
                "`application/problem+json` naming the field, row and reason."
            },
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
    )
    api = ProblemApi(app, spec_kwargs={"extra_plugins": [ProblemErrors()]})
    from core.api import (
        assessment,
        bureaus,
        collection,
        docs,
        excel,
        ledger,
        people,
        plugins,
        records,
        schemas,
        schemes,
        tiles,
    )
    from webhooks import api as webhooks_api

    modules = (bureaus, people, records, schemes, collection, assessment, ledger, plugins)
    for module in (*modules, webhooks_api, excel):
        api.register_blueprint(module.blp, url_prefix="/api/v1")
    # bodies a view reads itself (a batch: an object or a plain array) are documented
    # by reference, so the schemas they name must be in the spec too
    api.spec.components.schema("ValueBatchIn", schema=schemas.ValueBatchIn)
    app.register_blueprint(docs.bp)
    app.register_blueprint(tiles.bp)  # /logs/<bureau>/…: C2SP tlog-tiles, outside /api/v1
    context.init_app(app)  # 401 comes before anything about the request's content
    app.before_request(_guard_request)
    app.before_request(bodies.refuse_unread_body)
    from core.api import plugin_routes

    plugin_routes.register(app)  # after authentication: it opens the unit of work

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError):
        return problems.from_service(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        # An address outside the API, asked for by a browser (no blueprint matched, so
        # the console's own handlers did not run): the console's page, if it is there.
        pages = app.extensions.get("jixiao.html_errors")
        browser = request.accept_mimetypes.accept_html
        if pages is not None and browser and not request.path.startswith(("/api", "/logs")):
            return pages(error)
        return problems.from_http(error)

    from marshmallow import ValidationError

    @app.errorhandler(ValidationError)
    def _schema_error(error: ValidationError):
        """A plugin's view validating with its own schema: 422 naming the fields."""
        errors = problems.flatten_messages(error.normalized_messages())
        return problems.problem(422, "Invalid input", "请求有误 (the request has errors)", errors)
