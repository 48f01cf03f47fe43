from __future__ import annotations

import socket

import pytest

from liveness_kit.cli import main


def test_evaluate_exits_2_for_an_unreachable_server(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["evaluate", "--base-url", f"http://127.0.0.1:{port}", "--token", "t"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"liveness-kit evaluate: error: cannot reach http://127.0.0.1:{port}: ")
    assert error.count("\n") == 1
