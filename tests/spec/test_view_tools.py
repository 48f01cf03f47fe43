"""Each derived view works with the tool it exists for."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from email import policy
from email.message import Message
from email.parser import BytesParser
from io import BytesIO
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

import spec

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\xff\xd9"


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    if generator is None:
        pytest.fail("openapi-python-client is not installed (it is in the dev extra)")
    workdir = tmp_path_factory.mktemp("client")
    document = workdir / "flat.json"
    document.write_text(json.dumps(spec.view("flat")), encoding="utf-8")
    package = workdir / "liveness_flat_client"
    completed = subprocess.run(
        [
            generator,
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--output-path",
            str(package),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    sys.path.insert(0, str(workdir))
    try:
        yield importlib.import_module("liveness_flat_client")
    finally:
        sys.path.remove(str(workdir))
        for name in [m for m in sys.modules if m.startswith("liveness_flat_client")]:
            del sys.modules[name]


def _parts(request: httpx.Request) -> dict[str, Message]:
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + request.content)
    return {
        part.get_param("name", header="content-disposition"): part for part in message.iter_parts()
    }  # type: ignore[attr-defined]


@pytest.mark.tools
def test_flat_view_client_sends_a_real_file_part(generated_client: ModuleType) -> None:
    api = importlib.import_module("liveness_flat_client.api.liveness.liveness_v1")
    models = importlib.import_module("liveness_flat_client.models")
    types = importlib.import_module("liveness_flat_client.types")
    captured: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(401, json={"detail": {"code": "invalid_token"}, "message": "no"})

    client: Any = generated_client.AuthenticatedClient(
        base_url="http://liveness.test",
        token="t0ken",
        httpx_args={"transport": httpx.MockTransport(answer)},
    )
    body = models.LivenessV1LivenessMultipartRequest(
        image=types.File(payload=BytesIO(JPEG), file_name="face.jpg", mime_type="image/jpeg"),
        frame_sampling_rate="10",
    )
    response = api.sync_detailed(client=client, body=body)

    assert response.status_code == 401
    (request,) = captured
    assert request.url.path == "/liveness"
    assert request.headers["authorization"] == "Bearer t0ken"
    parts = _parts(request)
    assert set(parts) == {"image", "frame_sampling_rate"}
    image = parts["image"]
    assert image.get_filename() == "face.jpg"
    assert image.get_content_type() == "image/jpeg"
    assert image.get_payload(decode=True) == JPEG
    assert parts["frame_sampling_rate"].get_payload(decode=True) == b"10"


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    from bench.load import serve

    with serve() as (base_url, _):
        yield base_url


def _fixture_file(types: ModuleType, name: str) -> Any:
    import fixtures

    fixture = fixtures.get(name)
    return types.File(
        payload=BytesIO(fixture.read_bytes()),
        file_name=fixture.filename,
        mime_type=fixture.media_type,
    )


@pytest.mark.tools
@pytest.mark.slow
@pytest.mark.parametrize("api", ["v1", "v2"])
@pytest.mark.parametrize(
    ("fields", "status", "model"),
    [
        pytest.param({"image": "genuine_still"}, 200, "Liveness{API}Response", id="image"),
        pytest.param(
            {"image": "genuine_still", "video": "genuine_video", "facematch_frames": "4"},
            200,
            "Liveness{API}Response",
            id="image-video",
        ),
        pytest.param(
            {"image": "genuine_still", "enhanced_detection": "False", "video": "genuine_video"},
            200,
            "Liveness{API}Response",
            id="image-video-legacy",
        ),
        pytest.param(
            {"image": "genuine_still", "frame_sampling_rate": "0"},
            422,
            "ValidationErrorBody",
            id="invalid-tuning",
        ),
        pytest.param({"image": "corrupt_jpeg"}, 400, "ErrorBody", id="corrupt-still"),
    ],
)
def test_generated_client_calls_the_real_mock(
    generated_client: ModuleType,
    mock_url: str,
    api: str,
    fields: dict[str, str],
    status: int,
    model: str,
) -> None:
    from bench.load import development_token

    module = importlib.import_module(f"liveness_flat_client.api.liveness.liveness_{api}")
    models = importlib.import_module("liveness_flat_client.models")
    types = importlib.import_module("liveness_flat_client.types")
    request_model = getattr(models, f"Liveness{api.upper()}LivenessMultipartRequest")
    values = {
        name: _fixture_file(types, value) if name in spec.MEDIA_FIELDS else value
        for name, value in fields.items()
    }
    client: Any = generated_client.AuthenticatedClient(
        base_url=mock_url, token=development_token(), timeout=httpx.Timeout(60)
    )
    with client:
        response = module.sync_detailed(client=client, body=request_model(**values))

    assert response.status_code == status, response.content
    parsed = response.parsed
    assert isinstance(parsed, getattr(models, model.format(API=api.upper())))
    assert parsed.to_dict() == json.loads(response.content)
    assert spec.response_errors(api, status, parsed.to_dict()) == []
