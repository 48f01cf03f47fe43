from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest

from mock_server import Settings
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import SECRET, error_problems, form, jpeg

NOW = int(time.time())
PEM_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=
-----END PUBLIC KEY-----
"""


def sign(claims: dict[str, Any], key: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned() -> str:
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{b64(json.dumps({'sub': 'x', 'exp': NOW + 600}).encode())}."


GOOD = {"sub": "tester", "exp": NOW + 86400}

REFUSED = [
    pytest.param(None, "missing_token", id="no-header"),
    pytest.param("Basic dXNlcjpwYXNz", "missing_token", id="basic-scheme"),
    pytest.param("Token abc.def.ghi", "missing_token", id="other-scheme"),
    pytest.param("Bearer", "missing_token", id="bearer-without-value"),
    pytest.param("Bearer    ", "missing_token", id="bearer-blank-value"),
    pytest.param("Bearer not-a-jwt", "invalid_token", id="malformed"),
    pytest.param("Bearer a.b.c", "invalid_token", id="three-garbage-segments"),
    pytest.param(
        "Bearer " + sign(GOOD, "another-secret-" * 4), "invalid_token", id="bad-signature"
    ),
    pytest.param("Bearer " + sign({**GOOD, "exp": NOW - 3600}), "expired_token", id="expired"),
    pytest.param("Bearer " + sign({**GOOD, "nbf": NOW + 3600}), "invalid_token", id="nbf-future"),
    pytest.param("Bearer " + unsigned(), "invalid_token", id="alg-none"),
    pytest.param(
        "Bearer " + sign(GOOD, SECRET, "HS512"), "invalid_token", id="algorithm-not-configured"
    ),
    pytest.param(
        "Bearer eyJhbGciOiJIUzI1NiJ9." + b64(json.dumps(GOOD).encode()) + "." + b64(bytes(32)),
        "invalid_token",
        id="hmac-zero-signature",
    ),
    pytest.param("Bearer " + sign({**GOOD, "pad": "x" * 10_000}), "invalid_token", id="10kb-token"),
    pytest.param("Bearer abc\u00e9.def.ghi", "invalid_token", id="non-ascii-bytes"),
    pytest.param(
        "Bearer " + sign({**GOOD, "exp": "tomorrow"}), "invalid_token", id="exp-not-a-number"
    ),
    pytest.param(
        "Bearer " + sign({**GOOD, "iat": "yesterday"}), "invalid_token", id="iat-not-a-number"
    ),
    pytest.param("Bearer " + sign({**GOOD, "iat": True}), "invalid_token", id="iat-boolean"),
]


def _post(client: Client, authorization: str | None) -> Any:
    body, content_type = form(image=jpeg())
    headers = {"Content-Type": content_type}
    if authorization is not None:
        headers["Authorization"] = authorization
    return client.post(
        "/liveness", content=body, headers={k: v.encode("latin-1") for k, v in headers.items()}
    )


@pytest.mark.parametrize(("authorization", "code"), REFUSED)
@pytest.mark.parametrize("path", ["/liveness", "/v2/liveness"])
def test_refused_tokens_get_401_with_a_bearer_challenge(
    client: Client, authorization: str | None, code: str, path: str
) -> None:
    body, content_type = form(image=jpeg())
    headers: dict[str, Any] = {"Content-Type": content_type}
    if authorization is not None:
        headers["Authorization"] = authorization.encode("latin-1")
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == 401
    api = "v1" if path == "/liveness" else "v2"
    assert error_problems(api, 401, response.json(), code) == []
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_hmac_token_signed_with_a_public_key_is_refused(client: Client) -> None:
    """The algorithm-confusion attack: HS256 keyed with the server's (public) PEM."""
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps(GOOD).encode())
    signature = hmac.new(PEM_PUBLIC_KEY.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    token = f"{header}.{payload}.{b64(signature.digest())}"
    assert _post(client, f"Bearer {token}").json()["detail"]["code"] == "invalid_token"


def test_a_pem_key_cannot_be_configured_as_the_secret() -> None:
    from mock_server import SettingsError

    with pytest.raises(SettingsError):
        Settings(secret=PEM_PUBLIC_KEY)


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer " + sign(GOOD), id="valid"),
        pytest.param("bearer " + sign(GOOD), id="lower-case-scheme"),
        pytest.param("Bearer " + sign({"sub": "no-exp"}), id="without-exp"),
        pytest.param("Bearer " + sign({**GOOD, "aud": "anyone"}), id="unchecked-audience"),
        pytest.param("Bearer " + sign({**GOOD, "iat": NOW + 3600}), id="iat-in-the-future"),
        pytest.param("Bearer " + sign({**GOOD, "iat": NOW - 0.5}), id="iat-fractional"),
    ],
)
def test_accepted_tokens(client: Client, authorization: str) -> None:
    assert _post(client, authorization).status_code == 200


def test_token_expired_within_the_leeway_is_accepted(client: Client, make_client: Any) -> None:
    token = sign({**GOOD, "exp": int(time.time()) - 60})
    assert _post(make_client(leeway_seconds=600), "Bearer " + token).status_code == 200
    assert _post(client, "Bearer " + token).status_code == 401  # the default leeway is 10 s


@pytest.mark.parametrize(
    ("claims", "status"),
    [
        pytest.param({**GOOD, "iss": "https://issuer", "aud": "liveness"}, 200, id="right-iss-aud"),
        pytest.param({**GOOD, "iss": "https://other", "aud": "liveness"}, 401, id="wrong-iss"),
        pytest.param({**GOOD, "iss": "https://issuer", "aud": "other"}, 401, id="wrong-aud"),
        pytest.param({**GOOD}, 401, id="missing-iss-aud"),
    ],
)
def test_issuer_and_audience_checks(make_client: Any, claims: dict[str, Any], status: int) -> None:
    client = make_client(issuer="https://issuer", audience="liveness")
    response = _post(client, "Bearer " + sign(claims))
    assert response.status_code == status
    if status == 401:
        assert response.json()["detail"]["code"] == "invalid_token"


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        pytest.param("Bearer anything-at-all", 200, id="any-value"),
        pytest.param("Bearer " + sign({**GOOD, "exp": NOW - 3600}), 200, id="even-expired"),
        pytest.param(None, 401, id="still-needs-a-header"),
        pytest.param("Bearer ", 401, id="still-needs-a-value"),
    ],
)
def test_accept_any_token(make_client: Any, authorization: str | None, status: int) -> None:
    client = make_client(accept_any_token=True)
    assert _post(client, authorization).status_code == status


def test_401_comes_before_every_other_error(client: Client) -> None:
    response = client.post(
        "/liveness", content=b"not multipart", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "missing_token"
