"""Collection (数据收集): the office opens a period's round, follows who has and hasn't
reported, grants extensions and closes it (the collection service, issue 10)."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _

from core.console import auth, inputs
from core.console.rendering import field_errors, flash, page, requires
from core.console.views.common import choose_cycle
from core.kernel.errors import Conflict, InvalidInput, NotFound, ServiceError
from core.services import collection

bp = Blueprint("collection", __name__, url_prefix="/bureaus/<bureau>/collection")
Refused = (InvalidInput, Conflict, NotFound)


@bp.get("/")
def index(bureau: str, errors: dict | None = None, status: int = 200, form: str = ""):
    """The rounds and who has reported; after a refused form (``form``: ``open``,
    ``extend`` or ``close``), its errors beside its fields and what was typed."""
    c = auth.ctx()
    cycles, cycle = choose_cycle(bureau)
    rounds = collection.listing(c, bureau)
    chosen = request.args.get("period") or next(
        (r["period"] for r in rounds if r["state"] == "open"), None
    )
    shown = next((r for r in rounds if r["period"] == chosen), None)
    detail = collection.status(c, bureau, shown["cycle"], shown["period"]) if shown else None
    return page(
        "collection.html",
        status=status,
        cycles=cycles,
        cycle=cycle,
        rounds=rounds,
        detail=detail,
        errors=errors or {},
        form=form,
        given=request.form if form else {},
    )


def _refused(bureau: str, exc: ServiceError, form: str):
    return index(bureau, field_errors(exc), exc.status, form)


@bp.post("/")
@requires("collection.manage")
def open_round(bureau: str):
    f = request.form
    spec = {"deadline": f.get("deadline", "")}
    if f.get("evidence") == "1":
        spec["evidence"] = "*"
    if f.get("note"):
        spec["note"] = f.get("note")
    try:
        inputs.form()
        done = collection.open_round(auth.ctx(), bureau, f.get("cycle"), f.get("period"), spec)
    except Refused as exc:
        return _refused(bureau, exc, "open")
    flash("ok", _("Collection for %(period)s is open until %(deadline)s.",
                  period=done["period"], deadline=done["deadline"]))  # fmt: skip
    return redirect(url_for(".index", bureau=bureau, period=done["period"]))


@bp.post("/<cycle>/<period>/extend")
@requires("collection.manage")
def extend(bureau: str, cycle: str, period: str):
    f = request.form
    try:
        inputs.form()
        collection.extend(auth.ctx(), bureau, cycle, period, f.get("unit"), f.get("deadline"),
                          f.get("reason"))  # fmt: skip
    except Refused as exc:
        return _refused(bureau, exc, "extend")
    flash("ok", _("Extension granted."))
    return redirect(url_for(".index", bureau=bureau, period=period))


@bp.post("/<cycle>/<period>/close")
@requires("collection.manage")
def close(bureau: str, cycle: str, period: str):
    try:
        inputs.form()
        done = collection.close(auth.ctx(), bureau, cycle, period, request.form.get("reason"))
    except Refused as exc:
        return _refused(bureau, exc, "close")
    flash("ok", _("Collection for %(period)s closed; %(count)s unit(s) still owed figures.",
                  period=period, count=len(done["outstanding"])))  # fmt: skip
    return redirect(url_for(".index", bureau=bureau, period=period))
