"""Replay of a recording: against the mock nothing changes; against planted faults the
differences are listed, and a contract break gives exit status 1."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from proxy import ProxyError, ReplayResult, replay
from tests.conformance.asgi import Call, Fault, Memo
from tests.conformance.faults import FAULTS
from tests.proxy.support import files, post_all, proxy_for

FAULT = {fault.id: fault for fault, _ in FAULTS}


def traffic(auth: dict[str, str]) -> list[dict[str, Any]]:
    requests = []
    for path in ("/liveness", "/v2/liveness"):
        requests += [
            {"url": path, "files": files(image="genuine_still"), "headers": auth},
            {
                "url": path,
                "files": files(image="attack_print_still"),
                "data": {"frame_sampling_rate": "7", "unique_id": "r-1"},
                "headers": auth,
            },
            {"url": path, "files": files(video="genuine_video"), "headers": auth},
            {"url": path, "files": files(image="genuine_still")},  # no token: a 401
            {"url": path, "files": files(video="webm_video"), "headers": auth},  # a 400
        ]
    return requests


@pytest.fixture(scope="module")
def recording(mock_memo: Memo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mock_server.auth import issue_token
    from tests.proxy.conftest import SETTINGS

    auth = {"Authorization": f"Bearer {issue_token(SETTINGS, ttl_seconds=3600)}"}
    directory = tmp_path_factory.mktemp("recording")
    proxy = proxy_for(mock_memo, record=directory, record_media=True)
    answers = post_all(proxy, traffic(auth))
    asyncio.run(proxy.close())
    assert [answer.status_code for answer in answers] == [200, 200, 200, 401, 400] * 2
    return directory


def replay_against(app: Any, recording: Path, token: str) -> ReplayResult:
    transport = httpx.ASGITransport(app=app)
    return asyncio.run(replay(recording, "http://target.test", token=token, transport=transport))


def test_replay_against_the_mock_finds_no_difference(
    recording: Path, mock_memo: Memo, token: str
) -> None:
    result = replay_against(mock_memo, recording, token)
    assert result.summary() == {
        "exchanges": 10,
        "replayed": 10,
        "skipped": 0,
        "status_changes": 0,
        "violations": 0,
        "verdict_changes": 0,
        "contract_breaks": 0,
    }
    assert result.exit_code == 0


@pytest.mark.parametrize(
    ("fault_id", "listed"),
    [
        ("tuning-not-reflected", "INV-ECHO"),
        ("v1-v2-disagree", "INV-V1-V2"),
        ("500-on-video-only", "status 200 -> 500"),
        ("missing-v1-field", "MODE-001"),
        ("no-www-authenticate", "AUTH-008"),
    ],
)
def test_replay_against_a_planted_fault_lists_the_differences(
    recording: Path, mock_memo: Memo, token: str, fault_id: str, listed: str
) -> None:
    before, after = FAULT[fault_id].hooks()
    result = replay_against(Fault(mock_memo, before=before, after=after), recording, token)
    assert listed in result.text()
    assert result.summary()["contract_breaks"] >= 1
    assert result.exit_code == 1


def _spoof(call: Call) -> None:
    call.headers["x-mock-scenario"] = "spoof_print"


def test_a_verdict_change_is_listed_but_is_no_contract_break(recording: Path, token: str) -> None:
    from mock_server.app import create_app
    from tests.proxy.conftest import SETTINGS

    # The mock itself (the memo keys answers by body, not by scenario header).
    result = replay_against(Fault(create_app(SETTINGS), before=_spoof), recording, token)
    summary = result.summary()
    assert summary["verdict_changes"] >= 2
    assert summary["contract_breaks"] == 0
    assert "verdict result 'real' -> 'fake'" in result.text()
    assert result.exit_code == 0


def test_a_recording_without_media_cannot_be_replayed(
    mock_memo: Memo, auth: dict[str, str], token: str, tmp_path: Path
) -> None:
    proxy = proxy_for(mock_memo, record=tmp_path)
    post_all(proxy, [{"url": "/liveness", "files": files(image="genuine_still"), "headers": auth}])
    asyncio.run(proxy.close())
    result = replay_against(mock_memo, tmp_path, token)
    assert result.summary()["skipped"] == 1
    assert "--record-media" in result.text()


def test_a_file_that_is_no_recording_is_a_usage_error(tmp_path: Path, token: str) -> None:
    path = tmp_path / "exchanges-0001.jsonl"
    path.write_text("not json\n")
    with pytest.raises(ProxyError, match="not a recorded exchange"):
        replay_against(None, path, token)
