"""Request handling: multipart framing, limits, fields, media presence, precedence."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import spec
from mock_server import app as app_module
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import (
    BOUNDARY,
    error_problems,
    form,
    jpeg,
    mp4,
    multipart,
    part,
    png,
)

FORM_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def post(
    client: Client,
    auth: dict[str, str],
    body: bytes | Iterator[bytes],
    content_type: str | None = FORM_TYPE,
    path: str = "/liveness",
    **headers: str,
) -> Any:
    sent = dict(auth)
    if content_type is not None:
        sent["Content-Type"] = content_type
    sent.update(headers)
    return client.post(path, content=body, headers=sent)


def expect_error(response: Any, status: int, code: str, path: str = "/liveness") -> dict[str, Any]:
    api = "v1" if path == "/liveness" else "v2"
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert error_problems(api, status, body, code) == []
    return body


IMAGE_PART = part("image", jpeg(), filename="a.jpg")

MALFORMED = [
    pytest.param(multipart([IMAGE_PART]), "multipart/form-data", id="no-boundary"),
    pytest.param(multipart([IMAGE_PART]), "multipart/form-data; boundary=", id="empty-boundary"),
    pytest.param(
        multipart([IMAGE_PART]), "multipart/form-data; boundary=" + "b" * 71, id="long-boundary"
    ),
    pytest.param(
        multipart([IMAGE_PART]), "multipart/form-data; boundary=another", id="wrong-boundary"
    ),
    pytest.param(multipart([IMAGE_PART])[:-40], FORM_TYPE, id="truncated-body"),
    pytest.param(multipart([IMAGE_PART], close=False), FORM_TYPE, id="no-closing-boundary"),
    pytest.param(b"", FORM_TYPE, id="empty-body"),
    pytest.param(multipart([part(None, "x"), IMAGE_PART]), FORM_TYPE, id="part-without-name"),
    pytest.param(
        multipart([b"Content-Type: text/plain\r\n\r\nx", IMAGE_PART]),
        FORM_TYPE,
        id="part-without-disposition",
    ),
    pytest.param(
        multipart(
            [
                IMAGE_PART,
                part(
                    "video",
                    multipart([part("inner", "x")], boundary="inner"),
                    content_type="multipart/mixed; boundary=inner",
                ),
            ]
        ),
        FORM_TYPE,
        id="nested-multipart",
    ),
    pytest.param(
        b"--" + BOUNDARY.encode() + b"\r\nthis is not a header line\r\n\r\nx\r\n",
        FORM_TYPE,
        id="garbage-header",
    ),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
def test_malformed_multipart_is_400(
    client: Client, auth: dict[str, str], body: bytes, content_type: str
) -> None:
    expect_error(post(client, auth, body, content_type), 400, "malformed_multipart")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param("application/json", b'{"image": "abc"}', id="json-body"),
        pytest.param("application/x-www-form-urlencoded", b"image=abc", id="urlencoded"),
        pytest.param("text/plain", b"hello", id="text"),
        pytest.param(None, b"", id="no-content-type"),
        pytest.param("multipart/mixed; boundary=x", b"--x--\r\n", id="multipart-mixed"),
    ],
)
def test_a_body_that_is_not_form_data_is_400(
    client: Client, auth: dict[str, str], content_type: str | None, body: bytes
) -> None:
    expect_error(post(client, auth, body, content_type), 400, "not_multipart")


def test_no_media_is_400_missing_media(client: Client, auth: dict[str, str]) -> None:
    body, content_type = form(fields={"unique_id": "x"})
    expect_error(post(client, auth, body, content_type), 400, "missing_media")


def test_missing_media_comes_before_invalid_tuning(client: Client, auth: dict[str, str]) -> None:
    body, content_type = form(fields={"frame_sampling_rate": "0", "bogus": "1"})
    expect_error(post(client, auth, body, content_type), 400, "missing_media")


@pytest.mark.parametrize("name", ["image", "video", "unique_id", "frame_sampling_rate"])
def test_duplicate_part_is_400(client: Client, auth: dict[str, str], name: str) -> None:
    value = {"image": jpeg(), "video": mp4()}.get(name, b"5")
    parts = [part(name, value), part(name, value)]
    if name not in spec.MEDIA_FIELDS:
        parts.append(IMAGE_PART)
    body = expect_error(post(client, auth, multipart(parts)), 400, "duplicate_part")
    assert body["detail"]["part"] == name


def test_malformed_wins_over_duplicate(client: Client, auth: dict[str, str]) -> None:
    body = multipart([IMAGE_PART, IMAGE_PART])[:-30]
    expect_error(post(client, auth, body), 400, "malformed_multipart")


# --- limits -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limits", "parts", "where"),
    [
        pytest.param({"max_image_bytes": 100}, [IMAGE_PART], "image", id="image-part"),
        pytest.param({"max_video_bytes": 100}, [part("video", mp4())], "video", id="video-part"),
        pytest.param(
            {"max_field_bytes": 10},
            [IMAGE_PART, part("unique_id", "x" * 11)],
            "unique_id",
            id="text-field",
        ),
        pytest.param({"max_body_bytes": 1000}, [IMAGE_PART], None, id="whole-body"),
    ],
)
def test_oversized_parts_get_413(
    make_client: Any,
    auth: dict[str, str],
    limits: dict[str, int],
    parts: list[bytes],
    where: str | None,
) -> None:
    client = make_client(**limits)
    body = expect_error(post(client, auth, multipart(parts)), 413, "payload_too_large")
    assert body["detail"].get("part") == where
    assert body["detail"]["limit"] == next(iter(limits.values()))


def test_413_is_decided_by_content_length_before_reading(
    make_client: Any, auth: dict[str, str]
) -> None:
    client = make_client(max_body_bytes=1000)
    read: list[int] = []

    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            read.append(1)
            yield b"x" * 1000

    response = post(client, auth, chunks(), "application/json", **{"Content-Length": "100000"})
    expect_error(response, 413, "payload_too_large")


def test_a_streamed_body_over_the_limit_is_413_without_content_length(
    make_client: Any, auth: dict[str, str]
) -> None:
    client = make_client(max_body_bytes=5000)

    def chunks() -> Iterator[bytes]:
        yield multipart([IMAGE_PART], close=False)
        for _ in range(100):
            yield b"y" * 1000

    expect_error(post(client, auth, chunks()), 413, "payload_too_large")


def test_413_wins_over_malformed_and_not_multipart(make_client: Any, auth: dict[str, str]) -> None:
    client = make_client(max_body_bytes=2000)

    def garbage() -> Iterator[bytes]:
        for _ in range(10):
            yield b"z" * 1000

    expect_error(post(client, auth, garbage(), "text/plain"), 413, "payload_too_large")
    expect_error(post(client, auth, garbage()), 413, "payload_too_large")


def test_413_wins_over_an_earlier_duplicate(make_client: Any, auth: dict[str, str]) -> None:
    client = make_client(max_video_bytes=100)
    parts = [IMAGE_PART, IMAGE_PART, part("video", mp4())]
    expect_error(post(client, auth, multipart(parts)), 413, "payload_too_large")


def test_ten_thousand_fields_get_413(client: Client, auth: dict[str, str]) -> None:
    parts = [part(f"f{index}", "1") for index in range(10_000)]
    body = expect_error(
        post(client, auth, multipart([IMAGE_PART, *parts])), 413, "payload_too_large"
    )
    assert body["detail"]["limit"] == 32


def test_one_megabyte_part_header_gets_413(client: Client, auth: dict[str, str]) -> None:
    huge = part("image", jpeg(), extra_headers=["X-Padding: " + "p" * 1_000_000])
    body = expect_error(post(client, auth, multipart([huge])), 413, "payload_too_large")
    assert body["detail"]["limit"] == 8192


# --- fields -----------------------------------------------------------------------------

INVALID_VALUES = {
    "enhanced_detection": ["yes", "TRUE", "1", ""],
    "frame_sampling_rate": ["0", "1000", "-1", "+5", "05", "1.5", "abc", "", " 5"],
    "max_frames_to_analyze": ["0", "1000", "twenty", ""],
    "facematch_frames": ["0", "100", "3.0", ""],
    "facematch_threshold": ["1.5", "-0.1", "0.12345", "1.1", "abc", "", "1e-1"],
    "image_type": ["url", "FILE", ""],
    "unique_id": ["x" * 129],
}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param(name, value, id=f"{name}={value[:12]!r}")
        for name, values in INVALID_VALUES.items()
        for value in values
    ],
)
def test_each_invalid_tuning_value_is_422_naming_the_field(
    client: Client, auth: dict[str, str], name: str, value: str
) -> None:
    body, content_type = form(image=jpeg(), fields={name: value})
    response = post(client, auth, body, content_type)
    assert response.status_code == 422
    payload = response.json()
    assert spec.response_errors("v1", 422, payload) == []
    assert list(payload["detail"]["body"]) == [name]
    assert payload["detail"]["body"][name][0] == spec.tuning_fields()[name].problem(value)


def test_every_invalid_field_is_reported_at_once(client: Client, auth: dict[str, str]) -> None:
    fields = {"frame_sampling_rate": "0", "facematch_threshold": "1.5", "colour": "blue"}
    body, content_type = form(video=mp4(), fields=fields)
    response = post(client, auth, body, content_type, path="/v2/liveness")
    assert response.status_code == 422
    payload = response.json()
    assert spec.response_errors("v2", 422, payload) == []
    assert sorted(payload["detail"]["body"]) == sorted(fields)
    assert payload["message"] == "Invalid fields: colour, facematch_threshold, frame_sampling_rate"


def test_only_tuning_problems_say_tuning_values(client: Client, auth: dict[str, str]) -> None:
    fields = {"frame_sampling_rate": "0", "facematch_threshold": "1.5"}
    body, content_type = form(image=jpeg(), fields=fields)
    payload = post(client, auth, body, content_type).json()
    assert payload["message"] == "Invalid tuning values: facematch_threshold, frame_sampling_rate"


def test_unknown_field_is_422(client: Client, auth: dict[str, str]) -> None:
    body, content_type = form(image=jpeg(), fields={"Image": "x"})
    response = post(client, auth, body, content_type)
    assert response.status_code == 422
    assert list(response.json()["detail"]["body"]) == ["Image"]


@pytest.mark.parametrize("name", ["café", "名前", "\U0002546c", "a b", "x\\y"])
def test_utf8_field_names_are_unknown_fields(
    client: Client, auth: dict[str, str], name: str
) -> None:
    body = multipart([IMAGE_PART, part(name, "1", filename="fïlé 🎞.bin")])
    response = post(client, auth, body)
    assert response.status_code == 422, response.text
    assert list(response.json()["detail"]["body"]) == [name]


def test_utf8_filenames_are_accepted(client: Client, auth: dict[str, str]) -> None:
    body = multipart([part("image", jpeg(), filename="sélfie 📷.jpg")])
    assert post(client, auth, body).status_code == 200


def test_a_tuning_value_that_is_not_utf8_is_422(client: Client, auth: dict[str, str]) -> None:
    body = multipart([IMAGE_PART, part("unique_id", b"\xff\xfe")])
    assert post(client, auth, body).status_code == 422


def test_422_comes_before_bad_media(client: Client, auth: dict[str, str]) -> None:
    body, content_type = form(image=b"not an image", fields={"facematch_frames": "0"})
    assert post(client, auth, body, content_type).status_code == 422


@pytest.mark.parametrize(
    "fields",
    [
        {"enhanced_detection": "true", "frame_sampling_rate": "999", "max_frames_to_analyze": "1"},
        {"facematch_frames": "99", "facematch_threshold": ".5", "image_type": "file"},
        {"facematch_threshold": "1.0000", "unique_id": ""},
        {"facematch_threshold": "0", "unique_id": "é" * 128},
    ],
)
def test_valid_tuning_values_are_accepted(
    client: Client, auth: dict[str, str], fields: dict[str, str]
) -> None:
    body, content_type = form(image=jpeg(), fields=fields)
    assert post(client, auth, body, content_type).status_code == 200


# --- media --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        pytest.param("image", b"", "empty_file", id="empty-image"),
        pytest.param("image", b"GIF89a" + bytes(100), "unsupported_image_format", id="gif"),
        pytest.param("image", mp4(), "unsupported_image_format", id="video-as-image"),
        pytest.param("image", jpeg()[:200], "corrupt_image", id="truncated-jpeg"),
        pytest.param("video", b"", "empty_file", id="empty-video"),
        pytest.param("video", jpeg(), "unsupported_video_format", id="image-as-video"),
        pytest.param("video", b"\x1aE\xdf\xa3" + bytes(100), "unsupported_video_format", id="webm"),
        pytest.param("video", mp4()[:300], "corrupt_video", id="truncated-mp4"),
    ],
)
def test_unusable_media_is_400_with_its_code(
    client: Client, auth: dict[str, str], name: str, data: bytes, code: str
) -> None:
    body = expect_error(post(client, auth, multipart([part(name, data)])), 400, code)
    assert body["detail"]["part"] == name


def test_media_is_recognised_by_content_not_name_or_type(
    client: Client, auth: dict[str, str]
) -> None:
    parts = [
        part("image", png(), filename="clip.mp4", content_type="video/mp4"),
        part("video", mp4(), filename="photo.jpg", content_type="image/jpeg"),
    ]
    assert post(client, auth, multipart(parts)).status_code == 200
    plain = [part("image", jpeg())]  # a plain field, no filename, no type
    assert post(client, auth, multipart(plain)).status_code == 200


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda b: base64.b64encode(b).decode(), id="padded"),
        pytest.param(lambda b: base64.b64encode(b).decode().rstrip("="), id="unpadded"),
        pytest.param(
            lambda b: "\n".join(base64.encodebytes(b).decode().split()), id="with-newlines"
        ),
        pytest.param(lambda b: " " + base64.b64encode(b).decode() + " \r\n", id="surrounded"),
    ],
)
def test_base64_image(client: Client, auth: dict[str, str], encode: Any) -> None:
    data = jpeg(24, 24, 7) if True else b""
    body, content_type = form(fields={"image_type": "base64", "image": encode(data)})
    direct, direct_type = form(image=data)
    response = post(client, auth, body, content_type, path="/v2/liveness")
    assert response.status_code == 200, response.text
    assert response.json()["overall"]["tuning"]["image_type"] == "base64"
    reference = post(client, auth, direct, direct_type, path="/v2/liveness").json()
    assert response.json()["image"] == reference["image"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("not base64!", "invalid_base64", id="bad-characters"),
        pytest.param("QUJD-_", "invalid_base64", id="url-safe-alphabet"),
        pytest.param("QUJDR", "invalid_base64", id="impossible-length"),
        pytest.param("QU=JD", "invalid_base64", id="padding-inside"),
        pytest.param("QUJD===", "invalid_base64", id="too-much-padding"),
        pytest.param("  \n ", "empty_file", id="only-whitespace"),
        pytest.param(
            base64.b64encode(b"plain text").decode(), "unsupported_image_format", id="not-an-image"
        ),
    ],
)
def test_bad_base64_image_is_400(
    client: Client, auth: dict[str, str], text: str, code: str
) -> None:
    body, content_type = form(fields={"image_type": "base64", "image": text})
    expect_error(post(client, auth, body, content_type), 400, code)


def test_base64_declared_but_bytes_sent_is_400(client: Client, auth: dict[str, str]) -> None:
    body, content_type = form(image=jpeg(), fields={"image_type": "base64"})
    expect_error(post(client, auth, body, content_type), 400, "invalid_base64")


# --- routes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/liveness", 405),
        ("PUT", "/v2/liveness", 405),
        ("GET", "/", 404),
        ("POST", "/v3/liveness", 404),
        ("POST", "/liveness/", 404),
    ],
)
def test_other_routes_answer_json(client: Client, method: str, path: str, status: int) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"detail", "message"}


def test_stills_do_not_wait_behind_video_analyses(
    make_client: Any, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(analysis_threads=1)
    video_started, release = threading.Event(), threading.Event()
    real_analyze = app_module.analyze

    def held_for_videos(**media: Any) -> Any:
        if media["video"] is not None:
            video_started.set()
            release.wait(30)
        return real_analyze(**media)

    monkeypatch.setattr(app_module, "analyze", held_for_videos)
    answers: list[int] = []
    video_request = threading.Thread(
        target=lambda: answers.append(
            client.post("/liveness", headers=auth, files={"video": ("v.mp4", mp4())}).status_code
        )
    )
    video_request.start()
    try:
        assert video_started.wait(30)
        still = client.post("/liveness", headers=auth, files={"image": ("i.jpg", jpeg())})
        assert still.status_code == 200
        assert video_request.is_alive()  # the still was answered while the video waited
    finally:
        release.set()
        video_request.join(30)
    assert answers == [200]
