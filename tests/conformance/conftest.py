from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance import RunConfig, RunFinished, Status, Target, run_all
from mock_server.app import create_app
from mock_server.auth import issue_token
from mock_server.config import Settings
from tests.conformance.asgi import Memo

SETTINGS = Settings()


def fired(final: RunFinished) -> set[str]:
    return {r.check.id for r in final.results if r.status is Status.FAILED}


@pytest.fixture(scope="session")
def token() -> str:
    return issue_token(SETTINGS, ttl_seconds=24 * 3600)


@pytest.fixture(scope="session")
def secret() -> str:
    return SETTINGS.secret


@pytest.fixture(scope="session")
def mock_app() -> Any:
    return create_app(SETTINGS)


@pytest.fixture(scope="session")
def memo(mock_app: Any) -> Memo:
    """The mock behind a response memo: each distinct request is computed once per session."""
    return Memo(mock_app)


@pytest.fixture(scope="session")
def run_config(token: str, secret: str) -> RunConfig:
    return RunConfig(token=token, secret=secret)


@pytest.fixture(scope="session")
def clean_run(memo: Memo, run_config: RunConfig) -> Iterator[RunFinished]:
    target = Target(app=memo)
    try:
        yield run_all(target, run_config)
    finally:
        target.close()
