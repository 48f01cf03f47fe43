"""``GET /__mock/scenarios``: every outcome scenario, contract example and fault, with
its description and how to select it, read from where each is defined (the scenarios
module, the contract's examples, the faults module)."""

from __future__ import annotations

import functools
from typing import Any, Final

import spec
from mock_server import faults, scenarios

NOTE: Final = (
    "Mock administration, outside the liveness API contract: outcome scenarios, contract "
    "examples and injected faults this mock offers, and how to select each."
)


@functools.cache
def catalogue() -> dict[str, Any]:
    return {
        "note": NOTE,
        "scenarios": [_scenario(name) for name in scenarios.SCENARIOS],
        "examples": _examples(),
        "faults": [_fault(kind, *faults.KINDS[kind]) for kind in faults.KINDS],
    }


def _scenario(name: str) -> dict[str, Any]:
    description, modes = scenarios.DESCRIPTIONS[name]
    return {
        "name": name,
        "description": description,
        "modes": list(modes),
        "select": {
            "header": f"X-Mock-Scenario: {name}",
            "unique_id": f"{scenarios.MAGIC_PREFIX}{name}",
        },
        "applied_header": f"{scenarios.APPLIED_HEADER}: {name}",
    }


def _examples() -> list[dict[str, Any]]:
    document = spec.load_spec()
    found = []
    for api, path in spec.PATHS.items():
        for status, response in document["paths"][path]["post"]["responses"].items():
            resolved = spec.resolve(response)
            content = resolved.get("content", {}).get("application/json", {})
            for name, example in content.get("examples", {}).items():
                found.append(
                    {
                        "api": api,
                        "path": path,
                        "status": int(status),
                        "name": name,
                        "description": spec.resolve(example).get("summary", ""),
                        "select": {"header": f"Prefer: code={status}, example={name}"},
                        "applied_header": f"{scenarios.APPLIED_HEADER}: example={name}",
                    }
                )
    return found


def _fault(kind: str, example: str, description: str) -> dict[str, Any]:
    rule = example.replace("; ", ";").split(";")[0]
    return {
        "name": kind,
        "description": description,
        "select": {
            "header": f"X-Mock-Fault: {example}",
            "server": f"--fault {rule}:p=0.05 --fault-seed 1",
        },
        "applied_header": f"{faults.APPLIED_HEADER}: {example}",
    }
