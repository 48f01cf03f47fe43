"""Planted faults: wrappers around the mock that break one rule of the contract each."""

from __future__ import annotations

import copy
import io
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mock_server.auth import issue_token
from mock_server.config import Settings
from tests.conformance.asgi import After, Before, Call, Form

VALID_TOKEN = issue_token(Settings(), ttl_seconds=24 * 3600)


@dataclass(frozen=True)
class PlantedFault:
    id: str
    before: Before | None = None
    after: After | type[Any] | None = None

    def hooks(self) -> tuple[Before | None, After | None]:
        """The request and response rewriters (stateful ones are built fresh)."""
        after = self.after() if isinstance(self.after, type) else self.after
        return self.before, after


def on_success(api: str | None, change: Callable[[Call, dict[str, Any]], None]) -> After:
    """Rewrite the JSON body of every 200 (of one API, or both)."""

    def after(call: Call) -> None:
        if call.status != 200 or (api is not None and call.api != api):
            return
        body = call.json()
        change(call, body)
        call.set_json(body)

    return after


def sent(call: Call) -> set[str]:
    form = call.form
    return set(form.names()) if form else set()


# --- auth ---------------------------------------------------------------------------------


def _accept_any_token(call: Call) -> None:
    call.headers["authorization"] = f"Bearer {VALID_TOKEN}"


def _accept_alg_none(call: Call) -> None:
    value = call.headers.get("authorization", "")
    if value.startswith("Bearer eyJhbGciOiJub25lIi"):
        call.headers["authorization"] = f"Bearer {VALID_TOKEN}"


def _forbidden(call: Call) -> None:
    if call.status == 401:
        call.status = 403


def _no_challenge(call: Call) -> None:
    call.response_headers.pop("www-authenticate", None)


# --- errors -------------------------------------------------------------------------------


def _error_shape(call: Call) -> None:
    if call.status >= 400:
        call.set_json({"error": call.response_body.decode("utf-8", "replace")[:80]})


def _error_text(call: Call) -> None:
    if call.status >= 400:
        call.response_headers["content-type"] = "text/plain; charset=utf-8"


def _video_only_500(call: Call) -> None:
    if {"video"} <= sent(call) and "image" not in sent(call) and call.status != 401:
        call.set_json({"detail": {"code": "internal"}, "message": "boom"}, status=500)


def _missing_media_422(call: Call) -> None:
    body = _maybe_json(call)
    if call.status == 400 and body and body.get("detail", {}).get("code") == "missing_media":
        call.set_json({"detail": {"body": {"image": ["required"]}}, "message": "x"}, status=422)


def _field_not_named(call: Call) -> None:
    if call.status == 422:
        call.set_json({"detail": {"body": {"request": ["invalid"]}}, "message": "invalid"})


def _decodes(content: bytes) -> bool:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(content)) as image:
            image.load()
    except Exception:
        return False
    return True


def _content_before_tuning(call: Call) -> None:
    form = call.form
    image = form.get("image") if form else None
    if call.status == 422 and image and not _decodes(image[3]):
        call.set_json({"detail": {"code": "corrupt_image", "part": "image"}, "message": "bad"}, 400)


def _maybe_json(call: Call) -> Any:
    try:
        return call.json()
    except ValueError:
        return None


# --- request handling ---------------------------------------------------------------------


def _rewrite_form(change: Callable[[Form], None]) -> Before:
    def before(call: Call) -> None:
        form = call.form
        if form is not None:
            change(form)
            call.set_form(form)

    return before


def _swap_non_mp4(form: Form) -> None:
    from conformance._corpus import GENUINE_VIDEO, media

    video = form.get("video")
    if video and video[3][4:8] != b"ftyp" and video[3][:4] == b"\x1a\x45\xdf\xa3":
        index = form.parts.index(video)
        form.parts[index] = (video[0], video[1], video[2], media(GENUINE_VIDEO).content)


def _keep_first_of_each(form: Form) -> None:
    seen: set[str] = set()
    kept = []
    for part in form.parts:
        if part[0] not in seen:
            kept.append(part)
            seen.add(part[0])
    form.parts[:] = kept


def _drop_unknown(form: Form) -> None:
    known = {
        "image",
        "video",
        "enhanced_detection",
        "frame_sampling_rate",
        "max_frames_to_analyze",
        "facematch_frames",
        "facematch_threshold",
        "image_type",
        "unique_id",
    }
    form.parts[:] = [part for part in form.parts if part[0] in known]


def _reject_field(name: str, values: tuple[str, ...] | None = None) -> After:
    def after(call: Call) -> None:
        form = call.form
        value = form.text(name) if form else None
        if call.status == 200 and value is not None and (values is None or value in values):
            call.set_json({"detail": {"body": {name: ["not accepted"]}}, "message": "no"}, 422)

    return after


def _ignore_cap(call: Call) -> None:
    """Analyse up to 999 frames whatever max_frames_to_analyze says (still validating it)."""
    form = call.form
    cap = form.get("max_frames_to_analyze") if form else None
    if form is None or cap is None or not re.fullmatch(rb"[1-9][0-9]{0,2}", cap[3]):
        return
    call.notes["cap"] = int(cap[3])
    form.parts[form.parts.index(cap)] = (cap[0], cap[1], cap[2], b"999")
    call.set_form(form)


def _echo_cap(call: Call, body: dict[str, Any]) -> None:
    cap = call.notes.get("cap")
    if cap is not None and call.api == "v1":
        body["max_frames_analyzed"] = int(cap)
    elif cap is not None:
        body["overall"]["tuning"]["max_frames_to_analyze"] = int(cap)


# --- v1 bodies ----------------------------------------------------------------------------


def _drop_blink(call: Call, body: dict[str, Any]) -> None:
    del body["blink_detection"]


def _bool_facematch(call: Call, body: dict[str, Any]) -> None:
    body["facematch_result"] = body["facematch_result"] == "True"


def _confidence_out_of_range(call: Call, body: dict[str, Any]) -> None:
    if call.api == "v1":
        body["confidence"] = 1.5
    else:
        body["overall"]["confidence"] = 1.5


def _count_as_string(call: Call, body: dict[str, Any]) -> None:
    body["total_video_frames"] = str(body["total_video_frames"])


def _v1_real_frames_off(call: Call, body: dict[str, Any]) -> None:
    if body["real_video_frames"] > 0:
        body["real_video_frames"] -= 1


def _no_echo(call: Call, body: dict[str, Any]) -> None:
    if call.api == "v1":
        body["frame_sampling_rate"] = 15
    else:
        body["overall"]["tuning"]["frame_sampling_rate"] = 15


def _overall_max(call: Call, body: dict[str, Any]) -> None:
    if call.api == "v1" and body["image_input"] and body["video_input"]:
        body["overall_confidence"] = max(body["confidence"], body["facematch_confidence"])
    elif call.api == "v2" and body["image_video_facematch"] is not None:
        overall = body["overall"]
        fm = body["image_video_facematch"]["confidence"]
        overall["overall_confidence"] = max(overall["confidence"], fm)


def _facematch_always_true(call: Call, body: dict[str, Any]) -> None:
    """facematch passes with confidence 0; overall_result stays consistent with it."""
    if call.api == "v1" and body["image_input"] and body["video_input"]:
        body["facematch_result"] = "True"
        body["facematch_confidence"] = 0.0
        body["overall_result"] = "True" if body["result"] == "real" else "False"
    elif call.api == "v2" and body["image_video_facematch"] is not None:
        body["image_video_facematch"]["passed"] = True
        body["image_video_facematch"]["confidence"] = 0.0
        body["overall"]["passed"] = body["overall"]["result"] == "real"


def _overall_confidence_ignores_facematch(call: Call, body: dict[str, Any]) -> None:
    if call.api == "v1" and body["image_input"] and body["video_input"]:
        body["overall_confidence"] = body["confidence"]
    elif call.api == "v2" and body["image_video_facematch"] is not None:
        body["overall"]["overall_confidence"] = body["overall"]["confidence"]


# --- v2 bodies ----------------------------------------------------------------------------

PHANTOM_VIDEO = {
    "result": "fake",
    "confidence": 0,
    "blink_detected": False,
    "total_frames": 0,
    "frames_analyzed": 0,
    "real_frames": 0,
    "analyzed_frame_indices": [],
    "path": "sampled",
    "reasons": ["no_blink"],
}


def _phantom_video(call: Call, body: dict[str, Any]) -> None:
    if body["video"] is None:
        body["video"] = copy.deepcopy(PHANTOM_VIDEO)


def _null_facematch(call: Call, body: dict[str, Any]) -> None:
    body["image_video_facematch"] = None


def _reasons_on_success(call: Call, body: dict[str, Any]) -> None:
    if body["image"] is not None and body["image"]["result"] == "real":
        body["image"]["reasons"] = ["no_face"]


def _legacy_sampled(call: Call, body: dict[str, Any]) -> None:
    video = body["video"]
    if video is not None and video["path"] == "legacy":
        video["analyzed_frame_indices"] = [i * 2 for i in video["analyzed_frame_indices"]]


def _v2_as_v1(call: Call) -> None:
    if call.api == "v2":
        call.path = "/liveness"


def _uncapped_sampling(call: Call, body: dict[str, Any]) -> None:
    form = call.form
    rate = int(form.text("frame_sampling_rate") or 15) if form else 15
    if call.api == "v1" and body["video_input"] and body["enhanced_detection"]:
        body["video_frames_analyzed"] = math.ceil(body["total_video_frames"] / rate)
    elif call.api == "v2" and body["video"] is not None and body["video"]["path"] == "sampled":
        video = body["video"]
        video["analyzed_frame_indices"] = list(range(0, video["total_frames"], rate))
        video["frames_analyzed"] = len(video["analyzed_frame_indices"])


def _text_plain_200(call: Call) -> None:
    if call.status == 200:
        call.response_headers["content-type"] = "text/plain"


class _Jitter:
    """Answers a repeated request with a slightly different confidence."""

    def __init__(self) -> None:
        self.seen: set[bytes] = set()

    def __call__(self, call: Call) -> None:
        key = call.path.encode() + call.body
        if call.status != 200:
            return
        if key not in self.seen:
            self.seen.add(key)
            return
        body = call.json()
        target = body if call.api == "v1" else body["overall"]
        target["confidence"] = round(abs(target["confidence"] - 0.01), 4)
        call.response_body = json.dumps(body).encode()


FAULTS: list[tuple[PlantedFault, set[str]]] = []


def plant(fault_id: str, fires: set[str], before: Before | None = None, after: Any = None) -> None:
    FAULTS.append((PlantedFault(fault_id, before, after), fires))


plant(
    "auth-ignored",
    {
        "AUTH-001",
        "AUTH-002",
        "AUTH-003",
        "AUTH-004",
        "AUTH-005",
        "AUTH-006",
        "AUTH-007",
        "PREC-001",
    },
    before=_accept_any_token,
)
plant("alg-none-accepted", {"AUTH-006"}, before=_accept_alg_none)
plant(
    "403-instead-of-401",
    {
        "AUTH-001",
        "AUTH-002",
        "AUTH-003",
        "AUTH-004",
        "AUTH-005",
        "AUTH-006",
        "AUTH-007",
        "HTTP-002",
        "PREC-001",
    },
    after=_forbidden,
)
plant("no-www-authenticate", {"AUTH-008"}, after=_no_challenge)
plant(
    "500-on-video-only",
    {"HTTP-001", "HTTP-002", "MODE-002", "REQ-003", "REQ-004"},
    after=_video_only_500,
)
plant(
    "missing-v1-field",
    {
        "INV-V1-V2",
        "MODE-001",
        "MODE-002",
        "MODE-003",
        "MODE-004",
        "MODE-005",
        "MODE-006",
        "MODE-007",
        "TUNE-004",
    },
    after=on_success("v1", _drop_blink),
)
plant(
    "bool-string-as-json-boolean",
    {
        "INV-FACEMATCH-RESULT",
        "INV-NOT-APPLICABLE",
        "INV-OVERALL",
        "INV-V1-V2",
        "MODE-001",
        "MODE-002",
        "MODE-003",
        "MODE-004",
        "MODE-005",
        "MODE-006",
        "MODE-007",
        "TUNE-004",
    },
    after=on_success("v1", _bool_facematch),
)
plant(
    "confidence-out-of-range",
    {
        "INV-OVERALL-CONFIDENCE",
        "INV-RESULT",
        "MODE-001",
        "MODE-002",
        "MODE-003",
        "MODE-004",
        "MODE-005",
        "MODE-006",
        "MODE-007",
        "TUNE-004",
    },
    after=on_success(None, _confidence_out_of_range),
)
plant(
    "count-as-string",
    {
        "INV-NOT-APPLICABLE",
        "INV-V1-V2",
        "MODE-001",
        "MODE-002",
        "MODE-003",
        "MODE-004",
        "MODE-005",
        "MODE-006",
        "MODE-007",
        "TUNE-004",
    },
    after=on_success("v1", _count_as_string),
)
plant(
    "v2-flattened-to-v1",
    {
        "MODE-001",
        "MODE-002",
        "MODE-003",
        "MODE-004",
        "MODE-005",
        "MODE-006",
        "MODE-007",
        "TUNE-004",
    },
    before=_v2_as_v1,
)
plant(
    "block-for-input-not-sent",
    {"INV-INPUT-FLAGS", "INV-REASONS", "INV-V1-V2"},
    after=on_success("v2", _phantom_video),
)
plant(
    "null-block-for-input-sent",
    {"INV-INPUT-FLAGS", "INV-OVERALL", "INV-OVERALL-CONFIDENCE", "INV-REASONS", "INV-V1-V2"},
    after=on_success("v2", _null_facematch),
)
plant(
    "frame-cap-ignored",
    {"INV-SAMPLING"},
    before=_ignore_cap,
    after=on_success(None, _echo_cap),
)
plant(
    "sampling-cap-not-applied",
    {"INV-SAMPLING", "INV-V1-V2"},
    after=on_success(None, _uncapped_sampling),
)
plant("tuning-not-reflected", {"INV-ECHO"}, after=on_success(None, _no_echo))
plant("v1-v2-disagree", {"INV-V1-V2"}, after=on_success("v1", _v1_real_frames_off))
plant(
    "200-not-json",
    {
        "MODE-001",
        "MODE-002",
        "MODE-003",
        "MODE-004",
        "MODE-005",
        "MODE-006",
        "MODE-007",
        "TUNE-004",
    },
    after=_text_plain_200,
)
plant(
    "error-body-other-shape",
    {"AUTH-009", "ERR-002", "ERR-003", "PREC-003", "TUNE-001", "TUNE-002", "TUNE-003"},
    after=_error_shape,
)
plant("error-not-json", {"ERR-001"}, after=_error_text)
plant("non-mp4-video-accepted", {"REQ-003", "REQ-004"}, before=_rewrite_form(_swap_non_mp4))
plant(
    "optional-unique-id-rejected",
    {"MODE-001", "MODE-002", "MODE-003", "MODE-005", "TUNE-004"},
    after=_reject_field("unique_id"),
)
plant(
    "lowercase-bool-rejected",
    {"MODE-001", "TUNE-004"},
    after=_reject_field("enhanced_detection", ("true", "false")),
)
plant("base64-image-rejected", {"MODE-005"}, after=_reject_field("image_type", ("base64",)))
plant("duplicate-part-accepted", {"PREC-004", "REQ-005"}, before=_rewrite_form(_keep_first_of_each))
plant("unknown-field-ignored", {"TUNE-003"}, before=_rewrite_form(_drop_unknown))
plant("missing-media-is-422", {"PREC-002", "REQ-001"}, after=_missing_media_422)
plant(
    "422-does-not-name-field",
    {"PREC-003", "TUNE-001", "TUNE-002", "TUNE-003"},
    after=_field_not_named,
)
plant("media-checked-before-tuning", {"PREC-003"}, after=_content_before_tuning)
plant(
    "facematch-result-ignores-threshold",
    {"INV-FACEMATCH-RESULT", "INV-OVERALL-CONFIDENCE", "INV-REASONS"},
    after=on_success(None, _facematch_always_true),
)
plant(
    "overall-confidence-ignores-facematch",
    {"INV-OVERALL-CONFIDENCE"},
    after=on_success(None, _overall_confidence_ignores_facematch),
)
plant("overall-confidence-is-max", {"INV-OVERALL-CONFIDENCE"}, after=on_success(None, _overall_max))
plant("reasons-on-positive-outcome", {"INV-REASONS"}, after=on_success("v2", _reasons_on_success))
plant(
    "legacy-frames-not-consecutive",
    {"INV-FACEMATCH-FRAMES", "INV-LEGACY-FRAMES"},
    after=on_success("v2", _legacy_sampled),
)
plant("nondeterministic-confidence", {"INV-DETERMINISM"}, after=_Jitter)
