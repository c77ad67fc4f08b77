"""Expert scoring (专家评分): only the units the expert was drawn for, and only the
expert's own ratings (blind to the other experts') until the office closes the panel;
then every member sees the final scores."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _

from core.console import auth
from core.console.rendering import field_errors, flash, page
from core.kernel.errors import InvalidInput
from core.services import assessment, scoring

bp = Blueprint("scoring", __name__, url_prefix="/bureaus/<bureau>/scoring")


@bp.get("/")
def index(bureau: str, errors: dict | None = None, status: int = 200):
    tasks = scoring.tasks(auth.ctx(), bureau)
    for task in tasks:  # a closed panel's scores are final and shown to its members
        task["all_ratings"] = (
            scoring.panel_ratings(auth.ctx(), bureau, task["cycle"], task["indicator"])["ratings"]
            if task["closed"]
            else []
        )
    return page("scoring.html", status=status, tasks=tasks, errors=errors or {})


@bp.post("/<cycle>/<indicator>")
def submit(bureau: str, cycle: str, indicator: str):
    task = next(
        (t for t in scoring.tasks(auth.ctx(), bureau)
         if t["cycle"] == cycle and t["indicator"] == indicator),
        None,
    )  # fmt: skip
    if task is None:
        return index(bureau, {"indicator": [_("You were not drawn for this panel.")]}, 403)
    rows = []
    for r in task["rows"]:
        score = request.form.get(f"score-{r['unit']}-{r['period']}", "").strip()
        if score == "" or score == (r["score"] or ""):
            continue
        row = {"unit": r["unit"], "indicator": indicator, "cycle": cycle, "period": r["period"],
               "role": "expert", "score": score}  # fmt: skip
        comment = request.form.get(f"comment-{r['unit']}-{r['period']}", "").strip()
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
        return index(bureau, field_errors(exc), 422)
    flash("ok", _("%(count)s rating(s) recorded.", count=len(done["seqs"])))
    return redirect(url_for(".index", bureau=bureau))
