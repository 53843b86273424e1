"""Figure helpers shared by the chapters and the widgets (matplotlib), and the committed
benchmark results that the chapters plot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mclib._validation import as_real_array, as_tolerance, shape_str

__all__ = ["quadratic_form_figure", "benchmark_results"]

# In a clone of the book's repository, next to the package (pip install -e .).
BENCHMARK_RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def benchmark_results(name: str, *, directory: Path | None = None) -> dict | None:
    """The committed results of ``benchmarks/bench_<name>.py`` (``benchmarks/results/<name>.json``).

    The chapters plot these instead of timing anything themselves (`make bench` measures them),
    so their outputs stay deterministic. They exist in a clone of the book's repository. When
    mclib was installed without it (on Colab, ``pip install "mclib @ git+…"``), this prints a note
    and returns None, so that a notebook run top to bottom does not stop at the figure.

    Parameters
    ----------
    name : str
        The benchmark's name, e.g. ``"kron_matvec"``.
    directory : path, optional
        Where the JSON files are; default :data:`BENCHMARK_RESULTS`.

    Returns
    -------
    dict or None
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"benchmark_results: `name` must be a benchmark's name (a str), got {name!r}")
    directory = BENCHMARK_RESULTS if directory is None else Path(directory)
    if not directory.is_dir():
        print(f"The benchmark results ({name}) are in the book's repository, not in the installed "
              "mclib: the website shows this figure, and a clone of the repository draws it.")
        return None
    path = directory / f"{name}.json"
    if not path.is_file():
        known = sorted(p.stem for p in directory.glob("*.json"))
        raise ValueError(f"benchmark_results: no results named `name`={name!r} in {directory}; "
                         f"known: {known}")
    return json.loads(path.read_text(encoding="utf-8"))



def quadratic_form_figure(A, point, *, extent: float = 3.0, ax=None):
    """Level curves of f(x) = xᵀAx with the gradient at `point`.

    Draws the true gradient (A + Aᵀ)x (perpendicular to the level curve), the tangent of
    the level curve, and, when A is not symmetric, the common mistake 2Ax, which is not
    perpendicular to it [Petersen & Pedersen 2012, Eqs. 81 and 85].

    Parameters
    ----------
    A : array_like, shape (2, 2)
    point : array_like, shape (2,)
    extent : float
        The plot shows the square [-extent, extent]².
    ax : matplotlib Axes, optional
        Axes to draw into; a new figure is made otherwise.

    Returns
    -------
    fig : matplotlib Figure
    """
    import matplotlib.pyplot as plt

    extent = as_tolerance(extent, "extent", "quadratic_form_figure", positive=True)
    A = as_real_array(A, "A", "quadratic_form_figure", ndim=2)
    p = as_real_array(point, "point", "quadratic_form_figure", ndim=1)
    if A.shape != (2, 2) or p.shape != (2,):
        raise ValueError(f"quadratic_form_figure: `A` must be (2, 2) and `point` (2,), got "
                         f"{shape_str(A.shape)} and {shape_str(p.shape)}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.2, 5.2))
    else:
        fig = ax.figure
    t = np.linspace(-extent, extent, 241)
    x1, x2 = np.meshgrid(t, t)
    values = A[0, 0] * x1**2 + (A[0, 1] + A[1, 0]) * x1 * x2 + A[1, 1] * x2**2
    f_p = p @ A @ p
    levels = np.unique(np.concatenate([np.quantile(values, np.linspace(0.02, 0.98, 11)), [f_p]]))
    ax.contour(x1, x2, values, levels=levels, cmap="viridis", linewidths=1)
    if not np.isclose(f_p, values.min()) and not np.isclose(f_p, values.max()):
        ax.contour(x1, x2, values, levels=[f_p], colors="black", linewidths=2)

    grad = (A + A.T) @ p
    arrow = 0.35 * extent

    def draw(vector, color, label):
        norm = np.linalg.norm(vector)
        if norm > 0:
            d = arrow * vector / norm
            ax.annotate("", xy=p + d, xytext=p,
                        arrowprops={"arrowstyle": "-|>", "color": color, "lw": 2.2})
            ax.plot([], [], color=color, lw=2.2, label=label)

    if np.linalg.norm(grad) > 0:
        tangent = np.array([-grad[1], grad[0]]) / np.linalg.norm(grad)
        ends = np.stack([p - 1.5 * arrow * tangent, p + 1.5 * arrow * tangent])
        ax.plot(ends[:, 0], ends[:, 1], "--", color="tab:gray", lw=1.5, label="tangent of the level curve")
    draw(grad, "tab:blue", r"$\nabla f = (A + A^\top)x$")
    if not np.allclose(A, A.T):
        draw(2 * A @ p, "tab:red", r"$2Ax$ (wrong unless $A = A^\top$)")
    ax.plot(*p, "ko", ms=5)
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(rf"$f(x) = x^\top A x$, $A = [[{A[0, 0]:g}, {A[0, 1]:g}], [{A[1, 0]:g}, {A[1, 1]:g}]]$",
                 fontsize=10)
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    return fig
