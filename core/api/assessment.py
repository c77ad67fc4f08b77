"""Ratings, expert panels, items, reviews, warnings, evidence, results and appeals
(考核过程与结果). Views parse, call the services and render; the services name the row,
field and reason of every problem and write nothing when there is one."""

from __future__ import annotations

import io

from flask import request, send_file
from flask.views import MethodView

from core.api import schemas
from core.api.blueprint import Blueprint
from core.api.bodies import one_upload
from core.api.context import ctx
from core.kernel.errors import invalid
from core.kernel.files import content_disposition
from core.services import appeals, assessment, evidence, results, scoring

blp = Blueprint("assessment", __name__, description="Assessment 考核: ratings, results, appeals")


def _clean(row: dict) -> dict:
    return {k: v for k, v in row.items() if v is not None}


@blp.route("/bureaus/<code>/ratings")
class Ratings(MethodView):
    @blp.arguments(schemas.RatingRows)
    @blp.response(201, schemas.SeqsOut)
    def post(self, data, code):
        """Submit ratings (all rows or none). Experts rate only where they were drawn."""
        return assessment.submit_ratings(ctx(), code, [_clean(r) for r in data["rows"]])


@blp.route("/bureaus/<code>/ratings/withdraw")
class RatingWithdraw(MethodView):
    @blp.arguments(schemas.RatingWithdrawIn)
    @blp.response(201, schemas.EventOut)
    def post(self, data, code):
        return assessment.withdraw_rating(ctx(), code, _clean(data))


@blp.route("/bureaus/<code>/panels")
class Panels(MethodView):
    @blp.arguments(schemas.PanelIn)
    @blp.response(201, schemas.PanelOut)
    def post(self, data, code):
        """Draw an expert panel; the seed is recorded so anyone can redo the draw."""
        return assessment.draw_panel(
            ctx(),
            code,
            data["cycle"],
            data["indicator"],
            data["size"],
            data.get("pool"),
            reason=data.get("reason"),
        )


@blp.route("/bureaus/<code>/panels/close")
class PanelClose(MethodView):
    @blp.arguments(schemas.PanelCloseIn)
    @blp.response(201, schemas.Open)
    def post(self, data, code):
        """Close a panel: its experts' ratings are final, and its members may see them."""
        return assessment.close_panel(
            ctx(), code, data["cycle"], data["indicator"], data.get("reason")
        )


@blp.route("/bureaus/<code>/panels/ratings")
class PanelRatings(MethodView):
    @blp.arguments(schemas.PanelQuery, location="query")
    @blp.response(200, schemas.Open)
    def get(self, query, code):
        """A panel's expert ratings: blind (403) to its experts until it is closed."""
        return scoring.panel_ratings(ctx(), code, query["cycle"], query["indicator"])


@blp.route("/bureaus/<code>/items")
class Items(MethodView):
    @blp.response(200, schemas.ItemOut(many=True))
    def get(self, code):
        """Live bonus/deduction items."""
        return assessment.list_items(ctx(), code)

    @blp.arguments(schemas.ItemRows)
    @blp.response(201, schemas.SeqsOut)
    def post(self, data, code):
        """Record bonus/deduction items, or correct one (``corrects``): all rows or none."""
        return assessment.record_items(ctx(), code, [_clean(r) for r in data["rows"]])


@blp.route("/bureaus/<code>/items/<int:seq>/withdraw")
class ItemWithdraw(MethodView):
    @blp.arguments(schemas.ItemWithdrawIn)
    @blp.response(201, schemas.EventOut)
    def post(self, data, code, seq):
        """Withdraw a live item: it no longer counts (the entry stays on the record)."""
        return assessment.withdraw_item(ctx(), code, seq, data["reason"])


@blp.route("/bureaus/<code>/reviews")
class Reviews(MethodView):
    @blp.arguments(schemas.ReviewIn)
    @blp.response(201, schemas.EventOut)
    def post(self, data, code):
        """Approve or reject the current value with ledger seq ``seq``."""
        return assessment.decide_review(
            ctx(), code, data["seq"], data["decision"], data["note"], data["corrects"]
        )


@blp.route("/bureaus/<code>/reviews/withdraw")
class ReviewWithdraw(MethodView):
    @blp.arguments(schemas.ReviewWithdrawIn)
    @blp.response(201, schemas.EventOut)
    def post(self, data, code):
        return assessment.withdraw_review(
            ctx(), code, data["seq"], data["withdraws"], data["reason"]
        )


@blp.route("/bureaus/<code>/warnings")
class Warnings(MethodView):
    @blp.response(200, schemas.WarningOut(many=True))
    def get(self, code):
        """Warnings raised on entry (D-22, D-23), newest first."""
        return assessment.warnings(ctx(), code)


@blp.route("/bureaus/<code>/evidence")
class Evidence(MethodView):
    @blp.response(200, schemas.EvidenceOut(many=True))
    def get(self, code):
        return evidence.listing(ctx(), code)

    @blp.response(201, schemas.AttachOut)
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file", "unit"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "unit": {"type": "string"},
                            "subject": {"type": "string"},
                        },
                    }
                }
            },
        }
    )
    def post(self, code):
        """Upload a file (multipart field ``file``, form fields ``unit`` and ``subject``).
        Other fields, and a second file, are refused as a JSON body's unknown keys are:
        a ``person`` the upload would ignore, or a file it would drop, is the caller's
        mistake to hear about."""
        upload = request.files.get("file")
        if upload is None:
            raise invalid(
                "file",
                "请以 multipart/form-data 的 'file' 字段上传文件"
                " (send the file as multipart/form-data field 'file')",
            )
        one_upload(("unit", "subject"))
        return evidence.attach(
            ctx(),
            code,
            upload.read(),
            upload.filename or "",
            upload.mimetype or "",
            request.form.get("unit", ""),
            request.form.get("subject", ""),
        )


@blp.route("/bureaus/<code>/evidence/<sha256>")
class EvidenceFile(MethodView):
    @blp.response(200, content_type="application/octet-stream", description="the file's bytes")
    def get(self, code, sha256):
        """The file's bytes, re-hashed before they are served."""
        found, content = evidence.content(ctx(), code, sha256)
        response = send_file(io.BytesIO(content), mimetype="application/octet-stream")
        response.headers["Content-Disposition"] = content_disposition(found["filename"])
        return response


@blp.route("/bureaus/<code>/cycles/<cycle>/results")
class Results(MethodView):
    @blp.arguments(schemas.ResultQuery, location="query")
    @blp.response(200, schemas.ResultOut(many=True))
    def get(self, query, code, cycle):
        """Per subject: total, rank in group, grade, flags, top-level dimension scores
        (``?explain=true``: and the explanation tree; ``?period=2026-Q2``: the standing
        within one period). Stored rows, each with the ledger size it reflects."""
        return results.results(ctx(), code, cycle, query.get("period"), query["explain"])


@blp.route("/bureaus/<code>/cycles/<cycle>/results/<subject>")
class SubjectResult(MethodView):
    @blp.arguments(schemas.UnitResultQuery, location="query")
    @blp.response(200, schemas.ResultOut)
    def get(self, query, code, cycle, subject):
        """One unit's (or, with ``?kind=person``, one person's) result and explanation."""
        return results.subject_result(
            ctx(), code, cycle, subject, query["kind"], query.get("period")
        )


@blp.route("/bureaus/<code>/cycles/<cycle>/outcomes")
class Outcomes(MethodView):
    @blp.response(200, schemas.OutcomeOut(many=True))
    def get(self, code, cycle):
        """Results application (D-31, D-32): the outcome types the schemes name."""
        return results.outcomes(ctx(), code, cycle)


@blp.route("/bureaus/<code>/appeals")
class Appeals(MethodView):
    @blp.arguments(schemas.AppealQuery, location="query")
    @blp.response(200, schemas.AppealOut(many=True))
    def get(self, query, code):
        """Appeals; ``?overdue=true`` only those past their deadline."""
        return appeals.listing(ctx(), code, query["overdue"])

    @blp.arguments(schemas.AppealIn)
    @blp.response(201, schemas.AppealOut)
    def post(self, data, code):
        return appeals.file(ctx(), code, _clean(data))


@blp.route("/bureaus/<code>/appeals/<appeal>")
class AppealOne(MethodView):
    @blp.response(200, schemas.AppealOut)
    def get(self, code, appeal):
        return appeals.get(ctx(), code, appeal)


@blp.route("/bureaus/<code>/appeals/<appeal>/assign")
class Assign(MethodView):
    @blp.arguments(schemas.AssignIn)
    @blp.response(200, schemas.AppealOut)
    def post(self, data, code, appeal):
        return appeals.assign(ctx(), code, appeal, data["reviewer"])


@blp.route("/bureaus/<code>/appeals/<appeal>/decide")
class Decide(MethodView):
    @blp.arguments(schemas.DecideIn)
    @blp.response(200, schemas.AppealOut)
    def post(self, data, code, appeal):
        """Uphold, or correct the input that feeds the indicator (``target`` names its
        seq: a value, item, rating or review decision; ``withdraw`` takes it out)."""
        return appeals.decide(
            ctx(),
            code,
            appeal,
            data["decision"],
            data["reason"],
            data["value"],
            data["target"],
            data["withdraw"],
        )
