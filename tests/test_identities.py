"""Tests for mclib.identities, the atlas of verified identities.

Every registered entry is verified on random points of its domain (several seeds and sizes)
with mc.check_gradient / mc.check_jacobian, and again against an oracle written here:
central differences along curves that stay *on* the domain (X + tV with V symmetric for
symmetric and SPD matrices, the Cayley curve Q(I − tΩ/2)⁻¹(I + tΩ/2) with Ω skew for
orthogonal ones). Must-fail tests prove that transposed, negated and doubled derivatives,
and every entry of the mistakes table, are rejected with the right diagnosis.
"""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose

import mclib as mc
from mclib.identities import (
    CONSTANT_KINDS,
    DOMAINS,
    KINDS,
    all_identities,
    check_mistake,
    get,
    mistakes,
    random_point,
    register,
    verify,
)

IDENTITIES = all_identities()
NAMES = [i.name for i in IDENTITIES]
SEEDS_AND_SIZES = [(0, 2), (1, 3), (2, 4)]
COOKBOOK = re.compile(r"Petersen & Pedersen 2012, Eqs?\. \(\d+\)( and \(\d+\))*")


def _point(identity, seed=0, size=3):
    """(X, constants) at which `verify` checks `identity` (its recorded point)."""
    point = dict(verify(identity, seed=seed, size=size).point)
    return point.pop(identity.variable), point


# --- every entry holds -------------------------------------------------------------------


@pytest.mark.parametrize("seed, size", SEEDS_AND_SIZES)
@pytest.mark.parametrize("name", NAMES)
def test_identity_holds_on_random_points_of_its_domain(name, seed, size):
    result = verify(name, seed=seed, size=size)
    assert result.ok, result.check.message
    assert bool(result) and result.check.diagnosis is None
    assert result.max_rel_error <= (1e-12 if result.check.method == "complex" else 1e-7)


def _tangent_curve(domain, X, rng):
    """A curve c(t) in the domain with c(0) = X and its velocity V = c'(0), built here."""
    if domain == "orthogonal":
        W = rng.standard_normal(X.shape)
        Omega = W - W.T
        eye = np.eye(len(X))
        return (lambda t: X @ np.linalg.solve(eye - t * Omega / 2, eye + t * Omega / 2)), X @ Omega
    V = rng.standard_normal(X.shape)
    if domain in ("symmetric", "spd"):
        V = V + V.T
    return (lambda t: X + t * V), V


@pytest.mark.parametrize("name", NAMES)
def test_identity_matches_central_differences_along_curves_in_the_domain(name):
    identity = get(name)
    X, constants = _point(identity)
    D = identity.derivative(X, **constants)
    rng = np.random.default_rng(7)
    h = 1e-5
    for _ in range(3):
        curve, V = _tangent_curve(identity.domain, X, rng)
        numeric = (np.ravel(identity.f(curve(h), **constants), order="F")
                   - np.ravel(identity.f(curve(-h), **constants), order="F")) / (2 * h)
        v = V.ravel(order="F")
        analytic = np.vdot(D, V) if identity.is_scalar else D @ v
        scale = max(np.max(np.abs(analytic)), np.max(np.abs(D)) * np.linalg.norm(v))
        assert_allclose(numeric, analytic, rtol=1e-6, atol=1e-7 * scale)


def test_structured_gradients_lie_in_the_tangent_space():
    for identity in IDENTITIES:
        X, constants = _point(identity)
        G = identity.derivative(X, **constants)
        if identity.domain in ("symmetric", "spd"):
            assert_allclose(G, G.T, atol=1e-12 * np.max(np.abs(G)), err_msg=identity.name)
        elif identity.domain == "orthogonal":
            Omega = X.T @ G
            assert_allclose(Omega, -Omega.T, atol=1e-12 * np.max(np.abs(G)), err_msg=identity.name)


# --- registry integrity --------------------------------------------------------------------


def test_registry_has_at_least_80_entries_in_every_kind():
    assert len(IDENTITIES) >= 80
    for kind in KINDS:
        assert len(all_identities(kind)) >= 10, kind
    assert sum(len(all_identities(kind)) for kind in KINDS) == len(IDENTITIES)


def test_names_are_unique_snake_case_and_get_finds_them():
    assert len(set(NAMES)) == len(NAMES)
    for name in NAMES:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name
        assert get(name).name == name


@pytest.mark.parametrize("name", NAMES)
def test_entry_has_three_statements_a_title_and_a_source(name):
    identity = get(name)
    for form in ("numerator", "denominator", "differential"):
        statement = identity.statement(form)
        assert statement.count("=") >= 1 and getattr(identity, form).strip() in statement
        assert statement.endswith(rf",\quad {identity.where}" if identity.where else getattr(identity, form))
    assert identity.title.strip() and identity.source.strip()
    if "Petersen" in identity.source:
        assert COOKBOOK.search(identity.source), identity.source
    assert identity.kind in KINDS and identity.domain in DOMAINS


def test_every_domain_is_used():
    assert {i.domain for i in IDENTITIES} == set(DOMAINS)


@pytest.mark.parametrize("name", NAMES)
def test_kind_matches_the_shapes_of_function_and_derivative(name):
    identity = get(name)
    X, constants = _point(identity, size=2)
    F = np.asarray(identity.f(X, **constants))
    D = np.asarray(identity.derivative(X, **constants))
    assert X.ndim == (1 if identity.kind.endswith("vector") else 2)
    if identity.is_scalar:
        assert F.size == 1 and D.shape == X.shape
    else:
        assert D.shape == (F.size, X.size)


def test_statement_layout_of_one_entry():
    identity = get("trace_axb")
    assert identity.statement("numerator") == r"\frac{\partial\,\operatorname{tr}(AXB)}{\partial\,X} = BA"
    assert identity.statement("denominator").endswith(r"= A^\top B^\top")
    assert identity.statement("differential") == (r"d\bigl(\operatorname{tr}(AXB)\bigr) = "
                                                  r"\operatorname{tr}(BA\,dX)")
    assert get("jacobian_axb").statement("numerator").startswith(r"\frac{\partial\,\operatorname{vec}(AXB)}")
    assert identity.source == "Petersen & Pedersen 2012, Eq. (101)"
    softmax = get("softmax").statement("numerator")
    assert softmax == (r"\frac{\partial\,\operatorname{softmax}(x)}{\partial\,x} = "
                       r"\operatorname{diag}(p) - pp^\top,\quad p = \operatorname{softmax}(x)")


def test_verify_is_deterministic_and_seeds_differ():
    a, b, c = (verify("trace_axb", seed=s).point["X"] for s in (0, 0, 1))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


SAMPLE_CHECKS = {
    "invertible": lambda X: abs(np.linalg.det(X)) > 1e-3,
    "symmetric": lambda X: np.array_equal(X, X.T) and abs(np.linalg.det(X)) > 1e-3,
    "spd": lambda X: np.array_equal(X, X.T) and np.min(np.linalg.eigvalsh(X)) > 0.4,
    "orthogonal": lambda X: np.allclose(X.T @ X, np.eye(len(X)), atol=1e-13),
    "diagonal": lambda X: np.array_equal(X, np.diag(np.diag(X))),
    "probability": lambda X: np.all(X > 0) and np.allclose(X.sum(axis=-1), 1.0),
}


@pytest.mark.parametrize("kind", sorted(SAMPLE_CHECKS))
def test_samples_lie_in_their_domain(kind):
    rng = np.random.default_rng(3)
    for n in (1, 2, 5):
        assert SAMPLE_CHECKS[kind](random_point(kind, rng, (n, n))), (kind, n)


def test_constant_kinds_include_the_domains():
    assert set(DOMAINS) < set(CONSTANT_KINDS)


GOOD = dict(title="t", latex="f", numerator="a", denominator="a", differential="a", f=np.sum,
            derivative=np.ones_like, inputs={"x": "n"}, kind="scalar-by-vector", source="s")
BAD_REGISTRATIONS = {
    "duplicate_name": (dict(GOOD, name="trace"), "`name`"),
    "camel_case_name": (dict(GOOD, name="traceAX"), "`name`"),
    "unknown_kind": (dict(GOOD, name="new_a", kind="scalar-by-tensor"), "`kind`"),
    "unknown_domain": (dict(GOOD, name="new_b", domain="hermitian"), "`domain`"),
    "empty_differential": (dict(GOOD, name="new_c", differential=" "), "`differential`"),
    "empty_source": (dict(GOOD, name="new_d", source=""), "`source`"),
    "matrix_variable_for_vector_kind": (dict(GOOD, name="new_e", inputs={"X": "m n"}), "does not fit"),
    "structured_domain_needs_square": (dict(GOOD, name="new_f", kind="scalar-by-matrix",
                                            inputs={"X": "m n"}, domain="spd"), "square"),
    "jacobian_on_structured_domain": (dict(GOOD, name="new_g", kind="matrix-by-matrix",
                                           inputs={"X": "n n"}, domain="symmetric"), "open domain"),
    "bad_shape_symbol": (dict(GOOD, name="new_h", inputs={"x": "n", "a": "spd k k"}), "symbols"),
}


@pytest.mark.parametrize("case", sorted(BAD_REGISTRATIONS))
def test_register_rejects(case):
    kwargs, message = BAD_REGISTRATIONS[case]
    name = kwargs.pop("name")
    with pytest.raises(ValueError, match=message):
        register(name, **kwargs)
    assert len(all_identities()) == len(IDENTITIES)


def test_get_unknown_name_raises_value_error():
    with pytest.raises(ValueError, match="no identity named 'trace_of_everything'"):
        get("trace_of_everything")


def test_verify_and_random_point_reject_bad_arguments():
    with pytest.raises(ValueError, match="`size` must be a positive integer"):
        verify("trace", size=0)
    with pytest.raises(ValueError, match=r"`shape` must be square .* 'spd', got \(2, 3\)"):
        random_point("spd", np.random.default_rng(0), (2, 3))
    with pytest.raises(ValueError, match="`kind` must be one of"):
        random_point("hermitian", np.random.default_rng(0), (2, 2))


# --- must-fail: wrong derivatives are rejected with the right diagnosis ----------------------

WRONG = {
    "negated": (lambda D: -D, "sign-flipped", -1.0),
    "doubled": (lambda D: 2 * D, "scaled", 2.0),
}


@pytest.mark.parametrize("mistake", sorted(WRONG))
@pytest.mark.parametrize("name", NAMES)
def test_negated_and_doubled_derivatives_are_diagnosed(name, mistake):
    identity = get(name)
    wrong, diagnosis, scale = WRONG[mistake]
    result = verify(identity, derivative=lambda X, **c: wrong(identity.derivative(X, **c)))
    assert not result.ok
    assert result.check.diagnosis == diagnosis and result.check.scale == scale, result.check.message


def _transposable(identity):
    """A square, visibly non-symmetric derivative, so that its transpose is a different matrix."""
    X, constants = _point(identity)
    D = identity.derivative(X, **constants)
    return X.ndim == 2 and D.shape[0] == D.shape[1] and np.max(np.abs(D - D.T)) > 1e-3 * np.max(np.abs(D))


TRANSPOSABLE = [i.name for i in IDENTITIES if _transposable(i)]


def test_transposed_cases_cover_gradients_and_jacobians():
    kinds = {get(name).kind for name in TRANSPOSABLE}
    assert {"scalar-by-matrix", "matrix-by-matrix"} <= kinds and len(TRANSPOSABLE) >= 20


@pytest.mark.parametrize("name", TRANSPOSABLE)
def test_transposed_derivative_is_diagnosed_as_transposed(name):
    identity = get(name)
    result = verify(identity, derivative=lambda X, **c: identity.derivative(X, **c).T)
    assert not result.ok
    assert result.check.diagnosis == "transposed" and result.check.scale == 1.0, result.check.message


MISTAKES = mistakes()


@pytest.mark.parametrize("seed, size", SEEDS_AND_SIZES)
@pytest.mark.parametrize("index", range(len(MISTAKES)), ids=[f"{m.identity}-{m.category}" for m in MISTAKES])
def test_mistakes_table_diagnosis(index, seed, size):
    mistake = MISTAKES[index]
    result = check_mistake(mistake, seed=seed, size=size)
    assert not result.ok
    assert result.check.diagnosis == mistake.diagnosis, result.check.message
    assert result.check.scale == mistake.scale
    assert verify(mistake.identity, seed=seed, size=size).ok  # the correct one passes at the same point


def test_mistakes_table_covers_the_categories():
    assert len(MISTAKES) >= 6
    assert {"transposed", "sign", "factor 2", "symmetrization"} <= {m.category for m in MISTAKES}
    assert {m.diagnosis for m in MISTAKES} >= {"transposed", "sign-flipped", "scaled", "symmetrized"}
    for m in MISTAKES:
        get(m.identity)
        assert m.latex.strip() and m.why.strip()


def test_cookbook_symmetric_formula_doubles_every_off_diagonal_directional_derivative():
    """Along E = e_i e_jᵀ + e_j e_iᵀ, d tr(AS) = A_ij + A_ji; G + Gᵀ − G∘I predicts twice that."""
    rng = np.random.default_rng(11)
    A, S = rng.standard_normal((4, 4)), random_point("symmetric", rng, (4, 4))
    E = np.zeros((4, 4))
    E[1, 2] = E[2, 1] = 1.0
    h = 1e-6
    numeric = (np.trace(A @ (S + h * E)) - np.trace(A @ (S - h * E))) / (2 * h)
    correct = get("symmetric_trace_as").derivative(S, A=A)
    cookbook = A + A.T - np.diag(np.diag(A))
    assert_allclose(np.vdot(correct, E), numeric, rtol=1e-8)
    assert_allclose(np.vdot(cookbook, E), 2 * numeric, rtol=1e-8)


def test_wrong_kronecker_order_of_the_inverse_is_right_only_for_symmetric_x():
    rng = np.random.default_rng(5)
    X = random_point("spd", rng, (3, 3))
    wrong = next(m for m in MISTAKES if m.identity == "jacobian_inverse")
    assert mc.check_jacobian(np.linalg.inv, wrong.derivative(X), X).ok
    X[0, 1] += 0.5
    assert not mc.check_jacobian(np.linalg.inv, wrong.derivative(X), X).ok
