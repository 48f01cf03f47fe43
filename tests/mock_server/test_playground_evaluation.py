"""The Bulk tab's evaluation: a ZIP with labels.csv gets the report, DET drawing included."""

from __future__ import annotations

import io
import time
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

import anyio.from_thread
import pytest

from mock_server import Settings, create_app, issue_token, pages
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import SECRET, jpeg

LABELS = b"case,label\nlive,bona_fide\nprint,attack:print\nblank,bona_fide\n"


@pytest.fixture(scope="module")
def web(portal: anyio.from_thread.BlockingPortal) -> Client:
    return Client(create_app(Settings(secret=SECRET, playground=True)), portal)


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _run(web: Client, archive: bytes) -> dict[str, Any]:
    files = {"archive": ("cases.zip", archive, "application/zip")}
    token = issue_token(Settings(secret=SECRET))
    job: dict[str, Any] = web.post(
        "/playground/bulk",
        files=files,
        data={"api": "v2"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    deadline = time.monotonic() + 120
    while job["state"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
        job = web.get(job["progress_url"]).json()
    return job


def test_a_labelled_zip_gets_the_evaluation_report(web: Client) -> None:
    archive = _zip(
        {
            "live_image.jpg": jpeg(),
            "print_image.jpg": jpeg(seed=3),
            "blank_image.jpg": b"not a jpeg",
            "labels.csv": LABELS,
        }
    )
    job = _run(web, archive)
    assert job["state"] == "done", job
    report = job["report"]
    assert report["title"].startswith("Evaluation of ")
    heads = [row[0] for row in report["operating_point"]["rows"]]
    assert heads[0] == "APCER print" and "BPCER" in heads
    assert report["non_responses"][0][0] == "bona_fide"
    assert report["non_responses"][0][1].startswith("HTTP 400")
    root = ET.fromstring(report["det_svg"])
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert report["html"].startswith("<!DOCTYPE html>") and "<svg" in report["html"]
    download = zipfile.ZipFile(io.BytesIO(web.get(job["archive_url"]).content))
    assert download.read("labels.csv") == LABELS


def test_a_zip_without_labels_gets_no_report(web: Client) -> None:
    job = _run(web, _zip({"live_image.jpg": jpeg()}))
    assert job["state"] == "done" and job["report"] is None


def test_the_bulk_tab_script_renders_the_report() -> None:
    script = (pages.STATIC_DIR / "bulk.js").read_text(encoding="utf-8")
    assert "renderReport(job.report)" in script
    assert "data:image/svg+xml" in script  # the DET drawing, inline: nothing is fetched
