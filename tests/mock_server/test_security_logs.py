"""Logs never hold tokens or media: the API with valid, invalid and expired tokens, the
playground page of an open server, and a bulk job, with every logger at debug level."""

from __future__ import annotations

import base64
import io
import logging
import time
import zipfile
from collections.abc import Iterator

import anyio.from_thread
import pytest

from mock_server import Settings, create_app, issue_token
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import SECRET, form, jpeg, mp4

LOGGERS = ("", "liveness_kit.access", "liveness_kit.server", "httpx", "httpcore", "uvicorn")


class Everything(logging.Handler):
    """Every record, formatted with its traceback, whatever its logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def logged() -> Iterator[Everything]:
    handler = Everything()
    loggers = [logging.getLogger(name) for name in LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


def _secrets_of(token: str) -> list[str]:
    return [token, token.split(".")[1], token.split(".")[2]]


def _media_traces(data: bytes) -> list[str]:
    """Forms media bytes could take in a log line: raw, repr, base64, hex."""
    return [
        base64.b64encode(data).decode()[8:48],
        repr(data[2:24])[2:-1],
        data[2:24].hex(),
        data[40:64].decode("latin-1"),
    ]


def _assert_absent(text: str, needles: list[str]) -> None:
    assert text, "nothing was logged: the test would prove nothing"
    for needle in needles:
        assert needle not in text, f"{needle[:16]}... is in the logs"


def test_api_requests_log_neither_tokens_nor_media(
    portal: anyio.from_thread.BlockingPortal, logged: Everything
) -> None:
    client = Client(create_app(Settings(secret=SECRET, playground=False)), portal)
    good = issue_token(Settings(secret=SECRET))
    wrong = issue_token(Settings(secret=SECRET[::-1]))
    expired = issue_token(Settings(secret=SECRET), now=int(time.time()) - 7200)
    still, video = jpeg(48, 48, 5), mp4()
    body, content_type = form(image=still, video=video, fields={"unique_id": "log-me"})
    statuses = []
    for token in (good, wrong, expired, "not.a.token"):
        headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
        statuses.append(client.post("/v2/liveness", content=body, headers=headers).status_code)
    assert statuses == [200, 401, 401, 401]
    assert '"unique_id":"log-me"' in logged.text  # the access lines were captured
    _assert_absent(
        logged.text,
        [
            *_secrets_of(good),
            *_secrets_of(wrong),
            *_secrets_of(expired),
            "not.a.token",
            *_media_traces(still),
            *_media_traces(video),
        ],
    )


def test_pages_and_bulk_jobs_log_neither_tokens_nor_media(
    portal: anyio.from_thread.BlockingPortal, logged: Everything
) -> None:
    client = Client(create_app(Settings(playground=True)), portal)  # open: a token in the page
    page = client.get("/playground").text
    prefilled = page.split('id="token" name="token" type="password" value="', 1)[1].split('"')[0]
    assert prefilled.count(".") == 2
    still = jpeg(40, 40, 9)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a_image.jpg", still)
    token = issue_token(Settings())
    started = client.post(
        "/playground/bulk",
        files={"archive": ("cases.zip", buffer.getvalue(), "application/zip")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert started.status_code == 202, started.text
    job = started.json()
    deadline = time.monotonic() + 120
    while job["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
        job = client.get(job["progress_url"]).json()
    assert job["state"] == "done" and job["counts"]["ok"] == 1
    assert "/liveness" in logged.text  # the job's own request was logged
    needles = [*_secrets_of(prefilled), *_secrets_of(token), *_media_traces(still)]
    _assert_absent(logged.text, needles)
