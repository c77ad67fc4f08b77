"""What a request may carry beyond what its endpoint reads: no body where none is read,
one file and only the named fields in an upload.

``POST …/collection/reminders``, ``…/versions/<n>/publish``, ``PUT …/plugins/<name>``
and the like take no body. A body sent to them was ignored whatever it held — invalid
JSON or ``{"dry_run": true}`` answered 201 and acted — so a caller who believed it was
asking for something else never heard otherwise. Such a body must be empty: nothing,
``{}``, ``[]`` or ``null`` (what HTTP clients send by default); malformed JSON is a 400
as anywhere else, and anything more is a 422 naming ``body``.

Which endpoints read a body is what flask-smorest records of their arguments (their
``in``: ``json``, the default, ``form`` or ``files``), or a request body documented by
hand (uploads and bodies the view reads itself). Views that are not flask-smorest's (plugins'
blueprints) read their own bodies and are left to them.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from core.kernel import jsonio
from core.kernel.errors import FieldError, InvalidInput, invalid

_BODY_LOCATIONS = ("json", "form", "files", "json_or_form")
_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _reads_body(view: Any) -> bool | None:
    """Whether the smorest view method reads a body; None when it is not smorest's."""
    doc = getattr(view, "_apidoc", None)
    if doc is None:
        return None
    parameters = doc.get("arguments", {}).get("parameters", [])
    if any(p.get("in") in _BODY_LOCATIONS for p in parameters):  # smorest's key for it
        return True
    return "requestBody" in (doc.get("manual_doc") or {})


def refuse_unread_body() -> None:
    """Before a view runs: a non-empty body sent where none is read is refused."""
    if request.method not in _METHODS or request.endpoint is None:
        return
    function = current_app.view_functions.get(request.endpoint)
    view_class = getattr(function, "view_class", None)
    view = getattr(view_class, request.method.lower(), None) if view_class else function
    if _reads_body(view) is not False:
        return
    data = request.get_data(cache=True)
    if not data.strip() and not request.form and not request.files:
        return
    if request.is_json and jsonio.loads(data) in ({}, [], None):
        return
    raise invalid(
        "body",
        "此操作不读取请求体，请勿发送内容 (this request reads no body: send none)",
    )


def one_upload(fields: tuple[str, ...] = ()) -> None:
    """A multipart upload holds one ``file`` and only the form ``fields`` named, each
    once: a second file would be dropped and an unknown field ignored, which the caller
    must hear about (as a JSON body's unknown keys are refused)."""
    if len(request.files.getlist("file")) > 1:
        raise invalid("file", "每次上传一个文件 (one file per upload)")
    for name in fields:
        if len(request.form.getlist(name)) > 1:
            raise invalid(name, "只能给出一次 (may be given only once)")
    given = {str(name) for name in (*request.form, *request.files)}  # a nameless part: None
    unknown = sorted(given - {"file", *fields})
    if unknown:
        raise InvalidInput(
            "未知字段 (unknown fields)",
            [FieldError(name[:64], "未知字段 (unknown field)") for name in unknown],
        )
