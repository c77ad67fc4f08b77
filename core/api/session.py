"""Per-request database session, caller identity and bureau scoping."""

from __future__ import annotations

from flask import Flask, g, request
from sqlalchemy.orm import Session

from core.domain import access, organisation
from core.domain.models import Bureau
from core.kernel.errors import NotFound, ServiceError
from core.services.platform import current


class Unauthorised(ServiceError):
    status = 401
    title = "Unauthorized"


def db() -> Session:
    """The request's session; its transaction commits only through :func:`commit`."""
    if "db" not in g:
        g.db = current().db.sessions()
        g.db.begin()
    return g.db


def commit() -> None:
    db().commit()


def caller() -> access.Principal:
    if "caller" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        who = access.authenticate(db(), token.strip()) if scheme.lower() == "bearer" else None
        if who is None:
            raise Unauthorised("a valid bearer token is required (Authorization: Bearer jx_…)")
        g.caller = who
    return g.caller


def bureau(code: str, permission: str = "bureau.read") -> Bureau:
    """The bureau named in the path, if the caller may see it and has ``permission``.

    A bureau the caller cannot see is reported as not found, so codes cannot be probed.
    """
    who = caller()
    found = organisation.get_bureau(db(), code)
    if not who.sees(found.id):
        raise NotFound(f"no bureau {code!r}")
    who.require(permission, found.id)
    return found


def _close(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()  # rolls back anything not committed


def init_app(app: Flask) -> None:
    app.teardown_request(_close)
