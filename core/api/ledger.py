"""The ledger, read-only, plus on-demand checkpoints (账本)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core.api.session import bureau, caller, commit, db
from core.kernel.errors import FieldError, NotFound
from core.ledger import audit, checkpoints, proofs
from core.ledger.models import LedgerEntry, LedgerLog
from core.ledger.tlog import MerkleAccumulator
from core.services.platform import announce_failures, current

blp = Blueprint("ledger", __name__, description="Hash-chained ledger 防篡改账本")


class EntryOut(Schema):
    seq = fields.Integer()
    kind = fields.String()
    leaf_hash = fields.Function(lambda e: bytes(e.leaf_hash).hex())
    body = fields.Function(
        lambda e: bytes(e.body).decode("utf-8"),
        metadata={"description": "the exact canonical bytes, as text"},
    )


class Page(Schema):
    start = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class ProofQuery(Schema):
    seq = fields.Integer(required=True, validate=validate.Range(min=0))


class ConsistencyQuery(Schema):
    from_ = fields.Integer(required=True, data_key="from")
    to = fields.Integer(required=True)


def _log(code: str, permission: str = "ledger.read") -> LedgerLog:
    return db().get(LedgerLog, bureau(code, permission).log_id)


@blp.route("/ledger/public-key")
class PublicKey(MethodView):
    def get(self):
        """Verifier keys of this instance (note format); check them out of band too."""
        keys = "".join(f"{s.verifier}\n" for s in current().signers())
        return Response(keys, mimetype="text/plain")


@blp.route("/bureaus/<code>/ledger")
class LogHead(MethodView):
    def get(self, code):
        log = _log(code)
        latest = checkpoints.latest(db(), log.id)
        return {
            "origin": log.origin,
            "size": log.size,
            "root": MerkleAccumulator.from_frontier(log.size, log.frontier).root().hex(),
            "checkpoint": latest.note if latest else None,
        }


@blp.route("/bureaus/<code>/ledger/entries")
class Entries(MethodView):
    @blp.arguments(Page, location="query")
    @blp.response(200, EntryOut(many=True))
    def get(self, page, code):
        log = _log(code)
        return db().scalars(
            select(LedgerEntry)
            .where(LedgerEntry.log_id == log.id, LedgerEntry.seq >= page["start"])
            .order_by(LedgerEntry.seq)
            .limit(page["limit"])
        )


@blp.route("/bureaus/<code>/ledger/entries/<int:seq>")
class EntryOne(MethodView):
    @blp.response(200, EntryOut)
    def get(self, code, seq):
        entry = db().get(LedgerEntry, (_log(code).id, seq))
        if entry is None:
            raise NotFound(f"no entry {seq}", [FieldError("seq", "no such entry")])
        return entry


@blp.route("/bureaus/<code>/ledger/checkpoints")
class Checkpoints(MethodView):
    def post(self, code):
        """Sign a checkpoint of the log now (also done at most once a second by the server)."""
        log = _log(code, "ledger.checkpoint")
        row = checkpoints.checkpoint(db(), log.id, current().signers())
        commit()
        return {"size": row.size if row else 0, "note": row.note if row else None}, 201


@blp.route("/bureaus/<code>/ledger/proof")
class Proof(MethodView):
    @blp.arguments(ProofQuery, location="query")
    def get(self, query, code):
        """Inclusion proof of one entry against a signed checkpoint (verify offline)."""
        doc = proofs.inclusion_document(db(), _log(code), query["seq"], current().signers())
        commit()  # a checkpoint may have been signed on demand
        return doc


@blp.route("/bureaus/<code>/ledger/consistency")
class Consistency(MethodView):
    @blp.arguments(ConsistencyQuery, location="query")
    def get(self, query, code):
        return proofs.consistency_document(db(), _log(code), query["from_"], query["to"])


@blp.route("/bureaus/<code>/ledger/verify")
class Verify(MethodView):
    def get(self, code):
        """Full verification of this bureau's log (and the platform log that anchors it)."""
        log = _log(code, "ledger.verify")
        verifiers = [s.verifier for s in current().signers()]
        reports = audit.verify_all(db(), verifiers, origin=log.origin)
        ok = all(r.ok for r in reports)
        if not ok:
            announce_failures(db(), current(), reports, caller().actor)
            commit()
        return {"ok": ok, "logs": [r.as_dict() for r in reports]}
