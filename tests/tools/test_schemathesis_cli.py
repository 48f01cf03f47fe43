"""The Schemathesis CLI (``st run``), on the schemathesis view, finds nothing wrong with
the mock: no 5xx, documented statuses, content types and response bodies only.

Bounded for CI (about 2,000 generated requests); ``python -m bench.fuzz`` runs the same
thing with 10,000 and more by hand and keeps its figures in bench/REPORT.md.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.fuzz import FuzzRun, run_schemathesis
from bench.load import development_token, serve

pytestmark = [pytest.mark.tools, pytest.mark.slow]

MAX_EXAMPLES = 1000  # per operation, positive and negative together
SEED = 20240611


@pytest.fixture(scope="module")
def fuzz_run() -> Iterator[FuzzRun]:
    with serve() as (base_url, _):
        yield run_schemathesis(
            base_url, development_token(), max_examples=MAX_EXAMPLES, seed=SEED, timeout_s=600
        )


def test_no_check_fails(fuzz_run: FuzzRun) -> None:
    assert fuzz_run.returncode == 0, fuzz_run.output[-4000:]
    assert fuzz_run.failed_checks == []
    assert all(status < 500 for status in fuzz_run.statuses), fuzz_run.statuses


def test_the_run_is_big_and_covers_both_endpoints_and_outcomes(fuzz_run: FuzzRun) -> None:
    assert fuzz_run.requests >= 2 * MAX_EXAMPLES
    assert set(fuzz_run.per_operation) == {"POST /liveness", "POST /v2/liveness"}
    assert min(fuzz_run.per_operation.values()) >= MAX_EXAMPLES
    assert set(fuzz_run.per_phase) == {"coverage", "fuzzing"}
    # analysed, refused media or framing, refused tuning, refused token
    assert {200, 400, 401, 422} <= set(fuzz_run.statuses)


def test_media_parts_are_sent_as_files_with_a_filename(fuzz_run: FuzzRun) -> None:
    assert fuzz_run.media_without_filename == 0
    assert set(fuzz_run.media_filenames) == {"image.jpg", "video.mp4"}
