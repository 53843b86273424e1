"""Bad input to every public function of mclib (issue 11): a ``ValueError`` or ``TypeError`` whose
message names the function and the back-quoted parameter, never a silent nan, a truncation or an
error from inside NumPy.

``CASES`` is the registry: for every public function (keyed by ``module.qualname`` of its
definition) a valid call and, per parameter, the kind of bad value to try. Each kind has fixed
bad values (all tried once, in ``test_every_fixed_bad_value``) and a hypothesis strategy of
random ones (``test_random_bad_values``). ``test_every_public_function_has_a_case`` fails when a
public function is added without a case. Modules that other chapters are still writing are
listed in ``OPTIONAL_MODULES`` and skipped, with a note, only while they do not exist.
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mclib as mc

MODULES = ["mclib", "mclib.vec", "mclib.spectral", "mclib.matnormal", "mclib.nn", "mclib.conv",
           "mclib.identities", "mclib.tables", "mclib.plotting", "mclib.explorer",
           "mclib.exercises", "mclib.matrix_t"]
OPTIONAL_MODULES = ["mclib.matfunc", "mclib.transformer", "mclib.hessian"]

# Exported names that are not functions taking input: result classes (constructed by mclib) and
# constants. Anything else exported must have a case.
NOT_FUNCTIONS = {
    "mclib.GradientCheck", "mclib.GradientError", "mclib.NumericalDerivative",
    "mclib.matnormal.FlipFlopInfo", "mclib.nn.ACTIVATIONS",
    "mclib.identities.Identity", "mclib.identities.Verification", "mclib.identities.Condition",
    "mclib.identities.Mistake", "mclib.identities.KINDS", "mclib.identities.DOMAINS",
    "mclib.identities.CONSTANT_KINDS", "mclib.hessian.HESSIAN_DIAGNOSES",
    "mclib.explorer.GradientFieldExplorer", "mclib.explorer.DEFAULT_MATRICES",
    "mclib.exercises.Exercise", "mclib.exercises.ExerciseCheck", "mclib.exercises.Mistake",
    "mclib.exercises.KINDS", "mclib.exercises.DIFFICULTIES",
}



def _present_modules():
    present, missing = [], []
    for name in MODULES + OPTIONAL_MODULES:
        try:
            present.append(importlib.import_module(name))
        except ImportError:
            if name not in OPTIONAL_MODULES:
                raise
            missing.append(name)
    return present, missing


PRESENT, NOT_YET_PRESENT = _present_modules()


def _exported():
    """{key: (exported path, object)} for every exported name; key = definition's module.qualname."""
    out = {}
    for module in PRESENT:
        for name in module.__all__:
            obj = getattr(module, name)
            path = f"{module.__name__}.{name}"
            if inspect.isfunction(obj):
                out.setdefault(f"{obj.__module__}.{obj.__qualname__}", (path, obj))
            else:
                out.setdefault(path, (path, obj))
    return out


EXPORTED = _exported()

# --- kinds of bad values -------------------------------------------------------------------------

NAN_INF = [np.nan, np.inf, -np.inf]


def _wrong_ndims(allowed):
    if allowed == "any":
        return []
    if allowed == ">=1":
        return [0]
    return [d for d in range(5) if d not in allowed]


def _bad_arrays(good, allowed, empty_ok=False, neg_inf_ok=False):
    good = np.asarray(good, dtype=float)
    bad = [good + 1j, "abc", [[1.0, "x"]]]
    for value in NAN_INF[:2] if neg_inf_ok else NAN_INF:
        a = good.copy()
        a.flat[-1] = value
        bad.append(a)
    bad += [np.zeros((2,) * d) for d in _wrong_ndims(allowed)]
    if not empty_ok and good.ndim:
        bad.append(np.zeros((0,) + good.shape[1:]))
    return bad


FIXED = {
    "tol": [-1e-3, np.nan, np.inf, "a", [1e-3]],
    "postol": [0.0, -1e-3, np.nan, np.inf, "a"],
    "posint": [0, -1, 2.5, 3.0, "3", True],
    "nonnegint": [-1, 2.5, "0", True],
    "seed": ["a", -1, 2.5],
    "rng": ["a", -1, 2.5, np.random.RandomState(0)],
    "shape": [(2.5, 3), (2, -1), "ab", 3.0, (True, 2)],
    "pair": [0, -1, 2.5, "2", (1,), (1, 2, 3), (1.5, 1), True],
    "pair0": [-1, 2.5, "2", (1,), (0, 1.5), True],
    "choice": ["nope", 3],
    "callable": [3, "f"],
    "str": [3, None, b"x"],
    "params": [[], "abc", [(np.ones((3, 2)),)], [(np.full((3, 2), np.nan), np.zeros(2))],
               [(np.ones((3, 2)) + 1j, np.zeros(2))], [(np.ones((4, 2)), np.zeros(2))]],
    "outputs": [[], "abc", [np.ones((5, 3)), np.full((5, 2), np.nan)], [np.ones((5, 3)), np.ones((5, 7))]],
    "labels": [np.array([0.5, 1.5]), np.array([[0, 1]]), "abc", np.array([0, 7]), np.array([-1, 0])],
    "rows": [3, [["a"], ["b", "c"]]],
    "identity": ["no_such_identity", 3],
    "mistake": ["x", 3],
}


def _random_bad(kind, good, neg_inf_ok=False):
    """A hypothesis strategy of random bad values of `kind` (`good` is the valid value)."""
    if kind.startswith("array"):
        good = np.asarray(good, dtype=float)
        allowed = kind.split(":", 1)[1] if ":" in kind else "any"
        allowed = allowed if allowed in ("any", ">=1") else tuple(int(c) for c in allowed.split("|"))
        positions = st.integers(0, max(good.size - 1, 0))

        def poison(args):
            index, value = args
            a = good.copy()
            a.flat[index] = value
            return a

        values = st.sampled_from(NAN_INF[:2] if neg_inf_ok else NAN_INF)
        nonfinite = st.tuples(positions, values).map(poison)
        complex_ = st.floats(-3, 3, allow_nan=False).filter(bool).map(lambda t: good + 1j * t)
        ndims = _wrong_ndims(allowed)
        wrong_ndim = (st.sampled_from(ndims).flatmap(
            lambda d: st.tuples(*[st.integers(1, 3)] * d).map(np.ones)) if ndims else nonfinite)
        return st.one_of(nonfinite, complex_, wrong_ndim)
    if kind in ("tol", "postol"):
        negative = st.floats(max_value=-1e-300, allow_nan=False, allow_infinity=False)
        return st.one_of(negative, st.sampled_from([np.nan, np.inf, -np.inf]),
                         st.text(min_size=1, max_size=3))
    if kind in ("posint", "nonnegint"):
        top = 0 if kind == "posint" else -1
        return st.one_of(st.integers(max_value=top),
                         st.floats(0.01, 50).filter(lambda v: v != int(v)),
                         st.just(True))
    if kind in ("seed", "rng"):
        return st.one_of(st.integers(max_value=-1), st.floats(0.01, 50).filter(lambda v: v != int(v)),
                         st.text(min_size=1, max_size=3))
    if kind == "shape":
        return st.lists(st.one_of(st.integers(max_value=0), st.floats(0.5, 5).filter(
            lambda v: v != int(v))), min_size=1, max_size=3).map(tuple)
    if kind in ("pair", "pair0"):
        top = 0 if kind == "pair" else -1
        bad_int = st.one_of(st.integers(-5, top), st.floats(0.5, 5).filter(lambda v: v != int(v)))
        return st.one_of(bad_int, st.tuples(bad_int, st.integers(1, 2)),
                         st.tuples(st.integers(1, 2), bad_int))
    return st.sampled_from(FIXED[kind])


# --- the registry ----------------------------------------------------------------------------------


@dataclass
class Case:
    """A valid call (``good()`` returns its keyword arguments) and the kind of each parameter."""

    good: object
    params: dict = field(default_factory=dict)
    empty_ok: tuple = ()  # parameters for which an empty array is valid (elementwise functions)
    neg_inf_ok: tuple = ()  # parameters for which −inf is valid (masked logits)


def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _spd(n, seed=0):
    A = _r(n, n, seed=seed)
    return A @ A.T + n * np.eye(n)


def _sym(n, seed=0):
    A = _r(n, n, seed=seed)
    return A + A.T


def _sq(X):
    return float(np.sum(X**2))


def _twice(X):
    return 2 * X


def _mlp():
    params = mc.nn.init_mlp((3, 4, 2), 0)
    X = _r(5, 3)
    return params, X, mc.nn.mlp_forward(params, X)


CHECK = dict(f="callable", grad="array", X="array", rtol="tol", atol="tol", directions="posint",
             seed="seed", method="choice")
SYM_TOLS = dict(A="array:2", H="array:2", gap_rtol="tol", symmetry_rtol="tol")
CONV = dict(stride="pair", padding="pair0")
X4 = _r(2, 3, 5, 5)
W4 = _r(4, 3, 3, 3)

def _matrix_t_point():
    return dict(X=_r(3, 2, seed=1), M=_r(3, 2), U=_spd(3), V=_spd(2), df=3.0)


MATRIX_T = dict(X="array:2|3", M="array:2", U="array:2", V="array:2", df="postol")


def _linear_layer_answer(W, x, y):
    return np.outer(W @ x - y, x)


CASES = {
    "mclib.explorer.gradient_field": Case(
        lambda: dict(point=(1.0, 0.5)),
        dict(point="array:1", extent="postol", grid="posint", selected="choice")),
    "mclib.exercises._registry.check": Case(
        lambda: dict(exercise_id="ex-layouts-linear-layer", answer=_linear_layer_answer),
        dict(exercise_id="str", answer="callable", seed="seed")),
    "mclib.exercises._registry.get": Case(lambda: dict(exercise_id="ex-layouts-linear-layer"),
                                          dict(exercise_id="str")),
    "mclib.exercises._registry.ids": Case(lambda: dict()),
    "mclib.matrix_t.logpdf": Case(_matrix_t_point, MATRIX_T),
    "mclib.matrix_t.grad_logpdf": Case(_matrix_t_point, MATRIX_T),
    # core: numerical derivatives and checkers (mclib.gradcheck, mclib.numdiff)
    "mclib.gradcheck.check_gradient": Case(lambda: dict(f=_sq, grad=_twice, X=_r(2, 3), directions=2),
                                           CHECK),
    "mclib.gradcheck.assert_gradient": Case(lambda: dict(f=_sq, grad=_twice, X=_r(2, 3), directions=2),
                                            CHECK),
    "mclib.gradcheck.check_jacobian": Case(
        lambda: dict(F=np.sin, J=lambda X: np.diag(np.cos(X).ravel(order="F")), X=_r(2, 2), directions=2),
        dict(CHECK, F="callable", J="array", layout="choice", f=None, grad=None)),
    "mclib.numdiff.numerical_derivative": Case(lambda: dict(F=np.sin, X=_r(3)),
                                               dict(F="callable", X="array", method="choice", h="postol")),
    "mclib.numdiff.numerical_gradient": Case(lambda: dict(f=_sq, X=_r(3)),
                                             dict(f="callable", X="array", method="choice", h="postol")),
    "mclib.numdiff.numerical_jacobian": Case(lambda: dict(F=np.sin, X=_r(3)),
                                             dict(F="callable", X="array", layout="choice",
                                                  method="choice", h="postol")),
    # vec
    "mclib.vec.vec": Case(lambda: dict(X=_r(2, 3)), dict(X="array")),
    "mclib.vec.unvec": Case(lambda: dict(v=_r(6), shape=(2, 3)), dict(v="array:1|2", shape="shape")),
    "mclib.vec.vech": Case(lambda: dict(S=_sym(3)), dict(S="array:2")),
    "mclib.vec.commutation_matrix": Case(lambda: dict(m=2, n=3), dict(m="posint", n="posint")),
    "mclib.vec.duplication_matrix": Case(lambda: dict(n=3), dict(n="posint")),
    "mclib.vec.kron_matvec": Case(lambda: dict(A=_r(2, 3), B=_r(2, 2), x=_r(6)),
                                  dict(A="array:2", B="array:2", x="array:1|2")),
    # spectral
    "mclib.spectral.eigenvalue_derivative": Case(lambda: dict(A=_sym(3), H=_sym(3, 1)), SYM_TOLS),
    "mclib.spectral.eigenvector_derivative": Case(lambda: dict(A=_sym(3), H=_sym(3, 1)), SYM_TOLS),
    "mclib.spectral.eigenvalue_second_derivative": Case(lambda: dict(A=_sym(3), H=_sym(3, 1)), SYM_TOLS),
    "mclib.spectral.eigh_vjp": Case(lambda: dict(A=_sym(3), lam_bar=_r(3), Q_bar=_r(3, 3)),
                                    dict(A="array:2", lam_bar="array:1", Q_bar="array:2", gap_rtol="tol",
                                         symmetry_rtol="tol")),
    "mclib.spectral.singular_value_derivative": Case(lambda: dict(A=_r(3, 2), H=_r(3, 2, seed=1)),
                                                     dict(A="array:2", H="array:2", gap_rtol="tol")),
    "mclib.spectral.singular_vector_derivative": Case(lambda: dict(A=_r(3, 2), H=_r(3, 2, seed=1)),
                                                      dict(A="array:2", H="array:2", gap_rtol="tol")),
    "mclib.spectral.qr_derivative": Case(lambda: dict(A=_r(3, 2), H=_r(3, 2, seed=1)),
                                         dict(A="array:2", H="array:2", rank_rtol="tol")),
    # matnormal
    "mclib.matnormal.sample": Case(lambda: dict(M=_r(3, 2), U=_spd(3), V=_spd(2), size=2, rng=0),
                                   dict(M="array:2", U="array:2", V="array:2", size="posint", rng="rng")),
    "mclib.matnormal.logpdf": Case(lambda: dict(X=_r(3, 2, seed=1), M=_r(3, 2), U=_spd(3), V=_spd(2)),
                                   dict(X="array:2|3", M="array:2", U="array:2", V="array:2")),
    "mclib.matnormal.grad_logpdf": Case(lambda: dict(X=_r(3, 2, seed=1), M=_r(3, 2), U=_spd(3), V=_spd(2)),
                                        dict(X="array:2|3", M="array:2", U="array:2", V="array:2")),
    "mclib.matnormal.mle": Case(lambda: dict(Xs=_r(20, 3, 2), max_iter=5),
                                dict(Xs="array:3", tol="postol", max_iter="posint")),
    # nn
    "mclib.nn.activation_forward": Case(lambda: dict(name="tanh", Z=_r(2, 3)),
                                        dict(name="choice", Z="array")),
    "mclib.nn.activation_backward": Case(lambda: dict(name="tanh", dA=_r(2, 3), A=np.tanh(_r(2, 3))),
                                         dict(name="choice", dA="array", A="array")),
    "mclib.nn.relu": Case(lambda: dict(Z=_r(2, 3)), dict(Z="array")),
    "mclib.nn.relu_backward": Case(lambda: dict(dA=_r(2, 3), A=np.abs(_r(2, 3))),
                                   dict(dA="array", A="array")),
    "mclib.nn.sigmoid": Case(lambda: dict(Z=_r(2, 3)), dict(Z="array")),
    "mclib.nn.sigmoid_backward": Case(lambda: dict(dA=_r(2, 3), A=np.full((2, 3), 0.3)),
                                      dict(dA="array", A="array")),
    "mclib.nn.tanh": Case(lambda: dict(Z=_r(2, 3)), dict(Z="array")),
    "mclib.nn.tanh_backward": Case(lambda: dict(dA=_r(2, 3), A=np.full((2, 3), -0.3)),
                                   dict(dA="array", A="array")),
    "mclib.nn.softmax": Case(lambda: dict(Z=_r(2, 3)), dict(Z="array:1|2")),
    "mclib.nn.softmax_cross_entropy": Case(lambda: dict(Z=_r(2, 3), Y=np.eye(3)[[0, 2]]),
                                           dict(Z="array:2", Y="array:2")),
    "mclib.nn.mse": Case(lambda: dict(Yhat=_r(2, 3), Y=_r(2, 3, seed=1)), dict(Yhat="array:2", Y="array:2")),
    "mclib.nn.one_hot": Case(lambda: dict(labels=np.array([0, 2]), num_classes=3),
                             dict(labels="labels", num_classes="posint")),
    "mclib.nn.linear_forward": Case(lambda: dict(X=_r(4, 3), W=_r(3, 2), b=_r(2)),
                                    dict(X="array:2", W="array:2", b="array:1")),
    "mclib.nn.linear_backward": Case(lambda: dict(dZ=_r(4, 2), X=_r(4, 3), W=_r(3, 2)),
                                     dict(dZ="array:2", X="array:2", W="array:2")),
    "mclib.nn.init_mlp": Case(lambda: dict(sizes=(3, 4, 2), rng=0, activation="relu"),
                              dict(sizes="shape", rng="rng", activation="choice")),
    "mclib.nn.mlp_forward": Case(lambda: dict(params=_mlp()[0], X=_r(5, 3)),
                                 dict(params="params", X="array:2", activation="choice")),
    "mclib.nn.mlp_predict": Case(lambda: dict(params=_mlp()[0], X=_r(5, 3)),
                                 dict(params="params", X="array:2", activation="choice")),
    "mclib.nn.mlp_backward": Case(lambda: dict(params=_mlp()[0], outputs=_mlp()[2], dZ=_r(5, 2)),
                                  dict(params="params", outputs="outputs", dZ="array:2", activation="choice",
                                       weight_decay="tol")),
    "mclib.nn.mlp_loss_and_grads": Case(lambda: dict(params=_mlp()[0], X=_r(5, 3),
                                                     Y=np.eye(2)[[0, 1, 1, 0, 1]]),
                                        dict(params="params", X="array:2", Y="array:2", activation="choice",
                                             loss="choice", weight_decay="tol")),
    # conv
    "mclib.conv.output_size": Case(lambda: dict(n=5, k=3, stride=1, padding=0),
                                   dict(n="posint", k="posint", stride="posint", padding="nonnegint")),
    "mclib.conv.im2col": Case(lambda: dict(x=X4, kernel_size=3),
                              dict(x="array:4", kernel_size="pair", **CONV)),
    "mclib.conv.col2im": Case(lambda: dict(cols=_r(2, 27, 9), x_shape=(2, 3, 5, 5), kernel_size=3),
                              dict(cols="array:3", x_shape="shape", kernel_size="pair", **CONV)),
    "mclib.conv.conv2d": Case(lambda: dict(x=X4, w=W4, b=_r(4)),
                              dict(x="array:4", w="array:4", b="array:1", **CONV)),
    "mclib.conv.conv2d_backward": Case(lambda: dict(dy=_r(2, 4, 3, 3), x=X4, w=W4),
                                       dict(dy="array:4", x="array:4", w="array:4", **CONV)),
    "mclib.conv.maxpool2d": Case(lambda: dict(x=X4, kernel_size=2), dict(x="array:4", kernel_size="pair")),
    "mclib.conv.maxpool2d_backward": Case(lambda: dict(dy=_r(2, 3, 2, 2), x=X4, kernel_size=2),
                                          dict(dy="array:4", x="array:4", kernel_size="pair")),
    # identities
    "mclib.identities.register": Case(
        lambda: dict(name="bad_input_probe", title="t", latex="f", numerator="a", denominator="a",
                     differential="a", f=np.sum, derivative=np.ones_like, inputs={"x": "n"},
                     kind="scalar-by-vector", source="s", _dry=True),
        dict(name="str", kind="choice", domain="choice")),
    "mclib.identities.get": Case(lambda: dict(name="trace"), dict(name="identity")),
    "mclib.identities.all_identities": Case(lambda: dict(kind="scalar-by-matrix"), dict(kind="choice")),
    "mclib.identities.verify": Case(lambda: dict(identity="trace", size=2),
                                    dict(identity="identity", seed="seed", size="posint",
                                         derivative="callable")),
    "mclib.identities.random_point": Case(lambda: dict(kind="spd", rng=0, shape=(2, 2)),
                                          dict(kind="choice", rng="rng", shape="shape")),
    "mclib.identities.mistakes.mistakes": Case(lambda: dict(), {}),
    "mclib.identities.check_mistake": Case(lambda: dict(mistake=mc.identities.mistakes()[0], size=2),
                                           dict(mistake="mistake", seed="seed", size="posint")),
    # tables and plotting
    "mclib.tables.math_html": Case(lambda: dict(latex="x^2"), dict(latex="str")),
    "mclib.tables.html_table": Case(lambda: dict(rows=[["a", "b"]], headers=["h1", "h2"], css_class="c"),
                                    dict(rows="rows", css_class="str", style="str")),
    "mclib.tables.markdown_table": Case(lambda: dict(header=["h1", "h2"], rows=[["a", "b"]]),
                                        dict(rows="rows")),
    "mclib.plotting.benchmark_results": Case(lambda: dict(name="kron_matvec"), dict(name="str")),
    # chapters 9, 11 and 12: numerical Hessians, matrix functions, transformer layers
    "mclib.hessian.numerical_hessian": Case(lambda: dict(f=_sq, X=_r(2)),
                                            dict(f="callable", X="array", method="choice")),
    "mclib.hessian.check_hessian": Case(lambda: dict(f=_sq, hess=2 * np.eye(2), X=_r(2)),
                                        dict(f="callable", hess="array", X="array", rtol="tol", atol="tol",
                                             method="choice")),
    "mclib.matfunc.expm_frechet": Case(lambda: dict(A=_r(3, 3), E=_r(3, 3, seed=1)),
                                       dict(A="array:2", E="array:2")),
    "mclib.matfunc.symmetric_matrix_function": Case(lambda: dict(A=_sym(3), f=np.exp),
                                                    dict(A="array:2", f="callable")),
    "mclib.matfunc.divided_differences": Case(lambda: dict(lam=np.array([1.0, 2.0, 4.0]), f=np.exp,
                                                           df=np.exp),
                                              dict(lam="array:1", f="callable", df="callable")),
    "mclib.matfunc.matrix_function_derivative": Case(
        lambda: dict(A=_sym(3), H=_sym(3, 1), f=np.exp, df=np.exp),
        dict(A="array:2", H="array:2", f="callable", df="callable")),
    "mclib.matfunc.cholesky_derivative": Case(lambda: dict(A=_spd(3), H=_sym(3, 1)),
                                              dict(A="array:2", H="array:2")),
    "mclib.matfunc.cholesky_vjp": Case(lambda: dict(A=_spd(3), L_bar=np.tril(_r(3, 3))),
                                       dict(A="array:2", L_bar="array:2")),
    "mclib.transformer.layer_norm": Case(lambda: dict(X=_r(2, 4), gamma=_r(4), beta=_r(4)),
                                         dict(X="array:>=1", gamma="array:1", beta="array:1", eps="postol")),
    "mclib.transformer.layer_norm_backward": Case(lambda: dict(dY=_r(2, 4), X=_r(2, 4), gamma=_r(4)),
                                                  dict(dY="array:>=1", X="array:>=1", gamma="array:1",
                                                       eps="postol")),
    "mclib.transformer.rms_norm": Case(lambda: dict(X=_r(2, 4), gamma=_r(4)),
                                       dict(X="array:>=1", gamma="array:1", eps="postol")),
    "mclib.transformer.rms_norm_backward": Case(lambda: dict(dY=_r(2, 4), X=_r(2, 4), gamma=_r(4)),
                                                dict(dY="array:>=1", X="array:>=1", gamma="array:1",
                                                     eps="postol")),
    "mclib.transformer.softmax": Case(lambda: dict(Z=_r(2, 4)), dict(Z="array:>=1"), neg_inf_ok=("Z",)),
    "mclib.transformer.attention": Case(lambda: dict(Q=_r(3, 4), K=_r(5, 4), V=_r(5, 2)),
                                        dict(Q="array:>=1", K="array:>=1", V="array:>=1")),
    "mclib.transformer.attention_backward": Case(lambda: dict(dO=_r(3, 2), Q=_r(3, 4), K=_r(5, 4),
                                                              V=_r(5, 2)),
                                                 dict(dO="array:>=1", Q="array:>=1", K="array:>=1",
                                                      V="array:>=1")),
    "mclib.transformer.gelu": Case(lambda: dict(X=_r(2, 4)), dict(X="array"), empty_ok=("X",)),
    "mclib.transformer.gelu_backward": Case(lambda: dict(dY=_r(2, 4), X=_r(2, 4)),
                                            dict(dY="array", X="array")),
}
for _case in CASES.values():  # None removes a parameter inherited from a shared dict
    _case.params = {k: v for k, v in _case.params.items() if v is not None}

FUNCTION_KEYS = sorted(k for k in CASES if k in EXPORTED)


def _call(key, kwargs):
    func = EXPORTED[key][1]
    if kwargs.pop("_dry", False):  # register: validate, then do not leave the probe registered
        from mclib.identities import _REGISTRY

        try:
            return func(**kwargs)
        finally:
            _REGISTRY.pop("bad_input_probe", None)
    return func(**kwargs)


def _expect_refusal(key, param, bad):
    func = EXPORTED[key][1]
    kwargs = CASES[key].good()
    kwargs[param] = bad
    try:
        result = _call(key, kwargs)
    except (ValueError, TypeError) as exc:
        message = str(exc)
        name = func.__name__
        assert re.search(rf"(^|[.\s]){re.escape(name)}(\(|:)", message), (
            f"{key}: message does not start with the function name: {message!r}")
        assert f"`{param}" in message, f"{key}: message does not name `{param}`: {message!r}"
        return
    pytest.fail(f"{key}({param}={bad!r}) returned {type(result).__name__} instead of raising")


def _good_value(key, param):
    """The parameter's value in the valid call, or its default."""
    good = CASES[key].good()
    signature = inspect.signature(EXPORTED[key][1]).parameters
    value = good[param] if param in good else getattr(signature.get(param), "default", None)
    kind = CASES[key].params[param]
    return np.ones((2, 2)) if kind.startswith("array") and callable(value) else value


def _params():
    return [(key, p) for key in FUNCTION_KEYS for p in CASES[key].params]


def _fixed_values(key, param):
    kind, good = CASES[key].params[param], _good_value(key, param)
    if kind.startswith("array"):
        allowed = kind.split(":", 1)[1] if ":" in kind else "any"
        allowed = allowed if allowed in ("any", ">=1") else tuple(int(c) for c in allowed.split("|"))
        return _bad_arrays(good, allowed, empty_ok=param in CASES[key].empty_ok,
                           neg_inf_ok=param in CASES[key].neg_inf_ok)
    return FIXED[kind]


PARAMS = [pytest.param(key, param, id=f"{key}-{param}") for key, param in _params()]


# --- the tests ----------------------------------------------------------------------------------


def test_every_public_function_has_a_case():
    print(f"modules not yet present (skipped): {NOT_YET_PRESENT or 'none'}")
    functions = {key for key, (path, obj) in EXPORTED.items() if path not in NOT_FUNCTIONS}
    missing = sorted(functions - set(CASES))
    assert not missing, f"public functions without a bad-input case (add them to CASES): {missing}"
    optional = tuple(m + "." for m in NOT_YET_PRESENT)
    stale = {k for k in CASES if k not in functions and not k.startswith(optional)}
    assert not stale, f"cases for functions that are not exported: {sorted(stale)}"
    unknown = {p for p in NOT_FUNCTIONS if not p.startswith(optional)} - {p for p, _ in EXPORTED.values()}
    assert not unknown, f"NOT_FUNCTIONS lists names that are not exported: {sorted(unknown)}"


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_the_valid_call_of_each_case_works(key):
    """The bad values are judged against a call that works: otherwise a refusal proves nothing."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # mle stops after max_iter=5 on purpose
        _call(key, CASES[key].good())


@pytest.mark.parametrize("key, param", PARAMS)
def test_every_fixed_bad_value(key, param):
    """Each fixed bad value of the parameter's kind, one at a time (one test item per parameter)."""
    for bad in _fixed_values(key, param):
        _expect_refusal(key, param, bad)


@pytest.mark.parametrize("key", [k for k in FUNCTION_KEYS if CASES[k].params])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_random_bad_values(key, data):
    candidates = list(CASES[key].params)
    param = data.draw(st.sampled_from(candidates), label="param")
    kind, good = CASES[key].params[param], _good_value(key, param)
    bad = data.draw(_random_bad(kind, good, param in CASES[key].neg_inf_ok), label="bad")
    _expect_refusal(key, param, bad)


def test_benchmark_results_directory_without_results_prints_a_note(tmp_path, capsys):
    # documented: a missing directory is an installed mclib without the repository, not bad input
    assert mc.plotting.benchmark_results("kron_matvec", directory=Path(tmp_path) / "absent") is None
    assert "benchmark results" in capsys.readouterr().out
