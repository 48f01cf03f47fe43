"""Every planted fault is caught, by the checks expected, and a clean mock fires none."""

from __future__ import annotations

from typing import Any

import pytest

from conformance import RunConfig, RunFinished, Target, run_all
from tests.conformance.asgi import Fault, Memo
from tests.conformance.conftest import fired
from tests.conformance.faults import FAULTS, PlantedFault


def test_a_clean_mock_fires_no_check(clean_run: RunFinished) -> None:
    assert fired(clean_run) == set()
    assert clean_run.summary.exit_code == 0


def test_there_are_at_least_25_planted_faults() -> None:
    assert len(FAULTS) >= 25
    assert len({fault.id for fault, _ in FAULTS}) == len(FAULTS)


@pytest.mark.parametrize(("fault", "expected"), FAULTS, ids=[f.id for f, _ in FAULTS])
def test_planted_fault_is_caught(
    fault: PlantedFault, expected: set[str], memo: Memo, run_config: RunConfig
) -> None:
    before, after = fault.hooks()
    app: Any = Fault(memo, before=before, after=after)
    target = Target(app=app)
    try:
        final = run_all(target, run_config)
    finally:
        target.close()
    assert fired(final) == expected
    assert final.summary.exit_code == (1 if final.summary.must_failed else 0)
