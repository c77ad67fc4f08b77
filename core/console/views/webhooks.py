"""Webhooks (推送): endpoints, recent attempts, adding, enabling, redelivering."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _

from core.console import auth, inputs
from core.console.rendering import field_errors, flash, page
from core.kernel.errors import InvalidInput
from webhooks import service

bp = Blueprint("webhooks", __name__, url_prefix="/bureaus/<bureau>/webhooks")


FIELDS = ("url", "events", "description")
"""The fields of the form that adds an endpoint."""


@bp.get("/")
def index(bureau: str, errors: dict | None = None, status: int = 200, secret: str | None = None,
          given: dict[str, str] | None = None):  # fmt: skip
    """The endpoints and their attempts; after a refused form, its errors beside its
    fields and what was typed into them (``given``)."""
    c = auth.ctx()
    endpoints = service.listing(c, bureau)
    chosen = request.args.get("hook", type=int) or (endpoints[0]["id"] if endpoints else None)
    return page(
        "webhooks.html",
        status=status,
        endpoints=endpoints,
        chosen=chosen,
        attempts=service.attempts(c, bureau, chosen, 50) if chosen else [],
        errors=errors or {},
        secret=secret,
        given=given or {},
    )


@bp.post("/")
def add(bureau: str):
    given = {name: request.form.get(name, "") for name in FIELDS}
    try:
        inputs.form()
        done = service.add(
            auth.ctx(),
            bureau,
            given["url"],
            given["events"],  # comma-separated; blank is refused as in the API and CLI
            given["description"],
        )
    except InvalidInput as exc:
        errors: dict[str, list[str]] = {}
        for name, reasons in field_errors(exc).items():  # events[2]: beside the one field
            errors.setdefault(name.split("[")[0], []).extend(reasons)
        return index(bureau, errors, 422, given=given)
    return index(bureau, secret=done["secret"])


@bp.post("/<int:hook>/redeliver")
def redeliver(bureau: str, hook: int):
    done = service.redeliver(auth.ctx(), bureau, hook)
    flash("ok", _("%(count)s delivery(ies) queued again.", count=done["queued"]))
    return redirect(url_for(".index", bureau=bureau, hook=hook))


@bp.post("/<int:hook>/enabled")
def enabled(bureau: str, hook: int):
    service.set_enabled(auth.ctx(), bureau, hook, request.form.get("enabled") == "1")
    return redirect(url_for(".index", bureau=bureau, hook=hook))
