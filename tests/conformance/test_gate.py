"""The gate against the mock: in-process and over real HTTP (CLI and pytest plugin)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.load import serve
from conformance import RunConfig, RunFinished, Status, Target, run_all
from tests.conformance.conftest import fired

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "liveness_kit"]


def test_gate_passes_against_the_mock_in_process(clean_run: RunFinished) -> None:
    assert fired(clean_run) == set()
    skipped = {r.check.id for r in clean_run.results if r.status is Status.SKIPPED}
    assert skipped == {f"FUZZ-00{i}" for i in range(1, 7)}
    assert clean_run.summary.requests > 100


def test_gate_is_deterministic(memo: Any, run_config: RunConfig, clean_run: RunFinished) -> None:
    target = Target(app=memo)
    try:
        again = run_all(target, run_config)
    finally:
        target.close()
    assert [(r.check.id, r.status) for r in again.results] == [
        (r.check.id, r.status) for r in clean_run.results
    ]
    assert again.summary.requests == clean_run.summary.requests


@pytest.mark.parametrize("concurrency", [1, 8])
def test_gate_sends_the_same_requests_and_verdicts_at_any_concurrency(
    memo: Any, run_config: RunConfig, clean_run: RunFinished, concurrency: int
) -> None:
    target = Target(app=memo, concurrency=concurrency)
    try:
        again = run_all(target, run_config)
    finally:
        target.close()
    assert [(r.check.id, r.status, r.message) for r in again.results] == [
        (r.check.id, r.status, r.message) for r in clean_run.results
    ]
    assert again.summary.requests == clean_run.summary.requests
    assert again.summary.coverage == clean_run.summary.coverage


def test_gate_without_secret_skips_the_expired_token_check(memo: Any, token: str) -> None:
    target = Target(app=memo)
    try:
        final = run_all(target, RunConfig(token=token, keyword="AUTH-007"))
    finally:
        target.close()
    (result,) = final.results
    assert result.status is Status.SKIPPED
    assert "--secret" in (result.skip_reason or "")


def test_single_api_runs_skip_the_v1_v2_agreement(memo: Any, token: str) -> None:
    target = Target(app=memo)
    try:
        final = run_all(target, RunConfig(token=token, apis=("v2",), keyword="INV-V1-V2"))
    finally:
        target.close()
    assert [r.status for r in final.results] == [Status.SKIPPED]


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with serve() as (base_url, _):
        yield base_url


@pytest.mark.slow
def test_gate_passes_over_http(served: str, token: str, secret: str, tmp_path: Path) -> None:
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    completed = subprocess.run(
        [
            *CLI,
            "conform",
            "--base-url",
            served,
            "--token",
            token,
            "--secret",
            secret,
            "--json",
            str(report),
            "--junit-xml",
            str(junit),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["summary"]["failed"] == 0
    assert document["summary"]["must_failed"] == 0
    assert b"<testsuite" in junit.read_bytes()


@pytest.mark.slow
def test_pytest_plugin_collects_the_checks(served: str, token: str, tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(tmp_path),
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "--conformance-base-url",
            served,
            "--conformance-token",
            token,
            "-k",
            "AUTH or MODE-001",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "passed" in completed.stdout
    assert "skipped" in completed.stdout  # AUTH-007 without a secret
