"""Gradient checkers side by side: mc.check_gradient against torch.autograd.gradcheck on one corpus.

The corpus (benchmarks/checker_corpus.py) holds right gradients and deliberately wrong ones
(sign, scale, transpose, symmetrization, one entry off by 1 %, zero, a small entry next to
large ones) at mixed scales, extreme magnitudes, large offsets, float32 models, near-ties and
domain edges. A wrong gradient judged right is a false pass, a right one judged wrong a false
fail; "inconclusive" is mclib's third verdict. torch.autograd.gradcheck checks a function's
backward, so each analytic gradient is installed as the backward of a custom
``torch.autograd.Function`` (how a reader tests a hand-written backward in PyTorch); its
default tolerances are used (eps 1e-6, atol 1e-5, rtol 1e-3). JAX's ``jax.test_util.check_grads``
is run the same way, with the gradient as a ``jax.custom_vjp`` rule and its defaults, when JAX is
installed (`make bench` installs it from benchmarks/requirements.txt).
"""

from __future__ import annotations

import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from checker_corpus import cases  # noqa: E402
from timing import write_results  # noqa: E402

import mclib as mc  # noqa: E402


class _Counted:
    def __init__(self, f, xp):
        self.f, self.xp, self.calls = f, xp, 0

    def __call__(self, X):
        self.calls += 1
        return self.f(X, self.xp)


def run_mclib(case):
    f = _Counted(case.f, np)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = mc.check_gradient(f, case.grad, case.X)
    return result.verdict, result.diagnosis, f.calls


class _WithGradient(torch.autograd.Function):
    """Forward: f(X); backward: the given analytic gradient (the thing under test)."""

    @staticmethod
    def forward(ctx, X, f, G):
        ctx.save_for_backward(G)
        with torch.no_grad():
            return f(X)

    @staticmethod
    def backward(ctx, upstream):
        (G,) = ctx.saved_tensors
        return upstream * G, None, None


def run_torch(case):
    dtype = torch.float32 if case.float32 else torch.float64
    f = _Counted(case.f, torch)
    X = torch.tensor(case.X, dtype=dtype, requires_grad=True)
    G = torch.tensor(case.grad, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ok = torch.autograd.gradcheck(lambda X: _WithGradient.apply(X, f, G), (X,),
                                          raise_exception=False)
        except RuntimeError:  # e.g. non-finite values outside the domain
            ok = False
    return ("pass" if ok else "fail"), None, f.calls


def run_jax(case):
    import jax
    import jax.numpy as jnp
    from jax.test_util import check_grads

    jax.config.update("jax_enable_x64", True)
    dtype = jnp.float32 if case.float32 else jnp.float64
    f = _Counted(case.f, jnp)
    G = jnp.asarray(case.grad, dtype=dtype)

    @jax.custom_vjp
    def with_gradient(X):
        return f(X)

    with_gradient.defvjp(lambda X: (f(X), None), lambda _, upstream: (upstream * G,))
    try:
        check_grads(with_gradient, (jnp.asarray(case.X, dtype=dtype),), order=1, modes=["rev"])
        verdict = "pass"
    except (AssertionError, FloatingPointError, ValueError):
        verdict = "fail"
    return verdict, None, f.calls


def jax_installed() -> bool:
    try:
        import jax  # noqa: F401
    except ImportError:
        print("JAX is not installed: its column is left out (make bench installs it)")
        return False
    return True


def summarise(rows, checker):
    mine = [r for r in rows if r["checker"] == checker]
    right = [r for r in mine if not r["wrong"]]
    wrong = [r for r in mine if r["wrong"]]
    named = [r for r in wrong if r["expected"]]
    return {
        "checker": checker,
        "cases": len(mine),
        "right": len(right),
        "wrong": len(wrong),
        "false_passes": sum(r["verdict"] == "pass" for r in wrong),
        "false_fails": sum(r["verdict"] == "fail" for r in right),
        "inconclusive_on_right": sum(r["verdict"] == "inconclusive" for r in right),
        "inconclusive_on_wrong": sum(r["verdict"] == "inconclusive" for r in wrong),
        "wrong_with_a_name": len(named),
        "right_diagnosis": (sum(r["diagnosis"] == r["expected"] for r in named)
                            if checker == "mclib" else None),
        "mean_evaluations": float(np.mean([r["nfev"] for r in mine])),
    }


def directional_cost():
    """Evaluations of f for a full check and for 4 directions, as X grows: O(size) vs O(1)."""
    out = []
    for n in (10, 40, 160):
        X = np.random.default_rng(n).standard_normal((n, n))
        counts = {}
        for mode, directions in (("full", None), ("directions=4", 4)):
            f = _Counted(lambda X, xp: np.sum(np.sin(X)), np)
            assert mc.check_gradient(f, np.cos(X), X, directions=directions).ok
            counts[mode] = f.calls
        out.append({"size": n * n, **counts})
    return out


def main():
    corpus = cases()
    rows = []
    runners = {"mclib": run_mclib, "torch.autograd.gradcheck": run_torch}
    if jax_installed():
        runners["jax check_grads"] = run_jax
    for case in corpus:
        for checker, run in runners.items():
            verdict, diagnosis, nfev = run(case)
            rows.append({"checker": checker, "family": case.family, "mistake": case.mistake,
                         "wrong": case.wrong, "expected": case.expected, "verdict": verdict,
                         "diagnosis": diagnosis, "nfev": nfev})
    summary = [summarise(rows, checker) for checker in runners]
    print(f"{len(corpus)} cases ({sum(c.wrong for c in corpus)} wrong gradients, "
          f"{sum(not c.wrong for c in corpus)} right ones)")
    header = ("checker", "false passes", "false fails", "inconclusive (right/wrong)", "right diagnosis",
              "evaluations/check")
    print(" | ".join(header))
    for s in summary:
        diag = "n/a" if s["right_diagnosis"] is None else f"{s['right_diagnosis']}/{s['wrong_with_a_name']}"
        print(f"{s['checker']} | {s['false_passes']}/{s['wrong']} | {s['false_fails']}/{s['right']} | "
              f"{s['inconclusive_on_right']}/{s['inconclusive_on_wrong']} | {diag} | "
              f"{s['mean_evaluations']:.1f}")
    by_family = Counter((r["checker"], r["family"], r["verdict"], r["wrong"]) for r in rows)
    problems = sorted({(c, fam) for (c, fam, v, w) in by_family
                       if (w and v == "pass") or (not w and v != "pass")})
    print("families with a false pass, false fail or inconclusive:")
    for checker, family in problems:
        counts = {f"{'wrong' if w else 'right'}→{v}": n for (c, fam, v, w), n in by_family.items()
                  if c == checker and fam == family and ((w and v == "pass") or (not w and v != "pass"))}
        print(f"  {checker:26s} {family:24s} {counts}")
    cost = directional_cost()
    print("evaluations of f, full check vs 4 random directions:",
          ", ".join(f"size {c['size']}: {c['full']} vs {c['directions=4']}" for c in cost))
    misdiagnosed = Counter((r["family"], r["mistake"], r["diagnosis"]) for r in rows
                           if r["checker"] == "mclib" and r["expected"] and r["diagnosis"] != r["expected"])
    write_results("checker", {
        "benchmark": "one corpus through mc.check_gradient, torch.autograd.gradcheck and JAX's check_grads",
        "summary": summary,
        "families_with_problems": [list(p) for p in problems],
        "mclib_misdiagnosed": [[*k, n] for k, n in sorted(misdiagnosed.items(), key=str)],
        "directional_cost": cost,
        "torch": torch.__version__,
        "jax": sys.modules["jax"].__version__ if "jax" in sys.modules else None,
    })


if __name__ == "__main__":
    main()
