"""The request's caller and service context.

Every request under ``/api/v1`` is authenticated before anything else happens (a
request without a valid token gets 401 before its body is read or validated), except
the endpoints marked :func:`public`. Views build the service context with :func:`ctx`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, g, request

from core.kernel.errors import ServiceError
from core.services import users
from core.services.context import Context
from core.services.platform import Platform

F = TypeVar("F", bound=Callable)
PUBLIC = "jixiao_public"


class Unauthorised(ServiceError):
    status = 401
    title = "Unauthorized"


def public(view: F) -> F:
    """Mark a view as answering without a token (the public key, the docs)."""
    setattr(view, PUBLIC, True)
    return view


def platform() -> Platform:
    return current_app.extensions["jixiao"]


def ctx() -> Context:
    """The service context of this request (the authenticated caller)."""
    return Context(platform(), g.principal)


def _authenticate() -> None:
    if not request.path.startswith("/api/v1") or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(getattr(view, "view_class", view), PUBLIC, False) or getattr(view, PUBLIC, False):
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    who = users.authenticate(platform(), token.strip()) if scheme.lower() == "bearer" else None
    if who is None:
        raise Unauthorised(
            "需要有效的持有者令牌 (a valid bearer token is required (Authorization: Bearer jx_…))"
        )
    g.principal = who


def init_app(app: Flask) -> None:
    app.before_request(_authenticate)
