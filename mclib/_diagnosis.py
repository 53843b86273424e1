"""What kind of mistake explains the difference between an analytic and a numeric derivative.

The checker (:mod:`mclib.gradcheck`) tries the layout mistakes that fill matrix-calculus issue
trackers, in order, and reports the first that explains the analytic result entry by entry
(within the same per-entry tolerance as the check itself): a sign, a scale factor, a
transpose, or a symmetrization [Petersen & Pedersen 2012, sec. 2.8.2; Srinivasan & Panda 2023].
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

__all__ = ["ERROR_FACTOR", "diagnose", "forward_and_reverse", "matrix_patterns", "scalar_patterns"]

# An entry agrees when |analytic − numeric| ≤ atol + rtol·size + ERROR_FACTOR · (its numerical
# error estimate); the estimate is itself an upper bound (module mclib.numdiff), often 10× the
# actual error, so a factor 2 leaves a margin without hiding a 1 % mistake in a float32 model.
ERROR_FACTOR = 2


def _sym(M):
    return (M + M.T) / 2


def _sym_cookbook(M):
    return M + M.T - np.diag(np.diag(M))


# What each symmetrization means, for analytic ≈ T(numeric) and for T(analytic) ≈ numeric.
_SYMMETRIZATIONS = {
    "sym": ("analytic ≈ sym(G) for the numeric G: the gradient on symmetric matrices, but the "
            "check varies every entry of X independently",
            "numeric ≈ sym(analytic): f depends only on the symmetric part of X, so its "
            "gradient is symmetric; symmetrize yours"),
    "cookbook": ("analytic ≈ G + Gᵀ − G∘I for the numeric G: this double-counts off-diagonal "
                 "entries; on symmetric matrices the gradient is sym(G)",
                 "numeric ≈ G + Gᵀ − G∘I of the analytic G: f reads each off-diagonal pair once "
                 "(e.g. through a triangle of X)"),
}


def scalar_patterns():
    """(name, scale is free, map) triples tried in order; identity covers sign and scale."""
    return [("identity", True, lambda M: M)]


def matrix_patterns(symmetrize=True):
    patterns = scalar_patterns() + [("transposed", True, lambda M: M.T)]
    if symmetrize:
        patterns += [("sym", False, _sym), ("cookbook", False, _sym_cookbook)]
    return patterns


def forward_and_reverse(patterns, G):
    """Expand patterns into (name, c_free, pattern, G_map) comparisons.

    ``G_map is None``: test analytic ≈ c · pattern(numeric). Otherwise test
    pattern(analytic) ≈ numeric, the "reverse" direction, for the symmetrizations.
    """
    out = [(name, c_free, pattern, None) for name, c_free, pattern in patterns]
    out += [(name, c_free, lambda M: M, pattern(G)) for name, c_free, pattern in patterns
            if name in _SYMMETRIZATIONS]
    return out


# With fewer compared entries than this, a fitted factor such as -22.24 explains any error at all.
_MIN_ENTRIES_FOR_ANY_SCALE = 3


def _nice_scale(c: float, rtol: float) -> float:
    """Snap a fitted factor to a simple fraction (2, 1/2, 3/4 ...) when it is one to within rtol."""
    frac = Fraction(c).limit_denominator(12)
    return float(frac) if abs(float(frac) - c) <= 10 * rtol * max(abs(c), 1e-300) else c


def _fit(a, b, e, rtol, atol, c_free):
    """Best c with a ≈ c·b entry by entry (b known to within e), and whether it fits."""
    keep = np.isfinite(b) & np.isfinite(e)
    a, b, e = a[keep], b[keep], e[keep]
    size = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    if size == 0.0 or not np.isfinite(size):
        return None, False
    an, bn = a / size, b / size  # no overflow in the inner products for entries near 1e300
    if c_free:
        bb = float(np.vdot(bn, bn))
        if bb == 0.0:
            return None, False
        raw = float(np.vdot(an, bn)) / bb
        candidates = (_nice_scale(raw, rtol), raw)  # the raw factor if snapping loses the fit (1.0001)
        if a.size < _MIN_ENTRIES_FOR_ANY_SCALE:  # then only a simple factor (2, 1/2, −1 ...) says something
            nice, simple = candidates[0], Fraction(candidates[0]).limit_denominator(4)
            if float(simple) != nice or abs(simple.numerator) > 4:
                return None, False
            candidates = (nice,)
    else:
        candidates = (1.0,)
    for c in candidates:
        tol = atol + rtol * np.maximum(np.abs(a), np.abs(c * b)) + ERROR_FACTOR * abs(c) * e
        if np.all(np.abs(a - c * b) <= tol):
            return c, True
    return c, False


def _diagnose(comparisons, rtol, atol):
    """First comparison that explains the analytic result: (diagnosis, scale, detail)."""
    for name, c_free, a, b, e, G_map in comparisons:
        c, fits = _fit(np.ravel(a), np.ravel(b), np.ravel(e), rtol, atol, c_free)
        if not fits or c is None or c == 0.0:
            continue
        if name == "identity":
            if c == 1.0:
                continue
            if c == -1.0:
                return "sign-flipped", -1.0, "analytic ≈ −numeric: a sign error"
            return "scaled", c, f"analytic ≈ {c:.4g} × numeric: a missing or extra factor"
        if name == "transposed":
            extra = "" if c == 1.0 else f" and scaled by {c:.4g}"
            return "transposed", c, (f"analytic ≈ numericᵀ{extra}: numerator vs denominator "
                                     "layout?")
        return "symmetrized", c, _SYMMETRIZATIONS[name][G_map is not None]
    return "unknown", None, "no transpose, sign, scale or symmetrization explains the difference"


def diagnose(analytic, comparisons, rtol, atol):
    if not np.any(analytic):
        return "unknown", None, "the analytic derivative is identically zero"
    return _diagnose(comparisons, rtol, atol)
