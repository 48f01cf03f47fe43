"""Hostile input beyond test_requests, test_robustness and test_auth: byte-level damage
to valid bodies, arbitrary chunking of the stream, odd part headers, the rest of the JWT
attack matrix, secrets kept out of the logs, and every limit configurable and documented.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import itertools
import json
import logging
import re
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spec
from mock_server import Settings
from mock_server.config import LIMIT_FIELDS
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import (
    BOUNDARY,
    SECRET,
    error_problems,
    form,
    jpeg,
    mp4,
    multipart,
    part,
)

FORM_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "mock-server.md"
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
STATUSES = (200, 400, 401, 413, 422)


def _contract_answer(api: str, response: Any) -> None:
    assert response.status_code in STATUSES, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert spec.response_errors(api, response.status_code, response.json()) == []


# --- multipart framing -------------------------------------------------------------------

VALID_BODY = multipart(
    [
        part("frame_sampling_rate", "5"),
        part("image", jpeg(), filename="a.jpg", content_type="image/jpeg"),
        part("video", mp4(6), filename="v.mp4", content_type="video/mp4"),
        part("unique_id", "damaged"),
    ]
)


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """The valid body with a few bytes flipped, inserted, deleted or cut."""
    body = bytearray(VALID_BODY)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(body)))
        operation = draw(st.sampled_from(["flip", "insert", "delete", "cut", "crlf"]))
        if operation == "flip" and position < len(body):
            body[position] ^= draw(st.integers(1, 255))
        elif operation == "insert":
            body[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif operation == "delete":
            del body[position : position + draw(st.integers(1, 64))]
        elif operation == "cut":
            del body[position:]
        else:
            body[position:position] = b"\r\n--" + BOUNDARY.encode()
    return bytes(body)


@FUZZ
@given(body=damaged(), api=st.sampled_from(["v1", "v2"]))
def test_damaged_bodies_get_a_contract_answer(
    client: Client, auth: dict[str, str], body: bytes, api: str
) -> None:
    response = client.post(
        spec.PATHS[api], content=body, headers={**auth, "Content-Type": FORM_TYPE}
    )
    _contract_answer(api, response)


@FUZZ
@given(cuts=st.lists(st.integers(0, len(VALID_BODY)), max_size=12, unique=True))
def test_how_the_stream_is_chunked_changes_nothing(
    client: Client, auth: dict[str, str], cuts: list[int]
) -> None:
    edges = [0, *sorted(cuts), len(VALID_BODY)]
    chunks = [VALID_BODY[start:end] for start, end in itertools.pairwise(edges)]
    headers = {**auth, "Content-Type": FORM_TYPE}
    whole = client.post("/v2/liveness", content=VALID_BODY, headers=headers)
    streamed = client.post("/v2/liveness", content=iter(chunks), headers=headers)
    assert whole.status_code == streamed.status_code == 200
    assert whole.content == streamed.content


HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF, exclude_categories=["Cs"]),
    max_size=30,
)


@FUZZ
@given(
    disposition=st.one_of(
        HEADER_TEXT.map(lambda text: "form-data; " + text),
        st.builds(
            lambda name, extra: f'form-data; name="{name}"{extra}',
            st.sampled_from(["image", "video", "frame_sampling_rate", "x"]),
            st.sampled_from(
                [
                    "",
                    '; filename=""',
                    "; filename*=UTF-8''%C3%A9.jpg",
                    '; name="video"',
                    '; filename="a\\"b.jpg"',
                    "; filename=a;b.jpg",
                    ";;;",
                    "; name*=UTF-8''image",
                ]
            ),
        ),
    ),
    content_type=st.one_of(st.none(), HEADER_TEXT),
)
def test_odd_part_headers_get_a_contract_answer(
    client: Client, auth: dict[str, str], disposition: str, content_type: str | None
) -> None:
    lines = [f"Content-Disposition: {disposition}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + jpeg()
    response = client.post(
        "/liveness",
        content=multipart([raw, part("unique_id", "x")]),
        headers={**auth, "Content-Type": FORM_TYPE},
    )
    _contract_answer("v1", response)


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        pytest.param(
            multipart([part("image", jpeg()), part("image", jpeg())]),
            FORM_TYPE,
            "duplicate_part",
            id="duplicate-media-parts",
        ),
        pytest.param(
            json.dumps({"image": base64.b64encode(jpeg()).decode()}).encode(),
            "application/json",
            "not_multipart",
            id="json-body-with-an-image",
        ),
        pytest.param(
            multipart([part("image", jpeg())]).replace(b"\r\n", b"\n"),
            FORM_TYPE,
            "malformed_multipart",
            id="bare-lf-line-endings",
        ),
        pytest.param(
            multipart([part("image", jpeg())])[: len(b"--" + BOUNDARY.encode()) + 10],
            FORM_TYPE,
            "malformed_multipart",
            id="cut-inside-the-first-part-headers",
        ),
    ],
)
def test_more_malformed_bodies_are_400(
    client: Client, auth: dict[str, str], body: bytes, content_type: str, code: str
) -> None:
    response = client.post(
        "/liveness", content=body, headers={**auth, "Content-Type": content_type}
    )
    assert response.status_code == 400, response.text
    assert error_problems("v1", 400, response.json(), code) == []


# --- the JWT attack matrix -----------------------------------------------------------------

NOW = int(time.time())
GOOD = {"sub": "tester", "exp": NOW + 86400}
# A real RSA-2048 public key: the key an RS256 verifier would publish.
RSA_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4wGbq/I3I39qUTc8igbb
+q2S3FUQCLA55pudw++N79GTnyokXhHodi1PmYnlvTMGs7NP1NmCDWe59gBQ/K4j
EccwLq1I9s9MOrHUaq7f9GE3C0LIsoNv7iHZKdgX2lWdTMMlcZQpRBJGoslgHjCO
RX/R54SgoyieDvWHyMb7RlyEknXKDDYYH3YYLgy9ddlbaWqJC8/cXNQfpvNLZ+bH
jkKYvkJdM1gmQGU8A/C21ujY8hLVkRkORNWuZW3pSR5liUZO1uGEFzOHNTuwxp+1
syHm4XIgOMWcucYCKrYeHNANgkzIJ7tWjmGx9wBG5GUhsgnNgUQlzV4iGllxK/rG
1QIDAQAB
-----END PUBLIC KEY-----
"""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hand_signed(header: dict[str, Any], claims: dict[str, Any], key: bytes) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _bit_flipped(token: str) -> str:
    """The token with the first bit of its signature inverted, whatever the signature is."""
    signing_input, _, signature = token.rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 0x80
    return f"{signing_input}.{_b64(bytes(raw))}"


def _unsigned(alg: str) -> str:
    return _hand_signed({"alg": alg, "typ": "JWT"}, GOOD, b"")[:-43] + "."


ATTACKS = [
    pytest.param(
        _hand_signed({"alg": "HS256", "typ": "JWT"}, GOOD, RSA_PUBLIC_KEY.encode()),
        id="hs256-keyed-with-rsa-public-pem",
    ),
    pytest.param(
        _hand_signed({"alg": "HS256", "typ": "JWT"}, GOOD, RSA_PUBLIC_KEY.strip().encode()),
        id="hs256-keyed-with-rsa-public-pem-stripped",
    ),
    pytest.param(
        _hand_signed({"alg": "RS256", "typ": "JWT"}, GOOD, RSA_PUBLIC_KEY.encode()),
        id="rs256-header",
    ),
    pytest.param(_unsigned("none"), id="alg-none"),
    pytest.param(_unsigned("None"), id="alg-None"),
    pytest.param(_unsigned("NONE"), id="alg-NONE"),
    pytest.param(
        _hand_signed({"alg": "HS256", "typ": "JWT"}, GOOD, SECRET.encode())[:-43] + ".",
        id="empty-signature",
    ),
    pytest.param(
        _bit_flipped(_hand_signed({"alg": "HS256", "typ": "JWT"}, GOOD, SECRET.encode())),
        id="signature-bit-flipped",
    ),
    pytest.param(
        _hand_signed({"alg": "HS256", "typ": "JWT", "kid": "../../dev/null"}, GOOD, b""),
        id="kid-path-traversal-empty-key",
    ),
    pytest.param(jwt.encode({**GOOD, "exp": NOW - 3600}, SECRET), id="expired"),
    pytest.param(jwt.encode({**GOOD, "nbf": NOW + 3600}, SECRET), id="nbf-in-the-future"),
    pytest.param("", id="empty"),
    pytest.param(jwt.encode({**GOOD, "pad": "x" * 10_240}, SECRET), id="10kb-validly-signed"),
    pytest.param("é.é.é", id="non-ascii"),
    pytest.param("\x00\x01\x02", id="control-bytes"),
    pytest.param(jwt.encode(GOOD, SECRET) + "." + "x", id="four-segments"),
]


@pytest.mark.parametrize("token", ATTACKS)
@pytest.mark.parametrize("path", ["/liveness", "/v2/liveness"])
def test_jwt_attacks_get_401(client: Client, token: str, path: str) -> None:
    body, content_type = form(image=jpeg())
    response = client.post(
        path,
        content=body,
        headers={
            "Content-Type": content_type,
            "Authorization": f"Bearer {token}".encode(),
        },
    )
    assert response.status_code == 401
    api = "v1" if path == "/liveness" else "v2"
    assert error_problems(api, 401, response.json()) == []
    assert response.json()["detail"]["code"] in ("invalid_token", "expired_token", "missing_token")


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({**GOOD, "iss": "https://evil", "aud": "liveness"}, id="wrong-iss"),
        pytest.param({**GOOD, "iss": "https://issuer", "aud": "evil"}, id="wrong-aud"),
        pytest.param(
            {**GOOD, "iss": "https://issuer", "aud": ["evil", "other"]}, id="wrong-aud-list"
        ),
        pytest.param({**GOOD, "aud": "liveness"}, id="missing-iss"),
        pytest.param({**GOOD, "iss": "https://issuer"}, id="missing-aud"),
    ],
)
def test_wrong_issuer_or_audience_gets_401_when_configured(
    make_client: Any, claims: dict[str, Any]
) -> None:
    client = make_client(issuer="https://issuer", audience="liveness")
    body, content_type = form(image=jpeg())
    response = client.post(
        "/liveness",
        content=body,
        headers={
            "Content-Type": content_type,
            "Authorization": f"Bearer {jwt.encode(claims, SECRET)}",
        },
    )
    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "invalid_token"


def test_max_token_bytes_is_enforced(make_client: Any) -> None:
    client = make_client(max_token_bytes=200)
    body, content_type = form(image=jpeg())
    short = jwt.encode(GOOD, SECRET)
    long = jwt.encode({**GOOD, "pad": "x" * 200}, SECRET)
    statuses = [
        client.post(
            "/liveness",
            content=body,
            headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"},
        ).status_code
        for token in (short, long)
    ]
    assert statuses == [200, 401]


# --- logs ------------------------------------------------------------------------------------


def test_neither_tokens_nor_media_reach_the_logs_on_any_path(
    client: Client,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    allow_server_errors: None,
) -> None:
    still = jpeg(40, 40, 7)
    encoded = base64.b64encode(still).decode()
    forged = _hand_signed({"alg": "HS256", "typ": "JWT"}, GOOD, b"another-key")
    expired = jwt.encode({**GOOD, "exp": NOW - 3600}, SECRET)
    image_form = form(image=still, fields={"unique_id": "log-2"})
    base64_form = form(video=mp4(), fields={"image_type": "base64", "image": encoded})
    bad_tuning = form(image=still, fields={"frame_sampling_rate": "0"})
    with caplog.at_level(logging.DEBUG):
        for credential in (token, forged, expired):
            for body, content_type in (image_form, base64_form, bad_tuning):
                client.post(
                    "/v2/liveness",
                    content=body,
                    headers={"Content-Type": content_type, "Authorization": f"Bearer {credential}"},
                )

        def explode(**_: object) -> None:
            raise RuntimeError("a decoder bug")

        monkeypatch.setattr("mock_server.app.analyze", explode)
        body, content_type = image_form
        failed = client.post(
            "/liveness",
            content=body,
            headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"},
        )
    assert failed.status_code == 400
    logged = "\n".join(
        [record.getMessage() for record in caplog.records]
        + [record.exc_text or "" for record in caplog.records]
        + [caplog.text]
    )
    assert "RuntimeError" in logged  # the traceback of the library failure is there
    for credential in (token, forged, expired):
        for segment in credential.split("."):
            assert segment not in logged
    assert encoded[:48] not in logged
    assert repr(still[:48])[2:-1] not in logged
    assert base64.b64encode(still[:48]).decode()[:40] not in logged


# --- limits -----------------------------------------------------------------------------------


def test_every_setting_is_documented_and_has_an_environment_variable() -> None:
    documented = DOCS.read_text(encoding="utf-8")
    table = {
        name
        for cell in re.findall(r"^\| ([^|]+) \|", documented, flags=re.MULTILINE)
        for name in re.findall(r"`([a-z_]+)`", cell)
    }
    names = {item.name for item in dataclasses.fields(Settings)}
    assert names <= table, f"not in the table of docs/mock-server.md: {names - table}"
    changed = {
        name: (default * 2 if isinstance(default, int) and default else 3)
        for name in LIMIT_FIELDS
        for default in [getattr(Settings(secret=SECRET), name)]
    }
    environment = Settings(secret=SECRET, **changed).to_env()
    assert Settings.from_env(environment) == Settings(secret=SECRET, **changed)
    assert all(
        f"LIVENESS_KIT_{name.upper()}" in environment
        for name in names - {"issuer", "audience", "coverage_out"}
    )
