"""The strict reading every endpoint shares: Flask's JSON provider and webargs' parser
both read bodies with :mod:`core.kernel.jsonio` (exact decimals, no duplicate keys,
bounded depth and integers), and answers are UTF-8 with Chinese as itself. API modules
take their :class:`Blueprint` from here (not from the package, which imports them)."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Request, request
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import Schema
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import UnsupportedMediaType

from core.kernel import jsonio


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON with the strict reader, and UTF-8 output."""

    ensure_ascii = False
    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return jsonio.loads(s)


class StrictParser(FlaskParser):
    """webargs reading bodies with the same strict reader as Flask."""

    def _get_schema(self, argmap, req):  # type: ignore[no-untyped-def]
        # webargs builds a new instance of a schema class for every request; a schema
        # holds no state between loads, so each class's one instance is reused.
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            return _instance(argmap)
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req):  # type: ignore[no-untyped-def]
        found = json_body(req)
        return webargs_core.missing if found is _NONE else found


_NONE = object()


def json_body(req: Request | None = None, missing: Any = _NONE) -> Any:
    """The request's JSON body, read strictly, or ``missing`` when there is none (an
    empty body, whatever its type says: "no body" whether or not the client set
    ``Content-Type: application/json``). A body that is not JSON is a 415 — rather than
    "missing data for required field" about fields the client believes it sent. Every
    endpoint that reads JSON, through webargs or by itself, reads it here."""
    req = req or request
    data = req.get_data(cache=True)
    if not is_json_request(req):
        if data.strip() or req.form or req.files:
            sent = req.mimetype or "no type"
            raise UnsupportedMediaType(
                "请以 JSON 发送，Content-Type: application/json "
                f"(send JSON with Content-Type: application/json, not {sent})"
            )
        return missing
    if not data.strip():
        return missing
    return jsonio.loads(data)


@cache
def _instance(schema: type[Schema]) -> Schema:
    return schema()


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = StrictParser()
