"""The education plugin's read endpoints, under
``/api/v1/bureaus/<bureau>/plugins/education/`` (bureaus that installed it):

* ``GET talents`` — the current designations (tier, term, document);
* ``GET funding[?cycle=2026]`` — the funding granted;
* ``GET teams[?cycle=2026]`` — the teams commended.
"""

from __future__ import annotations

from flask import Blueprint, request

from core.plugin_api import current_context

blueprint = Blueprint("education_api", __name__)


@blueprint.get("/talents")
def talents(bureau: str) -> list[dict]:
    return current_context().records.all("talents")


def _of_cycle(collection: str) -> list[dict]:
    cycle = request.args.get("cycle")
    return [r for r in current_context().records.all(collection) if cycle in (None, r["cycle"])]


@blueprint.get("/funding")
def funding(bureau: str) -> list[dict]:
    return _of_cycle("funding")


@blueprint.get("/teams")
def teams(bureau: str) -> list[dict]:
    return _of_cycle("teams")
