from __future__ import annotations

import socket
from pathlib import Path

import pytest

from liveness_kit.cli import main

TARGET = ["--base-url", "http://127.0.0.1:1", "--token", "t"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_list_prints_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", "--list"]) == 0
    out = capsys.readouterr().out
    assert "AUTH-001" in out and "INV-V1-V2" in out and "(--expect-verdicts)" in out
    assert "MUST" in out.splitlines()[-1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--token", "t"], "--base-url is required"),
        (["--base-url", "ftp://x", "--token", "t"], "must be an http(s) URL"),
        (["--base-url", "http://127.0.0.1:1"], "--token is required"),
        (
            ["--base-url", "http://127.0.0.1:1", "--token", "t", "--fuzz-examples", "-1"],
            "0 or more",
        ),
        (["--base-url", "http://127.0.0.1:1", "--token", "t", "-k", "a and"], "-k"),
        (["--base-url", "http://127.0.0.1:1", "--token", "t", "--seed", "-3"], "--seed"),
        (
            ["--base-url", "http://127.0.0.1:1", "--token", "t", "--json", "/nonexistent/r.json"],
            "does not exist",
        ),
        *(
            (["--base-url", "http://127.0.0.1:1", "--token", "t", *extra], message)
            for extra, message in [
                (["--rate-limit", "ten/s"], "--rate-limit must be a positive count per s, m or h"),
                (["--rate-limit", "0/m"], "--rate-limit must be a positive count"),
                (["--concurrency", "0"], "--concurrency must be from 1 to 64"),
                (["--retries", "99"], "--retries must be from 0 to 10"),
                (["--video-timeout", "0"], "--video-timeout must be positive"),
                (["--markdown", "/nonexistent/summary.md"], "--markdown: directory"),
            ]
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["conform", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_unreachable_server_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    assert main(["conform", "--base-url", url, "--token", "t"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("liveness-kit conform: error: cannot connect to")
    assert len(err.strip().splitlines()) == 1
