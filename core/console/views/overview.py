"""Overview (概览): where the cycle stands, who has and hasn't reported, warnings,
overdue appeals, recent ledger activity — each section only if the services let the
signed-in user see it."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint

from core.console import auth
from core.console.rendering import page
from core.console.views.common import attempt, choose_cycle, period_state
from core.services import appeals, assessment, bureaus, collection, ledger

bp = Blueprint("overview", __name__, url_prefix="/bureaus/<bureau>")


def _progress(cycle: dict) -> dict:
    start, end = dt.date.fromisoformat(cycle["start"]), dt.date.fromisoformat(cycle["end"])
    days = max((end - start).days, 1)
    elapsed = min(max((dt.date.today() - start).days, 0), days)
    return {"percent": round(100 * elapsed / days), "periods": [
        {**p, "state": period_state(p)} for p in cycle["periods"]
    ]}  # fmt: skip


def _reporting(bureau: str) -> dict | None:
    """Who has and hasn't reported in the open collection round (else the latest)."""
    c = auth.ctx()
    rounds = attempt(collection.listing, c, bureau)
    if not rounds:
        return None
    current = next((r for r in rounds if r["state"] == "open"), rounds[0])
    found = collection.status(c, bureau, current["cycle"], current["period"])
    return {
        "period": found["period"],
        "state": found["state"],
        "deadline": found["deadline"],
        "summary": found["summary"],
        "reported": [u for u in found["units"] if u["state"] == "complete"],
        "missing": [u for u in found["units"] if u["state"] != "complete"],
    }


@bp.get("/")
def index(bureau: str):
    c = auth.ctx()
    info = bureaus.get(c, bureau)
    all_cycles, cycle = choose_cycle(bureau)
    warnings = attempt(assessment.warnings, c, bureau)
    overdue = attempt(appeals.listing, c, bureau, True)
    open_appeals = attempt(appeals.listing, c, bureau)
    head = attempt(ledger.head, c, bureau)
    recent = None
    if head is not None:
        recent = list(reversed(ledger.entries(c, bureau, max(head["size"] - 8, 0), 8)))
    return page(
        "overview.html",
        info=info,
        cycle=cycle,
        cycles=all_cycles,
        progress=_progress(cycle) if cycle else None,
        reporting=_reporting(bureau),
        warnings=(warnings or [])[:8] if warnings is not None else None,
        warning_count=len(warnings) if warnings is not None else None,
        overdue=overdue,
        open_count=None
        if open_appeals is None
        else sum(1 for a in open_appeals if a["status"] in ("filed", "assigned")),
        head=head,
        recent=recent,
    )
