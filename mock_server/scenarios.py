"""Scenarios for integrators: contract examples on demand, and forced outcomes.

* ``Prefer: code=NNN`` and/or ``Prefer: example=NAME`` (as Prism understands them)
  answer with an example of the contract, verbatim, for the request's path: the named
  example of the response with that status (200 when no code is given); with only a
  code, the response's first example (for 200, the example of the request's mode).
* ``X-Mock-Scenario: NAME``, or a ``unique_id`` of ``mock:NAME[:anything]`` (for clients
  that cannot set headers; the header wins), forces an outcome on the real analysis:
  the blocks it concerns are rewritten and the verdicts recomputed, so the body still
  reflects the request (mode, tuning, unique_id) and keeps every invariant.

Neither ever produces a status the contract does not define: a scenario that does not
apply to the request's mode, or a name that is not known, is ignored. The response
header ``X-Mock-Scenario-Applied`` says what happened: the scenario's name, ``none``
(not applicable) or ``unknown``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Final

import spec
from mock_server.analysis import (
    CUE_NAMES,
    FACEMATCH_BELOW_THRESHOLD,
    MULTIPLE_FACES,
    NO_BLINK,
    NO_FACE,
    PRINT_CUE,
    SCREEN_CUE,
    SPOOF_PRINT,
    SPOOF_SCREEN,
    Analysis,
    FacematchAnalysis,
    ImageAnalysis,
    VideoAnalysis,
    ordered_reasons,
)
from mock_server.verdict import FACE_COUNT_CONFIDENCE, NO_BLINK_CONFIDENCE, overall

SCENARIO_HEADER: Final = "x-mock-scenario"
APPLIED_HEADER: Final = "X-Mock-Scenario-Applied"
NOT_APPLICABLE: Final = "none"
UNKNOWN: Final = "unknown"

ATTACK_CUE: Final = 0.9  # the score of a forced attack cue
QUIET_CUE: Final = 0.05  # the score of a cue that does not fire
GENUINE_CONFIDENCE: Final = 0.95  # the confidence of a forced genuine block


# --- Prefer: code / example ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Example:
    status: int
    name: str
    body: Any
    headers: dict[str, str]


_PREFER_ITEM: Final = re.compile(r"\s*([A-Za-z]+)\s*=\s*\"?([^\";,]*)\"?\s*")
_MODE_EXAMPLES: Final = {
    ("image", True): "image_only",
    ("image", False): "image_only",
    ("video", True): "video_only",
    ("video", False): "video_only",
    ("image_video", True): "image_video_enhanced",
    ("image_video", False): "image_video_legacy",
}


def parse_prefer(value: str | None) -> dict[str, str]:
    """``code`` and ``example`` preferences of a Prefer header (others ignored)."""
    if not value:
        return {}
    wanted = {}
    for item in re.split(r"[;,]", value):
        match = _PREFER_ITEM.fullmatch(item)
        if match and match.group(1).lower() in ("code", "example"):
            wanted[match.group(1).lower()] = match.group(2).strip()
    return wanted


@functools.cache
def _responses(path: str) -> dict[int, dict[str, Any]]:
    document = spec.load_spec()
    operation = document["paths"][path]["post"]
    responses: dict[int, dict[str, Any]] = {}
    for status, response in operation["responses"].items():
        resolved = spec.resolve(response)
        content = resolved.get("content", {}).get("application/json", {})
        examples = {
            name: spec.resolve(example)["value"]
            for name, example in content.get("examples", {}).items()
        }
        responses[int(status)] = {"examples": examples, "headers": resolved.get("headers", {})}
    return responses


def preferred_example(
    prefer: dict[str, str], api: str, mode: str, enhanced: bool
) -> Example | None:
    """The contract example a Prefer header asks for, or None when it names none."""
    responses = _responses(spec.PATHS[api])
    code_text, name = prefer.get("code"), prefer.get("example")
    if code_text is not None:
        if not code_text.isdigit() or int(code_text) not in responses:
            return None
        statuses = [int(code_text)]
    else:
        statuses = sorted(responses, key=lambda status: (status != 200, status))
    for status in statuses:
        examples = responses[status]["examples"]
        if name is None:
            chosen = _MODE_EXAMPLES[(mode, enhanced)] if status == 200 else next(iter(examples))
        elif name in examples:
            chosen = name
        else:
            continue
        headers = {}
        if "WWW-Authenticate" in responses[status]["headers"]:
            headers["WWW-Authenticate"] = 'Bearer realm="liveness"'
        return Example(status, chosen, examples[chosen], headers)
    return None


# --- X-Mock-Scenario: forced outcomes -----------------------------------------------------


def apply_scenario(name: str, analysis: Analysis) -> tuple[Analysis, str]:
    """The analysis with scenario ``name`` forced, and the value of the applied header."""
    transform = SCENARIOS.get(name.strip().lower())
    if transform is None:
        return analysis, UNKNOWN
    changed = transform(analysis)
    if changed is None:
        return analysis, NOT_APPLICABLE
    return recompute(changed), name.strip().lower()


def _pass(analysis: Analysis) -> Analysis:
    image = analysis.image
    if image is not None and image.result != "real":
        image = ImageAnalysis("real", GENUINE_CONFIDENCE, 1, _cues(), ())
    video = analysis.video
    if video is not None and video.result != "real":
        video = replace(
            video,
            real_frames=len(video.analyzed_frames),
            blink_detected=True,
            result="real",
            confidence=GENUINE_CONFIDENCE,
            reasons=(),
        )
    facematch = analysis.facematch
    if facematch is not None and facematch.frame_indices:
        tested = len(facematch.frame_indices)
        facematch = replace(
            facematch,
            frames_tested=tested,
            frames_matched=tested,
            confidence=1.0,
            passed=True,
            reasons=(),
        )
    return replace(analysis, image=image, video=video, facematch=facematch)


def _spoof(cue: str, reason: str) -> Callable[[Analysis], Analysis]:
    def transform(analysis: Analysis) -> Analysis:
        image = analysis.image
        if image is not None:
            image = ImageAnalysis("fake", ATTACK_CUE, 1, _cues(**{cue: ATTACK_CUE}), (reason,))
        video = analysis.video
        if video is not None:
            extra = () if video.blink_detected else (NO_BLINK,)
            video = replace(
                video,
                real_frames=0,
                result="fake",
                confidence=1.0,
                reasons=ordered_reasons((reason,), extra),
            )
        return replace(analysis, image=image, video=video)

    return transform


def _faces(count: int, reason: str) -> Callable[[Analysis], Analysis]:
    def transform(analysis: Analysis) -> Analysis:
        image = analysis.image
        if image is not None:
            cues = {cue: 0.0 for cue in CUE_NAMES}
            image = ImageAnalysis("fake", FACE_COUNT_CONFIDENCE, count, cues, (reason,))
        video = analysis.video
        if video is not None:  # no single face: the eyes cannot be followed, so no blink
            video = _without_blink(video, real_frames=0, reasons=(reason, NO_BLINK))
            video = replace(video, confidence=1.0)
        facematch = analysis.facematch
        if facematch is not None:
            facematch = _facematch_failed(facematch, video, tested=0, extra=(reason,))
        return replace(analysis, image=image, video=video, facematch=facematch)

    return transform


def _no_blink(analysis: Analysis) -> Analysis | None:
    video = analysis.video
    if video is None:
        return None
    frame_reasons = tuple(reason for reason in video.reasons if reason != NO_BLINK)
    video = _without_blink(video, real_frames=None, reasons=(*frame_reasons, NO_BLINK))
    if not frame_reasons:
        video = replace(video, confidence=NO_BLINK_CONFIDENCE)
    facematch = analysis.facematch
    if facematch is not None:
        indices = video.analyzed_frames[: facematch.frames_requested]
        facematch = replace(facematch, frame_indices=indices)
    return replace(analysis, video=video, facematch=facematch)


def _facematch_fail(analysis: Analysis) -> Analysis | None:
    if analysis.facematch is None:
        return None
    return replace(analysis, facematch=_facematch_failed(analysis.facematch, analysis.video))


SCENARIOS: Final[dict[str, Callable[[Analysis], Analysis | None]]] = {
    "pass": _pass,
    "spoof_print": _spoof(PRINT_CUE, SPOOF_PRINT),
    "spoof_screen": _spoof(SCREEN_CUE, SPOOF_SCREEN),
    "no_face": _faces(0, NO_FACE),
    "several_faces": _faces(2, MULTIPLE_FACES),
    "no_blink": _no_blink,
    "facematch_fail": _facematch_fail,
}


# The one description of each scenario, and the modes it applies to (elsewhere: "none").
ALL_MODES: Final = ("image", "video", "image_video")
DESCRIPTIONS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "pass": ("Every block passes: a genuine face, a blink, facematch passed.", ALL_MODES),
    "spoof_print": ("A print attack: the print cue fires on the still and the video.", ALL_MODES),
    "spoof_screen": (
        "A screen replay: the screen cue fires on the still and the video.",
        ALL_MODES,
    ),
    "no_face": ("No face is found; facematch tests no frame.", ALL_MODES),
    "several_faces": ("Two faces are found (multiple_faces); no blink can be followed.", ALL_MODES),
    "no_blink": ("No blink is seen in the video.", ("video", "image_video")),
    "facematch_fail": ("The video's face does not match the still.", ("image_video",)),
}
MAGIC_PREFIX: Final = "mock:"


def magic_scenario(unique_id: str | None) -> str | None:
    """The scenario a ``unique_id`` of ``mock:NAME`` or ``mock:NAME:anything`` selects."""
    if unique_id is None or not unique_id.startswith(MAGIC_PREFIX):
        return None
    return unique_id.removeprefix(MAGIC_PREFIX).partition(":")[0]


def _cues(**fired: float) -> dict[str, float]:
    return {cue: fired.get(cue, QUIET_CUE) for cue in CUE_NAMES}


def _without_blink(
    video: VideoAnalysis, *, real_frames: int | None, reasons: tuple[str, ...]
) -> VideoAnalysis:
    """No blink seen: on the legacy path every frame is then examined."""
    analyzed = video.analyzed_frames
    real = video.real_frames if real_frames is None else real_frames
    if video.path == "legacy":
        all_real = video.real_frames == len(analyzed)
        analyzed = tuple(range(video.total_frames))
        real = len(analyzed) if all_real and real_frames is None else min(real, len(analyzed))
    return replace(
        video,
        analyzed_frames=analyzed,
        real_frames=real,
        blink_detected=False,
        result="fake",
        reasons=ordered_reasons(reasons),
    )


def _facematch_failed(
    facematch: FacematchAnalysis,
    video: VideoAnalysis | None,
    *,
    tested: int | None = None,
    extra: tuple[str, ...] = (),
) -> FacematchAnalysis:
    indices = facematch.frame_indices
    if video is not None:
        indices = video.analyzed_frames[: facematch.frames_requested]
    if tested is None:
        # with a threshold of 0 any tested frame passes: fail by testing none
        tested = min(facematch.frames_tested, len(indices)) if facematch.threshold > 0 else 0
    return replace(
        facematch,
        frames_tested=tested,
        frames_matched=0,
        confidence=0.0,
        passed=False,
        reasons=ordered_reasons((FACEMATCH_BELOW_THRESHOLD,), extra),
        frame_indices=indices,
    )


def recompute(analysis: Analysis) -> Analysis:
    """Verdict, confidences and reasons of the whole, from its (changed) blocks."""
    whole = overall(analysis.image, analysis.video, analysis.facematch)
    return replace(
        analysis,
        result=whole.result,
        confidence=whole.confidence,
        overall_passed=whole.overall_passed,
        overall_confidence=whole.overall_confidence,
        reasons=whole.reasons,
    )
