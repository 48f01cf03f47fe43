"""Contract coverage: the lists come from the spec, the gaps carry their reasons."""

from __future__ import annotations

import spec
from conformance import RunConfig, RunFinished, measure
from conformance._coverage import GAPS, NOT_DRAWN, error_codes, reason_codes, statuses


def _dimension(run: RunFinished, name: str) -> tuple[set[str], dict[str, str]]:
    assert run.summary.coverage is not None
    (dim,) = [d for d in run.summary.coverage.dimensions if d.name == name]
    return set(dim.exercised), dict(dim.missed)


def test_the_lists_are_read_from_the_spec() -> None:
    assert "missing_media" in error_codes() and "no_blink" in reason_codes()
    assert {f"v1 {code}" for code in spec.documented_statuses("v1")} <= set(statuses())


def test_the_gate_exercises_every_operation_branch_and_tuning_field(
    clean_run: RunFinished,
) -> None:
    for name, expected in (
        ("operations", {"POST /liveness", "POST /v2/liveness"}),
        ("branches", set(spec.BRANCHES)),
        ("tuning_fields", set(spec.TUNING_FIELDS)),
    ):
        exercised, missed = _dimension(clean_run, name)
        assert exercised == expected and missed == {}, name


def test_what_the_gate_cannot_reach_is_said_with_why(clean_run: RunFinished) -> None:
    exercised, missed = _dimension(clean_run, "statuses")
    assert {"v1 200", "v1 400", "v1 401", "v1 422", "v2 422"} <= exercised
    assert missed == {"v1 413": GAPS[("statuses", "413")], "v2 413": GAPS[("statuses", "413")]}
    codes, missed_codes = _dimension(clean_run, "error_codes")
    assert {"missing_token", "invalid_token", "expired_token", "missing_media"} <= codes
    assert missed_codes["payload_too_large"] == GAPS[("error_codes", "payload_too_large")]


def test_without_a_secret_the_expired_token_gap_names_the_option(token: str) -> None:
    coverage = measure([], (), RunConfig(token=token, apis=("v2",)))
    missed = {
        item: why for d in coverage.dimensions for item, why in d.missed if d.name != "statuses"
    }
    assert "--secret" in missed["expired_token"]
    ops = {
        item: why for d in coverage.dimensions if d.name == "operations" for item, why in d.missed
    }
    assert ops == {"POST /liveness": "not selected (--api v2)", "POST /v2/liveness": NOT_DRAWN}
