"""No client input produces a 5xx: properties over fields, values and part combinations."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spec
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import (
    BOUNDARY,
    error_problems,
    jpeg,
    mp4,
    multipart,
    part,
    png,
    v1_problems,
    v2_problems,
)
from tests.strategies import valid_tuning_value

FIELD_NAMES = st.one_of(
    st.sampled_from([*spec.TUNING_FIELDS, *spec.MEDIA_FIELDS, "extra", ""]),
    st.text(min_size=1, max_size=8),
)
MEDIA = st.sampled_from(
    [jpeg(), png(), mp4(), b"", b"GIF89a", jpeg()[:100], mp4()[:200], b"\x00" * 64]
)
ANY_VALUE = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=40),
    st.sampled_from(["True", "false", "0", "1", "999", "1000", "0.6", ".5", "1.00001"]),
)
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _check(api: str, response_status: int, body: object) -> None:
    assert response_status < 500
    assert response_status in (200, 400, 401, 413, 422)
    assert spec.response_errors(api, response_status, body) == []


@FUZZ
@given(
    parts=st.lists(st.tuples(FIELD_NAMES, st.one_of(MEDIA, ANY_VALUE)), max_size=6),
    api=st.sampled_from(["v1", "v2"]),
    truncate=st.one_of(st.none(), st.integers(min_value=0, max_value=400)),
)
def test_arbitrary_forms_never_give_5xx(
    client: Client,
    auth: dict[str, str],
    parts: list[tuple[str, bytes | str]],
    api: str,
    truncate: int | None,
) -> None:
    body = multipart([part(name or None, value) for name, value in parts])
    if truncate is not None:
        body = body[:truncate]
    response = client.post(
        spec.PATHS[api],
        content=body,
        headers={**auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    _check(api, response.status_code, response.json())


@FUZZ
@given(
    values=st.dictionaries(st.sampled_from(spec.TUNING_FIELDS), st.text(max_size=20), max_size=4),
    media=st.sampled_from(["image", "video", "both"]),
)
def test_tuning_strings_give_200_or_422(
    client: Client, auth: dict[str, str], values: dict[str, str], media: str
) -> None:
    fields = dict(values)
    fields.pop("image_type", None)
    sent = {"image", "video"} if media == "both" else {media}
    parts = [part(name, value) for name, value in fields.items()]
    if "image" in sent:
        parts.append(part("image", jpeg()))
    if "video" in sent:
        parts.append(part("video", mp4(6)))
    response = client.post(
        "/liveness",
        content=multipart(parts),
        headers={**auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    fields_rules = spec.tuning_fields()
    bad = {name for name, value in fields.items() if fields_rules[name].problem(value)}
    if bad:
        assert response.status_code == 422
        assert set(response.json()["detail"]["body"]) == bad
    else:
        assert response.status_code == 200
        assert v1_problems(response.json(), sent, fields) == []


@FUZZ
@given(
    values=st.fixed_dictionaries(
        {},
        optional={
            name: valid_tuning_value(name) for name in spec.TUNING_FIELDS if name != "image_type"
        },
    ),
    base64_image=st.booleans(),
)
def test_valid_tuning_keeps_every_invariant(
    client: Client, auth: dict[str, str], values: dict[str, str], base64_image: bool
) -> None:
    fields = dict(values)
    image: bytes | str = jpeg()
    if base64_image:
        fields["image_type"] = "base64"
        image = base64.b64encode(jpeg()).decode()
    parts = [part(name, value) for name, value in fields.items()]
    parts += [part("image", image), part("video", mp4(6))]
    response = client.post(
        "/v2/liveness",
        content=multipart(parts),
        headers={**auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert response.status_code == 200, response.text
    assert v2_problems(response.json(), {"image", "video"}, fields) == []


@pytest.mark.parametrize(
    "content_type",
    [
        'multipart/form-data; boundary="quoted boundary"',
        "multipart/form-data; boundary=a; boundary=b",
        "multipart/form-data; charset=utf-8",
        "MULTIPART/FORM-DATA; BOUNDARY=x",
        "multipart/form-data; boundary=é",
        ";;;",
        "multipart/form-data; boundary=" + "\x7f" * 10,
    ],
)
def test_odd_content_types_are_4xx(client: Client, auth: dict[str, str], content_type: str) -> None:
    body = multipart([part("image", jpeg())])
    response = client.post(
        "/liveness",
        content=body,
        headers={**auth, "Content-Type": content_type.encode("utf-8")},
    )
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert error_problems("v1", 400, response.json()) == []


def test_a_library_failure_on_client_media_is_a_400_not_a_500(
    client: Client,
    auth: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    allow_server_errors: None,
) -> None:
    def explode(**_: object) -> None:
        raise ZeroDivisionError("a decoder bug")

    monkeypatch.setattr("mock_server.app.analyze", explode)
    body = multipart([part("image", jpeg()), part("video", mp4())])
    with caplog.at_level("ERROR", logger="liveness_kit.server"):
        response = client.post(
            "/v2/liveness",
            content=body,
            headers={**auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
    assert response.status_code == 400
    assert error_problems("v2", 400, response.json(), "corrupt_video") == []
    assert any("ZeroDivisionError" in record.getMessage() for record in caplog.records)


def test_media_spooled_to_disk_are_analysed_the_same(
    client: Client, make_client: object, auth: dict[str, str]
) -> None:
    spooling = make_client(spool_memory_bytes=256)  # type: ignore[operator]
    body = multipart([part("image", jpeg()), part("video", mp4())])
    headers = {**auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    in_memory = client.post("/v2/liveness", content=body, headers=headers)
    on_disk = spooling.post("/v2/liveness", content=body, headers=headers)
    assert in_memory.status_code == on_disk.status_code == 200
    assert in_memory.content == on_disk.content
