"""A plugin's writing API view is one unit of work: it commits only when the view
answers with success. A view that records an entry and then refuses (``abort(400)``)
writes nothing, and a view whose own marshmallow schema refuses the body answers 422
naming the field, not 500."""

from __future__ import annotations

from flask import Blueprint, abort, request
from marshmallow import Schema, fields

from core.app import create_app
from core.plugin_api import ApiBlueprint, EventKind, current_context, hookimpl
from core.services import plugins
from tests.helpers import log_size


class NoteIn(Schema):
    text = fields.String(required=True)


class Probe:
    """A plugin whose view records a note, then refuses when asked to."""

    def __init__(self) -> None:
        self.blueprint = Blueprint("probe_api", __name__)
        self.blueprint.add_url_rule("/notes", "note", self.note, methods=["POST"])

    def note(self, bureau: str):
        body = NoteIn().load(request.get_json())  # a ValidationError is the caller's fault
        current_context().record("probe.noted", {"text": body["text"]})
        if body["text"] == "refuse":
            abort(400, "refused after recording")
        return {"ok": True}, 201

    @hookimpl
    def jixiao_event_kinds(self) -> list[EventKind]:
        return [EventKind("probe.noted", Schema.from_dict({"text": fields.String()}))]

    @hookimpl
    def jixiao_api_blueprints(self) -> list[ApiBlueprint]:
        return [ApiBlueprint("probe_api", self.blueprint)]


def test_a_refusing_plugin_view_writes_nothing(platform, world, system):
    platform.plugins.register(Probe(), "probe")
    platform.refresh_catalogue()
    plugins.install(system, "b1", "probe")
    client = create_app(platform=platform).test_client()
    url = "/api/v1/bureaus/b1/plugins/probe/notes"
    admin = world.headers("bureau_admin")

    size = log_size(platform, "b1")
    r = client.post(url, json={"text": "refuse"}, headers=admin)
    assert r.status_code == 400
    assert log_size(platform, "b1") == size  # recorded, then refused: rolled back

    r = client.post(url, json={"text": 5}, headers=admin)
    assert r.status_code == 422, r.data
    assert r.json["errors"][0]["field"] == "text"
    assert log_size(platform, "b1") == size

    r = client.post(url, json={"text": "记下 (noted)"}, headers=admin)
    assert r.status_code == 201, r.data
    assert log_size(platform, "b1") == size + 1
