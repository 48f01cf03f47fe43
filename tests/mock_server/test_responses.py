"""Every fixture of the corpus, through v1 and v2, over a grid of tuning values: the
bodies validate against the contract and keep its invariants; broken files get their 400."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import fixtures
import spec
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import error_problems, form, v1_problems, v2_problems

CORPUS = list(fixtures.all_fixtures())  # committed: a missing corpus fails collection

BROKEN_CODES = {
    "corrupt_jpeg": "corrupt_image",
    "empty_jpeg": "empty_file",
    "text_as_jpeg": "unsupported_image_format",
    "decompression_bomb": "image_too_large",
    "truncated_mp4": "corrupt_video",
    "webm_video": "unsupported_video_format",
    "audio_only_mp4": "no_video_stream",
}
IMAGES = [f for f in CORPUS if f.role == "image" and f.expected_status == 200]
VIDEOS = [f for f in CORPUS if f.role == "video" and f.expected_status == 200]
BROKEN = [f for f in CORPUS if f.expected_status != 200]
STILL = next(f for f in IMAGES if f.name == "genuine_still")

IMAGE_TUNINGS = [
    pytest.param({}, id="defaults"),
    pytest.param(
        {"enhanced_detection": "false", "frame_sampling_rate": "999", "unique_id": "u-1"},
        id="echoes",
    ),
]
VIDEO_TUNINGS = [
    pytest.param({}, id="defaults"),
    pytest.param({"frame_sampling_rate": "1", "max_frames_to_analyze": "999"}, id="every-frame"),
    pytest.param({"frame_sampling_rate": "7", "max_frames_to_analyze": "3"}, id="capped"),
    pytest.param({"frame_sampling_rate": "500"}, id="rate-above-length"),
]
PAIR_TUNINGS = [
    pytest.param({}, id="enhanced-defaults"),
    pytest.param({"enhanced_detection": "False"}, id="legacy"),
    pytest.param(
        {"enhanced_detection": "False", "facematch_frames": "99", "facematch_threshold": "1"},
        id="legacy-strict-facematch",
    ),
    pytest.param(
        {"frame_sampling_rate": "4", "facematch_frames": "1", "facematch_threshold": "0"},
        id="enhanced-lenient-facematch",
    ),
]


def _post(
    client: Client, auth: dict[str, str], api: str, media: dict[str, bytes], fields: dict[str, str]
) -> Any:
    body, content_type = form(**media, fields=fields)  # type: ignore[arg-type]
    return client.post(
        spec.PATHS[api], content=body, headers={**auth, "Content-Type": content_type}
    )


def _both_apis(
    client: Client, auth: dict[str, str], media: dict[str, bytes], fields: dict[str, str]
) -> None:
    sent = set(media)
    v1 = _post(client, auth, "v1", media, fields)
    v2 = _post(client, auth, "v2", media, fields)
    assert (v1.status_code, v2.status_code) == (200, 200), (v1.text, v2.text)
    assert v1_problems(v1.json(), sent, fields) == []
    assert v2_problems(v2.json(), sent, fields) == []
    assert spec.v1_from_v2(v2.json()) == v1.json()
    again = _post(client, auth, "v2", media, fields)
    assert again.content == v2.content


@pytest.mark.parametrize("fields", IMAGE_TUNINGS)
@pytest.mark.parametrize("fixture", IMAGES, ids=lambda f: f.name)
def test_images(client: Client, auth: dict[str, str], fixture: Any, fields: dict[str, str]) -> None:
    _both_apis(client, auth, {"image": fixture.read_bytes()}, fields)


@pytest.mark.slow
@pytest.mark.parametrize("fields", VIDEO_TUNINGS)
@pytest.mark.parametrize("fixture", VIDEOS, ids=lambda f: f.name)
def test_videos(client: Client, auth: dict[str, str], fixture: Any, fields: dict[str, str]) -> None:
    _both_apis(client, auth, {"video": fixture.read_bytes()}, fields)


@pytest.mark.slow
@pytest.mark.parametrize("fields", PAIR_TUNINGS)
@pytest.mark.parametrize("fixture", VIDEOS, ids=lambda f: f.name)
def test_image_and_video(
    client: Client, auth: dict[str, str], fixture: Any, fields: dict[str, str]
) -> None:
    _both_apis(client, auth, {"image": STILL.read_bytes(), "video": fixture.read_bytes()}, fields)


@pytest.mark.parametrize("api", ["v1", "v2"])
@pytest.mark.parametrize("fixture", BROKEN, ids=lambda f: f.name)
def test_broken_fixtures_get_their_400(
    client: Client, auth: dict[str, str], fixture: Any, api: str
) -> None:
    media = {fixture.role: fixture.read_bytes()}
    if fixture.role == "video":
        media["image"] = STILL.read_bytes()  # the video's error is reported with a good still
    response = _post(client, auth, api, media, {})
    assert response.status_code == fixture.expected_status
    assert error_problems(api, 400, response.json(), BROKEN_CODES.get(fixture.name)) == []
    assert response.json()["detail"]["part"] == fixture.role


def _example(name: str) -> dict[str, Any]:
    value: dict[str, Any] = copy.deepcopy(spec.load_spec()["components"]["examples"][name])
    return value["value"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "broken"),
    [
        pytest.param(("overall", "overall_confidence", 0.0001), "INV-OVERALL-CONFIDENCE", id="oc"),
        pytest.param(("overall", "passed", True), "INV-REASONS", id="passed"),
        pytest.param(("video", "frames_analyzed", 1), "INV-FRAME-COUNTS", id="frames"),
        pytest.param(("overall", "unique_id", "other"), "INV-ECHO", id="unique-id"),
        pytest.param(("overall", "mode", "video"), "mode", id="mode"),
    ],
)
def test_the_invariant_rules_catch_a_broken_body(change: tuple[str, str, Any], broken: str) -> None:
    body = _example("V2ImageVideoEnhanced")
    sent = {"image", "video"}
    fields = {"unique_id": body["overall"]["unique_id"]} if body["overall"]["unique_id"] else {}
    assert v2_problems(body, sent, fields) == []
    block, name, value = change
    body[block][name] = value
    assert any(problem.startswith(broken) for problem in v2_problems(body, sent, fields))
