"""One check per invariant of ``x-invariants``, evaluated on the answers to the scenarios."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from typing import Any

import spec
from conformance import _expect
from conformance._context import CheckContext
from conformance._corpus import SCENARIOS, SCENARIOS_BY_NAME, Scenario
from conformance._failures import ApiMismatch, InvariantViolation, NonDeterministic, show
from conformance._models import Exchange
from conformance._registry import MUST, SHOULD, Severity, check

Body = dict[str, Any]
Rule = Callable[[Scenario, str, Body], Iterator[str]]
TOLERANCE = 1e-9


def _flat(api: str, body: Body) -> Body:
    return spec.v1_from_v2(body) if api == "v2" else body


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, abs_tol=TOLERANCE)
    return bool(a == b)


def _eq(name: str, received: Any, expected: Any) -> Iterator[str]:
    if not _close(received, expected):
        yield f"{name} is {show(received)}, expected {show(expected)}"


def _typed(scenario: Scenario) -> dict[str, Any]:
    values = scenario.values
    return {
        "enhanced_detection": scenario.enhanced,
        "frame_sampling_rate": int(values["frame_sampling_rate"]),
        "max_frames_to_analyze": int(values["max_frames_to_analyze"]),
        "facematch_frames": int(values["facematch_frames"]),
        "facematch_threshold": float(values["facematch_threshold"]),
        "image_type": values["image_type"],
    }


def input_flags(scenario: Scenario, api: str, body: Body) -> Iterator[str]:
    has_image, has_video = scenario.image is not None, scenario.video is not None
    if api == "v1":
        yield from _eq("image_input", body["image_input"], has_image)
        yield from _eq("video_input", body["video_input"], has_video)
        return
    for block, sent in (
        ("image", has_image),
        ("video", has_video),
        ("image_video_facematch", has_image and has_video),
    ):
        if (body[block] is not None) != sent:
            yield (
                f"{block} is {'null' if body[block] is None else 'a block'} but the input was "
                + ("sent" if sent else "not sent")
            )


def not_applicable(scenario: Scenario, api: str, body: Body) -> Iterator[str]:
    flat = _flat(api, body)
    if scenario.image is None:
        yield from _eq("image_result", flat["image_result"], "not_provided")
        yield from _eq("image_confidence", flat["image_confidence"], 0)
    if scenario.video is None:
        yield from _eq("blink_detection", flat["blink_detection"], False)
        for name in ("video_frames_analyzed", "real_video_frames", "total_video_frames"):
            yield from _eq(name, flat[name], 0)
    if scenario.mode != "image_video":
        yield from _eq("facematch_result", flat["facematch_result"], "False")
        yield from _eq("facematch_confidence", flat["facematch_confidence"], 0)
        yield from _eq("facematch_frames_tested", flat["facematch_frames_tested"], 0)


def frame_counts(scenario: Scenario, api: str, body: Body) -> Iterator[str]:
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


def sampling(scenario: Scenario, api: str, body: Body) -> Iterator[str]:
    if not scenario.sampled:
        return
    flat = _flat(api, body)
    expected = scenario.expected_sampled_frames(flat["total_video_frames"])
    yield from _eq("video_frames_analyzed", flat["video_frames_analyzed"], expected)
    if api == "v2":
        rate = int(scenario.values["frame_sampling_rate"])
        indices = [index * rate for index in range(expected)]
        yield from _eq(
            "video.analyzed_frame_indices", body["video"]["analyzed_frame_indices"], indices
        )
        yield from _eq("video.path", body["video"]["path"], "sampled")


def legacy_frames(scenario: Scenario, api: str, body: Body) -> Iterator[str]:
    if not scenario.legacy or api != "v2":
        return
    video = body["video"]
    indices = video["analyzed_frame_indices"]
    yield from _eq("video.analyzed_frame_indices", indices, list(range(len(indices))))
    yield from _eq("video.path", video["path"], "legacy")


def facematch_frames(scenario: Scenario, api: str, body: Body) -> Iterator[str]:
    if scenario.mode != "image_video":
        return
    flat = _flat(api, body)
    requested = int(scenario.values["facematch_frames"])
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


def facematch_result(scenario: Scenario, api: str, body: Body) -> Iterator[str]:
    if scenario.mode != "image_video":
        return
    threshold = float(scenario.values["facematch_threshold"])
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


def result(scenario: Scenario, api: str, body: Body) -> Iterator[str]:
    flat = _flat(api, body)
    if scenario.mode == "image":
        yield from _eq("result", flat["result"], flat["image_result"])
        yield from _eq("confidence", flat["confidence"], flat["image_confidence"])
    if scenario.mode == "image_video" and flat["result"] == "real":
        if flat["image_result"] != "real":
            yield f"result is real but image_result is {show(flat['image_result'])}"
        if scenario.legacy and flat["blink_detection"] is not True:
            yield "result is real on the legacy path but blink_detection is false"


def overall(scenario: Scenario, api: str, body: Body) -> Iterator[str]:
    flat = _flat(api, body)
    passed = flat["result"] == "real" and (
        scenario.mode != "image_video" or flat["facematch_result"] == "True"
    )
    yield from _eq("overall_result", flat["overall_result"], "True" if passed else "False")


def overall_confidence(scenario: Scenario, api: str, body: Body) -> Iterator[str]:
    flat = _flat(api, body)
    lowest = flat["confidence"]
    if scenario.mode == "image_video":
        lowest = min(lowest, flat["facematch_confidence"])
    yield from _eq("overall_confidence", flat["overall_confidence"], lowest)


def echo(scenario: Scenario, api: str, body: Body) -> Iterator[str]:
    typed = _typed(scenario)
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
    yield from _eq("overall.unique_id", body["overall"]["unique_id"], scenario.unique_id)
    block = body["image_video_facematch"]
    if block is not None:
        yield from _eq("frames_requested", block["frames_requested"], typed["facematch_frames"])
        yield from _eq("threshold", block["threshold"], typed["facematch_threshold"])


def reasons(scenario: Scenario, api: str, body: Body) -> Iterator[str]:
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


def scenario_bodies(ctx: CheckContext) -> Iterator[tuple[Scenario, str, Exchange, Body]]:
    for scenario in SCENARIOS:
        for api in ctx.apis:
            exchange = ctx.send(scenario.request(api))
            body = _expect.body_or_none(exchange)
            if body is not None:
                yield scenario, api, exchange, body


def _register(invariant_id: str, title: str, rule: Rule, severity: Severity) -> None:
    def run(ctx: CheckContext) -> None:
        for scenario, api, exchange, body in scenario_bodies(ctx):
            try:
                problems = list(rule(scenario, api, body))
            except (KeyError, TypeError, AttributeError, ValueError, IndexError):
                continue  # a body of the wrong shape: the MODE checks report it
            if problems:
                ctx.fail(
                    InvariantViolation(
                        received="; ".join(problems),
                        expected=_statement(invariant_id),
                        context=_expect.describe(exchange),
                        exchange=exchange,
                    )
                )

    run.__name__ = invariant_id.lower().replace("-", "_")
    check(
        id=invariant_id,
        severity=severity,
        title=title,
        clause=f"x-invariants/{invariant_id}",
    )(run)


def _statement(invariant_id: str) -> str:
    for item in spec.invariants():
        if item["id"] == invariant_id:
            return item["statement"]
    return invariant_id


for _id, (_title, _rule) in RULES.items():
    _register(_id, _title, _rule, MUST)


@check(
    id="INV-V1-V2",
    severity=MUST,
    title="v1 and v2 agree for the same request (x-v1-from-v2)",
    clause="x-invariants/INV-V1-V2; x-v1-from-v2",
)
def v1_v2(ctx: CheckContext) -> None:
    ctx.require_apis("v1", "v2")
    for scenario in SCENARIOS:
        first = ctx.send(scenario.request("v1"))
        second = ctx.send(scenario.request("v2"))
        v1, v2 = _expect.body_or_none(first), _expect.body_or_none(second)
        if v1 is None or v2 is None:
            continue
        try:
            mapped = spec.v1_from_v2(v2)
        except (KeyError, TypeError, AttributeError):
            continue
        differing = [
            f"{name}: v1 {show(v1.get(name))}, v2 maps to {show(value)}"
            for name, value in mapped.items()
            if not _close(v1.get(name), value)
        ]
        if differing:
            ctx.fail(
                ApiMismatch(
                    received="; ".join(differing),
                    expected="every v1 field equal to its x-v1-from-v2 image of the v2 body",
                    context=f"scenario {scenario.name}",
                    exchange=first,
                )
            )


DETERMINISM_SCENARIOS = ("image", "video")


@check(
    id="INV-DETERMINISM",
    severity=SHOULD,
    title="The same request gives the same verdicts every time",
    clause="x-invariants/INV-DETERMINISM",
)
def determinism(ctx: CheckContext) -> None:
    api = ctx.apis[-1]
    for name in DETERMINISM_SCENARIOS:
        request = SCENARIOS_BY_NAME[name].request(api)
        first = ctx.send(request)
        again = ctx.send(request, fresh=True)
        a, b = _expect.body_or_none(first), _expect.body_or_none(again)
        if a is None or b is None:
            continue
        try:
            a, b = _flat(api, a), _flat(api, b)
        except (KeyError, TypeError, AttributeError):
            continue
        differing = [key for key in sorted(a) if not _close(a.get(key), b.get(key))]
        if differing:
            ctx.fail(
                NonDeterministic(
                    received=", ".join(
                        f"{k}: {show(a.get(k))} then {show(b.get(k))}" for k in differing
                    ),
                    expected="the same verdicts and values",
                    context=_expect.describe(again),
                    exchange=again,
                )
            )
