"""Replay a recording against another implementation and list what changed.

Each recorded request is rebuilt (its media from the recording's content-addressed
store: a recording made without ``--record-media`` cannot be replayed) and sent; the new
answer is compared with the recorded one (status, verdicts) and checked with the same
rules as the proxy's. A status change or a violation is a contract break.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

import spec
from proxy._errors import ProxyError, UpstreamUnavailable
from proxy._form import FormReader
from proxy._model import Violation
from proxy._record import MASK, MEDIA_DIR, recordings
from proxy._request import read_request
from proxy._response import Memory, check_response

VERDICT_FIELDS = ("result", "image_result", "facematch_result", "overall_result")


@dataclass
class Outcome:
    """What replaying one recorded exchange gave."""

    index: int
    location: str
    recorded_status: int
    status: int | None = None
    violations: list[Violation] = field(default_factory=list)
    verdicts: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    skipped: str | None = None

    @property
    def status_changed(self) -> bool:
        return self.status is not None and self.status != self.recorded_status

    @property
    def breaks(self) -> bool:
        return self.status_changed or bool(self.violations)

    def lines(self) -> Iterator[str]:
        head = f"#{self.index} {self.location}"
        if self.skipped:
            yield f"{head}: skipped, {self.skipped}"
            return
        if self.status_changed:
            yield f"{head}: status {self.recorded_status} -> {self.status}"
        for violation in self.violations:
            yield f"{head}: {violation.check} {violation.message}"
        for name, (before, after) in self.verdicts.items():
            yield f"{head}: verdict {name} {before!r} -> {after!r}"


@dataclass
class ReplayResult:
    outcomes: list[Outcome]

    @property
    def breaks(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.breaks]

    def summary(self) -> dict[str, int]:
        return {
            "exchanges": len(self.outcomes),
            "replayed": sum(1 for o in self.outcomes if o.skipped is None),
            "skipped": sum(1 for o in self.outcomes if o.skipped is not None),
            "status_changes": sum(1 for o in self.outcomes if o.status_changed),
            "violations": sum(1 for o in self.outcomes if o.violations),
            "verdict_changes": sum(1 for o in self.outcomes if o.verdicts),
            "contract_breaks": len(self.breaks),
        }

    @property
    def exit_code(self) -> int:
        return 1 if self.breaks else 0

    def text(self) -> str:
        lines = [line for outcome in self.outcomes for line in outcome.lines()]
        counts = self.summary()
        lines.append(", ".join(f"{name.replace('_', ' ')} {n}" for name, n in counts.items()))
        return "\n".join(lines) + "\n"


def _entries(path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    files = recordings(path)
    if not files or not all(file.is_file() for file in files):
        raise ProxyError(f"{path}: no recording (exchanges-*.jsonl) found")
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                entry["request"]["parts"], entry["response"]["status"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ProxyError(f"{file}:{number}: not a recorded exchange") from exc
            yield file.parent, entry


def _body(directory: Path, entry: dict[str, Any]) -> tuple[bytes, str] | str:
    """The multipart body and its content type, or why it cannot be rebuilt."""
    chunks = []
    boundary = "replay-" + hashlib.sha256(json.dumps(entry["request"]).encode()).hexdigest()[:24]
    for part in entry["request"]["parts"]:
        if part["name"] in spec.MEDIA_FIELDS:
            stored = directory / MEDIA_DIR / part["sha256"]
            if not stored.is_file():
                return f"the {part['name']} was not recorded (record with --record-media)"
            content = stored.read_bytes()
        else:
            content = str(part.get("value", "")).encode("utf-8")
        disposition = f'form-data; name="{part["name"]}"'
        if part.get("filename") is not None:
            disposition += f'; filename="{part["filename"]}"'
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        if part.get("content_type"):
            head += f"Content-Type: {part['content_type']}\r\n"
        chunks.append(head.encode("utf-8") + b"\r\n" + content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _verdicts(api: str, status: int, text: str) -> dict[str, Any]:
    if status != 200:
        return {}
    try:
        body = json.loads(text)
        flat = spec.v1_from_v2(body) if api == "v2" else body
        return {name: flat.get(name) for name in VERDICT_FIELDS}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


async def _replay_one(
    http: httpx.AsyncClient,
    index: int,
    directory: Path,
    entry: dict[str, Any],
    token: str | None,
    memory: Memory,
) -> Outcome:
    path = entry["path"]
    recorded = entry["response"]
    outcome = Outcome(index, f"{entry['method']} {path}", int(recorded["status"]))
    built = _body(directory, entry)
    if isinstance(built, str):
        outcome.skipped = built
        return outcome
    content, content_type = built
    headers = dict(entry["request"].get("headers", {}))
    if headers.get("authorization") == MASK:
        if token is None:
            outcome.skipped = "the request was authenticated: pass --token"
            return outcome
        headers["authorization"] = f"Bearer {token}"
    headers["content-type"] = content_type
    try:
        response = await http.post(path, content=content, headers=headers)
    except httpx.HTTPError as exc:
        raise UpstreamUnavailable(f"{type(exc).__name__}: {exc}") from exc
    outcome.status = response.status_code
    reader = FormReader(content_type)
    reader.feed(content)
    form = reader.finish()
    view = read_request(path, {k.lower(): v for k, v in headers.items()}, form)
    answer_headers = {k.lower(): v for k, v in response.headers.items()}
    outcome.violations = check_response(
        path, view, response.status_code, answer_headers, response.content, memory
    )
    before = _verdicts(view.api, outcome.recorded_status, recorded.get("body", ""))
    after = _verdicts(view.api, response.status_code, response.text)
    outcome.verdicts = {
        name: (before.get(name), after.get(name))
        for name in VERDICT_FIELDS
        if before and after and before.get(name) != after.get(name)
    }
    return outcome


async def replay(
    recording: Path,
    base_url: str,
    *,
    token: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = 120.0,
) -> ReplayResult:
    """Re-send every exchange of ``recording`` (a JSONL file or a recording directory)."""
    entries = list(_entries(recording))
    memory = Memory()
    outcomes = []
    async with httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout) as http:
        for index, (directory, entry) in enumerate(entries, 1):
            outcomes.append(await _replay_one(http, index, directory, entry, token, memory))
    return ReplayResult(outcomes)
