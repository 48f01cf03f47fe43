"""Contract coverage of a client's traffic: a scripted session, the reset, the report
written on shutdown, and the ``liveness-kit coverage`` gate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

import spec
from liveness_kit.cli import main
from mock_server import Settings
from mock_server.coverage import universe
from mock_server.pytest_plugin import LiveMock
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import SECRET, form, jpeg, mp4


def _send(
    client: Client,
    path: str,
    auth: dict[str, str],
    headers: dict[str, str] | None = None,
    **media: Any,
) -> httpx.Response:
    fields = media.pop("fields", {})
    body, content_type = form(**media, fields=fields)
    return client.post(
        path, content=body, headers={**auth, "Content-Type": content_type, **(headers or {})}
    )


def test_the_universe_is_the_contract_s() -> None:
    items = universe()
    assert items["operations"] == ("livenessV1", "livenessV2")
    assert len(items["branches"]) == 2 * len(spec.BRANCHES)
    assert "livenessV2 413" in items["statuses"]
    assert items["tuning"] == spec.TUNING_FIELDS
    assert "facematch_below_threshold" in items["v2_reasons"]
    assert "video_too_long" in items["error_codes"]


def test_counts_after_a_scripted_session_then_reset(make_client: Any, auth: dict[str, str]) -> None:
    client = make_client()
    _send(client, "/liveness", auth, image=jpeg())
    _send(client, "/v2/liveness", auth, video=mp4(), fields={"frame_sampling_rate": "2"})
    _send(client, "/v2/liveness", auth, {"X-Mock-Scenario": "spoof_print"}, image=jpeg())
    _send(client, "/v2/liveness", auth, {"Prefer": "code=200, example=video_only"}, video=mp4())
    _send(client, "/liveness", {}, image=jpeg())  # 401 missing_token
    _send(client, "/liveness", auth)  # 400 missing_media
    _send(client, "/liveness", auth, image=jpeg(), fields={"facematch_threshold": "2"})  # 422
    _send(client, "/liveness", auth, {"X-Mock-Fault": "status=503"}, image=jpeg())
    _send(client, "/liveness", auth, {"X-Mock-Fault": "latency=1"}, image=jpeg())

    report = client.get("/__mock/coverage", headers=auth).json()
    categories = report["categories"]
    assert report["requests"] == 9
    assert categories["operations"]["items"] == {"livenessV1": 6, "livenessV2": 3}
    branches = categories["branches"]["items"]
    assert branches["livenessV1 ImageOnlyRequest"] == 2  # analysed ones: not the 401, 422, 503
    assert branches["livenessV2 VideoOnlyRequest"] == 2
    assert branches["livenessV2 ImageAndVideoRequest"] == 0
    statuses = categories["statuses"]["items"]
    assert (statuses["livenessV1 200"], statuses["livenessV1 401"]) == (2, 1)
    assert (statuses["livenessV1 400"], statuses["livenessV1 422"]) == (1, 1)
    assert statuses["livenessV1 413"] == 0
    assert report["mock"]["other_statuses"] == {"livenessV1 503": 1}
    codes = categories["error_codes"]["items"]
    assert (codes["missing_token"], codes["missing_media"], codes["corrupt_image"]) == (1, 1, 0)
    assert categories["v2_reasons"]["items"]["spoof_print"] >= 1
    assert categories["v2_reasons"]["items"]["no_blink"] >= 1  # from the video_only example
    tuning = categories["tuning"]["items"]
    assert (tuning["frame_sampling_rate"], tuning["facematch_threshold"], tuning["unique_id"]) == (
        1,
        1,
        0,
    )
    assert report["mock"]["scenarios"] == {"spoof_print": 1}
    assert report["mock"]["examples"] == {"video_only": 1}
    assert report["mock"]["faults"] == {"latency": 1, "status": 1}
    covered = sum(c["covered"] for c in categories.values())
    total = sum(c["total"] for c in categories.values())
    assert report["percent"] == round(100 * covered / total, 1)
    assert 0 < report["percent"] < 100

    assert client.request("DELETE", "/__mock/coverage", headers=auth).status_code == 204
    empty = client.get("/__mock/coverage", headers=auth).json()
    assert empty["requests"] == 0
    assert empty["percent"] == 0.0
    assert empty["mock"]["faults"] == {}


def test_the_report_is_written_on_shutdown_and_gated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "coverage" / "mock.json"
    settings = Settings(secret=SECRET, playground=False, coverage_out=str(out))
    with LiveMock(settings) as mock:
        httpx.post(
            f"{mock.base_url}/liveness",
            files={"image": ("a.jpg", jpeg(), "image/jpeg")},
            headers=mock.headers,
        )
        assert not out.exists()
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["requests"] == 1
    assert "# Contract coverage" in out.with_suffix(".md").read_text(encoding="utf-8")
    assert "livenessV1 ImageOnlyRequest" not in out.with_suffix(".md").read_text(encoding="utf-8")

    assert main(["coverage", str(out), "--fail-under", str(report["percent"])]) == 0
    assert main(["coverage", str(out), "--fail-under", "99"]) == 1
    printed = capsys.readouterr().out
    assert "is below 99 %" in printed and "Not exercised" in printed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "cannot read", id="missing"),
        pytest.param("not json", "is not a JSON coverage report", id="not-json"),
        pytest.param('{"format": "other"}', "is not a coverage report", id="wrong-format"),
        pytest.param(
            '{"format": "liveness-kit-coverage/1", "categories": {"x": 1}}',
            "cannot be read",
            id="bad-categories",
        ),
    ],
)
def test_a_bad_report_is_a_one_line_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["coverage", str(path)]) == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1


def test_fail_under_must_be_a_percentage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["coverage", str(tmp_path / "r.json"), "--fail-under", "120"]) == 2
    assert "--fail-under must be from 0 to 100" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["--coverage-out", "c.json", "--workers", "2"],
            "--coverage-out needs --workers 1",
            id="coverage-with-workers",
        ),
        pytest.param(["--fault", "503:p=7"], "the probability must be p=P", id="bad-probability"),
        pytest.param(["--fault", "meteor"], "unknown fault 'meteor'", id="unknown-fault"),
    ],
)
def test_bad_serve_options_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["serve", "--port", "1", *argv]) == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1
