"""From a parsed form to the analysis inputs: which mode, which tuning, which media bytes."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Final

import spec
from mock_server.analysis import TUNING_FIELDS, Mode, Tuning
from mock_server.errors import (
    EMPTY_FILE,
    INVALID_BASE64,
    MISSING_MEDIA,
    BadRequest,
    ValidationFailed,
)
from mock_server.form import Form, Part

MISSING_MEDIA_MESSAGE: Final = "Missing required media: send an image, a video, or both"
UNKNOWN_FIELD: Final = "unknown field; accepted fields: " + ", ".join(
    (*spec.MEDIA_FIELDS, *spec.TUNING_FIELDS)
)
_BASE64_TEXT: Final = re.compile(rb"[A-Za-z0-9+/]*={0,2}")
_WHITESPACE: Final = re.compile(rb"[ \t\r\n\f\v]+")


@dataclass(frozen=True, slots=True)
class Inputs:
    """A request that passed every check before the media content itself."""

    mode: Mode
    tuning: Tuning
    image_type: str
    unique_id: str | None
    image: Part | None
    video: Part | None


def inputs_from_form(form: Form) -> Inputs:
    """Check presence of media (400), then every other field (422, all at once)."""
    image = form.parts.get("image")
    video = form.parts.get("video")
    if image is None and video is None:
        raise BadRequest(MISSING_MEDIA, MISSING_MEDIA_MESSAGE)
    values, problems = _text_values(form)
    if problems:
        tuning_only = all(name in spec.TUNING_FIELDS for name in problems)
        raise ValidationFailed(problems, tuning_only=tuning_only)
    mode: Mode = "image_video" if image and video else ("image" if image else "video")
    return Inputs(
        mode=mode,
        tuning=Tuning.from_values(values),
        image_type=values.get("image_type", _default("image_type")),
        unique_id=values.get("unique_id"),
        image=image,
        video=video,
    )


def _default(name: str) -> str:
    default = TUNING_FIELDS[name].default
    assert default is not None, f"the contract gives {name} no default"
    return default


def _text_values(form: Form) -> tuple[dict[str, str], dict[str, list[str]]]:
    values: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    for name, part in form.text_fields().items():
        if name not in TUNING_FIELDS:
            problems[name] = [UNKNOWN_FIELD]
            continue
        try:
            value = part.read().decode("utf-8")
        except UnicodeDecodeError:
            problems[name] = ["must be UTF-8 text"]
            continue
        problem = TUNING_FIELDS[name].problem(value)
        if problem is not None:
            problems[name] = [problem]
        else:
            values[name] = value
    return values, problems


def image_bytes(inputs: Inputs) -> bytes | None:
    """The still's bytes: the part as sent, or its base64 decoded (400 when invalid)."""
    if inputs.image is None:
        return None
    data = inputs.image.read()
    if inputs.image_type != "base64":
        return data
    return decode_base64(data)


def decode_base64(text: bytes) -> bytes:
    """Strict standard-alphabet base64; ASCII whitespace ignored, padding optional."""
    compact = _WHITESPACE.sub(b"", text)
    if not compact:
        raise BadRequest(EMPTY_FILE, "image: the base64 text is empty", part="image")
    if _BASE64_TEXT.fullmatch(compact) is None:
        raise BadRequest(
            INVALID_BASE64,
            "image: not base64 text (only A-Z, a-z, 0-9, +, / and = padding are accepted)",
            part="image",
        )
    unpadded = compact.rstrip(b"=")
    padding = len(compact) - len(unpadded)
    if len(unpadded) % 4 == 1 or (padding and (len(unpadded) + padding) % 4):
        raise BadRequest(INVALID_BASE64, "image: base64 text of an impossible length", part="image")
    try:
        return base64.b64decode(unpadded + b"=" * (-len(unpadded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(
            INVALID_BASE64, "image: the base64 text cannot be decoded", part="image"
        ) from None
