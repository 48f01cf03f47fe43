"""The gate against the mock behind a network-fault proxy: a remote, flaky, rate-limited
service. Transient faults are retried and never reported as contract failures; faults that
persist are reported for what they are."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.load import serve
from bench.netfault import Faults, fault_proxy
from conformance import EXIT_INCONCLUSIVE
from liveness_kit.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with serve() as (base_url, _):
        yield base_url


def _gate(
    url: str, token: str, out: Path, *extra: str, secret: str | None = None
) -> tuple[int, dict[str, Any]]:
    argv = ["conform", "--base-url", url, "--token", token, "--seed", "7"]
    argv += ["--json", str(out / "report.json"), "--junit-xml", str(out / "junit.xml")]
    argv += ["--markdown", str(out / "summary.md"), *extra]
    if secret is not None:
        argv += ["--secret", secret]
    code = main(argv)
    report = out / "report.json"
    document = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    return code, document


def test_transient_faults_are_retried_and_reported_not_failed(
    upstream: str, token: str, secret: str, tmp_path: Path
) -> None:
    faults = Faults(
        latency=0.02, transient_503=0.06, transient_429=0.05, dropped=0.04, retry_after="1"
    )
    with fault_proxy(upstream, faults) as (url, proxy):
        code, document = _gate(url, token, tmp_path, "--concurrency", "8", secret=secret)
    summary = document["summary"]
    assert code == 0, summary
    assert summary["failed"] == 0 and summary["inconclusive"] == 0
    assert summary["retries"] == {
        "429": proxy.counts["429"],
        "503": proxy.counts["503"],
        "connection": proxy.counts["dropped"],
    }
    assert min(proxy.counts[c] for c in ("429", "503", "dropped")) > 0
    markdown = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert markdown.startswith("## ✅ Liveness API conformance: PASSED")
    assert f"Retries: {sum(summary['retries'].values())} on " in markdown
    junit = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    assert 'failures="0"' in junit and '<property name="retries.503"' in junit


def test_a_rate_limited_service_passes_under_the_gate_rate_limit(
    upstream: str, token: str, tmp_path: Path
) -> None:
    with fault_proxy(upstream, Faults(rate_limit=15)) as (url, proxy):
        code, document = _gate(url, token, tmp_path, "--concurrency", "8", "--rate-limit", "10/s")
    assert code == 0, document["summary"]
    # Spaced 100 ms apart, scheduling jitter may still put 16 starts in one second, rarely;
    # without --rate-limit most of the run's requests meet a 429.
    assert proxy.counts["429"] <= 3
    assert document["summary"]["failed"] == 0
    assert proxy.counts["forwarded"] == document["summary"]["requests"]
    assert document["summary"]["retries"].get("429", 0) == proxy.counts["429"]


def test_a_503_that_never_clears_fails_the_no_server_error_check(
    upstream: str, token: str, tmp_path: Path
) -> None:
    faults = Faults(always=503, retry_after="0")
    with fault_proxy(upstream, faults) as (url, _):
        code, document = _gate(url, token, tmp_path, "--retries", "1", "-k", "AUTH or HTTP-001")
    assert code == 1
    failed = {r["id"] for r in document["results"] if r["status"] == "failed"}
    assert "HTTP-001" in failed
    assert document["summary"]["retries"]["503"] > 0


def test_a_429_that_never_clears_makes_the_run_inconclusive(
    upstream: str, token: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faults = Faults(always=429, always_from=3, retry_after="0")
    with fault_proxy(upstream, faults) as (url, _):
        code, document = _gate(url, token, tmp_path, "--retries", "1", "-k", "AUTH")
    assert code == EXIT_INCONCLUSIVE == 3
    summary = document["summary"]
    assert summary["verdict"] == "INCONCLUSIVE"
    assert summary["inconclusive"] > 0 and summary["failed"] == 0
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if line.startswith("inconclusive: ")]
    assert "429 Too Many Requests after 1 retries" in line and "lower --rate-limit" in line
    junit = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    assert 'type="inconclusive"' in junit


def test_a_server_slower_than_the_timeout_makes_the_run_inconclusive(
    upstream: str, token: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fault_proxy(upstream, Faults(latency=1.0)) as (url, _):
        code, _ = _gate(
            url, token, tmp_path, "--timeout", "0.2", "--video-timeout", "0.2", "--retries", "1"
        )
    assert code == EXIT_INCONCLUSIVE
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("== INCONCLUSIVE: ") and "raise --timeout" in out[-1]


def _normalised(directory: Path, token: str) -> dict[str, str]:
    texts = {}
    for name in ("report.json", "junit.xml", "summary.md"):
        text = (directory / name).read_text(encoding="utf-8").replace(token, "{TOKEN}")
        text = re.sub(r'("duration": )[0-9.]+', r"\1 0", text)
        text = re.sub(r'(time=")[0-9.]+(")', r"\1 0\2", text)
        text = re.sub(r"Duration: [0-9.]+ s", "Duration: 0 s", text)
        text = re.sub(r"http://127\.0\.0\.1:\d+", "{HOST}", text)
        text = re.sub(r'("concurrency": )\d+', r"\1 0", text)
        texts[name] = text
    return texts


def test_reports_are_identical_at_concurrency_1_and_8(
    upstream: str, token: str, secret: str, tmp_path: Path
) -> None:
    faults = Faults(latency=0.005, transient_503=0.05, dropped=0.03, retry_after="0")
    reports = {}
    for concurrency in (1, 8):
        out = tmp_path / f"c{concurrency}"
        out.mkdir()
        with fault_proxy(upstream, faults) as (url, _):
            code, document = _gate(
                url,
                token,
                out,
                "--concurrency",
                str(concurrency),
                "--fuzz-examples",
                "5",
                secret=secret,
            )
        assert code == 0, document["summary"]
        reports[concurrency] = _normalised(out, token)
    assert json.loads(reports[1]["report.json"])["summary"]["retries"]
    for name in reports[1]:
        assert reports[1][name] == reports[8][name], name
