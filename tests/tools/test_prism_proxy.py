"""Prism, in proxy mode in front of the mock, validates every response of the fixture
set against the canonical spec: it reports violations in the ``sl-violations`` header.

A control run puts Prism in front of a server that answers every request with a body
the contract does not define, so the test cannot pass because Prism stopped reporting.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

import fixtures
from bench.floor import serve_floor
from bench.load import ROOT, development_token, free_port, serve, wait_until_up

PRISM = ROOT / "tools" / "node_modules" / ".bin" / "prism"
pytestmark = [pytest.mark.tools, pytest.mark.slow]


@contextlib.contextmanager
def prism_proxy(upstream: str) -> Iterator[str]:
    if not PRISM.exists():
        pytest.fail("Prism is not installed: run scripts/tools (npm ci in tools/)")
    port = free_port()
    process = subprocess.Popen(
        [
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
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
    files: dict[str, str]  # form field -> fixture name
    data: dict[str, str] = field(default_factory=dict)
    authorized: bool = True
    invalid_request: bool = False  # Prism must flag the request too


def _cases() -> list[Any]:
    """Every fixture alone, v1 and v2, plus every mode and the request errors."""
    cases = []
    apis = (("v1", "/liveness"), ("v2", "/v2/liveness"))
    for fixture in fixtures.all_fixtures():
        if fixture.name == "genuine_720p":
            continue  # the same content as genuine_video, only slower
        for api, path in apis:
            case = Case(path, {fixture.role: fixture.name})
            cases.append(pytest.param(case, id=f"{api}-{fixture.name}"))
    pair = {"image": "genuine_still", "video": "genuine_video"}
    impostor = {"image": "genuine_still", "video": "impostor_video"}
    for api, path in apis:
        named = {
            "enhanced": Case(path, pair),
            "legacy": Case(path, pair, {"enhanced_detection": "False"}),
            "impostor": Case(
                path, impostor, {"facematch_frames": "5", "facematch_threshold": "0.8"}
            ),
            "tuned": Case(
                path,
                {"video": "genuine_video"},
                {"frame_sampling_rate": "7", "max_frames_to_analyze": "6"},
            ),
            "no-media": Case(path, {}, {"unique_id": "x"}, invalid_request=True),
            "bad-tuning": Case(
                path,
                {"image": "genuine_still"},
                {"facematch_threshold": "2"},
                invalid_request=True,
            ),
            "no-token": Case(
                path, {"image": "genuine_still"}, authorized=False, invalid_request=True
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
    return httpx.post(
        base_url + case.path,
        files=files or None,
        data=case.data or None,
        headers=headers,
        timeout=60,
    )


@pytest.mark.parametrize("case", _cases())
def test_prism_finds_no_response_violation(proxy_url: str, token: str, case: Case) -> None:
    response = _post(proxy_url, case, token)
    assert response.status_code in (200, 400, 401, 413, 422)
    assert _violations(response, "response") == []
    if response.status_code == 200:
        assert _violations(response, "request") == [], "a valid request raises no violation"
    if case.invalid_request:
        assert response.status_code in (400, 401, 422)
        assert _violations(response, "request") != [], "Prism agrees the request is invalid"


def test_prism_reports_a_response_the_contract_does_not_define(token: str) -> None:
    """The control: a bare endpoint answering ``{"fields": 1}`` with a 200."""
    case = Case("/liveness", {"image": "genuine_still"})
    with serve_floor() as upstream, prism_proxy(upstream) as url:
        response = _post(url, case, token)
    assert response.status_code == 200
    assert _violations(response, "response") != []
