"""``liveness-kit proxy`` in a real server (uvicorn on 127.0.0.1) in front of the mock in
another: the fixture set byte for byte, a bounded load, hostile input, the shutdown report
and ``liveness-kit replay`` of what it recorded."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

import fixtures
from bench.load import ROOT, development_token, drive, serve, stop
from tests.proxy.support import serve_proxy

pytestmark = pytest.mark.slow

LOAD_CLIENTS = 64
LOAD_SECONDS = 8.0
LOAD_MAX_REQUESTS = 1500


@pytest.fixture(scope="module")
def live_token() -> str:
    return development_token()


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    with serve() as (url, _):
        yield url


@pytest.fixture(scope="module")
def record_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("live-recording")


@pytest.fixture(scope="module")
def proxy_url(mock_url: str, record_dir: Path) -> Iterator[str]:
    with serve_proxy(mock_url, "--record", str(record_dir), "--record-media") as (url, _):
        yield url


def _post(base: str, path: str, token: str | None, **named: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
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
    return httpx.post(base + path, files=parts, headers=headers, timeout=120)


def _cases() -> list[Any]:
    cases = []
    for fixture in fixtures.all_fixtures():
        if fixture.name == "genuine_720p":
            continue
        for path in ("/liveness", "/v2/liveness"):
            cases.append(
                pytest.param(path, {fixture.role: fixture.name}, id=f"{path}-{fixture.name}")
            )
    pair = {"image": "genuine_still", "video": "genuine_video"}
    cases.append(pytest.param("/v2/liveness", pair, id="v2-image-video"))
    return cases


def _headers(response: httpx.Response) -> list[tuple[str, str]]:
    return [(k, v) for k, v in response.headers.multi_items() if k != "date"]


@pytest.mark.parametrize(("path", "named"), _cases())
def test_the_fixture_set_passes_byte_for_byte_with_no_violation(
    mock_url: str, proxy_url: str, live_token: str, path: str, named: dict[str, str]
) -> None:
    direct = _post(mock_url, path, live_token, **named)
    through = _post(proxy_url, path, live_token, **named)
    assert through.status_code == direct.status_code
    assert through.content == direct.content
    extra = {"x-contract-violations", "x-contract-client-violations"}
    assert [h for h in _headers(through) if h[0] not in extra] == _headers(direct)
    assert "x-contract-violations" not in through.headers


def test_load_through_the_proxy_has_no_error(proxy_url: str, live_token: str) -> None:
    result = asyncio.run(
        drive(
            proxy_url,
            live_token,
            clients=LOAD_CLIENTS,
            duration_s=LOAD_SECONDS,
            max_requests=LOAD_MAX_REQUESTS,
        )
    )
    assert result.errors == []
    assert result.requests >= LOAD_CLIENTS
    report = httpx.get(proxy_url + "/__proxy/report", timeout=30).json()
    assert [v for v in report["violations"] if v["side"] == "server"] == []


def test_a_huge_part_gets_the_mocks_answer_and_the_proxy_survives(
    mock_url: str, proxy_url: str, live_token: str
) -> None:
    huge = b"\xff\xd8\xff\xe0" + bytes(21 * 1024 * 1024)
    headers = {"Authorization": f"Bearer {live_token}"}
    answers = [
        httpx.post(
            base + "/liveness",
            files={"image": ("big.jpg", huge, "image/jpeg")},
            headers=headers,
            timeout=120,
        )
        for base in (mock_url, proxy_url)
    ]
    assert answers[1].status_code == answers[0].status_code == 413
    assert answers[1].content == answers[0].content
    assert "x-contract-violations" not in answers[1].headers
    assert _post(proxy_url, "/liveness", live_token, image="genuine_still").status_code == 200


def test_malformed_multipart_is_answered_as_the_mock_answers_it(
    mock_url: str, proxy_url: str, live_token: str
) -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="image"\r\n\r\n\xff\xd8'
    headers = {
        "Authorization": f"Bearer {live_token}",
        "Content-Type": "multipart/form-data; boundary=b",
    }
    direct = httpx.post(mock_url + "/liveness", content=body, headers=headers, timeout=30)
    through = httpx.post(proxy_url + "/liveness", content=body, headers=headers, timeout=30)
    assert (through.status_code, through.content) == (direct.status_code, direct.content)
    assert json.loads(through.headers["x-contract-client-violations"])[0]["check"] == "REQ-002"


def test_a_slow_client_does_not_hold_up_the_others(proxy_url: str, live_token: str) -> None:
    image = fixtures.get("genuine_still").read_bytes()
    boundary = "slow"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + image
        + f"\r\n--{boundary}--\r\n".encode()
    )
    address = urlsplit(proxy_url)
    head = (
        f"POST /liveness HTTP/1.1\r\nHost: {address.netloc}\r\n"
        f"Authorization: Bearer {live_token}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    answer: list[bytes] = []

    def slow() -> None:
        with socket.create_connection((address.hostname, address.port), timeout=60) as sock:
            sock.sendall(head)
            for start in range(0, len(body), len(body) // 8 + 1):
                sock.sendall(body[start : start + len(body) // 8 + 1])
                time.sleep(0.4)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
            answer.append(b"".join(chunks))

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    quick = _post(proxy_url, "/liveness", live_token, image="genuine_still")
    quick_seconds = time.monotonic() - started
    thread.join(timeout=60)
    assert quick.status_code == 200
    assert quick_seconds < 2.5, "the quick request waited for the slow one"
    assert answer and answer[0].startswith(b"HTTP/1.1 200")


def test_shutdown_writes_the_report_and_replay_finds_no_difference(
    mock_url: str, live_token: str, tmp_path: Path
) -> None:
    with serve_proxy(mock_url, "--record", str(tmp_path), "--record-media") as (url, process):
        assert _post(url, "/liveness", live_token, image="genuine_still").status_code == 200
        assert _post(url, "/v2/liveness", live_token, video="genuine_video").status_code == 200
        assert _post(url, "/liveness", None, image="genuine_still").status_code == 401
        stop(process)
    report = json.loads((tmp_path / "proxy-report.json").read_text())
    assert (report["exchanges"], report["clean"]) == (3, 2)
    assert "AUTH-001" in (tmp_path / "proxy-report.md").read_text()
    replayed = subprocess.run(
        [
            sys.executable,
            "-m",
            "liveness_kit",
            "replay",
            str(tmp_path),
            "--base-url",
            mock_url,
            "--token",
            live_token,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "exchanges 3, replayed 3, skipped 0, status changes 0" in replayed.stdout
    assert "contract breaks 0" in replayed.stdout
