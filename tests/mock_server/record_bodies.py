"""Record the mock's response bodies over a grid of requests, to pin its behaviour.

    .venv/bin/python -m tests.mock_server.record_bodies

Every fixture of the corpus is sent as the contract allows it (image only, video only,
image and video), through v1 and v2, over a small grid of tuning values (valid and not),
the ``X-Mock-Scenario`` scenarios and the ``Prefer`` examples, to the ASGI app in process.
For each request, the status, the ``X-Mock-Scenario-Applied`` header and the SHA-256 of
the body are written to ``recorded_bodies.json`` beside this module, with the SHA-256 of
each fixture file. ``test_recorded_bodies.py`` sends the same requests and compares.

Re-run this module (and commit its output) when the corpus' bytes change on purpose, or
when the grid below changes; never to make a behaviour change pass.

The grid is chosen so that each clip is decoded a few dozen times, not hundreds: the
tuning values that change the video path run on ``genuine_video`` and ``genuine_still``,
the others on one tuning each.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final

import httpx

import fixtures
import spec
from mock_server import Settings, create_app, issue_token
from tests.mock_server.helpers import BOUNDARY, SECRET, multipart, part

RECORDING: Final = Path(__file__).with_name("recorded_bodies.json")
APIS: Final = ("v1", "v2")
CONCURRENCY: Final = 2
STILL: Final = "genuine_still"
CLIP: Final = "genuine_video"

# tuning grids (field -> value, as sent)
IMAGE_TUNINGS: Final[dict[str, dict[str, str]]] = {
    "defaults": {},
    "echoes": {
        "enhanced_detection": "false",
        "frame_sampling_rate": "999",
        "max_frames_to_analyze": "1",
        "facematch_frames": "7",
        "facematch_threshold": "0.25",
        "unique_id": "u-1",
    },
}
VIDEO_TUNINGS: Final[dict[str, dict[str, str]]] = {
    "defaults": {},
    "rate1-cap8": {"frame_sampling_rate": "1", "max_frames_to_analyze": "8"},
    "rate500": {"frame_sampling_rate": "500", "enhanced_detection": "false"},
}
PAIR_TUNINGS: Final[dict[str, dict[str, str]]] = {
    "enhanced": {},
    "legacy": {"enhanced_detection": "False", "unique_id": "pair"},
}
EXTRA_PAIR_TUNINGS: Final[dict[str, dict[str, str]]] = {
    "legacy-strict-facematch": {
        "enhanced_detection": "false",
        "facematch_frames": "99",
        "facematch_threshold": "1",
    },
    "enhanced-lenient-facematch": {
        "frame_sampling_rate": "4",
        "facematch_frames": "1",
        "facematch_threshold": "0",
    },
    "enhanced-rate7-cap3": {
        "frame_sampling_rate": "7",
        "max_frames_to_analyze": "3",
        "facematch_frames": "5",
        "facematch_threshold": "0.3333",
    },
}
INVALID_TUNINGS: Final[dict[str, dict[str, str]]] = {
    "rate-zero": {"frame_sampling_rate": "0"},
    "threshold-above-one": {"facematch_threshold": "1.5"},
    "enhanced-maybe": {"enhanced_detection": "maybe"},
    "cap-text": {"max_frames_to_analyze": "abc"},
    "unknown-field": {"colour": "blue"},
    "image-type-url": {"image_type": "url"},
    "long-unique-id": {"unique_id": "x" * 300},
    "several": {"facematch_frames": "-1", "frame_sampling_rate": "1.5", "colour": "x"},
}
SCENARIOS: Final = (
    "pass",
    "spoof_print",
    "spoof_screen",
    "no_face",
    "several_faces",
    "no_blink",
    "facematch_fail",
    "no-such-scenario",
)
SCENARIO_BASES: Final[dict[str, tuple[dict[str, str], dict[str, str]]]] = {
    # base name -> (role -> fixture, tuning fields)
    "image": ({"image": STILL}, {}),
    "image-fake": ({"image": "attack_print_still"}, {}),
    "video": ({"video": CLIP}, {}),
    "pair-enhanced": ({"image": STILL, "video": CLIP}, {}),
    "pair-legacy": ({"image": STILL, "video": CLIP}, {"enhanced_detection": "false"}),
    "pair-fake-legacy": (
        {"image": "attack_print_still", "video": "attack_print_video"},
        {"enhanced_detection": "false"},
    ),
}


@dataclass(frozen=True, slots=True)
class Case:
    """One request of the grid."""

    id: str
    api: str
    media: dict[str, str]  # role -> fixture name
    fields: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    base64_image: bool = False


def _fixtures(role: str, *, good: bool | None = None) -> list[fixtures.Fixture]:
    return [
        item
        for item in fixtures.all_fixtures()
        if item.role == role and (good is None or (item.expected_status == 200) == good)
    ]


def _named(media: dict[str, str]) -> str:
    return "+".join(media[role] for role in ("image", "video") if role in media)


@cache
def _examples() -> dict[str, dict[int, tuple[str, ...]]]:
    """api -> status -> the names of that response's examples, from the contract."""
    document = spec.load_spec()

    found: dict[str, dict[int, tuple[str, ...]]] = {}
    for api in APIS:
        responses = document["paths"][spec.PATHS[api]]["post"]["responses"]
        found[api] = {}
        for status, response in responses.items():
            content = spec.resolve(response).get("content", {}).get("application/json", {})
            found[api][int(status)] = tuple(content.get("examples", {}))
    return found


def _prefer_cases(api: str) -> Iterator[Case]:
    examples = _examples()[api]
    modes = {
        "image": ({"image": STILL}, {}),
        "video": ({"video": CLIP}, {}),
        "pair-enhanced": ({"image": STILL, "video": CLIP}, {}),
        "pair-legacy": ({"image": STILL, "video": CLIP}, {"enhanced_detection": "false"}),
    }
    for status in sorted(examples):
        for mode, (media, fields) in modes.items():
            yield Case(
                f"{api}/prefer/code={status}/{mode}",
                api,
                media,
                fields,
                {"Prefer": f"code={status}"},
            )
        for name in examples[status]:
            yield Case(
                f"{api}/prefer/code={status};example={name}",
                api,
                {"image": STILL},
                headers={"Prefer": f'code={status}; example="{name}"'},
            )
    for status in sorted(examples):
        for name in examples[status]:
            yield Case(
                f"{api}/prefer/example={name}",
                api,
                {"image": STILL},
                headers={"Prefer": f"example={name}"},
            )
    for value in (
        "code=299",
        "example=no-such-example",
        "code=400, example=image_only",
        "respond-async, wait=5",
    ):
        yield Case(f"{api}/prefer/{value}", api, {"image": STILL}, headers={"Prefer": value})


def cases() -> list[Case]:
    """Every request of the grid, in a stable order, with unique ids."""
    images, videos = _fixtures("image"), _fixtures("video")
    good_images, good_videos = _fixtures("image", good=True), _fixtures("video", good=True)
    found: list[Case] = []
    for api in APIS:
        for image in images:
            for tuning, fields in IMAGE_TUNINGS.items():
                found.append(
                    Case(f"{api}/image/{image.name}/{tuning}", api, {"image": image.name}, fields)
                )
            found.append(
                Case(
                    f"{api}/image/{image.name}/base64",
                    api,
                    {"image": image.name},
                    {"image_type": "base64"},
                    base64_image=True,
                )
            )
        for video in videos:
            tunings = VIDEO_TUNINGS if video.name == CLIP else {"defaults": {}}
            if video.expected_status == 200 and video.name != "genuine_720p":
                tunings = VIDEO_TUNINGS
            for tuning, fields in tunings.items():
                found.append(
                    Case(f"{api}/video/{video.name}/{tuning}", api, {"video": video.name}, fields)
                )
        pairs: list[tuple[dict[str, str], dict[str, dict[str, str]]]] = []
        for video in good_videos:
            pairs.append(({"image": STILL, "video": video.name}, PAIR_TUNINGS))
        for image in good_images:
            if image.name != STILL:
                pairs.append(({"image": image.name, "video": CLIP}, {"enhanced": {}}))
        for still, clip in (
            ("attack_print_still", "attack_print_video"),
            ("attack_screen_still", "attack_screen_video"),
        ):
            pairs.append(({"image": still, "video": clip}, PAIR_TUNINGS))
        pairs.append(({"image": STILL, "video": CLIP}, EXTRA_PAIR_TUNINGS))
        for image in images:
            if image.expected_status != 200:
                pairs.append(({"image": image.name, "video": CLIP}, {"enhanced": {}}))
        for video in videos:
            if video.expected_status != 200:
                pairs.append(({"image": STILL, "video": video.name}, {"enhanced": {}}))
        for media, tunings in pairs:
            for tuning, fields in tunings.items():
                found.append(Case(f"{api}/pair/{_named(media)}/{tuning}", api, media, fields))
        found.append(
            Case(
                f"{api}/pair/{STILL}+{CLIP}/base64",
                api,
                {"image": STILL, "video": CLIP},
                {"image_type": "base64"},
                base64_image=True,
            )
        )
        for tuning, fields in INVALID_TUNINGS.items():
            found.append(Case(f"{api}/invalid/{tuning}", api, {"image": STILL}, fields))
        for base, (media, fields) in SCENARIO_BASES.items():
            for scenario in SCENARIOS:
                found.append(
                    Case(
                        f"{api}/scenario/{scenario}/{base}",
                        api,
                        media,
                        fields,
                        {"X-Mock-Scenario": scenario},
                    )
                )
        found.append(
            Case(
                f"{api}/scenario/ Spoof_Screen /image",
                api,
                {"image": STILL},
                headers={"X-Mock-Scenario": " Spoof_Screen "},
            )
        )
        found.extend(_prefer_cases(api))
    ids = [case.id for case in found]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return found


@cache
def _media(name: str) -> tuple[bytes, str, str]:
    item = fixtures.get(name)
    return item.read_bytes(), item.path.name, item.media_type


def request_body(case: Case) -> tuple[bytes, str]:
    """The multipart body of ``case`` and its Content-Type."""
    parts = [part(name, value) for name, value in case.fields.items()]
    for role in ("image", "video"):
        name = case.media.get(role)
        if name is None:
            continue
        data, filename, media_type = _media(name)
        if role == "image" and case.base64_image:
            parts.append(part("image", base64.b64encode(data)))
        else:
            parts.append(part(role, data, filename=filename, content_type=media_type))
    return multipart(parts), f"multipart/form-data; boundary={BOUNDARY}"


def corpus_digests() -> dict[str, str]:
    return {
        item.name: hashlib.sha256(item.read_bytes()).hexdigest() for item in fixtures.all_fixtures()
    }


async def _answers(grid: list[Case]) -> dict[str, dict[str, Any]]:
    settings = Settings(secret=SECRET, playground=False)
    token = issue_token(settings, ttl_seconds=24 * 3600)
    transport = httpx.ASGITransport(app=create_app(settings))
    limit = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://mock", timeout=600
    ) as client:

        async def one(case: Case) -> tuple[str, dict[str, Any]]:
            body, content_type = request_body(case)
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": content_type,
                **case.headers,
            }
            async with limit:
                response = await client.post(spec.PATHS[case.api], content=body, headers=headers)
            return case.id, {
                "status": response.status_code,
                "applied": response.headers.get("x-mock-scenario-applied"),
                "sha256": hashlib.sha256(response.content).hexdigest(),
            }

        results = await asyncio.gather(*(one(case) for case in grid))
    return dict(results)


def answers(grid: list[Case]) -> dict[str, dict[str, Any]]:
    """Case id -> status, applied scenario header and body digest, as the mock answers."""
    return asyncio.run(_answers(grid))


def record(path: Path = RECORDING) -> int:
    grid = cases()
    recording = {"corpus": corpus_digests(), "cases": answers(grid)}
    path.write_text(json.dumps(recording, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return len(grid)


def main() -> int:
    count = record()
    print(f"recorded {count} answers in {RECORDING}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
