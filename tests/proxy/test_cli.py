"""``liveness-kit proxy`` and ``replay``: every bad argument or input is one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.load import free_port
from liveness_kit.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["proxy", "--upstream", "ftp://x"], "--upstream must be an http(s) URL"),
        (["proxy", "--upstream", "http://h", "--mode", "block"], "--mode must be one of"),
        (["proxy", "--upstream", "http://h", "--port", "0"], "--port must be from 1 to 65535"),
        (["proxy", "--upstream", "http://h", "--record-media"], "--record-media needs --record"),
        (["proxy", "--upstream", "http://h", "--rotate-mb", "0"], "--rotate-mb must be positive"),
        (["replay", "nowhere", "--base-url", "http://h"], "no such file or directory"),
        (["replay", ".", "--base-url", "localhost"], "--base-url must be an http(s) URL"),
    ],
    ids=["scheme", "mode", "port", "media-without-record", "rotate", "missing", "url"],
)
def test_a_bad_argument_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_replay_of_a_file_that_is_no_recording_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "exchanges-0001.jsonl").write_text('{"no": "exchange"}\n')
    assert main(["replay", str(tmp_path), "--base-url", "http://127.0.0.1:9"]) == 2
    assert "not a recorded exchange" in capsys.readouterr().err


def test_replay_against_a_server_that_is_down_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "abc").write_bytes(b"\xff\xd8\xff")
    entry = (
        '{"method":"POST","path":"/liveness","request":{"headers":{},"parts":[{"name":"image",'
        '"filename":"a.jpg","content_type":"image/jpeg","sha256":"abc"}]},'
        '"response":{"status":200,"body":""}}\n'
    )
    (tmp_path / "exchanges-0001.jsonl").write_text(entry)
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["replay", str(tmp_path), "--base-url", url]) == 2
    assert "did not answer" in capsys.readouterr().err
