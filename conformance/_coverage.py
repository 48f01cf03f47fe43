"""Contract coverage: which parts of the spec a run exercised, and why the rest were not.

Every list is read from the spec (operations, request branches, documented statuses,
error codes, v2 reason codes, tuning fields); only the reasons a known gap cannot be closed
from outside the server are stated here, in ``GAPS``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import spec
from conformance._models import Exchange

if TYPE_CHECKING:
    from conformance._runner import RunConfig

NOT_DRAWN = "no request of this run drew it"
GAPS = {
    ("statuses", "413"): "needs a body past the server's upload limit, which it does not publish",
    ("error_codes", "payload_too_large"): "needs a body past the server's upload limit",
    ("error_codes", "expired_token"): "AUTH-007 needs --secret to mint a signed expired token",
}


@dataclass(frozen=True, slots=True)
class Dimension:
    """One list of the contract: what the run exercised and what it missed (with why)."""

    name: str
    title: str
    exercised: tuple[str, ...]
    missed: tuple[tuple[str, str], ...]

    @property
    def total(self) -> int:
        return len(self.exercised) + len(self.missed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "exercised": list(self.exercised),
            "missed": [{"item": item, "why": why} for item, why in self.missed],
        }


@dataclass(frozen=True, slots=True)
class Coverage:
    dimensions: tuple[Dimension, ...]

    def as_dict(self) -> dict[str, Any]:
        return {d.name: d.as_dict() for d in self.dimensions}


def operations() -> tuple[str, ...]:
    return tuple(f"POST {path}" for path in spec.PATHS.values())


@functools.cache
def branch_media() -> dict[str, frozenset[str]]:
    """Each request branch of the oneOf and the media parts it requires."""
    return {
        name: frozenset(spec.component(name).get("required", ())) & set(spec.MEDIA_FIELDS)
        for name in spec.BRANCHES
    }


def statuses() -> tuple[str, ...]:
    return tuple(
        f"{api} {code}" for api in spec.PATHS for code in sorted(spec.documented_statuses(api))
    )


def error_codes() -> tuple[str, ...]:
    detail = spec.component("ErrorBody")["properties"]["detail"]
    return tuple(detail["properties"]["code"]["enum"])


def reason_codes() -> tuple[str, ...]:
    return tuple(spec.component("Reason")["enum"])


def _reasons(body: Any) -> Iterator[str]:
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "reasons" and isinstance(value, list):
                yield from (item for item in value if isinstance(item, str))
            else:
                yield from _reasons(value)


def _why(name: str, item: str, config: RunConfig | None, apis: tuple[str, ...]) -> str:
    api = item.split(" ", 1)[0] if name == "statuses" else None
    if name == "operations":
        api = next((a for a, path in spec.PATHS.items() if item.endswith(" " + path)), None)
    if api is not None and api not in apis:
        return f"not selected (--api {'/'.join(apis)})"
    if name == "error_codes" and item == "expired_token" and config and config.secret:
        return NOT_DRAWN
    if name == "reason_codes" and not (config and config.expect_verdicts):
        return "model-dependent: drawn by the labelled fixtures with --expect-verdicts"
    return GAPS.get((name, item.split(" ")[-1] if name == "statuses" else item), NOT_DRAWN)


def measure(
    exchanges: Iterable[Exchange],
    fuzz: Iterable[Exchange] = (),
    config: RunConfig | None = None,
) -> Coverage:
    """What ``exchanges`` (the checks' and the fuzz phase's) exercised of the contract."""
    seen: dict[str, set[str]] = {
        key: set() for key in ("operations", "branches", "statuses", "error_codes")
    }
    seen["reason_codes"], seen["tuning_fields"] = set(), set()
    paths = {path: api for api, path in spec.PATHS.items()}
    for exchange in [*exchanges, *fuzz]:
        request, response = exchange.request, exchange.response
        api = paths.get(request.path)
        if api is None:
            continue
        seen["operations"].add(f"{request.method} {request.path}")
        seen["statuses"].add(f"{api} {response.status}")
        names = request.part_names()
        seen["tuning_fields"].update(names & set(spec.TUNING_FIELDS))
        body = response.json_or_none()
        if response.status == 200:
            media = names & set(spec.MEDIA_FIELDS)
            seen["branches"].update(b for b, need in branch_media().items() if need == media)
            if api == "v2":
                seen["reason_codes"].update(_reasons(body))
        elif isinstance(body, dict) and isinstance(body.get("detail"), dict):
            code = body["detail"].get("code")
            if isinstance(code, str):
                seen["error_codes"].add(code)
    apis = config.apis if config is not None else tuple(spec.PATHS)
    lists = (
        ("operations", "Operations", operations()),
        ("branches", "Request branches (oneOf)", spec.BRANCHES),
        ("statuses", "Documented statuses", statuses()),
        ("error_codes", "Error codes", error_codes()),
        ("reason_codes", "v2 reason codes", reason_codes()),
        ("tuning_fields", "Tuning fields", spec.TUNING_FIELDS),
    )
    return Coverage(
        tuple(
            Dimension(
                name,
                title,
                tuple(item for item in items if item in seen[name]),
                tuple(
                    (item, _why(name, item, config, apis))
                    for item in items
                    if item not in seen[name]
                ),
            )
            for name, title, items in lists
        )
    )
