"""Expert scoring (专家评分): only the units the expert was drawn for, and only the
expert's own ratings (blind to the other experts') until the office closes the panel;
then every member sees the final scores."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _

from core.console import auth, inputs
from core.console.rendering import flash, page, requires
from core.kernel.errors import InvalidInput
from core.services import assessment, scoring

bp = Blueprint("scoring", __name__, url_prefix="/bureaus/<bureau>/scoring")


@bp.get("/")
def index(bureau: str, errors: dict | None = None, status: int = 200, given: dict | None = None):
    """The expert's panels; after a refused form, each error beside its field (keyed by
    the field's name, ``score-<unit>-<period>``) and what was typed (``given``)."""
    tasks = scoring.tasks(auth.ctx(), bureau)
    for task in tasks:  # a closed panel's scores are final and shown to its members
        task["all_ratings"] = (
            scoring.panel_ratings(auth.ctx(), bureau, task["cycle"], task["indicator"])["ratings"]
            if task["closed"]
            else []
        )
    return page("scoring.html", status=status, tasks=tasks, errors=errors or {},
                given=given or {})  # fmt: skip


FIELDS = ("score", "comment")
"""The form's fields per unit and period: ``score-<unit>-<period>``, ``comment-…``."""


def _field(kind: str, row: dict) -> str:
    """The name of a unit and period's ``score`` or ``comment`` field on the form."""
    return f"{kind}-{row['unit']}-{row['period']}"


@bp.post("/<cycle>/<indicator>")
@requires("ratings.submit")
def submit(bureau: str, cycle: str, indicator: str):
    unreadable = inputs.problems()
    if unreadable:
        return index(bureau, unreadable, 422, request.form)
    task = next(
        (t for t in scoring.tasks(auth.ctx(), bureau)
         if t["cycle"] == cycle and t["indicator"] == indicator),
        None,
    )  # fmt: skip
    if task is None:
        return index(bureau, {"indicator": [_("You were not drawn for this panel.")]}, 403)
    known = {_field(kind, r) for r in task["rows"] for kind in FIELDS}
    strangers = {
        name: [_("This unit and period are not on your panel's form.")]
        for name in request.form
        if name.startswith(tuple(f"{kind}-" for kind in FIELDS)) and name not in known
    }
    if strangers:  # a score for a unit or period not on the panel is refused, not dropped
        return index(bureau, strangers, 422, request.form)
    rows = []
    for r in task["rows"]:
        score = request.form.get(_field("score", r), "").strip()
        if score == "" or score == (r["score"] or ""):
            continue
        row = {"unit": r["unit"], "indicator": indicator, "cycle": cycle, "period": r["period"],
               "role": "expert", "score": score}  # fmt: skip
        comment = request.form.get(_field("comment", r), "").strip()
        if comment:
            row["comment"] = comment
        if r["seq"] is not None:
            row["corrects"] = r["seq"]
        rows.append(row)
    if not rows:
        flash("warn", _("No score was entered or changed."))
        return redirect(url_for(".index", bureau=bureau))
    try:
        done = assessment.submit_ratings(auth.ctx(), bureau, rows)
    except InvalidInput as exc:
        names = {n: f"{r['unit']}-{r['period']}" for n, r in enumerate(rows, start=1)}
        errors: dict[str, list[str]] = {}
        for e in exc.errors:  # beside the row's score or comment
            key = f"{e.field}-{names[e.row]}" if e.row in names else e.field
            errors.setdefault(key, []).append(e.reason)
        return index(bureau, errors, 422, request.form)
    flash("ok", _("%(count)s rating(s) recorded.", count=len(done["seqs"])))
    return redirect(url_for(".index", bureau=bureau))
