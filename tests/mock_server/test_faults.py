"""Injected faults: parsing, every kind seen from a real httpx client against uvicorn on
loopback, the seeded random faults, and the in-process transport."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server import Settings, SettingsError
from mock_server.faults import Fault, FaultError, RandomFaults, parse_fault, parse_rule
from mock_server.pytest_plugin import AsgiMock, LiveMock
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import SECRET, error_problems, jpeg

FILES = {"image": ("still.jpg", jpeg(), "image/jpeg")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("latency=800", Fault(latency_ms=800), id="latency"),
        pytest.param("status=503; retry-after=2", Fault(status=503, retry_after=2), id="status"),
        pytest.param("STATUS=429", Fault(status=429), id="upper-case"),
        pytest.param("reset", Fault(reset=True), id="reset"),
        pytest.param("truncate", Fault(truncate=True), id="truncate"),
        pytest.param("slow-body", Fault(slow_body_ms=2000), id="slow-body-default"),
        pytest.param("slow-body=300", Fault(slow_body_ms=300), id="slow-body"),
        pytest.param("latency=300, status=503", Fault(latency_ms=300, status=503), id="combined"),
        pytest.param("latency=10, reset", Fault(latency_ms=10, reset=True), id="latency-reset"),
    ],
)
def test_fault_headers_are_parsed(text: str, expected: Fault) -> None:
    assert parse_fault(text) == expected
    assert parse_fault(expected.describe()) == expected  # the applied header reads back


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("latency", id="latency-without-ms"),
        pytest.param("latency=-5", id="negative"),
        pytest.param("latency=60001", id="too-long"),
        pytest.param("status=404", id="status-not-offered"),
        pytest.param("status=503; retry=2", id="unknown-parameter"),
        pytest.param("reset=1", id="reset-with-value"),
        pytest.param("reset, status=503", id="reset-with-status"),
        pytest.param("latency=1, latency=2", id="twice"),
        pytest.param("meteor", id="unknown"),
        pytest.param("truncate; x=1", id="parameter-on-truncate"),
    ],
)
def test_malformed_fault_headers_are_refused(text: str) -> None:
    with pytest.raises(FaultError):
        parse_fault(text)


def test_a_malformed_header_is_a_400_with_the_error_shape(
    client: Client, auth: dict[str, str]
) -> None:
    response = client.post("/liveness", files=FILES, headers={**auth, "X-Mock-Fault": "sta"})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]["code"] == "invalid_mock_fault"
    assert "unknown fault 'sta'" in body["message"]


def test_faults_apply_only_after_authentication(client: Client) -> None:
    response = client.post("/liveness", files=FILES, headers={"X-Mock-Fault": "status=503"})
    assert response.status_code == 401
    assert "x-mock-fault-applied" not in response.headers


def test_no_fault_unless_asked(client: Client, auth: dict[str, str]) -> None:
    response = client.post("/liveness", files=FILES, headers=auth)
    assert response.status_code == 200
    assert "x-mock-fault-applied" not in response.headers


# --- from a real client, over a real socket ---------------------------------------------


@pytest.fixture(scope="module")
def live() -> Iterator[LiveMock]:
    with LiveMock(Settings(secret=SECRET, playground=False)) as server:
        yield server


def post(live: LiveMock, fault: str, client: httpx.Client | None = None) -> httpx.Response:
    headers = {**live.headers, "X-Mock-Fault": fault}
    if client is not None:
        return client.post("/liveness", files=FILES, headers=headers)
    return httpx.post(f"{live.base_url}/liveness", files=FILES, headers=headers, timeout=30)


def test_latency_delays_the_normal_answer(live: LiveMock) -> None:
    plain = httpx.post(f"{live.base_url}/liveness", files=FILES, headers=live.headers)
    started = time.perf_counter()
    response = post(live, "latency=400")
    assert time.perf_counter() - started >= 0.4
    assert response.status_code == 200
    assert response.content == plain.content
    assert response.headers["x-mock-fault-applied"] == "latency=400"


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_status_faults_answer_the_error_shape(live: LiveMock, status: int) -> None:
    response = post(live, f"status={status}; retry-after=2")
    assert response.status_code == status
    assert response.headers["retry-after"] == "2"
    assert response.headers["x-mock-fault-applied"] == f"status={status}; retry-after=2"
    # the contract's ErrorBody shape (its code names the status, outside the contract's codes)
    problems = error_problems("v1", 400, response.json())
    assert [problem for problem in problems if "is not one of" not in problem] == []
    assert set(response.json()) == {"detail", "message"}


def test_reset_closes_the_connection_with_no_answer(live: LiveMock) -> None:
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        post(live, "reset")
    with httpx.Client(base_url=live.base_url, timeout=30) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            post(live, "latency=50, reset", client)
        assert post(live, "latency=1", client).status_code == 200  # a new connection


def test_truncate_cuts_the_body_short(live: LiveMock) -> None:
    with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
        post(live, "truncate")


def test_slow_body_trickles_the_normal_answer(live: LiveMock) -> None:
    plain = httpx.post(f"{live.base_url}/liveness", files=FILES, headers=live.headers)
    arrivals = []
    started = time.perf_counter()
    headers = {**live.headers, "X-Mock-Fault": "slow-body=500"}
    with httpx.stream(
        "POST", f"{live.base_url}/liveness", files=FILES, headers=headers, timeout=30
    ) as response:
        chunks = []
        for chunk in response.iter_raw():
            arrivals.append(time.perf_counter() - started)
            chunks.append(chunk)
    assert b"".join(chunks) == plain.content
    assert len(arrivals) >= 3
    assert arrivals[-1] - arrivals[0] >= 0.3


def test_truncate_and_slow_body_combine(live: LiveMock) -> None:
    started = time.perf_counter()
    with pytest.raises(httpx.RemoteProtocolError):
        post(live, "slow-body=300, truncate")
    assert time.perf_counter() - started >= 0.25


def test_the_fixture_choice_applies_to_the_next_requests_only(live: LiveMock) -> None:
    live.fault("status=502", times=2)
    statuses = [
        httpx.post(f"{live.base_url}/liveness", files=FILES, headers=live.headers).status_code
        for _ in range(3)
    ]
    assert statuses == [502, 502, 200]


# --- seeded random faults -----------------------------------------------------------------


def _draws(seed: int, count: int = 200) -> list[str]:
    faults = RandomFaults([parse_rule("503:p=0.1"), parse_rule("latency=5:p=0.3")], seed)
    return [faults.draw().describe() for _ in range(count)]


def test_the_same_seed_gives_the_same_faults() -> None:
    first, again, other = _draws(1), _draws(1), _draws(2)
    assert first == again
    assert first != other
    assert 5 <= sum("status=503" in item for item in first) <= 40  # about p=0.1 of 200
    assert "" in first  # and most requests have no fault


def test_the_seeded_faults_reach_the_responses_in_request_order(
    make_client: Any, auth: dict[str, str]
) -> None:
    def statuses(seed: int) -> list[int]:
        client = make_client(faults=("503:p=0.3",), fault_seed=seed)
        return [client.post("/liveness", files=FILES, headers=auth).status_code for _ in range(20)]

    first = statuses(7)
    assert first == statuses(7)
    assert set(first) == {200, 503}
    assert first != statuses(8)


@pytest.mark.parametrize(
    "rule",
    ["503:p=2", "503:q=0.1", "404:p=0.1", "reset:p=x", "meteor"],
)
def test_bad_fault_options_are_settings_errors(rule: str) -> None:
    with pytest.raises(SettingsError, match="faults: "):
        Settings(secret=SECRET, faults=(rule,))


def test_fault_options_come_from_the_environment() -> None:
    settings = Settings.from_env({"LIVENESS_KIT_FAULTS": "503:p=0.05,reset:p=0.01"})
    assert settings.faults == ("503:p=0.05", "reset:p=0.01")
    assert Settings.from_env(settings.to_env()) == settings


# --- in process ---------------------------------------------------------------------------


def test_the_asgi_transport_turns_a_reset_into_httpx_s_error() -> None:
    mock = AsgiMock(Settings(secret=SECRET, playground=False))

    async def run() -> tuple[int, str]:
        async with mock.client() as client:
            for fault in ("reset", "truncate"):
                with pytest.raises(httpx.RemoteProtocolError):
                    await client.post(
                        "/liveness", files=FILES, headers={**mock.headers, "X-Mock-Fault": fault}
                    )
            answer = await client.post(
                "/liveness", files=FILES, headers={**mock.headers, "X-Mock-Fault": "status=504"}
            )
            return answer.status_code, answer.json()["detail"]["code"]

    assert asyncio.run(run()) == (504, "gateway_timeout")


def test_a_request_s_own_fault_leaves_the_chosen_one_for_the_next() -> None:
    from mock_server.admin import MockState

    state = MockState(Settings(secret=SECRET))
    state.choose(fault="status=500", times=1)
    assert state.take("latency=1")[0] == Fault(latency_ms=1)
    assert state.take(None)[0] == Fault(status=500)
    assert state.take(None)[0] == Fault()


@pytest.mark.slow
def test_serve_options_give_the_same_faults_for_the_same_seed(tmp_path: Path) -> None:
    from bench.load import development_token, serve

    token = development_token()

    def run(seed: str, out: Path) -> list[int]:
        extra = ("--fault", "503:p=0.4", "--fault", "latency=5:p=0.5", "--fault-seed", seed)
        headers = {"Authorization": f"Bearer {token}"}
        with (
            serve(extra=(*extra, "--coverage-out", str(out))) as (base_url, _),
            httpx.Client(base_url=base_url, timeout=60) as client,
        ):
            return [
                client.post("/liveness", files=FILES, headers=headers).status_code
                for _ in range(16)
            ]

    first = run("1", tmp_path / "a.json")
    assert first == run("1", tmp_path / "b.json")
    assert set(first) == {200, 503}
    assert first != run("2", tmp_path / "c.json")
    report = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert report["mock"]["other_statuses"]["livenessV1 503"] == first.count(503)
    assert (tmp_path / "a.md").exists()
