r"""Zero-knowledge sumcheck (Libra / Chiesa-Forbes-Spooner masking) over F_{p^2}.

Proves ``C = sum_{b in {0,1}^n} f(b)`` with ``f = prod_k f_k`` (K multilinear tables, the same
statement as :mod:`jaxgraph.zk.sumcheck`) without sending f's round polynomials in the clear.

Masking polynomial
------------------
The prover samples ``g(x_1..x_n) = sum_i g_i(x_i)`` with every ``g_i`` a uniformly random
univariate polynomial of degree K over F_{p^2} (coefficients ``c_{i,0..K}``; the constant term
``a_0`` of the Libra construction is folded into ``g_1``): n (K + 1) extension elements.

Commitment to g (what its opening reveals)
------------------------------------------
g is committed with the hiding multilinear PCS of ``pcs.py`` as ONE base-field table
``T[i, part, k]`` (flattened index ``(i * 2 + part) * L + k``, ``L = 2^m >= K + 1``,
``part`` 0/1 = the c0/c1 halves of the extension coefficients, rows ``i >= n`` zero), with
``max_openings = n`` mask pairs and ``t_rand = t``: the n evaluations are proved together by ONE
multi-point opening (``pcs.open_many``: one proximity test, one set of t queried columns, one
masked evaluation vector per point). Evaluation i is the MLE of T at the point

    z^(i) = ( s/(1+s), s^2/(1+s^2), ..., s^(2^(m-1))/(1+s^(2^(m-1))),  X/(1+X),  bits(i) ),
    s = r_i,

whose boolean i-coordinates select row i and whose other coordinates make the eq weights
proportional to the monomials: ``T~(z^(i)) = g_i(r_i) / lambda(r_i)`` with
``lambda(s) = (1 + X) prod_j (1 + s^(2^j))``. So the verifier learns exactly the n values
``y_i = g_i(r_i)`` (hence ``g(r) = sum_i y_i``) and, by the PCS hiding property (one mask pair
per point, one set of <= t opened columns), nothing else about T. A cheating prover may commit a T with nonzero coefficients
up to degree L - 1; g is then still a well-defined sum of univariates of degree < L, which only
changes the per-round Schwartz-Zippel degree to L - 1 (soundness error n (L - 1) / p^2).
``lambda(r_i) = 0`` happens with probability <= m / p^2; the prover then raises and the
verifier rejects.

Protocol (transcript labels with prefix ``label``)
--------------------------------------------------
1. ``label/mask/root``, ``label/mask/params`` (the commitment to g);
2. ``label/mask/sum`` = G = sum_b g(b) = 2^(n-1) sum_i (g_i(0) + g_i(1));
3. challenge rho = ``label/rho``;
4. the ordinary sumcheck (``sumcheck.py`` message format, labels ``label/round``, ``label/r``) on
   ``f + rho g`` for the claim ``C + rho G``: round i sends ``h_i = f_i + rho ghat_i`` with
   ``ghat_i(X) = 2^(n-i)(sum_{j<i} g_j(r_j) + g_i(X)) + 2^(n-i-1) sum_{j>i} (g_j(0)+g_j(1))``;
5. ``label/mask/eval`` = the n opened MLE values, then their multi-point opening
   (``label/mask/open``);
6. the verifier outputs the point r and ``expected_f = C_n - rho sum_i y_i``, which the CALLER
   must compare with ``prod_k f_k~(r)`` (commitment openings).

Soundness: g and G are fixed before rho, so a false C survives step 3 only for one rho
(1/p^2); the sumcheck on f + rho g has error <= n max(K, L-1) / p^2; plus the multi-point
opening of the mask commitment, (3/4)^t + n ((1/2)^t + (N + 2)/p^2) (``pcs.open_many``).

Zero knowledge: what the simulator argument covers
--------------------------------------------------
Fix the verifier's challenges (rho != 0, r_1..r_n) -- honest-verifier, interactive view; with
Fiat-Shamir the challenges are hash outputs of these messages, modelled as a random oracle.
For a fixed witness f the map ``g -> (G, h_1..h_n, y_1..y_n)`` is affine in the n (K + 1)
coefficients of g and injective (if f = 0 and the output is 0, then backwards from i = n every
g_i is forced to the constant 0). Its image is the affine space cut out by the verifier's
equations ``h_1(0)+h_1(1) = C + rho G``, ``h_{i+1}(0)+h_{i+1}(1) = h_i(r_i)``,
``h_n(r_n) = f(r) + rho sum_i y_i``: 1 + n(K+1) + n values minus n + 1 equations = n (K + 1)
dimensions, the same as the domain. Hence for uniform g the tuple (G, round polynomials, y) is
UNIFORM on an affine space that depends only on (C, f(r)) and the challenges: two witnesses with
the same claim C and the same final value f(r) give identically distributed transcripts (the
test solves for the unique masking g' that makes a second witness produce a given transcript).
The multi-point opening of g is simulatable from the y_i (``pcs.py`` hiding: u masked by R0,
each v_i by its own Rg row, one set of <= t_rand opened columns).

Factor masks (hiding the final evaluations as well)
---------------------------------------------------
Without more, the verifier also learns the individual finals f_k~(r) (the caller's commitment
openings reveal them: in the matmul proof a_eval, w_eval, each a linear functional of a secret
matrix). With ``factor_masks`` (mu_k in F_{p^2} for some k) the prover runs the sumcheck on

    f^_k(x) = f_k~(x) + x_1 (1 - x_1) mu_k,

which equals f_k on the boolean hypercube (so the claim C is unchanged) but f^_k(r) is uniform for
r_1 not in {0, 1}. Round 1 then has degree K + (number of masks) (computed by hand on the
unpadded tables: :func:`masked_first_round`), binding x_1 = r_1 adds the constant
r_1 (1 - r_1) mu_k to every entry of table k (:func:`masked_fold`), and rounds 2..n are the
ordinary multilinear rounds (their polynomials are extrapolated to the common degree so that all
rounds, and g, have the same degree D). The caller commits mu_k together with f_k (``pcs.py``
"Evaluation masks") and opens f^_k(r) with weight omega = r_1 (1 - r_1).

Simulator argument with factor masks: for fixed challenges the map (g, mu) -> (G, h, y, the
finals f^_k(r)) is again injective and affine in g for fixed mu, and mu_k -> f^_k(r) is a
bijection for omega != 0; so for two witnesses with the SAME claim C (no condition on the final
values any more), every view of one corresponds to exactly one (g', mu') for the other: the views
are identically distributed (``test_zero_knowledge_bijection_with_factor_masks`` solves for
(g', mu') explicitly). What still leaks: C itself (the statement). Randomness: ``rng=None`` uses
``os.urandom``; seeds are for reproducible tests only (PCG64 is not cryptographic).
"""
from __future__ import annotations

import dataclasses
from typing import List

import jax.numpy as jnp
import numpy as np

from jaxgraph.zk import field as F
from jaxgraph.zk import pcs
from jaxgraph.zk import sumcheck as S
from jaxgraph.zk._x64 import x64
from jaxgraph.zk.transcript import Transcript

__all__ = ["ZKSumcheckProof", "ZKSumcheckResult", "ZKProver", "prove", "verify",
           "masked_transcript", "mask_round", "poly_eval", "mask_layout", "mask_table",
           "mask_point", "mask_scale", "masked_first_round", "masked_fold"]

P = F.P
X_GEN = (0, 1)
"""The extension generator X of F_p[X]/(X^2 - 7)."""


# ----------------------------------------------------------------------------- host helpers
def _t(x) -> tuple:
    return F.int_ext(x)


def _arr(c) -> np.ndarray:
    return np.array(c, np.uint64)


def _scale_int(c, s: int) -> tuple:
    return (c[0] * s % P, c[1] * s % P)


def poly_eval(coeffs, x) -> tuple:
    """Horner: sum_k coeffs[k] x^k for extension tuples (coeffs: list of (c0, c1)), x tuple."""
    acc = (0, 0)
    for c in reversed(list(coeffs)):
        acc = F.int_ext_add(F.int_ext_mul(acc, x), c)
    return acc


def _coeff_tuples(coeffs) -> List[List[tuple]]:
    c = np.asarray(coeffs, np.uint64)
    return [[_t(c[i, k]) for k in range(c.shape[1])] for i in range(c.shape[0])]


def _half_sums(ct):
    """g_i(0) + g_i(1) for every i (extension tuples)."""
    out = []
    for row in ct:
        s = (0, 0)
        for c in row:
            s = F.int_ext_add(s, c)
        out.append(F.int_ext_add(s, row[0]))
    return out


def _mask_sum(ct):
    n = len(ct)
    tot = (0, 0)
    for c in _half_sums(ct):
        tot = F.int_ext_add(tot, c)
    return _scale_int(tot, pow(2, n - 1, P))


def mask_round(coeffs, i: int, rho, prefix_y, degree: int) -> np.ndarray:
    """Evaluations t = 0..K of ``rho * ghat_i(t)`` (0-based round i), numpy uint64 [K+1, 2].

    ``ghat_i(t) = 2^(n-1-i) (prefix_y + g_i(t)) + 2^(n-2-i) sum_{j>i} (g_j(0) + g_j(1))``, the
    sum of g over the hypercube with x_1..x_{i} fixed to r_1..r_i-1 (0-based: r_0..r_{i-1},
    ``prefix_y = sum_{j<i} g_j(r_j)``) and x_{i+1} = t.
    """
    ct = coeffs if isinstance(coeffs, list) else _coeff_tuples(coeffs)
    n = len(ct)
    rho, prefix_y = _t(rho) if not isinstance(rho, tuple) else rho, prefix_y
    suffix = (0, 0)
    for c in _half_sums(ct)[i + 1:]:
        suffix = F.int_ext_add(suffix, c)
    out = np.zeros((degree + 1, 2), np.uint64)
    for t in range(degree + 1):
        v = _scale_int(F.int_ext_add(prefix_y, poly_eval(ct[i], (t, 0))), pow(2, n - 1 - i, P))
        if i < n - 1:
            v = F.int_ext_add(v, _scale_int(suffix, pow(2, n - 2 - i, P)))
        out[t] = F.int_ext_mul(rho, v)
    return out


def masked_transcript(f_round_evals, coeffs, rho, point):
    """The zero-knowledge sumcheck's messages for FIXED challenges (pure host function).

    Args:
      f_round_evals: uint64 [n, K+1, 2], the unmasked round polynomials f_i(0..K) along point.
      coeffs: uint64 [n, K+1, 2], the masking coefficients c_{i,k} of g_i.
      rho: uint64 [2]; point: uint64 [n, 2] (r_1..r_n).

    Returns:
      (G [2], h [n, K+1, 2], y [n, 2]) = (sum_b g(b), masked round polynomials, g_i(r_i)).
    """
    fe = np.asarray(f_round_evals, np.uint64)
    n, k1 = fe.shape[0], fe.shape[1]
    ct = _coeff_tuples(coeffs)
    rho = _t(rho)
    y = [poly_eval(ct[i], _t(point[i])) for i in range(n)]
    h = np.zeros_like(fe)
    prefix = (0, 0)
    for i in range(n):
        m = mask_round(ct, i, rho, prefix, k1 - 1)
        for t in range(k1):
            h[i, t] = F.int_ext_add(_t(fe[i, t]), _t(m[t]))
        prefix = F.int_ext_add(prefix, y[i])
    return _arr(_mask_sum(ct)), h, np.array(y, np.uint64).reshape(n, 2)


# ----------------------------------------------------------------------------- factor masks
def _omega(t) -> tuple:
    """x (1 - x) at an extension tuple x."""
    return F.int_ext_mul(t, F.int_ext_sub((1, 0), t))


def masked_first_round(tables, mus, degree: int) -> np.ndarray:
    """Round-1 polynomial of sum_b prod_k (f_k(b) + b_1 (1 - b_1) mu_k) at t = 0..degree.

    tables: uint64 [K, 2^n, 2] (x64 scope); mus: K entries None or uint64 [2]. numpy [D+1, 2]."""
    t0, t1 = tables[:, 0::2], tables[:, 1::2]
    diff = F._ext_sub(t1, t0)
    out = np.zeros((degree + 1, 2), np.uint64)
    for t in range(degree + 1):
        lin = F._ext_add(t0, F._ext_mul_base(diff, jnp.uint64(t)))
        prod = None
        for kk, mu in enumerate(mus):
            term = lin[kk]
            if mu is not None:
                term = F._ext_add(term, jnp.asarray(_arr(F.int_ext_mul(_omega((t, 0)), _t(mu)))))
            prod = term if prod is None else F._ext_mul(prod, term)
        out[t] = np.asarray(F._ext_sum(prod, 0))
    return out


def masked_fold(tables, mus, r):
    """Bind x_1 = r: f_k(r, .) + r (1 - r) mu_k for every factor (uint64 [K, 2^(n-1), 2])."""
    t0, t1 = tables[:, 0::2], tables[:, 1::2]
    out = F._ext_add(t0, F._ext_mul(F._ext_sub(t1, t0), jnp.asarray(r)))
    w = _omega(_t(r))
    rows = []
    for kk, mu in enumerate(mus):
        row = out[kk]
        if mu is not None:
            row = F._ext_add(row, jnp.asarray(_arr(F.int_ext_mul(w, _t(mu)))))
        rows.append(row)
    return jnp.stack(rows)


# ----------------------------------------------------------------------------- mask commitment
def mask_layout(num_vars: int, degree: int):
    """(n_pad, m, L, table num_vars) of the mask table for n rounds of degree K."""
    n = num_vars
    n_pad = 1 << max(n - 1, 0).bit_length()
    m = max(degree, 1).bit_length()  # L = 2^m >= K + 1
    return n_pad, m, 1 << m, (n_pad.bit_length() - 1) + 1 + m


def mask_table(coeffs) -> np.ndarray:
    """Flattened base table T[i, part, k] (numpy uint64 [n_pad * 2 * L]) of the coefficients."""
    c = np.asarray(coeffs, np.uint64)
    n, k1 = c.shape[0], c.shape[1]
    n_pad, m, L, _ = mask_layout(n, k1 - 1)
    t = np.zeros((n_pad, 2, L), np.uint64)
    t[:n, 0, :k1] = c[..., 0]
    t[:n, 1, :k1] = c[..., 1]
    return t.reshape(-1)


def mask_scale(s, m: int) -> tuple:
    """lambda(s) = (1 + X) prod_{j<m} (1 + s^(2^j)) (extension tuple); g_i(s) = lambda T~(z)."""
    s = _t(s) if not isinstance(s, tuple) else s
    lam = (1, 1)
    p2 = s
    for _ in range(m):
        lam = F.int_ext_mul(lam, F.int_ext_add((1, 0), p2))
        p2 = F.int_ext_mul(p2, p2)
    return lam


def mask_point(s, i: int, m: int, n_pad: int) -> np.ndarray:
    """Opening point z^(i) (uint64 [m + 1 + log n_pad, 2]) for row i at s = r_i.

    Raises ValueError if some 1 + s^(2^j) = 0 (probability <= m / p^2 for a random s)."""
    s = _t(s) if not isinstance(s, tuple) else s
    z = []
    p2 = s
    for _ in range(m):
        den = F.int_ext_add((1, 0), p2)
        if den == (0, 0):
            raise ValueError("mask point: 1 + s^(2^j) = 0")
        z.append(F.int_ext_mul(p2, F.int_ext_inv(den)))
        p2 = F.int_ext_mul(p2, p2)
    z.append(F.int_ext_mul(X_GEN, F.int_ext_inv((1, 1))))
    for bit in range(n_pad.bit_length() - 1):
        z.append(((i >> bit) & 1, 0))
    return np.array(z, np.uint64).reshape(-1, 2)


def _mask_params(num_vars, params):
    """n mask pairs (one per opened row of T) but ONE multi-point opening (``pcs.open_many``),
    so t_rand = t random columns per row keep the single set of opened columns hiding."""
    prm = params or pcs.PCSParams()
    return dataclasses.replace(prm, max_openings=num_vars, t_rand=prm.queries)


# ----------------------------------------------------------------------------- proof objects
@dataclasses.dataclass(frozen=True)
class ZKSumcheckProof:
    """Zero-knowledge sumcheck proof.

    Attributes:
      mask_commitment: :class:`pcs.Commitment` to the masking polynomial g.
      mask_sum: G = sum_b g(b), uint64 [2].
      rounds: :class:`sumcheck.SumcheckProof` of the MASKED round polynomials h_i.
      mask_evals: uint64 [n, 2], the opened values T~(z^(i)) = g_i(r_i) / lambda(r_i).
      mask_opening: :class:`pcs.MultiOpeningProof` of T at the n points z^(i) (one proximity
        test, one set of queried columns).
    """
    mask_commitment: pcs.Commitment
    mask_sum: np.ndarray
    rounds: S.SumcheckProof
    mask_evals: np.ndarray
    mask_opening: pcs.MultiOpeningProof

    def num_bytes(self) -> int:
        return int(32 + self.mask_sum.nbytes + self.rounds.round_evals.nbytes
                   + self.mask_evals.nbytes + self.mask_opening.num_bytes())


@dataclasses.dataclass(frozen=True)
class ZKSumcheckResult:
    """Verifier output. ``expected`` is the value the CALLER must compare with prod_k f_k~(point)
    (the masked final value minus rho g(r))."""
    ok: bool
    point: np.ndarray
    expected: np.ndarray
    reason: str = ""


def _absorb_mask_commitment(transcript, label, com):
    transcript.append_bytes(label + "/mask/root", com.root)
    transcript.append(label + "/mask/params", com.params_words())


# ----------------------------------------------------------------------------- prover
class ZKProver:
    """Zero-knowledge sumcheck prover: wraps :class:`sumcheck.Prover` (same tables argument)
    and masks its round polynomials.

    Args:
      tables: as for :class:`sumcheck.Prover` (n >= 1 variables).
      params: :class:`pcs.PCSParams` for the mask commitment (``max_openings`` is set to n).
      rng: None (os.urandom) or a seed / numpy Generator (tests only).
      factor_masks: optional list of K entries, None or mu_k (uint64 [2]): factor k becomes
        ``f_k(x) + x_1 (1 - x_1) mu_k`` (see "Factor masks" in the module docstring). The
        hypercube sum (the claim) is unchanged; the round polynomials then have degree
        K + (number of masks) and ``finals`` are the masked values f_k~(r) + r_1 (1 - r_1) mu_k.
      **kw: prover hooks of :class:`sumcheck.Prover` (round_poly_fn, ...).

    Attributes:
      claim: C = sum_b prod_k f_k(b) (numpy uint64 [2]); num_vars; degree (of the sent rounds).
    """

    def __init__(self, tables, *, params: "pcs.PCSParams | None" = None, rng=None,
                 factor_masks=None, **kw):
        self._inner = S.Prover(tables, **kw)
        self._kw = kw
        self.num_vars, self.degree = self._inner.num_vars, self._inner.degree
        if self.num_vars < 1:
            raise ValueError("zero-knowledge sumcheck needs at least one variable")
        self._mus = None
        if factor_masks is not None:
            if len(factor_masks) != self.degree:
                raise ValueError(f"factor_masks has {len(factor_masks)} entries for "
                                 f"{self.degree} tables")
            self._mus = [None if m is None else _arr(_t(np.asarray(m, np.uint64)))
                         for m in factor_masks]
            self.degree += sum(m is not None for m in self._mus)
        self.claim = self._inner.claim
        rnd = pcs._Rand(rng)
        n, k = self.num_vars, self.degree
        self._coeffs = np.stack([rnd.field((n, k + 1)), rnd.field((n, k + 1))], axis=-1)
        self._ct = _coeff_tuples(self._coeffs)
        self.mask_commitment, self._mask_pd = pcs.commit(
            mask_table(self._coeffs), rng=rnd.gen, params=_mask_params(n, params))
        self.f_round_evals = None  # unmasked round polynomials (prover-private; for tests)
        self._done = False

    def _extend(self, evals) -> np.ndarray:
        """Round-polynomial evaluations at 0..K_inner -> at 0..degree (exact extrapolation)."""
        evals = np.asarray(evals, np.uint64)
        if evals.shape[0] == self.degree + 1:
            return evals
        extra = [S.lagrange_eval(evals, np.array([t, 0], np.uint64))
                 for t in range(evals.shape[0], self.degree + 1)]
        return np.concatenate([evals, np.array(extra, np.uint64).reshape(-1, 2)])

    def run(self, transcript: Transcript, label: str = "zksumcheck"):
        """Returns (proof, point [n, 2], finals [K, 2] = f_k~(point) (masked), rho [2])."""
        if self._done:
            raise RuntimeError("ZKProver.run may only be called once")
        self._done = True
        inner = self._inner
        inner._done = True
        n, k = self.num_vars, self.degree
        _, m, _, _ = mask_layout(n, k)
        n_pad = mask_layout(n, k)[0]
        _absorb_mask_commitment(transcript, label, self.mask_commitment)
        G = _arr(_mask_sum(self._ct))
        transcript.append(label + "/mask/sum", G)
        rho = transcript.challenge(label + "/rho")
        rho_t = _t(rho)
        ts = inner._tables
        f_evals = np.zeros((n, k + 1, 2), np.uint64)
        h_evals = np.zeros((n, k + 1, 2), np.uint64)
        point = np.zeros((n, 2), np.uint64)
        prefix = (0, 0)
        finals = None
        with x64():
            if self._mus is None:
                evals = inner._evals
            else:  # round 1 by hand on the unpadded tables (the masks are not zero off-cube)
                ts = ts[:, :1 << n]
                evals = masked_first_round(ts, self._mus, k)
            for i in range(n):
                f_evals[i] = evals
                mr = mask_round(self._ct, i, rho_t, prefix, k)
                for t in range(k + 1):
                    h_evals[i, t] = F.int_ext_add(_t(evals[t]), _t(mr[t]))
                r = S._absorb_round(transcript, label, h_evals[i])
                point[i] = r
                prefix = F.int_ext_add(prefix, poly_eval(self._ct[i], _t(r)))
                if i == 0 and self._mus is not None:
                    ts = masked_fold(ts, self._mus, r)
                    if n == 1:
                        finals = np.asarray(ts[:, 0])
                        break
                    inner = S.Prover(ts, **self._kw)  # rounds 2..n: ordinary multilinear tables
                    ts, evals = inner._tables, self._extend(inner._evals)
                    continue
                ts, ev = inner._step_poly_j(ts, jnp.asarray(r))
                if i + 1 < n:
                    evals = self._extend(np.asarray(ev))
            if finals is None:
                finals = np.asarray(ts[:, 0])
        self._inner._tables = None
        self.f_round_evals = f_evals
        # --- open g_i at r_i: row i of the mask table at z^(i), all n in one multi-opening
        pts = [mask_point(point[i], i, m, n_pad) for i in range(n)]
        with x64():
            from jaxgraph.zk import mle
            vals = np.array([np.asarray(mle.evaluate(self._mask_pd.table, z)) for z in pts],
                            np.uint64).reshape(n, 2)
        transcript.append(label + "/mask/eval", vals)
        v, opening = pcs.open_many(self._mask_pd, pts, transcript, label=f"{label}/mask/open")
        assert (np.asarray(v) == vals).all()
        proof = ZKSumcheckProof(mask_commitment=self.mask_commitment, mask_sum=G,
                                rounds=S.SumcheckProof(h_evals), mask_evals=vals,
                                mask_opening=opening)
        return proof, point, finals, rho


def prove(tables, transcript: Transcript, *, label: str = "zksumcheck",
          params: "pcs.PCSParams | None" = None, rng=None, factor_masks=None):
    """Zero-knowledge proof of C = sum_b prod_k f_k(b). The caller must have bound the statement
    (C or commitments) to ``transcript``. ``factor_masks`` as for :class:`ZKProver`.

    Returns (proof, point, finals, claim)."""
    prover = ZKProver(tables, params=params, rng=rng, factor_masks=factor_masks)
    proof, point, finals, _ = prover.run(transcript, label)
    return proof, point, finals, prover.claim


# ----------------------------------------------------------------------------- verifier
def verify(claim, proof: ZKSumcheckProof, transcript: Transcript, *, num_vars: int, degree: int,
           label: str = "zksumcheck", min_queries: int = pcs.DEFAULT_QUERIES) -> ZKSumcheckResult:
    """Verify the masked rounds and the mask openings.

    Returns :class:`ZKSumcheckResult`; when ok the CALLER must still check
    ``expected == prod_k f_k~(point)``.
    """
    empty, zero = np.zeros((0, 2), np.uint64), np.zeros(2, np.uint64)

    def bad(reason):
        return ZKSumcheckResult(False, empty, zero, reason)

    n = int(num_vars)
    if n < 1:
        return bad("zero-knowledge sumcheck needs at least one variable")
    if not isinstance(proof, ZKSumcheckProof) or not isinstance(proof.rounds, S.SumcheckProof):
        return bad("malformed proof")
    com = proof.mask_commitment
    n_pad, m, L, tv = mask_layout(n, degree)
    try:
        if not isinstance(com, pcs.Commitment):
            return bad("mask commitment is not a pcs.Commitment")
        if com.num_vars != tv or com.params.max_openings < n:
            return bad("mask commitment has the wrong size or too few openings")
        if com.params.queries < min_queries:
            return bad(f"mask commitment uses t = {com.params.queries} < {min_queries} queries")
    except (ValueError, TypeError, AttributeError) as exc:
        return bad(f"malformed mask commitment: {exc}")
    G = np.asarray(proof.mask_sum)
    ev = np.asarray(proof.mask_evals)
    for name, arr, shape in (("mask_sum", G, (2,)), ("mask_evals", ev, (n, 2))):
        if arr.dtype != np.uint64 or arr.shape != shape or not F.is_canonical(arr):
            return bad(f"{name} must be a canonical uint64 {list(shape)}")
    claim = np.asarray(claim)
    if claim.dtype != np.uint64 or claim.shape not in ((), (2,)) or not F.is_canonical(claim):
        return bad("claim must be a canonical uint64 [2]")
    if not isinstance(proof.mask_opening, pcs.MultiOpeningProof):
        return bad("mask opening is malformed")
    _absorb_mask_commitment(transcript, label, com)
    transcript.append(label + "/mask/sum", G)
    rho = transcript.challenge(label + "/rho")
    masked_claim = _arr(F.int_ext_add(_t(claim), F.int_ext_mul(_t(rho), _t(G))))
    res = S.verify(masked_claim, proof.rounds, transcript, num_vars=n, degree=degree, label=label)
    if not res.ok:
        return bad("masked sumcheck: " + res.reason)
    transcript.append(label + "/mask/eval", ev)
    try:
        pts = [mask_point(res.point[i], i, m, n_pad) for i in range(n)]
    except ValueError as exc:
        return bad(str(exc))
    try:
        ok, reason = pcs.verify_many_detailed(com, pts, ev, proof.mask_opening, transcript,
                                              label=f"{label}/mask/open")
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        ok, reason = False, f"malformed opening: {exc}"
    if not ok:
        return bad(f"mask opening: {reason}")
    g_r = (0, 0)
    for i in range(n):
        g_r = F.int_ext_add(g_r, F.int_ext_mul(mask_scale(res.point[i], m), _t(ev[i])))
    expected = F.int_ext_sub(_t(res.expected), F.int_ext_mul(_t(rho), g_r))
    return ZKSumcheckResult(True, res.point, _arr(expected))
