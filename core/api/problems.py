"""RFC 9457 ``application/problem+json`` responses for every error the API returns."""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from core.kernel import jsonio
from core.kernel.errors import ServiceError
from core.kernel.library_messages import chinese_first

PROBLEM_TYPE = "https://jixiao.invalid/problems/"
CONTENT_TYPE = "application/problem+json"
DESCRIPTIONS = {
    "400": "请求无法读取 (the request cannot be read: malformed JSON, bad characters)",
    "401": "需要登录 (a valid bearer token is required)",
    "403": "无权操作 (the caller's role or units do not allow it)",
    "404": "未找到 (no such record, or not visible to the caller)",
    "409": "冲突 (conflicts with the current state: already exists, stale correction…)",
    "413": "请求过大 (the body is larger than the limit)",
    "415": "请以 JSON 发送 (a body that is not JSON: send Content-Type: application/json)",
    "422": "输入有误 (invalid input: each error names the field, row and reason)",
}


class FieldErrorSchema(Schema):
    field = fields.String(required=True)
    reason = fields.String(required=True)
    row = fields.Integer()


class ProblemSchema(Schema):
    """RFC 9457 problem details, with the fields that were wrong."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldErrorSchema))


ERRORS_SHOWN = 1000
"""At most this many field errors in one answer, then one saying how many more: a 50,000-
row batch of bad figures had answered with 8 MB of errors."""


def problem(status: int, title: str, detail: str, errors: list[dict] | None = None) -> Response:
    if errors and len(errors) > ERRORS_SHOWN:
        more = len(errors) - ERRORS_SHOWN
        errors = [
            *errors[:ERRORS_SHOWN],
            {
                "field": "body",
                "reason": f"另有 {more} 处错误未列出 ({more} more errors not listed: fix these "
                "and send again)",
            },
        ]
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return Response(jsonio.dumps(body), status, mimetype=CONTENT_TYPE)


def from_service(error: ServiceError) -> Response:
    return problem(error.status, error.title, error.detail, [e.as_dict() for e in error.errors])


LOCATIONS = ("json", "query", "path", "headers", "form", "files")
ROWS = "rows"  # the list field of batch requests: its indexes are reported as rows


def flatten_messages(messages: Any, field: str = "", row: int | None = None) -> list[dict]:
    """webargs/marshmallow messages → ``[{field, reason, row?}]``.

    ``{"json": {"rows": {0: {"value": ["Not a valid number."]}}}}`` becomes
    ``[{"field": "value", "reason": "须为数字 (Not a valid number.)", "row": 1}]`` (rows
    count from 1; the libraries' own reasons Chinese first, :mod:`core.kernel.library_messages`).
    """
    if isinstance(messages, dict):
        out: list[dict] = []
        for key, value in messages.items():
            if isinstance(key, int) and field == ROWS:
                out.extend(flatten_messages(value, "", key + 1))
            elif isinstance(key, int):
                out.extend(flatten_messages(value, f"{field}[{key}]", row))
            elif not field and key in LOCATIONS:
                out.extend(flatten_messages(value, "", row))
            else:
                out.extend(flatten_messages(value, f"{field}.{key}" if field else key, row))
        return out
    if isinstance(messages, list):
        return [item for m in messages for item in flatten_messages(m, field, row)]
    item = {"field": field or "body", "reason": chinese_first(str(messages))}
    if row is not None:
        item["row"] = row
    return [item]


def from_http(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    errors = flatten_messages(data["messages"]) if "messages" in data else None
    detail = error.description or error.name
    if error.code == 413:
        detail = f"上传内容过大 (the request is too large: {detail})"
    if errors:
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
    response = problem(error.code or 500, error.name, detail, errors)
    for header, value in (data.get("headers") or {}).items():
        response.headers[header] = value
    return response
