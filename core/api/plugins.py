"""Plugins: available, installed per bureau, their settings, and trying a rule (插件)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from core.api import schemas
from core.api.blueprint import Blueprint, json_body
from core.api.context import ctx
from core.services import plugins

blp = Blueprint("plugins", __name__, description="Plugins 插件")


class PluginOut(Schema):
    name = fields.String()
    version = fields.String()
    hooks = fields.List(fields.String())
    source = fields.String()
    settings = fields.Boolean()


class InstalledOut(Schema):
    name = fields.String()
    version = fields.String()


class InstallOut(Schema):
    plugin = fields.String()
    version = fields.String()


class RuleTypeOut(Schema):
    name = fields.String()
    title = fields.String()
    description = fields.String()
    inputs = fields.String()


class EvaluateIn(Schema):
    params = fields.Dict(required=True)
    inputs = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "named inputs; 'value' is the indicator's"},
    )
    points = fields.Raw(load_default="100")


class EvaluateOut(Schema):
    rule = fields.String()
    score = fields.String()


@blp.route("/plugins")
class Available(MethodView):
    @blp.response(200, PluginOut(many=True))
    def get(self):
        return plugins.available(ctx())


@blp.route("/bureaus/<code>/plugins")
class Installed(MethodView):
    @blp.response(200, InstalledOut(many=True))
    def get(self, code):
        return plugins.installed(ctx(), code)


@blp.route("/bureaus/<code>/plugins/<name>")
class Installation(MethodView):
    @blp.response(201, InstallOut)
    def put(self, code, name):
        """Install a plugin for this bureau (recorded in its ledger)."""
        return plugins.install(ctx(), code, name)

    @blp.response(204)
    def delete(self, code, name):
        """Uninstall; refused while a published scheme of an open cycle uses it."""
        plugins.uninstall(ctx(), code, name)


@blp.route("/bureaus/<code>/plugins/<name>/settings")
class Settings(MethodView):
    @blp.response(200, schemas.Open)
    def get(self, code, name):
        """The plugin's settings for this bureau, defaults filled in."""
        return plugins.settings(ctx(), code, name)

    @blp.response(200, schemas.Open)
    @blp.doc(
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    )
    def put(self, code, name):
        """Set the plugin's settings (validated by its schema, recorded in the ledger)."""
        body = json_body(missing=None)
        return plugins.configure(ctx(), code, name, body)


@blp.route("/bureaus/<code>/rule-types")
class RuleTypes(MethodView):
    @blp.response(200, RuleTypeOut(many=True))
    def get(self, code):
        """Scoring rule types this bureau's plugins provide."""
        return plugins.rule_types(ctx(), code)


@blp.route("/bureaus/<code>/rule-types/<name>/evaluate")
class Evaluate(MethodView):
    @blp.arguments(EvaluateIn)
    @blp.response(200, EvaluateOut)
    def post(self, data, code, name):
        """Try a rule: validate params with the rule's schema and score the inputs."""
        return plugins.evaluate(ctx(), code, name, data["params"], data["inputs"], data["points"])
