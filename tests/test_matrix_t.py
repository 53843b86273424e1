"""Tests for mclib.matrix_t. Oracles: ``scipy.stats.matrix_t`` and ``multivariate_t`` (densities),
the scale mixture of matrix normals over an inverse Wishart drawn with ``scipy.stats.invwishart``
(Monte Carlo), the matrix normal limit δ → ∞, torch autograd in float64 (gradients of the density
formula) and ``mc.numerical_gradient`` (finite differences)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats
from test_matnormal import _model, _spd  # the same random models as the matrix normal's tests

import mclib as mc
from mclib import matnormal, matrix_t


def _scipy_logpdf(X, M, U, V, df):
    return stats.matrix_t.logpdf(X, mean=M, row_spread=U, col_spread=V, df=df)


SHAPES = [(1, 1, 0), (3, 2, 1), (2, 5, 2), (4, 4, 3), (6, 3, 4)]


# --- density --------------------------------------------------------------------------------


@pytest.mark.parametrize("n, p, seed", SHAPES)
@pytest.mark.parametrize("df", [0.5, 1.0, 3.7, 40.0])
def test_logpdf_matches_scipy_matrix_t_single_and_stack(n, p, seed, df):
    M, U, V = _model(seed, n, p)
    Xs = np.random.default_rng(seed + 10).standard_normal((5, n, p)) * 2 + M
    expected = _scipy_logpdf(Xs, M, U, V, df)
    assert_allclose(matrix_t.logpdf(Xs, M, U, V, df), expected, rtol=1e-11)
    assert isinstance(matrix_t.logpdf(Xs[0], M, U, V, df), float)
    assert_allclose(matrix_t.logpdf(Xs[0], M, U, V, df), expected[0], rtol=1e-11)


@pytest.mark.parametrize("n, seed, df", [(1, 0, 1.5), (3, 1, 2.5), (5, 2, 9.0)])
def test_one_column_is_multivariate_t_with_shape_omega_U_over_df(n, seed, df):
    M, U, _ = _model(seed, n, 1)
    omega = 1.7
    X = np.random.default_rng(seed + 30).standard_normal((n, 1))
    mvt = stats.multivariate_t(loc=M[:, 0], shape=omega * U / df, df=df)
    assert_allclose(matrix_t.logpdf(X, M, U, [[omega]], df), mvt.logpdf(X[:, 0]), rtol=1e-12)
    wrong = stats.multivariate_t(loc=M[:, 0], shape=omega * U, df=df)  # the 1/δ forgotten
    assert not np.isclose(matrix_t.logpdf(X, M, U, [[omega]], df), wrong.logpdf(X[:, 0]))


def test_one_row_is_multivariate_t_with_shape_u_V_over_df():
    M, _, V = _model(5, 1, 4)
    X = np.random.default_rng(50).standard_normal((1, 4))
    mvt = stats.multivariate_t(loc=M[0], shape=0.6 * V / 3.0, df=3.0)
    assert_allclose(matrix_t.logpdf(X, M, [[0.6]], V, 3.0), mvt.logpdf(X[0]), rtol=1e-12)


def test_large_df_limit_is_matrix_normal_with_row_covariance_U():
    """T(δ, M, δU, V) → MN(M, U, V) as δ → ∞ (S ~ W⁻¹(δ+n−1, δU) concentrates at U)."""
    M, U, V = _model(6, 3, 2)
    X = matnormal.sample(M, U, V, rng=6)
    normal = matnormal.logpdf(X, M, U, V)
    gaps = [abs(matrix_t.logpdf(X, M, df * U, V, df) - normal) for df in (1e2, 1e4, 1e6)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-4


def test_scale_mixture_of_matrix_normals_by_importance_weights():
    """X | S ~ MN(M, S, V), S ~ W⁻¹(δ + n − 1, U): E[h(X)/f(X)] = ∫h = 1 for a density h.

    A normalising constant off by a factor c gives c⁻¹ instead of 1; the standard error is from the
    sample itself (h is a matrix normal, lighter-tailed than f, so the weights have finite variance)."""
    n, p, df, K = 2, 3, 4.5, 60_000
    M, U, V = _model(7, n, p)
    r = np.random.default_rng(7)
    S = stats.invwishart(df=df + n - 1, scale=U).rvs(size=K, random_state=r)
    Z = r.standard_normal((K, n, p))
    X = M + np.linalg.cholesky(S) @ Z @ np.linalg.cholesky(V).T
    log_h = matnormal.logpdf(X, M, U / (df - 2), V)
    weights = np.exp(log_h - matrix_t.logpdf(X, M, U, V, df))
    se = weights.std() / np.sqrt(K)
    assert abs(weights.mean() - 1) < 4 * se and se < 0.01
    # the same data against the inverse Wishart with δ + n + 1 degrees of freedom: clearly not 1
    wrong = np.exp(log_h - matrix_t.logpdf(X, M, U, V, df + 2))
    assert abs(wrong.mean() - 1) > 20 * se


def test_covariance_of_vec_is_V_kron_U_over_df_minus_2():
    n, p, df, K = 2, 2, 9.0, 200_000
    M, U, V = _model(8, n, p)
    r = np.random.default_rng(8)
    S = stats.invwishart(df=df + n - 1, scale=U).rvs(size=K, random_state=r)
    X = M + np.linalg.cholesky(S) @ r.standard_normal((K, n, p)) @ np.linalg.cholesky(V).T
    vecs = X.transpose(0, 2, 1).reshape(K, -1)
    centred = vecs - mc.vec(M)
    products = centred[:, :, None] * centred[:, None, :]
    se = products.std(axis=0) / np.sqrt(K)
    assert np.all(np.abs(products.mean(axis=0) - np.kron(V, U) / (df - 2)) < 5 * se)
    assert np.any(np.abs(products.mean(axis=0) - np.kron(V, U) / df) > 10 * se)


# --- properties -----------------------------------------------------------------------------


@st.composite
def _cases(draw):
    n, p = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    df = draw(st.floats(0.2, 50.0))
    r = np.random.default_rng(seed)
    return r.standard_normal((n, p)), r.standard_normal((n, p)), _spd(r, n), _spd(r, p), df, r


@settings(max_examples=40, deadline=None)
@given(_cases())
def test_property_matches_scipy_and_is_symmetric_under_transposition(case):
    X, M, U, V, df, _ = case
    value = matrix_t.logpdf(X, M, U, V, df)
    assert_allclose(value, _scipy_logpdf(X, M, U, V, df), rtol=1e-10, atol=1e-10)
    # Xᵀ ~ T(δ, Mᵀ, V, U) [Gupta & Nagar 1999, Thm 4.3.1]
    assert_allclose(matrix_t.logpdf(X.T, M.T, V, U, df), value, rtol=1e-10, atol=1e-10)
    # only V ⊗ U is identified: (cU, V/c) is the same law
    assert_allclose(matrix_t.logpdf(X, M, 3.0 * U, V / 3.0, df), value, rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(_cases())
def test_property_affine_equivariance(case):
    """A X Bᵀ ~ T(δ, A M Bᵀ, A U Aᵀ, B V Bᵀ): the log-density changes by −p log|A| − n log|B|."""
    X, M, U, V, df, r = case
    n, p = X.shape
    A = r.standard_normal((n, n)) + 2 * np.eye(n)
    B = r.standard_normal((p, p)) + 2 * np.eye(p)
    moved = matrix_t.logpdf(A @ X @ B.T, A @ M @ B.T, A @ U @ A.T, B @ V @ B.T, df)
    jacobian = p * np.linalg.slogdet(A)[1] + n * np.linalg.slogdet(B)[1]
    assert_allclose(moved + jacobian, matrix_t.logpdf(X, M, U, V, df), rtol=1e-8, atol=1e-8)


@settings(max_examples=30, deadline=None)
@given(_cases())
def test_property_dX_is_minus_dM_and_gradients_are_symmetric(case):
    X, M, U, V, df, _ = case
    dX, dM, dU, dV = matrix_t.grad_logpdf(X, M, U, V, df)
    assert_allclose(dX, -dM, rtol=1e-12, atol=1e-12)
    assert_allclose(dU, dU.T, atol=1e-12 * (1 + np.abs(dU).max()))
    assert_allclose(dV, dV.T, atol=1e-12 * (1 + np.abs(dV).max()))


# --- gradients ------------------------------------------------------------------------------


def _torch_loglik(X, M, U, V, df):
    """The density formula summed over a stack, every entry of X, M, U, V an independent variable."""
    n, p = M.shape
    E = X - M
    quad = torch.linalg.solve(U, E) @ torch.linalg.solve(V, E.transpose(1, 2))  # U⁻¹EV⁻¹Eᵀ
    K = torch.eye(n, dtype=torch.float64) + quad
    k = X.shape[0]
    return -0.5 * (k * p * torch.linalg.slogdet(U)[1] + k * n * torch.linalg.slogdet(V)[1]
                   + (df + n + p - 1) * torch.linalg.slogdet(K)[1].sum())


@pytest.mark.parametrize("n, p, seed", SHAPES)
@pytest.mark.parametrize("k, df", [(1, 0.7), (4, 5.0)])
def test_grad_logpdf_matches_torch_autograd_float64(n, p, seed, k, df):
    M, U, V = _model(seed, n, p)
    Xs = M + 1.5 * np.random.default_rng(seed).standard_normal((k, n, p))
    params = [torch.tensor(A, dtype=torch.float64, requires_grad=True) for A in (Xs, M, U, V)]
    _torch_loglik(*params, df).backward()
    grads = matrix_t.grad_logpdf(Xs[0] if k == 1 else Xs, M, U, V, df)
    expected = [params[0].grad.numpy()[0] if k == 1 else params[0].grad.numpy()] + [
        t.grad.numpy() for t in params[1:]]
    for ours, theirs in zip(grads, expected):
        assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n, p, seed", SHAPES[1:])
def test_grad_logpdf_matches_numerical_gradient(n, p, seed):
    M, U, V = _model(seed, n, p)
    Xs = M + np.random.default_rng(seed).standard_normal((3, n, p))
    df = 2.5
    dX, dM, dU, dV = matrix_t.grad_logpdf(Xs, M, U, V, df)

    def sym(A):
        return (A + A.T) / 2

    numeric = [
        mc.numerical_gradient(lambda X_: matrix_t.logpdf(X_, M, U, V, df).sum(), Xs),
        mc.numerical_gradient(lambda M_: matrix_t.logpdf(Xs, M_, U, V, df).sum(), M),
        mc.numerical_gradient(lambda U_: matrix_t.logpdf(Xs, M, sym(U_), V, df).sum(), U),
        mc.numerical_gradient(lambda V_: matrix_t.logpdf(Xs, M, U, sym(V_), df).sum(), V),
    ]
    for ours, num in zip((dX, dM, dU, dV), numeric):
        assert_allclose(ours, num, rtol=1e-6, atol=1e-8 * np.abs(num).max())


def test_grad_formulas_written_with_inverses():
    M, U, V = _model(11, 3, 2)
    X = M + np.random.default_rng(11).standard_normal((3, 2))
    df, (n, p) = 3.0, M.shape
    E = X - M
    A_inv, U_inv, V_inv = np.linalg.inv(U + E @ np.linalg.inv(V) @ E.T), np.linalg.inv(U), np.linalg.inv(V)
    dX, dM, dU, dV = matrix_t.grad_logpdf(X, M, U, V, df)
    c = df + n + p - 1
    assert_allclose(dM, c * A_inv @ E @ V_inv, rtol=1e-10)
    assert_allclose(dU, 0.5 * ((df + n - 1) * U_inv - c * A_inv), rtol=1e-10)
    assert_allclose(dV, 0.5 * V_inv @ (c * E.T @ A_inv @ E - n * V) @ V_inv, rtol=1e-10)
    # the same dV from the transposed law Xᵀ ~ T(δ, Mᵀ, V, U): ½[(δ+p−1)V⁻¹ − c (V + EᵀU⁻¹E)⁻¹]
    assert_allclose(dV, 0.5 * ((df + p - 1) * V_inv - c * np.linalg.inv(V + E.T @ U_inv @ E)), rtol=1e-10)


def test_checker_rejects_the_matrix_normal_gradient_and_a_flipped_sign():
    M, U, V = _model(13, 4, 3)
    X = M + 2.0 * np.random.default_rng(13).standard_normal((4, 3))
    _, dM, _, _ = matrix_t.grad_logpdf(X, M, U, V, 3.0)

    def f(M_):
        return matrix_t.logpdf(X, M_, U, V, 3.0)

    assert mc.check_gradient(f, dM, M).ok
    assert mc.check_gradient(f, -dM, M).diagnosis == "sign-flipped"
    normal = np.linalg.solve(U, np.linalg.solve(V, (X - M).T).T)  # U⁻¹EV⁻¹, heavy tails forgotten
    assert not mc.check_gradient(f, normal, M).ok


def test_heavy_tails_bound_the_pull_of_an_outlier():
    """‖∂ℓ/∂M‖ of the matrix normal grows linearly with the residual; that of the t decays."""
    M, U, V = _model(14, 3, 2)
    direction = np.random.default_rng(14).standard_normal((3, 2))
    pulls = [np.linalg.norm(matrix_t.grad_logpdf(M + s * direction, M, U, V, 3.0)[1]) for s in (1, 10, 100)]
    normal = [np.linalg.norm(matnormal.grad_logpdf(M + s * direction, M, U, V)[0]) for s in (1, 10, 100)]
    assert pulls[2] < pulls[1] and normal[2] > 9 * normal[1]


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("df", [0.0, -1.0, float("nan"), float("inf"), "3", True, None])
def test_bad_df_raises_naming_df(df):
    M, U, V = _model(0, 3, 2)
    for func in (matrix_t.logpdf, matrix_t.grad_logpdf):
        with pytest.raises(ValueError, match=rf"matrix_t\.{func.__name__}: `df` must be a finite positive"):
            func(M, M, U, V, df)


def test_non_spd_scales_raise_naming_the_parameter():
    M, U, V = _model(0, 3, 2)
    with pytest.raises(ValueError, match=r"matrix_t.logpdf: `U` is not symmetric positive definite"):
        matrix_t.logpdf(M, M, np.diag([1.0, 2.0, -0.3]), V, 2.0)
    with pytest.raises(ValueError, match=r"matrix_t.grad_logpdf: `V` is not symmetric positive definite"):
        matrix_t.grad_logpdf(M, M, U, np.zeros((2, 2)), 2.0)
    V_bad = V.copy()
    V_bad[0, 1] += 0.5
    with pytest.raises(ValueError, match=r"matrix_t.logpdf: `V` is not symmetric \(\|V\[0, 1\] − V"):
        matrix_t.logpdf(M, M, U, V_bad, 2.0)


def test_shape_mismatches_raise_naming_the_function():
    """The shape checks are matnormal's (tests/test_matnormal.py covers each case); here: the caller."""
    M, U, V = _model(0, 3, 2)
    for func in (matrix_t.logpdf, matrix_t.grad_logpdf):
        with pytest.raises(ValueError, match=rf"matrix_t\.{func.__name__}: `U` must have shape \(3, 3\)"):
            func(M, M, np.eye(2), V, 2.0)
        with pytest.raises(ValueError, match=rf"matrix_t\.{func.__name__}: `X` has shape \(4, 2, 3\)"):
            func(np.ones((4, 2, 3)), M, U, V, 2.0)


def test_non_finite_and_complex_inputs_raise():
    M, U, V = _model(0, 3, 2)
    X = M.copy()
    X[1, 1] = np.inf
    with pytest.raises(ValueError, match="`X` contains non-finite"):
        matrix_t.logpdf(X, M, U, V, 2.0)
    with pytest.raises(ValueError, match="`M` must be real"):
        matrix_t.grad_logpdf(M, M + 0j, U, V, 2.0)
