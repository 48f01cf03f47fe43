"""The bulk command as a user runs it: real processes, a real mock, a real Ctrl-C."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server import Settings, create_app
from tests.bulk.support import make_zip, read_zip

pytestmark = pytest.mark.slow

CASES = 200
ANSWERED_BEFORE_CTRL_C = 4


class Gate:
    """Holds every analysis request past the first ``hold_after`` until opened, so the
    Ctrl-C always lands in the middle of the run, however fast or slow the machine."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._opened = threading.Event()
        self._opened.set()
        self._seen = 0
        self._hold_after = 0

    def hold_after(self, answered: int) -> None:
        self._seen, self._hold_after = 0, answered
        self._opened.clear()

    def open(self) -> None:
        self._opened.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/liveness"):
            self._seen += 1
            if self._seen > self._hold_after:
                await anyio.to_thread.run_sync(self._opened.wait, abandon_on_cancel=True)
        await self._app(scope, receive, send)


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 160, 140)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def gated_mock() -> Iterator[tuple[str, Gate]]:
    gate = Gate(create_app(Settings()))
    config = uvicorn.Config(gate, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the mock did not start"
        time.sleep(0.02)
    port: Any = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", gate
    finally:
        gate.open()
        server.should_exit = True
        thread.join(timeout=30)


def _bulk(*arguments: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "liveness_kit", "bulk", *arguments]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ctrl_c_then_resume_gives_the_archive_of_an_uninterrupted_run(
    gated_mock: tuple[str, Gate], tmp_path: Path
) -> None:
    mock_url, gate = gated_mock
    source = tmp_path / "set.zip"
    image = _jpeg()
    source.write_bytes(make_zip([(f"c{n:03}_image.jpg", image) for n in range(CASES)]))
    common = [str(source), "--base-url", mock_url, "--no-timings", "--concurrency", "1"]

    reference = tmp_path / "reference.zip"
    done = _bulk(*common, "-o", str(reference))
    _, err = done.communicate(timeout=300)
    assert done.returncode == 0, err

    output = tmp_path / "out.zip"
    journal = tmp_path / "out.zip.journal.jsonl"
    gate.hold_after(ANSWERED_BEFORE_CTRL_C)
    running = _bulk(*common, "-o", str(output))
    deadline = time.monotonic() + 120
    while not journal.exists() or journal.read_bytes().count(b"\n") < ANSWERED_BEFORE_CTRL_C:
        assert running.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    running.send_signal(signal.SIGINT)
    _, err = running.communicate(timeout=60)
    gate.open()
    assert running.returncode == 130
    assert "Traceback" not in err
    assert "run the same command with --resume to continue" in err.splitlines()[-1]
    assert not output.exists()

    resumed = _bulk(*common, "-o", str(output), "--resume")
    out, err = resumed.communicate(timeout=300)
    assert out.splitlines()[-1] == f"wrote {output}"
    assert resumed.returncode == 0, err
    assert err.startswith("resuming: ")
    assert output.read_bytes() == reference.read_bytes()
    assert not journal.exists()
    assert len([n for n in read_zip(output.read_bytes()) if n.endswith("/status")]) == CASES
