"""The playground and docs pages in a real Chromium, against a real mock server."""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

import fixtures
from mock_server import SCENARIOS
from tests.browser.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOCS_SCREENSHOT = ROOT / "docs" / "playground.png"
TIMEOUT_MS = 120_000


def _media(filename: str) -> str:
    try:
        fixture = fixtures.get(filename)
    except KeyError:  # fixtures are named by their file's stem
        fixture = fixtures.get(Path(filename).stem)
    return str(fixture.path)


def _open(page: Any) -> None:
    page.goto("/playground")
    page.wait_for_selector("body[data-ready='true']")


def _send(page: Any, status: int = 200) -> dict[str, Any]:
    page.click("#send")
    page.wait_for_selector(f"#status-line[data-status='{status}']", timeout=TIMEOUT_MS)
    body: dict[str, Any] = json.loads(page.text_content("#body-json"))
    return body


def _badge(page: Any, check: str) -> str:
    return str(page.text_content(f"#verdict [data-check='{check}'] .badge")).strip()


def test_single_image_shows_the_verdict(page: Any, screenshot_dir: Path) -> None:
    _open(page)
    page.set_input_files("#image", _media("genuine_still.jpg"))
    body = _send(page)
    assert body["result"] == "real" and body["image_input"] is True
    assert _badge(page, "liveness") == "REAL"
    assert _badge(page, "overall") == "PASS"
    assert _badge(page, "facematch") == "n/a"
    assert _badge(page, "blink") == "n/a"
    page.click("#tab-curl")
    command = page.text_content("#curl-command")
    assert "-F image=@genuine_still.jpg" in command
    assert "$LIVENESS_TOKEN" in command
    page.check("#curl-show-token")
    assert page.input_value("#token") in page.text_content("#curl-command")
    page.screenshot(path=screenshot_dir / "01-single-image-v1.png", full_page=True)


def test_image_and_video_fill_every_check(page: Any, screenshot_dir: Path) -> None:
    _open(page)
    page.click("label[for='api-v2']")
    page.set_input_files("#image", _media("genuine_still.jpg"))
    page.set_input_files("#video", _media("genuine_video.mp4"))
    body = _send(page)
    assert body["overall"]["mode"] == "image_video"
    facematch = body["image_video_facematch"]
    assert _badge(page, "facematch") in ("MATCH", "NO MATCH")
    line = page.text_content("#verdict [data-check='facematch']")
    assert f"{facematch['frames_tested']} of {facematch['frames_requested']} frames tested" in line
    assert f"threshold {facematch['threshold']}" in line
    frames = page.text_content("#verdict [data-check='frames']")
    assert f"{body['video']['frames_analyzed']} analysed" in frames
    assert _badge(page, "blink") in ("SEEN", "NOT SEEN")
    page.screenshot(path=screenshot_dir / "02-image-video-v2.png", full_page=True)
    if os.environ.get("LIVENESS_KIT_UPDATE_DOCS_SCREENSHOT") == "1":
        shutil.copyfile(screenshot_dir / "02-image-video-v2.png", DOCS_SCREENSHOT)


def test_switching_the_api_version_changes_the_body_shape(page: Any, screenshot_dir: Path) -> None:
    _open(page)
    page.set_input_files("#image", _media("genuine_still.jpg"))
    v1 = _send(page)
    assert "overall_result" in v1 and "overall" not in v1
    page.click("label[for='api-v2']")
    page.click("#send")
    page.wait_for_selector("#status-line:has-text('/v2/liveness')", timeout=TIMEOUT_MS)
    v2 = json.loads(page.text_content("#body-json"))
    assert set(v2) == {"image", "video", "image_video_facematch", "overall"}
    assert v2["video"] is None
    assert page.text_content("#verdict .reasons") is not None
    page.screenshot(path=screenshot_dir / "03-single-image-v2.png", full_page=True)


def test_a_bad_tuning_value_is_flagged_before_sending(page: Any, screenshot_dir: Path) -> None:
    _open(page)
    page.set_input_files("#image", _media("genuine_still.jpg"))
    page.fill("#tuning-frame_sampling_rate", "0")
    page.fill("#tuning-facematch_threshold", "1.5")
    message = page.text_content("#error-frame_sampling_rate")
    assert "must be a whole number from 1 to 999" in message
    assert "must be a decimal from 0 to 1" in page.text_content("#error-facematch_threshold")
    assert page.get_attribute("#tuning-frame_sampling_rate", "aria-invalid") == "true"
    assert page.is_disabled("#send")
    page.screenshot(path=screenshot_dir / "04-bad-tuning-flagged.png", full_page=True)

    page.uncheck("#check-before-send")  # now the server's 422 is shown
    body = _send(page, status=422)
    assert set(body["detail"]["body"]) == {"facematch_threshold", "frame_sampling_rate"}
    assert "HTTP 422" in page.text_content("#verdict .error-box")

    page.check("#check-before-send")
    page.fill("#tuning-frame_sampling_rate", "10")
    page.fill("#tuning-facematch_threshold", "")
    assert page.is_enabled("#send")
    assert page.text_content("#error-frame_sampling_rate") == ""


def test_tabs_work_from_the_keyboard(page: Any) -> None:
    _open(page)
    page.focus("#tab-single")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("#tab-bulk", "aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "tab-bulk"
    assert page.is_visible("#panel-bulk") and page.is_hidden("#panel-single")
    page.keyboard.press("Home")
    assert page.is_visible("#panel-single")


def test_bulk_runs_the_example_archive(page: Any, screenshot_dir: Path, tmp_path: Path) -> None:
    _open(page)
    page.click("#tab-bulk")
    page.set_input_files("#bulk-archive", str(fixtures.bulk_example_zip()))
    page.click("#bulk-start")
    page.wait_for_selector("#bulk-download:not([hidden])", timeout=TIMEOUT_MS * 2)
    assert page.get_attribute("#bulk-job", "data-state") == "done"
    assert page.locator("#bulk-summary tbody tr").count() > 0
    page.screenshot(path=screenshot_dir / "05-bulk-done.png", full_page=True)
    with page.expect_download() as download_info:
        page.click("#bulk-download")
    target = tmp_path / "result.zip"
    download_info.value.save_as(target)
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as archive:
        names = archive.namelist()
        assert "summary.csv" in names and "manifest.json" in names
        rows = archive.read("summary.csv").decode().strip().splitlines()
    assert len(rows) > 1


def test_docs_page_renders_the_contract(page: Any, screenshot_dir: Path) -> None:
    page.goto("/docs")
    page.wait_for_selector("body[data-ready='true']")
    assert page.is_visible("#op-livenessV1 .method")
    assert page.is_visible("#op-livenessV2")
    assert page.is_visible("#schema-LivenessV1Response table")
    assert page.is_visible("#invariants")
    page.click("#docs-nav a[href='#schema-FrameSamplingRate']")
    assert "^[1-9][0-9]{0,2}$" in page.text_content("#schema-FrameSamplingRate")
    page.screenshot(path=screenshot_dir / "06-docs.png")
    page.goto("/docs#op-livenessV2")
    page.wait_for_selector("body[data-ready='true']")
    page.screenshot(path=screenshot_dir / "07-docs-operation.png")


def test_page_fits_a_narrow_screen(page: Any, screenshot_dir: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.screenshot(path=screenshot_dir / "08-narrow.png", full_page=True)


def test_the_mock_outcome_menu_comes_from_the_catalogue(page: Any) -> None:
    _open(page)
    page.wait_for_selector("#mock-choice optgroup[label='Scenarios'] option", state="attached")
    listed = page.eval_on_selector_all(
        "#mock-choice optgroup[label='Scenarios'] option", "options => options.map(o => o.text)"
    )
    assert listed == list(SCENARIOS)
    faults = page.eval_on_selector_all(
        "#mock-choice optgroup[label='Faults'] option", "options => options.map(o => o.text)"
    )
    assert "reset" in faults
    page.set_input_files("#image", _media("genuine_still.jpg"))
    page.select_option("#mock-choice", "X-Mock-Scenario: spoof_print")
    body = _send(page)
    assert body["result"] == "fake"
    page.select_option("#mock-choice", "X-Mock-Fault: latency=800")  # (a 5xx logs to the console)
    page.click("#send")
    page.wait_for_selector(
        "#curl-command:has-text('X-Mock-Fault')", state="attached", timeout=TIMEOUT_MS
    )
    page.click("#tab-curl")
    assert "-H 'X-Mock-Fault: latency=800'" in page.text_content("#curl-command")
