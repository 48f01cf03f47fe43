from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from spec._document import BRANCHES, TUNING_FIELDS, _parsed


@dataclass(frozen=True, slots=True)
class TuningField:
    """One optional tuning string of the request, as the contract defines it."""

    name: str
    default: str | None
    pattern: str | None
    enum: tuple[str, ...] | None
    minimum: float | None
    maximum: float | None
    max_length: int | None
    description: str

    def problem(self, value: str) -> str | None:
        """Why ``value`` is not acceptable, or None when it is."""
        if self.enum is not None and value not in self.enum:
            allowed = ", ".join(f'"{v}"' for v in self.enum)
            return f"must be one of {allowed}, got {_show(value)}"
        if self.pattern is not None and re.fullmatch(self.pattern, value) is None:
            return f"{self.expected}, got {_show(value)}"
        if self.max_length is not None and len(value) > self.max_length:
            return f"must be at most {self.max_length} characters, got {len(value)}"
        return None

    @property
    def expected(self) -> str:
        if self.minimum is None or self.maximum is None:
            return f"must match {self.pattern}"
        if self.name == "facematch_threshold":
            return f"must be a decimal from {self.minimum:g} to {self.maximum:g}"
        return f"must be a whole number from {self.minimum:g} to {self.maximum:g}"


def _show(value: str) -> str:
    shown = value if len(value) <= 40 else value[:37] + "..."
    return '"' + shown.replace('"', '\\"') + '"'


def _field(name: str, schema: dict[str, Any]) -> TuningField:
    enum = schema.get("enum")
    return TuningField(
        name=name,
        default=schema.get("default"),
        pattern=schema.get("pattern"),
        enum=tuple(enum) if enum is not None else None,
        minimum=schema.get("x-minimum"),
        maximum=schema.get("x-maximum"),
        max_length=schema.get("maxLength"),
        description=" ".join(schema.get("description", "").split()),
    )


def tuning_fields() -> dict[str, TuningField]:
    """The seven tuning fields, keyed by name, read from the canonical document."""
    return dict(_read_fields())


@functools.cache
def _read_fields() -> dict[str, TuningField]:
    schemas = _parsed()["components"]["schemas"]
    properties = schemas[BRANCHES[0]]["properties"]
    fields = {}
    for name in TUNING_FIELDS:
        ref = properties[name]["$ref"].rsplit("/", 1)[-1]
        fields[name] = _field(name, schemas[ref])
    return fields
