"""Exact (Clopper-Pearson) confidence intervals of an error rate.

The interval of ``k`` errors in ``n`` trials at confidence ``1 - alpha`` is
``[B(alpha/2; k, n-k+1), B(1-alpha/2; k+1, n-k)]``, B the beta quantile, with 0 as the
lower bound when k = 0 and 1 as the upper bound when k = n. The quantile is found by
bisection on the regularized incomplete beta function, computed by its continued
fraction (modified Lentz): no third-party numerics are needed.
"""

from __future__ import annotations

import math
from typing import Final

CONFIDENCE: Final = 0.95
_TINY: Final = 1e-300
_EPSILON: Final = 1e-15
_MAX_TERMS: Final = 1000


def regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the CDF at ``x`` of the beta distribution with shapes ``a``, ``b`` > 0."""
    if a <= 0 or b <= 0:
        raise ValueError(f"the shapes must be positive, got a={a!r}, b={b!r}")
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1) / (a + b + 2):  # the fraction converges fast on this side
        return front * _fraction(a, b, x) / a
    return 1.0 - front * _fraction(b, a, 1.0 - x) / b


def _fraction(a: float, b: float, x: float) -> float:
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    value = d
    for m in range(1, _MAX_TERMS):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            value *= c * d
        if abs(c * d - 1.0) < _EPSILON:
            break
    return value


def beta_quantile(p: float, a: float, b: float) -> float:
    """The x in [0, 1] with I_x(a, b) = p, by bisection (to about 1e-15)."""
    if not 0 <= p <= 1:
        raise ValueError(f"p must be in [0, 1], got {p!r}")
    low, high = 0.0, 1.0
    for _ in range(200):
        middle = (low + high) / 2
        if regularized_beta(a, b, middle) < p:
            low = middle
        else:
            high = middle
        if high - low < _EPSILON:
            break
    return (low + high) / 2


def clopper_pearson(errors: int, total: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The exact two-sided interval of the rate ``errors / total`` (total >= 1)."""
    if total < 1 or not 0 <= errors <= total:
        raise ValueError(f"need 0 <= errors <= total and total >= 1, got {errors}/{total}")
    alpha = 1.0 - confidence
    low = 0.0 if errors == 0 else beta_quantile(alpha / 2, errors, total - errors + 1)
    high = 1.0 if errors == total else beta_quantile(1 - alpha / 2, errors + 1, total - errors)
    return low, high
