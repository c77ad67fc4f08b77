"""The staffing office plugin's read endpoints, under
``/api/v1/bureaus/<bureau>/plugins/staffing_office/`` (bureaus that installed it):

* ``GET experts[?on=2026-06-30]`` — the expert pool on a date (default today);
* ``GET monitoring`` — the published quarterly reports (digest, counts, attention);
* ``GET monitoring/<quarter>[?cycle=2026]`` — a quarter's report from the standings.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, abort, request
from marshmallow import EXCLUDE, Schema, fields

from core.plugin_api import current_context
from plugins.staffing_office import experts, monitoring

blueprint = Blueprint("staffing_office_api", __name__)


class PoolQuery(Schema):
    """``GET experts``'s query. Loaded with marshmallow so a date that is none
    (``?on=2026-02-30``) is the core's 422 problem naming ``on``, as the core's own
    query arguments are, not a bare 400 naming nothing; other arguments are ignored,
    as webargs ignores them for the core's endpoints."""

    class Meta:
        unknown = EXCLUDE

    on = fields.Date(
        load_default=None,
        error_messages={"invalid": "须为日期，如 2026-06-30 (a date such as 2026-06-30)"},
    )


@blueprint.get("/experts")
def pool(bureau: str) -> list[dict]:
    given = PoolQuery().load({k: v for k, v in request.args.items() if v != ""})
    on = given["on"] or dt.date.today()
    members = experts.pool_at(current_context().records.all("experts"), on)
    return [experts.describe(member) for member in members.values()]


@blueprint.get("/monitoring")
def published(bureau: str) -> list[dict]:
    return current_context().records.all("monitoring")


@blueprint.get("/monitoring/<quarter>")
def quarter_report(bureau: str, quarter: str) -> dict:
    if not re.fullmatch(monitoring.QUARTER, quarter):
        abort(
            404,
            description=f"没有季度 {quarter!r}，季度写作 2026-Q2 "
            f"(no quarter {quarter!r}: a quarter is written 2026-Q2)",
        )
    return monitoring.report(current_context(), request.args.get("cycle") or quarter[:4], quarter)
