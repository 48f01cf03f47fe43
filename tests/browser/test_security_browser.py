"""The pages under their Content-Security-Policy, and a closed server's playground: no
token given out, a hint instead, and a 401 until the user brings a token of their own."""

from __future__ import annotations

from typing import Any

import pytest

import fixtures
from mock_server import Settings, issue_token
from mock_server.security import PAGE_POLICY
from tests.browser.conftest import CLOSED_SECRET
from tests.browser.test_playground_browser import TIMEOUT_MS, _media

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("path", ["/playground", "/docs"])
def test_pages_work_under_their_policy(page: Any, path: str) -> None:
    response = page.goto(path)
    headers = response.headers
    assert headers["content-security-policy"] == PAGE_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    page.wait_for_selector("body[data-ready='true']")  # the modules ran under the policy
    # the page fixture fails on any console error (a policy violation is one) and on any
    # request leaving the server


def test_another_page_cannot_frame_the_playground(browser: Any, base_url: str) -> None:
    context = browser.new_context()
    try:
        framing = context.new_page()
        messages: list[str] = []
        framing.on("console", lambda message: messages.append(message.text))
        framing.set_content(f'<iframe id="frame" src="{base_url}/playground"></iframe>')
        framing.wait_for_timeout(1000)
        assert framing.frame_locator("#frame").locator("#token").count() == 0
        assert any("frame-ancestors" in text for text in messages), messages
    finally:
        context.close()


def test_a_closed_server_gives_out_no_token(closed_page: Any) -> None:
    page = closed_page
    page.goto("/playground")
    page.wait_for_selector("body[data-ready='true']")
    assert page.input_value("#token") == ""
    assert "This server checks tokens" in page.text_content("#token-hint")
    assert "liveness-kit token --secret" in page.text_content("#token-hint code")

    page.set_input_files("#image", _media("genuine_still.jpg"))
    page.click("#send")
    page.wait_for_selector("#status-line[data-status='401']", timeout=TIMEOUT_MS)

    page.click("#tab-bulk")
    page.set_input_files("#bulk-archive", str(fixtures.bulk_example_zip()))
    page.click("#bulk-start")
    page.wait_for_selector("#bulk-status:has-text('Missing bearer token')", timeout=TIMEOUT_MS)
    assert page.is_hidden("#bulk-job")

    page.fill("#token", issue_token(Settings(secret=CLOSED_SECRET)))
    page.click("#bulk-start")
    page.wait_for_selector("#bulk-download:not([hidden])", timeout=TIMEOUT_MS * 2)
    assert page.get_attribute("#bulk-job", "data-state") == "done"
    page.click("#tab-single")
    page.click("#send")
    page.wait_for_selector("#status-line[data-status='200']", timeout=TIMEOUT_MS)
