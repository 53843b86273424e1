"""The book's exercises, registered so that a reader's own answer can be checked without a solution.

    >>> import mclib as mc
    >>> def attempt(W, x, y):
    ...     return np.zeros_like(W)  # your formula for the gradient of ½‖Wx − y‖² here
    >>> mc.exercises.check("ex-layouts-linear-layer", attempt)
    ex-layouts-linear-layer: not yet — unknown (at random point 1). gradient mismatch at X[0, 1]: …

A wrong answer gets the checker's verdict and diagnosis ("transposed", "scaled" by 2, …) at the
first random point where it fails; the stored solution is never consulted or shown.

Registering an exercise (one module per chapter in this package, e.g. ``layouts.py``; every module
here is imported, so a new file needs no other edit)::

    register(
        "ex-chapter-half-square", "Half the squared norm", difficulty=1, kind="gradient", wrt="x",
        function=lambda x: 0.5 * x @ x,
        domain=lambda rng: {"x": rng.standard_normal(4)},
        solution=lambda x: x,
        mistakes=[Mistake("the ½ forgotten in the derivative", "scaled", lambda x: 2 * x)],
    )

- `id` is the ``:label:`` of the ``{exercise}`` directive in the book, whose title is the
  difficulty mark and `title`: ``{exercise} ★ Half the squared norm``. Difficulty: 1 ★ a direct
  application, 2 ★★ a derivation of several steps, 3 ★★★ a challenge.
- `kind` "gradient" (`function` returns a scalar; the answer has the shape of the variable),
  "jacobian" (array-valued `function`; the answer is ∂ vec F / ∂ vec X, numerator layout) or
  "hessian" (scalar `function`; the answer is (n, n) with respect to vec X, column-major).
- `domain(rng)` returns the arguments by name (`wrt` names the variable; the others are the
  exercise's data), drawn where the formula holds (SPD where it must be, no ties, …).
- `solution` is the book's answer; `mistakes` lists plausible wrong answers with the diagnosis
  the checker must give each. The tests check both, so every exercise has must-fail cases.
"""

from __future__ import annotations

import importlib
import pkgutil

from mclib.exercises._registry import (
    DIFFICULTIES,
    KINDS,
    Exercise,
    ExerciseCheck,
    Mistake,
    check,
    get,
    ids,
    register,  # noqa: F401  (for the chapter modules and authors)
)

# register is for the book's authors (the chapter modules here), not a reader's API.
__all__ = ["check", "get", "ids", "Exercise", "ExerciseCheck", "Mistake", "KINDS", "DIFFICULTIES"]

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")):
    importlib.import_module(f"{__name__}.{_module}")
