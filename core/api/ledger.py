"""The ledger, read-only, plus checkpoints, proofs and verification (账本)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from core.api import schemas
from core.api.blueprint import Blueprint
from core.api.context import ctx, platform, public
from core.kernel.numbers import MAX_SAFE_INT
from core.services import ledger

blp = Blueprint("ledger", __name__, description="Hash-chained ledger 防篡改账本")


class EntryOut(Schema):
    seq = fields.Integer()
    kind = fields.String()
    leaf_hash = fields.String()
    body = fields.String(metadata={"description": "the exact canonical bytes, as text"})


class HeadOut(Schema):
    origin = fields.String()
    suite = fields.String(metadata={"description": "sha256-ed25519 or sm3-sm2 (国密)"})
    size = fields.Integer()
    root = fields.String()
    checkpoint = fields.String(allow_none=True, metadata={"description": "with cosignatures"})


class CheckpointOut(Schema):
    size = fields.Integer()
    note = fields.String(allow_none=True)
    witnesses = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "per configured witness: cosigned, refused: …, unreachable: …"},
    )
    timestamp = fields.String(metadata={"description": "time-stamped <time>, or failed: …"})


class PolicyIn(Schema):
    min_witnesses = fields.Raw(
        load_default=None,
        metadata={"description": "0–64, or 'default' for the platform's JIXIAO_MIN_WITNESSES"},
    )
    public = schemas.StrictBoolean(
        load_default=None, allow_none=True, metadata={"description": "tiles without a token"}
    )


class PolicyOut(Schema):
    min_witnesses = fields.Integer()
    min_witnesses_override = fields.Integer(allow_none=True)
    public = fields.Boolean()
    witnesses = fields.List(fields.String())
    seq = fields.Integer(allow_none=True)


class WitnessedQuery(Schema):
    size = schemas.seq_field(strict=False, required=True)


class WitnessedOut(Schema):
    size = fields.Integer()
    required = fields.Integer()
    cosigners = fields.List(fields.String())
    missing = fields.List(fields.String())


class Page(Schema):
    start = schemas.seq_field(strict=False, load_default=0)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class ProofQuery(Schema):
    seq = schemas.seq_field(strict=False, required=True)


class ProofOut(Schema):
    origin = fields.String()
    suite = fields.String()
    seq = fields.Integer()
    body = fields.String()
    leaf_hash = fields.String()
    tree_size = fields.Integer()
    inclusion_proof = fields.List(fields.String())
    checkpoint = fields.String()


class ConsistencyQuery(Schema):
    from_ = fields.Integer(
        required=True, data_key="from", validate=validate.Range(min=1, max=MAX_SAFE_INT)
    )
    to = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_SAFE_INT))


class ConsistencyOut(Schema):
    origin = fields.String()
    from_ = fields.Integer(data_key="from")
    to = fields.Integer()
    root1 = fields.String()
    root2 = fields.String()
    proof = fields.List(fields.String())


class LogReport(Schema):
    ok = fields.Boolean()
    origin = fields.String()
    suite = fields.String()
    size = fields.Integer()
    root = fields.String()
    checkpoints_checked = fields.Integer()
    cosigned_by = fields.List(fields.String())
    timestamps_checked = fields.Integer()
    first_bad_seq = fields.Integer(allow_none=True)
    last_bad_seq = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)


class VerifyOut(Schema):
    ok = fields.Boolean()
    logs = fields.List(fields.Nested(LogReport))


@blp.route("/ledger/public-key")
@public
class PublicKey(MethodView):
    @blp.doc(security=[])
    @blp.response(200, content_type="text/plain", description="verifier keys, one a line")
    def get(self):
        """Verifier keys of this instance (note format); no token needed. Check them
        out of band too."""
        keys = "".join(f"{k}\n" for k in ledger.public_keys(platform()))
        return Response(keys, mimetype="text/plain")


@blp.route("/bureaus/<code>/ledger")
class LogHead(MethodView):
    @blp.response(200, HeadOut)
    def get(self, code):
        return ledger.head(ctx(), code)


@blp.route("/bureaus/<code>/ledger/entries")
class Entries(MethodView):
    @blp.arguments(Page, location="query")
    @blp.response(200, EntryOut(many=True))
    def get(self, page, code):
        return ledger.entries(ctx(), code, page["start"], page["limit"])


@blp.route("/bureaus/<code>/ledger/entries/<int:seq>")
class EntryOne(MethodView):
    @blp.response(200, EntryOut)
    def get(self, code, seq):
        return ledger.entry(ctx(), code, seq)


@blp.route("/bureaus/<code>/ledger/checkpoints")
class Checkpoints(MethodView):
    @blp.response(201, CheckpointOut)
    def post(self, code):
        """Sign a checkpoint of the log now (also done at most once a second by the
        server); refused, and recorded, if the log was rewritten."""
        return ledger.checkpoint(ctx(), code)


@blp.route("/bureaus/<code>/ledger/policy")
class Policy(MethodView):
    @blp.response(200, PolicyOut)
    def get(self, code):
        """The bureau's ledger policy: witnesses required before publishing, public tiles."""
        return ledger.policy(ctx(), code)

    @blp.arguments(PolicyIn)
    @blp.response(200, PolicyOut)
    def put(self, data, code):
        """Change it (recorded in the bureau's log as ledger.policy.set)."""
        return ledger.set_policy(ctx(), code, data["min_witnesses"], data["public"])


@blp.route("/bureaus/<code>/ledger/witnessed")
class Witnessed(MethodView):
    @blp.arguments(WitnessedQuery, location="query")
    @blp.response(200, WitnessedOut)
    def get(self, query, code):
        """Which configured witnesses cosigned a checkpoint covering the first SIZE entries."""
        c = ctx()
        cosigners, missing = ledger.witnessed(c, code, query["size"])
        return {
            "size": query["size"],
            "required": ledger.required_witnesses(c, code),
            "cosigners": cosigners,
            "missing": missing,
        }


@blp.route("/bureaus/<code>/ledger/proof")
class Proof(MethodView):
    @blp.arguments(ProofQuery, location="query")
    @blp.response(200, ProofOut)
    def get(self, query, code):
        """Inclusion proof of one entry against a signed checkpoint (verify offline)."""
        return ledger.proof(ctx(), code, query["seq"])


@blp.route("/bureaus/<code>/ledger/consistency")
class Consistency(MethodView):
    @blp.arguments(ConsistencyQuery, location="query")
    @blp.response(200, ConsistencyOut)
    def get(self, query, code):
        return ledger.consistency(ctx(), code, query["from_"], query["to"])


@blp.route("/bureaus/<code>/ledger/verify")
class Verify(MethodView):
    @blp.response(200, VerifyOut)
    def get(self, code):
        """Full verification of this bureau's log (and the platform log that anchors it)."""
        return ledger.verify(ctx(), code)
