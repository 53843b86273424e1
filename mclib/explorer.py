"""Interactive figures that run in the reader's browser: on the book's static website (no kernel,
no network) and in JupyterLab when the cell is run.

An explorer is a Python object whose ``_repr_html_`` is a ``<div data-explorer="...">`` carrying
the numbers as JSON data attributes, followed by an inline ``<script>`` with the drawing code,
read from the package (``mclib/_js/``): Python is the single source of the numbers, and the page
loads nothing. The HTML is deterministic (no random ids), so notebooks that show it reproduce
under nbval. A notebook's *stored* output is untrusted in Jupyter, so its script does not run
until the cell is run again; the explorer then says so instead of showing an empty box.
"""

from __future__ import annotations

import functools
import html
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

from mclib._validation import as_positive_int, as_real_array, as_tolerance, shape_str

__all__ = ["gradient_field", "GradientFieldExplorer", "DEFAULT_MATRICES"]

# The matrices of chapter 1's explorer: each shows one thing about the gradient (A + Aᵀ)x of xᵀAx.
DEFAULT_MATRICES = {
    "identity": ((1.0, 0.0), (0.0, 1.0)),  # circles; ∇f = 2x points straight away from 0
    "ill-conditioned SPD": ((1.0, 0.9), (0.9, 1.0)),  # eigenvalues 1.9 and 0.1: long thin ellipses
    "indefinite (saddle)": ((1.0, 0.0), (0.0, -1.0)),  # hyperbolas; f = 0 on the diagonals
    "non-symmetric": ((2.0, 1.5), (-0.5, 1.0)),  # A ≠ Aᵀ: ∇f = (A + Aᵀ)x, not 2Ax
}
MAX_ARROWS_PER_SIDE = 30


@functools.cache
def _script(name: str) -> str:
    source = resources.files("mclib").joinpath("_js", name).read_text(encoding="utf-8")
    if "</script" in source.lower():  # would end the inline <script> early
        raise RuntimeError(f"mclib/_js/{name} contains '</script'")
    return source


@dataclass(frozen=True)
class GradientFieldExplorer:
    """The gradient-field explorer of f(x) = xᵀAx on [-extent, extent]² (made by :func:`gradient_field`).

    Displayed in Jupyter or on the book's website, it draws the level curves of f, the gradient
    field ∇f(x) = (A + Aᵀ)x on a grid, and a point x that the reader drags or moves with the
    arrow keys, with the gradient at x (perpendicular to the level curve through x), the shortcut
    2Ax, and a readout of x, f(x), ∇f(x), ‖∇f(x)‖ and the Hessian A + Aᵀ.
    """

    matrices: tuple  # ((name, ((a11, a12), (a21, a22))), ...)
    point: tuple
    selected: str
    extent: float
    grid: int

    def _repr_html_(self) -> str:
        data = [{"name": name, "A": [list(row) for row in A]} for name, A in self.matrices]
        attrs = {
            "data-explorer": "gradient-field",
            "data-matrices": json.dumps(data, ensure_ascii=False),
            "data-selected": self.selected,
            "data-x": json.dumps([float(v) for v in self.point]),
            "data-extent": json.dumps(float(self.extent)),
            "data-grid": str(self.grid),
        }
        attributes = " ".join(f'{k}="{html.escape(v, quote=True)}"' for k, v in attrs.items())
        fallback = ("The gradient-field explorer of f(x) = xᵀAx is drawn by JavaScript in the browser. "
                    "In Jupyter, run this cell to start it (the output stored in a notebook is not "
                    "trusted, so its script does not run).")
        return (f'<div class="mclib-explorer tex2jax_ignore mathjax_ignore" {attributes}>'
                f'<p class="mcx-fallback">{html.escape(fallback)}</p></div>\n'
                f"<script>\n{_script('gradient_field.js')}</script>\n")

    def __repr__(self) -> str:
        names = ", ".join(name for name, _ in self.matrices)
        x = ", ".join(f"{v:g}" for v in self.point)
        return (f"GradientFieldExplorer(f(x) = xᵀAx for A in [{names}], x = ({x}), "
                f"extent {self.extent:g}): an interactive figure, shown by Jupyter and the book's website")


def gradient_field(matrices=None, *, point=(1.0, 0.5), selected: str | None = None,
                   extent: float = 2.0, grid: int = 11) -> GradientFieldExplorer:
    """An explorer of the gradient of f(x) = xᵀAx on the plane, live without a kernel.

    Parameters
    ----------
    matrices : mapping of str to array_like, shape (2, 2), optional
        The choices of A offered to the reader, by name (at most 8), in order; any real
        matrices, symmetric or not. Default :data:`DEFAULT_MATRICES`: the identity, an
        ill-conditioned symmetric positive definite matrix, an indefinite one (a saddle) and a
        non-symmetric one.
    point : array_like, shape (2,)
        Where the point x starts; inside the square [-extent, extent]².
    selected : str, optional
        The name of the matrix shown first; default the first one.
    extent : float
        Half the side of the square shown.
    grid : int
        Arrows of the gradient field per side of the square (2 to 30).

    Returns
    -------
    GradientFieldExplorer
        Displays itself as HTML (``_repr_html_``): the matrices and the point as JSON data
        attributes of a ``<div data-explorer="gradient-field">``, and the package's
        ``_js/gradient_field.js`` inline.
    """
    caller = "gradient_field"
    if matrices is None:
        matrices = DEFAULT_MATRICES
    if not hasattr(matrices, "items") or isinstance(matrices, (str, bytes)):
        raise ValueError(f"{caller}: `matrices` must be a mapping from names to (2, 2) matrices, "
                         f"got {type(matrices).__name__}")
    if not 1 <= len(matrices) <= 8:
        raise ValueError(f"{caller}: `matrices` must hold 1 to 8 matrices, got {len(matrices)}")
    choices = []
    for name, A in matrices.items():
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{caller}: `matrices` must be keyed by non-empty names (str), got {name!r}")
        A = as_real_array(A, f"matrices[{name!r}]", caller, ndim=2)
        if A.shape != (2, 2):
            raise ValueError(f"{caller}: `matrices[{name!r}]` must have shape (2, 2), "
                             f"got {shape_str(A.shape)}")
        choices.append((name, tuple(tuple(float(v) for v in row) for row in A)))
    extent = as_tolerance(extent, "extent", caller, positive=True)
    x = as_real_array(point, "point", caller, ndim=1)
    if x.shape != (2,):
        raise ValueError(f"{caller}: `point` must have shape (2,), got {shape_str(x.shape)}")
    if np.any(np.abs(x) > extent):
        raise ValueError(f"{caller}: `point` {tuple(float(v) for v in x)} lies outside the square "
                         f"[-extent, extent]² with extent={extent:g}")
    grid = as_positive_int(grid, "grid", caller)
    if not 2 <= grid <= MAX_ARROWS_PER_SIDE:
        raise ValueError(f"{caller}: `grid` must be 2 to {MAX_ARROWS_PER_SIDE} arrows per side, got {grid}")
    names = [name for name, _ in choices]
    if selected is None:
        selected = names[0]
    if not isinstance(selected, str) or selected not in names:
        raise ValueError(f"{caller}: `selected` must be one of {names}, got {selected!r}")
    return GradientFieldExplorer(matrices=tuple(choices), point=(float(x[0]), float(x[1])),
                                 selected=selected, extent=extent, grid=grid)
