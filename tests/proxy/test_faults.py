"""The gate's own traffic through the proxy, in front of the mock and of every planted
fault of tests/conformance/faults.py: the proxy flags each fault with a check that catches
it in the gate, and flags nothing on the mock."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from conformance import RunConfig, Target, run_all
from proxy import CLIENT, SERVER, ContractProxy
from tests.conformance.asgi import Fault, Memo
from tests.conformance.conftest import SETTINGS
from tests.conformance.faults import FAULTS, PlantedFault
from tests.proxy.support import proxy_for

pytestmark = pytest.mark.slow

# What the proxy sees beyond the gate, and why: the gate applies the single-answer
# invariants to the first answer of each request; the proxy checks every answer, and a
# jittered repeat also breaks the rules tying confidences together (and the v1/v2 mapping).
ALSO_SEEN = {
    "nondeterministic-confidence": {"INV-OVERALL-CONFIDENCE", "INV-RESULT", "INV-V1-V2"},
}


@pytest.fixture(autouse=True)
def _quiet_log() -> Iterator[None]:
    log = logging.getLogger("liveness_kit.proxy")
    level = log.level
    log.setLevel(logging.ERROR)
    yield
    log.setLevel(level)


@pytest.fixture(scope="module")
def run_config(token: str) -> RunConfig:
    return RunConfig(token=token, secret=SETTINGS.secret)


def gate_through(app: Any, run_config: RunConfig) -> ContractProxy:
    proxy = proxy_for(app)
    target = Target(app=proxy)
    try:
        run_all(target, run_config)
    finally:
        target.close()
    return proxy


def test_the_gate_through_the_proxy_in_front_of_the_mock_flags_no_server_violation(
    mock_memo: Memo, run_config: RunConfig
) -> None:
    proxy = gate_through(mock_memo, run_config)
    assert proxy.report.flagged(SERVER) == set()
    # The gate sends the contract's bad requests on purpose: the proxy names them all.
    assert {"AUTH-001", "REQ-001", "REQ-004", "REQ-005", "TUNE-001", "TUNE-003"} <= (
        proxy.report.flagged(CLIENT)
    )


@pytest.mark.parametrize(("fault", "expected"), FAULTS, ids=[f.id for f, _ in FAULTS])
def test_every_planted_fault_is_flagged_with_a_check_that_catches_it_in_the_gate(
    fault: PlantedFault, expected: set[str], mock_memo: Memo, run_config: RunConfig
) -> None:
    before, after = fault.hooks()
    proxy = gate_through(Fault(mock_memo, before=before, after=after), run_config)
    flagged = proxy.report.flagged(SERVER)
    assert flagged, f"the proxy does not see {fault.id}"
    assert flagged & expected, f"{fault.id}: none of the gate's checks {sorted(expected)}"
    assert flagged <= expected | ALSO_SEEN.get(fault.id, set())
