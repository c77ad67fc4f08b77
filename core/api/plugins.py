"""Plugins: what is available, what each bureau has installed, and the rule types they give."""

from __future__ import annotations

from decimal import Decimal

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields

from core.api.session import bureau, caller, commit, db
from core.domain import installs
from core.kernel.errors import FieldError, InvalidInput, NotFound
from core.kernel.numbers import as_text, parse_decimal
from core.services.platform import current

blp = Blueprint("plugins", __name__, description="Plugins 插件")


class EvaluateIn(Schema):
    params = fields.Dict(required=True)
    inputs = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "named inputs; 'value' is the indicator's"},
    )
    points = fields.Raw(load_default="100")


@blp.route("/plugins")
class Available(MethodView):
    def get(self):
        caller()
        host = current().plugins
        return [vars(host.info(n)) for n in host.names()]


@blp.route("/bureaus/<code>/plugins")
class Installed(MethodView):
    def get(self, code):
        b = bureau(code)
        return current().installed_plugins(db(), b.id)


@blp.route("/bureaus/<code>/plugins/<name>")
class Installation(MethodView):
    def put(self, code, name):
        """Install a plugin for this bureau (recorded in its ledger)."""
        b = bureau(code, "plugins.manage")
        version = installs.install(db(), current(), b, name, caller().actor)
        commit()
        return {"plugin": name, "version": version}, 201

    def delete(self, code, name):
        b = bureau(code, "plugins.manage")
        installs.uninstall(db(), b, name, caller().actor)
        commit()
        return "", 204


def _rule_types(code: str) -> dict:
    b = bureau(code)
    return current().plugins.rule_types(current().installed_plugins(db(), b.id))


@blp.route("/bureaus/<code>/rule-types")
class RuleTypes(MethodView):
    def get(self, code):
        """Scoring rule types this bureau's plugins provide."""
        return [
            {"name": r.name, "title": r.title, "description": r.description}
            for r in _rule_types(code).values()
        ]


@blp.route("/bureaus/<code>/rule-types/<name>/evaluate")
class Evaluate(MethodView):
    @blp.arguments(EvaluateIn)
    def post(self, data, code, name):
        """Try a rule: validate params with the rule's schema and score the inputs."""
        rule = _rule_types(code).get(name)
        if rule is None:
            raise NotFound(
                f"no rule type {name!r} for bureau {code}",
                [FieldError("name", "not provided by an installed plugin")],
            )
        try:
            params = rule.params_schema().load(data["params"])
        except ValidationError as exc:
            raise InvalidInput(
                "invalid rule params",
                [
                    FieldError(
                        f"params.{k}", "; ".join(map(str, v)) if isinstance(v, list) else str(v)
                    )
                    for k, v in exc.messages.items()
                ],
            ) from exc
        try:
            inputs = {k: parse_decimal(v) for k, v in data["inputs"].items()}
            points = parse_decimal(data["points"])
        except ValueError as exc:
            raise InvalidInput(str(exc), [FieldError("inputs", str(exc))]) from exc
        score: Decimal = rule.score(inputs, params, points)
        return {"rule": name, "score": as_text(score)}
