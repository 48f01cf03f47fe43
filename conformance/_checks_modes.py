from __future__ import annotations

from conformance import _expect
from conformance._context import CheckContext
from conformance._corpus import GENUINE_STILL, SCENARIOS_BY_NAME, file_part, form
from conformance._registry import MUST, check

BODY_CLAUSE = "paths./liveness.post.responses.200; paths./v2/liveness.post.responses.200"


def scenario_answers(ctx: CheckContext, *names: str) -> None:
    for name in names:
        scenario = SCENARIOS_BY_NAME[name]
        for api in ctx.apis:
            _expect.success(
                ctx, ctx.send(scenario.request(api)), f"a valid {scenario.mode} request"
            )


@check(
    id="MODE-001",
    severity=MUST,
    title="Image only: 200, JSON, a body that matches the contract",
    clause="components.schemas.ImageOnlyRequest; " + BODY_CLAUSE,
)
def image_only(ctx: CheckContext) -> None:
    scenario_answers(ctx, "image", "image_tuned")


@check(
    id="MODE-002",
    severity=MUST,
    title="Video only: 200, JSON, a body that matches the contract",
    clause="components.schemas.VideoOnlyRequest; " + BODY_CLAUSE,
)
def video_only(ctx: CheckContext) -> None:
    scenario_answers(ctx, "video", "video_capped")


@check(
    id="MODE-003",
    severity=MUST,
    title="Image + video (enhanced): 200, JSON, a body that matches the contract",
    clause="components.schemas.ImageAndVideoRequest; " + BODY_CLAUSE,
)
def image_and_video(ctx: CheckContext) -> None:
    scenario_answers(ctx, "image_video", "image_video_other_person")


@check(
    id="MODE-004",
    severity=MUST,
    title="Image + video (legacy path): 200, JSON, a body that matches the contract",
    clause="components.schemas.EnhancedDetection; " + BODY_CLAUSE,
)
def image_and_video_legacy(ctx: CheckContext) -> None:
    scenario_answers(ctx, "image_video_legacy")


@check(
    id="MODE-005",
    severity=MUST,
    title="A still sent as base64 text with image_type=base64 is accepted",
    clause="components.schemas.ImagePart; components.schemas.ImageType",
)
def base64_image(ctx: CheckContext) -> None:
    scenario_answers(ctx, "image_base64")


@check(
    id="MODE-006",
    severity=MUST,
    title="PNG and grayscale JPEG stills are accepted",
    clause="components.schemas.ImagePart",
)
def other_stills(ctx: CheckContext) -> None:
    for name in ("genuine_still_png", "genuine_gray"):
        for api in ctx.apis:
            _expect.success(ctx, ctx.send(form(api, image=name, label=name)), f"{name} is valid")


@check(
    id="MODE-007",
    severity=MUST,
    title="Media is recognised by content, not by file name or declared type",
    clause="components.requestBodies.LivenessRequest.description",
)
def sniffed_media(ctx: CheckContext) -> None:
    part = file_part(
        "image", GENUINE_STILL, filename="upload.bin", content_type="application/octet-stream"
    )
    for api in ctx.apis:
        request = form(api, extra=(part,), label="JPEG named upload.bin, application/octet-stream")
        _expect.success(ctx, ctx.send(request), "the content is a JPEG")
