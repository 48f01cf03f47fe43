from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

import yaml

SPEC_FILENAME = "openapi.yaml"
PATHS = {"v1": "/liveness", "v2": "/v2/liveness"}
TUNING_FIELDS = (
    "enhanced_detection",
    "frame_sampling_rate",
    "max_frames_to_analyze",
    "facematch_frames",
    "facematch_threshold",
    "image_type",
    "unique_id",
)
MEDIA_FIELDS = ("image", "video")
BRANCHES = ("ImageOnlyRequest", "VideoOnlyRequest", "ImageAndVideoRequest")


def spec_text() -> str:
    """The canonical document, exactly as shipped."""
    return resources.files("spec").joinpath(SPEC_FILENAME).read_text(encoding="utf-8")


@functools.cache
def _parsed() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(spec_text())
    return document


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``node`` with its local ``$ref`` chain followed through the canonical
    document (safe to mutate)."""
    while "$ref" in node:
        target: Any = _parsed()
        for key in node["$ref"].removeprefix("#/").split("/"):
            target = target[key]
        node = target
    return copy.deepcopy(node)


def load_spec() -> dict[str, Any]:
    """A fresh deep copy of the canonical document (safe to mutate)."""
    return copy.deepcopy(_parsed())


def spec_json(*, indent: int | None = 2) -> str:
    return json.dumps(_parsed(), indent=indent, ensure_ascii=False)


def component(name: str) -> dict[str, Any]:
    schemas: dict[str, Any] = _parsed()["components"]["schemas"]
    if name not in schemas:
        raise KeyError(f"no schema named {name!r}; known: {', '.join(sorted(schemas))}")
    return copy.deepcopy(schemas[name])


def invariants() -> list[dict[str, str]]:
    return copy.deepcopy(_parsed()["x-invariants"])


def v1_from_v2_mapping() -> dict[str, str]:
    return dict(_parsed()["x-v1-from-v2"])
