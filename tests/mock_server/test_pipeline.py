from __future__ import annotations

import math
import subprocess
import sys
from functools import cache

import pytest

import fixtures
from mock_server.analysis import REASONS, Analysis, Tuning
from mock_server.frames import sampled_indices
from mock_server.media import Picture, Video, decode_image, open_video
from mock_server.pipeline import analyze

IMAGE_OUTCOMES = {
    "bona_fide": ("real", ()),
    "attack_print": ("fake", ("spoof_print",)),
    "attack_screen": ("fake", ("spoof_screen",)),
    "no_face": ("fake", ("no_face",)),
    "several_faces": ("fake", ("multiple_faces",)),
    "face_too_small": ("fake", ("face_too_small",)),
}
VIDEO_OUTCOMES = {
    "attack_print": "spoof_print",
    "attack_screen": "spoof_screen",
}


@cache
def _still(name: str) -> Picture:
    return decode_image(fixtures.get(name).read_bytes())


@cache
def _video(name: str) -> Video:
    return open_video(fixtures.get(name).read_bytes())


def _analyze_bytes(image: bytes, video: bytes, tuning: Tuning) -> Analysis:
    """Decode and analyse, as the server does."""
    return analyze(image=decode_image(image), video=open_video(video), tuning=tuning)


def _labelled(role: str, labels: set[str]) -> list[str]:
    return [f.name for f in fixtures.all_fixtures() if f.role == role and f.label in labels]


def _check_invariants(analysis: Analysis) -> None:
    assert set(analysis.reasons) <= set(REASONS)
    assert (analysis.reasons == ()) == analysis.overall_passed
    for block in (analysis.image, analysis.video):
        if block is not None:
            assert (block.reasons == ()) == (block.result == "real")
            assert 0.0 <= block.confidence <= 1.0
    if analysis.video is not None:
        video = analysis.video
        assert video.real_frames <= video.frames_analyzed <= video.total_frames
        assert list(video.analyzed_frames) == sorted(set(video.analyzed_frames))
    if analysis.facematch is not None:
        match = analysis.facematch
        assert analysis.video is not None
        assert match.frames_matched <= match.frames_tested
        assert match.frames_tested <= min(match.frames_requested, analysis.video.frames_analyzed)
        assert match.frame_indices == analysis.video.analyzed_frames[: match.frames_requested]
        expected = (
            round(match.frames_matched / match.frames_tested, 4) if match.frames_tested else 0
        )
        assert match.confidence == expected
        assert (match.reasons == ()) == match.passed
        assert analysis.overall_confidence == min(analysis.confidence, match.confidence)
    else:
        assert analysis.overall_confidence == analysis.confidence


LABELLED_CLIPS = [  # the 720p clip takes seconds: slow
    pytest.param(name, marks=pytest.mark.slow) if name == "genuine_720p" else name
    for name in _labelled("video", {"bona_fide", "attack_print", "attack_screen"})
]


@pytest.mark.parametrize("name", _labelled("image", set(IMAGE_OUTCOMES)))
def test_still_outcome_matches_its_label(name: str) -> None:
    fixture = fixtures.get(name)
    result, reasons = IMAGE_OUTCOMES[fixture.label]
    analysis = analyze(image=_still(name), video=None, tuning=Tuning())
    _check_invariants(analysis)
    assert analysis.image is not None
    if fixture.recipe == "kit-b" and fixture.label.startswith("attack_"):
        # made by other recipes, an attack may show both cues (a screen's glare raises
        # its black level, a coarse halftone is periodic): its species' cue must fire
        assert analysis.result == result and set(reasons) <= set(analysis.image.reasons)
    else:
        assert (analysis.result, analysis.image.reasons) == (result, reasons)
    assert analysis.image.cues.keys() == {"print", "screen"}


@pytest.mark.parametrize("name", LABELLED_CLIPS)
def test_video_outcome_matches_its_label(name: str) -> None:
    fixture = fixtures.get(name)
    analysis = analyze(image=None, video=_video(name), tuning=Tuning())
    _check_invariants(analysis)
    video = analysis.video
    assert video is not None
    assert video.total_frames == fixture.frames
    if fixture.label == "bona_fide":
        assert video.blink_detected is bool(fixture.blinks)
        assert analysis.result == ("real" if fixture.blinks else "fake")
        assert video.reasons == (() if fixture.blinks else ("no_blink",))
    else:
        assert analysis.result == "fake"
        assert VIDEO_OUTCOMES[fixture.label] in video.reasons


@pytest.mark.parametrize("enhanced", [True, False], ids=["enhanced", "legacy"])
def test_genuine_pair_passes_on_both_paths(enhanced: bool) -> None:
    analysis = analyze(
        image=_still("genuine_still"),
        video=_video("genuine_video"),
        tuning=Tuning(enhanced_detection=enhanced),
    )
    _check_invariants(analysis)
    assert analysis.enhanced is enhanced
    assert analysis.overall_passed
    assert analysis.facematch is not None and analysis.facematch.frames_tested == 3


@pytest.mark.parametrize("enhanced", [True, False], ids=["enhanced", "legacy"])
def test_impostor_fails_facematch(enhanced: bool) -> None:
    analysis = analyze(
        image=_still("genuine_still"),
        video=_video("impostor_video"),
        tuning=Tuning(enhanced_detection=enhanced),
    )
    _check_invariants(analysis)
    assert analysis.facematch is not None
    assert analysis.facematch.frames_tested > 0
    assert not analysis.facematch.passed
    assert "facematch_below_threshold" in analysis.reasons
    assert not analysis.overall_passed


@pytest.mark.parametrize(
    ("total", "rate", "cap", "expected"),
    [
        (150, 15, 20, tuple(range(0, 150, 15))),
        (150, 1, 5, (0, 1, 2, 3, 4)),
        (150, 7, 3, (0, 7, 14)),
        (150, 200, 9, (0,)),
        (10, 3, 999, (0, 3, 6, 9)),
        (0, 5, 5, ()),
    ],
)
def test_sampled_indices(total: int, rate: int, cap: int, expected: tuple[int, ...]) -> None:
    assert sampled_indices(total, rate, cap) == expected
    assert len(expected) == min(cap, math.ceil(total / rate))


@pytest.mark.parametrize(("rate", "cap"), [(1, 5), (7, 3), (30, 999), (200, 4), (15, 20)])
def test_sampled_path_analyses_exactly_the_sampled_frames(rate: int, cap: int) -> None:
    tuning = Tuning(frame_sampling_rate=rate, max_frames_to_analyze=cap)
    analysis = analyze(image=None, video=_video("genuine_video"), tuning=tuning)
    _check_invariants(analysis)
    assert analysis.video is not None
    assert analysis.video.total_frames == 150
    assert analysis.video.analyzed_frames == sampled_indices(150, rate, cap)
    assert analysis.video.path == "sampled"


@pytest.mark.parametrize(
    ("rate", "cap", "blink"),
    [
        (5, 50, True),
        (15, 50, True),
        (30, 50, True),
        (7, 50, True),
        (30, 2, False),
        (20, 3, False),
        (25, 3, True),
        (200, 20, False),
    ],
)
def test_blink_is_searched_over_every_frame_up_to_the_last_analysed_one(
    rate: int, cap: int, blink: bool
) -> None:
    # closed eyes on frames 42-48 and 102-108: rates 7 and 30 sample none of them, yet the
    # blink is seen. The last analysed frame bounds the search: 30 (rate 30, cap 2) and 40
    # (rate 20, cap 3) come before the first blink, 50 (rate 25, cap 3) after it reopened;
    # with rate 200 frame 0 is the only analysed frame of the 150.
    tuning = Tuning(frame_sampling_rate=rate, max_frames_to_analyze=cap)
    analysis = analyze(image=None, video=_video("genuine_video"), tuning=tuning)
    assert analysis.video is not None
    assert analysis.video.analyzed_frames == sampled_indices(150, rate, cap)
    assert analysis.video.blink_detected is blink
    assert analysis.overall_passed is blink


def test_legacy_examines_consecutive_frames_until_the_first_blink() -> None:
    fixture = fixtures.get("genuine_video")
    first_closed, last_closed = fixture.closed_eye_frames[0]
    tuning = Tuning(enhanced_detection=False, frame_sampling_rate=50, max_frames_to_analyze=1)
    analysis = analyze(image=_still("genuine_still"), video=_video("genuine_video"), tuning=tuning)
    _check_invariants(analysis)
    video = analysis.video
    assert video is not None and video.path == "legacy"
    assert video.blink_detected
    assert video.analyzed_frames == tuple(range(video.frames_analyzed))
    assert first_closed < video.frames_analyzed - 1 <= last_closed + 3
    assert video.total_frames == 150


@pytest.mark.parametrize("frames", [1, 3, 50])
@pytest.mark.parametrize("enhanced", [True, False], ids=["enhanced", "legacy"])
def test_facematch_counts(frames: int, enhanced: bool) -> None:
    tuning = Tuning(enhanced_detection=enhanced, facematch_frames=frames)
    analysis = analyze(image=_still("genuine_still"), video=_video("genuine_video"), tuning=tuning)
    _check_invariants(analysis)
    assert analysis.facematch is not None and analysis.video is not None
    candidates = min(frames, analysis.video.frames_analyzed)
    # a candidate is tested only when a single face is found in it (nearly always here)
    assert candidates - candidates // 10 <= analysis.facematch.frames_tested <= candidates
    assert analysis.facematch.frames_matched == analysis.facematch.frames_tested


@pytest.mark.parametrize(("threshold", "passed"), [(0.0, True), (0.0001, False)])
def test_facematch_threshold_is_compared_with_the_exact_fraction(
    threshold: float, passed: bool
) -> None:
    tuning = Tuning(facematch_threshold=threshold)
    analysis = analyze(image=_still("genuine_still"), video=_video("impostor_video"), tuning=tuning)
    assert analysis.facematch is not None
    assert analysis.facematch.frames_matched == 0
    assert analysis.facematch.passed is passed


def test_nothing_testable_is_no_face() -> None:
    analysis = analyze(image=_still("no_face"), video=_video("genuine_video"), tuning=Tuning())
    assert analysis.facematch is not None
    assert analysis.facematch.frames_tested == 0
    assert analysis.facematch.reasons == ("no_face", "facematch_below_threshold")


def test_gray_still_is_not_a_print() -> None:
    analysis = analyze(image=_still("genuine_gray"), video=None, tuning=Tuning())
    assert analysis.image is not None and analysis.image.cues["print"] < 0.5


def test_same_input_same_analysis() -> None:
    image = fixtures.get("genuine_still").read_bytes()
    video = fixtures.get("genuine_video").read_bytes()
    tuning = Tuning(frame_sampling_rate=30, max_frames_to_analyze=3)
    first = _analyze_bytes(image, video, tuning)
    assert _analyze_bytes(image, video, tuning) == first
    script = (
        "import fixtures\n"
        "from mock_server.analysis import Tuning\n"
        "from mock_server.media import decode_image, open_video\n"
        "from mock_server.pipeline import analyze\n"
        "image = decode_image(fixtures.get('genuine_still').read_bytes())\n"
        "video = open_video(fixtures.get('genuine_video').read_bytes())\n"
        "tuning = Tuning(frame_sampling_rate=30, max_frames_to_analyze=3)\n"
        "print(repr(analyze(image=image, video=video, tuning=tuning)))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert output.strip() == repr(first)


def test_concurrent_analyses_agree() -> None:
    from concurrent.futures import ThreadPoolExecutor

    image = fixtures.get("genuine_still").read_bytes()
    video = fixtures.get("genuine_video").read_bytes()
    tuning = Tuning(frame_sampling_rate=30, max_frames_to_analyze=3)
    expected = _analyze_bytes(image, video, tuning)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: _analyze_bytes(image, video, tuning), range(3)))
    assert results == [expected] * 3


@pytest.mark.parametrize("name", LABELLED_CLIPS)
def test_legacy_video_outcome_matches_its_label(name: str) -> None:
    fixture = fixtures.get(name)
    tuning = Tuning(enhanced_detection=False)
    analysis = analyze(image=_still("genuine_still"), video=_video(name), tuning=tuning)
    _check_invariants(analysis)
    video = analysis.video
    assert video is not None and video.path == "legacy"
    assert video.total_frames == fixture.frames
    assert video.analyzed_frames == tuple(range(video.frames_analyzed))
    assert video.blink_detected is bool(fixture.blinks)
    if fixture.blinks and fixture.recipe == "kit-b":
        # a replayed blink: the eye state is read through the display's moire, and the
        # legacy path stops at an earlier, false one; the frames' cues decide the verdict
        assert video.frames_analyzed - 1 <= fixture.closed_eye_frames[0][1] + 3
    elif fixture.blinks:
        first_closed, last_closed = fixture.closed_eye_frames[0]
        assert first_closed < video.frames_analyzed - 1 <= last_closed + 3
    else:
        assert video.frames_analyzed == fixture.frames  # every frame looked at for a blink
    if fixture.label == "bona_fide":
        assert video.result == ("real" if fixture.blinks else "fake")
    else:
        assert VIDEO_OUTCOMES[fixture.label] in video.reasons


@pytest.mark.parametrize("name", LABELLED_CLIPS)
def test_image_video_enhanced_outcome_matches_its_label(name: str) -> None:
    fixture = fixtures.get(name)
    analysis = analyze(image=_still("genuine_still"), video=_video(name), tuning=Tuning())
    _check_invariants(analysis)
    video = analysis.video
    assert video is not None and video.path == "sampled"
    assert video.total_frames == fixture.frames
    if fixture.label == "bona_fide":
        assert video.blink_detected is bool(fixture.blinks)
        assert analysis.result == ("real" if fixture.blinks else "fake")
        assert analysis.overall_passed is bool(fixture.blinks)  # all of person A
    else:
        assert analysis.result == "fake"
        assert VIDEO_OUTCOMES[fixture.label] in video.reasons
