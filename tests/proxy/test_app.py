"""The proxy in process in front of the mock (and of planted faults): what passes, what is
flagged, what the client gets back."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

import fixtures
from bench.load import free_port
from proxy import CLIENT, SERVER, ContractProxy, ProxyConfig
from tests.conformance.asgi import Fault, Memo
from tests.conformance.faults import FAULTS
from tests.proxy.support import checks, files, lines, post_all, proxy_for, violations

FAULT = {fault.id: fault for fault, _ in FAULTS}


def _direct(app: Any, requests: list[dict[str, Any]]) -> list[httpx.Response]:
    return post_all(app, requests)


CLEAN = [
    pytest.param({"url": "/liveness", "files": files(image="genuine_still")}, id="v1-image"),
    pytest.param({"url": "/v2/liveness", "files": files(image="genuine_gray")}, id="v2-gray"),
    pytest.param(
        {
            "url": "/v2/liveness",
            "files": files(image="genuine_still"),
            "data": {"unique_id": "req-1", "facematch_threshold": "0.8"},
        },
        id="v2-tuned",
    ),
    pytest.param(
        {"url": "/liveness", "files": files(image="attack_print_still")}, id="v1-print-attack"
    ),
]


@pytest.mark.parametrize("request_", CLEAN)
def test_clean_traffic_passes_byte_for_byte(
    mock_memo: Memo, auth: dict[str, str], request_: dict[str, Any]
) -> None:
    request_ = {**request_, "headers": auth}
    proxy = proxy_for(mock_memo)
    (through,) = post_all(proxy, [request_])
    (direct,) = _direct(mock_memo, [request_])
    assert through.status_code == direct.status_code == 200
    assert through.content == direct.content
    assert "x-contract-violations" not in through.headers
    assert "x-contract-client-violations" not in through.headers
    assert proxy.report.as_dict()["exchanges"] == proxy.report.as_dict()["clean"] == 1


def test_a_request_that_breaks_the_contract_is_forwarded_and_reported_as_a_client_one(
    mock_memo: Memo, auth: dict[str, str]
) -> None:
    proxy = proxy_for(mock_memo)
    request = {"url": "/liveness", "files": files(video="webm_video"), "headers": auth}
    (through,) = post_all(proxy, [request])
    assert through.status_code == 400
    assert through.json()["detail"]["code"] == "unsupported_video_format"
    assert checks(through, "x-contract-client-violations") == {"REQ-004"}
    assert violations(through) == []
    assert proxy.report.flagged(CLIENT) == {"REQ-004"}
    assert proxy.report.flagged(SERVER) == set()


def test_malformed_multipart_is_forwarded_and_flagged(
    mock_memo: Memo, auth: dict[str, str]
) -> None:
    proxy = proxy_for(mock_memo)
    body = b'--xyz\r\nContent-Disposition: form-data; name="image"\r\n\r\n\xff\xd8\xffno end'
    headers = {**auth, "content-type": "multipart/form-data; boundary=xyz"}
    (through,) = post_all(proxy, [{"url": "/liveness", "content": body, "headers": headers}])
    assert through.status_code == 400
    assert through.json()["detail"]["code"] == "malformed_multipart"
    assert checks(through, "x-contract-client-violations") == {"REQ-002"}
    assert violations(through) == []


def test_a_violating_answer_is_flagged_in_the_header_and_the_report(
    mock_memo: Memo, auth: dict[str, str]
) -> None:
    before, after = FAULT["tuning-not-reflected"].hooks()
    proxy = proxy_for(Fault(mock_memo, before=before, after=after))
    request = {
        "url": "/v2/liveness",
        "files": files(image="genuine_still"),
        "data": {"frame_sampling_rate": "7"},
        "headers": auth,
    }
    (through,) = post_all(proxy, [request])
    assert through.status_code == 200
    found = violations(through)
    assert {item["check"] for item in found} == {"INV-ECHO"}
    assert all(set(item) == {"check", "message"} for item in found)
    assert "frame_sampling_rate" in found[0]["message"]
    assert proxy.report.flagged(SERVER) == {"INV-ECHO"}
    assert "INV-ECHO" in proxy.report.markdown()


def test_enforce_mode_turns_a_violating_answer_into_a_502_naming_the_violations(
    mock_memo: Memo, auth: dict[str, str]
) -> None:
    before, after = FAULT["tuning-not-reflected"].hooks()
    proxy = proxy_for(Fault(mock_memo, before=before, after=after), mode="enforce")
    clean = {
        "url": "/v2/liveness",
        "files": files(image="genuine_still"),
        "data": {"frame_sampling_rate": "7"},
        "headers": auth,
    }
    bad_request = {"url": "/v2/liveness", "files": files(video="webm_video"), "headers": auth}
    violating, refused = post_all(proxy, [clean, bad_request])
    assert violating.status_code == 502
    body = violating.json()
    assert body["detail"]["code"] == "contract_violation"
    assert [item["check"] for item in body["detail"]["violations"]] == ["INV-ECHO"]
    assert "INV-ECHO" in body["message"]
    assert refused.status_code == 400, "a client violation alone is forwarded as it is"


def test_an_upstream_that_is_down_gives_a_502_in_the_contract_error_shape(
    auth: dict[str, str],
) -> None:
    proxy = ContractProxy(ProxyConfig(upstream=f"http://127.0.0.1:{free_port()}"))
    request = {"url": "/liveness", "files": files(image="genuine_still"), "headers": auth}
    (answer,) = post_all(proxy, [request])
    assert answer.status_code == 502
    body = answer.json()
    assert body["detail"]["code"] == "upstream_unavailable"
    assert "did not answer" in body["message"]


class _Failing(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async for _ in request.stream:  # type: ignore[union-attr]
            pass
        raise httpx.RemoteProtocolError("the server hung up")


def test_an_upstream_that_fails_gives_a_502(auth: dict[str, str]) -> None:
    proxy = ContractProxy(ProxyConfig(upstream="http://upstream.invalid"), transport=_Failing())
    (answer,) = post_all(proxy, [{"url": "/v2/liveness", "files": files(image="genuine_still")}])
    assert answer.status_code == 502
    assert answer.json()["detail"]["code"] == "upstream_unavailable"


def test_the_running_report_is_served_and_written_on_shutdown(
    mock_memo: Memo, auth: dict[str, str], tmp_path: Path
) -> None:
    proxy = proxy_for(mock_memo, report_dir=tmp_path)
    good = {"url": "/liveness", "files": files(image="genuine_still"), "headers": auth}
    bad = {"url": "/liveness", "files": files(image="genuine_still")}
    post_all(proxy, [good, bad])

    async def report() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=proxy)
        async with httpx.AsyncClient(transport=transport, base_url="http://p") as http:
            return await http.get("/__proxy/report"), await http.get("/__proxy/report?format=md")

    as_json, as_markdown = asyncio.run(report())
    data = as_json.json()
    assert (data["exchanges"], data["clean"]) == (2, 1)
    assert data["violations"] == [{"side": "client", "check": "AUTH-001", "count": 1}]
    assert "AUTH-001" in as_markdown.text
    asyncio.run(proxy.close())
    written = json.loads((tmp_path / "proxy-report.json").read_text())
    assert written["exchanges"] == 2
    assert "AUTH-001" in (tmp_path / "proxy-report.md").read_text()


def test_the_recording_masks_the_token_and_keeps_no_media_unless_asked(
    mock_memo: Memo, token: str, auth: dict[str, str], tmp_path: Path
) -> None:
    proxy = proxy_for(mock_memo, record=tmp_path)
    request = {
        "url": "/v2/liveness",
        "files": files(image="genuine_still"),
        "data": {"unique_id": "u-7"},
        "headers": auth,
    }
    (answer,) = post_all(proxy, [request])
    asyncio.run(proxy.close())
    (entry,) = list(lines(tmp_path))
    text = "".join(path.read_text() for path in tmp_path.glob("*.jsonl"))
    assert token not in text
    assert entry["request"]["headers"]["authorization"] == "Bearer $TOKEN"
    image = fixtures.get("genuine_still").read_bytes()
    parts = {part["name"]: part for part in entry["request"]["parts"]}
    assert parts["unique_id"]["value"] == "u-7"
    assert parts["image"] == {
        "name": "image",
        "filename": fixtures.get("genuine_still").filename,
        "content_type": "image/jpeg",
        "size": len(image),
        "sha256": hashlib.sha256(image).hexdigest(),
        "detected": "jpeg",
    }
    assert entry["request"]["tuning"] == {"unique_id": "u-7"}
    assert entry["response"]["status"] == 200
    assert entry["response"]["body"] == answer.text
    assert set(entry["timings"]) >= {"request_ms", "upstream_ms", "check_ms"}
    assert not (tmp_path / "media").exists()


def test_recorded_media_is_content_addressed(
    mock_memo: Memo, auth: dict[str, str], tmp_path: Path
) -> None:
    proxy = proxy_for(mock_memo, record=tmp_path, record_media=True)
    request = {"url": "/liveness", "files": files(image="genuine_still"), "headers": auth}
    post_all(proxy, [request, request])
    asyncio.run(proxy.close())
    image = fixtures.get("genuine_still").read_bytes()
    stored = list((tmp_path / "media").iterdir())
    assert [path.name for path in stored] == [hashlib.sha256(image).hexdigest()]
    assert stored[0].read_bytes() == image


def test_the_recording_rotates_at_its_size_cap(
    mock_memo: Memo, auth: dict[str, str], tmp_path: Path
) -> None:
    proxy = proxy_for(mock_memo, record=tmp_path, rotate_bytes=4096)
    request = {"url": "/liveness", "files": files(image="genuine_still"), "headers": auth}
    post_all(proxy, [request] * 4)
    asyncio.run(proxy.close())
    paths = sorted(tmp_path.glob("exchanges-*.jsonl"))
    assert len(paths) >= 2
    assert all(path.stat().st_size <= 4096 for path in paths)
    assert len(list(lines(tmp_path))) == 4


def test_other_routes_pass_through_unchecked(mock_memo: Memo) -> None:
    proxy = proxy_for(mock_memo)

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=proxy)
        async with httpx.AsyncClient(transport=transport, base_url="http://p") as http:
            return await http.get("/healthz")

    answer = asyncio.run(get())
    assert answer.status_code == 200
    assert proxy.report.as_dict()["exchanges"] == 0


async def _huge_answer(scope: dict[str, Any], receive: Any, send: Any) -> None:
    while (await receive()).get("more_body", False):
        pass
    body = b"x" * (9 * 1024 * 1024)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def test_an_answer_too_large_to_check_is_streamed_on_and_reported(auth: dict[str, str]) -> None:
    proxy = proxy_for(_huge_answer)
    request = {"url": "/liveness", "files": files(image="genuine_still"), "headers": auth}
    (answer,) = post_all(proxy, [request])
    assert answer.status_code == 200
    assert answer.content == b"x" * (9 * 1024 * 1024)
    assert checks(answer) == {"PROXY"}
    assert proxy.report.flagged(SERVER) == {"PROXY"}


def test_cookies_an_upstream_sets_are_not_sent_on_with_other_requests() -> None:
    seen: list[str | None] = []

    async def cookie_setter(scope: dict[str, Any], receive: Any, send: Any) -> None:
        while (await receive()).get("more_body", False):
            pass
        headers = dict(scope["headers"])
        seen.append(headers.get(b"cookie", b"").decode() or None)
        answer = [(b"set-cookie", b"session=one-client; Path=/"), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 204, "headers": answer})
        await send({"type": "http.response.body", "body": b""})

    proxy = proxy_for(cookie_setter)

    async def get_thrice() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=proxy)
        async with httpx.AsyncClient(transport=transport, base_url="http://p") as http:
            first = await http.get("/healthz")
            http.cookies.clear()  # a second client, with no cookie of its own
            second = await http.get("/healthz")
            return [first, second, await http.get("/healthz", headers={"cookie": "mine=1"})]

    first, *_ = asyncio.run(get_thrice())
    assert first.headers["set-cookie"] == "session=one-client; Path=/"  # passed to the client
    assert seen == [None, None, "mine=1"]  # the upstream sees each client's own cookies only
