r"""Hash-based, hiding polynomial commitment for multilinear polynomials (Ligero/Brakedown style).

Paper: "zkDL: Efficient Zero-Knowledge Proofs of Deep Learning Training" commits to tensors with
Hyrax (Pedersen vector commitments on a ~255-bit curve). Our field is 64-bit Goldilocks, so a
discrete-log group does not fit; this module instead implements the linear-code / Merkle-tree
commitment of Ligero (Ames et al., CCS'17) as used for multilinear polynomials by Brakedown
(Golovnev et al., CRYPTO'23) and Orion, with Reed-Solomon codes and zero-knowledge masking.

Matrix view (respects the little-endian variable order of ``mle.py``)
--------------------------------------------------------------------
A table f of 2^n base-field entries, n = a + b, is the matrix ``M = f.reshape(2^a, 2^b)``
(``M[row, col] = f[row * 2^b + col]``). The low b index bits (variables x_1..x_b, the FIRST b
coordinates of a point) select the column, the high a bits (x_{b+1}..x_n) the row, so

    f~(z) = q1^T M q2,   q1 = eq_table(z[b:]) (length 2^a),   q2 = eq_table(z[:b]) (length 2^b).

Commitment
----------
* every data row m_i (2^b entries) is extended by ``t_rand`` uniformly random base-field
  coefficients rho_i: message ``(m_i || rho_i)`` of length K = 2^b + t_rand;
* ``2 * max_openings`` mask rows, each an element of F_{p^2}^K (stored as two base rows: the
  c0 and c1 parts), uniformly random: per opening k, R0^(k) (masks the proximity vector) and
  Rg^(k) (masks the evaluation vector);
* every one of the R = 2^a + 4 * max_openings base rows is encoded with Reed-Solomon: the row is
  the coefficient vector of a polynomial of degree < K, evaluated at all N-th roots of unity
  (N = the smallest power of two >= 4K, so rate K/N <= 1/4 and relative distance
  delta = 1 - (K-1)/N > 3/4), via a radix-2 NTT (omega_N = 7^((p-1)/N), 7 generates F_p^*);
* leaf j of a SHA-256 Merkle tree (``merkle.py``) hashes a fresh 32-byte salt and column j of the
  encoded R x N matrix (R little-endian u64 words). The commitment is the root.

Opening at z in F_{p^2}^n (transcript messages in order; label prefix ``label``, default "pcs")
------------------------------------------------------------------------------------------------
1. absorb ``label/root`` (bytes), ``label/params`` = [n, a, t, t_rand, max_openings, k] (k =
   index of the mask pair used by this opening), ``label/point`` = z;
2. prover sends y = f~(z) (``label/value``) and y_g = Rg~(z[:b]) (``label/mask_eval``), the MLE of
   the first 2^b coefficients of mask row Rg^(k) at the column point;
3. challenges rho (``label/rho``) and r in F_{p^2}^{2^a + 2 max_openings} (``label/r``), one
   coefficient per data row and per extension mask row; r[R0^(k)] is replaced by 1;
4. prover sends u = r^T M' (``label/u``) and v = q1^T M'_data + rho * Rg^(k) (``label/v``), both
   full length-K coefficient vectors over F_{p^2};
5. t challenges (``label/query``) give column indices c0 mod N (bias <= N/p); the distinct ones,
   sorted, are opened: columns, salts, Merkle paths;
6. verifier: Merkle paths; for each opened column j: (r-combination of column j) == Enc(u)[j]
   and (q1/rho-combination of column j) == Enc(v)[j]; and <v[:2^b], q2> == y + rho * y_g.

Soundness (binding + evaluation), stated for the interactive protocol
---------------------------------------------------------------------
With relative distance delta >= 3/4 and t column queries, following the Ligero testing lemma in
the form Brakedown uses (proximity parameter e < delta N / 3):

    eps <= (1 - delta/3)^t + (1 - 2 delta/3)^t + (N + 2) / p^2
        <= (3/4)^t + (1/2)^t + (N + 2) / 2^127.99.

(first term: the random linear combination / proximity test; second: a wrong v passes the
column check on an opened column only where two distinct codewords agree or in a corrupted
column; third: the combination lemma over F_{p^2} plus the rho-combination of the two claims.)
``t = 242`` gives (3/4)^242 ~= 2^-100.44, so eps <= 2^-100.4 for every N <= 2^20
(:func:`soundness_bits`); the default ``t = 245`` (2^-101.7) leaves room for the three
openings of a committed matmul proof to stay within 2^-100 together. After Fiat-Shamir (SHA-256 as a random oracle) a prover making Q hash
queries succeeds with probability <= Q * eps (no grinding / proof-of-work is added).
Tests use a much smaller t for speed; those tests say so in their names.

Hiding / zero knowledge (what exactly is covered)
--------------------------------------------------
For ONE opening per mask pair (at most ``max_openings`` openings per commitment, enforced by
:class:`ProverData`), with at most t distinct opened columns per opening and
t_rand = t * max_openings (the default), and modelling SHA-256 as a random oracle, the verifier's
view (root, y_g, u, v, opened columns, salts, paths) can be simulated from the point z and the
value y = f~(z) alone, with the SAME distribution as in the real protocol:

* opened data-row entries: row i's codeword at the opened positions is
  Enc(m_i)[J] + (omega^{jK'})_{j in J} * rho_i(omega^j) -- for |J| <= t_rand distinct points the
  map rho_i -> (these values) is a bijection (Vandermonde times nonzero diagonal), so the opened
  data entries are uniform and independent of M (perfectly, across all openings while the total
  number of distinct opened columns stays <= t_rand);
* u = r^T M'_data + (other masks) + R0^(k), with R0^(k) uniform in F_{p^2}^K and independent of
  everything else shown: u is uniform; the opened entries of R0^(k) are then determined by u and
  the opened data entries (the simulator solves for them);
* y_g is uniform (Rg^(k) uniform, q2 != 0), and v is uniform on the affine hyperplane
  {<v[:2^b], q2> = y + rho y_g} (rho != 0 except with probability 1/p^2); the opened Rg entries are
  determined by v;
* unopened columns only appear through salted hashes (32-byte salts): pseudorandom in the ROM.

What is NOT covered: more openings than ``max_openings`` (mask reuse would leak linear relations
of M), the value y itself (it is the statement), and randomness quality when ``rng`` is a seed or
numpy Generator (PCG64 is not cryptographic; ``rng=None`` uses ``os.urandom``). Seeds exist only
for reproducible tests.

Evaluation masks (``PCSParams(eval_masks=True)``; used by the zero-knowledge matmul proof)
-----------------------------------------------------------------------------------------
The value y = f~(z) above is revealed. For zero knowledge the caller proves instead a value of a
MASKED polynomial f^(x) = f~(x) + omega(x) mu_k that agrees with f on the points it cares about
(omega vanishes there, e.g. omega(x) = x_1 (1 - x_1) on the boolean hypercube) while f^(z) is
uniform. To support that, the commitment gets two more base rows per opening slot k, CONSTANT on
their 2^b data columns: mu_k.c0 and mu_k.c1 for a secret uniform mu_k in F_{p^2} (followed by
t_rand random coefficients like every data row). Opening slot k with weight w = omega(z) (absorbed
as ``label/mask_weight``) gives these rows v-coefficients (w, w X), so v = q1^T M'_data + w (row
re + X row im) + rho Rg^(k) and <v[:2^b], q2> = f~(z) + w mu_k + rho y_g (the MLE of a constant
row is the constant). The rows take part in the proximity test with random coefficients like
data rows, so binding and the soundness bound are unchanged (the committed object is now the
pair (f, mu)); a cheating prover's non-constant "mask row" only turns w mu_k into w times a
multilinear polynomial in the column variables, which the caller's degree bound accounts for.
Hiding: for w != 0 the revealed value f~(z) + w mu_k is uniform and independent of f; the rest
of the argument above is unchanged (the eval-mask rows are hidden like data rows).

Proof size: 2 K extension elements + |J| columns of R words + |J| salts + |J| log2 N digests.
"""
from __future__ import annotations

import dataclasses
import math
import os

import jax
import jax.numpy as jnp
import numpy as np

from jaxgraph.zk import field as F
from jaxgraph.zk import merkle
from jaxgraph.zk import mle
from jaxgraph.zk._x64 import x64
from jaxgraph.zk.transcript import Transcript

__all__ = ["PCSParams", "Commitment", "ProverData", "OpeningProof", "commit", "open", "verify",
           "verify_detailed", "soundness_bits", "DEFAULT_QUERIES", "GENERATOR", "ntt",
           "MultiOpeningProof", "open_many", "verify_many_detailed"]

P = F.P
GENERATOR = 7
"""A generator of F_p^* (p - 1 = 2^32 * 3 * 5 * 17 * 257 * 65537)."""
RATE_INV = 4
DEFAULT_QUERIES = 245
"""Column queries t: (3/4)^245 ~= 2^-101.7 (see the module docstring); 242 is the minimum for
2^-100 per opening, 245 keeps the three openings of a committed matmul proof within 2^-100."""


# ----------------------------------------------------------------------------- parameters
@dataclasses.dataclass(frozen=True)
class PCSParams:
    """Commitment parameters.

    Attributes:
      queries: t, number of column queries per opening (secure default 245).
      row_vars: a, number of row variables (the HIGH index bits); None -> n // 2.
      max_openings: openings allowed per commitment (one mask pair each).
      t_rand: random coefficients per data row; None -> queries * max_openings (needed for
        zero knowledge). 0 disables hiding of the opened columns.
      eval_masks: add one secret uniform constant mu_k in F_{p^2} per opening slot (two constant
        base rows each); opening k with weight w then proves ``f~(z) + w * mu_k`` instead of
        f~(z) (see "Evaluation masks" in the module docstring).
    """
    queries: int = DEFAULT_QUERIES
    row_vars: int | None = None
    max_openings: int = 1
    t_rand: int | None = None
    eval_masks: bool = False

    def resolve(self, n: int) -> "PCSParams":
        a = n // 2 if self.row_vars is None else int(self.row_vars)
        if not 0 <= a <= n:
            raise ValueError(f"row_vars must be in [0, {n}], got {a}")
        if self.queries < 1 or self.max_openings < 1:
            raise ValueError("queries and max_openings must be >= 1")
        tr = self.queries * self.max_openings if self.t_rand is None else int(self.t_rand)
        if tr < 0:
            raise ValueError("t_rand must be >= 0")
        return PCSParams(int(self.queries), a, int(self.max_openings), tr, bool(self.eval_masks))

    def words(self, num_vars: int) -> np.ndarray:
        """The canonical encoding absorbed into transcripts: [n, a, t, t_rand, max_openings,
        eval_masks] (uint64)."""
        return np.array([num_vars, self.row_vars, self.queries, self.t_rand, self.max_openings,
                         int(self.eval_masks)], np.uint64)


def _code_len(k: int) -> int:
    return 1 << (RATE_INV * k - 1).bit_length()


def soundness_bits(queries: int = DEFAULT_QUERIES, code_len: int = 1 << 20,
                   delta: float = 0.75) -> float:
    """-log2 of (1 - delta/3)^t + (1 - 2 delta/3)^t + (N + 2)/p^2 (interactive soundness error)."""
    eps = (1 - delta / 3) ** queries + (1 - 2 * delta / 3) ** queries + (code_len + 2) / float(P) ** 2
    return -math.log2(eps)


@dataclasses.dataclass(frozen=True)
class Commitment:
    """Public commitment: Merkle root and shape (rows 2^a, columns 2^b) plus parameters."""
    root: bytes
    shape: tuple
    params: PCSParams

    @property
    def num_vars(self) -> int:
        return (self.shape[0] * self.shape[1]).bit_length() - 1

    def params_words(self) -> np.ndarray:
        """[n, a, t, t_rand, max_openings, eval_masks] as absorbed into transcripts."""
        return self.params.words(self.num_vars)


def _proof_bytes(proof) -> int:
    """Serialized size: 8 bytes of mask index plus every array field."""
    return int(8 + sum(np.asarray(getattr(proof, f.name)).nbytes for f in dataclasses.fields(proof)
                       if f.name != "mask_index"))


@dataclasses.dataclass(frozen=True)
class OpeningProof:
    """Opening proof (numpy arrays; extension elements as uint64 [..., 2]).

    Attributes:
      mask_index: k, which mask pair this opening uses.
      mask_eval: y_g = Rg^(k)~(z[:b]), uint64 [2].
      u: proximity vector r^T M', uint64 [K, 2].
      v: evaluation vector q1^T M'_data + rho Rg^(k), uint64 [K, 2].
      columns: opened encoded columns, uint64 [T, R] (T distinct sorted query positions).
      salts: uint8 [T, 32].
      paths: uint8 [T, log2 N, 32] Merkle sibling digests, leaf level first.
    """
    mask_index: int
    mask_eval: np.ndarray
    u: np.ndarray
    v: np.ndarray
    columns: np.ndarray
    salts: np.ndarray
    paths: np.ndarray

    def num_bytes(self) -> int:
        return _proof_bytes(self)


class ProverData:
    """Prover-side state of a commitment (secret). Tracks how many openings were used."""

    def __init__(self, commitment, table, message, encoded_cols, tree, salts):
        self.commitment = commitment
        self.table = table            # uint64 [2^n]
        self.message = message        # uint64 [R, K] (data rows + randomness, mask rows)
        self.encoded_cols = encoded_cols  # uint64 [N, R] (column-major encoded matrix)
        self.tree = tree
        self.salts = salts            # uint8 [N, 32]
        self.openings_used = 0

    def eval_mask(self, k_idx: int | None = None) -> np.ndarray:
        """mu_k (uint64 [2]) of opening slot k (default: the slot the next :func:`open` uses);
        zero when the commitment has no evaluation masks."""
        k_idx = self.openings_used if k_idx is None else int(k_idx)
        prm = self.commitment.params
        if not prm.eval_masks:
            return np.zeros(2, np.uint64)
        a = prm.row_vars
        re, im = _eval_mask_rows(a, prm, k_idx)
        return np.array([self.message[re, 0], self.message[im, 0]], np.uint64)


# ----------------------------------------------------------------------------- NTT
_TWIDDLES: dict = {}


def _twiddles(n: int) -> np.ndarray:
    """omega_n^k for k < n/2, omega_n = 7^((p-1)/n)."""
    if n not in _TWIDDLES:
        w = pow(GENERATOR, (P - 1) // n, P)
        out, acc = [], 1
        for _ in range(n // 2):
            out.append(acc)
            acc = acc * w % P
        _TWIDDLES[n] = np.array(out, dtype=np.uint64)
    return _TWIDDLES[n]


def _ntt_rec(x):
    n = x.shape[-1]
    if n == 1:
        return x
    y = _ntt_rec(jnp.stack([x[..., 0::2], x[..., 1::2]], axis=-2))
    e, o = y[..., 0, :], y[..., 1, :]
    t = F._mul(o, _twiddles(n))
    return jnp.concatenate([F._add(e, t), F._sub(e, t)], axis=-1)


@jax.jit
def _ntt_jit(x):
    return _ntt_rec(x)


def ntt(coeffs, n: int) -> np.ndarray:
    """Evaluate each row of coeffs (base uint64 [B, K], K <= n) as a polynomial of degree < K at
    omega_n^j, j < n (n a power of two <= 2^32). Returns numpy uint64 [B, n]."""
    coeffs = np.asarray(coeffs, np.uint64)
    if n & (n - 1) or n < 1 or n > (1 << 32) or coeffs.shape[-1] > n:
        raise ValueError(f"ntt: bad length {n} for {coeffs.shape[-1]} coefficients")
    pad = np.zeros(coeffs.shape[:-1] + (n,), np.uint64)
    pad[..., :coeffs.shape[-1]] = coeffs
    with x64():
        return np.asarray(_ntt_jit(jnp.asarray(pad)))


def _ext_ntt(vec, n):
    """Extension vector [K, 2] -> its encoding [n, 2] (the code is F_p-linear)."""
    return ntt(np.asarray(vec, np.uint64).T, n).T


# ----------------------------------------------------------------------------- randomness
class _Rand:
    def __init__(self, rng):
        if rng is None:
            self.gen = None
        elif isinstance(rng, np.random.Generator):
            self.gen = rng
        else:
            self.gen = np.random.default_rng(rng)

    def field(self, shape) -> np.ndarray:
        if self.gen is not None:
            return self.gen.integers(0, P, size=shape, dtype=np.uint64)
        size = int(np.prod(shape))
        out = np.frombuffer(os.urandom(8 * size), dtype="<u8").astype(np.uint64)
        bad = out >= np.uint64(P)
        while bad.any():  # probability ~2^-32 per word
            out[bad] = np.frombuffer(os.urandom(8 * int(bad.sum())), dtype="<u8")
            bad = out >= np.uint64(P)
        return out.reshape(shape)

    def salts(self, count: int) -> np.ndarray:
        raw = os.urandom(32 * count) if self.gen is None else self.gen.bytes(32 * count)
        return np.frombuffer(raw, dtype=np.uint8).reshape(count, 32).copy()


# ----------------------------------------------------------------------------- layout
def _layout(n, prm: PCSParams):
    a = prm.row_vars
    b = n - a
    k = (1 << b) + prm.t_rand
    rows = (1 << a) + 4 * prm.max_openings + (2 * prm.max_openings if prm.eval_masks else 0)
    return a, b, k, _code_len(k), rows


def _eval_mask_rows(a, prm, k_idx):
    """Base-row indices (re, im) of the constant evaluation-mask rows of slot k."""
    base = (1 << a) + 4 * prm.max_openings + 2 * k_idx
    return base, base + 1


def _mask_rows(a, k_idx):
    """Base-row indices (re, im) of R0^(k) and Rg^(k)."""
    base = (1 << a) + 4 * k_idx
    return (base, base + 1), (base + 2, base + 3)


def _times_x(c):
    """c * X in F_p[X]/(X^2 - 7) for a Python-int pair c."""
    return (F.NONRESIDUE * c[1] % P, c[0])


def _leaf(salt, col) -> bytes:
    return merkle.leaf_hash(bytes(salt), np.ascontiguousarray(col, dtype="<u8").tobytes())


# ----------------------------------------------------------------------------- commit
ENCODE_CHUNK_BYTES = 1 << 29
"""Rows are Reed-Solomon encoded in chunks of about this many output bytes, written straight into
the column-major matrix, so peak memory is the encoded matrix plus one chunk."""
SPILL_BYTES = 1 << 31
"""Encoded matrices larger than this live in an anonymous temporary file (``np.memmap``; directory
``$JAXGRAPH_SPILL_DIR`` or the system default), so the page cache, not the process heap, holds
them: the encoded W of the issue's 128 x (1024 x 1024) benchmark alone is 8.6 GB."""


def _alloc_encoded(big_n, rows) -> np.ndarray:
    nbytes = 8 * big_n * rows
    if nbytes <= SPILL_BYTES:
        return np.empty((big_n, rows), np.uint64)
    import tempfile
    f = tempfile.TemporaryFile(dir=os.environ.get("JAXGRAPH_SPILL_DIR"))  # already unlinked
    f.truncate(nbytes)
    return np.memmap(f, dtype=np.uint64, mode="r+", shape=(big_n, rows))


def _encode_columns(message, big_n) -> np.ndarray:
    """Column-major Reed-Solomon encoding uint64 [N, R] of every row of ``message`` [R, K]."""
    rows = message.shape[0]
    out = _alloc_encoded(big_n, rows)
    step = max(1, ENCODE_CHUNK_BYTES // (8 * big_n))
    for r0 in range(0, rows, step):
        out[:, r0:r0 + step] = ntt(message[r0:r0 + step], big_n).T
    return out


def commit(table, rng=None, params: PCSParams | None = None):
    """Commit to a base-field table of 2^n entries (the MLE f~).

    Args:
      table: uint64 [2^n], canonical field elements.
      rng: None (os.urandom; use this for real hiding), an int seed or a numpy Generator
        (reproducible, NOT cryptographic randomness).
      params: :class:`PCSParams` (defaults: t = 245, a = n // 2, one opening).

    Returns:
      (:class:`Commitment`, :class:`ProverData`).
    """
    table = np.asarray(table)
    if table.dtype != np.uint64 or not F.is_canonical(table):
        raise ValueError("commit: table must be a canonical uint64 field array")
    n = mle.num_vars(table)
    prm = (params or PCSParams()).resolve(n)
    a, b, k, big_n, rows = _layout(n, prm)
    rnd = _Rand(rng)
    message = np.empty((rows, k), np.uint64)
    message[:1 << a, :1 << b] = table.reshape(1 << a, 1 << b)
    message[:1 << a, 1 << b:] = rnd.field(((1 << a), prm.t_rand))
    message[1 << a:] = rnd.field((rows - (1 << a), k))
    if prm.eval_masks:  # constant data part: every entry of row re (im) is mu_k.c0 (mu_k.c1)
        for k_idx in range(prm.max_openings):
            for row in _eval_mask_rows(a, prm, k_idx):
                message[row, :1 << b] = message[row, 0]
    encoded_cols = _encode_columns(message, big_n)  # [N, R]
    salts = rnd.salts(big_n)
    tree = merkle.MerkleTree(_leaf(salts[j], encoded_cols[j]) for j in range(big_n))
    com = Commitment(root=tree.root, shape=(1 << a, 1 << b), params=prm)
    return com, ProverData(com, table, message, encoded_cols, tree, salts)


# ----------------------------------------------------------------------------- shared steps
def _ext_point(point, n):
    z = np.asarray(point)
    if z.dtype != np.uint64 or not F.is_canonical(z):
        raise ValueError("point must be a canonical uint64 array")
    if z.ndim == 1:
        z = np.stack([z, np.zeros_like(z)], axis=-1)
    if z.shape != (n, 2):
        raise ValueError(f"point must have shape [{n}] or [{n}, 2], got {np.shape(point)}")
    return z


def _begin(transcript, com, z, k_idx, label, weight=None):
    transcript.append_bytes(label + "/root", com.root)
    transcript.append(label + "/params", np.concatenate(
        [com.params_words(), np.array([k_idx], np.uint64)]))
    transcript.append(label + "/point", z)
    if com.params.eval_masks:
        transcript.append(label + "/mask_weight",
                          np.zeros(2, np.uint64) if weight is None else weight)


def _mask_weight(weight, prm):
    """Canonical uint64 [2] weight (zero if None); ValueError if given without eval masks."""
    if weight is None:
        return np.zeros(2, np.uint64)
    if not prm.eval_masks:
        raise ValueError("mask_weight given but the commitment has no evaluation masks")
    w = np.asarray(weight)
    if w.dtype != np.uint64 or w.shape not in ((), (2,)) or not F.is_canonical(w):
        raise ValueError(f"mask_weight must be a canonical uint64 [2], got {w.dtype} {w.shape}")
    return np.array(F.int_ext(w), np.uint64)


def _challenges(transcript, a, prm, label):
    rho = transcript.challenge(label + "/rho")
    extra = 2 * prm.max_openings if prm.eval_masks else 0
    r = transcript.challenges(label + "/r", (1 << a) + 2 * prm.max_openings + extra)
    return rho, r


def _coefficients(a, prm, k_idx, rho, r, q1, weight=None):
    """Per-base-row extension coefficients (uint64 [R, 2]) of the u- and v-combinations."""
    rows = (1 << a) + 4 * prm.max_openings + (2 * prm.max_openings if prm.eval_masks else 0)
    cu = np.zeros((rows, 2), np.uint64)
    cu[:1 << a] = r[:1 << a]
    for m in range(2 * prm.max_openings):  # extension mask rows: coefficient c on (re, im)
        c = F.int_ext(r[(1 << a) + m])
        row = (1 << a) + 2 * m
        cu[row], cu[row + 1] = c, _times_x(c)
    (r0re, r0im), (rgre, rgim) = _mask_rows(a, k_idx)
    cu[r0re], cu[r0im] = (1, 0), (0, 1)
    cv = np.zeros((rows, 2), np.uint64)
    cv[:1 << a] = q1
    c = F.int_ext(rho)
    cv[rgre], cv[rgim] = c, _times_x(c)
    if prm.eval_masks:  # eval-mask rows are base rows: one random coefficient each in u
        first = (1 << a) + 4 * prm.max_openings
        cu[first:] = r[(1 << a) + 2 * prm.max_openings:]
        re, im = _eval_mask_rows(a, prm, k_idx)
        w = (0, 0) if weight is None else F.int_ext(weight)
        cv[re], cv[im] = w, _times_x(w)
    return cu, cv


def _combine(coef, mat):
    """sum_row coef[row] * mat[row, :] for ext coef [R, 2], base mat [R, L] -> ext [L, 2]."""
    return np.asarray(F.matmul(np.ascontiguousarray(coef.T), mat)).T.copy()


def _queries(transcript, prm, big_n, label):
    qs = transcript.challenges(label + "/query", prm.queries)
    return sorted({int(c0) % big_n for c0 in qs[:, 0]})


# ----------------------------------------------------------------------------- open
def open(prover_data: ProverData, point, transcript: Transcript, *, label: str = "pcs",  # noqa: A001
         mask_weight=None):
    """Open the committed polynomial at ``point`` (base [n] or extension [n, 2]).

    Args:
      mask_weight: only for commitments with ``eval_masks``: w (uint64 [2]); the opened value
        is then ``f~(point) + w * mu_k`` (None = 0: the plain, non-hiding value).

    Returns (value, :class:`OpeningProof`) with value = f~(point) (+ w mu_k) as uint64 [2].

    Raises:
      RuntimeError: if all ``max_openings`` mask pairs were already used (zero knowledge would
        be lost).
      ValueError: a malformed point or mask_weight.
    """
    pd = prover_data
    com = pd.commitment
    prm = com.params
    n = com.num_vars
    a, b, k, big_n, rows = _layout(n, prm)
    if pd.openings_used >= prm.max_openings:
        raise RuntimeError(f"commitment already opened {pd.openings_used} times (max_openings)")
    z = _ext_point(point, n)
    weight = _mask_weight(mask_weight, prm)
    k_idx = pd.openings_used
    mu = pd.eval_mask(k_idx)
    pd.openings_used += 1
    _begin(transcript, com, z, k_idx, label, weight)
    q1, q2 = np.asarray(mle.eq_table(z[b:])), np.asarray(mle.eq_table(z[:b]))
    value = np.asarray(mle.evaluate(pd.table, z))
    if prm.eval_masks:
        value = np.array(F.int_ext_add(F.int_ext(value), F.int_ext_mul(F.int_ext(weight),
                                                                       F.int_ext(mu))), np.uint64)
    _, (rgre, rgim) = _mask_rows(a, k_idx)
    g = np.stack([pd.message[rgre, :1 << b], pd.message[rgim, :1 << b]], axis=-1)
    mask_eval = np.asarray(mle.dot(g, q2))
    transcript.append(label + "/value", value)
    transcript.append(label + "/mask_eval", mask_eval)
    rho, r = _challenges(transcript, a, prm, label)
    cu, cv = _coefficients(a, prm, k_idx, rho, r, q1, weight)
    u = _combine(cu, pd.message)
    v = _combine(cv, pd.message)
    transcript.append(label + "/u", u)
    transcript.append(label + "/v", v)
    idx = _queries(transcript, prm, big_n, label)
    columns, salts, paths = _opened_columns(pd, idx)
    proof = OpeningProof(mask_index=k_idx, mask_eval=mask_eval, u=u, v=v, columns=columns,
                         salts=salts, paths=paths)
    return value, proof


def _opened_columns(pd, idx):
    """(columns, salts, Merkle paths) of the queried positions ``idx`` (prover side)."""
    paths = np.array([[np.frombuffer(x, np.uint8) for x in pd.tree.path(j)] for j in idx],
                     dtype=np.uint8).reshape(len(idx), pd.tree.depth, 32)
    return pd.encoded_cols[idx].copy(), pd.salts[idx].copy(), paths


def _check_opened_columns(com, proof, idx, rows, big_n):
    """Shapes of the opened columns, salts and paths, and every Merkle path against the root.
    Returns (ok, reason, columns)."""
    t = len(idx)
    cols, salts, paths = np.asarray(proof.columns), np.asarray(proof.salts), np.asarray(proof.paths)
    depth = big_n.bit_length() - 1
    if cols.dtype != np.uint64 or cols.shape != (t, rows) or not F.is_canonical(cols):
        return False, "columns must be canonical uint64 [T, R]", None
    if salts.dtype != np.uint8 or salts.shape != (t, 32):
        return False, "salts must be uint8 [T, 32]", None
    if paths.dtype != np.uint8 or paths.shape != (t, depth, 32):
        return False, "paths must be uint8 [T, log2 N, 32]", None
    for i, j in enumerate(idx):
        path = [paths[i, d].tobytes() for d in range(depth)]
        if not merkle.verify_path(com.root, j, _leaf(salts[i], cols[i]), path, big_n):
            return False, f"Merkle path of column {j} does not verify", None
    return True, "", cols


# ----------------------------------------------------------------------------- verify
def verify_detailed(commitment: Commitment, point, value, proof: OpeningProof,
                    transcript: Transcript, *, label: str = "pcs", mask_weight=None):
    """Verify an opening; returns (ok: bool, reason: str). ``mask_weight`` as for :func:`open`
    (the value checked is then f~(point) + w mu_k)."""
    com = commitment
    prm = com.params
    try:
        n = com.num_vars
        a, b, k, big_n, rows = _layout(n, prm)
        if (1 << a, 1 << b) != tuple(com.shape) or not isinstance(com.root, bytes) or len(com.root) != 32:
            return False, "malformed commitment"
        z = _ext_point(point, n)
        weight = _mask_weight(mask_weight, prm)
    except (ValueError, TypeError, AttributeError) as exc:
        return False, f"malformed input: {exc}"
    k_idx = proof.mask_index
    if not isinstance(k_idx, (int, np.integer)) or not 0 <= int(k_idx) < prm.max_openings:
        return False, "bad mask index"
    k_idx = int(k_idx)
    for name, arr, shape in (("value", value, (2,)), ("mask_eval", proof.mask_eval, (2,)),
                             ("u", proof.u, (k, 2)), ("v", proof.v, (k, 2))):
        arr = np.asarray(arr)
        if arr.dtype != np.uint64 or arr.shape != shape or not F.is_canonical(arr):
            return False, f"{name} must be a canonical uint64 {list(shape)}"
    _begin(transcript, com, z, k_idx, label, weight)
    transcript.append(label + "/value", value)
    transcript.append(label + "/mask_eval", proof.mask_eval)
    rho, r = _challenges(transcript, a, prm, label)
    transcript.append(label + "/u", proof.u)
    transcript.append(label + "/v", proof.v)
    idx = _queries(transcript, prm, big_n, label)
    ok, reason, cols = _check_opened_columns(com, proof, idx, rows, big_n)
    if not ok:
        return False, reason
    # --- column consistency of u and v
    q1, q2 = np.asarray(mle.eq_table(z[b:])), np.asarray(mle.eq_table(z[:b]))
    cu, cv = _coefficients(a, prm, k_idx, rho, r, q1, weight)
    enc_u, enc_v = _ext_ntt(proof.u, big_n), _ext_ntt(proof.v, big_n)
    if not (_combine(cu, cols.T) == enc_u[idx]).all():
        return False, "proximity check: r-combination of opened columns != Enc(u)"
    if not (_combine(cv, cols.T) == enc_v[idx]).all():
        return False, "evaluation check: q1-combination of opened columns != Enc(v)"
    # --- evaluation: <v[:2^b], q2> == y + rho * y_g
    lhs = F.int_ext(np.asarray(mle.dot(np.asarray(proof.v)[:1 << b], q2)))
    rhs = F.int_ext_add(F.int_ext(value), F.int_ext_mul(F.int_ext(rho), F.int_ext(proof.mask_eval)))
    if lhs != rhs:
        return False, "<v, q2> != value + rho * mask_eval"
    return True, ""


def verify(commitment: Commitment, point, value, proof: OpeningProof, transcript: Transcript,
           *, label: str = "pcs", mask_weight=None) -> bool:
    """True iff ``proof`` shows f~(point) (+ w mu_k with eval masks) = value for the polynomial
    committed in ``commitment``.

    ``transcript`` must be in the same state as the prover's was when :func:`open` was called.
    """
    return verify_detailed(commitment, point, value, proof, transcript, label=label,
                           mask_weight=mask_weight)[0]


# ----------------------------------------------------------------------------- multi-point opening
@dataclasses.dataclass(frozen=True)
class MultiOpeningProof:
    """One opening of a commitment at s points at once (see :func:`open_many`).

    Attributes:
      mask_index: k0; the opening uses the mask pairs k0 .. k0 + s - 1.
      mask_evals: y_g per point, uint64 [s, 2].
      u: proximity vector, uint64 [K, 2] (masked by R0^(k0)).
      vs: evaluation vectors, uint64 [s, K, 2] (v_j masked by rho_j Rg^(k0 + j)).
      columns, salts, paths: as :class:`OpeningProof` (ONE set of t queried columns).
    """
    mask_index: int
    mask_evals: np.ndarray
    u: np.ndarray
    vs: np.ndarray
    columns: np.ndarray
    salts: np.ndarray
    paths: np.ndarray

    def num_bytes(self) -> int:
        return _proof_bytes(self)


def _begin_many(transcript, com, zs, k0, label):
    transcript.append_bytes(label + "/root", com.root)
    transcript.append(label + "/params", np.concatenate(
        [com.params_words(), np.array([k0, len(zs)], np.uint64)]))
    transcript.append(label + "/points", np.stack(zs))


def _challenges_many(transcript, a, prm, s, label):
    rhos = transcript.challenges(label + "/rho", s)
    _, r = _challenges(transcript, a, prm, label + "/prox")
    return rhos, r


def _coefficients_many(a, prm, k0, rhos, r, q1s):
    cu, _ = _coefficients(a, prm, k0, rhos[0], r, q1s[0])
    cvs = [_coefficients(a, prm, k0 + j, rhos[j], r, q1s[j])[1] for j in range(len(q1s))]
    return cu, cvs


def open_many(prover_data: ProverData, points, transcript: Transcript, *, label: str = "pcs"):
    """Open the committed polynomial at s points with ONE proximity vector and ONE set of t
    column queries (one v_j per point, each masked by its own Rg row).

    Uses the s mask pairs k0 .. k0 + s - 1 (``openings_used`` advances by s): R0^(k0) masks u,
    Rg^(k0 + j) masks v_j. Only one set of <= t columns is ever opened, so t_rand >= t keeps the
    opened columns perfectly hiding (the multi-opening replaces s separate openings, which need
    t_rand >= s t and s sets of columns). Soundness: the proximity test is shared, each claim j
    has its own column check and final equation; by the union bound the error is at most
    (3/4)^t + s ((1/2)^t + (N + 2)/p^2) (cf. the module docstring). Not for commitments with
    evaluation masks.

    Returns (values uint64 [s, 2], :class:`MultiOpeningProof`).
    """
    pd = prover_data
    com = pd.commitment
    prm = com.params
    n = com.num_vars
    a, b, k, big_n, rows = _layout(n, prm)
    zs = [_ext_point(p, n) for p in points]
    s = len(zs)
    if s < 1:
        raise ValueError("points is empty")
    if prm.eval_masks:
        raise ValueError("open_many does not support commitments with evaluation masks")
    if pd.openings_used + s > prm.max_openings:
        raise RuntimeError(f"{s} points need {s} mask pairs; {prm.max_openings - pd.openings_used} left")
    k0 = pd.openings_used
    pd.openings_used += s
    _begin_many(transcript, com, zs, k0, label)
    q1s = [np.asarray(mle.eq_table(z[b:])) for z in zs]
    q2s = [np.asarray(mle.eq_table(z[:b])) for z in zs]
    values = np.array([np.asarray(mle.evaluate(pd.table, z)) for z in zs], np.uint64).reshape(s, 2)
    mask_evals = np.zeros((s, 2), np.uint64)
    for j in range(s):
        _, (rgre, rgim) = _mask_rows(a, k0 + j)
        g = np.stack([pd.message[rgre, :1 << b], pd.message[rgim, :1 << b]], axis=-1)
        mask_evals[j] = np.asarray(mle.dot(g, q2s[j]))
    transcript.append(label + "/values", values)
    transcript.append(label + "/mask_evals", mask_evals)
    rhos, r = _challenges_many(transcript, a, prm, s, label)
    cu, cvs = _coefficients_many(a, prm, k0, rhos, r, q1s)
    u = _combine(cu, pd.message)
    vs = np.stack([_combine(cv, pd.message) for cv in cvs])
    transcript.append(label + "/u", u)
    transcript.append(label + "/vs", vs)
    idx = _queries(transcript, prm, big_n, label)
    columns, salts, paths = _opened_columns(pd, idx)
    proof = MultiOpeningProof(mask_index=k0, mask_evals=mask_evals, u=u, vs=vs, columns=columns,
                              salts=salts, paths=paths)
    return values, proof


def verify_many_detailed(commitment: Commitment, points, values, proof: MultiOpeningProof,
                         transcript: Transcript, *, label: str = "pcs"):
    """Verify a :class:`MultiOpeningProof` of f~(points[j]) = values[j]; (ok, reason)."""
    com = commitment
    prm = com.params
    try:
        n = com.num_vars
        a, b, k, big_n, rows = _layout(n, prm)
        if (1 << a, 1 << b) != tuple(com.shape) or not isinstance(com.root, bytes) or len(com.root) != 32:
            return False, "malformed commitment"
        if prm.eval_masks:
            return False, "multi-openings of commitments with evaluation masks are not supported"
        zs = [_ext_point(p, n) for p in points]
    except (ValueError, TypeError, AttributeError) as exc:
        return False, f"malformed input: {exc}"
    s = len(zs)
    if not isinstance(proof, MultiOpeningProof) or s < 1:
        return False, "malformed proof"
    k0 = proof.mask_index
    if not isinstance(k0, (int, np.integer)) or not 0 <= int(k0) or int(k0) + s > prm.max_openings:
        return False, "bad mask index"
    k0 = int(k0)
    for name, arr, shape in (("values", values, (s, 2)), ("mask_evals", proof.mask_evals, (s, 2)),
                             ("u", proof.u, (k, 2)), ("vs", proof.vs, (s, k, 2))):
        arr = np.asarray(arr)
        if arr.dtype != np.uint64 or arr.shape != shape or not F.is_canonical(arr):
            return False, f"{name} must be a canonical uint64 {list(shape)}"
    values = np.asarray(values)
    _begin_many(transcript, com, zs, k0, label)
    transcript.append(label + "/values", values)
    transcript.append(label + "/mask_evals", proof.mask_evals)
    rhos, r = _challenges_many(transcript, a, prm, s, label)
    transcript.append(label + "/u", proof.u)
    transcript.append(label + "/vs", proof.vs)
    idx = _queries(transcript, prm, big_n, label)
    ok, reason, cols = _check_opened_columns(com, proof, idx, rows, big_n)
    if not ok:
        return False, reason
    q1s = [np.asarray(mle.eq_table(z[b:])) for z in zs]
    cu, cvs = _coefficients_many(a, prm, k0, rhos, r, q1s)
    if not (_combine(cu, cols.T) == _ext_ntt(proof.u, big_n)[idx]).all():
        return False, "proximity check: r-combination of opened columns != Enc(u)"
    for j in range(s):
        v = np.asarray(proof.vs[j])
        if not (_combine(cvs[j], cols.T) == _ext_ntt(v, big_n)[idx]).all():
            return False, f"evaluation check {j}: q1-combination of opened columns != Enc(v_{j})"
        lhs = F.int_ext(np.asarray(mle.dot(v[:1 << b], np.asarray(mle.eq_table(zs[j][:b])))))
        rhs = F.int_ext_add(F.int_ext(values[j]),
                            F.int_ext_mul(F.int_ext(rhos[j]), F.int_ext(proof.mask_evals[j])))
        if lhs != rhs:
            return False, f"<v_{j}, q2> != value + rho * mask_eval"
    return True, ""
