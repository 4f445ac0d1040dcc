r"""Sumcheck protocol for sums of products of multilinear polynomials.

Paper: "zkDL: Efficient Zero-Knowledge Proofs of Deep Learning Training": every relation of the
training computation (matmuls, zkReLU, the aggregated FAC4DNN circuit) is proven with sumchecks
over multilinear extensions. Protocol of Lund-Fortnow-Karloff-Nisan; see Thaler, "Proofs,
Arguments, and Zero-Knowledge", ch. 4.

Statement
---------
For K multilinear polynomials f_1..f_K in n variables, given by their tables (``mle.py``
conventions: first variable = least significant index bit), the prover claims

    C = sum_{b in {0,1}^n} prod_k f_k(b).

Round i = 1..n (variables x_1, x_2, ... in order; x_1 is the least significant index bit, see
``mle.py``): the prover sends the univariate round polynomial
``g_i(X) = sum_{b in {0,1}^{n-i}} prod_k f_k(r_1..r_{i-1}, X, b)`` (degree <= K) as
its evaluations ``g_i(0), ..., g_i(K)``; both sides absorb them into the Fiat-Shamir transcript
and draw the challenge ``r_i`` in F_{p^2}; the prover folds every table with ``r_i``.
The verifier checks ``g_i(0) + g_i(1) = C_{i-1}`` (``C_0 = C``) and sets
``C_i = g_i(r_i)`` by Lagrange interpolation over the nodes 0..K. After n rounds it returns the
point ``r = (r_1..r_n)`` and the expected value ``C_n``; the CALLER must check
``C_n = prod_k f_k~(r)`` against oracle evaluations (commitment openings, or in this first
version direct evaluations). Soundness error <= n K / p^2 (Schwartz-Zippel per round).

Per-round work (what a Pallas kernel replaces)
----------------------------------------------
The K tables are stacked into one array ``tables: uint64[K, S, 2]`` (extension elements).

* :func:`round_poly` ``(tables) -> uint64[K+1, 2]``: with ``lo = f[0::2]``,
  ``d = f[1::2] - f[0::2]``: ``g(t) = sum_j prod_k (lo_k[j] + t d_k[j])`` for t = 0..K.
* :func:`round_step` ``(tables, r) -> uint64[K, S/2, 2]``: ``f <- lo + r d`` for every table.

Both are pure, shape-polymorphic jnp functions. Zero rows contribute nothing to either (a zero
pair folds to zero and its products vanish), so the prover keeps tables of at most
``mle.SMALL`` entries in one zero-padded ``[K, SMALL, 2]`` buffer: one compiled program serves
every round and every small instance; larger tables run at exact size (one compilation per
size) until they shrink to SMALL. A kernel with the same signatures can be passed to
:func:`prove` (``round_poly_fn`` / ``round_step_fn``); proofs are then identical bit-for-bit.

Transcript messages (labels with the caller's ``label`` prefix): for each round,
``append(label + "/round", g_i(0..K))`` then ``r_i = challenge(label + "/r")``. The claim itself
is NOT absorbed here: the caller must have bound it (or what determines it) to the transcript.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Optional

import jax
import jax.numpy as jnp
import numpy as np

from jaxgraph.zk import field as F
from jaxgraph.zk import mle
from jaxgraph.zk._x64 import x64, zk_jit
from jaxgraph.zk.transcript import Transcript

__all__ = ["SumcheckProof", "SumcheckResult", "Prover", "round_poly", "round_step", "prove", "verify",
           "lagrange_eval", "product_sum", "prove_binary", "verify_binary"]


@dataclasses.dataclass(frozen=True)
class SumcheckProof:
    """Non-interactive sumcheck proof.

    Attributes:
      round_evals: numpy uint64 [n, K+1, 2]; row i holds g_{i+1}(0), ..., g_{i+1}(K) in F_{p^2}.
    """
    round_evals: np.ndarray

    @property
    def num_rounds(self) -> int:
        return int(self.round_evals.shape[0])

    @property
    def degree(self) -> int:
        return int(self.round_evals.shape[1]) - 1


@dataclasses.dataclass(frozen=True)
class SumcheckResult:
    """Verifier output.

    Attributes:
      ok: every round check g_i(0) + g_i(1) = C_{i-1} passed and the proof was well formed.
      point: numpy uint64 [n, 2], the challenges r_1..r_n (the evaluation point of the f_k).
      expected: numpy uint64 [2], C_n = g_n(r_n), to be compared with prod_k f_k~(point).
      reason: why ``ok`` is False ("" when ok).
    """
    ok: bool
    point: np.ndarray
    expected: np.ndarray
    reason: str = ""


# ------------------------------------------------------------------ per-round pure functions
def _round_poly(tables):
    k = tables.shape[0]
    lo, hi = tables[:, 0::2], tables[:, 1::2]
    d = F._sub(hi, lo)
    vals = [lo, hi]
    for _ in range(2, k + 1):
        vals.append(F._add(vals[-1], d))  # lo + t d, incrementally
    cur = jnp.stack(vals[:k + 1])  # [K+1, K, h, 2]
    prod = cur[:, 0]
    for j in range(1, k):
        prod = F._ext_mul(prod, cur[:, j])
    return F._ext_sum(prod, 1)  # [K+1, 2]


def _round_step(tables, r):
    return mle._fold(tables, r, ext_table=True)


def _check_tables(tables):
    tables = F._u64(tables)
    if tables.ndim != 3 or tables.shape[-1] != 2 or tables.shape[1] < 2:
        raise ValueError(f"tables must be uint64[K, S >= 2, 2], got {tuple(tables.shape)}")
    return tables


@zk_jit
def round_poly(tables):
    """Evaluations g(0..K) of the current round polynomial.

    Args:
      tables: uint64[K, S, 2], the K extension tables with r_1..r_{i-1} fixed (S even).
    Returns:
      uint64[K+1, 2]: g(t) = sum_j prod_k (f_k[2j] + t (f_k[2j+1] - f_k[2j])), t = 0..K.
    """
    return _round_poly(_check_tables(tables))


@zk_jit
def round_step(tables, r):
    """Fold x_1 := r in every table: uint64[K, S, 2], r uint64[2] -> uint64[K, S/2, 2]."""
    return _round_step(_check_tables(tables), F._u64(r))


def _padded(step_fn):
    """Fold, then zero-pad back to the SMALL buffer when the table has shrunk below it."""
    def f(tables, r):
        out = step_fn(tables, r)
        target = max(tables.shape[1] // 2, mle.SMALL)
        if out.shape[1] < target:
            out = jnp.pad(out, ((0, 0), (0, target - out.shape[1]), (0, 0)))
        return out
    return f


def _padded_fused(step_poly_fn):
    """A fused ``(tables, r) -> (folded, next round polynomial)`` with the same zero-padding as
    :func:`_padded` (zero rows add nothing to the round polynomial, so padding after is exact)."""
    def f(tables, r):
        out, evals = step_poly_fn(tables, r)
        target = max(tables.shape[1] // 2, mle.SMALL)
        if out.shape[1] < target:
            out = jnp.pad(out, ((0, 0), (0, target - out.shape[1]), (0, 0)))
        return out, evals
    return f


def _step_and_poly(step_fn, poly_fn):
    def f(tables, r):
        tables = step_fn(tables, r)
        return tables, poly_fn(tables)
    return f


_JIT_CACHE: dict = {}


def _jitted(key, make):
    if key not in _JIT_CACHE:
        _JIT_CACHE[key] = jax.jit(make())
    return _JIT_CACHE[key]


@zk_jit
def product_sum(tables):
    """sum_j prod_k f_k[j] for stacked extension tables uint64[K, S, 2] -> uint64[2]."""
    tables = F._u64(tables)
    prod = tables[0]
    for j in range(1, tables.shape[0]):
        prod = F._ext_mul(prod, tables[j])
    return F._ext_sum(prod, 0)


# ------------------------------------------------------------------------------ interpolation
def _lagrange_weights(k: int):
    """w_t = 1 / prod_{s != t} (t - s) mod p for nodes 0..k (host Python ints)."""
    ws = []
    for t in range(k + 1):
        den = 1
        for s in range(k + 1):
            if s != t:
                den = den * (t - s) % F.P
        ws.append(pow(den, F.P - 2, F.P))
    return ws


def _lagrange_int(evals, r):
    """g(r) = sum_t g(t) w_t prod_{s != t} (r - s); evals: list of (c0, c1), r: (c0, c1)."""
    k = len(evals) - 1
    ws = _lagrange_weights(k)
    diffs = [F.int_ext_sub(r, (s, 0)) for s in range(k + 1)]
    acc = (0, 0)
    for t in range(k + 1):
        basis = (ws[t], 0)
        for s in range(k + 1):
            if s != t:
                basis = F.int_ext_mul(basis, diffs[s])
        acc = F.int_ext_add(acc, F.int_ext_mul(evals[t], basis))
    return acc


def lagrange_eval(evals, r) -> np.ndarray:
    """Evaluate the degree-K polynomial with g(t) = evals[t] (t = 0..K) at r (host, exact).

    evals: uint64[K+1, 2]; r: uint64[2] -> numpy uint64[2].
    """
    ev = [F.int_ext(e) for e in np.asarray(evals, np.uint64)]
    return np.array(_lagrange_int(ev, F.int_ext(r)), np.uint64)


# ------------------------------------------------------------------------------ prover/verifier
def _absorb_round(transcript: Transcript, label: str, evals: np.ndarray) -> np.ndarray:
    transcript.append(label + "/round", evals)
    return transcript.challenge(label + "/r")


def _stack_tables(tables):
    """Validate and stack K tables ([2^n] or [2^n, 2] each, or one [K, 2^n, 2]) -> [K, 2^n, 2]."""
    if hasattr(tables, "ndim") and tables.ndim == 3:
        mle.num_vars(tables[0])
        return F._u64(tables)
    tables = list(tables)
    if len(tables) < 1:
        raise ValueError("sumcheck: need at least one table")
    n = None
    out = []
    for k, t in enumerate(tables):
        m = mle.num_vars(t)
        if n is None:
            n = m
        elif m != n:
            raise ValueError(f"sumcheck: table {k} has 2^{m} entries, table 0 has 2^{n}")
        t = F._u64(t)
        out.append(t if t.ndim == 2 else F._ext_embed(t))
    return jnp.stack(out)


class Prover:
    """Sumcheck prover in two steps: construct (computes the claim C and the first round
    polynomial), then :meth:`run` on a transcript. The split lets a caller absorb C (or anything
    derived from it) into the transcript before the rounds start, at no extra cost.

    Args:
      tables: K >= 1 tables of equal length 2^n, each base uint64[2^n] or extension
        uint64[2^n, 2] (numpy or jax; canonical entries), or one stacked uint64[K, 2^n, 2].
      round_poly_fn, round_step_fn: optional drop-in replacements for :func:`round_poly` /
        :func:`round_step` (pure functions on uint64[K, S, 2]), e.g. a Pallas kernel.
      step_poly_fn: optional fused ``(tables, r) -> (folded tables, next round polynomial)``
        replacing the fold-then-evaluate step of every round (e.g. the fused Pallas kernel,
        which reads each table once per round); the first round polynomial still comes from
        ``round_poly_fn``.

    Attributes:
      claim: numpy uint64[2], C = sum_b prod_k f_k(b).
      num_vars, degree: n and K.
    """

    def __init__(self, tables, *, round_poly_fn: Optional[Callable] = None,
                 round_step_fn: Optional[Callable] = None, step_poly_fn: Optional[Callable] = None):
        poly_fn = round_poly_fn or _round_poly
        step_fn = _padded(round_step_fn or _round_step)
        self._poly_j = _jitted(("poly", poly_fn), lambda: poly_fn)
        if step_poly_fn is not None:
            self._step_poly_j = _jitted(("fused", step_poly_fn), lambda: _padded_fused(step_poly_fn))
        else:
            self._step_poly_j = _jitted(("step_poly", poly_fn, round_step_fn),
                                        lambda: _step_and_poly(step_fn, poly_fn))
        with x64():
            ts = _stack_tables(tables)
            self.degree, size = int(ts.shape[0]), int(ts.shape[1])
            self.num_vars = size.bit_length() - 1
            if self.num_vars == 0:
                self._evals = None
                self.claim = np.asarray(product_sum.jitted(ts))
            else:
                if size < mle.SMALL:
                    ts = jnp.pad(ts, ((0, 0), (0, mle.SMALL - size), (0, 0)))
                self._evals = np.asarray(self._poly_j(ts))
                e0 = self._evals
                self.claim = np.array([(int(e0[0, c]) + int(e0[1, c])) % F.P for c in range(2)],
                                      np.uint64)
        self._tables = ts
        self._done = False

    def run(self, transcript: Transcript, label: str = "sumcheck"):
        """Run the n rounds on ``transcript``.

        Returns:
          (proof, point, finals): the :class:`SumcheckProof`; numpy uint64 [n, 2] challenges;
          numpy uint64 [K, 2] final values f_k~(point).
        """
        if self._done:
            raise RuntimeError("sumcheck Prover.run may only be called once")
        self._done = True
        n, k = self.num_vars, self.degree
        ts = self._tables
        all_evals = np.zeros((n, k + 1, 2), np.uint64)
        point = np.zeros((n, 2), np.uint64)
        with x64():
            evals = self._evals
            for i in range(n):
                all_evals[i] = evals
                r = _absorb_round(transcript, label, evals)
                point[i] = r
                # The last round also evaluates a (discarded) round polynomial: one compiled
                # program per buffer shape instead of two.
                ts, ev = self._step_poly_j(ts, jnp.asarray(r))
                if i + 1 < n:
                    evals = np.asarray(ev)
            finals = np.asarray(ts[:, 0])
        self._tables = None
        return SumcheckProof(all_evals), point, finals


def prove(tables, transcript: Transcript, *, label: str = "sumcheck",
          round_poly_fn: Optional[Callable] = None, round_step_fn: Optional[Callable] = None,
          step_poly_fn: Optional[Callable] = None):
    """Prove C = sum_b prod_k f_k(b) (see :class:`Prover` for the arguments).

    Args:
      transcript: Fiat-Shamir transcript, already holding the statement (claim or commitments).
      label: message-label prefix (distinct per sumcheck instance within one transcript).

    Returns:
      (proof, point, finals, claim): the :class:`SumcheckProof`; numpy uint64 [n, 2] challenges;
      numpy uint64 [K, 2] final values f_k~(point); numpy uint64 [2] the claimed sum C.
    """
    prover = Prover(tables, round_poly_fn=round_poly_fn, round_step_fn=round_step_fn,
                    step_poly_fn=step_poly_fn)
    proof, point, finals = prover.run(transcript, label)
    return proof, point, finals, prover.claim


def verify(claim, proof: SumcheckProof, transcript: Transcript, *, num_vars: int, degree: int,
           label: str = "sumcheck") -> SumcheckResult:
    """Replay the transcript and check every round; return the point and C_n (host arithmetic).

    Args:
      claim: uint64[2] (or a base scalar), the claimed sum C.
      proof: the prover's :class:`SumcheckProof`.
      transcript: verifier transcript in the same state as the prover's was.
      num_vars: n, the number of rounds expected. degree: K (K+1 evaluations per round).
      label: the prover's label.

    Returns:
      :class:`SumcheckResult`. ``ok`` is False on a malformed proof or a failed round; even if
      ok, the caller must still check ``expected == prod_k f_k~(point)``.
    """
    ev = np.asarray(proof.round_evals)
    empty, zero = np.zeros((0, 2), np.uint64), np.zeros(2, np.uint64)
    if ev.dtype != np.uint64 or ev.shape != (num_vars, degree + 1, 2):
        return SumcheckResult(False, empty, zero, f"round_evals must be uint64 [{num_vars}, "
                              f"{degree + 1}, 2], got {ev.dtype} {ev.shape}")
    claim = np.asarray(claim)
    if claim.dtype != np.uint64 or claim.shape not in ((), (2,)) or not F.is_canonical(claim):
        return SumcheckResult(False, empty, zero, "claim must be a canonical uint64 [2]")
    if not F.is_canonical(ev):
        return SumcheckResult(False, empty, zero, "non-canonical field element in round_evals")
    c = F.int_ext(claim)
    point = np.zeros((num_vars, 2), np.uint64)
    ok, reason = True, ""
    for i in range(num_vars):
        r = _absorb_round(transcript, label, ev[i])
        point[i] = r
        g = [F.int_ext(e) for e in ev[i]]
        if ok and F.int_ext_add(g[0], g[1]) != c:
            ok, reason = False, f"round {i + 1}: g(0) + g(1) != previous claim"
        c = _lagrange_int(g, F.int_ext(r))
    return SumcheckResult(ok, point, np.array(c, np.uint64), reason)


# ------------------------------------------------------------------------------ binary check
def prove_binary(bits, r, transcript: Transcript, *, label: str, eval_label: str):
    """The bit check of zkReLU / FAC4DNN / the training proof: a degree-3 sumcheck of
    ``0 = sum_x eq(r, x) b(x) (b(x) - 1)`` over a table of claimed bits.

    Args:
      bits: base-field uint64 table [2^n] (any shape; flattened).
      r: the verifier's point, uint64 [n, 2] (drawn from ``transcript`` by the caller).
      label: sumcheck label; eval_label: label under which ``b_eval`` is appended.

    Returns:
      ``(proof, b_eval)``: the :class:`SumcheckProof` and ``B~(z)`` (uint64 [2]) at its final
      point ``z``, already appended to the transcript.
    """
    with x64():
        b = jnp.asarray(np.asarray(bits).reshape(-1))
        tables = jnp.stack([mle.eq_table(r), F.ext_embed(b), F.ext_embed(F.sub(b, np.uint64(1)))])
    proof, _, finals = Prover(tables).run(transcript, label)
    b_eval = np.asarray(finals[1], np.uint64)
    transcript.append(eval_label, b_eval)
    return proof, b_eval


def verify_binary(proof: SumcheckProof, b_eval, r, transcript: Transcript, *, label: str,
                  eval_label: str):
    """Verifier of :func:`prove_binary`: ``(ok, reason, point)``. ``ok`` means the sumcheck holds
    and ``eq(r, z) b (b - 1)`` equals its final value; the caller must still check ``b_eval``
    against the bit table (oracle check or opening) at ``point``."""
    res = verify(np.zeros(2, np.uint64), proof, transcript, num_vars=len(r), degree=3, label=label)
    if not res.ok:
        return False, res.reason, res.point
    transcript.append(eval_label, b_eval)
    b = F.int_ext(b_eval)
    if F.int_ext_mul(mle.eq_eval_int(r, res.point),
                     F.int_ext_mul(b, F.int_ext_sub(b, (1, 0)))) != F.int_ext(res.expected):
        return False, "final value != eq(r', z) b (b - 1): a bit is not 0/1", res.point
    return True, "", res.point

