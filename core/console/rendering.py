"""Rendering shared by every page: the layout's context, messages after a redirect,
service errors as pages (or as a form's field errors), and small formatting filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, current_app, g, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from core.console import auth
from core.kernel.errors import ServiceError
from core.services import sessions

# (endpoint, label, the permission whose holders see the link). The link only mirrors
# the services' matrix; the page itself is whatever the service answers.
NAV = (
    ("console.overview.index", "bureau.read"),
    ("console.collection.index", "collection.manage"),
    ("console.results.rankings", "results.read"),
    ("console.entry.index", "values.record"),
    ("console.review.index", "reviews.decide"),
    ("console.scoring.index", "ratings.submit"),
    ("console.appeals.index", "appeals.read"),
    ("console.ledger.index", "ledger.read"),
    ("console.plugins.index", "plugins.manage"),
    ("console.webhooks.index", "webhooks.manage"),
    ("console.admin.users", "users.manage"),
)


def nav_label(endpoint: str) -> str:
    return {
        "console.overview.index": _("Overview"),
        "console.collection.index": _("Collection"),
        "console.results.rankings": _("Rankings"),
        "console.entry.index": _("Data entry"),
        "console.review.index": _("Review"),
        "console.scoring.index": _("Expert scoring"),
        "console.appeals.index": _("Appeals"),
        "console.ledger.index": _("Ledger"),
        "console.plugins.index": _("Plugins"),
        "console.webhooks.index": _("Webhooks"),
        "console.admin.users": _("Users"),
    }[endpoint]


def role_label(role: str) -> str:
    return {
        "platform_admin": _("Platform admin"),
        "bureau_admin": _("Bureau admin"),
        "reporter": _("Reporter"),
        "reviewer": _("Reviewer"),
        "expert": _("Expert"),
        "auditor": _("Auditor"),
    }.get(role, role)


def may(permission: str) -> bool:
    principal = g.get("principal")
    if principal is None:
        return False
    return principal.everywhere or principal.can(permission, principal.bureau_id)


View = TypeVar("View", bound=Callable[..., Any])


def requires(permission: str) -> Callable[[View], View]:
    """Name, on a view, the permission the service it calls checks, so that pages offer
    its link or form only to callers the service would let through (:func:`offers`).
    The service still decides; this only keeps the console from showing a button that
    answers 403 (docs/console.md: the console shows nothing the API would refuse)."""

    def mark(view: View) -> View:
        view.jixiao_permission = permission  # type: ignore[attr-defined]
        return view

    return mark


def offers(endpoint: str) -> bool:
    """Whether a page shows the link or form of ``endpoint`` to the caller: the
    services' permission matrix asked for the permission the view declares
    (:func:`requires`); a view that declares none is for everyone who sees the page."""
    view = current_app.view_functions.get(endpoint)
    permission = getattr(view, "jixiao_permission", None)
    return permission is None or may(permission)


def flash(kind: str, message: str) -> None:
    """A message for the next page this browser shows (after a redirect)."""
    user = auth.signed_in()
    if user is not None:
        sessions.flash(auth.platform(), user.token_hash, kind, message)


def page(template: str, status: int = 200, **context: Any):
    return render_template(template, **context), status


def field_errors(error: ServiceError, one_row: bool = False) -> dict[str, list[str]]:
    """field → reasons ("row 3: …" where the error names a row, unless the form sent
    ``one_row``, whose fields the reasons stand beside already)."""
    out: dict[str, list[str]] = {}
    for e in error.errors:
        reason = f"{_('row')} {e.row}: {e.reason}" if e.row and not one_row else e.reason
        out.setdefault(e.field, []).append(reason)
    return out


def _error_page(status: int, title: str, detail: str, errors: list):
    template = "_error_fragment.html" if request.headers.get("HX-Request") else "error.html"
    return render_template(template, status=status, title=title, detail=detail, errors=errors), (
        status
    )


def seconds_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{sign}{hours}:{rest // 60:02d}"


def setup(console: Blueprint) -> None:
    """Error pages and the layout's context, on the console's blueprint (once)."""

    @console.errorhandler(ServiceError)
    def _service_error(error: ServiceError):
        titles = {
            401: _("Please sign in"),
            403: _("Not permitted"),
            404: _("Not found"),
            409: _("Conflict"),
            422: _("Invalid input"),
            429: _("Too many attempts"),
        }
        return _error_page(error.status, titles.get(error.status, _("Error")), error.detail, [
            f"{e.field}: {e.reason}" for e in error.errors
        ])  # fmt: skip

    @console.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return http_error_page(error)

    @console.app_context_processor
    def _layout() -> dict[str, Any]:
        return {
            "may": may,
            "nav": NAV,
            "nav_label": nav_label,
            "user": auth.signed_in(),
            "bureau_code": (request.view_args or {}).get("bureau"),
            "role_label": role_label,
            "today": dt.date.today(),
            "get_locale": get_locale,
        }


def http_error_page(error: HTTPException):
    """An HTTP error as a console page (also for addresses no blueprint matched)."""
    titles = {404: _("Not found"), 405: _("Method not allowed"), 413: _("Invalid input")}
    status = error.code or 500
    details = {
        404: _("The page does not exist."),
        405: _("This address does not accept this kind of request."),
    }
    detail = details.get(status) or error.description or ""
    return _error_page(status, titles.get(status, error.name), detail, [])


def init_app(app: Flask) -> None:
    app.extensions["jixiao.html_errors"] = http_error_page
    app.jinja_env.globals["offers"] = offers  # a global: macros (seq_link) ask it too
    app.jinja_env.filters["hms"] = seconds_text
    app.jinja_env.filters["pairs"] = lambda rows, value, label: [(r[value], r[label]) for r in rows]
    app.jinja_env.add_extension("jinja2.ext.loopcontrols")
