from __future__ import annotations

import json

from conformance import _expect
from conformance._context import CheckContext
from conformance._corpus import GENUINE_STILL, file_part, fixtures_labelled, form
from conformance._errors import CorpusError
from conformance._failures import FieldNotNamed, UnexpectedErrorCode
from conformance._models import Exchange, Part, Request
from conformance._registry import MUST, SHOULD, check

ERRORS_CLAUSE = "info.description, Errors and their precedence"

INVALID_TUNING: tuple[tuple[str, str], ...] = (
    ("frame_sampling_rate", "abc"),
    ("frame_sampling_rate", "-1"),
    ("frame_sampling_rate", "0"),
    ("frame_sampling_rate", "1000"),
    ("frame_sampling_rate", "1.5"),
    ("frame_sampling_rate", "07"),
    ("max_frames_to_analyze", "0"),
    ("max_frames_to_analyze", "-5"),
    ("max_frames_to_analyze", "ten"),
    ("facematch_frames", "0"),
    ("facematch_frames", "100"),
    ("facematch_threshold", "1.5"),
    ("facematch_threshold", "-0.1"),
    ("facematch_threshold", "high"),
    ("facematch_threshold", "0.12345"),
    ("enhanced_detection", "maybe"),
    ("enhanced_detection", "TRUE"),
    ("image_type", "url"),
    ("unique_id", "u" * 129),
)

VALID_TUNING: tuple[dict[str, str], ...] = (
    {"frame_sampling_rate": "1", "max_frames_to_analyze": "1", "facematch_frames": "1"},
    {"frame_sampling_rate": "999", "max_frames_to_analyze": "999", "facematch_frames": "99"},
    {"facematch_threshold": "0", "enhanced_detection": "True", "image_type": "file"},
    {"facematch_threshold": "1", "enhanced_detection": "true"},
    {"facematch_threshold": "1.0", "enhanced_detection": "False"},
    {"facematch_threshold": "0.0001", "enhanced_detection": "false"},
    {"facematch_threshold": ".5", "unique_id": "u" * 128},
    {"unique_id": ""},
    {"unique_id": "identifiant-ünïcödé-✓"},
)


def expect_422_naming(ctx: CheckContext, exchange: Exchange, names: set[str]) -> None:
    if not _expect.status(ctx, exchange, 422, f"invalid {', '.join(sorted(names))}"):
        return
    body = exchange.response.json_or_none()
    named = _expect.validation_fields(body)
    missing = names - named
    if missing:
        ctx.fail(
            FieldNotNamed(
                received=frozenset(named),
                expected=frozenset(names),
                location=_expect.describe(exchange),
                exchange=exchange,
            )
        )


@check(
    id="REQ-001",
    severity=MUST,
    title="A request without media gets 400",
    clause="components.schemas.LivenessMultipartRequest; " + ERRORS_CLAUSE,
)
def missing_media(ctx: CheckContext) -> None:
    for api in ctx.apis:
        empty = form(api, label="empty multipart body", expected_code="missing_media")
        _expect.status(ctx, ctx.send(empty), 400, "no media")
        request = form(
            api,
            tuning={"frame_sampling_rate": "15"},
            label="tuning fields, no media",
            expected_code="missing_media",
        )
        _expect.status(ctx, ctx.send(request), 400, "no media")


@check(
    id="REQ-002",
    severity=MUST,
    title="A body that is not multipart/form-data gets 400",
    clause=ERRORS_CLAUSE,
)
def not_multipart(ctx: CheckContext) -> None:
    for api in ctx.apis:
        request = Request(
            path=form(api).path,
            body=json.dumps({"image": "genuine_still.jpg"}).encode(),
            content_type="application/json",
            label="JSON body",
            expected_code="not_multipart",
        )
        _expect.status(ctx, ctx.send(request), 400, "not multipart")


@check(
    id="REQ-003",
    severity=MUST,
    title="Each broken media fixture gets 400",
    clause="components.responses.BadRequest; " + ERRORS_CLAUSE,
)
def broken_media(ctx: CheckContext) -> None:
    cases = [
        (
            item,
            form(
                api,
                extra=(file_part(item.role, item.name),),
                label=item.filename,
                expected_code=None if item.content else "empty_file",
            ),
        )
        for item in fixtures_labelled("broken")
        for api in ctx.apis
    ]
    for (item, _), exchange in zip(cases, ctx.send_all([r for _, r in cases]), strict=True):
        _expect.status(ctx, exchange, item.expected_status, f"{item.filename}")


@check(
    id="REQ-004",
    severity=MUST,
    title="A video that is not MP4/MOV gets 400 even when named and typed as MP4",
    clause="components.schemas.VideoPart; components.requestBodies.LivenessRequest",
)
def disguised_video(ctx: CheckContext) -> None:
    candidates = [
        item for item in fixtures_labelled("broken", "video") if not item.media_type.endswith("mp4")
    ]
    if not candidates:
        raise CorpusError("the fixture corpus holds no broken video that is not an MP4")
    requests = [
        form(
            api,
            extra=(file_part("video", item.name, filename="selfie.mp4", content_type="video/mp4"),),
            label=f"{item.filename} sent as selfie.mp4",
        )
        for item in candidates
        for api in ctx.apis
    ]
    for exchange in ctx.send_all(requests):
        _expect.status(ctx, exchange, 400, "not an MP4/MOV container")


@check(
    id="REQ-005",
    severity=MUST,
    title="A duplicated part gets 400",
    clause=ERRORS_CLAUSE,
)
def duplicate_part(ctx: CheckContext) -> None:
    for api in ctx.apis:
        request = form(
            api,
            image=GENUINE_STILL,
            extra=(file_part("image", GENUINE_STILL),),
            label="two image parts",
            expected_code="duplicate_part",
        )
        _expect.status(ctx, ctx.send(request), 400, "duplicated part")


@check(
    id="TUNE-001",
    severity=MUST,
    title="Each invalid tuning value gets 422 naming the field",
    clause="components.schemas.LivenessMultipartRequest (tuning fields); "
    "components.responses.UnprocessableEntity",
)
def invalid_tuning(ctx: CheckContext) -> None:
    cases = [
        (
            field,
            form(api, image=GENUINE_STILL, tuning={field: value}, label=f"{field}={value[:20]}"),
        )
        for field, value in INVALID_TUNING
        for api in ctx.apis
    ]
    for (field, _), exchange in zip(cases, ctx.send_all([r for _, r in cases]), strict=True):
        expect_422_naming(ctx, exchange, {field})


@check(
    id="TUNE-002",
    severity=MUST,
    title="Several invalid tuning values are all reported in one 422",
    clause=ERRORS_CLAUSE,
)
def several_invalid(ctx: CheckContext) -> None:
    tuning = {"frame_sampling_rate": "0", "facematch_threshold": "1.5", "image_type": "url"}
    for api in ctx.apis:
        request = form(api, image=GENUINE_STILL, tuning=tuning, label="three invalid values")
        expect_422_naming(ctx, ctx.send(request), set(tuning))


@check(
    id="TUNE-003",
    severity=MUST,
    title="An unknown field gets 422 naming it",
    clause="components.schemas.ImageOnlyRequest.additionalProperties; " + ERRORS_CLAUSE,
)
def unknown_field(ctx: CheckContext) -> None:
    for api in ctx.apis:
        request = form(
            api, image=GENUINE_STILL, tuning={"sampling_rate": "15"}, label="unknown field"
        )
        expect_422_naming(ctx, ctx.send(request), {"sampling_rate"})


@check(
    id="TUNE-004",
    severity=MUST,
    title="Boundary and alternative spellings of valid tuning values are accepted",
    clause="components.schemas (FrameSamplingRate, MaxFramesToAnalyze, FacematchFrames, "
    "FacematchThreshold, EnhancedDetection, ImageType, UniqueId)",
)
def valid_tuning(ctx: CheckContext) -> None:
    requests = [
        form(api, image=GENUINE_STILL, tuning=tuning, label=_label(tuning))
        for tuning in VALID_TUNING
        for api in ctx.apis
    ]
    for exchange in ctx.send_all(requests):
        _expect.success(ctx, exchange, "every value is valid")


def _label(tuning: dict[str, str]) -> str:
    return ", ".join(f"{key}={value[:12]}" for key, value in tuning.items())


@check(
    id="PREC-001",
    severity=MUST,
    title="401 wins over missing media and invalid tuning",
    clause=ERRORS_CLAUSE,
)
def auth_first(ctx: CheckContext) -> None:
    for api in ctx.apis:
        for authorization in (None, "Bearer not-a-jwt"):
            request = form(
                api,
                tuning={"frame_sampling_rate": "0"},
                authorization=authorization,
                label="no media, bad tuning, bad token",
            )
            _expect.status(ctx, ctx.send(request), 401, "the token is checked first")


@check(
    id="PREC-002",
    severity=MUST,
    title="Missing media (400) wins over invalid tuning (422)",
    clause=ERRORS_CLAUSE,
)
def structure_before_tuning(ctx: CheckContext) -> None:
    for api in ctx.apis:
        request = form(
            api,
            tuning={"frame_sampling_rate": "0"},
            label="no media, bad tuning",
            expected_code="missing_media",
        )
        _expect.status(ctx, ctx.send(request), 400, "missing media is structural")


@check(
    id="PREC-003",
    severity=MUST,
    title="Invalid tuning (422) wins over unusable media content (400)",
    clause=ERRORS_CLAUSE,
)
def tuning_before_content(ctx: CheckContext) -> None:
    broken = fixtures_labelled("broken", "image")
    part = file_part("image", broken[0].name)
    for api in ctx.apis:
        request = form(
            api,
            extra=(part, Part.text("facematch_threshold", "2")),
            label=f"{broken[0].filename}, bad tuning",
        )
        expect_422_naming(ctx, ctx.send(request), {"facematch_threshold"})


@check(
    id="PREC-004",
    severity=MUST,
    title="A duplicated part (400) wins over invalid tuning (422)",
    clause=ERRORS_CLAUSE,
)
def duplicate_before_tuning(ctx: CheckContext) -> None:
    for api in ctx.apis:
        request = form(
            api,
            image=GENUINE_STILL,
            tuning={"frame_sampling_rate": "0"},
            extra=(file_part("image", GENUINE_STILL),),
            label="two image parts, bad tuning",
            expected_code="duplicate_part",
        )
        _expect.status(ctx, ctx.send(request), 400, "a duplicated part is structural")


# The statuses at which ERR-003 reads detail.code: the request's own problem (400) or a
# token problem reported in its place (401). A 413 or a 422 names another problem.
CODED_STATUSES = frozenset({400, 401})


@check(
    id="ERR-003",
    severity=SHOULD,
    title="Error codes name the problem (missing_media, not_multipart, duplicate_part, ...)",
    clause="components.schemas.ErrorBody.properties.detail.code",
    cross_cutting=True,
)
def error_codes(ctx: CheckContext) -> None:
    for exchange in ctx.exchanges:
        expected = exchange.request.expected_code
        if expected is None or exchange.response.status not in CODED_STATUSES:
            continue
        body = exchange.response.json_or_none()
        code = body.get("detail", {}).get("code") if isinstance(body, dict) else None
        if code != expected:
            ctx.fail(
                UnexpectedErrorCode(
                    received=code,
                    expected=expected,
                    location=_expect.describe(exchange),
                    exchange=exchange,
                )
            )
