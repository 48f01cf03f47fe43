"""The documented status sets, read from the operations' responses."""

from __future__ import annotations

import pytest

import spec


@pytest.mark.parametrize("api", sorted(spec.PATHS))
def test_documented_and_error_statuses(api: str) -> None:
    assert spec.documented_statuses(api) == {200, 400, 401, 413, 422}
    assert spec.error_statuses(api) == {400, 401, 413, 422}


def test_an_unknown_api_is_refused() -> None:
    with pytest.raises(ValueError, match="v3"):
        spec.documented_statuses("v3")
