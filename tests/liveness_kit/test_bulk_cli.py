from __future__ import annotations

import re
import socket
from pathlib import Path

import httpx
import pytest

from liveness_kit import bulk_cli
from liveness_kit.cli import main
from mock_server import Settings
from mock_server.auth import verify_token
from tests.bulk.support import (
    DroppingTransport,
    FakeApi,
    make_zip,
    params,
    read_zip,
    sample_zip,
    without_durations,
)

ERROR_PREFIX = "liveness-kit bulk: error: "


class Harness:
    """The bulk command wired to a fake API in-process; remembers the tokens it was given."""

    def __init__(self, api: FakeApi) -> None:
        self.api = api
        self.tokens: list[str] = []
        self.interrupt_at: int | None = None
        self.posts = 0

    def make_client(
        self, base_url: httpx.URL, token: str, *, concurrency: int = 4
    ) -> httpx.AsyncClient:
        self.tokens.append(token)
        inner = DroppingTransport(httpx.ASGITransport(app=self.api.app()), self.api)
        transport = _Interrupting(inner, self)
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers)


class _Interrupting(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, harness: Harness) -> None:
        self.inner = inner
        self.harness = harness

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.harness.posts += 1
            if self.harness.posts == self.harness.interrupt_at:
                raise KeyboardInterrupt
        return await self.inner.handle_async_request(request)


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> Harness:
    harness = Harness(FakeApi())
    monkeypatch.setattr(bulk_cli, "make_client", harness.make_client)
    monkeypatch.setenv("LIVENESS_KIT_TOKEN", "test-token")
    return harness


@pytest.fixture
def input_zip(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.zip"
    path.write_bytes(sample_zip())
    return path


def _normalised_stdout(text: str) -> str:
    return re.sub(r"in \d+\.\d s", "in N s", text)


def test_a_run_writes_the_archive_and_a_summary(
    harness: Harness, input_zip: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["bulk", str(input_zip), "--concurrency", "2"])

    out, err = capsys.readouterr()
    output = input_zip.with_name("labelled-results.zip")
    assert status == 0
    assert _normalised_stdout(out) == (
        "5 cases in N s: 4 ok, 1 client_error (4xx), 0 failed, 0 invalid; 0 input problems\n"
        f"wrote {output}\n"
    )
    assert (
        err.splitlines()[-1]
        == "bulk: 5/5 cases (100%), ok 4 4xx 1 failed 0, "
        + (err.splitlines()[-1].rsplit(", ", 1)[1])
    )
    files = without_durations(read_zip(output.read_bytes()))
    assert files["summary.csv"].decode() == (
        "case,outcome,mode,http_status,result,confidence,overall_result,overall_confidence,"
        "facematch_result,duration_ms,error\n"
        "bad_dave,client_error,image,400,,,,,,,image: corrupt\n"
        "batch1/fake_bob,ok,video,200,fake,0.12,False,0.12,False,,\n"
        "batch1/real_carol,ok,image_video,200,real,0.93,True,0.93,True,,\n"
        "real_alice,ok,image,200,real,0.93,True,0.93,False,,\n"
        "real_erin,ok,image,200,real,0.93,True,0.93,False,,\n"
    )
    cases = ("bad_dave", "batch1/fake_bob", "batch1/real_carol", "real_alice", "real_erin")
    per_case = [f"cases/{case}/{name}" for case in cases for name in ("response.json", "status")]
    assert sorted(files) == sorted([*per_case, "errors.json", "manifest.json", "summary.csv"])
    assert b'"base_url": "http://127.0.0.1:8080"' in files["manifest.json"]
    assert b"test-token" not in b"".join(files.values())
    assert not output.with_name(output.name + ".journal.jsonl").exists()
    assert harness.tokens == ["test-token", "test-token"]


def test_failures_and_input_problems_exit_1_and_are_listed(
    harness: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.api.plan = {"real_alice": [503] * 3}
    source = tmp_path / "in.zip"
    source.write_bytes(
        make_zip([*read_zip(sample_zip()).items(), ("x_params.json", params(speed="1"))])
    )
    output = tmp_path / "out.zip"

    status = main(["bulk", str(source), "-o", str(output), "--retries", "2", "--no-timings"])

    out, _ = capsys.readouterr()
    assert status == 1
    assert _normalised_stdout(out).splitlines() == [
        "6 cases in N s: 3 ok, 1 client_error (4xx), 1 failed, 1 invalid; 2 input problems",
        "failed  real_alice: HTTP 503 (3 attempts)",
        'problem x_params.json: unknown tuning field "speed" (known: enhanced_detection, '
        "facematch_frames, facematch_threshold, frame_sampling_rate, image_type, "
        "max_frames_to_analyze, unique_id)",
        "problem x_params.json: case 'x' has parameters but no image or video",
        f"wrote {output}",
    ]
    assert output.exists()


def test_an_interrupted_run_resumes_to_the_same_archive(
    harness: Harness, input_zip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = tmp_path / "reference.zip"
    assert main(["bulk", str(input_zip), "-o", str(reference), "--no-timings"]) == 0
    output = tmp_path / "out.zip"
    journal = tmp_path / "out.zip.journal.jsonl"
    command = ["bulk", str(input_zip), "-o", str(output), "--no-timings", "--concurrency", "1"]
    capsys.readouterr()

    harness.posts, harness.interrupt_at = 0, 3
    assert main(command) == 130
    _, err = capsys.readouterr()
    assert err.splitlines()[-1] == (
        f"liveness-kit bulk: interrupted; 2 finished cases are kept in {journal}: "
        "run the same command with --resume to continue"
    )
    assert journal.exists() and not output.exists()

    assert main(command) == 2
    _, err = capsys.readouterr()
    assert err == (
        f"{ERROR_PREFIX}{journal} holds an interrupted run: pass --resume to continue it, "
        "or delete it to start over\n"
    )

    harness.posts, harness.interrupt_at = 0, None
    assert main([*command, "--resume"]) == 0
    _, err = capsys.readouterr()
    assert err.splitlines()[0] == f"resuming: 2 finished cases in {journal}"
    assert harness.posts == 3
    assert output.read_bytes() == reference.read_bytes()
    assert not journal.exists()


def test_an_interrupt_while_the_archive_is_written_keeps_the_journal(
    harness: Harness,
    input_zip: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def interrupted_while_writing(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    output = tmp_path / "out.zip"
    journal = tmp_path / "out.zip.journal.jsonl"
    monkeypatch.setattr(bulk_cli, "write_archive", interrupted_while_writing)
    assert main(["bulk", str(input_zip), "-o", str(output)]) == 130
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (
        f"liveness-kit bulk: interrupted; 5 finished cases are kept in {journal}: "
        "run the same command with --resume to continue"
    )
    assert journal.exists() and not output.exists()


def test_a_development_token_is_minted_for_the_local_mock(
    harness: Harness, input_zip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LIVENESS_KIT_TOKEN")
    assert main(["bulk", str(input_zip)]) == 0
    claims = verify_token(harness.tokens[0], Settings())
    assert claims["exp"] - claims["iat"] == 24 * 3600


def test_an_explicit_token_wins(harness: Harness, input_zip: Path) -> None:
    assert main(["bulk", str(input_zip), "--token", "mine"]) == 0
    assert harness.tokens == ["mine", "mine"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


USAGE_ERRORS = [
    ("missing", ["{missing}"], "cannot read {missing}: No such file or directory"),
    ("not_a_zip", ["{text}"], "{text}: not a readable ZIP archive (File is not a zip file)"),
    ("concurrency", ["{input}", "--concurrency", "0"],
     "--concurrency must be a whole number from 1 to 64, got '0'"),
    ("concurrency_text", ["{input}", "--concurrency", "many"],
     "--concurrency must be a whole number from 1 to 64, got 'many'"),
    ("retries", ["{input}", "--retries", "11"],
     "--retries must be a whole number from 0 to 10, got '11'"),
    ("timeout", ["{input}", "--timeout", "0"],
     "--timeout must be a number of seconds from 0 to 3600"),
    ("timeout_nan", ["{input}", "--timeout", "nan"],
     "--timeout must be a number of seconds from 0 to 3600"),
    ("base_url_scheme", ["{input}", "--base-url", "ftp://example.com"],
     "--base-url must be an http:// or https:// URL, got 'ftp://example.com'"),
    ("base_url_host", ["{input}", "--base-url", "http://"],
     "--base-url must be an http:// or https:// URL, got 'http://'"),
    ("no_token", ["{input}", "--base-url", "https://api.example.com"],
     "no token: pass --token or set LIVENESS_KIT_TOKEN"),
    ("output_directory_missing", ["{input}", "-o", "{tmp}/nowhere/out.zip"],
     "cannot write {tmp}/nowhere/out.zip: no directory {tmp}/nowhere"),
    ("output_is_directory", ["{input}", "-o", "{tmp}"],
     "-o {tmp} is a directory; name the output file"),
    ("output_is_input", ["{input}", "-o", "{input}"], "the output must not overwrite the input"),
    ("retry_failed_alone", ["{input}", "--retry-failed"], "--retry-failed goes with --resume"),
    ("unreachable", ["{input}", "--token", "t", "--base-url", "http://127.0.0.1:{port}"],
     "cannot connect to http://127.0.0.1:{port}: All connection attempts failed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "message"), [pytest.param(*rest, id=name) for name, *rest in USAGE_ERRORS]
)
def test_usage_errors_are_one_line_and_exit_2(
    tmp_path: Path,
    input_zip: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    monkeypatch.delenv("LIVENESS_KIT_TOKEN", raising=False)
    text = tmp_path / "notes.zip"
    text.write_text("not a zip\n")
    values = {
        "missing": str(tmp_path / "missing.zip"),
        "text": str(text),
        "input": str(input_zip),
        "tmp": str(tmp_path),
        "port": str(_closed_port()),
    }

    def fill(template: str) -> str:
        return template.format(**values)

    status = main(["bulk", *map(fill, arguments)])

    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    expected = fill(message)
    if "cannot connect" in expected:  # the exact wording depends on the platform
        assert err.startswith(ERROR_PREFIX + expected.split(": All")[0])
        assert err.count("\n") == 1
    else:
        assert err == ERROR_PREFIX + expected + "\n"


def test_a_hostile_archive_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(make_zip([(f"f{n}_image.jpg", b"x") for n in range(3)]))
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    data[end + 8 : end + 12] = (65_000).to_bytes(2, "little") * 2
    path.write_bytes(bytes(data))

    assert main(["bulk", str(path)]) == 2
    _, err = capsys.readouterr()
    assert err == (
        f"{ERROR_PREFIX}{path}: the archive declares 65000 entries, more than the limit 20000\n"
    )


def test_progress_is_a_bar_on_a_terminal() -> None:
    import io

    from bulk import Progress

    stream = io.StringIO()
    line = bulk_cli.ProgressLine(stream, tty=True)
    line(Progress(0, 4, {}, 0.0))
    line(Progress(4, 4, {"ok": 3, "failed": 1}, 1.0))
    line.close()
    assert stream.getvalue() == (
        "\r[........................] 0/4 ok 0 4xx 0 failed 0"
        "\r[########################] 4/4 ok 3 4xx 0 failed 1\n"
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "is empty or truncated; delete it to start over"),
        (b'{"format": "something else"}\n', "is not a bulk journal; delete it to start over"),
    ],
    ids=["empty", "foreign"],
)
def test_a_journal_that_cannot_be_resumed_is_one_line(
    harness: Harness,
    input_zip: Path,
    content: bytes,
    problem: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    journal = input_zip.with_name("labelled-results.zip.journal.jsonl")
    journal.write_bytes(content)
    assert main(["bulk", str(input_zip), "--resume"]) == 2
    assert capsys.readouterr().err == f"{ERROR_PREFIX}{journal} {problem}\n"
    assert journal.read_bytes() == content
