"""ipywidgets explorers. Live under Jupyter (``make lab``); on the website the widget shows
its initial state, and each chapter also shows a static figure made by the same function."""

from __future__ import annotations

import numpy as np

from mclib._validation import as_real_array
from mclib.plotting import quadratic_form_figure

__all__ = ["quadratic_form_explorer"]


def quadratic_form_explorer(A=((2.0, 1.5), (-0.5, 1.0)), point=(1.0, 1.0)):
    """Sliders for the entries of A and the point x; redraws :func:`mclib.plotting.quadratic_form_figure`.

    Parameters
    ----------
    A : array_like, shape (2, 2)
        Initial matrix; non-symmetric by default so that 2Ax and (A + Aᵀ)x differ.
    point : array_like, shape (2,)
        Initial point.

    Returns
    -------
    ipywidgets.interactive
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    A = as_real_array(A, "A", "quadratic_form_explorer", ndim=2)
    p = as_real_array(point, "point", "quadratic_form_explorer", ndim=1)

    def slider(value, description, bound):
        return widgets.FloatSlider(value=float(value), min=-bound, max=bound, step=0.25,
                                   description=description, continuous_update=False)

    def redraw(a11, a12, a21, a22, x1, x2):
        quadratic_form_figure(np.array([[a11, a12], [a21, a22]]), np.array([x1, x2]))
        plt.show()

    return widgets.interactive(
        redraw,
        a11=slider(A[0, 0], "a₁₁", 3), a12=slider(A[0, 1], "a₁₂", 3),
        a21=slider(A[1, 0], "a₂₁", 3), a22=slider(A[1, 1], "a₂₂", 3),
        x1=slider(p[0], "x₁", 2.5), x2=slider(p[1], "x₂", 2.5),
    )
