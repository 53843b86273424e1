"""Numbers in messages, printed with only the digits that rounding does not decide.

A message that prints ``λ[0] = -1.7e-16`` for an eigenvalue that is zero in exact arithmetic,
or the sixth digit of a finite difference, reads differently on another CPU or BLAS; the
book stores such messages as notebook outputs that must reproduce everywhere.
"""

from __future__ import annotations

import math

__all__ = ["mismatch_message", "rounded"]


def rounded(value: float, resolution: float) -> str:
    """`value` printed to the digits that its absolute uncertainty `resolution` leaves.

    ``"0"`` when ``|value| ≤ resolution`` (then its sign and digits are rounding); otherwise
    the digits above the resolution's decade, at least 1 and at most 6
    significant ones: ``rounded(1.000616e-12, 6e-16) == "1e-12"``, ``rounded(0.41321, 1e-6)``
    is ``"0.41321"``.
    """
    value, resolution = float(value), abs(float(resolution))
    if not math.isfinite(value):
        return str(value)
    if abs(value) <= resolution:
        return "0"
    if resolution == 0.0:
        return f"{value:.6g}"
    digits = math.floor(math.log10(abs(value))) - math.ceil(math.log10(resolution))
    return f"{value:.{min(max(digits, 1), 6)}g}"


def mismatch_message(what: str, where: str, analytic: float, numeric: float, tolerance: float,
                     error: float, n_failed: int, size: int, diagnosis: str, detail: str) -> str:
    """The checkers' failure message, naming the worst entry. Each number is printed only to
    the digits that are the same on every machine: to a tenth of the tolerance, and no finer
    than twice the numerical error estimate, which varies with the measured noise of f."""
    resolution = max(tolerance / 10, 2 * error)
    difference = rounded(abs(analytic - numeric), resolution)
    numbers = (f"analytic {rounded(analytic, resolution)}, numeric {rounded(numeric, resolution)} "
               f"(|err| {difference} > tol {rounded(tolerance, resolution)})")
    verdict = detail if diagnosis == "unknown" else f"looks {diagnosis} ({detail})"
    return f"{what} mismatch at {where}: {numbers}; {n_failed} of {size} entries fail; {verdict}"
