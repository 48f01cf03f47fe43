"""A real mock server (uvicorn, loopback, free port) and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
import uvicorn

from mock_server import Settings, create_app

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CLOSED_SECRET = "browser-tests-secret-of-a-closed-server-0123456789abcdef0123456789"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def playground_app(**overrides: Any) -> Any:
    """The mock's app with the playground routes (the one place that wires them)."""
    return create_app(Settings(playground=True, **overrides))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="package")
def base_url() -> Iterator[str]:
    """A server on the public development secret (open: its page holds a token)."""
    yield from _serve(playground_app())


@pytest.fixture(scope="package")
def closed_base_url() -> Iterator[str]:
    """A server with a secret of its own (closed: its page holds no token)."""
    yield from _serve(playground_app(secret=CLOSED_SECRET))


def _serve(app: Any) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="playground-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the mock server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


def _unavailable(reason: str) -> NoReturn:
    """Fail in CI (CI=true), where the browser must be there; skip elsewhere."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    executable = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    if executable is None:
        _unavailable("Chromium is not installed (scripts/tools installs it with apt-get)")
    try:
        from playwright import sync_api
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh page; fails the test on a console error or a request that leaves the server."""
    yield from _page(browser, base_url)


@pytest.fixture
def closed_page(browser: Any, closed_base_url: str) -> Iterator[Any]:
    """A fresh page of the closed server, checked the same way."""
    yield from _page(browser, closed_base_url)


def _page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1360, "height": 900}, accept_downloads=True
    )
    opened = context.new_page()
    # a Content-Security-Policy violation becomes a console error, so it fails the test
    opened.add_init_script(
        "document.addEventListener('securitypolicyviolation', (event) => console.error("
        "`CSP violation: ${event.violatedDirective} ${event.blockedURI}`));"
    )
    errors: list[str] = []
    outside: list[str] = []
    opened.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on(
        "request",
        lambda request: None if request.url.startswith(base_url) else outside.append(request.url),
    )
    yield opened
    context.close()
    assert outside == [], f"requests outside the server: {outside}"
    unexpected = [text for text in errors if "status of 4" not in text]
    assert unexpected == [], f"console errors: {unexpected}"


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
