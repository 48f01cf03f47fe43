"""The /__mock/ endpoints: outside the contract, open on loopback, token-guarded elsewhere."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mock_server import Settings
from mock_server.admin import is_loopback
from mock_server.pytest_plugin import LiveMock
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import SECRET

ADMIN = ["/__mock/scenarios", "/__mock/coverage", "/__mock/cache"]


@pytest.fixture(scope="module")
def exposed() -> Iterator[LiveMock]:
    """A server configured to listen beyond loopback (reached here on 127.0.0.1)."""
    settings = Settings(secret=SECRET, playground=False, listen_host="0.0.0.0")
    with LiveMock(settings) as server:
        yield server


@pytest.mark.parametrize("path", ADMIN)
def test_open_on_loopback(path: str) -> None:
    with LiveMock(Settings(secret=SECRET, playground=False)) as mock:
        assert httpx.get(mock.base_url + path).status_code == 200


@pytest.mark.parametrize("path", ADMIN)
def test_a_token_is_required_beyond_loopback(exposed: LiveMock, path: str) -> None:
    refused = httpx.get(exposed.base_url + path)
    assert refused.status_code == 401
    assert refused.json()["detail"]["code"] == "missing_token"
    assert "www-authenticate" in refused.headers
    bad = httpx.get(exposed.base_url + path, headers={"Authorization": "Bearer x.y.z"})
    assert bad.status_code == 401
    assert httpx.get(exposed.base_url + path, headers=exposed.headers).status_code == 200
    deleted = httpx.delete(exposed.base_url + "/__mock/coverage")
    assert deleted.status_code == 401


def test_a_connection_to_a_non_loopback_address_needs_the_token(
    client: Client, auth: dict[str, str]
) -> None:
    # the in-process client's server address is "mock", not a loopback address
    assert client.get("/__mock/scenarios").status_code == 401
    assert client.get("/__mock/scenarios", headers=auth).status_code == 200


def test_other_methods_are_a_json_405(client: Client, auth: dict[str, str]) -> None:
    response = client.post("/__mock/scenarios", headers=auth)
    assert response.status_code == 405
    assert response.json()["detail"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.4", False),
        ("mock", False),
        (None, False),
    ],
)
def test_loopback_addresses(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_serve_host_sets_the_listen_host() -> None:
    import argparse

    from mock_server.cli import settings_from_args

    args = argparse.Namespace(host="0.0.0.0", faults=["503:p=0.5"], fault_seed=3)
    settings = settings_from_args(args)
    assert (settings.listen_host, settings.faults, settings.fault_seed) == (
        "0.0.0.0",
        ("503:p=0.5",),
        3,
    )
