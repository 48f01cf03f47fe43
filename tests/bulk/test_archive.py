from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

import fixtures
from bulk import (
    SUMMARY_COLUMNS,
    CaseResult,
    archive_files,
    read_cases,
    run_bulk,
    write_archive,
)
from bulk import _archive as archive_module
from mock_server import Settings, create_app, issue_token
from tests.bulk.support import (
    JPEG,
    PNG,
    FakeApi,
    make_zip,
    params,
    read_zip,
    sample_zip,
)

OPTIONS = {"api": "v2", "base_url": "http://fake.test", "retries": 3, "timeout": 60.0}


def sample_run() -> tuple[list[CaseResult], list[Any]]:
    data = make_zip(
        [
            *read_zip(sample_zip()).items(),
            ("notes.txt", b"x"),
            ("broken_image.jpg", JPEG),
            ("broken_params.json", params(frame_sampling_rate="0")),
        ]
    )
    case_set = read_cases(data)

    async def main() -> list[CaseResult]:
        async with FakeApi(plan={"real_erin": [503] * 2}).client() as client:
            return await run_bulk(case_set.cases, client, retries=1, backoff=0.0)

    return asyncio.run(main()), case_set.problems


def test_the_archive_has_the_documented_layout() -> None:
    results, problems = sample_run()
    files = read_zip(_written(results, problems, timings=False))

    assert sorted(files) == [
        "cases/bad_dave/response.json",
        "cases/bad_dave/status",
        "cases/batch1/fake_bob/response.json",
        "cases/batch1/fake_bob/status",
        "cases/batch1/real_carol/response.json",
        "cases/batch1/real_carol/status",
        "cases/real_alice/response.json",
        "cases/real_alice/status",
        "cases/real_erin/response.json",
        "cases/real_erin/status",
        "errors.json",
        "manifest.json",
        "summary.csv",
    ]
    assert files["cases/bad_dave/status"] == b"400\n"
    assert files["cases/real_erin/status"] == b"503\n"
    assert json.loads(files["cases/real_alice/response.json"])["overall"]["result"] == "real"
    assert files["summary.csv"].decode() == (
        "case,outcome,mode,http_status,result,confidence,overall_result,overall_confidence,"
        "facematch_result,duration_ms,error\n"
        "bad_dave,client_error,image,400,,,,,,,image: corrupt\n"
        "batch1/fake_bob,ok,video,200,fake,0.12,False,0.12,False,,\n"
        "batch1/real_carol,ok,image_video,200,real,0.93,True,0.93,True,,\n"
        'broken,invalid,,,,,,,,,"broken_params.json: frame_sampling_rate: must be a whole '
        'number from 1 to 999, got ""0"""\n'
        "real_alice,ok,image,200,real,0.93,True,0.93,False,,\n"
        "real_erin,failed,image,503,,,,,,,HTTP 503 (2 attempts)\n"
    )
    errors = json.loads(files["errors.json"])
    assert errors == {
        "problems": [
            {
                "entry": "broken_params.json",
                "case": "broken",
                "code": "bad_params",
                "message": 'frame_sampling_rate: must be a whole number from 1 to 999, got "0"',
            },
            {
                "entry": "notes.txt",
                "case": None,
                "code": "unknown_file",
                "message": "not a case file (expected <case>_image.jpg|jpeg|png, "
                "<case>_video.mp4|mov or <case>_params.json)",
            },
        ],
        "failed": [
            {
                "case": "real_erin",
                "mode": "image",
                "http_status": 503,
                "attempts": 2,
                "error": "HTTP 503 (2 attempts)",
            }
        ],
    }
    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == "liveness-kit-bulk/1"
    assert manifest["options"] == OPTIONS
    assert manifest["counts"] == {
        "cases": 6,
        "ok": 3,
        "client_error": 1,
        "failed": 1,
        "invalid": 1,
    }
    assert manifest["problems"] == 2
    carol_image = next(i for i in manifest["inputs"] if i["entry"] == "batch1/real_carol_image.png")
    assert carol_image == {
        "case": "batch1/real_carol",
        "entry": "batch1/real_carol_image.png",
        "role": "image",
        "size": len(PNG),
        "sha256": hashlib.sha256(PNG).hexdigest(),
    }
    entries = [item["entry"] for item in manifest["inputs"]]
    assert entries == sorted(entries)


def test_the_archive_is_deterministic() -> None:
    results, problems = sample_run()
    first = _written(results, problems, timings=False)
    again_results, again_problems = sample_run()
    assert _written(again_results, again_problems, timings=False) == first

    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        infos = archive.infolist()
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}


def test_durations_are_only_in_the_summary() -> None:
    results, problems = sample_run()
    timed = read_zip(_written(results, problems, timings=True))
    untimed = read_zip(_written(results, problems, timings=False))
    assert {name for name in timed if timed[name] != untimed[name]} == {"summary.csv"}
    rows = list(csv.DictReader(io.StringIO(timed["summary.csv"].decode())))
    assert list(rows[0]) == list(SUMMARY_COLUMNS)
    durations = {row["case"]: row["duration_ms"] for row in rows}
    assert durations.pop("broken") == ""
    assert all(value.isdigit() for value in durations.values())


def test_a_body_that_is_not_json_is_kept_as_text() -> None:
    case = read_cases(make_zip([("a_image.jpg", JPEG)])).cases[0]
    result = CaseResult(case, 404, b"<html>Not Found</html>")
    files = archive_files([result], [])
    assert files["cases/a/response.txt"] == b"<html>Not Found</html>"
    assert "cases/a/response.json" not in files
    assert b"a,client_error,image,404,,,,,,0,HTTP 404\n" in files["summary.csv"]


def test_writing_replaces_the_file_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results, problems = sample_run()
    output = tmp_path / "out.zip"
    write_archive(results, problems, output, options=OPTIONS)
    good = output.read_bytes()

    def broken_write(files: dict[str, bytes], stream: IO[bytes]) -> None:
        stream.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(archive_module, "_write_zip", broken_write)
    with pytest.raises(OSError, match="No space left"):
        write_archive(results, problems, output, options=OPTIONS)
    assert output.read_bytes() == good
    assert [path.name for path in tmp_path.iterdir()] == ["out.zip"]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda r: write_archive(r, [], 42), TypeError, "destination must be a path"),
        (lambda r: write_archive(r + r, [], io.BytesIO()), ValueError, "each case once"),
        (
            lambda r: write_archive(r, [], io.BytesIO(), options={"x": object()}),
            ValueError,
            "options must hold JSON values",
        ),
    ],
)
def test_arguments_are_validated(call: Any, error: type[Exception], message: str) -> None:
    case = read_cases(make_zip([("a_image.jpg", JPEG)])).cases[0]
    with pytest.raises(error, match=message):
        call([CaseResult(case, 200, b"{}")])


def _written(results: list[CaseResult], problems: list[Any], *, timings: bool) -> bytes:
    buffer = io.BytesIO()
    write_archive(results, problems, buffer, options=OPTIONS, timings=timings)
    return buffer.getvalue()


# --- the example archive against the reference mock -------------------------------------


def _example_and_app() -> tuple[Path, Any, str]:
    """The committed example archive and the mock: both are in the repository, so a
    missing one is a failure, not a reason to skip."""
    settings = Settings()
    return Path(fixtures.bulk_example_zip()), create_app(settings), issue_token(settings)


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_the_example_archive_against_the_mock(tmp_path: Path, api: str) -> None:
    example, app, token = _example_and_app()
    case_set = read_cases(example)
    assert case_set.problems == []

    async def main() -> list[CaseResult]:
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://mock.test", headers=headers
        ) as client:
            return await run_bulk(case_set.cases, client, api=api, concurrency=2)  # type: ignore[arg-type]

    results = asyncio.run(main())
    output = tmp_path / "results.zip"
    write_archive(results, case_set.problems, output, options={"api": api})
    files = read_zip(output.read_bytes())

    rows = {row["case"]: row for row in csv.DictReader(io.StringIO(files["summary.csv"].decode()))}
    assert {case: row["mode"] for case, row in rows.items()} == {
        "branch_b/counter": "image",
        "clip": "video",
        "onboarding": "image_video",
        "selfie": "image",
    }
    assert {row["outcome"] for row in rows.values()} == {"ok"}
    assert {row["http_status"] for row in rows.values()} == {"200"}
    assert rows["branch_b/counter"]["result"] == "fake"
    assert rows["branch_b/counter"]["overall_result"] == "False"
    assert rows["selfie"]["result"] == "real"
    assert rows["selfie"]["facematch_result"] == "False"
    for row in rows.values():
        assert row["overall_result"] in ("True", "False")
        assert 0 <= float(row["confidence"]) <= 1
        assert 0 <= float(row["overall_confidence"]) <= 1
    for case in rows:
        assert f"cases/{case}/response.json" in files
        assert files[f"cases/{case}/status"] == b"200\n"
    onboarding = json.loads(files["cases/onboarding/response.json"])
    if api == "v2":
        assert onboarding["overall"]["tuning"]["frame_sampling_rate"] == 5
    else:
        assert onboarding["frame_sampling_rate"] == 5
    assert json.loads(files["errors.json"]) == {"problems": [], "failed": []}
