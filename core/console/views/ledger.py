"""The ledger (账本) for auditors: verify now, checkpoints and the audit bundle, an
inclusion proof for any entry, the platform anchor."""

from __future__ import annotations

import json

from flask import Blueprint, request
from flask_babel import gettext as _

from core.console import auth
from core.console.rendering import page, requires
from core.console.views.common import download
from core.services import checkpoints, ledger

bp = Blueprint("ledger", __name__, url_prefix="/bureaus/<bureau>/ledger")


def _index(bureau: str, verified: dict | None = None):
    c = auth.ctx()
    head = ledger.head(c, bureau)
    start = request.args.get("start", type=int)
    if start is None:
        start = max(head["size"] - 20, 0)
    return page(
        "ledger.html",
        head=head,
        anchor=checkpoints.anchor(c, bureau),
        checkpoints=checkpoints.listing(c, bureau, 10),
        entries=list(reversed(ledger.entries(c, bureau, max(start, 0), 20)))
        if head["size"]
        else [],
        start=start,
        verified=verified,
        keys=ledger.public_keys(c.platform),
    )  # fmt: skip


@bp.get("/")
def index(bureau: str):
    return _index(bureau)


@bp.post("/verify")
@requires("ledger.verify")
def verify(bureau: str):
    """Re-hash every entry and check every checkpoint now (htmx swaps in the verdict;
    without JavaScript the whole page comes back with it)."""
    verified = ledger.verify(auth.ctx(), bureau)
    if request.headers.get("HX-Request"):
        return page("_verify_result.html", verified=verified)
    return _index(bureau, verified)


@bp.get("/proof/<int:seq>")
@requires("ledger.read")
def proof(bureau: str, seq: int):
    c = auth.ctx()
    entry = ledger.entry(c, bureau, seq)
    document = ledger.proof(c, bureau, seq)
    body = json.dumps(json.loads(entry["body"]), ensure_ascii=False, indent=2)
    return page("proof.html", entry=entry, body=body, proof=document,
                proof_json=json.dumps(document, ensure_ascii=False, indent=2))  # fmt: skip


@bp.get("/proof/<int:seq>.json")
def proof_json(bureau: str, seq: int):
    document = ledger.proof(auth.ctx(), bureau, seq)
    content = json.dumps(document, ensure_ascii=False, indent=2).encode()
    return download(content, f"{bureau}-proof-{seq}.json", "application/json")


@bp.get("/lookup")
def lookup(bureau: str):
    from flask import redirect, url_for

    seq = request.args.get("seq", type=int)
    if seq is None:
        from core.kernel.errors import invalid

        raise invalid("seq", _("a ledger entry number"))
    return redirect(url_for(".proof", bureau=bureau, seq=seq))


@bp.get("/bundle.zip")
def bundle(bureau: str):
    name, content = checkpoints.bundle_bytes(auth.ctx(), bureau)
    return download(content, name, "application/zip")
