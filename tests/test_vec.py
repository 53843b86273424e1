"""Tests for mclib.vec: vec/unvec/vech and the commutation and duplication matrices.

Oracles: hand-written small examples, explicit index loops, NumPy's own ``ravel(order="F")``
and ``np.kron``; hypothesis drives the algebraic identities over random shapes.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal

from mclib import commutation_matrix, duplication_matrix, kron_matvec, unvec, vec, vech

TOL = {"rtol": 1e-12, "atol": 1e-12}
dims = st.integers(min_value=1, max_value=4)
seeds = st.integers(min_value=0, max_value=2**32 - 1)
PROPERTY = settings(max_examples=40, deadline=None)


def _loop_vec(X):
    """Column-major vec by explicit loops: v[i + j*m] = X[i, j]."""
    m, n = X.shape
    v = np.empty(m * n)
    for j in range(n):
        for i in range(m):
            v[i + j * m] = X[i, j]
    return v


def _loop_commutation(m, n):
    """K with K vec(A) = vec(Aᵀ), column by column from the basis matrices E_ij."""
    K = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            E = np.zeros((m, n))
            E[i, j] = 1.0
            K[:, i + j * m] = _loop_vec(E.T)
    return K


# --- hand-written examples -------------------------------------------------------------


def test_vec_2x2_stacks_columns():
    assert_array_equal(vec([[1, 2], [3, 4]]), [1.0, 3.0, 2.0, 4.0])


def test_vec_2x3_matches_index_loop(rng):
    X = rng.standard_normal((2, 3))
    assert_array_equal(vec(X), _loop_vec(X))
    assert_array_equal(vec(X), [X[0, 0], X[1, 0], X[0, 1], X[1, 1], X[0, 2], X[1, 2]])


def test_vec_1d_unchanged_and_scalar_becomes_length_one():
    assert_array_equal(vec([5.0, 6.0, 7.0]), [5.0, 6.0, 7.0])
    assert vec(3.0).shape == (1,)


def test_vec_3d_first_index_fastest(rng):
    T = rng.standard_normal((2, 3, 4))
    v = vec(T)
    for i in range(2):
        for j in range(3):
            for k in range(4):
                assert v[i + 2 * j + 6 * k] == T[i, j, k]


def test_unvec_2x3_matches_index_loop(rng):
    v = rng.standard_normal(6)
    X = unvec(v, (2, 3))
    for i in range(2):
        for j in range(3):
            assert X[i, j] == v[i + 2 * j]


def test_unvec_accepts_column_vector():
    assert_array_equal(unvec(np.array([[1.0], [3.0], [2.0], [4.0]]), (2, 2)), [[1, 2], [3, 4]])


def test_vech_3x3_reads_lower_triangle_column_by_column():
    S = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    assert_array_equal(vech(S), [1.0, 4.0, 7.0, 5.0, 8.0, 9.0])


def test_commutation_matrix_2x2_by_hand():
    expected = [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]]
    assert_array_equal(commutation_matrix(2, 2), expected)


@pytest.mark.parametrize("m, n", [(1, 1), (1, 4), (2, 3), (3, 2), (4, 4)])
def test_commutation_matrix_matches_basis_loop(m, n):
    assert_array_equal(commutation_matrix(m, n), _loop_commutation(m, n))


def test_duplication_matrix_2_by_hand():
    # vech = [s00, s10, s11], vec = [s00, s10, s01, s11]
    assert_array_equal(duplication_matrix(2), [[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1]])


def test_duplication_matrix_3_shape_and_column_sums():
    D = duplication_matrix(3)
    assert D.shape == (9, 6)
    # diagonal entries appear once in vec(S), off-diagonal ones twice
    assert_array_equal(D.sum(axis=0), [1, 2, 2, 1, 2, 1])


def test_kron_matvec_2x3_by_3x2_matches_np_kron(rng):
    A, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    x = rng.standard_normal(6)
    assert_allclose(kron_matvec(A, B, x), np.kron(A, B) @ x, **TOL)


# --- properties ------------------------------------------------------------------------


@PROPERTY
@given(X=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=5),
                    elements=st.floats(-1e6, 1e6)))
def test_unvec_of_vec_is_identity(X):
    assert_array_equal(unvec(vec(X), X.shape), X)
    assert_array_equal(vec(X), X.ravel(order="F"))


@PROPERTY
@given(m=dims, n=dims, p=dims, q=dims, seed=seeds)
def test_vec_AXB_equals_kron_Bt_A_vec_X(m, n, p, q, seed):
    r = np.random.default_rng(seed)
    A, X, B = r.standard_normal((p, m)), r.standard_normal((m, n)), r.standard_normal((n, q))
    assert_allclose(vec(A @ X @ B), np.kron(B.T, A) @ vec(X), **TOL)


@PROPERTY
@given(m=dims, n=dims, seed=seeds)
def test_commutation_matrix_maps_vec_A_to_vec_At(m, n, seed):
    A = np.random.default_rng(seed).standard_normal((m, n))
    assert_allclose(commutation_matrix(m, n) @ A.ravel(order="F"), A.T.ravel(order="F"), **TOL)


@PROPERTY
@given(m=dims, n=dims)
def test_commutation_matrix_is_permutation_with_transpose_K_n_m(m, n):
    K = commutation_matrix(m, n)
    assert set(np.unique(K)) <= {0.0, 1.0}
    assert_array_equal(K.sum(axis=0), np.ones(m * n))
    assert_array_equal(K.sum(axis=1), np.ones(m * n))
    assert_array_equal(K.T, commutation_matrix(n, m))
    assert_array_equal(K @ K.T, np.eye(m * n))


@PROPERTY
@given(m=dims, n=dims, p=dims, q=dims, seed=seeds)
def test_commutation_matrix_swaps_kron_factors(m, n, p, q, seed):
    # K(p, m) (A ⊗ B) K(n, q) = B ⊗ A for A m×n, B p×q [Magnus & Neudecker 2019, ch. 3, Thm 9]
    r = np.random.default_rng(seed)
    A, B = r.standard_normal((m, n)), r.standard_normal((p, q))
    lhs = commutation_matrix(p, m) @ np.kron(A, B) @ commutation_matrix(n, q)
    assert_allclose(lhs, np.kron(B, A), **TOL)


@PROPERTY
@given(n=st.integers(1, 5), seed=seeds)
def test_duplication_matrix_times_vech_is_vec_for_symmetric(n, seed):
    R = np.random.default_rng(seed).standard_normal((n, n))
    S = R + R.T
    assert_allclose(duplication_matrix(n) @ vech(S), S.ravel(order="F"), **TOL)


@PROPERTY
@given(m=dims, n=dims, p=dims, q=dims, k=st.integers(1, 3), seed=seeds)
def test_kron_matvec_matches_np_kron_for_vector_and_matrix_x(m, n, p, q, k, seed):
    r = np.random.default_rng(seed)
    A, B = r.standard_normal((m, n)), r.standard_normal((p, q))
    x, Xk = r.standard_normal(n * q), r.standard_normal((n * q, k))
    y = kron_matvec(A, B, x)
    assert y.shape == (m * p,)
    assert_allclose(y, np.kron(A, B) @ x, **TOL)
    Y = kron_matvec(A, B, Xk)
    assert Y.shape == (m * p, k)
    assert_allclose(Y, np.kron(A, B) @ Xk, **TOL)


# --- bad input -------------------------------------------------------------------------

NAN2 = np.array([[1.0, np.nan], [0.0, 1.0]])
BAD_INPUT = {
    "vec_nan": (lambda: vec(NAN2), "`X`", "(2, 2)"),
    "vec_inf": (lambda: vec([1.0, np.inf]), "`X`", "(2,)"),
    "vec_empty": (lambda: vec(np.zeros((0, 3))), "`X`", "(0, 3)"),
    "unvec_wrong_size": (lambda: unvec(np.ones(6), (2, 2)), "`v`", "(2, 2)"),
    "unvec_wrong_ndim": (lambda: unvec(np.ones((2, 2, 1)), (4,)), "`v`", "(2, 2, 1)"),
    "unvec_not_column": (lambda: unvec(np.ones((3, 2)), (6,)), "`v`", "(3, 2)"),
    "unvec_negative_shape": (lambda: unvec(np.ones(4), (-2, -2)), "`shape`", "(-2, -2)"),
    "unvec_shape_not_tuple": (lambda: unvec(np.ones(4), 4), "`shape`", "4"),
    "unvec_shape_not_ints": (lambda: unvec(np.ones(4), ("a", 2)), "`shape`", "'a'"),
    "unvec_nan": (lambda: unvec([1.0, np.nan], (2,)), "`v`", "(2,)"),
    "vech_not_square": (lambda: vech(np.ones((2, 3))), "`S`", "(2, 3)"),
    "vech_wrong_ndim": (lambda: vech(np.ones(4)), "`S`", "(4,)"),
    "vech_nan": (lambda: vech(NAN2), "`S`", "(2, 2)"),
    "kron_matvec_wrong_x_rows": (lambda: kron_matvec(np.ones((2, 3)), np.ones((2, 2)), np.ones(5)),
                                 "`x`", "(5,)"),
    "kron_matvec_wrong_x_ndim": (lambda: kron_matvec(np.ones((2, 2)), np.ones((2, 2)),
                                                     np.ones((4, 1, 1))), "`x`", "(4, 1, 1)"),
    "kron_matvec_A_1d": (lambda: kron_matvec(np.ones(2), np.ones((2, 2)), np.ones(4)), "`A`", "(2,)"),
    "kron_matvec_B_nan": (lambda: kron_matvec(np.ones((2, 2)), NAN2, np.ones(4)), "`B`", "(2, 2)"),
    "commutation_zero": (lambda: commutation_matrix(0, 2), "`m`", "0"),
    "commutation_float": (lambda: commutation_matrix(2, 2.5), "`n`", "2.5"),
    "commutation_bool": (lambda: commutation_matrix(True, 2), "`m`", "True"),
    "duplication_negative": (lambda: duplication_matrix(-1), "`n`", "-1"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_raises_value_error_naming_parameter_and_shape(case):
    call, param, shape = BAD_INPUT[case]
    with pytest.raises(ValueError) as info:
        call()
    assert param in str(info.value)
    assert shape in str(info.value)


@pytest.mark.parametrize("call", [lambda: vec(np.eye(2) * 1j), lambda: vech(np.eye(2) + 0j),
                                  lambda: kron_matvec(np.eye(2), np.eye(2), np.ones(4) * 1j)],
                         ids=["vec", "vech", "kron_matvec"])
def test_complex_input_raises_value_error_naming_parameter(call):
    with pytest.raises(ValueError, match=r"`(X|S|x)` must be real"):
        call()


def test_complex_input_message_names_shape():
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        vec(np.ones((2, 3)) * 1j)


# --- claims of chapter 3 (book/03-vec-kronecker.ipynb) ----------------------------------


@PROPERTY
@given(m=dims, n=dims, p=dims, seed=seeds)
def test_vec_AX_equals_kron_I_A_vec_X(m, n, p, seed):
    r = np.random.default_rng(seed)
    A, X = r.standard_normal((p, m)), r.standard_normal((m, n))
    assert_allclose(vec(A @ X), np.kron(np.eye(n), A) @ _loop_vec(X), **TOL)


@PROPERTY
@given(m=dims, n=dims, q=dims, seed=seeds)
def test_vec_XB_equals_kron_Bt_I_vec_X(m, n, q, seed):
    r = np.random.default_rng(seed)
    X, B = r.standard_normal((m, n)), r.standard_normal((n, q))
    assert_allclose(vec(X @ B), np.kron(B.T, np.eye(m)) @ _loop_vec(X), **TOL)


def test_vec_of_transpose_is_numpy_row_major_ravel(rng):
    X = rng.standard_normal((3, 5))
    assert_array_equal(vec(X.T), X.ravel())
    assert not np.array_equal(vec(X), X.ravel())


def _loop_vech_of_pair_sums(G):
    """vech order (column c, rows r >= c): G[r, c] + G[c, r] off the diagonal, G[c, c] on it."""
    n = G.shape[0]
    return np.array([G[r, c] + G[c, r] if r != c else G[c, c] for c in range(n) for r in range(c, n)])


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_duplication_matrix_transpose_adds_the_two_copies_of_each_entry(rng, n):
    # ∇ with respect to vech S is Dᵀ vec G = vech(G + Gᵀ − G∘I) [Magnus & Neudecker 2019, ch. 3, sec. 8]
    G = rng.standard_normal((n, n))
    assert_allclose(duplication_matrix(n).T @ _loop_vec(G), _loop_vech_of_pair_sums(G), **TOL)


@pytest.mark.parametrize("n", [1, 2, 4])
def test_duplication_matrix_has_full_column_rank_and_pinv_recovers_vech(rng, n):
    D = duplication_matrix(n)
    assert np.linalg.matrix_rank(D) == n * (n + 1) // 2
    R = rng.standard_normal((n, n))
    S = R + R.T
    assert_allclose(np.linalg.pinv(D) @ _loop_vec(S), vech(S), **TOL)
    # DᵀD counts how often each free entry appears in vec(S): once on, twice off the diagonal
    assert_array_equal(np.diag(D.T @ D), _loop_vech_of_pair_sums(np.ones((n, n))))


def _loop_kron_matvec(A, B, x):
    """(A ⊗ B) x block by block: block row i is Σ_j a_ij B x_j, x_j the j-th chunk of x."""
    (m, n), q = A.shape, B.shape[1]
    chunks = [x[j * q:(j + 1) * q] for j in range(n)]
    return np.concatenate([sum(A[i, j] * (B @ chunks[j]) for j in range(n)) for i in range(m)])


@pytest.mark.parametrize("shapes", [((1, 1), (1, 1)), ((2, 3), (4, 1)), ((3, 2), (2, 5)), ((4, 4), (3, 3))],
                         ids=["1x1_1x1", "2x3_4x1", "3x2_2x5", "4x4_3x3"])
def test_kron_matvec_matches_block_loop(rng, shapes):
    (m, n), (p, q) = shapes
    A, B, x = rng.standard_normal((m, n)), rng.standard_normal((p, q)), rng.standard_normal(n * q)
    assert_allclose(kron_matvec(A, B, x), _loop_kron_matvec(A, B, x), **TOL)


def test_kron_matvec_column_vector_keeps_two_dimensions(rng):
    A, B, x = rng.standard_normal((2, 3)), rng.standard_normal((4, 2)), rng.standard_normal((6, 1))
    y = kron_matvec(A, B, x)
    assert y.shape == (8, 1)
    assert_allclose(y[:, 0], _loop_kron_matvec(A, B, x[:, 0]), **TOL)


@PROPERTY
@given(m=dims, n=dims, p=dims, q=dims, seed=seeds)
def test_kron_matvec_with_transposed_factors_is_the_adjoint(m, n, p, q, seed):
    # ⟨y, (A⊗B)x⟩ = ⟨(Aᵀ⊗Bᵀ)y, x⟩: backpropagation through a Kronecker-structured layer
    r = np.random.default_rng(seed)
    A, B = r.standard_normal((m, n)), r.standard_normal((p, q))
    x, y = r.standard_normal(n * q), r.standard_normal(m * p)
    assert_allclose(y @ kron_matvec(A, B, x), kron_matvec(A.T, B.T, y) @ x, rtol=1e-10, atol=1e-10)


def test_kron_matvec_with_inverse_factors_solves_the_kronecker_system(rng):
    # (A ⊗ B)⁻¹ = A⁻¹ ⊗ B⁻¹ [Petersen & Pedersen 2012, Eq. 512]
    A = 3 * np.eye(3) + rng.standard_normal((3, 3))
    B = 3 * np.eye(4) + rng.standard_normal((4, 4))
    y = rng.standard_normal(12)
    z = kron_matvec(np.linalg.inv(A), np.linalg.inv(B), y)
    assert_allclose(z, np.linalg.solve(np.kron(A, B), y), rtol=1e-10, atol=1e-12)


def test_kron_matvec_leaves_its_inputs_unchanged(rng):
    A, B, x = rng.standard_normal((2, 3)), rng.standard_normal((3, 2)), rng.standard_normal(6)
    copies = [A.copy(), B.copy(), x.copy()]
    kron_matvec(A, B, x)
    for before, after in zip(copies, (A, B, x)):
        assert_array_equal(before, after)


# --- issue 11 (fuzzing review): shapes and sizes -------------------------------------------------


@pytest.mark.parametrize("shape", [(2.9, 3.1), (2.0, 3.0), ("2", 3), (True, 6), 6, (2, -3), "ab"])
def test_unvec_refuses_non_integer_shape_instead_of_truncating(shape):
    with pytest.raises(ValueError, match=r"unvec: `shape` must be a tuple of"):
        unvec(np.arange(6.0), shape)


def test_commutation_matrix_too_large_is_refused_naming_size_and_alternative():
    with pytest.raises(ValueError, match=r"commutation_matrix: .*10,000,000,000 rows.*EiB.*\.T"):
        commutation_matrix(10**5, 10**5)


def test_duplication_matrix_too_large_is_refused_naming_size():
    with pytest.raises(ValueError, match=r"duplication_matrix: .*`n`=400.*GiB"):
        duplication_matrix(400)
