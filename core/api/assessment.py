"""Ratings, expert panels, items, reviews, evidence, results and appeals (考核过程与结果).

Request bodies are checked by the services, which name the row, field and reason of
every problem and write nothing when there is one (RFC 9457 problem+json).
"""

from __future__ import annotations

import io

from flask import request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from core.api.session import bureau, caller, commit, db
from core.domain.assessment import appeals, collection, evidence, reporting
from core.domain.organisation import get_unit
from core.kernel.errors import invalid
from core.services.platform import current

blp = Blueprint("assessment", __name__, description="Assessment 考核: ratings, results, appeals")


class _Target(Schema):
    unit = fields.String(required=True)
    indicator = fields.String(required=True)
    cycle = fields.String(required=True)
    period = fields.String(required=True)


class RatingIn(_Target):
    role = fields.String(required=True, metadata={"description": "superior, service_recipient…"})
    score = fields.Raw(required=True, metadata={"description": '0–100, e.g. "92.5"'})
    rater = fields.String()
    comment = fields.String()


class ItemIn(_Target):
    quantity = fields.Raw(required=True)
    reason = fields.String(required=True)
    evidence = fields.List(fields.String())


class Rows(Schema):
    rows = fields.List(fields.Dict(), required=True)


class PanelIn(Schema):
    cycle = fields.String(required=True)
    indicator = fields.String(required=True)
    size = fields.Integer(required=True, strict=True)
    pool = fields.List(fields.String())


class ReviewIn(Schema):
    seq = fields.Integer(required=True, strict=True)
    decision = fields.String(required=True)
    note = fields.String(load_default="")


class AppealIn(_Target):
    reasons = fields.String(required=True)
    evidence = fields.List(fields.String(), load_default=list)


class AssignIn(Schema):
    reviewer = fields.String(required=True)


class DecideIn(Schema):
    decision = fields.String(required=True)
    reason = fields.String(required=True)
    value = fields.Raw(load_default=None)


def _seqs(entries) -> dict:
    return {"seqs": [e.seq for e in entries]}


@blp.route("/bureaus/<code>/ratings")
class Ratings(MethodView):
    @blp.arguments(Rows)
    def post(self, data, code):
        """Submit ratings (all rows or none). Experts rate only where they were drawn."""
        b = bureau(code, "ratings.submit")
        who = caller()
        out = _seqs(collection.submit_ratings(db(), b, data["rows"], who, who.actor))
        commit()
        return out, 201


@blp.route("/bureaus/<code>/panels")
class Panels(MethodView):
    @blp.arguments(PanelIn)
    def post(self, data, code):
        """Draw an expert panel; the seed is recorded so anyone can redo the draw."""
        b = bureau(code, "panels.draw")
        entry, members = collection.draw_panel(
            db(),
            b,
            data["cycle"],
            data["indicator"],
            data["size"],
            caller().actor,
            data.get("pool"),
        )
        commit()
        return {"seq": entry.seq, "seed": entry.data["seed"], "members": members}, 201


@blp.route("/bureaus/<code>/items")
class Items(MethodView):
    @blp.arguments(Rows)
    def post(self, data, code):
        """Record bonus/deduction items (all rows or none)."""
        b = bureau(code, "items.record")
        out = _seqs(collection.record_items(db(), b, data["rows"], caller().actor))
        commit()
        return out, 201


@blp.route("/bureaus/<code>/reviews")
class Reviews(MethodView):
    @blp.arguments(ReviewIn)
    def post(self, data, code):
        """Approve or reject the current value with ledger seq ``seq``."""
        b = bureau(code, "reviews.decide")
        entry = collection.decide_review(
            db(), b, data["seq"], data["decision"], data["note"], caller().actor
        )
        commit()
        return {"seq": entry.seq}, 201


def _store() -> evidence.EvidenceStore:
    return evidence.EvidenceStore(current().instance / "evidence")


@blp.route("/bureaus/<code>/evidence")
class Evidence(MethodView):
    def get(self, code):
        b = bureau(code, "values.read")
        return [
            {
                "seq": f.seq,
                "sha256": f.sha256,
                "filename": f.filename,
                "size": f.size,
                "media_type": f.media_type,
                "subject": f.subject,
            }
            for f in evidence.listing(db(), b)
        ]

    def post(self, code):
        """Upload a file (multipart field ``file``, form fields ``unit`` and ``subject``)."""
        b = bureau(code, "evidence.attach")
        upload = request.files.get("file")
        if upload is None:
            raise invalid("file", "send the file as multipart/form-data field 'file'")
        who = caller()
        entry = evidence.attach(
            db(),
            _store(),
            b,
            upload.read(),
            upload.filename or "",
            upload.mimetype or "",
            request.form.get("unit", ""),
            request.form.get("subject", ""),
            who,
            who.actor,
        )
        commit()
        return {"seq": entry.seq, **entry.data}, 201


@blp.route("/bureaus/<code>/evidence/<sha256>")
class EvidenceFile(MethodView):
    def get(self, code, sha256):
        """The file's bytes, re-hashed before they are served."""
        b = bureau(code, "values.read")
        found = evidence.find(db(), b, sha256)
        return send_file(
            io.BytesIO(_store().get(sha256)),
            mimetype=found.media_type,
            download_name=found.filename,
        )


@blp.route("/bureaus/<code>/cycles/<cycle>/results")
class Results(MethodView):
    def get(self, code, cycle):
        """Per unit: total, rank in group, grade, flags, top-level dimension scores and
        the explanation tree (``?explain=false`` leaves it out; ``?period=2026-Q2``: the
        standing within one period)."""
        b = bureau(code, "results.read")
        computed = reporting.compute(db(), current(), b, cycle, request.args.get("period"))
        return computed.rows(with_explanation=request.args.get("explain") != "false")


@blp.route("/bureaus/<code>/cycles/<cycle>/results/<unit>")
class UnitResult(MethodView):
    def get(self, code, cycle, unit):
        b = bureau(code, "results.read")
        get_unit(db(), b, unit)
        return reporting.unit_result(reporting.compute(db(), current(), b, cycle), unit)


@blp.route("/bureaus/<code>/cycles/<cycle>/outcomes")
class Outcomes(MethodView):
    def get(self, code, cycle):
        """Results application (D-31): pay share and bonus, promotion, training."""
        b = bureau(code, "results.read")
        return reporting.outcomes(db(), current(), b, cycle)


@blp.route("/bureaus/<code>/appeals")
class Appeals(MethodView):
    def get(self, code):
        """Appeals; ``?overdue=true`` only those past their deadline."""
        b = bureau(code, "appeals.read")
        return appeals.listing(db(), b, request.args.get("overdue") == "true")

    @blp.arguments(AppealIn)
    def post(self, data, code):
        b = bureau(code, "appeals.file")
        who = caller()
        hours = int(current().config["APPEAL_HOURS"])
        found = appeals.file_appeal(db(), b, data, who, who.actor, hours)
        out = appeals.describe(found)
        commit()
        return out, 201


@blp.route("/bureaus/<code>/appeals/<appeal>/assign")
class Assign(MethodView):
    @blp.arguments(AssignIn)
    def post(self, data, code, appeal):
        b = bureau(code, "appeals.assign")
        out = appeals.describe(
            appeals.assign_appeal(db(), b, appeal, data["reviewer"], caller().actor)
        )
        commit()
        return out


@blp.route("/bureaus/<code>/appeals/<appeal>/decide")
class Decide(MethodView):
    @blp.arguments(DecideIn)
    def post(self, data, code, appeal):
        """Uphold, or correct: the correction is a new value entry referencing the old."""
        b = bureau(code, "appeals.decide")
        who = caller()
        found = appeals.decide_appeal(
            db(),
            current(),
            b,
            appeal,
            data["decision"],
            data["reason"],
            data["value"],
            who,
            who.actor,
        )
        out = appeals.describe(found)
        commit()
        return out
