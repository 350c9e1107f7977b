"""95 % intervals for the claims measured over seeds: a share of seeds (Clopper–Pearson) and a median
(distribution-free, from order statistics). Pure Python, no NumPy: the zoo's tables and the demo's
claims quote them.

Example:
    >>> [round(v, 3) for v in clopper_pearson(15, 16)]
    [0.698, 0.998]
    >>> median_interval([float(v) for v in range(16)])  # ranks 4 and 13 of 16
    (3.0, 12.0)
"""

from __future__ import annotations

from math import comb

from kit.errors import invalid


def _binomial_at_most(k: int, n: int, p: float) -> float:
    """P(X ≤ k) for X ~ Binomial(n, p)."""
    return sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


def clopper_pearson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) confidence interval for a binomial share ``successes / trials``.

    Example:
        >>> low, high = clopper_pearson(4, 8)
        >>> round(low, 3), round(high, 3)
        (0.157, 0.843)
    """
    if not (isinstance(trials, int) and trials >= 1 and isinstance(successes, int) and 0 <= successes <= trials):
        raise invalid("successes, trials", "kit.intervals.clopper_pearson",
                      "integers with 0 ≤ successes ≤ trials, trials ≥ 1", got=(successes, trials))
    if not 0 < confidence < 1:
        raise invalid("confidence", "kit.intervals.clopper_pearson", "a number strictly between 0 and 1", got=confidence)
    tail = (1 - confidence) / 2

    def solve(function, target):  # function decreasing in p: the p where it crosses target
        low, high = 0.0, 1.0
        for _ in range(60):
            middle = (low + high) / 2
            low, high = (middle, high) if function(middle) > target else (low, middle)
        return (low + high) / 2

    lower = 0.0 if successes == 0 else solve(lambda p: _binomial_at_most(successes - 1, trials, p), 1 - tail)
    upper = 1.0 if successes == trials else solve(lambda p: _binomial_at_most(successes, trials, p), tail)
    return lower, upper


def median_ranks(count: int, confidence: float = 0.95) -> tuple[int, int]:
    """1-based ranks ``(k, count + 1 − k)`` of the order statistics that bracket the median with at
    least ``confidence``, distribution-free: P(X₍ₖ₎ ≤ median ≤ X₍ₙ₊₁₋ₖ₎) = 1 − 2·P(B ≤ k − 1) for
    B ~ Binomial(n, ½); the largest such k. For 16 seeds: ranks 4 and 13 (coverage 0.979; ranks 5
    and 12 cover only 0.923). Fewer than 6 values cannot reach 95 %: the whole range is returned.

    Example:
        >>> median_ranks(16), median_ranks(5)
        ((4, 13), (1, 5))
    """
    if not (isinstance(count, int) and count >= 1):
        raise invalid("count", "kit.intervals.median_ranks", "an integer ≥ 1", got=count)
    best = 1
    for k in range(1, count // 2 + 1):
        if 1 - 2 * _binomial_at_most(k - 1, count, 0.5) >= confidence:
            best = k
    return best, count + 1 - best


def median_interval(values, confidence: float = 0.95) -> tuple[float, float]:
    """The distribution-free interval for the median of ``values`` (see :func:`median_ranks`)."""
    ordered = sorted(float(v) for v in values)
    if not ordered:
        raise invalid("values", "kit.intervals.median_interval", "at least one value", got=values)
    low, high = median_ranks(len(ordered), confidence)
    return ordered[low - 1], ordered[high - 1]
