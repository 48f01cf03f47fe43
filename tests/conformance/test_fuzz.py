"""The fuzz phase and the schemathesis view it is generated from."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

import spec
from conformance import RunConfig, Status, Target, run_all
from conformance._fuzz import DEPENDS_ON_CONTENT, INVALID, VALID, generate, judge
from conformance._models import Part, Request
from tests.conformance.asgi import Memo


def _branch(request: Request) -> str:
    media = {part.name for part in request.parts if part.is_file}
    return "+".join(sorted(media)) or "none"


def test_generated_requests_cover_every_branch_with_real_file_parts() -> None:
    cases = generate(("v1",), examples=25, seed=1)
    positive = [case.request for case in cases if case.mode == "positive"]
    assert {_branch(r) for r in positive} == {"image", "video", "image+video"}
    for request in positive:
        for part in request.parts:
            if part.name in spec.MEDIA_FIELDS:
                assert part.filename in ("image.jpg", "video.mp4")
                assert part.content_type in ("image/jpeg", "video/mp4")
                assert part.content[:3] == b"\xff\xd8\xff" or part.content[4:8] == b"ftyp"
    assert {case.mode for case in cases} == {"positive", "negative"}


def test_generation_is_seeded() -> None:
    first = [case.request for case in generate(("v2",), examples=8, seed=7)]
    again = [case.request for case in generate(("v2",), examples=8, seed=7)]
    assert first == again


def test_negative_cases_are_judged_by_their_wire_form() -> None:
    cases = generate(("v1",), examples=30, seed=3)
    verdicts = Counter(case.expectation for case in cases if case.mode == "negative")
    assert verdicts[INVALID] > 0
    # Type mutations that vanish on the wire (5 sent as "5"; a media part replaced by
    # real media) are not expected to be rejected.
    assert verdicts[VALID] + verdicts[DEPENDS_ON_CONTENT] > 0


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ((Part.text("frame_sampling_rate", "5"),), INVALID),
        ((Part("image", b"\xff\xd8\xff", "i.jpg", "image/jpeg", source="x"),), VALID),
        (
            (
                Part("image", b"\xff\xd8\xff", "i.jpg", "image/jpeg", source="x"),
                Part.text("frame_sampling_rate", "0"),
            ),
            INVALID,
        ),
        (
            (
                Part("image", b"\xff\xd8\xff", "i.jpg", "image/jpeg", source="x"),
                Part.text("image_type", "base64"),
            ),
            DEPENDS_ON_CONTENT,
        ),
        (
            (
                Part("image", b"\xff\xd8\xff", "i.jpg", "image/jpeg", source="x"),
                Part.text("extra", "1"),
            ),
            INVALID,
        ),
    ],
    ids=["no-media", "image", "bad-tuning", "base64-with-file", "unknown-field"],
)
def test_judge(parts: tuple[Part, ...], expected: str) -> None:
    assert judge(Request(path="/liveness", parts=parts)) == expected


def test_fuzz_phase_passes_against_the_mock(memo: Memo, token: str) -> None:
    config = RunConfig(token=token, fuzz_examples=5, seed=0, keyword="FUZZ")
    target = Target(app=memo)
    try:
        final = run_all(target, config)
    finally:
        target.close()
    assert [r.status for r in final.results] == [Status.PASSED] * 6, [
        (r.check.id, r.message) for r in final.results
    ]
    assert final.summary.requests > 10


def _schemathesis_requests(mode: str) -> list[dict[str, Any]]:
    """Requests exactly as Schemathesis's own transport would send them."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis import strategies as st
    from schemathesis.core.media_types import MEDIA_TYPE_STRATEGIES
    from schemathesis.generation import GenerationMode

    saved = dict(MEDIA_TYPE_STRATEGIES)
    schemathesis.openapi.media_type("image/jpeg", st.just(b"\xff\xd8\xff\xe0jpeg"))
    schemathesis.openapi.media_type("video/mp4", st.just(b"\x00\x00\x00\x18ftypmp42"))
    try:
        schema = schemathesis.openapi.from_dict(spec.view("schemathesis"))
        operation = schema["/liveness"]["POST"]
        captured: list[dict[str, Any]] = []

        # Seeded: the video-only branch is one draw in five, so 30 draws can miss it.
        @seed(0)
        @settings(
            max_examples=30,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=GenerationMode(mode)))
        def collect(case: Any) -> None:
            captured.append(case.as_transport_kwargs(base_url="http://127.0.0.1:9"))

        collect()
        return captured
    finally:
        MEDIA_TYPE_STRATEGIES.clear()
        MEDIA_TYPE_STRATEGIES.update(saved)


def _media_parts(kwargs: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    return [
        (name, value) for name, value in kwargs.get("files") or [] if name in ("image", "video")
    ]


def test_schemathesis_generates_every_branch_with_media_content_types() -> None:
    branches = set()
    for kwargs in _schemathesis_requests("positive"):
        parts = _media_parts(kwargs)
        branches.add("+".join(sorted(name for name, _ in parts)))
        for name, value in parts:
            assert value[2] == ("image/jpeg" if name == "image" else "video/mp4")
            assert isinstance(value[1], bytes)
    assert branches == {"image", "video", "image+video"}


def test_schemathesis_own_transport_sends_file_parts_with_a_filename() -> None:
    for mode in ("positive", "negative"):
        for kwargs in _schemathesis_requests(mode):
            for name, value in _media_parts(kwargs):
                if mode == "positive":
                    assert value[0] == ("image.jpg" if name == "image" else "video.mp4")
                else:
                    assert value[0] is not None
