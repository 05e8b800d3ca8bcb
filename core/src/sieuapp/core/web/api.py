"""flask-smorest, answering errors in the platform's one format."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Flask, send_from_directory
from flask_smorest import Api as _Api
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..errors import handle_http_exception

ASSETS_URL = "/api/docs/assets/"


class Api(_Api):
    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        return handle_http_exception(error)


def configure(app: Flask) -> Api:
    app.config.update(
        API_TITLE="sieuapp",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        # Served by us from the swagger-ui-bundle package: no CDN.
        OPENAPI_SWAGGER_UI_URL=ASSETS_URL,
        API_SPEC_OPTIONS={
            "info": {"description": "sieuapp platform API"},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        },
    )
    api = Api(app)
    assets = Path(swagger_ui_bundle.swagger_ui_path)

    @app.get(ASSETS_URL + "<path:filename>")
    def swagger_assets(filename: str) -> Response:
        return send_from_directory(assets, filename, max_age=86400)

    return api
