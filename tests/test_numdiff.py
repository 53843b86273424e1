"""Tests for mclib.numdiff: numerical_gradient and numerical_jacobian.

Oracles are closed-form derivatives derived by hand (differentials, d tr(AX) = tr(A dX) ...),
``np.kron`` and a commutation matrix built from basis matrices with NumPy's ``ravel``.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import mclib as mc
from mclib import numerical_gradient, numerical_jacobian


def _normwise(rel):
    """assert_allclose tolerances that are relative to the largest entry of the oracle."""
    return lambda actual, desired: assert_allclose(actual, desired, rtol=rel,
                                                   atol=rel * np.max(np.abs(desired)))


def _well_conditioned(rng, n):
    """3I + R/√n: eigenvalues in a disc of radius ≈1 around 3, so det > 0 and cond is small."""
    return 3.0 * np.eye(n) + rng.standard_normal((n, n)) / np.sqrt(n)


def _vec_transpose_jacobian(m, n):
    """Numerator Jacobian of X ↦ Xᵀ (X m×n): column k is vec(E_kᵀ), E_k the k-th basis matrix."""
    J = np.zeros((m * n, m * n))
    for k in range(m * n):
        E = np.zeros(m * n)
        E[k] = 1.0
        J[:, k] = E.reshape((m, n), order="F").T.ravel(order="F")
    return J


# --- closed forms ----------------------------------------------------------------------

METHODS = ["auto", "complex", "central"]


@pytest.mark.parametrize("method", METHODS)
def test_numerical_gradient_of_a_dot_x_is_a(rng, method):
    a, x = rng.standard_normal(5), rng.standard_normal(5)
    assert_allclose(numerical_gradient(lambda x: a @ x, x, method=method), a, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_numerical_gradient_of_xt_A_x_is_A_plus_At_x(rng, method):
    A, x = rng.standard_normal((4, 4)), rng.standard_normal(4)
    G = numerical_gradient(lambda x: x @ A @ x, x, method=method)
    _normwise(1e-8)(G, (A + A.T) @ x)


@pytest.mark.parametrize("method", METHODS)
def test_numerical_gradient_of_tr_AX_is_At_nonsquare(rng, method):
    A, X = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    G = numerical_gradient(lambda X: np.trace(A @ X), X, method=method)
    assert G.shape == (3, 2)
    _normwise(1e-8)(G, A.T)


@pytest.mark.parametrize("method", METHODS)
def test_numerical_gradient_of_log_det_is_inverse_transpose(rng, method):
    X = _well_conditioned(rng, 4)
    G = numerical_gradient(lambda X: np.log(np.linalg.det(X)), X, method=method)
    _normwise(1e-8)(G, np.linalg.inv(X).T)


def test_numerical_gradient_3d_array_keeps_shape_each_entry_independent(rng):
    W, X = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    G = numerical_gradient(lambda X: np.sum(W * X**2), X)
    assert G.shape == (2, 3, 4)
    _normwise(1e-12)(G, 2 * W * X)


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize("method", METHODS)
def test_numerical_jacobian_of_AXB_is_kron_Bt_A(rng, method, layout):
    A, X, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    J = numerical_jacobian(lambda X: A @ X @ B, X, method=method, layout=layout)
    expected = np.kron(B.T, A)  # (2·5) × (3·4), numerator layout
    assert J.shape == (expected.shape if layout == "numerator" else expected.T.shape)
    _normwise(1e-8)(J, expected if layout == "numerator" else expected.T)


@pytest.mark.parametrize("m, n", [(2, 3), (3, 3), (4, 1)])
def test_numerical_jacobian_of_transpose_is_commutation_matrix(rng, m, n):
    X = rng.standard_normal((m, n))
    assert_allclose(numerical_jacobian(lambda X: X.T, X), _vec_transpose_jacobian(m, n), atol=1e-12)


def test_numerical_jacobian_of_scalar_function_is_one_row(rng):
    A, X = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    J = numerical_jacobian(lambda X: np.trace(A @ X), X)
    assert J.shape == (1, 9)
    _normwise(1e-12)(J[0], A.T.ravel(order="F"))


# --- accuracy of the two methods ------------------------------------------------------


def _exp_sin(X):
    return np.sum(np.exp(X) * np.sin(X))


def _exp_sin_grad(X):
    return np.exp(X) * (np.sin(X) + np.cos(X))


@pytest.mark.parametrize("method", ["complex", "auto"])
def test_complex_step_reaches_1e13_relative_accuracy(rng, method):
    X = rng.standard_normal((3, 4))
    _normwise(1e-13)(numerical_gradient(_exp_sin, X, method=method), _exp_sin_grad(X))


def test_central_differences_reach_1e7_relative_accuracy(rng):
    X = rng.standard_normal((3, 4))
    _normwise(1e-7)(numerical_gradient(_exp_sin, X, method="central"), _exp_sin_grad(X))


def test_central_with_explicit_h_uses_that_step(rng):
    # ((x+h)³ − (x−h)³) / 2h = 3x² + h² exactly
    x, h = rng.standard_normal(4), 1e-3
    G = numerical_gradient(lambda x: np.sum(x**3), x, method="central", h=h)
    assert_allclose(G, 3 * x**2 + h**2, rtol=1e-9)


def test_complex_with_explicit_h_uses_that_step(rng):
    # Im (x + ih)³ / h = 3x² − h²
    x, h = rng.standard_normal(4), 1e-3
    G = numerical_gradient(lambda x: np.sum(x**3), x, method="complex", h=h)
    assert_allclose(G, 3 * x**2 - h**2, rtol=1e-12)


# --- functions that break the complex step --------------------------------------------


def _lambda_max_sym_part(X):
    return np.linalg.eigh((X + X.T) / 2)[0][-1]


def _lambda_max_sym_part_grad(X):
    # dλ = vᵀ dS v with dS = (dX + dXᵀ)/2, so ∇ = v vᵀ [Petersen & Pedersen 2012, sec. 2.3]
    v = np.linalg.eigh((X + X.T) / 2)[1][:, -1]
    return np.outer(v, v)


def _lambda_max_eigh_lower_grad(S):
    # eigh reads only the lower triangle (UPLO="L"), so each entry below the diagonal stands
    # for both S[i, j] and S[j, i]: 2 v_i v_j below, v_i² on, 0 above the diagonal.
    v = np.linalg.eigh(S)[1][:, -1]
    P = np.outer(v, v)
    return np.tril(2 * P, -1) + np.diag(np.diag(P))


def _with_float(x):
    return float(np.sum(x**2)) + 1.0


BROKEN = {
    # name: (f, closed-form gradient, kind of point)
    "abs_plus_square": (lambda x: np.sum(np.abs(x)) + np.sum(x**2), lambda x: np.sign(x) + 2 * x, "vec"),
    "x_conj_x": (lambda x: np.sum(x * np.conj(x)), lambda x: 2 * x, "vec"),
    "real_squared": (lambda x: np.sum(np.real(x) ** 2), lambda x: 2 * x, "vec"),
    "norm": (np.linalg.norm, lambda x: x / np.linalg.norm(x), "vec"),
    "eigh_max_of_sym_part": (_lambda_max_sym_part, _lambda_max_sym_part_grad, "mat"),
    "eigh_max_of_symmetric_arg": (lambda S: np.linalg.eigh(S)[0][-1], _lambda_max_eigh_lower_grad, "sym"),
    "asarray_float": (lambda x: np.sum(np.asarray(x, dtype=float) ** 3), lambda x: 3 * x**2, "vec"),
    "python_float": (_with_float, lambda x: 2 * x, "vec"),
}
# complex evaluation runs but gives a wrong answer: the docstring promises nothing here
SILENTLY_WRONG_UNDER_COMPLEX = {"abs_plus_square", "x_conj_x"}


def _point(rng, kind):
    if kind == "vec":
        return rng.uniform(0.5, 2.0, 6) * rng.choice([-1.0, 1.0], 6)  # away from the kink of abs
    R = rng.standard_normal((4, 4))
    return R if kind == "mat" else R + R.T


@pytest.mark.parametrize("name", sorted(BROKEN))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auto_never_returns_a_wrong_complex_step_answer(name, seed):
    f, grad, kind = BROKEN[name]
    X = _point(np.random.default_rng(seed), kind)
    _normwise(1e-6)(numerical_gradient(f, X), grad(X))


@pytest.mark.parametrize("name", sorted(set(BROKEN) - SILENTLY_WRONG_UNDER_COMPLEX))
def test_method_complex_raises_when_f_drops_the_imaginary_part(rng, name):
    f, _, kind = BROKEN[name]
    with pytest.raises(ValueError, match="does not propagate complex input"):
        numerical_gradient(f, _point(rng, kind), method="complex")


@pytest.mark.parametrize("name", sorted(SILENTLY_WRONG_UNDER_COMPLEX))
def test_method_complex_on_abs_or_conj_only_promises_value_error_or_an_array(rng, name):
    """Documents, does not endorse. abs and conj *accept* complex input, so the complex step
    differentiates their non-holomorphic extension: at the time of writing it returns 2x for
    sum|x| + sum x² (the sign term is lost) and 0 for sum x·conj(x). The docstring only
    promises a raise when f *cannot* take complex input, so only that contract is asserted;
    method="auto" (tested above) is what protects readers."""
    f, _, kind = BROKEN[name]
    X = _point(rng, kind)
    try:
        G = numerical_gradient(f, X, method="complex")
    except ValueError:
        return
    assert G.shape == X.shape


# --- bad input -------------------------------------------------------------------------

X0 = np.arange(1.0, 5.0).reshape(2, 2)
BAD_INPUT = {
    "gradient_of_vector_f": (lambda: numerical_gradient(lambda X: X.ravel(), X0), "must return a scalar"),
    "f_returns_nan": (lambda: numerical_gradient(lambda X: np.nan * np.sum(X), X0), "non-finite"),
    "f_returns_nan_jacobian": (lambda: numerical_jacobian(lambda X: np.full(3, np.nan), X0), "non-finite"),
    "f_returns_string": (lambda: numerical_gradient(lambda X: "1.0", X0), "non-numeric"),
    "f_not_callable": (lambda: numerical_gradient(3.0, X0), "callable"),
    "X_with_nan": (lambda: numerical_gradient(np.sum, [[1.0, np.nan]]), r"`X`.*\(1, 2\)"),
    "X_with_inf_jacobian": (lambda: numerical_jacobian(np.sin, [np.inf]), r"`X`.*\(1,\)"),
    "X_complex": (lambda: numerical_gradient(np.sum, X0 + 1j), "`X` must be real"),
    "X_empty": (lambda: numerical_gradient(np.sum, np.zeros((0, 2))), r"`X`.*\(0, 2\)"),
    "bad_method": (lambda: numerical_gradient(np.sum, X0, method="forward"), "`method`.*'forward'"),
    "bad_method_jacobian": (lambda: numerical_jacobian(np.sin, X0, method="Complex"), "`method`"),
    "bad_layout": (lambda: numerical_jacobian(np.sin, X0, layout="row"), "`layout`.*'row'"),
    "h_zero": (lambda: numerical_gradient(np.sum, X0, h=0.0), "`h`"),
    "h_negative": (lambda: numerical_gradient(np.sum, X0, method="central", h=-1e-3), "`h`"),
    "h_nan": (lambda: numerical_gradient(np.sum, X0, h=np.nan), "`h`"),
    "h_inf": (lambda: numerical_gradient(np.sum, X0, method="complex", h=np.inf), "`h`"),
    "h_string": (lambda: numerical_gradient(np.sum, X0, h="1e-3"), "`h`"),
    "h_array": (lambda: numerical_gradient(np.sum, X0, h=np.array([1e-3, 1e-3])), "`h`"),
    "h_bool": (lambda: numerical_gradient(np.sum, X0, method="central", h=True), "`h`"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_raises_value_error_with_clear_message(case):
    call, pattern = BAD_INPUT[case]
    with pytest.raises(ValueError, match=pattern):
        call()


# --- Jacobians of chapter 3 (book/03-vec-kronecker.ipynb) -------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_numerical_jacobian_of_inverse_is_minus_kron_invT_inv(rng, method):
    # d(X⁻¹) = −X⁻¹ dX X⁻¹, so vec d(X⁻¹) = −(X⁻ᵀ ⊗ X⁻¹) vec dX [Magnus & Neudecker 2019, ch. 8]
    X = _well_conditioned(rng, 3)
    X_inv = np.linalg.inv(X)
    J = numerical_jacobian(np.linalg.inv, X, method=method)
    _normwise(1e-8)(J, -np.kron(X_inv.T, X_inv))


def test_numerical_jacobian_of_inverse_is_not_minus_kron_inv_inv_unless_symmetric(rng):
    X = _well_conditioned(rng, 3)
    X_inv = np.linalg.inv(X)
    J = numerical_jacobian(np.linalg.inv, X)
    assert np.max(np.abs(J + np.kron(X_inv, X_inv))) > 1e-3 * np.max(np.abs(J))
    S = (X + X.T) / 2
    S_inv = np.linalg.inv(S)
    _normwise(1e-12)(numerical_jacobian(np.linalg.inv, S), -np.kron(S_inv, S_inv))


@pytest.mark.parametrize("m, n", [(4, 3), (3, 3), (2, 3)])
def test_numerical_jacobian_of_RtR_is_I_kron_Rt_plus_Rt_kron_I_times_commutation(rng, m, n):
    R = rng.standard_normal((m, n))
    eye = np.eye(n)
    expected = np.kron(eye, R.T) + np.kron(R.T, eye) @ _vec_transpose_jacobian(m, n)
    _normwise(1e-12)(numerical_jacobian(lambda R: R.T @ R, R), expected)
    # the commutation form (I + K_nn)(I ⊗ Rᵀ): K_nn from basis matrices, not from mclib
    _normwise(1e-12)(expected, (np.eye(n * n) + _vec_transpose_jacobian(n, n)) @ np.kron(eye, R.T))


def test_numerical_jacobian_of_X_squared_is_I_kron_X_plus_Xt_kron_I(rng):
    X = rng.standard_normal((3, 3))
    eye = np.eye(3)
    _normwise(1e-12)(numerical_jacobian(lambda X: X @ X, X), np.kron(eye, X) + np.kron(X.T, eye))


@pytest.mark.parametrize("method", METHODS)
def test_numerical_gradient_of_tr_AXBXt_is_AXB_plus_AtXBt_nonsquare(rng, method):
    A, B, X = rng.standard_normal((3, 3)), rng.standard_normal((4, 4)), rng.standard_normal((3, 4))
    G = numerical_gradient(lambda X: np.trace(A @ X @ B @ X.T), X, method=method)
    _normwise(1e-8)(G, A @ X @ B + A.T @ X @ B.T)


def test_auto_falls_back_to_differences_for_a_function_that_calls_torch():
    torch = pytest.importorskip("torch")

    def f(X):  # float() of a complex tensor raises RuntimeError, not TypeError
        return float((torch.tensor(X) ** 2).sum())

    result = mc.check_gradient(f, lambda X: 2 * X, np.ones((2, 2)))
    assert result.ok and result.method == "central"
    with pytest.raises(ValueError, match="does not propagate complex input"):
        mc.numerical_gradient(f, np.ones((2, 2)), method="complex")
