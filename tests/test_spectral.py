"""Tests for mclib.spectral. Oracles: central differences written here (with the eigenvector
signs aligned, since LAPACK may flip them between nearby matrices), torch.linalg.eigh / svd /
qr in float64 (reverse mode with autograd, forward mode with torch.func.jvp), and the trace
identity Σ dλᵢ = tr H. Degenerate inputs must raise or warn, never return inf/nan."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import mclib as mc
from mclib.spectral import (
    eigenvalue_second_derivative,
    eigh_vjp,
    qr_derivative,
    singular_vector_derivative,
)

# torch.func imports emit this on torch 2.13; it is not about the code under test
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

SEEDS = range(4)
SHAPES = [(5, 3), (3, 5), (4, 4)]
H_STEP = 1e-6


def _sym(M):
    return (M + M.T) / 2


def _spread_symmetric(r, n):
    """Random symmetric n×n matrix with eigenvalues at least 0.5 apart."""
    Q, _ = np.linalg.qr(r.standard_normal((n, n)))
    lam = np.cumsum(0.5 + r.random(n)) - n / 2
    return Q @ np.diag(lam) @ Q.T


def _symmetric_pair(seed, n):
    r = np.random.default_rng(seed)
    return _spread_symmetric(r, n), _sym(r.standard_normal((n, n)))


def _central(F, h=H_STEP):
    """d/dt F(t) at t = 0 by central differences."""
    return (F(h) - F(-h)) / (2 * h)


def _align(M, reference):
    """Flip the columns of M to point the way the columns of `reference` do."""
    return M * np.sign(np.sum(M * reference, axis=0))


def _eigvecs_along(A, H):
    Q0 = np.linalg.eigh(A)[1]
    return lambda t: _align(np.linalg.eigh(A + t * H)[1], Q0)


def _thin_svd_along(A, H):
    """(U, V) of A + tH with the sign of each pair (uᵢ, vᵢ) aligned to that at t = 0."""
    U0 = np.linalg.svd(A, full_matrices=False)[0]

    def factors(t):
        U, _, Vt = np.linalg.svd(A + t * H, full_matrices=False)
        signs = np.sign(np.sum(U * U0, axis=0))
        return U * signs, Vt.T * signs

    return factors


def _t(X):
    return torch.tensor(X, dtype=torch.float64)


# --- eigenvalues ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 5, 8])
@pytest.mark.parametrize("seed", SEEDS)
def test_eigenvalue_derivative_matches_central_differences(seed, n):
    A, H = _symmetric_pair(seed, n)
    numeric = _central(lambda t: np.linalg.eigvalsh(A + t * H))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # well-separated eigenvalues: no tie warning
        dlam = mc.eigenvalue_derivative(A, H)
    assert_allclose(dlam, numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("seed", SEEDS)
def test_eigenvalue_derivative_matches_torch_eigh_gradient(seed):
    A, H = _symmetric_pair(seed, 6)
    c = np.random.default_rng(seed + 100).standard_normal(6)
    A_t = _t(A).requires_grad_()
    (torch.linalg.eigh(_sym(A_t))[0] @ _t(c)).backward()
    # ⟨∇(cᵀλ), H⟩ = cᵀ dλ
    assert_allclose(c @ mc.eigenvalue_derivative(A, H), np.sum(A_t.grad.numpy() * H), rtol=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_eigenvalue_gradient_is_outer_product_of_eigenvector(seed):
    A, _ = _symmetric_pair(seed, 5)
    q = np.linalg.eigh(A)[1][:, -1]
    A_t = _t(A).requires_grad_()
    torch.linalg.eigh(_sym(A_t))[0][-1].backward()
    assert_allclose(A_t.grad.numpy(), np.outer(q, q), atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 7))
def test_eigenvalue_derivatives_sum_to_trace_of_direction(seed, n):
    r = np.random.default_rng(seed)
    A, H = _sym(r.standard_normal((n, n))), r.standard_normal((n, n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a random A may have near-ties
        dlam = mc.eigenvalue_derivative(A, H)
    assert np.all(np.isfinite(dlam))
    assert_allclose(np.sum(dlam), np.trace(H), atol=1e-10 * (1 + np.abs(H).sum()))


def test_eigenvalue_derivative_uses_symmetric_part_of_direction(rng):
    A = _spread_symmetric(rng, 4)
    H = rng.standard_normal((4, 4))
    assert_allclose(mc.eigenvalue_derivative(A, H), mc.eigenvalue_derivative(A, _sym(H)))
    assert_allclose(mc.eigenvector_derivative(A, H), mc.eigenvector_derivative(A, _sym(H)))


def test_eigenvalue_derivative_tied_warns_and_returns_one_sided_derivative(rng):
    A = np.diag([1.0, 1.0, 3.0])
    H = _sym(rng.standard_normal((3, 3)))
    with pytest.warns(RuntimeWarning, match=r"eigenvalues 0\.\.1 .*one-sided"):
        dlam = mc.eigenvalue_derivative(A, H)
    t = 1e-7
    forward = (np.linalg.eigvalsh(A + t * H) - np.linalg.eigvalsh(A)) / t
    assert_allclose(dlam, forward, rtol=1e-5, atol=1e-6)
    assert_allclose(dlam[:2], np.linalg.eigvalsh(H[:2, :2]))


# --- eigenvectors ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 5, 8])
@pytest.mark.parametrize("seed", SEEDS)
def test_eigenvector_derivative_matches_central_differences(seed, n):
    A, H = _symmetric_pair(seed, n)
    numeric = _central(_eigvecs_along(A, H))
    assert_allclose(mc.eigenvector_derivative(A, H), numeric, rtol=1e-6, atol=1e-7)


def test_eigenvector_derivative_oracle_rejects_the_transposed_gap_matrix(rng):
    """Must fail: F[i, j] = 1/(λᵢ − λⱼ) instead of 1/(λⱼ − λᵢ) flips every dqᵢ."""
    A, H = _spread_symmetric(rng, 5), _sym(rng.standard_normal((5, 5)))
    numeric = _central(_eigvecs_along(A, H))
    assert_allclose(mc.eigenvector_derivative(A, H), numeric, rtol=1e-6, atol=1e-7)
    with pytest.raises(AssertionError):
        assert_allclose(-mc.eigenvector_derivative(A, H), numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("seed", SEEDS)
def test_eigenvector_derivative_matches_torch_jvp(seed):
    A, H = _symmetric_pair(seed, 6)
    (_, Q_t), (_, dQ_t) = torch.func.jvp(torch.linalg.eigh, (_t(A),), (_t(H),))
    signs = np.sign(np.sum(Q_t.numpy() * np.linalg.eigh(A)[1], axis=0))  # torch may flip columns
    assert_allclose(mc.eigenvector_derivative(A, H), dQ_t.numpy() * signs, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_eigenvector_derivative_gauge_makes_QtdQ_skew(seed):
    A, H = _symmetric_pair(seed, 5)
    Q = np.linalg.eigh(A)[1]
    C = Q.T @ mc.eigenvector_derivative(A, H)
    assert_allclose(C, -C.T, atol=1e-12)
    assert_allclose(np.diag(C), 0.0, atol=1e-12)


@pytest.mark.parametrize("diag", [[1.0, 2.0, 2.0, 3.0], [1.0, 2.0, 2.0 + 1e-12, 3.0]],
                         ids=["exactly_repeated", "nearly_repeated"])
def test_eigenvector_derivative_refuses_repeated_eigenvalues(rng, diag):
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    A = _sym(Q @ np.diag(diag) @ Q.T)
    with pytest.raises(ValueError, match=r"eigenvector_derivative: eigenvalues 1 and 2 of `A` "
                                         r"are repeated or nearly so .* gap .*e-"):
        mc.eigenvector_derivative(A, _sym(rng.standard_normal((4, 4))))


def test_eigenvector_derivative_gap_threshold_is_a_parameter(rng):
    A = np.diag([1.0, 2.0, 2.0 + 1e-6])
    H = _sym(rng.standard_normal((3, 3)))
    dQ = mc.eigenvector_derivative(A, H)  # gap 1e-6 > 1e-8 · 2: fine, and large
    assert np.all(np.isfinite(dQ)) and np.max(np.abs(dQ)) > 1e4
    with pytest.raises(ValueError, match="gap 1e-06"):
        mc.eigenvector_derivative(A, H, gap_rtol=1e-5)


def test_eigenvector_derivative_of_zero_matrix_raises_not_nan():
    with pytest.raises(ValueError, match="eigenvalues 0 and 1"):
        mc.eigenvector_derivative(np.zeros((3, 3)), np.eye(3), gap_rtol=0.0)


# --- second derivative and reverse mode -----------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_eigenvalue_second_derivative_matches_second_differences(seed):
    A, H = _symmetric_pair(seed, 5)
    h = 1e-4
    lam = lambda t: np.linalg.eigvalsh(A + t * H)  # noqa: E731
    numeric = (lam(h) - 2 * lam(0.0) + lam(-h)) / h**2
    assert_allclose(eigenvalue_second_derivative(A, H), numeric, rtol=1e-5, atol=1e-5)


def test_eigenvalue_second_derivative_matches_torch_double_backward(rng):
    A, H = _spread_symmetric(rng, 4), _sym(rng.standard_normal((4, 4)))
    t = torch.zeros((), dtype=torch.float64, requires_grad=True)
    lam = torch.linalg.eigh(_t(A) + t * _t(H))[0]
    second = []
    for i in range(4):
        (first,) = torch.autograd.grad(lam[i], t, create_graph=True)
        second.append(torch.autograd.grad(first, t, retain_graph=True)[0].item())
    assert_allclose(eigenvalue_second_derivative(A, H), second, atol=1e-12)


def test_largest_eigenvalue_is_convex_along_every_line(rng):
    A = _spread_symmetric(rng, 6)
    for _ in range(5):
        assert eigenvalue_second_derivative(A, _sym(rng.standard_normal((6, 6))))[-1] > 0


def _loss_values_and_vectors(lam, Q, c, W):
    """L(λ, Q) = cᵀλ + Σ Wᵢⱼ Qᵢⱼ²: unchanged by flipping the sign of any eigenvector."""
    return lam @ c + (W * Q**2).sum()


@pytest.mark.parametrize("seed", SEEDS)
def test_eigh_vjp_matches_torch_autograd(seed):
    A, _ = _symmetric_pair(seed, 5)
    r = np.random.default_rng(seed + 7)
    c, W = r.standard_normal(5), r.standard_normal((5, 5))
    A_t = _t(A).requires_grad_()
    _loss_values_and_vectors(*torch.linalg.eigh(_sym(A_t)), _t(c), _t(W)).backward()
    Q = np.linalg.eigh(A)[1]
    # λ̄ = c, Q̄ = ∂L/∂Q = 2 W ∘ Q
    assert_allclose(eigh_vjp(A, c, 2 * W * Q), A_t.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_eigh_vjp_matches_central_differences_entrywise(seed):
    A, _ = _symmetric_pair(seed, 4)
    r = np.random.default_rng(seed + 7)
    c, W = r.standard_normal(4), r.standard_normal((4, 4))

    def L(X):
        return _loss_values_and_vectors(*np.linalg.eigh(_sym(X)), c, W)

    numeric = np.zeros((4, 4))
    for idx in np.ndindex(4, 4):
        E = np.zeros((4, 4))
        E[idx] = 1.0
        numeric[idx] = _central(lambda t: L(A + t * E))  # noqa: B023
    Q = np.linalg.eigh(A)[1]
    assert_allclose(eigh_vjp(A, c, 2 * W * Q), numeric, rtol=1e-6, atol=1e-7)


def test_eigh_vjp_at_tied_eigenvalues(rng):
    A = np.diag([1.0, 1.0, 4.0])
    assert_allclose(eigh_vjp(A, np.ones(3)), np.eye(3))  # ∇ tr A = I, ties are harmless
    with pytest.raises(ValueError, match=r"eigenvalues 0\.\.1 .* `lam_bar` differs"):
        eigh_vjp(A, np.array([0.0, 1.0, 0.0]))
    with pytest.raises(ValueError, match="eigenvalues 0 and 1"):
        eigh_vjp(A, np.zeros(3), rng.standard_normal((3, 3)))


# --- singular values and vectors ---------------------------------------------------------------


def _well_separated(seed, shape):
    """Random m×n matrix with singular values at least 0.5 apart and ≥ 1."""
    r = np.random.default_rng(seed)
    m, n = shape
    k = min(m, n)
    U, _ = np.linalg.qr(r.standard_normal((m, k)))
    V, _ = np.linalg.qr(r.standard_normal((n, k)))
    s = np.sort(1 + np.cumsum(0.5 + r.random(k)))[::-1]
    return U @ np.diag(s) @ V.T, r.standard_normal(shape)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("seed", SEEDS)
def test_singular_value_derivative_matches_central_differences(seed, shape):
    A, H = _well_separated(seed, shape)
    numeric = _central(lambda t: np.linalg.svd(A + t * H, compute_uv=False))
    assert_allclose(mc.singular_value_derivative(A, H), numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_singular_value_derivative_matches_torch_svd_gradient(shape):
    A, H = _well_separated(3, shape)
    c = np.arange(1.0, min(shape) + 1)
    A_t = _t(A).requires_grad_()
    (torch.linalg.svdvals(A_t) @ _t(c)).backward()
    assert_allclose(c @ mc.singular_value_derivative(A, H), np.sum(A_t.grad.numpy() * H),
                    rtol=1e-10)


def _tall_rank_two():
    A = np.zeros((5, 3))
    A[0, 0], A[1, 1] = 2.0, 1.0
    return A


DEGENERATE_SVD = {  # A, the warning it must give
    "square_rank_deficient": (np.diag([3.0, 2.0, 0.0]),
                              r"singular value 2 of `A` is zero.*not differentiable"),
    "tall_rank_deficient": (_tall_rank_two(), "singular value 2 of `A` is zero"),
    "repeated": (np.diag([2.0, 2.0, 1.0]), r"singular values 0\.\.1 .*one-sided"),
}


@pytest.mark.parametrize("case", DEGENERATE_SVD)
def test_singular_value_derivative_degenerate_warns_and_returns_one_sided(case, rng):
    A, message = DEGENERATE_SVD[case]
    H = rng.standard_normal(A.shape)
    with pytest.warns(RuntimeWarning, match=message):
        ds = mc.singular_value_derivative(A, H)
    t = 1e-8
    sigma = lambda t: np.linalg.svd(A + t * H, compute_uv=False)  # noqa: E731
    assert_allclose(ds, (sigma(t) - sigma(0.0)) / t, rtol=1e-6)


def test_singular_value_at_zero_has_a_kink(rng):
    A, H = np.diag([3.0, 2.0, 0.0]), rng.standard_normal((3, 3))
    with pytest.warns(RuntimeWarning):
        ds = mc.singular_value_derivative(A, H)
    # σ₂(A + tH) ≈ |t| c: the same slope c ≥ 0 from both sides
    t = 1e-8
    assert ds[2] > 0
    assert_allclose(ds[2], np.linalg.svd(A - t * H, compute_uv=False)[2] / t, rtol=1e-6)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("seed", SEEDS)
def test_singular_vector_derivative_matches_central_differences(seed, shape):
    A, H = _well_separated(seed, shape)
    factors = _thin_svd_along(A, H)
    dU, dV = singular_vector_derivative(A, H)
    assert_allclose(dU, _central(lambda t: factors(t)[0]), rtol=1e-6, atol=1e-7)
    assert_allclose(dV, _central(lambda t: factors(t)[1]), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_singular_vector_derivative_matches_torch_jvp(shape):
    A, H = _well_separated(5, shape)
    svd = lambda X: torch.linalg.svd(X, full_matrices=False)  # noqa: E731
    (U_t, _, _), (dU_t, _, dVh_t) = torch.func.jvp(svd, (_t(A),), (_t(H),))
    signs = np.sign(np.sum(U_t.numpy() * np.linalg.svd(A, full_matrices=False)[0], axis=0))
    dU, dV = singular_vector_derivative(A, H)
    assert_allclose(dU, dU_t.numpy() * signs, atol=1e-12)
    assert_allclose(dV, dVh_t.numpy().T * signs, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_singular_vector_derivative_gauge_makes_UtdU_and_VtdV_skew(shape):
    A, H = _well_separated(1, shape)
    U, _, Vt = np.linalg.svd(A, full_matrices=False)
    dU, dV = singular_vector_derivative(A, H)
    for C in (U.T @ dU, Vt @ dV):
        assert_allclose(C, -C.T, atol=1e-12)


@pytest.mark.parametrize("A, match", [
    (np.diag([2.0, 2.0, 1.0]), "singular values 0 and 1 of `A` are repeated"),
    (np.diag([3.0, 2.0, 0.0]), "singular value 2 of `A` is zero"),
    (np.vstack([np.diag([3.0, 1e-12]), np.ones((2, 2)) * 0]), "singular value 1 of `A` is zero"),
], ids=["repeated", "square_zero", "tall_zero"])
def test_singular_vector_derivative_refuses_degenerate(A, match):
    with pytest.raises(ValueError, match=match):
        singular_vector_derivative(A, np.ones_like(A))


# --- QR -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(6, 4), (4, 4), (5, 1)], ids=str)
@pytest.mark.parametrize("seed", SEEDS)
def test_qr_derivative_matches_central_differences(seed, shape):
    r = np.random.default_rng(seed)
    A, H = r.standard_normal(shape), r.standard_normal(shape)
    dQ, dR = qr_derivative(A, H)
    assert_allclose(dQ, _central(lambda t: np.linalg.qr(A + t * H)[0]), rtol=1e-6, atol=1e-7)
    assert_allclose(dR, _central(lambda t: np.linalg.qr(A + t * H)[1]), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("shape", [(6, 4), (4, 4)], ids=str)
def test_qr_derivative_matches_torch_jvp_and_has_the_structure(shape):
    r = np.random.default_rng(11)
    A, H = r.standard_normal(shape), r.standard_normal(shape)
    (Q_t, _), (dQ_t, dR_t) = torch.func.jvp(torch.linalg.qr, (_t(A),), (_t(H),))
    assert_allclose(Q_t.numpy(), np.linalg.qr(A)[0], atol=1e-12)  # same LAPACK sign convention
    dQ, dR = qr_derivative(A, H)
    assert_allclose(dQ, dQ_t.numpy(), atol=1e-12)
    assert_allclose(dR, dR_t.numpy(), atol=1e-12)
    assert_allclose(np.tril(dR, -1), 0.0, atol=1e-15)
    C = np.linalg.qr(A)[0].T @ dQ
    assert_allclose(C, -C.T, atol=1e-12)


def test_qr_derivative_refuses_wide_and_rank_deficient():
    with pytest.raises(ValueError, match=r"at least as many rows .* shape \(2, 3\)"):
        qr_derivative(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="rank deficient"):
        qr_derivative(np.ones((3, 2)), np.ones((3, 2)))


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("func", [mc.eigenvalue_derivative, mc.eigenvector_derivative,
                                  eigenvalue_second_derivative])
def test_symmetric_functions_reject_bad_input(func):
    S = np.diag([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"`A` must be a square matrix, got shape \(2, 3\)"):
        func(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"`A` must be symmetric: \|A\[0, 2\] − A\[2, 0\]\|"):
        func(S + np.eye(3, k=2), S)
    with pytest.raises(ValueError, match=r"`H` has shape \(2, 2\) but `A` has shape \(3, 3\)"):
        func(S, np.eye(2))
    with pytest.raises(ValueError, match="`A` must be 2-D"):
        func(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="`A` must be real"):
        func(S + 0j, S)
    with pytest.raises(ValueError, match="`H` contains non-finite"):
        func(S, np.full((3, 3), np.nan))


def test_symmetry_tolerance_accepts_rounding_level_asymmetry(rng):
    A = _spread_symmetric(rng, 4)
    A[0, 1] += 1e-14
    assert np.all(np.isfinite(mc.eigenvector_derivative(A, np.eye(4))))


@pytest.mark.parametrize("func", [mc.singular_value_derivative, singular_vector_derivative,
                                  qr_derivative])
def test_rectangular_functions_reject_bad_input(func):
    with pytest.raises(ValueError, match=r"`H` has shape \(3, 4\) but `A` has shape \(4, 3\)"):
        func(np.ones((4, 3)), np.ones((3, 4)))
    with pytest.raises(ValueError, match="`A` must be 2-D"):
        func(np.ones((2, 2, 2)), np.ones((2, 2, 2)))


def test_eigh_vjp_rejects_bad_cotangents():
    A = np.diag([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"`lam_bar` has shape \(2,\) but `A` has 3 eigenvalues"):
        eigh_vjp(A, np.ones(2))
    with pytest.raises(ValueError, match=r"`Q_bar` has shape \(3, 2\)"):
        eigh_vjp(A, np.ones(3), np.ones((3, 2)))


# --- issue 11 (fuzzing review): tolerances are validated ----------------------------------------

_REPEATED = np.diag([1.0, 1.0, 3.0])
_DIRECTION = np.arange(9.0).reshape(3, 3) + np.arange(9.0).reshape(3, 3).T


@pytest.mark.parametrize("func", [mc.eigenvalue_derivative, mc.eigenvector_derivative,
                                  eigenvalue_second_derivative])
@pytest.mark.parametrize("value", [-1e-8, float("nan"), float("inf"), "a", None])
def test_bad_gap_rtol_is_refused_not_turned_into_nan(func, value):
    with pytest.raises(ValueError, match=rf"{func.__name__}: `gap_rtol` must be a finite"):
        func(_REPEATED, _DIRECTION, gap_rtol=value)


@pytest.mark.parametrize("func", [mc.singular_value_derivative, singular_vector_derivative])
def test_bad_gap_rtol_of_svd_functions_is_refused(func):
    with pytest.raises(ValueError, match=rf"{func.__name__}: `gap_rtol` must be a finite"):
        func(np.eye(3), np.ones((3, 3)), gap_rtol=-1.0)


def test_bad_rank_rtol_of_qr_derivative_is_refused():
    with pytest.raises(ValueError, match=r"qr_derivative: `rank_rtol` must be a finite"):
        qr_derivative(np.eye(3), np.ones((3, 3)), rank_rtol=-0.5)


@pytest.mark.parametrize("value", [float("nan"), -1.0, "a"])
def test_nan_symmetry_rtol_does_not_let_a_non_symmetric_A_through(value):
    A = np.array([[1.0, 5.0], [0.0, 2.0]])
    with pytest.raises(ValueError, match=r"eigenvalue_derivative: `symmetry_rtol` must be a finite"):
        mc.eigenvalue_derivative(A, np.eye(2), symmetry_rtol=value)
    with pytest.raises(ValueError, match=r"eigh_vjp: `symmetry_rtol`"):
        eigh_vjp(A, np.ones(2), symmetry_rtol=value)
