"""The contract's invariants (``x-invariants``) as plain rule objects.

Each ``Invariant`` judges one answer: ``invariant.check(request, response)`` gives an
``InvariantViolation`` or None, without a run, a session or a target, so a test helper or a
proxy can call it on any (request, response) pair. ``check_invariants`` applies them all.
The two invariants that compare answers (``INV-V1-V2``, ``INV-DETERMINISM``) are
``compare_apis`` and ``compare_repeats``. The gate's INV checks are these rules, registered
in ``_checks_invariants``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import spec
from conformance._errors import BodyShapeError
from conformance._failures import (
    ApiMismatch,
    Difference,
    InvariantViolation,
    NonDeterministic,
    show,
)
from conformance._models import Exchange, Request, Response
from conformance._submission import Submission

Body = Mapping[str, Any]
Rule = Callable[[Submission, str, Body], Iterator[str]]
TOLERANCE = 1e-9
SHAPE_ERRORS = (KeyError, TypeError, AttributeError, ValueError, IndexError)


def _flat(api: str, body: Body) -> Body:
    return spec.v1_from_v2(dict(body)) if api == "v2" else body


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, abs_tol=TOLERANCE)
    return bool(a == b)


def _eq(name: str, received: Any, expected: Any) -> Iterator[str]:
    if not _close(received, expected):
        yield f"{name} is {show(received)}, expected {show(expected)}"


def _typed(sent: Submission) -> dict[str, Any]:
    values = sent.values
    return {
        "enhanced_detection": sent.enhanced,
        "frame_sampling_rate": int(values["frame_sampling_rate"]),
        "max_frames_to_analyze": int(values["max_frames_to_analyze"]),
        "facematch_frames": int(values["facematch_frames"]),
        "facematch_threshold": float(values["facematch_threshold"]),
        "image_type": values["image_type"],
    }


def input_flags(sent: Submission, api: str, body: Body) -> Iterator[str]:
    has_image, has_video = sent.image, sent.video
    if api == "v1":
        yield from _eq("image_input", body["image_input"], has_image)
        yield from _eq("video_input", body["video_input"], has_video)
        return
    for block, present in (
        ("image", has_image),
        ("video", has_video),
        ("image_video_facematch", has_image and has_video),
    ):
        if (body[block] is not None) != present:
            yield (
                f"{block} is {'null' if body[block] is None else 'a block'} but the input was "
                + ("sent" if present else "not sent")
            )


def not_applicable(sent: Submission, api: str, body: Body) -> Iterator[str]:
    flat = _flat(api, body)
    if not sent.image:
        yield from _eq("image_result", flat["image_result"], "not_provided")
        yield from _eq("image_confidence", flat["image_confidence"], 0)
    if not sent.video:
        yield from _eq("blink_detection", flat["blink_detection"], False)
        for name in ("video_frames_analyzed", "real_video_frames", "total_video_frames"):
            yield from _eq(name, flat[name], 0)
    if sent.mode != "image_video":
        yield from _eq("facematch_result", flat["facematch_result"], "False")
        yield from _eq("facematch_confidence", flat["facematch_confidence"], 0)
        yield from _eq("facematch_frames_tested", flat["facematch_frames_tested"], 0)


def frame_counts(sent: Submission, api: str, body: Body) -> Iterator[str]:
    flat = _flat(api, body)
    real, analysed, total = (
        flat["real_video_frames"],
        flat["video_frames_analyzed"],
        flat["total_video_frames"],
    )
    if not real <= analysed <= total:
        yield f"real_video_frames {real} <= video_frames_analyzed {analysed} <= total {total} fails"
    video = body.get("video") if api == "v2" else None
    if video:
        indices = video["analyzed_frame_indices"]
        yield from _eq("frames_analyzed", video["frames_analyzed"], len(indices))
        if any(b <= a for a, b in itertools.pairwise(indices)):
            yield f"analyzed_frame_indices do not ascend: {show(indices)}"
        if any(index >= video["total_frames"] for index in indices):
            yield f"analyzed_frame_indices reach total_frames {video['total_frames']}"


def sampling(sent: Submission, api: str, body: Body) -> Iterator[str]:
    if not sent.sampled:
        return
    flat = _flat(api, body)
    expected = sent.expected_sampled_frames(flat["total_video_frames"])
    yield from _eq("video_frames_analyzed", flat["video_frames_analyzed"], expected)
    if api == "v2":
        rate = int(sent.values["frame_sampling_rate"])
        indices = [index * rate for index in range(expected)]
        yield from _eq(
            "video.analyzed_frame_indices", body["video"]["analyzed_frame_indices"], indices
        )
        yield from _eq("video.path", body["video"]["path"], "sampled")


def legacy_frames(sent: Submission, api: str, body: Body) -> Iterator[str]:
    if not sent.legacy or api != "v2":
        return
    video = body["video"]
    indices = video["analyzed_frame_indices"]
    yield from _eq("video.analyzed_frame_indices", indices, list(range(len(indices))))
    yield from _eq("video.path", video["path"], "legacy")


def facematch_frames(sent: Submission, api: str, body: Body) -> Iterator[str]:
    if sent.mode != "image_video":
        return
    flat = _flat(api, body)
    requested = int(sent.values["facematch_frames"])
    limit = min(requested, flat["video_frames_analyzed"])
    if flat["facematch_frames_tested"] > limit:
        yield (
            f"facematch_frames_tested {flat['facematch_frames_tested']} exceeds "
            f"min(facematch_frames {requested}, video_frames_analyzed "
            f"{flat['video_frames_analyzed']})"
        )
    if api == "v2":
        block = body["image_video_facematch"]
        candidates = body["video"]["analyzed_frame_indices"][:requested]
        yield from _eq("image_video_facematch.frame_indices", block["frame_indices"], candidates)
        if block["frames_matched"] > block["frames_tested"]:
            matched, tested = block["frames_matched"], block["frames_tested"]
            yield f"frames_matched {matched} > frames_tested {tested}"


def facematch_result(sent: Submission, api: str, body: Body) -> Iterator[str]:
    if sent.mode != "image_video":
        return
    threshold = float(sent.values["facematch_threshold"])
    if api == "v2":
        block = body["image_video_facematch"]
        tested, matched = block["frames_tested"], block["frames_matched"]
        fraction = matched / tested if tested else 0
        yield from _eq("image_video_facematch.confidence", block["confidence"], round(fraction, 4))
        passed = tested > 0 and fraction >= threshold
        yield from _eq("image_video_facematch.passed", block["passed"], passed)
        return
    tested, confidence = body["facematch_frames_tested"], body["facematch_confidence"]
    passed = tested > 0 and confidence >= threshold
    yield from _eq("facematch_result", body["facematch_result"], "True" if passed else "False")
    if tested == 0:
        yield from _eq("facematch_confidence", confidence, 0)


def result(sent: Submission, api: str, body: Body) -> Iterator[str]:
    flat = _flat(api, body)
    if sent.mode == "image":
        yield from _eq("result", flat["result"], flat["image_result"])
        yield from _eq("confidence", flat["confidence"], flat["image_confidence"])
    if sent.mode == "image_video" and flat["result"] == "real":
        if flat["image_result"] != "real":
            yield f"result is real but image_result is {show(flat['image_result'])}"
        if sent.legacy and flat["blink_detection"] is not True:
            yield "result is real on the legacy path but blink_detection is false"


def overall(sent: Submission, api: str, body: Body) -> Iterator[str]:
    flat = _flat(api, body)
    passed = flat["result"] == "real" and (
        sent.mode != "image_video" or flat["facematch_result"] == "True"
    )
    yield from _eq("overall_result", flat["overall_result"], "True" if passed else "False")


def overall_confidence(sent: Submission, api: str, body: Body) -> Iterator[str]:
    flat = _flat(api, body)
    lowest = flat["confidence"]
    if sent.mode == "image_video":
        lowest = min(lowest, flat["facematch_confidence"])
    yield from _eq("overall_confidence", flat["overall_confidence"], lowest)


def echo(sent: Submission, api: str, body: Body) -> Iterator[str]:
    typed = _typed(sent)
    if api == "v1":
        yield from _eq(
            "enhanced_detection", body["enhanced_detection"], typed["enhanced_detection"]
        )
        yield from _eq(
            "frame_sampling_rate", body["frame_sampling_rate"], typed["frame_sampling_rate"]
        )
        yield from _eq(
            "max_frames_analyzed", body["max_frames_analyzed"], typed["max_frames_to_analyze"]
        )
        return
    tuning = body["overall"]["tuning"]
    for name, value in typed.items():
        yield from _eq(f"overall.tuning.{name}", tuning[name], value)
    yield from _eq("overall.unique_id", body["overall"]["unique_id"], sent.unique_id)
    block = body["image_video_facematch"]
    if block is not None:
        yield from _eq("frames_requested", block["frames_requested"], typed["facematch_frames"])
        yield from _eq("threshold", block["threshold"], typed["facematch_threshold"])


def reasons(sent: Submission, api: str, body: Body) -> Iterator[str]:
    if api != "v2":
        return
    collected: set[str] = set()
    for name, positive_key in (
        ("image", "result"),
        ("video", "result"),
        ("image_video_facematch", "passed"),
    ):
        block = body[name]
        if block is None:
            continue
        positive = block[positive_key] in ("real", True)
        if positive == bool(block["reasons"]):
            yield f"{name}.reasons is {show(block['reasons'])} while the outcome is " + (
                "positive" if positive else "negative"
            )
        collected.update(block["reasons"])
    top = body["overall"]
    if set(top["reasons"]) != collected:
        held = show(sorted(collected))
        yield f"overall.reasons is {show(top['reasons'])}, the blocks hold {held}"
    if bool(top["reasons"]) == bool(top["passed"]):
        yield f"overall.reasons is {show(top['reasons'])} while overall.passed is {top['passed']}"


RULES: dict[str, tuple[str, Rule]] = {
    "INV-INPUT-FLAGS": ("Input flags and null blocks follow the parts sent", input_flags),
    "INV-NOT-APPLICABLE": ("Fields that do not apply hold their neutral value", not_applicable),
    "INV-FRAME-COUNTS": ("Frame counts are consistent", frame_counts),
    "INV-SAMPLING": ("The sampled path analyses frames 0, r, 2r, ... up to the cap", sampling),
    "INV-LEGACY-FRAMES": ("The legacy path analyses consecutive frames from 0", legacy_frames),
    "INV-FACEMATCH-FRAMES": (
        "Facematch tests at most the first facematch_frames",
        facematch_frames,
    ),
    "INV-FACEMATCH-RESULT": ("facematch_result follows the matched fraction", facematch_result),
    "INV-RESULT": ("result follows the still (and blink on the legacy path)", result),
    "INV-OVERALL": ("overall_result is liveness and facematch", overall),
    "INV-OVERALL-CONFIDENCE": ("overall_confidence is the lowest confidence", overall_confidence),
    "INV-ECHO": ("Tuning values and unique_id are echoed", echo),
    "INV-REASONS": ("v2 reasons are empty exactly when the outcome is positive", reasons),
}


def _answer(response: Response) -> Body | None:
    """The body of a 200 that is a JSON object, whatever its shape, else None."""
    if response.status != 200:
        return None
    body = response.json_or_none()
    return body if isinstance(body, dict) else None


@dataclass(frozen=True, slots=True)
class Invariant:
    """One entry of ``x-invariants`` as a rule on a single answer."""

    id: str
    title: str
    rule: Rule

    @property
    def statement(self) -> str:
        """The invariant as the spec states it."""
        for item in spec.invariants():
            if item["id"] == self.id:
                return item["statement"]
        return self.id

    def problems(self, submission: Submission, api: str, body: Body) -> list[str]:
        """How the 200 body of ``api`` ("v1" or "v2") breaks the invariant (empty: it holds).

        Raises BodyShapeError when the body lacks the schema's shape: validate it first;
        the schema, not the invariant, is what such a body breaks.
        """
        try:
            return list(self.rule(submission, api, body))
        except SHAPE_ERRORS as exc:
            raise BodyShapeError(f"{self.id}: the body does not have the schema's shape") from exc

    def check(
        self, request: Request, response: Response, *, url: str = ""
    ) -> InvariantViolation | None:
        """The violation in ``response`` to ``request``, or None.

        None as well when the invariant cannot judge the answer: not a 200, not a JSON
        object, or a body of the wrong shape (the schema checks report those).
        """
        body = _answer(response)
        if body is None:
            return None
        return self._judge(Submission.of(request), body, request, response, url)

    def _judge(
        self, submission: Submission, body: Body, request: Request, response: Response, url: str
    ) -> InvariantViolation | None:
        """``check`` once the answer is read (``body``) and the request too (``submission``)."""
        try:
            problems = self.problems(submission, request.api, body)
        except BodyShapeError:
            return None
        if not problems:
            return None
        return InvariantViolation(
            invariant=self.id,
            received=tuple(problems),
            expected=self.statement,
            location=request.location,
            exchange=Exchange(request=request, response=response, url=url),
        )


INVARIANTS: tuple[Invariant, ...] = tuple(
    Invariant(invariant_id, title, rule) for invariant_id, (title, rule) in RULES.items()
)


def check_invariants(
    request: Request,
    response: Response,
    *,
    url: str = "",
    invariants: Iterable[Invariant] = INVARIANTS,
) -> list[InvariantViolation]:
    """Every violation of ``invariants`` (all of them by default) in one answer: each
    ``Invariant.check``, with the answer and the request read once for all of them."""
    body = _answer(response)
    if body is None:
        return []
    submission = Submission.of(request)
    found = (item._judge(submission, body, request, response, url) for item in invariants)
    return [violation for violation in found if violation is not None]


def compare_apis(v1: Exchange, v2: Exchange, *, location: str = "") -> ApiMismatch | None:
    """INV-V1-V2: the v1 answer against the x-v1-from-v2 image of the v2 answer, or None.

    None too when either answer is not a 200 JSON object or the v2 body cannot be mapped.
    """
    first, second = _answer(v1.response), _answer(v2.response)
    if first is None or second is None:
        return None
    try:
        mapped = spec.v1_from_v2(dict(second))
    except (KeyError, TypeError, AttributeError):
        return None
    differing = tuple(
        Difference(name, first.get(name), value)
        for name, value in mapped.items()
        if not _close(first.get(name), value)
    )
    if not differing:
        return None
    return ApiMismatch(received=differing, location=location or v1.request.location, exchange=v1)


def compare_repeats(first: Exchange, again: Exchange) -> NonDeterministic | None:
    """INV-DETERMINISM: two answers to the same request, field by field (flat v1 view)."""
    api = first.request.api
    a, b = _answer(first.response), _answer(again.response)
    if a is None or b is None:
        return None
    try:
        a, b = _flat(api, a), _flat(api, b)
    except (KeyError, TypeError, AttributeError):
        return None
    differing = tuple(
        Difference(key, a.get(key), b.get(key))
        for key in sorted(a)
        if not _close(a.get(key), b.get(key))
    )
    if not differing:
        return None
    return NonDeterministic(received=differing, location=again.request.location, exchange=again)
