"""Numbers in messages, printed with only the digits that rounding does not decide.

A message that prints ``λ[0] = -1.7e-16`` for an eigenvalue that is zero in exact arithmetic,
or the sixth digit of a finite difference, reads differently on another CPU or BLAS; the
book stores such messages as notebook outputs that must reproduce everywhere.
"""

from __future__ import annotations

import math

__all__ = ["rounded"]


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
