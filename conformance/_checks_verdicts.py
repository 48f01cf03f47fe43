"""Expected verdicts on the labelled fixtures: an opt-in profile (``--expect-verdicts``).

The contract fixes the shape and the rules linking the fields, not the model; an
implementation whose detector judges differently still conforms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import spec
from conformance import _expect
from conformance._context import CheckContext
from conformance._corpus import GENUINE_STILL, GENUINE_VIDEO, form
from conformance._failures import VerdictMismatch, show
from conformance._registry import MUST, CheckFunction, Profile, check

CLAUSE = "info.description, Decisions"


def _verdict(
    ctx: CheckContext,
    *,
    image: str | None = None,
    video: str | None = None,
    fields: dict[str, Any],
    reasons: dict[str, str] | None = None,
) -> None:
    api = "v2" if "v2" in ctx.apis else "v1"
    label = " + ".join(name for name in (image, video) if name)
    exchange = ctx.send(form(api, image=image, video=video, label=label))
    body = _expect.success(ctx, exchange, "a valid request")
    if body is None:
        return
    flat = spec.v1_from_v2(body) if api == "v2" else body
    problems = [
        f"{name} is {show(flat.get(name))}, expected {show(value)}"
        for name, value in fields.items()
        if flat.get(name) != value
    ]
    if api == "v2":
        for block, reason in (reasons or {}).items():
            found = (body.get(block) or {}).get("reasons", [])
            if reason not in found:
                problems.append(f"{block}.reasons is {show(found)}, expected it to hold {reason!r}")
    if problems:
        ctx.fail(
            VerdictMismatch(
                received=tuple(problems),
                expected=label,
                location=_expect.describe(exchange),
                exchange=exchange,
            )
        )


def _verdict_check(check_id: str, title: str) -> Callable[[CheckFunction], CheckFunction]:
    return check(id=check_id, severity=MUST, title=title, clause=CLAUSE, profile=Profile.VERDICTS)


@_verdict_check("VERDICT-001", "Genuine still, video and both are judged real and pass")
def genuine(ctx: CheckContext) -> None:
    _verdict(ctx, image=GENUINE_STILL, fields={"result": "real", "overall_result": "True"})
    _verdict(
        ctx,
        video=GENUINE_VIDEO,
        fields={"result": "real", "blink_detection": True, "overall_result": "True"},
    )
    _verdict(
        ctx,
        image=GENUINE_STILL,
        video=GENUINE_VIDEO,
        fields={"result": "real", "facematch_result": "True", "overall_result": "True"},
    )


@_verdict_check("VERDICT-002", "Print attacks are judged fake (spoof_print)")
def print_attack(ctx: CheckContext) -> None:
    _verdict(
        ctx,
        image="attack_print_still",
        fields={"result": "fake", "overall_result": "False"},
        reasons={"image": "spoof_print"},
    )
    _verdict(ctx, video="attack_print_video", fields={"result": "fake", "overall_result": "False"})


@_verdict_check("VERDICT-003", "Screen replays are judged fake (spoof_screen)")
def screen_attack(ctx: CheckContext) -> None:
    _verdict(
        ctx,
        image="attack_screen_still",
        fields={"result": "fake", "overall_result": "False"},
        reasons={"image": "spoof_screen"},
    )
    _verdict(ctx, video="attack_screen_video", fields={"result": "fake", "overall_result": "False"})


@_verdict_check("VERDICT-004", "Another person in the video fails facematch")
def impostor(ctx: CheckContext) -> None:
    _verdict(
        ctx,
        image=GENUINE_STILL,
        video="impostor_video",
        fields={"facematch_result": "False", "overall_result": "False"},
        reasons={"image_video_facematch": "facematch_below_threshold"},
    )


@_verdict_check("VERDICT-005", "No face and several faces are judged fake with their reason")
def faces(ctx: CheckContext) -> None:
    _verdict(ctx, image="no_face", fields={"result": "fake"}, reasons={"image": "no_face"})
    _verdict(ctx, image="two_faces", fields={"result": "fake"}, reasons={"image": "multiple_faces"})


@_verdict_check("VERDICT-006", "A video without a blink is judged fake (no_blink)")
def no_blink(ctx: CheckContext) -> None:
    _verdict(
        ctx,
        video="genuine_video_noblink",
        fields={"result": "fake", "blink_detection": False},
        reasons={"video": "no_blink"},
    )
