from __future__ import annotations

import base64
import json
import logging

import pytest

from tests.mock_server.conftest import Client
from tests.mock_server.helpers import form, jpeg, mp4

KEYS = {"api", "path", "status", "duration_ms", "mode", "unique_id", "code", "scenario"}


def test_one_json_line_per_request_without_token_or_media(
    client: Client, auth: dict[str, str], token: str, caplog: pytest.LogCaptureFixture
) -> None:
    still = jpeg(40, 40, 3)
    text = base64.b64encode(still).decode()
    body, content_type = form(
        video=mp4(), fields={"image_type": "base64", "image": text, "unique_id": "log-1"}
    )
    with caplog.at_level(logging.DEBUG):
        ok = client.post(
            "/v2/liveness", content=body, headers={**auth, "Content-Type": content_type}
        )
        refused = client.post("/liveness", content=body, headers={"Content-Type": content_type})
    assert (ok.status_code, refused.status_code) == (200, 401)
    access = [r for r in caplog.records if r.name == "liveness_kit.access"]
    assert len(access) == 2
    lines = [json.loads(record.getMessage()) for record in access]
    assert all(set(line) == KEYS for line in lines)
    assert lines[0]["status"] == 200 and lines[0]["mode"] == "image_video"
    assert lines[0]["unique_id"] == "log-1" and lines[0]["api"] == "v2"
    assert lines[1]["status"] == 401 and lines[1]["code"] == "missing_token"
    everything = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    assert token not in everything
    assert token.split(".")[2] not in everything
    assert text[:64] not in everything
    assert "uvicorn.access" not in {record.name for record in caplog.records}


def test_errors_are_logged_with_their_code(
    client: Client, auth: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    body, content_type = form(image=b"GIF89a" + bytes(10))
    with caplog.at_level(logging.INFO, logger="liveness_kit.access"):
        client.post("/liveness", content=body, headers={**auth, "Content-Type": content_type})
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name.endswith("access")]
    assert line["code"] == "unsupported_image_format" and line["status"] == 400
