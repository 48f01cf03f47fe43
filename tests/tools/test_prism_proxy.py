"""Prism, in proxy mode in front of the mock, validates the mock's answers against the
canonical spec and reports violations in the ``sl-violations`` header.

Prism re-encodes binary multipart parts as UTF-8 text (every byte that is not valid UTF-8
becomes U+FFFD), so a JPEG or MP4 reaches the mock corrupted and is refused with a 400.
A verdict through Prism therefore counts only when the request was answered with the
status its media calls for: every case asserts it, so a corrupted part fails the test
instead of passing as "a 400 without violations". The cases are those Prism forwards
intact (stills as base64 text, and the request errors); ``test_prism_corrupts_binary_parts``
pins the limit, and the mock's 200 bodies for the whole binary fixture set are validated
by openapi-core instead (tests/tools/test_openapi_core.py).

A control run puts Prism in front of a server that answers every request with a body
the contract does not define, so the test cannot pass because Prism stopped reporting.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

import fixtures
from bench.floor import serve_floor
from bench.load import ROOT, development_token, free_port, running, serve

PRISM = ROOT / "tools" / "node_modules" / ".bin" / "prism"
pytestmark = [pytest.mark.tools, pytest.mark.slow]
REPLACEMENT = "\\xef\\xbf\\xbd"  # U+FFFD in UTF-8, as the mock's message shows bytes


@contextlib.contextmanager
def prism_proxy(upstream: str) -> Iterator[str]:
    if not PRISM.exists():
        pytest.fail("Prism is not installed: run scripts/tools (npm ci in tools/)")
    port = free_port()
    command = [
        str(PRISM),
        "proxy",
        str(ROOT / "spec" / "openapi.yaml"),
        upstream,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--errors",
        "false",
    ]
    with running(command, port) as (url, _):
        yield url


@pytest.fixture(scope="module")
def proxy_url() -> Iterator[str]:
    with serve() as (upstream, _), prism_proxy(upstream) as url:
        yield url


@pytest.fixture(scope="module")
def token() -> str:
    return development_token()


@dataclass(frozen=True)
class Case:
    path: str
    expected_status: int  # what the mock answers when the request arrives intact
    files: dict[str, str] = field(default_factory=dict)  # binary file parts: field -> fixture
    base64_image: str | None = None  # a still sent as base64 text (image_type=base64)
    data: dict[str, str] = field(default_factory=dict)
    authorized: bool = True
    invalid_request: bool = False  # Prism must flag the request too


def _stills() -> list[Any]:
    return [fixture for fixture in fixtures.all_fixtures() if fixture.role == "image"]


def _cases() -> list[Any]:
    """Every still as base64 text, v1 and v2, tuned variants and the request errors."""
    cases = []
    apis = (("v1", "/liveness"), ("v2", "/v2/liveness"))
    for fixture in _stills():
        for api, path in apis:
            case = Case(path, int(fixture.expected_status), base64_image=fixture.name)
            cases.append(pytest.param(case, id=f"{api}-base64-{fixture.name}"))
    for api, path in apis:
        named = {
            "tuned": Case(
                path,
                200,
                base64_image="genuine_still",
                data={"unique_id": "req-7", "facematch_threshold": "0.8"},
            ),
            "no-media": Case(path, 400, data={"unique_id": "x"}, invalid_request=True),
            "bad-tuning": Case(
                path,
                422,
                base64_image="genuine_still",
                data={"facematch_threshold": "2"},
                invalid_request=True,
            ),
            "no-token": Case(
                path, 401, base64_image="genuine_still", authorized=False, invalid_request=True
            ),
        }
        cases += [pytest.param(case, id=f"{api}-{name}") for name, case in named.items()]
    return cases


def _violations(response: httpx.Response, location: str) -> list[dict[str, Any]]:
    header = response.headers.get("sl-violations")
    found: list[dict[str, Any]] = json.loads(header) if header else []
    return [violation for violation in found if violation["location"][0] == location]


def _post(base_url: str, case: Case, token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if case.authorized else {}
    files = {
        name: (fixtures.get(fixture).filename, fixtures.get(fixture).read_bytes(), media_type)
        for name, fixture in case.files.items()
        for media_type in [fixtures.get(fixture).media_type]
    }
    data = dict(case.data)
    parts: list[Any] = list(files.items())
    if case.base64_image is not None:
        data["image_type"] = "base64"
        still = base64.b64encode(fixtures.get(case.base64_image).read_bytes())
        parts.append(("image", (None, still, None)))  # a text part: no file name
    if not parts:  # still multipart/form-data, as the contract requires
        parts.append(("unique_id", (None, data.pop("unique_id", "x").encode(), None)))
    return httpx.post(
        base_url + case.path,
        files=parts,
        data=data or None,
        headers=headers,
        timeout=60,
    )


@pytest.mark.parametrize("case", _cases())
def test_prism_finds_no_response_violation(proxy_url: str, token: str, case: Case) -> None:
    response = _post(proxy_url, case, token)
    # The verdict counts only if the request arrived intact: its status is the one its
    # media calls for (a corrupted still would be refused with a 400).
    assert response.status_code == case.expected_status, response.text
    assert _violations(response, "response") == []
    if response.status_code == 200:
        assert _violations(response, "request") == [], "a valid request raises no violation"
    if case.invalid_request:
        assert _violations(response, "request") != [], "Prism agrees the request is invalid"


def test_prism_corrupts_binary_parts(proxy_url: str, token: str) -> None:
    """The limit stated in docs/hardening.md: a valid JPEG file part arrives as UTF-8 text.

    If this fails, Prism forwards binary parts intact: send the binary fixture set
    through it again (the cases above) instead of relying on openapi-core alone.
    """
    case = Case("/liveness", 200, files={"image": "genuine_still"})
    response = _post(proxy_url, case, token)
    assert response.status_code == 400
    assert response.json()["detail"]["code"] == "unsupported_image_format"
    assert REPLACEMENT in response.json()["message"]


def test_prism_reports_a_response_the_contract_does_not_define(token: str) -> None:
    """The control: a bare endpoint answering ``{"fields": 1}`` with a 200."""
    case = Case("/liveness", 200, base64_image="genuine_still")
    with serve_floor() as upstream, prism_proxy(upstream) as url:
        response = _post(url, case, token)
    assert response.status_code == 200
    assert _violations(response, "response") != []
