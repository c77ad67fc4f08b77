"""Each bureau's log, read-only, as C2SP tlog-tiles (for monitors such as
``jixiao ledger mirror``)::

    /logs/<bureau>/checkpoint                  the newest checkpoint, with cosignatures
    /logs/<bureau>/tile/<L>/<N>[.p/<W>]        Merkle tiles (256 hashes of a level)
    /logs/<bureau>/tile/entries/<N>[.p/<W>]    entry bundles (the bodies, uint16-prefixed)

Outside ``/api/v1`` (the paths are the specification's), so the API's authentication hook
does not run: a log is public only if its bureau said so in its ledger policy; otherwise
a bearer token with ``ledger.read`` is required (see docs/auditing.md for why).
Tiles never change once served, so they are cacheable forever; the checkpoint is not.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from core.api.context import Unauthorised
from core.domain.access import Principal
from core.services import ledger, users

bp = Blueprint("tiles", __name__)


def _principal() -> Principal | None:
    """The caller if a bearer token is given (401 for a bad one), else None."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    who = users.authenticate(current_app.extensions["jixiao"], token.strip())
    if scheme.lower() != "bearer" or who is None:
        raise Unauthorised("持有者令牌无效 (the bearer token is not valid)")
    return who


def _send(found: ledger.TileResponse) -> Response:
    response = Response(found.data, mimetype=found.content_type.split(";")[0])
    response.headers["Content-Type"] = found.content_type
    response.headers["Cache-Control"] = (
        "public, max-age=31536000, immutable" if found.immutable else "no-cache"
    )
    if request.headers.get("Authorization"):  # shared caches must not serve it to others
        response.headers["Cache-Control"] = response.headers["Cache-Control"].replace(
            "public", "private"
        )
        response.headers["Vary"] = "Authorization"
    return response


@bp.get("/logs/<bureau>/checkpoint")
def checkpoint(bureau: str) -> Response:
    platform = current_app.extensions["jixiao"]
    return _send(ledger.tile_checkpoint(platform, _principal(), bureau))


@bp.get("/logs/<bureau>/tile/<path:rest>")
def tile(bureau: str, rest: str) -> Response:
    platform = current_app.extensions["jixiao"]
    return _send(ledger.tile(platform, _principal(), bureau, "tile/" + rest))
