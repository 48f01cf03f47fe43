"""A mock that others can reach: tokens only in an open mode, the bulk endpoint's
authentication, the security headers, CORS, and the refusal to bind beyond loopback."""

from __future__ import annotations

import re
from typing import Any

import anyio.from_thread
import pytest

import fixtures
from liveness_kit.cli import main
from mock_server import DEVELOPMENT_SECRET, Settings, SettingsError, create_app, issue_token, jobs
from mock_server.auth import describe_mode, is_open, verify_token
from mock_server.errors import Unauthorized
from mock_server.security import PAGE_POLICY, check_bind, is_loopback
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import SECRET, jpeg

JWT = re.compile(r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
PAGES = (
    "/playground",
    "/docs",
    "/openapi.yaml",
    "/openapi.json",
    "/playground/static/playground.js",
    "/playground/static/bulk.js",
    "/playground/static/docs.js",
)
CLOSED = {"secret": SECRET, "issuer": "https://auth.example", "audience": "liveness"}


def _client(portal: anyio.from_thread.BlockingPortal, **settings: Any) -> Client:
    return Client(create_app(Settings(playground=True, **settings)), portal)


def _verifiable_tokens(text: str, settings: Settings) -> list[str]:
    found = []
    for candidate in JWT.findall(text):
        try:
            verify_token(candidate, settings)
        except Unauthorized:
            continue
        found.append(candidate)
    return found


def _token_field(html: str) -> str:
    match = re.search(r'<input id="token"[^>]*value="([^"]*)"', html)
    assert match is not None, "the page has no token field"
    return match.group(1)


# --- tokens only where they are safe ---------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [CLOSED, {**CLOSED, "accept_any_token": True}],
    ids=["closed", "any-token-with-a-secret-of-ones-own"],
)
def test_no_page_holds_a_token_signed_with_a_secret_of_ones_own(
    portal: anyio.from_thread.BlockingPortal, settings: dict[str, Any]
) -> None:
    client = _client(portal, **settings)
    verifier = Settings(secret=SECRET, issuer=CLOSED["issuer"], audience=CLOSED["audience"])
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert _verifiable_tokens(response.text, verifier) == [], path
        assert "eyJ" not in response.text, path  # no JWT at all, verifiable or not


def test_a_closed_page_starts_with_an_empty_token_field_and_a_hint(
    portal: anyio.from_thread.BlockingPortal,
) -> None:
    html = _client(portal, **CLOSED).get("/playground").text
    assert _token_field(html) == ""
    assert "This server checks tokens" in html
    assert "<code>liveness-kit token --secret &lt;secret&gt;</code>" in html


def test_the_development_secret_page_is_prefilled_with_a_working_token(
    portal: anyio.from_thread.BlockingPortal,
) -> None:
    client = _client(portal)
    token = _token_field(client.get("/playground").text)
    assert verify_token(token, Settings())["sub"] == "playground"
    response = client.post(
        "/liveness",
        files={"image": ("still.jpg", jpeg(), "image/jpeg")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200


def test_the_any_token_page_holds_a_placeholder(portal: anyio.from_thread.BlockingPortal) -> None:
    html = _client(portal, accept_any_token=True).get("/playground").text
    assert _token_field(html) == "any-token-works"
    assert "accepts any token" in html


@pytest.mark.parametrize(
    ("settings", "open_", "words"),
    [
        ({}, True, "public development secret"),
        ({"accept_any_token": True}, True, "any bearer token"),
        ({"secret": SECRET}, False, "closed"),
        ({"secret": SECRET, "open_mode": True}, False, "closed"),
    ],
    ids=["development", "any-token", "closed", "closed-even-with-open-flag"],
)
def test_the_mode_is_named(settings: dict[str, Any], open_: bool, words: str) -> None:
    chosen = Settings(**settings)
    assert is_open(chosen) is open_
    assert words in describe_mode(chosen)
    assert describe_mode(chosen).startswith("open" if open_ else "closed")


# --- bulk jobs need a verified token ---------------------------------------------------


def _bulk(client: Client, headers: dict[str, str], **fields: str) -> Any:
    archive = fixtures.bulk_example_zip().read_bytes()
    files = {"archive": ("cases.zip", archive, "application/zip")}
    return client.post("/playground/bulk", files=files, data=fields, headers=headers)


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the bulk endpoint did: reading the cases, starting a job (calls recorded)."""
    calls: list[str] = []
    read_cases, start = jobs.read_cases, jobs.JobBoard.start

    def reading(archive: bytes) -> Any:
        calls.append("read_cases")
        return read_cases(archive)

    def starting(self: jobs.JobBoard, *args: Any) -> jobs.BulkJob:
        calls.append("start")
        return start(self, *args)

    monkeypatch.setattr(jobs, "read_cases", reading)
    monkeypatch.setattr(jobs.JobBoard, "start", starting)
    return calls


@pytest.mark.parametrize(
    ("headers", "fields", "code"),
    [
        ({}, {}, "missing_token"),
        ({}, {"token": "form-fields-are-not-credentials"}, "missing_token"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, {}, "missing_token"),
        ({"Authorization": "Bearer not-a-jwt"}, {}, "invalid_token"),
        (
            {"Authorization": f"Bearer {issue_token(Settings(secret=DEVELOPMENT_SECRET))}"},
            {},
            "invalid_token",
        ),
        (
            {"Authorization": f"Bearer {issue_token(Settings(secret=SECRET), ttl_seconds=-60)}"},
            {},
            "expired_token",
        ),
    ],
    ids=["none", "form-field", "basic", "not-a-jwt", "development-token", "expired"],
)
def test_an_unauthenticated_bulk_request_is_a_401_and_starts_no_job(
    portal: anyio.from_thread.BlockingPortal,
    headers: dict[str, str],
    fields: dict[str, str],
    code: str,
    work: list[str],
) -> None:
    client = _client(portal, secret=SECRET)
    response = _bulk(client, headers, **fields)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["detail"]["code"] == code and body["message"]
    assert work == []


def test_a_verified_bulk_request_starts_a_job(
    portal: anyio.from_thread.BlockingPortal, work: list[str]
) -> None:
    client = _client(portal, secret=SECRET)
    token = issue_token(Settings(secret=SECRET))
    response = _bulk(client, {"Authorization": f"Bearer {token}"})
    assert response.status_code == 202, response.text
    assert work == ["read_cases", "start"]
    assert client.get(response.json()["progress_url"]).status_code == 200


def test_an_open_any_token_server_still_needs_a_bearer_value_for_bulk(
    portal: anyio.from_thread.BlockingPortal, work: list[str]
) -> None:
    client = _client(portal, accept_any_token=True)
    assert _bulk(client, {}).status_code == 401
    assert work == []


# --- security headers ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/playground", "/docs"])
def test_html_pages_carry_the_page_policy(
    portal: anyio.from_thread.BlockingPortal, path: str
) -> None:
    response = _client(portal, secret=SECRET).get(path)
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert policy == PAGE_POLICY
    directives = dict(item.strip().split(" ", 1) for item in policy.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no inline script, nothing from elsewhere
    assert directives["object-src"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/healthz"),
        ("GET", "/openapi.json"),
        ("GET", "/playground/static/playground.js"),
        ("POST", "/liveness"),
        ("GET", "/no-such-route"),
    ],
)
def test_every_answer_is_nosniff_and_only_pages_get_the_policy(
    portal: anyio.from_thread.BlockingPortal, method: str, path: str
) -> None:
    response = _client(portal, secret=SECRET).request(method, path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in response.headers


# --- CORS ------------------------------------------------------------------------------

PREFLIGHT = {
    "Origin": "https://app.example",
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


def test_cors_is_off_by_default(portal: anyio.from_thread.BlockingPortal) -> None:
    client = _client(portal, secret=SECRET)
    preflight = client.request("OPTIONS", "/liveness", headers=PREFLIGHT)
    assert preflight.status_code == 405
    assert preflight.json()["detail"]["code"] == "method_not_allowed"
    answer = client.get("/healthz", headers={"Origin": "https://app.example"})
    assert answer.status_code == 200
    assert not [name for name in answer.headers if name.startswith("access-control-")]
    assert not [name for name in preflight.headers if name.startswith("access-control-")]


def test_cors_answers_the_allowed_origins_only(portal: anyio.from_thread.BlockingPortal) -> None:
    client = _client(portal, secret=SECRET, cors_origins=("https://app.example",))
    preflight = client.request("OPTIONS", "/liveness", headers=PREFLIGHT)
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"] == "authorization, content-type"
    assert "access-control-allow-credentials" not in preflight.headers
    answer = client.post("/liveness", headers={"Origin": "https://app.example"})
    assert answer.status_code == 401  # CORS lets the page read the answer, not skip the token
    assert answer.headers["access-control-allow-origin"] == "https://app.example"
    assert "Origin" in answer.headers["vary"]

    other = {**PREFLIGHT, "Origin": "https://evil.example"}
    refused = client.request("OPTIONS", "/liveness", headers=other)
    assert refused.status_code == 405
    assert "access-control-allow-origin" not in refused.headers
    plain = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in plain.headers


def test_cors_can_allow_any_origin(portal: anyio.from_thread.BlockingPortal) -> None:
    client = _client(portal, secret=SECRET, cors_origins=("*",))
    answer = client.get("/healthz", headers={"Origin": "https://anyone.example"})
    assert answer.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    "origin", ["app.example", "https://app.example/", "https://app.example/path", "ftp://x"]
)
def test_a_cors_origin_must_be_an_origin(origin: str) -> None:
    with pytest.raises(SettingsError, match="cors_origins"):
        Settings(cors_origins=(origin,))


def test_cors_origins_come_from_the_environment_and_the_flag() -> None:
    variable = {"LIVENESS_KIT_CORS_ORIGINS": "https://a.example, http://b.example:8080"}
    assert Settings.from_env(variable).cors_origins == (
        "https://a.example",
        "http://b.example:8080",
    )


# --- binding beyond loopback -----------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("mock.internal", False),
        ("", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("host", "settings", "refused"),
    [
        ("0.0.0.0", {}, True),
        ("192.168.1.10", {}, True),
        ("127.0.0.1", {}, False),
        ("0.0.0.0", {"open_mode": True}, False),
        ("0.0.0.0", {"accept_any_token": True}, False),
        ("0.0.0.0", {"secret": SECRET}, False),
    ],
    ids=["any-address", "lan", "loopback", "open-flag", "any-token", "own-secret"],
)
def test_the_development_secret_is_refused_beyond_loopback(
    host: str, settings: dict[str, Any], refused: bool
) -> None:
    if refused:
        with pytest.raises(SettingsError, match="pass --open") as caught:
            check_bind(host, Settings(**settings))
        assert "\n" not in str(caught.value)
    else:
        check_bind(host, Settings(**settings))


@pytest.fixture
def no_listening(monkeypatch: pytest.MonkeyPatch) -> None:
    """serve must never reach uvicorn in these tests (it would listen beyond loopback)."""
    import uvicorn

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("serve tried to listen")

    monkeypatch.setattr(uvicorn, "run", refuse)
    for name in ("LIVENESS_KIT_SECRET", "LIVENESS_KIT_ACCEPT_ANY_TOKEN", "LIVENESS_KIT_OPEN_MODE"):
        monkeypatch.delenv(name, raising=False)


def test_serve_refuses_before_listening_with_one_line(
    no_listening: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--port", "8080"]) == 2
    message = capsys.readouterr().err
    assert message.count("\n") == 1
    assert "public development secret" in message and "--open" in message


@pytest.mark.parametrize(
    ("flags", "mode"),
    [
        (["--open"], "mode: open (the public development secret"),
        (["--accept-any-token"], "mode: open (any bearer token"),
        (["--secret", SECRET], "mode: closed"),
    ],
    ids=["open", "any-token", "closed"],
)
def test_serve_check_says_the_mode_without_listening(
    no_listening: None, capsys: pytest.CaptureFixture[str], flags: list[str], mode: str
) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--check", *flags]) == 0
    assert mode in capsys.readouterr().out


def test_serve_check_names_the_allowed_origins(
    no_listening: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--check"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("CORS: off")
    flags = ["--cors-origin", "https://a.example", "--cors-origin", "http://b.example:8080"]
    assert main(["serve", "--check", *flags]) == 0
    assert "CORS: https://a.example, http://b.example:8080" in capsys.readouterr().out
    assert main(["serve", "--check", "--cors-origin", "a.example/"]) == 2
    assert "cors_origins" in capsys.readouterr().err


def test_serve_says_its_mode_on_startup(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import uvicorn

    started: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options["host"]))
    monkeypatch.setattr("mock_server.cli.configure_logging", lambda level: None)
    monkeypatch.delenv("LIVENESS_KIT_SECRET", raising=False)
    with caplog.at_level("INFO", logger="liveness_kit.server"):
        assert main(["serve", "--secret", SECRET]) == 0
    assert started == ["127.0.0.1"]
    lines = [record.getMessage() for record in caplog.records]
    assert any("mode: closed" in line for line in lines), lines
