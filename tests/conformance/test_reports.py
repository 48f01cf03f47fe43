"""Report output, snapshot-tested after durations and hosts are normalised.

Regenerate the snapshots with ``UPDATE_SNAPSHOTS=1 pytest tests/conformance/test_reports.py``.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from conformance import (
    JsonWriter,
    JUnitWriter,
    MarkdownWriter,
    RunConfig,
    Target,
    TerminalWriter,
    curl,
    run,
)
from conformance._coverage import GAPS
from tests.conformance.asgi import Fault, Memo
from tests.conformance.faults import FAULTS

SNAPSHOTS = Path(__file__).with_name("snapshots")
KEYWORD = "AUTH-001 or AUTH-002 or MODE-001 or INV-ECHO"


def normalise(text: str, token: str) -> str:
    text = text.replace(token, "{TOKEN}")
    text = re.sub(r"\d+\.\d+ ?s\b", "{DURATION}s", text)
    text = re.sub(r"(?m)^(Response: `\d+`) .*$", r"\1 {BODY}", text)
    text = re.sub(r'("duration": )[0-9.]+', r'\1"{DURATION}"', text)
    text = re.sub(r'(time=")[0-9.]+(")', r"\1{DURATION}\2", text)
    text = re.sub(r"/[^\s'\"]*/fixtures/media/|/[^\s'\"]*/out1/media/", "{MEDIA}/", text)
    # Response bodies come from the implementation, not from the report format.
    text = re.sub(r'("body": )"(?:[^"\\]|\\.)*"', r'\1"{BODY}"', text)
    text = re.sub(r"(?m)^(      )\{.*$", r"\1{BODY}", text)
    text = re.sub(r"('content-length': '|\"content-length\": \")\d+", r"\1{N}", text)
    return text.replace("http://conformance.invalid", "{HOST}")


def snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {name}: run with UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8"), f"snapshot {name} differs"


def _faulty(memo: Memo, fault_id: str) -> Any:
    fault = next(f for f, _ in FAULTS if f.id == fault_id)
    before, after = fault.hooks()
    return Fault(memo, before=before, after=after)


@pytest.fixture
def reports(memo: Memo, token: str, tmp_path: Path) -> dict[str, str]:
    stream = io.StringIO()
    writers = [
        TerminalWriter(stream),
        JsonWriter(tmp_path / "report.json"),
        JUnitWriter(tmp_path / "junit.xml"),
        MarkdownWriter(tmp_path / "summary.md"),
    ]
    target = Target(app=_faulty(memo, "tuning-not-reflected"))
    config = RunConfig(token=token, keyword=KEYWORD)
    try:
        for event in run(target, config):
            for writer in writers:
                writer.handle(event)
    finally:
        target.close()
    return {
        "terminal": normalise(stream.getvalue(), token),
        "json": normalise((tmp_path / "report.json").read_text(encoding="utf-8"), token),
        "junit": normalise((tmp_path / "junit.xml").read_text(encoding="utf-8"), token),
        "markdown": normalise((tmp_path / "summary.md").read_text(encoding="utf-8"), token),
    }


def test_terminal_report_snapshot(reports: dict[str, str]) -> None:
    snapshot("terminal.txt", reports["terminal"])
    assert "== FAILED:" in reports["terminal"]


def test_json_report_snapshot(reports: dict[str, str]) -> None:
    snapshot("report.json", reports["json"])
    document = json.loads(reports["json"])
    assert set(document) == {"summary", "results", "coverage"}
    assert document["summary"]["retries"] == {}
    assert document["summary"]["verdict"] == "FAILED"
    statuses = document["coverage"]["statuses"]
    assert "v2 200" in statuses["exercised"]
    assert {"item": "v2 413", "why": GAPS[("statuses", "413")]} in statuses["missed"]
    (failed,) = [r for r in document["results"] if r["status"] == "failed"]
    assert failed["id"] == "INV-ECHO"
    assert {"id", "severity", "status", "title", "message", "clause", "replay"} <= set(failed)
    assert failed["replay"]["curl"].startswith("curl ")
    assert '"Authorization: Bearer $TOKEN"' in failed["replay"]["curl"]
    assert failed["replay"]["response"]["status"] == 200


def test_junit_report_snapshot(reports: dict[str, str]) -> None:
    snapshot("junit.xml", reports["junit"])
    suite = ElementTree.fromstring(reports["junit"].encode())
    assert suite.get("failures") == "1"


def test_replay_masks_the_token_and_references_fixture_files(
    reports: dict[str, str], token: str
) -> None:
    assert token not in reports["json"]
    assert "-F 'image=@{MEDIA}/genuine_still.jpg;type=image/jpeg'" in reports["terminal"]


def test_replay_of_a_base64_image_and_a_raw_body() -> None:
    from conformance import Exchange, Request, Response
    from conformance._models import Part

    part = Part(name="image", content=b"aGk=", source="/m/a.jpg", base64_of="/m/a.jpg")
    request = Request(path="/liveness", parts=(part, Part.text("unique_id", "it's")))
    exchange = Exchange(request, Response(200, {}, b"{}"), "http://h/liveness")
    command = curl(exchange)
    assert '-F "image=$(base64 -w0 /m/a.jpg)"' in command
    assert "--form-string 'unique_id=it'\"'\"'s'" in command
    raw = Request(path="/liveness", body=b"{'a'}", content_type="application/json")
    assert "--data-binary $'{\\'a\\'}'" in curl(Exchange(raw, Response(400, {}, b""), "http://h/x"))


def test_markdown_report_snapshot(reports: dict[str, str]) -> None:
    snapshot("summary.md", reports["markdown"])
    text = reports["markdown"]
    assert text.startswith("## ❌ Liveness API conformance: FAILED")
    assert "<b>INV-ECHO</b>" in text
    assert "```sh\ncurl " in text
    assert "| Documented statuses | 4/10 |" in text
    assert "Retries: none" in text
