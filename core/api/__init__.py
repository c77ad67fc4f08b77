"""REST API under ``/api/v1`` (flask-smorest), OpenAPI at ``/api/openapi.json``."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from core.api import problems
from core.kernel.errors import ServiceError
from core.kernel.privacy import PersonalDataError
from core.ledger.tlog import CanonicalError


class ProblemApi(Api):
    """flask-smorest's Api with every HTTP error rendered as RFC 9457 problem+json."""

    def handle_http_exception(self, error: HTTPException):  # type: ignore[override]
        return problems.from_http(error)


def init_app(app: Flask) -> None:
    app.config.update(
        API_TITLE="jixiao 绩效",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {
                "description": "Performance assessment ledger API. Authenticate with "
                "`Authorization: Bearer <token>`."
            },
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
    )
    api = ProblemApi(app)
    from core.api import (
        assessment,
        bureaus,
        docs,
        ledger,
        people,
        plugins,
        records,
        schemes,
        session,
    )
    from webhooks import api as webhooks_api

    for module in (bureaus, people, records, schemes, assessment, ledger, plugins, webhooks_api):
        api.register_blueprint(module.blp, url_prefix="/api/v1")
    app.register_blueprint(docs.bp)
    session.init_app(app)

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError):
        return problems.from_service(error)

    @app.errorhandler(PersonalDataError)
    @app.errorhandler(CanonicalError)
    def _unprocessable(error: ValueError):
        return problems.problem(422, "Unprocessable content", str(error))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return problems.from_http(error)
