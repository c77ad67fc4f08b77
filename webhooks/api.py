"""REST endpoints for webhook subscriptions (bureau admins)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core.api.session import bureau, commit, db
from core.services.platform import current
from webhooks import service

blp = Blueprint("webhooks", __name__, description="Webhooks 事件推送")


class EndpointIn(Schema):
    url = fields.String(required=True, validate=validate.Length(min=8, max=2000))
    events = fields.List(
        fields.String(),
        load_default=lambda: ["*"],
        metadata={"description": "event types, e.g. value.recorded, appeal.*"},
    )
    description = fields.String(load_default="", validate=validate.Length(max=500))


class RedeliverIn(Schema):
    from_seq = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "all deliveries from this seq; default: the failed ones"},
    )


def _endpoint(code: str, endpoint_id: int):
    b = bureau(code, "webhooks.manage")
    return service.get(db(), b, endpoint_id)


@blp.route("/bureaus/<code>/webhooks")
class Endpoints(MethodView):
    def get(self, code):
        return service.listing(db(), bureau(code, "webhooks.manage"))

    @blp.arguments(EndpointIn)
    def post(self, data, code):
        """Subscribe a URL; the response carries its signing secret, shown only once."""
        b = bureau(code, "webhooks.manage")
        endpoint, secret = service.add(
            db(), current().vault, b, data["url"], data["events"], data["description"]
        )
        out = {**service.describe(db(), endpoint), "secret": secret}
        commit()
        return out, 201


@blp.route("/bureaus/<code>/webhooks/<int:endpoint_id>/<any(enable,disable):action>")
class Toggle(MethodView):
    def post(self, code, endpoint_id, action):
        endpoint = _endpoint(code, endpoint_id)
        service.set_enabled(db(), endpoint, action == "enable")
        out = service.describe(db(), endpoint)
        commit()
        return out


@blp.route("/bureaus/<code>/webhooks/<int:endpoint_id>/rotate-secret")
class Rotate(MethodView):
    def post(self, code, endpoint_id):
        """New secret; the old one keeps signing for 24 hours (both signatures are sent)."""
        secret = service.rotate_secret(db(), current().vault, _endpoint(code, endpoint_id))
        commit()
        return {"secret": secret}


@blp.route("/bureaus/<code>/webhooks/<int:endpoint_id>/redeliver")
class Redeliver(MethodView):
    @blp.arguments(RedeliverIn)
    def post(self, data, code, endpoint_id):
        queued = service.redeliver(db(), _endpoint(code, endpoint_id), data["from_seq"])
        commit()
        return {"queued": queued}


@blp.route("/bureaus/<code>/webhooks/<int:endpoint_id>/attempts")
class Attempts(MethodView):
    def get(self, code, endpoint_id):
        return service.attempts(db(), _endpoint(code, endpoint_id))
