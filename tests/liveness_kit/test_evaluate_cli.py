from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest

import evaluation
from liveness_kit import evaluate_cli
from liveness_kit.cli import main
from tests.bulk.support import DroppingTransport, FakeApi, make_zip, read_zip, sample_zip

ERROR_PREFIX = "liveness-kit evaluate: error: "
BASE_URL = "http://127.0.0.1:8080"
LABELS = (
    "case,label,subject,pair\n"
    "real_alice,bona_fide,alice,\n"
    "batch1/fake_bob,attack:print,bob,\n"
    "batch1/real_carol,bona_fide,carol,genuine\n"
    "bad_dave,attack:print,dave,\n"
    "real_erin,attack:screen,erin,\n"
)


class Harness:
    """The evaluate command's HTTP client wired to a fake API, with an interrupt switch."""

    def __init__(self) -> None:
        self.api = FakeApi()
        self.posts = 0
        self.interrupt_at: int | None = None

    def make_client(
        self, base_url: httpx.URL, token: str, *, concurrency: int = 4
    ) -> httpx.AsyncClient:
        inner = DroppingTransport(httpx.ASGITransport(app=self.api.app()), self.api)
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.AsyncClient(
            transport=_Interrupting(inner, self), base_url=base_url, headers=headers
        )


class _Interrupting(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, harness: Harness) -> None:
        self.inner, self.harness = inner, harness

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.harness.posts += 1
            if self.harness.posts == self.harness.interrupt_at:
                raise KeyboardInterrupt
        return await self.inner.handle_async_request(request)


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> Harness:
    harness = Harness()
    monkeypatch.setattr(evaluate_cli, "make_client", harness.make_client)
    monkeypatch.setenv("LIVENESS_KIT_TOKEN", "test-token")
    return harness


@pytest.fixture
def cases_zip(tmp_path: Path) -> Path:
    path = tmp_path / "cases.zip"
    path.write_bytes(make_zip([*read_zip(sample_zip()).items(), ("labels.csv", LABELS)]))
    return path


def evaluate(cases: Path, out: Path, *extra: str) -> int:
    return main(["evaluate", str(cases), "--base-url", BASE_URL, "-o", str(out), *extra])


def test_a_labelled_archive_gives_the_report_in_dir(
    harness: Harness, cases_zip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert evaluate(cases_zip, out) == 0
    stdout = capsys.readouterr().out
    assert stdout.startswith(f"# Evaluation of {BASE_URL} (v2)\n")
    assert sorted(path.name for path in out.iterdir()) == [
        "det.svg",
        "report.html",
        "report.json",
        "report.md",
        "results.zip",
    ]
    point = json.loads((out / "report.json").read_text())["operating_point"]
    assert point["apcer"]["print"] == {
        "presentations": 2,
        "errors": 0,
        "decisions": 1,
        "rate": 0.0,
        "interval_95": [0.0, 0.975],
        "non_responses": 1,
    }
    assert point["apcer_worst"]["species"] == "screen" and point["apcer_worst"]["rate"] == 1.0
    assert (point["bpcer"]["errors"], point["bpcer"]["decisions"]) == (0, 2)
    assert point["facematch"]["false_non_match"]["decisions"] == 1
    assert point["non_responses"] == {"attack:print": {"HTTP 400 corrupt_image": 1}}
    assert read_zip((out / "results.zip").read_bytes())["labels.csv"] == LABELS.encode()


@pytest.mark.parametrize(
    ("gate", "status", "line"),
    [
        (["--max-apcer", "1"], 0, "Quality gate (max_apcer 100.00%): passed"),
        (
            ["--max-apcer", "50%"],
            1,
            "- APCER 100.00% (species screen, 1/1) is above --max-apcer 50.00%",
        ),
        (["--max-bpcer", "0"], 0, "Quality gate (max_bpcer 0.00%): passed"),
        (
            ["--max-apcer", "0.5", "--max-bpcer", "0"],
            1,
            "Quality gate (max_apcer 50.00%, max_bpcer 0.00%): FAILED",
        ),
    ],
    ids=["apcer-pass", "apcer-breach", "bpcer-pass", "both-breach"],
)
def test_the_gate_exits_1_on_a_breach(
    harness: Harness,
    cases_zip: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    gate: list[str],
    status: int,
    line: str,
) -> None:
    assert evaluate(cases_zip, tmp_path / "out", *gate) == status
    assert line in capsys.readouterr().out.splitlines()
    document = json.loads((tmp_path / "out" / "report.json").read_text())
    assert document["gate"]["passed"] is (status == 0)


def test_a_result_archive_gives_the_same_report_and_sends_nothing(
    harness: Harness, cases_zip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evaluate(cases_zip, tmp_path / "a") == 0
    posts = harness.posts
    results = tmp_path / "a" / "results.zip"
    assert main(["evaluate", "--results", str(results), "-o", str(tmp_path / "b")]) == 0
    assert harness.posts == posts
    first, second = (tmp_path / "a" / "report.json"), (tmp_path / "b" / "report.json")
    assert first.read_bytes() == second.read_bytes()
    command = ["evaluate", str(cases_zip), "--results", str(results), "-o", str(tmp_path / "c")]
    assert main(command) == 0
    assert (tmp_path / "c" / "report.json").read_bytes() == first.read_bytes()


def test_a_baseline_prints_the_deltas(
    harness: Harness, cases_zip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evaluate(cases_zip, tmp_path / "a") == 0
    baseline = json.loads((tmp_path / "a" / "report.json").read_text())
    baseline["operating_point"]["apcer"]["screen"]["rate"] = 0.25
    path = tmp_path / "previous.json"
    path.write_text(json.dumps(baseline))
    capsys.readouterr()
    assert evaluate(cases_zip, tmp_path / "b", "--baseline", str(path)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "- APCER screen            100.00% (baseline 25.00%, +75.00 points)" in lines
    assert "- BPCER                     0.00% (baseline 0.00%, +0.00 points)" in lines
    assert "- EER                       n/a (baseline n/a)" not in lines


def test_an_interrupted_run_resumes_to_the_same_report(
    harness: Harness, cases_zip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evaluate(cases_zip, tmp_path / "reference", "--concurrency", "1") == 0
    out = tmp_path / "out"
    journal = out / "results.zip.journal.jsonl"
    harness.posts, harness.interrupt_at = 0, 3
    assert evaluate(cases_zip, out, "--concurrency", "1") == 130
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        f"liveness-kit evaluate: interrupted; 2 finished cases are kept in {journal}: "
        "run the same command with --resume to continue"
    )
    assert journal.exists() and not (out / "report.json").exists()

    assert evaluate(cases_zip, out) == 2
    assert capsys.readouterr().err == (
        f"{ERROR_PREFIX}{journal} holds an interrupted run: pass --resume to continue it, "
        "or delete it to start over\n"
    )
    harness.posts, harness.interrupt_at = 0, None
    assert evaluate(cases_zip, out, "--resume", "--concurrency", "1") == 0
    assert harness.posts == 3
    assert capsys.readouterr().err.splitlines()[0] == f"resuming: 2 finished cases in {journal}"
    reference = (tmp_path / "reference" / "report.json").read_bytes()
    assert (out / "report.json").read_bytes() == reference
    assert not journal.exists()


def test_bad_and_missing_labels_are_reported_and_the_run_goes_on(
    harness: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = "case,label\nreal_alice,live\nreal_erin,attack:screen\nnobody,bona_fide\n"
    source = tmp_path / "cases.zip"
    source.write_bytes(make_zip([*read_zip(sample_zip()).items(), ("labels.csv", labels)]))
    assert evaluate(source, tmp_path / "out") == 0
    document = json.loads((tmp_path / "out" / "report.json").read_text())
    assert document["counts"] == {"trials": 1, "unlabelled": 4, "bona_fide_subjects": 0}
    assert document["problems"] == [
        "labels.csv: case 'bad_dave' has no label",
        "labels.csv: case 'batch1/fake_bob' has no label",
        "labels.csv: case 'batch1/real_carol' has no label",
        "labels.csv line 4: case 'nobody' is not in the archive",
        "labels.csv line 2: case 'real_alice': unknown label 'live' "
        "(expected bona_fide or attack:<species>)",
    ]
    assert harness.api.attempts["real_alice"] == 1  # it ran all the same


def _usage_cases(tmp: Path) -> list[tuple[list[str], str]]:
    report = tmp / "report.json"
    report.write_text('{"format": "other"}')
    plain = tmp / "plain.zip"
    plain.write_bytes(sample_zip())
    labelled = tmp / "cases.zip"
    afile = tmp / "afile"
    afile.write_text("x")
    return [
        ([str(labelled)], "-o DIR is required with CASES.zip or --results"),
        (
            [str(labelled), "-o", str(tmp / "o"), "--max-apcer", "2"],
            "--max-apcer must be a rate from 0 to 1 (0.05) or a percentage (5%), got '2'",
        ),
        (
            ["--max-bpcer", "abc"],
            "--max-bpcer must be a rate from 0 to 1 (0.05) or a percentage (5%), got 'abc'",
        ),
        (
            ["--results", str(labelled), "--base-url", BASE_URL, "-o", str(tmp / "o")],
            "--results sends nothing: --base-url does not apply",
        ),
        (["--resume"], "--resume continues a CASES.zip run; name the CASES.zip"),
        (
            [str(labelled), "-o", str(tmp / "o"), "--retry-failed"],
            "--retry-failed goes with --resume",
        ),
        (
            ["--baseline", str(tmp / "missing.json")],
            f"--baseline {tmp / 'missing.json'}: cannot read it (No such file or directory)",
        ),
        (
            ["--baseline", str(report)],
            f"--baseline {report}: not an evaluation report (liveness-kit-evaluation/1)",
        ),
        (
            [str(plain), "-o", str(tmp / "o")],
            f"{plain} has no labels.csv at its root: nothing to evaluate",
        ),
        ([str(labelled), "-o", str(afile)], f"-o {afile} is a file; name a directory"),
        (
            [str(labelled), "-o", str(tmp / "no" / "dir")],
            f"cannot create {tmp / 'no' / 'dir'}: no directory {tmp / 'no'}",
        ),
        (
            [str(tmp / "absent.zip"), "-o", str(tmp / "o")],
            f"cannot read {tmp / 'absent.zip'}: No such file or directory",
        ),
        (
            ["--results", str(plain), "-o", str(tmp / "o")],
            f"--results {plain}: not a bulk result archive: no manifest.json",
        ),
        (
            [str(labelled), "-o", str(tmp / "o"), "--concurrency", "0"],
            "--concurrency must be a whole number from 1 to 64, got '0'",
        ),
        (["--base-url", "ftp://x"], "--base-url must start with http:// or https://, got ftp://x"),
    ]


@pytest.mark.parametrize("index", range(15), ids=lambda i: f"case-{i}")
def test_usage_errors_are_one_line_and_exit_2(
    index: int, cases_zip: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments, message = _usage_cases(cases_zip.parent)[index]
    assert main(["evaluate", *arguments]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"{ERROR_PREFIX}{message}\n"
    assert not (cases_zip.parent / "o").exists()


def test_evaluate_exits_2_for_an_unreachable_server(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["evaluate", "--base-url", f"http://127.0.0.1:{port}", "--token", "t"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"liveness-kit evaluate: error: cannot reach http://127.0.0.1:{port}: ")
    assert error.count("\n") == 1


@pytest.mark.slow
def test_the_corpus_packed_as_a_labelled_zip_gives_the_corpus_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import fixtures

    corpus_json = tmp_path / "corpus.json"
    assert main(["evaluate", "--json", str(corpus_json), "-o", str(tmp_path / "corpus")]) == 0
    packed = tmp_path / "packed.zip"
    packed.write_bytes(evaluation.corpus_archive(list(fixtures.all_fixtures())))
    assert main(["evaluate", str(packed), "-o", str(tmp_path / "zip"), "--concurrency", "2"]) == 0

    legacy = json.loads(corpus_json.read_text())
    from_corpus = json.loads((tmp_path / "corpus" / "report.json").read_text())
    from_zip = json.loads((tmp_path / "zip" / "report.json").read_text())
    assert from_zip["operating_point"] == from_corpus["operating_point"]
    assert from_zip["sweep"] == from_corpus["sweep"]
    point = from_zip["operating_point"]
    for species, rate in legacy["apcer"].items():
        mine = point["apcer"][species]
        assert (mine["errors"], mine["decisions"]) == (rate["errors"], rate["total"])
    for mine, theirs in (
        (point["bpcer"], legacy["bpcer"]),
        (point["facematch"]["false_match"], legacy["facematch"]["false_match"]),
        (point["facematch"]["false_non_match"], legacy["facematch"]["false_non_match"]),
    ):
        assert (mine["errors"], mine["decisions"]) == (theirs["errors"], theirs["total"])
    assert from_zip["counts"]["trials"] == from_corpus["counts"]["trials"] > 20


def test_a_journal_of_another_run_is_one_line(
    harness: Harness, cases_zip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    journal = out / "results.zip.journal.jsonl"
    journal.write_text('{"format": "something else"}\n')
    assert evaluate(cases_zip, out, "--resume") == 2
    assert capsys.readouterr().err == (
        f"{ERROR_PREFIX}{journal} is not a bulk journal; delete it to start over\n"
    )


def test_a_result_archive_without_labels_needs_its_cases_zip(
    harness: Harness, cases_zip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evaluate(cases_zip, tmp_path / "a") == 0
    files = read_zip((tmp_path / "a" / "results.zip").read_bytes())
    del files["labels.csv"]
    bare = tmp_path / "bare.zip"
    bare.write_bytes(make_zip(files.items()))
    capsys.readouterr()
    assert main(["evaluate", "--results", str(bare), "-o", str(tmp_path / "b")]) == 2
    assert capsys.readouterr().err == (
        f"{ERROR_PREFIX}--results {bare} holds no labels.csv: name the CASES.zip it was run from\n"
    )
    command = ["evaluate", str(cases_zip), "--results", str(bare), "-o", str(tmp_path / "c")]
    assert main(command) == 0
    first = (tmp_path / "a" / "report.json").read_bytes()
    assert (tmp_path / "c" / "report.json").read_bytes() == first
