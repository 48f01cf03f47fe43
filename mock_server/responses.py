"""JSON responses, and the one mapping of an :class:`~mock_server.errors.ApiError` to
its response (status, contract body, headers), for the API and the playground alike."""

from __future__ import annotations

from typing import Any, Final

from starlette.responses import Response

from mock_server.errors import ApiError
from mock_server.render import json_bytes

JSON: Final = "application/json"


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json_bytes(body), status_code=status, media_type=JSON)


def error_response(error: ApiError) -> Response:
    response = json_response(error.body(), error.status)
    for name, value in error.headers.items():
        response.headers[name] = value.encode("ascii", "replace").decode("ascii")
    return response
