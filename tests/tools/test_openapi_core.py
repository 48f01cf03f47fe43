"""openapi-core, a validator written elsewhere, checks the mock's answers for the whole
fixture set against the canonical spec/openapi.yaml.

Prism cannot do it for binary media (it re-encodes file parts as UTF-8 text, see
tests/tools/test_prism_proxy.py), so this is the independent check of the mock's 200
bodies for real JPEG, PNG and MP4 parts. Every case first asserts the status its media
calls for, so a body is counted only for a request that arrived intact; the controls
show openapi-core rejects a body or a content type the contract does not define.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

import fixtures
from bench.load import ROOT
from mock_server.app import create_app
from mock_server.auth import issue_token
from mock_server.config import Settings

pytestmark = [pytest.mark.tools, pytest.mark.slow]

SETTINGS = Settings()
SERVER = "http://127.0.0.1:8080"  # spec/openapi.yaml's servers entry
APIS = (("v1", "/liveness"), ("v2", "/v2/liveness"))


@functools.cache
def openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(ROOT / "spec" / "openapi.yaml"))


@functools.cache
def _token() -> str:
    return issue_token(SETTINGS, ttl_seconds=3600)


@functools.cache
def _app() -> Any:
    return create_app(SETTINGS)


def _send(
    path: str,
    named: dict[str, str],
    data: dict[str, str],
    authorized: bool = True,
    text_parts: dict[str, bytes] | None = None,
) -> Any:
    parts = [
        (
            field,
            (
                fixtures.get(name).filename,
                fixtures.get(name).read_bytes(),
                fixtures.get(name).media_type,
            ),
        )
        for field, name in named.items()
    ]
    # A text part given as a file part without a file name, so the body is multipart.
    parts += [(name, (None, value, None)) for name, value in (text_parts or {}).items()]  # type: ignore[misc]
    headers = {"Authorization": f"Bearer {_token()}"} if authorized else {}

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=_app())
        async with httpx.AsyncClient(transport=transport, base_url=SERVER) as http:
            return await http.post(path, files=parts or None, data=data or None, headers=headers)

    return asyncio.run(post())


def _validate(path: str, status: int, content: bytes, content_type: str) -> None:
    request = MockRequest(SERVER, "post", path, content_type="multipart/form-data")
    response = MockResponse(content, status_code=status, content_type=content_type)
    openapi().validate_response(request, response)


def _cases() -> list[Any]:
    cases = []
    for fixture in fixtures.all_fixtures():
        for api, path in APIS:
            expected = int(fixture.expected_status)
            cases.append(
                pytest.param(
                    path, {fixture.role: fixture.name}, {}, expected, id=f"{api}-{fixture.name}"
                )
            )
    pair = {"image": "genuine_still", "video": "genuine_video"}
    for api, path in APIS:
        named: dict[str, tuple[dict[str, str], dict[str, str], int]] = {
            "enhanced": (pair, {}, 200),
            "legacy": (pair, {"enhanced_detection": "False"}, 200),
            "impostor": (
                {"image": "genuine_still", "video": "impostor_video"},
                {"facematch_frames": "5", "facematch_threshold": "0.8"},
                200,
            ),
            "tuned-video": (
                {"video": "genuine_video"},
                {"frame_sampling_rate": "7", "max_frames_to_analyze": "6", "unique_id": "u-1"},
                200,
            ),
            "no-media": ({}, {"unique_id": "x"}, 400),
            "bad-tuning": ({"image": "genuine_still"}, {"facematch_threshold": "2"}, 422),
            "unknown-field": ({"image": "genuine_still"}, {"sampling": "3"}, 422),
        }
        for name, (files, data, status) in named.items():
            cases.append(pytest.param(path, files, data, status, id=f"{api}-{name}"))
    return cases


@pytest.mark.parametrize(("path", "named", "data", "expected_status"), _cases())
def test_openapi_core_accepts_the_mocks_answer(
    path: str, named: dict[str, str], data: dict[str, str], expected_status: int
) -> None:
    response = _send(path, named, data)
    assert response.status_code == expected_status, response.text
    _validate(path, response.status_code, response.content, response.headers["content-type"])


@pytest.mark.parametrize(("api", "path"), APIS, ids=[api for api, _ in APIS])
def test_openapi_core_accepts_a_base64_still_and_a_401(api: str, path: str) -> None:
    still = base64.b64encode(fixtures.get("genuine_still").read_bytes())
    answered = _send(path, {}, {"image_type": "base64"}, text_parts={"image": still})
    assert answered.status_code == 200
    _validate(path, 200, answered.content, answered.headers["content-type"])
    refused = _send(path, {"image": "genuine_still"}, {}, authorized=False)
    assert refused.status_code == 401
    _validate(path, 401, refused.content, refused.headers["content-type"])


def _broken(body: dict[str, Any]) -> None:
    target = body.get("overall", body)
    target["confidence"] = 1.5


@pytest.mark.parametrize(("api", "path"), APIS, ids=[api for api, _ in APIS])
def test_openapi_core_rejects_what_the_contract_does_not_define(api: str, path: str) -> None:
    """The controls: the same 200 with a confidence out of range, or served as text."""
    response = _send(path, {"image": "genuine_still"}, {})
    assert response.status_code == 200
    body = response.json()
    _broken(body)
    with pytest.raises(Exception, match="greater than the maximum"):
        _validate(path, 200, json.dumps(body).encode(), "application/json")
    with pytest.raises(Exception, match="text/plain"):
        _validate(path, 200, response.content, "text/plain")
    with pytest.raises(Exception):  # noqa: B017 (openapi-core's own error types)
        _validate(path, 200, b'{"fields": 1}', "application/json")
