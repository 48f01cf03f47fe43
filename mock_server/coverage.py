"""Contract coverage of a client's traffic: what the requests to this mock exercised.

The universe, what 100 % means, is read from the contract: its operations, each
operation's request branches (the ``oneOf`` of the multipart body) and documented
statuses, the error codes of ``ErrorBody``, the ``Reason`` codes (seen in v2 answers)
and the tuning fields. Scenarios, contract examples and faults used are counted too,
as the mock's own features, outside the percentage; so are statuses outside the
contract (injected faults).

``GET /__mock/coverage`` returns :func:`report` of the counts so far, ``DELETE`` resets
them, ``--coverage-out PATH`` writes the report as JSON to PATH and as Markdown beside it
on shutdown, and ``liveness-kit coverage PATH --fail-under PCT`` gates on it.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import spec

FORMAT: Final = "liveness-kit-coverage/1"
CONTRACT: Final = ("operations", "branches", "statuses", "error_codes", "v2_reasons", "tuning")
MOCK: Final = ("scenarios", "examples", "faults", "other_statuses")


class CoverageError(ValueError):
    """A coverage report that cannot be read."""


@functools.cache
def operation_ids() -> dict[str, str]:
    """The operationId of each API (``v1``, ``v2``), from the contract."""
    document = spec.load_spec()
    return {api: document["paths"][path]["post"]["operationId"] for api, path in spec.PATHS.items()}


@functools.cache
def universe() -> dict[str, tuple[str, ...]]:
    """Every item of each contract category, in the contract's order."""
    operations = operation_ids()
    error_codes = spec.component("ErrorBody")["properties"]["detail"]["properties"]["code"]
    return {
        "operations": tuple(operations.values()),
        "branches": tuple(
            f"{op} {branch}" for op in operations.values() for branch in spec.BRANCHES
        ),
        "statuses": tuple(
            f"{op} {status}"
            for api, op in operations.items()
            for status in sorted(spec.documented_statuses(api))
        ),
        "error_codes": tuple(error_codes["enum"]),
        "v2_reasons": tuple(spec.component("Reason")["enum"]),
        "tuning": tuple(spec.TUNING_FIELDS),
    }


BRANCH_OF_MODE: Final = dict(zip(("image", "video", "image_video"), spec.BRANCHES, strict=True))


class Coverage:
    """Thread-safe counters of what requests exercised."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, Counter[str]] = {name: Counter() for name in (*CONTRACT, *MOCK)}
        self.requests = 0

    def record(
        self,
        *,
        api: str,
        status: int,
        mode: str | None = None,
        code: str | None = None,
        reasons: Iterable[str] = (),
        tuning: Iterable[str] = (),
        scenario: str | None = None,
        faults: Iterable[str] = (),
        injected: bool = False,
    ) -> None:
        operation = operation_ids()[api]
        with self._lock:
            self.requests += 1
            counts = self._counts
            counts["operations"][operation] += 1
            if mode is not None:
                counts["branches"][f"{operation} {BRANCH_OF_MODE[mode]}"] += 1
            item = f"{operation} {status}"
            contract = item in universe()["statuses"] and not injected
            counts["statuses" if contract else "other_statuses"][item] += 1
            if code is not None:
                counts["error_codes"][code] += 1
            if api == "v2":
                counts["v2_reasons"].update(set(reasons))
            counts["tuning"].update(tuning)
            if scenario is not None:
                kind = "examples" if scenario.startswith("example=") else "scenarios"
                counts[kind][scenario.removeprefix("example=")] += 1
            counts["faults"].update(faults)

    def reset(self) -> None:
        with self._lock:
            for counter in self._counts.values():
                counter.clear()
            self.requests = 0

    def report(self) -> dict[str, Any]:
        with self._lock:
            counts = {name: dict(counter) for name, counter in self._counts.items()}
            requests = self.requests
        return report(counts, requests)


def report(counts: Mapping[str, Mapping[str, int]], requests: int) -> dict[str, Any]:
    """The coverage report of ``counts``: per category and overall, against the universe."""
    categories = {}
    covered_total = items_total = 0
    for name, items in universe().items():
        seen = counts.get(name, {})
        row = {item: int(seen.get(item, 0)) for item in items}
        covered = sum(1 for count in row.values() if count > 0)
        covered_total, items_total = covered_total + covered, items_total + len(items)
        categories[name] = {
            "covered": covered,
            "total": len(items),
            "percent": _percent(covered, len(items)),
            "items": row,
        }
        unknown = {item: n for item, n in seen.items() if item not in row}
        if unknown:  # codes outside the contract (e.g. invalid_mock_fault)
            categories[name]["outside_contract"] = unknown
    return {
        "format": FORMAT,
        "requests": requests,
        "percent": _percent(covered_total, items_total),
        "categories": categories,
        "mock": {name: dict(sorted(counts.get(name, {}).items())) for name in MOCK},
    }


def _percent(covered: int, total: int) -> float:
    return round(100.0 * covered / total, 1) if total else 100.0


def read_report(path: Path) -> dict[str, Any]:
    """A report written by ``--coverage-out`` (or saved from ``GET /__mock/coverage``),
    recomputed against this contract's universe."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CoverageError(f"cannot read {path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CoverageError(f"{path} is not a JSON coverage report") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CoverageError(f"{path} is not a coverage report (format {FORMAT} expected)")
    try:
        counts = {
            name: {str(item): int(n) for item, n in category["items"].items()}
            for name, category in data["categories"].items()
        }
        for name, items in data.get("mock", {}).items():
            counts[name] = {str(item): int(n) for item, n in items.items()}
        return report(counts, int(data.get("requests", 0)))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise CoverageError(f"{path}: the report's categories cannot be read") from None


def markdown(data: Mapping[str, Any]) -> str:
    """The report as Markdown: a summary table, then every item not exercised."""
    lines = [
        "# Contract coverage",
        "",
        f"{data['requests']} requests; {data['percent']:g} % of the contract's items exercised.",
        "",
        "| category | covered | total | % |",
        "|---|---|---|---|",
    ]
    for name, category in data["categories"].items():
        lines.append(
            f"| {name} | {category['covered']} | {category['total']} | {category['percent']:g} |"
        )
    missing = [
        f"- {name}: {item}"
        for name, category in data["categories"].items()
        for item, count in category["items"].items()
        if count == 0
    ]
    lines += [
        "",
        "## Not exercised",
        "",
        *(missing or ["- nothing"]),
        "",
        "## Mock features used",
        "",
    ]
    for name, items in data["mock"].items():
        shown = ", ".join(f"{item} ({count})" for item, count in items.items()) or "none"
        lines.append(f"- {name}: {shown}")
    return "\n".join(lines) + "\n"


def write_report(data: Mapping[str, Any], path: Path) -> tuple[Path, Path]:
    """Write ``data`` as JSON to ``path`` and as Markdown to ``path`` with ``.md``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    notes = path.with_suffix(".md")
    notes.write_text(markdown(data), encoding="utf-8")
    return path, notes
