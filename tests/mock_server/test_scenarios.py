"""Prefer: code/example (contract examples) and X-Mock-Scenario (forced outcomes)."""

from __future__ import annotations

from typing import Any

import pytest

import spec
from mock_server import SCENARIOS
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import form, jpeg, mp4, v1_problems, v2_problems

EXAMPLES = spec.load_spec()["components"]["examples"]
MODES = {
    "image": {"image": jpeg()},
    "video": {"video": mp4()},
    "image_video": {"image": jpeg(), "video": mp4()},
}
TUNINGS = [
    pytest.param({}, id="defaults"),
    pytest.param(
        {"enhanced_detection": "False", "facematch_frames": "2", "unique_id": "s-1"}, id="legacy"
    ),
    pytest.param({"frame_sampling_rate": "4", "facematch_threshold": "0"}, id="threshold-0"),
]
APPLIES = {
    "pass": {"image", "video", "image_video"},
    "spoof_print": {"image", "video", "image_video"},
    "spoof_screen": {"image", "video", "image_video"},
    "no_face": {"image", "video", "image_video"},
    "several_faces": {"image", "video", "image_video"},
    "no_blink": {"video", "image_video"},
    "facematch_fail": {"image_video"},
}
EXPECTED_REASON = {
    "spoof_print": "spoof_print",
    "spoof_screen": "spoof_screen",
    "no_face": "no_face",
    "several_faces": "multiple_faces",
    "no_blink": "no_blink",
    "facematch_fail": "facematch_below_threshold",
}


def send(
    client: Client,
    auth: dict[str, str],
    api: str,
    mode: str,
    fields: dict[str, str],
    **headers: str,
) -> Any:
    body, content_type = form(**MODES[mode], fields=fields)
    return client.post(
        spec.PATHS[api], content=body, headers={**auth, "Content-Type": content_type, **headers}
    )


def test_every_scenario_is_tested() -> None:
    assert set(SCENARIOS) == set(APPLIES)


@pytest.mark.parametrize("fields", TUNINGS)
@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("scenario", sorted(APPLIES))
def test_scenarios_keep_the_contract_and_reflect_the_request(
    client: Client,
    auth: dict[str, str],
    scenario: str,
    mode: str,
    fields: dict[str, str],
) -> None:
    sent = set(MODES[mode])
    v2 = send(client, auth, "v2", mode, fields, **{"X-Mock-Scenario": scenario})
    v1 = send(client, auth, "v1", mode, fields, **{"X-Mock-Scenario": scenario})
    assert v2.status_code == v1.status_code == 200
    assert v2_problems(v2.json(), sent, fields) == []
    assert v1_problems(v1.json(), sent, fields) == []
    assert spec.v1_from_v2(v2.json()) == v1.json()
    applied = scenario if mode in APPLIES[scenario] else "none"
    assert v2.headers["x-mock-scenario-applied"] == applied
    overall = v2.json()["overall"]
    if applied == "none":
        plain = send(client, auth, "v2", mode, fields)
        assert v2.content == plain.content
    elif scenario == "pass":
        assert overall["passed"] is True
    else:
        assert overall["passed"] is False
        assert EXPECTED_REASON[scenario] in overall["reasons"]


def test_unknown_scenario_is_ignored(client: Client, auth: dict[str, str]) -> None:
    response = send(client, auth, "v2", "image", {}, **{"X-Mock-Scenario": "meteor"})
    plain = send(client, auth, "v2", "image", {})
    assert response.status_code == 200
    assert response.headers["x-mock-scenario-applied"] == "unknown"
    assert response.content == plain.content


def test_scenarios_still_need_a_token_and_a_valid_request(
    client: Client, auth: dict[str, str]
) -> None:
    headers = {"X-Mock-Scenario": "pass", "Prefer": "code=200"}
    assert send(client, {}, "v1", "image", {}, **headers).status_code == 401
    assert send(client, auth, "v1", "image", {"bogus": "1"}, **headers).status_code == 422


def _example(name: str) -> Any:
    return EXAMPLES[name]["value"]


@pytest.mark.parametrize(
    ("api", "mode", "fields", "prefer", "status", "example"),
    [
        ("v1", "image", {}, "code=200", 200, "V1ImageOnly"),
        ("v1", "video", {}, "code=200", 200, "V1VideoOnly"),
        ("v2", "image_video", {}, "code=200", 200, "V2ImageVideoEnhanced"),
        (
            "v2",
            "image_video",
            {"enhanced_detection": "false"},
            "code=200",
            200,
            "V2ImageVideoLegacy",
        ),
        ("v1", "image", {}, "example=image_video_legacy", 200, "V1ImageVideoLegacy"),
        ("v2", "image", {}, "code=200, example=video_only", 200, "V2VideoOnly"),
        ("v1", "image", {}, "code=401", 401, "ErrorMissingToken"),
        ("v2", "image", {}, "code=401; example=invalid_token", 401, "ErrorInvalidToken"),
        ("v1", "image", {}, "code=400", 400, "ErrorMissingMedia"),
        ("v1", "image", {}, "example=bad_format", 400, "ErrorBadFormat"),
        ("v2", "image", {}, "code=413", 413, "ErrorTooLarge"),
        ("v2", "video", {}, "code=422", 422, "ErrorInvalidTuning"),
    ],
)
def test_prefer_answers_with_the_contract_example(
    client: Client,
    auth: dict[str, str],
    api: str,
    mode: str,
    fields: dict[str, str],
    prefer: str,
    status: int,
    example: str,
) -> None:
    response = send(client, auth, api, mode, fields, Prefer=prefer)
    assert response.status_code == status
    assert response.json() == _example(example)
    assert spec.response_errors(api, status, response.json()) == []
    assert response.headers["x-mock-scenario-applied"].startswith("example=")
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("prefer", ["code=500", "code=404", "code=abc", "example=nope", "x=1"])
def test_unknown_prefer_is_ignored(client: Client, auth: dict[str, str], prefer: str) -> None:
    response = send(client, auth, "v1", "image", {}, Prefer=prefer)
    assert response.status_code == 200
    assert response.content == send(client, auth, "v1", "image", {}).content
    if prefer != "x=1":
        assert response.headers["x-mock-scenario-applied"] == "unknown"
