"""The bulk command as a user runs it: real processes, a real mock, a real Ctrl-C."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.load import serve
from tests.bulk.support import make_zip, read_zip

pytestmark = pytest.mark.slow

# Ctrl-C comes after the fourth case; the other cases take seconds, far longer than it
# takes to notice the fourth and send the signal.
CASES = 200


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 160, 140)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    with serve() as (base_url, _):
        yield base_url


def _bulk(*arguments: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "liveness_kit", "bulk", *arguments]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ctrl_c_then_resume_gives_the_archive_of_an_uninterrupted_run(
    mock_url: str, tmp_path: Path
) -> None:
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
    running = _bulk(*common, "-o", str(output))
    deadline = time.monotonic() + 120
    while not journal.exists() or journal.read_bytes().count(b"\n") < 4:
        assert running.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    running.send_signal(signal.SIGINT)
    _, err = running.communicate(timeout=60)
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
