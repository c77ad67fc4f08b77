"""The tax plugin's read endpoints, under ``/api/v1/bureaus/<bureau>/plugins/tax/``
(answered only for bureaus that installed the plugin; the caller needs read access):

* ``GET notices[?month=2026-03][&status=open]`` — the rectification notices;
* ``GET notices/<month>/<unit>`` — one notice, with its closing if closed.
"""

from __future__ import annotations

from flask import Blueprint, abort, request

from core.plugin_api import current_context
from plugins.tax import rectification

blueprint = Blueprint("tax_api", __name__)


@blueprint.get("/notices")
def notices(bureau: str) -> list[dict]:
    found = rectification.listing(current_context(), request.args.get("month"))
    status = request.args.get("status")
    return [n for n in found if status in (None, n["status"])]


@blueprint.get("/notices/<month>/<unit>")
def notice(bureau: str, month: str, unit: str) -> dict:
    found = current_context().records.get("notices", rectification.notice_key(month, unit))
    if found is None:
        abort(404)
    return found
