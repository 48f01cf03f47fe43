from __future__ import annotations

import math

import pytest

from evaluation import beta_quantile, clopper_pearson, regularized_beta

# Exact Clopper-Pearson 95% intervals, as R's binom.test gives them.
KNOWN = [
    (0, 10, 0.0, 0.3084971),
    (1, 10, 0.002528579, 0.4450161),
    (5, 10, 0.1870860, 0.8129140),
    (10, 10, 0.6915029, 1.0),
    (0, 1, 0.0, 0.975),
    (1, 1, 0.025, 1.0),
    (50, 100, 0.3983211, 0.6016789),
    (3, 1000, 0.0006190999, 0.008742023),
]


@pytest.mark.parametrize(("errors", "total", "low", "high"), KNOWN, ids=lambda v: str(v))
def test_clopper_pearson_matches_known_intervals(
    errors: int, total: int, low: float, high: float
) -> None:
    got = clopper_pearson(errors, total)
    assert got[0] == pytest.approx(low, abs=1e-7)
    assert got[1] == pytest.approx(high, abs=1e-7)


def test_the_bounds_of_none_and_all_have_closed_forms() -> None:
    for total in (1, 7, 40):
        assert clopper_pearson(0, total)[1] == pytest.approx(1 - 0.025 ** (1 / total), abs=1e-12)
        assert clopper_pearson(total, total)[0] == pytest.approx(0.025 ** (1 / total), abs=1e-12)


def test_the_regularized_beta_matches_exact_values() -> None:
    assert regularized_beta(2, 3, 0.5) == pytest.approx(11 / 16, abs=1e-14)
    assert regularized_beta(1, 1, 0.3) == pytest.approx(0.3, abs=1e-14)
    # I_x(a, 1) = x**a
    assert regularized_beta(4.5, 1, 0.8) == pytest.approx(0.8**4.5, abs=1e-13)
    assert regularized_beta(3, 2, 0.0) == 0.0 and regularized_beta(3, 2, 1.0) == 1.0


def test_the_quantile_inverts_the_distribution() -> None:
    for p in (0.025, 0.5, 0.975):
        x = beta_quantile(p, 3, 8)
        assert regularized_beta(3, 8, x) == pytest.approx(p, abs=1e-12)
    assert beta_quantile(0.5, 1, 1) == pytest.approx(0.5)
    assert math.isclose(beta_quantile(0.5, 2, 2), 0.5, abs_tol=1e-12)


@pytest.mark.parametrize(("errors", "total"), [(1, 0), (-1, 3), (4, 3)], ids=str)
def test_impossible_counts_are_refused(errors: int, total: int) -> None:
    with pytest.raises(ValueError, match="errors <= total"):
        clopper_pearson(errors, total)
