"""The verdict rules, on blocks built by hand: the same for the pipeline and the scenarios."""

from __future__ import annotations

import pytest

from mock_server.analysis import FacematchAnalysis, ImageAnalysis, VideoAnalysis
from mock_server.blink import BlinkTracker
from mock_server.verdict import overall


def _image(result: str, confidence: float, *reasons: str) -> ImageAnalysis:
    return ImageAnalysis(result, confidence, 1, {"print": 0.0, "screen": 0.0}, reasons)  # type: ignore[arg-type]


def _video(result: str, confidence: float, *reasons: str) -> VideoAnalysis:
    return VideoAnalysis(
        150,
        (0, 15),
        2,
        result == "real",
        result,
        confidence,
        reasons,
        "sampled",  # type: ignore[arg-type]
    )


def _facematch(passed: bool, confidence: float) -> FacematchAnalysis:
    reasons = () if passed else ("facematch_below_threshold",)
    return FacematchAnalysis(3, 2, 1, confidence, 0.5, passed, reasons, (0, 15))


def test_one_block_gives_its_verdict() -> None:
    whole = overall(_image("fake", 0.8, "spoof_print"), None, None)
    assert (whole.result, whole.confidence, whole.overall_passed) == ("fake", 0.8, False)
    assert whole.overall_confidence == 0.8 and whole.reasons == ("spoof_print",)
    whole = overall(
        None,
        _video(
            "real",
            0.91234567,
        ),
        None,
    )
    assert (whole.result, whole.confidence, whole.overall_passed) == ("real", 0.9123, True)


@pytest.mark.parametrize(
    ("image", "video", "result", "confidence"),
    [
        pytest.param(("real", 0.9), ("real", 0.7), "real", 0.7, id="both-real-lowest"),
        pytest.param(("fake", 0.6), ("real", 0.7), "fake", 0.6, id="image-fails"),
        pytest.param(("fake", 0.6), ("fake", 0.95), "fake", 0.95, id="both-fail-highest"),
    ],
)
def test_both_blocks_combine(
    image: tuple[str, float], video: tuple[str, float], result: str, confidence: float
) -> None:
    image_reasons = () if image[0] == "real" else ("spoof_screen",)
    video_reasons = () if video[0] == "real" else ("no_blink",)
    whole = overall(
        _image(image[0], image[1], *image_reasons),
        _video(video[0], video[1], *video_reasons),
        _facematch(True, 0.5),
    )
    assert (whole.result, whole.confidence) == (result, confidence)
    assert whole.overall_confidence == min(confidence, 0.5)
    assert whole.overall_passed == (result == "real")
    assert whole.reasons == tuple(
        r for r in ("spoof_screen", "no_blink") if r in (*image_reasons, *video_reasons)
    )


def test_a_failed_facematch_fails_the_whole() -> None:
    whole = overall(_image("real", 0.9), _video("real", 0.8), _facematch(False, 0.3333))
    assert (whole.result, whole.overall_passed, whole.overall_confidence) == ("real", False, 0.3333)
    assert whole.reasons == ("facematch_below_threshold",)


def test_no_block_is_refused() -> None:
    with pytest.raises(ValueError, match="image block"):
        overall(None, None, None)


@pytest.mark.parametrize(
    ("states", "detected"),
    [
        pytest.param([True, False, True], True, id="open-closed-open"),
        pytest.param([False, True, False, True], True, id="closed-first"),
        pytest.param([True, None, False, None, True], True, id="frames-without-a-face"),
        pytest.param([False, True], False, id="never-reopened"),
        pytest.param([True, True, True], False, id="always-open"),
    ],
)
def test_blink_is_open_closed_open(states: list[bool | None], detected: bool) -> None:
    tracker = BlinkTracker()
    for state in states:
        tracker.observe(state)
    assert tracker.detected is detected
