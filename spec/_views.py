"""Views of the canonical contract for tools that mishandle its exact shape.

The canonical request body is a root ``oneOf`` of three branches with binary parts.
``schemathesis`` declares the parts at the top level and keeps the branch rules as
``oneOf`` of ``required``/``not`` constraints. Each media part is a string with
``contentMediaType: application/octet-stream`` (OpenAPI 3.1's spelling of a file, so
Schemathesis sends it with a filename), its media type in ``encoding.contentType`` (so a
strategy registered with ``schemathesis.openapi.media_type`` supplies real media) and a
``Content-Disposition`` example naming the file (``image.jpg``, ``video.mp4``). ``flat``
drops the ``oneOf`` entirely (every part optional, ``format: binary``) for client
generators.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from spec._document import BRANCHES, MEDIA_FIELDS, TUNING_FIELDS, load_spec

BRANCH_RULES = [
    {"title": "image only", "required": ["image"], "not": {"required": ["video"]}},
    {"title": "video only", "required": ["video"], "not": {"required": ["image"]}},
    {"title": "image and video", "required": ["image", "video"]},
]


# The media type and file name each media part is sent with by Schemathesis.
SCHEMATHESIS_MEDIA = {"image": ("image/jpeg", "image.jpg"), "video": ("video/mp4", "video.mp4")}


def _tuning_properties(document: dict[str, Any]) -> dict[str, Any]:
    branch = document["components"]["schemas"][BRANCHES[0]]
    return {name: dict(branch["properties"][name]) for name in TUNING_FIELDS}


def _replace_request_schema(document: dict[str, Any], schema: dict[str, Any]) -> None:
    body = document["components"]["requestBodies"]["LivenessRequest"]
    body["content"]["multipart/form-data"]["schema"] = schema


def canonical_view() -> dict[str, Any]:
    return load_spec()


def schemathesis_view() -> dict[str, Any]:
    document = load_spec()
    properties: dict[str, Any] = {
        field: {"type": "string", "contentMediaType": "application/octet-stream"}
        for field in MEDIA_FIELDS
    }
    properties.update(_tuning_properties(document))
    _replace_request_schema(
        document,
        {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
            "oneOf": BRANCH_RULES,
        },
    )
    body = document["components"]["requestBodies"]["LivenessRequest"]
    body["content"]["multipart/form-data"]["encoding"] = {
        field: {
            "contentType": media_type,
            "headers": {
                "Content-Disposition": {
                    "schema": {"type": "string"},
                    "example": f'form-data; name="{field}"; filename="{filename}"',
                }
            },
        }
        for field, (media_type, filename) in SCHEMATHESIS_MEDIA.items()
    }
    return document


def _as_pattern(schema: dict[str, Any]) -> dict[str, Any]:
    """An enum of strings as a pattern: generators map enums to classes whose member
    names collide when values differ only by case ("True"/"true")."""
    enum = schema.pop("enum", None)
    if enum is not None:
        schema["pattern"] = "^(" + "|".join(re.escape(value) for value in enum) + ")$"
    return schema


def flat_view() -> dict[str, Any]:
    document = load_spec()
    schemas = document["components"]["schemas"]
    properties: dict[str, Any] = {
        field: {"type": "string", "format": "binary", "description": f"The {field} file."}
        for field in MEDIA_FIELDS
    }
    for name, ref in _tuning_properties(document).items():
        component = ref["$ref"].rsplit("/", 1)[-1]
        schemas[component] = _as_pattern(schemas[component])
        properties[name] = ref
    _replace_request_schema(
        document,
        {
            "title": "LivenessMultipartRequest",
            "description": "Send image, video or both (at least one).",
            "type": "object",
            "properties": properties,
        },
    )
    return document


VIEWS: dict[str, Callable[[], dict[str, Any]]] = {
    "canonical": canonical_view,
    "schemathesis": schemathesis_view,
    "flat": flat_view,
}


def view(name: str) -> dict[str, Any]:
    if name not in VIEWS:
        raise ValueError(f"unknown view {name!r}; expected one of: {', '.join(VIEWS)}")
    return VIEWS[name]()
