from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

import spec
from bench.load import free_port, wait_until_up
from liveness_kit.cli import main
from mock_server import DEVELOPMENT_SECRET, Settings, SettingsError
from tests.mock_server.helpers import SECRET, form, jpeg, mp4

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "liveness_kit"]


def test_token_prints_a_token_the_settings_accept(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--secret", SECRET, "--ttl", "60", "--subject", "me"]) == 0
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["sub"] == "me" and claims["exp"] - claims["iat"] == 60


def test_token_defaults_to_the_development_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LIVENESS_KIT_SECRET", raising=False)
    assert main(["token", "--issuer", "iss", "--audience", "aud"]) == 0
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, DEVELOPMENT_SECRET, algorithms=["HS256"], audience="aud")
    assert claims["iss"] == "iss"


@pytest.mark.parametrize(
    "argv",
    [
        ["token", "--ttl", "0"],
        ["serve", "--port", "0"],
        ["serve", "--workers", "0"],
        ["serve", "--secret", "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----"],
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "error:" in error


def test_settings_come_from_the_environment() -> None:
    env = {
        "LIVENESS_KIT_SECRET": SECRET,
        "LIVENESS_KIT_MAX_VIDEO_BYTES": "1_000",
        "LIVENESS_KIT_ACCEPT_ANY_TOKEN": "yes",
        "LIVENESS_KIT_ALGORITHMS": "HS256, HS512",
        "LIVENESS_KIT_ISSUER": "",
    }
    settings = Settings.from_env(env, max_image_bytes=5)
    assert settings.max_video_bytes == 1000 and settings.max_image_bytes == 5
    assert settings.accept_any_token and settings.algorithms == ("HS256", "HS512")
    assert settings.issuer is None
    assert Settings.from_env(settings.to_env()) == settings


@pytest.mark.parametrize(
    "env",
    [
        {"LIVENESS_KIT_MAX_FIELDS": "many"},
        {"LIVENESS_KIT_MAX_FIELDS": "0"},
        {"LIVENESS_KIT_PLAYGROUND": "maybe"},
        {"LIVENESS_KIT_ALGORITHMS": "RS256"},
    ],
)
def test_bad_environment_settings_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env(env)


# --- real servers -----------------------------------------------------------------------


def _start(*extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "LIVENESS_KIT_SECRET": SECRET, "LIVENESS_KIT_PLAYGROUND": "false"}
    process = subprocess.Popen(
        [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, timeout=60)
    except RuntimeError as error:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
        raise RuntimeError(f"{error}\n{stderr.decode()}") from None
    return process, url


@pytest.fixture
def two_servers() -> Iterator[list[tuple[subprocess.Popen[bytes], str]]]:
    servers = [_start(), _start("--workers", "2")]
    try:
        yield servers
    finally:
        for process, _ in servers:
            process.terminate()
        for process, _ in servers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.slow
def test_two_server_processes_give_byte_identical_bodies(
    two_servers: list[tuple[subprocess.Popen[bytes], str]], auth: dict[str, str]
) -> None:
    requests = [
        form(image=jpeg(), fields={"unique_id": "same"}),
        form(video=mp4(), fields={"frame_sampling_rate": "2"}),
        form(image=jpeg(), video=mp4(), fields={"enhanced_detection": "False"}),
        form(image=b"not an image"),
        form(image=jpeg(), fields={"facematch_frames": "0"}),
    ]
    for body, content_type in requests:
        for path in spec.PATHS.values():
            answers = []
            for _, url in two_servers:
                for _ in range(2):  # the second server has two workers
                    answers.append(
                        httpx.post(
                            url + path,
                            content=body,
                            headers={**auth, "Content-Type": content_type},
                            timeout=60,
                        )
                    )
            assert len({(a.status_code, a.content) for a in answers}) == 1, answers[0].text
    for process, _ in two_servers:
        process.terminate()
        _, errors = process.communicate(timeout=20)
        assert auth["Authorization"].split()[1] not in errors.decode()
        assert b'"path":"/liveness"' in errors


def test_the_configuration_table_documents_every_setting() -> None:
    import dataclasses

    text = (ROOT / "docs" / "mock-server.md").read_text(encoding="utf-8")
    documented = set()
    for line in text.splitlines():
        if line.startswith("| `"):
            documented.update(name.strip("` ") for name in line.split("|")[1].split(","))
    names = {item.name for item in dataclasses.fields(Settings)}
    assert names - documented == set()
    defaults = Settings()
    for name in names - {"secret", "algorithms", "issuer", "audience"}:
        value = getattr(defaults, name)
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        assert row.split("|")[2].strip().startswith(shown), (name, row)
