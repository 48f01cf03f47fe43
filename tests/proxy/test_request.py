"""The request side read from the wire: the multipart reader, magic bytes, the token's form."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

import fixtures
from proxy._form import MAX_PARTS, FormReader
from proxy._request import auth_problem, read_request
from proxy._sniff import detect, detect_base64


def _body(**named: str) -> tuple[bytes, str]:
    parts = [
        (field, (fixtures.get(name).filename, fixtures.get(name).read_bytes(), "image/jpeg"))
        for field, name in named.items()
    ]
    request = httpx.Request(
        "POST", "http://x", files=parts, data={"unique_id": "u", "frame_sampling_rate": "7"}
    )
    return request.read(), request.headers["content-type"]


@pytest.mark.parametrize("step", [1, 3, 64, 4096, 10**9], ids=lambda s: f"chunks-of-{s}")
def test_the_reader_gives_the_same_parts_whatever_the_chunking(step: int) -> None:
    body, content_type = _body(image="genuine_still", video="genuine_video")
    reader = FormReader(content_type)
    for start in range(0, len(body), step):
        reader.feed(body[start : start + step])
    form = reader.finish()
    assert form.problem is None
    summary = {part.name: part.summary("file") for part in form.parts}
    image = fixtures.get("genuine_still").read_bytes()
    assert summary["image"]["size"] == len(image)
    assert summary["image"]["detected"] == "jpeg"
    assert summary["video"]["detected"] == "mp4"
    assert summary["video"]["content_type"] == "image/jpeg", "the declared type, as sent"
    assert form.fields() == {"unique_id": "u", "frame_sampling_rate": "7"}
    assert all(part.spool is None for part in form.parts), "no media kept unless recording"
    assert all(len(part.head) <= 64 for part in form.parts)


def test_a_body_cut_before_its_closing_boundary_is_malformed() -> None:
    body, content_type = _body(image="genuine_still")
    reader = FormReader(content_type)
    reader.feed(body[: len(body) // 2])
    assert reader.finish().problem == "malformed_multipart"


def test_a_body_that_is_not_multipart_is_noted() -> None:
    reader = FormReader("application/json")
    reader.feed(b"{}")
    assert reader.finish().problem == "not_multipart"


def test_parts_past_the_cap_are_counted_not_kept() -> None:
    body = b"".join(
        b'--b\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nv\r\n' % i for i in range(300)
    )
    reader = FormReader("multipart/form-data; boundary=b")
    reader.feed(body + b"--b--\r\n")
    form = reader.finish()
    assert (len(form.parts), form.unkept_parts) == (MAX_PARTS, 300 - MAX_PARTS)


@pytest.mark.parametrize(
    ("name", "detected"),
    [
        ("genuine_still", "jpeg"),
        ("genuine_still_png", "png"),
        ("genuine_video", "mp4"),
        ("webm_video", "webm"),
        ("text_as_jpeg", "text"),
        ("empty_jpeg", "empty"),
    ],
)
def test_magic_bytes(name: str, detected: str) -> None:
    assert detect(fixtures.get(name).read_bytes()[:64]) == detected


def test_a_base64_still_is_detected_after_decoding() -> None:
    encoded = base64.b64encode(fixtures.get("genuine_still").read_bytes())
    assert detect_base64(encoded[:64]) == "jpeg"
    assert detect_base64(b"not*base64") == "invalid_base64"


def _jwt(header: dict[str, object], claims: dict[str, object], signature: str = "sig") -> str:
    def encode(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{encode(header)}.{encode(claims)}.{signature}"


@pytest.mark.parametrize(
    ("authorization", "check"),
    [
        (None, "AUTH-001"),
        ("Basic dTpw", "AUTH-002"),
        ("Bearer ", "AUTH-003"),
        ("Bearer abc", "AUTH-004"),
        ("Bearer " + _jwt({"alg": "none"}, {}, ""), "AUTH-006"),
        ("Bearer " + _jwt({"alg": "HS256"}, {"exp": 1}), "AUTH-007"),
        ("Bearer " + _jwt({"alg": "HS256"}, {"exp": 4_102_444_800}), None),
    ],
    ids=["missing", "basic", "empty", "not-jwt", "alg-none", "expired", "usable"],
)
def test_the_token_form(authorization: str | None, check: str | None) -> None:
    problem = auth_problem(authorization)
    assert (problem.check if problem else None) == check


def test_problems_come_in_the_contracts_precedence() -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="facematch_threshold"\r\n\r\n2\r\n--b--\r\n'
    )
    reader = FormReader("multipart/form-data; boundary=b")
    reader.feed(body)
    view = read_request("/v2/liveness", {}, reader.finish())
    assert [problem.check for problem in view.problems] == ["AUTH-001", "REQ-001", "TUNE-001"]
    assert view.expected is not None and view.expected.status == 401
    assert view.api == "v2"
