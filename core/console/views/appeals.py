"""Appeals (申诉, D-33): filing with evidence, the reviewers' queue with a countdown to
the deadline, assignment, the decision, the history on the record, the decision letter."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _

from core.console import auth, inputs
from core.console.pdf import pdf_response
from core.console.rendering import field_errors, flash, page, requires
from core.console.views.common import attempt, choose_cycle
from core.kernel.errors import Conflict, InvalidInput
from core.services import appeals, evidence, indicators, reports, units, users

bp = Blueprint("appeals", __name__, url_prefix="/bureaus/<bureau>/appeals")


@bp.get("/")
def index(bureau: str, errors: dict | None = None, status: int = 200, given: dict | None = None):
    c = auth.ctx()
    cycle = choose_cycle(bureau)[1]
    found = appeals.listing(c, bureau)
    found.sort(key=lambda a: (a["status"] not in ("filed", "assigned"), a["deadline"]))
    visible_units = units.listing(c, bureau)
    scope = c.principal.unit_scope()
    return page(
        "appeals.html",
        status=status,
        appeals=found,
        cycle=cycle,
        unit_list=visible_units if scope is None else [
            u for u in visible_units if u["code"] in _own_codes(bureau)
        ],
        indicator_list=indicators.listing(c, bureau),
        files=attempt(evidence.listing, c, bureau) or [],
        errors=errors or {},
        given=given or {"unit": request.args.get("unit", "")},
    )  # fmt: skip


def _own_codes(bureau: str) -> set[str]:
    """The reporter's own units, as the values service scopes them (its forms)."""
    from core.services import forms

    cycle = choose_cycle(bureau)[1]
    period = cycle["periods"][0]["code"] if cycle and cycle["periods"] else None
    if period is None:
        return set()
    return {f.subject for f in forms.forms_for_units(auth.ctx(), bureau, cycle["code"], period)}


@bp.post("/")
@requires("appeals.file")
def file(bureau: str):
    f = request.form
    row = {
        "unit": f.get("unit"),
        "indicator": f.get("indicator"),
        "cycle": f.get("cycle"),
        "period": f.get("period"),
        "reason": f.get("reason"),
    }
    chosen = f.getlist("evidence")
    if chosen:
        row["evidence"] = chosen
    try:
        inputs.form()
        done = appeals.file(auth.ctx(), bureau, row)
    except InvalidInput as exc:
        return index(bureau, field_errors(exc, one_row=True), 422, row)
    flash("ok", _("Appeal %(code)s filed; a reviewer must decide it by %(deadline)s.",
                  code=done["code"], deadline=done["deadline"]))  # fmt: skip
    return redirect(url_for(".detail", bureau=bureau, code=done["code"]))


@bp.get("/<code>")
def detail(bureau: str, code: str, errors: dict | None = None, status: int = 200,
           given: dict | None = None):  # fmt: skip
    """The appeal; after a refused form, its errors and what was typed (``given``)."""
    c = auth.ctx()
    found = appeals.get(c, bureau, code)
    people = attempt(users.listing, c, bureau)
    reviewers = [u for u in people or [] if u["role"] in ("reviewer", "bureau_admin")]
    return page("appeal.html", status=status, a=found, reviewers=reviewers, errors=errors or {},
                given=given or {})  # fmt: skip


@bp.post("/<code>/assign")
@requires("appeals.assign")
def assign(bureau: str, code: str):
    try:
        inputs.form()
        appeals.assign(auth.ctx(), bureau, code, request.form.get("reviewer"))
    except (InvalidInput, Conflict) as exc:
        return detail(bureau, code, field_errors(exc), exc.status)
    flash("ok", _("Reviewer assigned."))
    return redirect(url_for(".detail", bureau=bureau, code=code))


@bp.post("/<code>/decide")
@requires("appeals.decide")
def decide(bureau: str, code: str):
    f = request.form
    target = (f.get("target") or "").strip() or None  # the service says if it is no seq
    value = f.get("value") or None
    try:
        inputs.form()
        appeals.decide(
            auth.ctx(), bureau, code, f.get("decision"), f.get("reason"), value, target,
            f.get("withdraw") == "1",
        )  # fmt: skip
    except (InvalidInput, Conflict) as exc:
        return detail(bureau, code, field_errors(exc), exc.status, f.to_dict())
    flash("ok", _("The decision is on the record."))
    return redirect(url_for(".detail", bureau=bureau, code=code))


@bp.get("/<code>/letter.pdf")
def letter(bureau: str, code: str):
    found = appeals.get(auth.ctx(), bureau, code)
    if found["decided_seq"] is None:
        raise Conflict(_("The appeal is not decided yet."))
    stamp = reports.stamp(auth.ctx(), bureau, found["decided_seq"])
    return pdf_response("print/letter.html", f"appeal-{code}.pdf", a=found, stamp=stamp)
