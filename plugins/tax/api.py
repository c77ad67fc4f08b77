"""The tax plugin's read endpoints, under ``/api/v1/bureaus/<bureau>/plugins/tax/``
(answered only for bureaus that installed the plugin; the caller needs read access):

* ``GET notices[?month=2026-03][&status=open]`` — the rectification notices;
* ``GET notices/<month>/<unit>`` — one notice, with its closing if closed.

An impossible month (``2026-13``) or status is a 422 naming the parameter, not an
empty list or a 404 that would read as "no notices".
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from marshmallow import ValidationError

from core.plugin_api import current_context
from plugins.tax import rectification

blueprint = Blueprint("tax_api", __name__)
STATUSES = ("open", "closed")


@blueprint.get("/notices")
def notices(bureau: str) -> list[dict]:
    month, status = request.args.get("month"), request.args.get("status")
    wrong: dict[str, list[str]] = {}  # both parameters' mistakes at once
    if status not in (None, *STATUSES):
        wrong["status"] = [f"须为 open 或 closed (open or closed, not {status!r})"]
    if month is not None:
        try:
            rectification.check_month(month)
        except ValidationError as exc:
            wrong.update(exc.normalized_messages())
    if wrong:
        raise ValidationError(wrong)
    found = rectification.listing(current_context(), month)
    return [n for n in found if status in (None, n["status"])]


@blueprint.get("/notices/<month>/<unit>")
def notice(bureau: str, month: str, unit: str) -> dict:
    rectification.check_month(month)
    found = current_context().records.get("notices", rectification.notice_key(month, unit))
    if found is None:
        abort(404, description=f"{unit}在{month}没有整改通报 (no notice of {unit} for {month})")
    return found
