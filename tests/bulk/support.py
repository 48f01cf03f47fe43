"""Helpers of the bulk tests: input archives, a scriptable fake API, and flaky transports."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
JPEG = b"\xff\xd8\xff\xe0" + b"jpeg-bytes" * 10
PNG = b"\x89PNG\r\n\x1a\n" + b"png-bytes" * 10
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"mp4-bytes" * 10


def entry(name: str, *, mode: int = 0o100644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.create_system = 3
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def make_zip(members: Iterable[tuple[str | zipfile.ZipInfo, bytes | str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = entry(name) if isinstance(name, str) else name
            archive.writestr(info, data)
    return buffer.getvalue()


def params(**values: Any) -> str:
    return json.dumps(values)


def sample_zip() -> bytes:
    """Five cases, folders and params included, named so that the fake API knows their fate."""
    return make_zip(
        [
            ("real_alice_image.jpg", JPEG),
            ("batch1/fake_bob_video.mp4", MP4),
            ("batch1/real_carol_image.png", PNG),
            ("batch1/real_carol_video.mp4", MP4),
            ("batch1/real_carol_params.json", params(frame_sampling_rate="5", unique_id="c-1")),
            ("bad_dave_image.jpg", b"not an image"),
            ("real_erin_image.jpg", JPEG),
        ]
    )


@dataclass
class FakeApi:
    """A liveness API stand-in whose answer depends on the case name (the file-name stem).

    ``plan`` maps a case name to what its first attempts get, in order: an HTTP status
    (503, 429, ...), "drop" (the connection is cut), or "slow" (no answer for a while).
    Later attempts get the normal answer: 400 for cases named bad_*, else a 200 whose
    verdict is "real" for real_* cases and "fake" otherwise.
    """

    plan: dict[str, list[int | str]] = field(default_factory=dict)
    slow_seconds: float = 5.0
    attempts: Counter[str] = field(default_factory=Counter)
    forms: dict[str, dict[str, str]] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0

    def app(self) -> Starlette:
        routes = [
            Route("/liveness", self._v1, methods=["POST"]),
            Route("/v2/liveness", self._v2, methods=["POST"]),
        ]
        return Starlette(routes=routes)

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        transport = DroppingTransport(httpx.ASGITransport(app=self.app()), self)
        return httpx.AsyncClient(transport=transport, base_url="http://fake.test", **kwargs)

    def step(self, case: str) -> int | str | None:
        """What this attempt of ``case`` gets (None: the normal answer); counts the attempt."""
        self.attempts[case] += 1
        steps = self.plan.get(case, [])
        index = self.attempts[case] - 1
        return steps[index] if index < len(steps) else None

    async def _v1(self, request: Request) -> Response:
        return await self._answer(request, "v1")

    async def _v2(self, request: Request) -> Response:
        return await self._answer(request, "v2")

    async def _answer(self, request: Request, api: str) -> Response:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            form = await request.form()
            fields = {key: _describe(value) for key, value in form.multi_items()}
            case = case_of(fields)
            step = request.headers.get("x-step")
            if step == "slow":
                await asyncio.sleep(self.slow_seconds)
            elif step is not None and step.isdigit():
                headers = {"Retry-After": "0"} if step == "429" else {}
                return JSONResponse({"message": f"try again ({step})"}, int(step), headers)
            self.forms[case] = fields
            await asyncio.sleep(0.001)
            return JSONResponse(*_normal_answer(case, api, fields))
        finally:
            self.in_flight -= 1


class DroppingTransport(httpx.AsyncBaseTransport):
    """Routes to the fake API, cutting the connection or tagging the attempt as its plan says."""

    def __init__(self, inner: httpx.AsyncBaseTransport, api: FakeApi) -> None:
        self.inner = inner
        self.api = api

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST":
            return httpx.Response(404, json={"message": "not found"})
        body = await request.aread()
        case = case_of_body(body)
        step = self.api.step(case)
        if step == "drop":
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        if step is not None:
            request.headers["x-step"] = str(step)
        return await self.inner.handle_async_request(request)


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return value
    return f"file {value.filename} {value.content_type}"


def case_of(fields: Mapping[str, str]) -> str:
    for name in ("image", "video"):
        value = fields.get(name, "")
        if value.startswith("file "):
            return value.split()[1].rsplit("_", 1)[0]
    return fields.get("unique_id", "unknown")


def case_of_body(body: bytes) -> str:
    marker = b'filename="'
    start = body.find(marker)
    if start < 0:
        return "unknown"
    end = body.index(b'"', start + len(marker))
    return body[start + len(marker) : end].decode().rsplit("_", 1)[0]


def _normal_answer(case: str, api: str, fields: Mapping[str, str]) -> tuple[dict[str, Any], int]:
    if case.startswith("bad_"):
        body = {"detail": {"code": "corrupt_image", "part": "image"}, "message": "image: corrupt"}
        return body, 400
    real = case.startswith("real_")
    both = "image" in fields and "video" in fields
    result = "real" if real else "fake"
    confidence = 0.93 if real else 0.12
    if api == "v1":
        return {
            "result": result,
            "confidence": confidence,
            "facematch_result": "True" if both and real else "False",
            "overall_result": "True" if real else "False",
            "overall_confidence": confidence,
        }, 200
    facematch = {"passed": real} if both else None
    return {
        "image": None,
        "video": None,
        "image_video_facematch": facematch,
        "overall": {
            "result": result,
            "confidence": confidence,
            "passed": real,
            "overall_confidence": confidence,
            "unique_id": fields.get("unique_id"),
        },
    }, 200


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def without_durations(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The archive's files with the duration_ms column of summary.csv emptied."""
    reader = csv.DictReader(io.StringIO(files["summary.csv"].decode()))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(reader.fieldnames or []), lineterminator="\n")
    writer.writeheader()
    for row in reader:
        writer.writerow({**row, "duration_ms": ""})
    return {**files, "summary.csv": buffer.getvalue().encode()}
