"""Tests of mclib.hessian: numerical_hessian and check_hessian.

Oracles: closed forms from the second differential [Magnus & Neudecker 2019, ch. 10] and
torch.autograd.functional.hessian in float64 (flattened in column-major vec order).
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import mclib as mc


def logdet(X):
    return np.log(np.linalg.det(X))  # holomorphic code: the complex route applies


def logistic_loss(A, y):
    def f(w):
        z = A @ w
        return np.mean(np.log1p(np.exp(-z)) + (1 - y) * z)  # −y log σ(z) − (1−y) log(1−σ(z))
    return f


def logistic_hessian(A, w):
    p = 1 / (1 + np.exp(-A @ w))
    return A.T @ (A * (p * (1 - p))[:, None]) / A.shape[0]


def torch_hessian_vec(f_torch, X):
    """torch's Hessian (shape X.shape + X.shape) as (N, N) in column-major vec order."""
    H4 = torch.autograd.functional.hessian(f_torch, torch.tensor(X, dtype=torch.float64)).numpy()
    return H4.reshape(X.size, X.size, order="F")


# --- closed forms ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["auto", "central"])
def test_numerical_hessian_quadratic_form(rng, method):
    A, x = rng.standard_normal((5, 5)), rng.standard_normal(5)
    H = mc.numerical_hessian(lambda v: v @ A @ v, x, method=method)
    np.testing.assert_allclose(H, A + A.T, rtol=0, atol=(1e-11 if method == "auto" else 1e-6))


def test_numerical_hessian_linear_is_zero(rng):
    a, x = rng.standard_normal(4), rng.standard_normal(4)
    with pytest.warns(RuntimeWarning, match="cannot be trusted"):  # all zero: no scale to be relative to
        H = mc.numerical_hessian(lambda v: a @ v, x)
    np.testing.assert_allclose(H, np.zeros((4, 4)), atol=1e-12)
    assert mc.check_hessian(lambda v: a @ v, np.zeros((4, 4)), x, atol=1e-10)


def test_numerical_hessian_squared_distance(rng):
    a, x = rng.standard_normal(6), rng.standard_normal(6)
    H = mc.numerical_hessian(lambda v: np.sum((v - a) ** 2), x)
    np.testing.assert_allclose(H, 2 * np.eye(6), atol=1e-10)


def test_numerical_hessian_logdet_uses_commutation_matrix(rng):
    X = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    Xi = np.linalg.inv(X)
    expected = -mc.commutation_matrix(3, 3) @ np.kron(Xi.T, Xi)
    np.testing.assert_allclose(mc.numerical_hessian(logdet, X), expected, atol=1e-10)
    assert mc.check_hessian(logdet, expected, X)


def test_trace_xtaxb_hessian_is_kronecker_sum(rng):
    A, B, X = rng.standard_normal((3, 3)), rng.standard_normal((2, 2)), rng.standard_normal((3, 2))
    expected = np.kron(B.T, A) + np.kron(B, A.T)
    result = mc.check_hessian(lambda Y: np.trace(Y.T @ A @ Y @ B), expected, X)
    assert result.ok, result.message


def test_logistic_regression_hessian_matches_torch(rng):
    A = rng.standard_normal((20, 4))
    y = (rng.random(20) < 0.5).astype(float)
    w = rng.standard_normal(4) * 0.5
    H = logistic_hessian(A, w)
    assert mc.check_hessian(logistic_loss(A, y), H, w)
    At, yt = torch.tensor(A), torch.tensor(y)

    def f_torch(v):
        return torch.nn.functional.binary_cross_entropy_with_logits(At @ v, yt)

    np.testing.assert_allclose(torch_hessian_vec(f_torch, w), H, rtol=1e-12, atol=1e-14)


def test_matrix_function_hessian_matches_torch_column_major(rng):
    A, X = rng.standard_normal((3, 3)), rng.standard_normal((3, 2))

    def f(Y):
        return np.sum(np.tanh(A @ Y) ** 2)

    Ht = torch_hessian_vec(lambda Y: torch.sum(torch.tanh(torch.tensor(A) @ Y) ** 2), X)
    np.testing.assert_allclose(mc.numerical_hessian(f, X), Ht, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(mc.numerical_hessian(f, X, method="central"), Ht, rtol=1e-6, atol=1e-7)
    assert mc.check_hessian(f, Ht, X)


def test_numerical_hessian_measured_accuracy(rng):
    """The accuracy stated in the module docstring, on x ↦ Σ exp(a_i·x) (not a quadratic)."""
    A, x = rng.standard_normal((6, 4)), rng.standard_normal(4) * 0.3
    H = A.T @ (A * np.exp(A @ x)[:, None])
    def f(v):
        return np.sum(np.exp(A @ v))
    rel = {m: np.max(np.abs(mc.numerical_hessian(f, x, method=m) - H)) / np.max(np.abs(H))
           for m in ("complex", "central")}
    assert rel["complex"] < 1e-10
    assert rel["central"] < 1e-7


def test_check_hessian_callable_and_array(rng):
    A, x = rng.standard_normal((4, 4)), rng.standard_normal(4)
    def f(v):
        return v @ A @ v
    assert mc.check_hessian(f, lambda v: A + A.T, x)
    assert mc.check_hessian(f, A + A.T, x, method="central")


# --- must-fail: each diagnosis ------------------------------------------------------------


def test_check_hessian_sign_flipped(rng):
    X = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    Xi = np.linalg.inv(X)
    r = mc.check_hessian(logdet, mc.commutation_matrix(3, 3) @ np.kron(Xi.T, Xi), X)
    assert not r and r.verdict == "fail" and r.diagnosis == "sign-flipped" and r.scale == -1.0
    assert "H[" in r.message and "looks sign-flipped" in r.message


@pytest.mark.parametrize("c", [2.0, 0.5])
def test_check_hessian_scaled(rng, c):
    A, x = rng.standard_normal((4, 4)), rng.standard_normal(4)
    r = mc.check_hessian(lambda v: v @ A @ v, c * (A + A.T), x)
    assert r.diagnosis == "scaled" and r.scale == c


def test_check_hessian_row_major_vec(rng):
    A, B, X = rng.standard_normal((3, 3)), rng.standard_normal((2, 2)), rng.standard_normal((3, 2))
    def f(Y):
        return np.trace(Y.T @ A @ Y @ B)
    H4 = torch.autograd.functional.hessian(
        lambda Y: torch.trace(Y.T @ torch.tensor(A) @ Y @ torch.tensor(B)), torch.tensor(X)).numpy()
    r = mc.check_hessian(f, H4.reshape(6, 6), X)  # C-order reshape: row-major vec
    assert r.diagnosis == "row-major-vec" and r.scale == 1.0, r.message
    assert mc.check_hessian(f, H4.reshape(6, 6, order="F"), X)


def test_check_hessian_row_major_vec_three_axes(rng):
    a = rng.standard_normal((2, 3, 2))
    X = rng.standard_normal((2, 3, 2))
    def f(Y):
        return np.sum(a * Y) ** 2 + np.sum(Y[0] * Y[1, :, ::-1])
    H = mc.numerical_hessian(f, X)
    order = np.arange(12).reshape(X.shape, order="F").ravel(order="C")
    P = np.eye(12)[order]
    assert mc.check_hessian(f, H, X)
    assert mc.check_hessian(f, P @ H @ P.T, X).diagnosis == "row-major-vec"


def test_check_hessian_unsymmetrized(rng):
    A, x = rng.standard_normal((4, 4)), rng.standard_normal(4)
    r = mc.check_hessian(lambda v: v @ A @ v, 2 * A, x)  # B of d²f = dxᵀ(2A)dx, not (B + Bᵀ)/2
    assert r.diagnosis == "unsymmetrized" and r.scale == 1.0, r.message
    r = mc.check_hessian(lambda v: v @ A @ v, A, x)  # half of B and not symmetrized
    assert r.diagnosis == "unsymmetrized" and r.scale == 0.5


def test_check_hessian_unknown(rng):
    A, x = rng.standard_normal((4, 4)), rng.standard_normal(4)
    r = mc.check_hessian(lambda v: v @ A @ v, A + A.T + 0.01 * np.eye(4), x)
    assert r.verdict == "fail" and r.diagnosis == "unknown"


def test_check_hessian_one_wrong_small_entry_fails(rng):
    A = rng.standard_normal((4, 4))
    A = 100 * (A + A.T)
    A[0, 3] = A[3, 0] = 1e-3
    x = rng.standard_normal(4)
    wrong = A.copy()
    wrong[0, 3] = wrong[3, 0] = 2e-3
    r = mc.check_hessian(lambda v: v @ A @ v / 2, wrong, x)
    assert not r and r.worst_index in ((0, 3), (3, 0)) and r.n_failed == 2


# --- property tests ---------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 4), st.integers(0, 10_000))
def test_property_quadratic_hessian(n, seed):
    g = np.random.default_rng(seed)
    A, x = g.standard_normal((n, n)), g.standard_normal(n)
    def f(v):
        return v @ A @ v
    assert mc.check_hessian(f, A + A.T, x)
    assert not mc.check_hessian(f, -(A + A.T), x)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(0, 10_000))
def test_property_trace_kronecker_hessian(m, n, seed):
    g = np.random.default_rng(seed)
    A, B, X = g.standard_normal((m, m)), g.standard_normal((n, n)), g.standard_normal((m, n))
    H = mc.numerical_hessian(lambda Y: np.trace(Y.T @ A @ Y @ B), X)
    np.testing.assert_allclose(H, np.kron(B.T, A) + np.kron(B, A.T), atol=1e-9 * (1 + np.abs(A).max()
                                                                             * np.abs(B).max()))
    np.testing.assert_allclose(H, H.T, atol=0)


# --- bad input ------------------------------------------------------------------------------


def test_check_hessian_wrong_shape_names_hess(rng):
    X = rng.standard_normal((3, 2))
    def f(Y):
        return np.sum(Y**3)
    with pytest.raises(ValueError, match=r"check_hessian: `hess` has shape \(3, 2\) but `X` of shape "
                                         r"\(3, 2\) needs \(6, 6\)"):
        mc.check_hessian(f, np.zeros((3, 2)), X)
    with pytest.raises(ValueError, match=r"X.shape \+ X.shape.*order='F'"):
        mc.check_hessian(f, np.zeros((3, 2, 3, 2)), X)
    with pytest.raises(ValueError, match="reshape it to"):
        mc.check_hessian(f, np.zeros(36), X)
    with pytest.raises(ValueError, match=r"`hess` has shape \(6, 5\)"):
        mc.check_hessian(f, np.zeros((6, 5)), X)


def test_check_hessian_rejects_nonfinite_complex_and_bad_tolerances(rng):
    x = rng.standard_normal(2)
    def f(v):
        return v @ v
    with pytest.raises(ValueError, match="`hess` contains non-finite"):
        mc.check_hessian(f, np.array([[np.nan, 0], [0, 2.0]]), x)
    with pytest.raises(ValueError, match="`hess` must be real"):
        mc.check_hessian(f, 2j * np.eye(2), x)
    with pytest.raises(ValueError, match="`rtol`"):
        mc.check_hessian(f, 2 * np.eye(2), x, rtol=-1)
    with pytest.raises(ValueError, match="`method`"):
        mc.check_hessian(f, 2 * np.eye(2), x, method="forward")


def test_numerical_hessian_bad_input():
    with pytest.raises(ValueError, match="numerical_hessian: `f` must return a scalar"):
        mc.numerical_hessian(lambda v: v, np.ones(3))
    with pytest.raises(ValueError, match="numerical_hessian: `X` contains non-finite"):
        mc.numerical_hessian(lambda v: v @ v, np.array([1.0, np.inf]))
    with pytest.raises(ValueError, match="numerical_hessian: `f` must be callable"):
        mc.numerical_hessian(3.0, np.ones(2))


def test_numerical_hessian_warns_at_a_kink():
    x = np.array([0.0, 1.0])
    with pytest.warns(RuntimeWarning, match="numerical_hessian: .* cannot be trusted"):
        mc.numerical_hessian(lambda v: np.sum(np.abs(v)), x)
