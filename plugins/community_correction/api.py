"""The community-correction plugin's read endpoints, under
``/api/v1/bureaus/<bureau>/plugins/community_correction/`` (bureaus that installed it):

* ``GET incidents`` — safety incidents recorded;
* ``GET imports`` — the 苏解纷 export files imported (SHA-256, rows, source keys).
"""

from __future__ import annotations

from flask import Blueprint

from core.plugin_api import current_context

blueprint = Blueprint("community_correction_api", __name__)


@blueprint.get("/incidents")
def incidents(bureau: str) -> list[dict]:
    return current_context().records.all("incidents")


@blueprint.get("/imports")
def imports(bureau: str) -> list[dict]:
    return current_context().records.all("imports")
