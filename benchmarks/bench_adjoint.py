"""Adjoint vs forward sensitivities for p parameters, and a hand-written eigh backward vs torch's.

Part 1 (chapter 10, "The adjoint method"): the gradient of L = ½‖x − x_obs‖² where
(L_Δ + diag(Pθ)) x = f on a 32×32 grid (n = 1024 unknowns), θ ∈ ℝᵖ the reaction rates of
p patches. Every solve is a conjugate-gradient solve (rtol 1e-10), so each costs about the
same, as with the iterative solvers of large PDE or equilibrium models. Forward sensitivities
need 1 + p solves, the adjoint 2: the time ratio should grow like p. Both gradients are
checked against each other before timing.

Part 2 (chapter 10, "Custom derivative rules"): the backward pass of λ, Q = eigh(A) for a loss
of λ and Q, as the chapter's ``torch.autograd.Function`` (eq. eq-eigen-vjp of chapter 5) and as
torch's own ``torch.linalg.eigh`` backward, float64, n = 50 and 200. Only the backward pass is
timed (the forward is the same ``torch.linalg.eigh`` call).

Times are the best of 9 repeats (benchmarks/timing.py), torch on one thread (these matrices are
small, and a second thread only adds contention on a shared machine). Results are printed and written to
benchmarks/results/adjoint.json.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
import torch
from timing import best_time, write_results

SIDE = 32
P_VALUES = (10, 30, 100, 300)
EIGH_SIZES = (50, 200)
CG_RTOL = 1e-10
REPEAT = 9


# --- part 1: adjoint vs forward sensitivities ---------------------------------------------------


def laplacian_2d(side: int) -> scipy.sparse.csr_matrix:
    """5-point Laplacian with zero boundary values on a side×side grid (SPD)."""
    lap_1d = scipy.sparse.diags([-np.ones(side - 1), 2 * np.ones(side), -np.ones(side - 1)], [-1, 0, 1])
    eye = scipy.sparse.eye(side)
    return (scipy.sparse.kron(lap_1d, eye) + scipy.sparse.kron(eye, lap_1d)).tocsr()


def cg_solve(M, rhs: np.ndarray) -> np.ndarray:
    x, info = scipy.sparse.linalg.cg(M, rhs, rtol=CG_RTOL, atol=0.0, maxiter=10_000)
    if info != 0:
        raise RuntimeError(f"conjugate gradients did not converge (info={info})")
    return x


def gradient_adjoint(M, patch, p, source, x_obs) -> np.ndarray:
    """∇θ L = −Pᵀ(u ∘ x) with Mᵀu = x − x_obs (M symmetric here): 2 solves."""
    x = cg_solve(M, source)
    u = cg_solve(M.T, x - x_obs)
    return -np.bincount(patch, weights=u * x, minlength=p)


def gradient_forward(M, patch, p, source, x_obs) -> np.ndarray:
    """∂L/∂θ_k = gᵀs_k with M s_k = −diag(P[:, k]) x: 1 + p solves."""
    x = cg_solve(M, source)
    g = x - x_obs
    return np.array([g @ cg_solve(M, -np.where(patch == k, x, 0.0)) for k in range(p)])


def adjoint_rows(rng: np.random.Generator) -> list[dict]:
    n = SIDE * SIDE
    lap = laplacian_2d(SIDE)
    source, x_obs = rng.random(n), rng.random(n)
    rows = []
    print(f"{'p':>5} {'forward [ms]':>13} {'adjoint [ms]':>13} {'ratio':>7} {'solves fwd/adj':>15}")
    for p in P_VALUES:
        patch = np.arange(n) % p
        theta = 1 + rng.random(p)
        M = (lap + scipy.sparse.diags(theta[patch])).tocsr()
        args = (M, patch, p, source, x_obs)
        np.testing.assert_allclose(gradient_adjoint(*args), gradient_forward(*args), rtol=1e-6,
                                   atol=1e-9 * np.max(np.abs(gradient_adjoint(*args))))
        t_fwd = best_time(lambda: gradient_forward(*args), repeat=REPEAT)  # noqa: B023
        t_adj = best_time(lambda: gradient_adjoint(*args), repeat=REPEAT)  # noqa: B023
        row = {"p": p, "n": n, "seconds_forward": t_fwd, "seconds_adjoint": t_adj,
               "ratio": t_fwd / t_adj, "solves_forward": 1 + p, "solves_adjoint": 2}
        rows.append(row)
        print(f"{p:5d} {1e3 * t_fwd:13.2f} {1e3 * t_adj:13.3f} {row['ratio']:6.0f}x "
              f"{1 + p:>10d} / 2")
    return rows


# --- part 2: the eigh backward ------------------------------------------------------------------


class Eigh(torch.autograd.Function):
    """λ, Q = eigh(sym(A)), backward Ā = sym(Q (diag(λ̄) + F ∘ QᵀQ̄) Qᵀ), F_ij = 1/(λ_j − λ_i)
    [Giles 2008; chapter 5, eq. eq-eigen-vjp] — the rule of chapter 10's ``Eigh``."""

    @staticmethod
    def forward(ctx, A):
        lam, Q = torch.linalg.eigh((A + A.mT) / 2)
        ctx.save_for_backward(lam, Q)
        return lam, Q

    @staticmethod
    def backward(ctx, lam_bar, Q_bar):
        lam, Q = ctx.saved_tensors
        gaps = lam[None, :] - lam[:, None]
        off = ~torch.eye(len(lam), dtype=torch.bool)
        F = torch.where(off, 1 / torch.where(off, gaps, 1.0), 0.0)
        A_bar = Q @ (torch.diag(lam_bar) + F * (Q.mT @ Q_bar)) @ Q.mT
        return (A_bar + A_bar.mT) / 2


def torch_eigh(A):
    return torch.linalg.eigh((A + A.mT) / 2)


def eigh_rows(rng: np.random.Generator) -> list[dict]:
    rows = []
    print(f"{'n':>5} {'torch eigh backward [ms]':>25} {'custom backward [ms]':>21} {'ratio':>7}")
    for n in EIGH_SIZES:
        Qr = np.linalg.qr(rng.standard_normal((n, n)))[0]
        A = Qr @ np.diag(np.arange(n) + rng.random(n)) @ Qr.T  # well-separated eigenvalues
        c = torch.tensor(rng.standard_normal(n))
        W = torch.tensor(rng.standard_normal((n, n)))
        grads, times = [], []
        for eigh in (torch_eigh, Eigh.apply):
            A_t = torch.tensor(A, requires_grad=True)
            lam, Q = eigh(A_t)
            loss = lam @ c + torch.sum(W * Q * Q)  # sign-invariant in the eigenvectors
            grads.append(torch.autograd.grad(loss, A_t, retain_graph=True)[0])
            times.append(best_time(lambda: torch.autograd.grad(loss, A_t, retain_graph=True), repeat=REPEAT))  # noqa: B023
        torch.testing.assert_close(grads[0], grads[1], rtol=1e-8, atol=1e-10)
        row = {"n": n, "seconds_torch_backward": times[0], "seconds_custom_backward": times[1],
               "ratio": times[0] / times[1]}
        rows.append(row)
        print(f"{n:5d} {1e3 * times[0]:25.3f} {1e3 * times[1]:21.3f} {row['ratio']:6.2f}x")
    return rows


def main() -> dict:
    rng = np.random.default_rng(0)
    torch.set_num_threads(1)
    print("adjoint vs forward sensitivities (CG solves, 32×32 grid):")
    adjoint = adjoint_rows(rng)
    print("eigh backward, float64 (ratio > 1: the custom rule is faster):")
    eigh = eigh_rows(rng)
    results = {
        "benchmark": "gradient w.r.t. p parameters of a CG-solved reaction–diffusion system: forward "
                     "sensitivities (1 + p solves) vs adjoint (2 solves); eigh backward: custom "
                     "autograd.Function vs torch.linalg.eigh's own, float64",
        "timing": "best of 9 repeats, torch on 1 thread, each long enough to measure (timeit autorange)",
        "adjoint_rows": adjoint,
        "eigh_rows": eigh,
    }
    write_results("adjoint", results)
    return results


if __name__ == "__main__":
    main()
