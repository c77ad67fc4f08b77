"""Review queue (审核): values flagged by the bureau's checks and their warnings, the
evidence viewer (images and PDF inline), bonus/deduction items, and decisions."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request, url_for
from flask_babel import gettext as _

from core.console import auth, inputs
from core.console.rendering import field_errors, flash, page, requires
from core.console.views.common import choose_cycle
from core.kernel.errors import Conflict, InvalidInput
from core.kernel.files import content_disposition
from core.services import assessment, evidence, indicators, units, values

DECIDED_MEANWHILE = (
    "此数据已由他人审核，请查看后再改 (decided by someone else since you loaded the queue; "
    "see their decision before changing it)"
)
bp = Blueprint("review", __name__, url_prefix="/bureaus/<bureau>")
INLINE = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


def _queue(bureau: str, cycle: str) -> list[dict]:
    """Flagged values of the cycle (warned on entry), with their warnings; undecided
    first."""
    c = auth.ctx()
    warnings = [w for w in assessment.warnings(c, bureau) if w["cycle"] == cycle]
    by_seq: dict[int, list[dict]] = {}
    for w in warnings:
        by_seq.setdefault(w["value_seq"], []).append(w)
    current = {v["seq"]: v for v in values.listing(c, bureau, {"cycle": cycle})}
    files = evidence.listing(c, bureau)
    queue = []
    for seq, raised in by_seq.items():
        value = current.get(seq)
        if value is None:
            continue  # corrected or withdrawn since: the new value has its own warnings
        subject = value.get("unit") or value.get("person")
        related = [
            f
            for f in files
            if (f["subject"] or "") == f"{subject}:{value['indicator']}@{value['period']}"
        ]
        queue.append({**value, "warnings": raised, "files": related})
    queue.sort(key=lambda v: (v["review"] not in (None, "pending"), v["seq"]))
    return queue


@bp.get("/review")
def index(bureau: str, errors: dict | None = None, status: int = 200, given: dict | None = None):
    """The queue and the items; after a refused form, its errors beside its fields and
    what was typed into it (``given``: field → text; a decision's note under
    ``<seq>:note``)."""
    cycles, cycle = choose_cycle(bureau)
    c = auth.ctx()
    return page(
        "review.html",
        status=status,
        cycles=cycles,
        cycle=cycle,
        queue=_queue(bureau, cycle["code"]) if cycle else [],
        items=[
            i for i in assessment.list_items(c, bureau) if cycle and i["cycle"] == cycle["code"]
        ],
        unit_list=units.listing(c, bureau),
        indicator_list=indicators.listing(c, bureau),
        errors=errors or {},
        given=given or {},
    )


@bp.post("/review/<int:seq>")
@requires("reviews.decide")
def decide(bureau: str, seq: int):
    note = request.form.get("note", "")
    try:
        f = inputs.form()
        decision = f.get("decision")
        done = assessment.decide_review(
            auth.ctx(), bureau, seq, decision, note, f.get("corrects", type=int)
        )
    except InvalidInput as exc:  # beside the note of that value's row
        errors = {f"{seq}:{k}": v for k, v in field_errors(exc).items()}
        return index(bureau, errors, 422, {f"{seq}:note": note})
    except Conflict:  # decided by someone else since the queue was loaded
        return index(bureau, {f"{seq}:decision": [DECIDED_MEANWHILE]}, 409, {f"{seq}:note": note})
    label = {"approved": _("approved"), "rejected": _("rejected")}.get(decision, decision)
    flash("ok", _("Value %(seq)s %(decision)s (ledger entry %(entry)s).", seq=seq,
                  decision=label, entry=done["seq"]))  # fmt: skip
    return redirect(url_for(".index", bureau=bureau, cycle=request.args.get("cycle")))


@bp.post("/items")
@requires("items.record")
def record_item(bureau: str):
    f = request.form
    row = {
        "unit": f.get("unit"),
        "indicator": f.get("indicator"),
        "cycle": f.get("cycle"),
        "period": f.get("period"),
        "quantity": f.get("quantity"),
        "reason": f.get("reason"),
    }
    try:
        inputs.form()
        done = assessment.record_items(auth.ctx(), bureau, [row])
    except InvalidInput as exc:
        return index(bureau, field_errors(exc, one_row=True), 422, row)
    flash("ok", _("Item recorded (ledger entry %(seq)s).", seq=done["seqs"][0]))
    return redirect(url_for(".index", bureau=bureau, cycle=f.get("cycle")))


@bp.get("/evidence/<digest>", endpoint="evidence")
def evidence_page(bureau: str, digest: str):
    info, _content = evidence.content(auth.ctx(), bureau, digest)
    return page("evidence.html", f=info, inline=info["media_type"] in INLINE)


@bp.get("/evidence/<digest>/file")
def evidence_file(bureau: str, digest: str):
    """The file's bytes (re-hashed by the service): images and PDF inline, in a
    sandbox; anything else as a download."""
    info, content = evidence.content(auth.ctx(), bureau, digest)
    inline = info["media_type"] in INLINE
    response = Response(
        content, mimetype=info["media_type"] if inline else "application/octet-stream"
    )
    response.headers["Content-Disposition"] = content_disposition(info["filename"], inline)
    if info["media_type"] != "application/pdf":  # Chromium will not show a sandboxed PDF
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
