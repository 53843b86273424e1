"""Tests for mclib.identities, the atlas of verified identities.

Every registered entry is verified on random points of its domain (several seeds and sizes)
with mc.check_gradient / mc.check_jacobian: its code, and its *displayed* numerator,
denominator and differential and `where` items, parsed back to NumPy. The code is checked
again against an oracle written here:
central differences along curves that stay *on* the domain (X + tV with V symmetric for
symmetric and SPD matrices, the Cayley curve Q(I − tΩ/2)⁻¹(I + tΩ/2) with Ω skew for
orthogonal ones). Must-fail tests prove that transposed, negated and doubled derivatives,
and every entry of the mistakes table, are rejected with the right diagnosis, and that a
changed transpose, sign or factor in any displayed formula makes the displayed check fail.
"""

import dataclasses
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose

import mclib as mc
from mclib.identities import (
    CONSTANT_KINDS,
    DOMAINS,
    KINDS,
    Condition,
    all_identities,
    check_mistake,
    get,
    mistakes,
    random_point,
    register,
    verify,
)
from mclib.identities._latex import split_top, tokenize

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
    assert result.ok, result.failures
    assert bool(result) and result.check.diagnosis is None
    assert result.check.max_rel_error <= (1e-12 if result.check.method == "complex" else 1e-7)


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
    with pytest.raises(ValueError, match="no identity named `name`=.trace_of_everything."):
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


# --- the displayed formulas are the checked ones ------------------------------------------

FORMS = ("numerator", "denominator", "differential")


@pytest.mark.parametrize("seed, size", SEEDS_AND_SIZES)
@pytest.mark.parametrize("name", NAMES)
def test_displayed_formulas_hold_on_random_points(name, seed, size):
    identity = get(name)
    result = verify(identity, seed=seed, size=size)
    assert set(FORMS) <= set(result.forms) and result.checked[0] == "derivative"
    for form, check in result.forms.items():
        assert check.ok, f"{form}: {check.message}"
        # Rounding only: the display is evaluated in its own order (rayleigh_quotient's df at
        # n = 2 cancels to 1.4e-12 of its size); a wrong formula is off by O(1).
        assert check.max_rel_error <= (1e-11 if check.method == "complex" else 1e-7), form
    assert all(isinstance(c, Condition) and c.ok for c in result.conditions), result.failures
    assert result.ok and not result.failures


def test_where_items_are_checked_where_they_state_facts():
    stated = {"quadratic_form_symmetric": 1, "softmax_cross_entropy": 1, "logistic_loss": 1,
              "hessian_quadratic_form": 1, "trace_xta": 1, "trace_kron_xx": 1, "spd_gaussian_kl": 1,
              "spd_log_determinant": 1, "orthogonal_brockett": 3 + 3}  # + dQ = QΩ, 3 directions
    for name, count in stated.items():
        assert len(verify(name).conditions) == count, name
    assert verify("softmax").conditions == ()  # p = softmax(x) only defines p


def test_code_mistakes_are_checked_without_the_display():
    result = verify("trace_axb", derivative=lambda X, A, B: -(B @ A).T)
    assert result.checked == ("derivative",) and not result.forms and not result.ok


def _mutated(identity, form, change):
    """A copy of `identity` whose displayed `form` has `change` applied to every side of its
    formula (`a = b` chains) and nothing else; the registry is never touched."""
    items = split_top(tokenize(getattr(identity, form)), ",")
    sides = [change(" ".join(side)) for side in split_top(items[0], "=")]
    text = ", ".join([" = ".join(sides)] + [" ".join(item) for item in items[1:]])
    return dataclasses.replace(identity, **{form: text})


def _negate(text):
    return rf"-\bigl({text}\bigr)"


def _double(text):
    return rf"2\bigl({text}\bigr)"


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", NAMES)
def test_every_negated_displayed_formula_fails(name, form):
    mutated = _mutated(get(name), form, _negate)
    result = verify(mutated)
    check = result.forms[form]
    assert not result.ok and not check.ok
    assert check.diagnosis == "sign-flipped", check.message
    assert all(c.ok for key, c in result.forms.items() if not key.startswith(form))


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", NAMES)
def test_every_doubled_displayed_formula_fails(name, form):
    check = verify(_mutated(get(name), form, _double)).forms[form]
    assert not check.ok and check.diagnosis == "scaled" and check.scale == 2.0, check.message


def test_negated_denominator_of_trace_xtbx_fails():
    identity = get("trace_xtbx")
    mutated = dataclasses.replace(identity, denominator=r"-(B + B^\top) X")
    result = verify(mutated)
    assert not result.ok and result.check.ok  # the code is right, the display is wrong
    assert result.forms["denominator"].diagnosis == "sign-flipped"
    assert [f.split(":")[0] for f in result.failures] == ["denominator"]
    assert get("trace_xtbx").denominator == r"(B + B^\top) X" and verify("trace_xtbx").ok


@pytest.mark.parametrize("name, form, before, after", [
    ("jacobian_inverse", "numerator", r"-X^{-\top} \otimes X^{-1}", r"-X^{-1} \otimes X^{-1}"),
    ("jacobian_inverse", "denominator", r"-X^{-1} \otimes X^{-\top}", r"-X^{-1} \otimes (X^{-\top})^\top"),
    ("jacobian_square", "numerator", r"X^\top \otimes I + I \otimes X",
     r"X^\top \otimes I + I \otimes X^\top"),
    ("jacobian_xtax", "numerator", r"I_n \otimes X^\top A + (X^\top A^\top \otimes I_n) K_{mn}",
     r"I_n \otimes X^\top A^\top + (X^\top A^\top \otimes I_n) K_{mn}"),
])
def test_transposed_kronecker_factor_fails(name, form, before, after):
    identity = get(name)
    assert getattr(identity, form) == before
    result = verify(dataclasses.replace(identity, **{form: after}))
    assert not result.ok and not result.forms[form].ok and result.check.ok, result.forms[form].message


@pytest.mark.parametrize("name, before, after", [
    ("trace_x_squared", r"2\operatorname{tr}(X\,dX)", r"\operatorname{tr}(X\,dX)"),
    ("least_squares", r"2(Ax - b)^\top A\,dx", r"(Ax - b)^\top A\,dx"),
    ("jacobian_symmetric_part", r"\tfrac12 (dX + dX^\top)", r"(dX + dX^\top)"),
    ("orthogonal_procrustes", r"2\operatorname{tr}\bigl(A (QA - B)^\top dQ\bigr),\ dQ = Q\Omega",
     r"\operatorname{tr}\bigl(A (QA - B)^\top dQ\bigr),\ dQ = Q\Omega"),
])
def test_lost_factor_two_in_a_differential_fails(name, before, after):
    identity = get(name)
    assert identity.differential == before
    check = verify(dataclasses.replace(identity, differential=after)).forms["differential"]
    assert not check.ok and check.diagnosis == "scaled", check.message
    assert check.scale in (0.5, 2.0)


@pytest.mark.parametrize("name, where", [
    ("quadratic_form_symmetric", r"A = -A^\top"),  # a condition that does not hold
    ("softmax", r"p = \operatorname{softmax}(-x)"),  # a wrong abbreviation
    ("trace_kron_xx", r"\operatorname{tr}(X \otimes X) = 2\operatorname{tr}(X)^2"),  # a wrong claim about f
    ("spd_gaussian_kl", r"\operatorname{KL} = \tfrac12\bigl(\operatorname{tr}(T^{-1}\Sigma) - n"
                        r" + \log\det T - \log\det\Sigma\bigr)"),  # the mean term dropped
    ("log_determinant_gram", None),  # the chained side 2(X^+)^T = X (X^T X)^{-1}, factor lost
    ("logistic_loss", r"t = \pm 2"),
    ("orthogonal_brockett", r"Q^\top Q = I,\ A = A^\top,\ A \text{ diagonal}"),
])
def test_wrong_where_items_fail(name, where):
    identity = get(name)
    if where is None:
        mutated = dataclasses.replace(identity, denominator=r"2(X^{+})^\top = X (X^\top X)^{-1}")
    else:
        mutated = dataclasses.replace(identity, where=where)
    result = verify(mutated)
    assert not result.ok and result.failures


@pytest.mark.parametrize("field, text, message", [
    ("denominator", r"\operatorname{logdet}(X)", "unsupported operator 'logdet'"),
    ("denominator", r"(B + B^\top) X + \dots", r"unsupported token.*\\dots"),
    ("denominator", r"X^\top (B + B^\top)", r"shape \(3, 4\), the denominator layout needs \(4, 3\)"),
    ("differential", r"\operatorname{tr}(X^\top (B + B^\top)\,dX),\ dX = X\Omega", "only `dQ = Q"),
    ("where", r"M \approx X", "cannot read the item"),
    ("numerator", r"X^\top (B + B^\top) + Z", "unknown symbol 'Z'"),
])
def test_unsupported_or_misshapen_latex_raises_naming_entry_and_token(field, text, message):
    mutated = dataclasses.replace(get("trace_xtbx"), **{field: text})
    with pytest.raises(ValueError, match="trace_xtbx") as info:
        verify(mutated)
    assert re.search(message, str(info.value)), str(info.value)


# --- issue 11 (fuzzing review): messages and validation ------------------------------------------


def test_get_unknown_name_message_names_function_and_parameter():
    with pytest.raises(ValueError, match=r"^identities\.get: no identity named `name`='nope'"):
        get("nope")


def test_all_identities_unknown_kind_raises_listing_the_kinds():
    with pytest.raises(ValueError, match=r"identities\.all_identities: `kind` must be one of .*"
                                         r"scalar-by-vector.*matrix-by-matrix"):
        all_identities("unknown-kind")
    assert all_identities("scalar-by-matrix")


@pytest.mark.parametrize("seed", ["a", -1, 2.5, None])
def test_verify_bad_seed_raises_naming_seed(seed):
    with pytest.raises(ValueError, match=r"identities\.verify: `seed`"):
        verify("trace", seed=seed)
