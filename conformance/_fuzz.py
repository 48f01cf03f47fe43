"""The fuzz phase: Schemathesis generates requests from the contract's schemathesis view.

Generation only is delegated to Schemathesis (``operation.as_strategy``, seeded and
bounded by Hypothesis); requests go out through the suite's own transport, so the phase
works the same over HTTP and in-process, and file parts always carry a filename and a
content type.

Media parts are drawn from the corpus (a genuine JPEG still, a genuine MP4 video) through
``schemathesis.openapi.media_type``: random text in an ``image`` part only ever tests the
media decoder's 400, never the tuning rules behind it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import spec
from conformance._corpus import GENUINE_STILL, GENUINE_VIDEO, media
from conformance._models import BEARER, Part, Request

MEDIA_PARTS = {
    "image": (GENUINE_STILL, "image/jpeg", "image.jpg"),
    "video": (GENUINE_VIDEO, "video/mp4", "video.mp4"),
}
POSITIVE = "positive"
NEGATIVE = "negative"

VALID = "valid"
INVALID = "invalid"
DEPENDS_ON_CONTENT = "depends on content"
UNDECIDED = "not fixed by the contract"


@dataclass(frozen=True, slots=True)
class FuzzCase:
    request: Request
    mode: str
    expectation: str


def _wire_text(value: Any) -> str:
    """A generated value as the text a form field carries."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _media_bytes(value: Any) -> bytes | None:
    data = getattr(value, "data", value)
    return data if isinstance(data, bytes) else None


def to_request(api: str, body: Any, content_types: dict[str, str], mode: str) -> Request:
    path = spec.PATHS[api]
    label = f"fuzz {mode}"
    if not isinstance(body, dict):
        boundary = "conformance-fuzz"
        raw = f"--{boundary}\r\n{_wire_text(body)}--{boundary}--\r\n".encode()
        return Request(
            path=path,
            body=raw,
            content_type=f"multipart/form-data; boundary={boundary}",
            label=label,
        )
    parts: list[Part] = []
    for name, value in body.items():
        data = _media_bytes(value)
        if name in MEDIA_PARTS and data is not None:
            fixture, default_type, filename = MEDIA_PARTS[name]
            item = media(fixture)
            parts.append(
                Part(
                    name=name,
                    content=data,
                    filename=filename,
                    content_type=content_types.get(name, default_type),
                    source=item.path if data == item.content else None,
                )
            )
            continue
        for item_value in value if isinstance(value, list) else [value]:
            parts.append(Part.text(str(name), _wire_text(item_value)))
    return Request(path=path, parts=tuple(parts), authorization=BEARER, label=label)


def judge(request: Request) -> str:
    """What the contract says of this request, from its bytes on the wire alone.

    Schemathesis generates negative cases at the schema level; several mutations are
    invisible once a form is on the wire (an integer 5 for ``frame_sampling_rate`` is the
    text "5"; a type mutation of a media part is replaced by real media bytes). So a
    negative case is only expected to be rejected when its wire form breaks the contract.
    """
    if request.body is not None:
        return INVALID
    names = [part.name for part in request.parts]
    if len(names) != len(set(names)):
        return INVALID
    if not set(names) & set(spec.MEDIA_FIELDS):
        return INVALID
    if set(names) - set(spec.MEDIA_FIELDS) - set(spec.TUNING_FIELDS):
        return INVALID
    fields = spec.tuning_fields()
    for part in request.parts:
        if part.name in fields:
            if part.is_file:
                return UNDECIDED  # "misplaced part" (400) or a plain value: the spec is unclear
            if fields[part.name].problem(part.content.decode("utf-8", "replace")) is not None:
                return INVALID
    values = request.fields()
    image = next((part for part in request.parts if part.name == "image"), None)
    if image is not None and image.is_file != (values.get("image_type", "file") == "file"):
        return DEPENDS_ON_CONTENT
    if any(part.name in MEDIA_PARTS and part.source is None for part in request.parts):
        return DEPENDS_ON_CONTENT
    return VALID


def _draw(strategy: Any, examples: int, seed: int) -> list[tuple[Any, dict[str, str]]]:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    drawn: list[tuple[Any, dict[str, str]]] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=strategy)
    def collect(case: Any) -> None:
        drawn.append((case.body, dict(case.multipart_content_types or {})))

    collect()
    return drawn


def generate(apis: tuple[str, ...], examples: int, seed: int) -> list[FuzzCase]:
    """Up to ``examples`` positive and ``examples`` negative cases per API, deduplicated."""
    import schemathesis
    from hypothesis import strategies as st
    from schemathesis.core.media_types import MEDIA_TYPE_STRATEGIES
    from schemathesis.generation import GenerationMode

    saved = dict(MEDIA_TYPE_STRATEGIES)
    for _name, (fixture, media_type, _filename) in MEDIA_PARTS.items():
        schemathesis.openapi.media_type(media_type, st.just(media(fixture).content))
    try:
        schema = schemathesis.openapi.from_dict(spec.view("schemathesis"))
        cases: list[FuzzCase] = []
        seen: set[Request] = set()
        for api in apis:
            operation = schema[spec.PATHS[api]]["POST"]
            for mode, generation_mode in (
                (POSITIVE, GenerationMode.POSITIVE),
                (NEGATIVE, GenerationMode.NEGATIVE),
            ):
                strategy = operation.as_strategy(generation_mode=generation_mode)
                drawn = _draw(strategy, examples, seed)
                for body, content_types in drawn:
                    request = to_request(api, body, content_types, mode)
                    if request in seen:
                        continue
                    seen.add(request)
                    cases.append(FuzzCase(request, mode, judge(request)))
        return cases
    finally:
        MEDIA_TYPE_STRATEGIES.clear()
        MEDIA_TYPE_STRATEGIES.update(saved)
