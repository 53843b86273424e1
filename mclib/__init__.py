"""mclib: the helper package of *Matrix Calculus for Machine Learning*.

The core is re-exported here (``import mclib as mc``); topic modules are used with
their prefix: ``mc.spectral``, ``mc.matnormal``, ``mc.matrix_t``, ``mc.nn``, ``mc.conv``, ``mc.matfunc``,
``mc.transformer``, ``mc.identities``, ``mc.exercises``, ``mc.plotting``, ``mc.tables``,
``mc.explorer`` (also ``mc.widgets``, the API contract's name for the explorers).
"""

from mclib.gradcheck import (
    GradientCheck,
    GradientError,
    assert_gradient,
    check_gradient,
    check_jacobian,
)
from mclib.hessian import check_hessian, numerical_hessian
from mclib.numdiff import NumericalDerivative, numerical_derivative, numerical_gradient, numerical_jacobian
from mclib.spectral import eigenvalue_derivative, eigenvector_derivative, singular_value_derivative
from mclib.vec import commutation_matrix, duplication_matrix, kron_matvec, unvec, vec, vech

__all__ = [
    "GradientCheck",
    "GradientError",
    "assert_gradient",
    "check_gradient",
    "check_jacobian",
    "NumericalDerivative",
    "numerical_derivative",
    "numerical_gradient",
    "numerical_jacobian",
    "vec",
    "unvec",
    "vech",
    "commutation_matrix",
    "duplication_matrix",
    "kron_matvec",
    "eigenvalue_derivative",
    "eigenvector_derivative",
    "singular_value_derivative",
    "numerical_hessian",
    "check_hessian",
]

__version__ = "0.1.0"

_SUBMODULES = ("identities", "matnormal", "matrix_t", "nn", "conv", "matfunc", "transformer", "plotting",
               "tables", "exercises", "explorer", "widgets")


def __getattr__(name):
    # Topic modules load on first use (mc.nn, mc.plotting, ...), so the core needs only numpy.
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"mclib.{name}")
    raise AttributeError(f"module 'mclib' has no attribute {name!r}")
