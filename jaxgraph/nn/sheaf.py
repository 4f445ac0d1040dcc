"""Sheaf Laplacians and discrete sheaf diffusion (Neural Sheaf Diffusion).

C. Bodnar, F. Di Giovanni, B. P. Chamberlain, P. Liò, M. Bronstein, "Neural Sheaf Diffusion:
A Topological Perspective on Heterophily and Oversmoothing in GNNs", NeurIPS 2022.

A cellular sheaf on a graph gives every node ``v`` and edge ``e`` a stalk ``R^d`` and every
incidence ``v ⊴ e`` a restriction map ``F_{v⊴e} ∈ R^{d×d}``. The sheaf Laplacian ``L_F`` is the
``Nd × Nd`` block matrix with

    L_F[v, v] = Σ_{e ∋ v} F_{v⊴e}ᵀ F_{v⊴e}           (the block-diagonal "degree" D)
    L_F[v, u] = − F_{v⊴e}ᵀ F_{u⊴e}                  for e = {v, u}

(paper Def. 2 / Eq. 2), and the normalised sheaf Laplacian is
``Δ_F = D^{-1/2} L_F D^{-1/2}`` (Sec. 4). As in the official code's default we "augment" the
degree by the identity, ``Δ_F = (D + I)^{-1/2} L_F (D + I)^{-1/2}``, which keeps the inverse
square root finite for isolated nodes and well conditioned; ``augmented=False`` gives the
paper's formula (pseudo-inverse on a singular D).

Nothing here builds an ``Nd × Nd`` matrix: a :class:`SheafLaplacian` stores one block per node
(``D``) and one block per directed edge ``k = (s_k → r_k)`` (the off-diagonal block
``L_F[r_k, s_k]``), and :func:`sheaf_laplacian_apply` multiplies with gather + segment-sum.

Edge convention: the GraphsTuple holds both directions of every undirected edge (as the
loaders in :mod:`jaxgraph.data` produce). For edge ``k`` we need both restriction maps of its
undirected edge: ``maps_recv[k] = F_{r_k ⊴ e}`` and ``maps_send[k] = F_{s_k ⊴ e}``. With the
learned maps ``F_{v⊴e} = Φ(x_v, x_u)`` (Sec. 5, Eq. 9) both are functions of the edge's two
endpoints, so no reverse-edge index is needed and the operator is symmetric by construction
whenever the edge set is. Self loops (and the self loops jraph puts on padding nodes) carry
no sheaf structure and are masked out.

Three map families (Sec. 5): ``diag`` (diagonal maps, ``[E, d]``), ``orthogonal`` (``O(d)``
maps times a positive edge weight, so ``D_v = Σ_e α_e² I``; orthogonal matrices come from
:func:`householder_orthogonal` or :func:`matrix_exp_orthogonal`), and ``general`` (any ``d×d``;
the normalisation needs a matrix inverse square root, :func:`sym_matrix_power`).
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "SheafLaplacian",
    "KINDS",
    "ORTHOGONAL_METHODS",
    "num_orthogonal_params",
    "householder_orthogonal",
    "matrix_exp_orthogonal",
    "orthogonal_maps",
    "sym_matrix_power",
    "sheaf_laplacian",
    "normalize_sheaf_laplacian",
    "sheaf_laplacian_apply",
    "fixed_sheaf_laplacian",
    "sheaf_diffusion_step",
    "check_undirected",
    "SheafLearner",
    "SheafDiffusionLayer",
]

KINDS = ("diag", "orthogonal", "general")
ORTHOGONAL_METHODS = ("householder", "matrix_exp")


class SheafLaplacian(NamedTuple):
    """A sheaf Laplacian as sparse blocks over a graph's directed edges.

    Attributes:
      kind: ``'diag'``, ``'orthogonal'`` or ``'general'``.
      diag: the diagonal blocks ``L[v, v]``: ``[N, d]`` (diag: the diagonal of each block),
        ``[N]`` (orthogonal: the block is ``diag[v] · I_d``) or ``[N, d, d]`` (general).
      off: the off-diagonal block ``L[r_k, s_k]`` of every directed edge ``k``: ``[E, d]``
        (diag) or ``[E, d, d]``.
      senders, receivers: ``[E]`` int edge endpoints.
    """

    kind: str
    diag: jax.Array
    off: jax.Array
    senders: jax.Array
    receivers: jax.Array

    @property
    def num_nodes(self) -> int:
        return self.diag.shape[0]


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def _is_concrete(*xs) -> bool:
    return not any(isinstance(x, jax.core.Tracer) for x in xs)


def check_undirected(senders, receivers, num_nodes: int) -> None:
    """Raises ``ValueError`` unless every edge ``s → r`` (``s ≠ r``) has its reverse ``r → s``
    and all indices lie in ``[0, num_nodes)``. Runs on concrete (host) arrays only."""
    s = np.asarray(senders).astype(np.int64)
    r = np.asarray(receivers).astype(np.int64)
    if s.shape != r.shape or s.ndim != 1:
        raise ValueError(f"senders and receivers must be [E] arrays of one shape, got {s.shape} and {r.shape}")
    if s.size == 0:
        return
    bad = (s < 0) | (s >= num_nodes) | (r < 0) | (r >= num_nodes)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ValueError(f"edge {k} = ({s[k]} -> {r[k]}) has a node index outside [0, num_nodes={num_nodes})")
    keep = s != r
    fwd = s[keep] * num_nodes + r[keep]
    rev = r[keep] * num_nodes + s[keep]
    missing = ~np.isin(rev, fwd)
    if missing.any():
        k = int(np.flatnonzero(keep)[np.flatnonzero(missing)[0]])
        raise ValueError(
            f"graph is not undirected: edge {k} = ({s[k]} -> {r[k]}) has no reverse edge ({r[k]} -> {s[k]}); "
            "a sheaf Laplacian needs both directions of every edge")


# ----------------------------------------------------------------------------- orthogonal maps
def num_orthogonal_params(d: int) -> int:
    """Number of free parameters of one ``d × d`` orthogonal map: ``d (d − 1) / 2``."""
    return d * (d - 1) // 2


def _check_orth_params(params, d: int, name: str):
    if d < 2:
        raise ValueError(f"{name}: d must be >= 2 for orthogonal maps, got d={d}")
    m = num_orthogonal_params(d)
    if params.shape[-1] != m:
        raise ValueError(f"{name}: params must have last dimension d(d-1)/2 = {m} for d={d}, got shape {params.shape}")


def householder_orthogonal(params: jax.Array, d: int) -> jax.Array:
    """Orthogonal matrices as products of Householder reflections.

    ``Q = H(v_1) H(v_2) ⋯ H(v_{d−1})`` with ``H(v) = I − 2 v vᵀ / (vᵀ v)`` and
    ``v_i = e_i + Σ_{j>i} p_{ij} e_j`` (unit leading entry, so ``‖v_i‖ ≥ 1`` and no division by
    zero). Every ``p`` gives an exactly orthogonal ``Q`` (det ``(−1)^{d−1}``).

    Args:
      params: ``[..., d(d−1)/2]`` the strictly-lower-triangular entries ``p_{ij}`` (row-major
        over ``i < j``).
      d: matrix size (>= 2).
    Returns:
      ``[..., d, d]`` orthogonal matrices.
    Raises:
      ValueError: ``d < 2`` or a wrong parameter count.
    """
    params = jnp.asarray(params)
    _check_orth_params(params, d, "householder_orthogonal")
    i, j = np.triu_indices(d, k=1)  # p_{ij} fills column i of the reflector, rows j > i
    vecs = jnp.zeros(params.shape[:-1] + (d, d), params.dtype)  # vecs[..., i, :] = v_i
    vecs = vecs.at[..., i, j].set(params)
    vecs = vecs + jnp.eye(d, dtype=params.dtype)
    eye = jnp.eye(d, dtype=params.dtype)
    q = jnp.broadcast_to(eye, params.shape[:-1] + (d, d))
    for k in range(d - 1):
        v = vecs[..., k, :]
        h = eye - 2.0 * v[..., :, None] * v[..., None, :] / jnp.sum(v * v, -1)[..., None, None]
        q = q @ h
    return q


def matrix_exp_orthogonal(params: jax.Array, d: int) -> jax.Array:
    """Rotations ``Q = expm(A − Aᵀ)`` of a skew-symmetric matrix (``Q ∈ SO(d)``).

    Args:
      params: ``[..., d(d−1)/2]`` the strictly-upper-triangular entries of ``A``.
      d: matrix size (>= 2).
    Returns:
      ``[..., d, d]`` orthogonal matrices with determinant 1.
    Raises:
      ValueError: ``d < 2`` or a wrong parameter count.
    """
    params = jnp.asarray(params)
    _check_orth_params(params, d, "matrix_exp_orthogonal")
    i, j = np.triu_indices(d, k=1)
    a = jnp.zeros(params.shape[:-1] + (d, d), params.dtype).at[..., i, j].set(params)
    return jax.scipy.linalg.expm(a - jnp.swapaxes(a, -1, -2))


def orthogonal_maps(params: jax.Array, d: int, method: str = "householder") -> jax.Array:
    """Dispatches to :func:`householder_orthogonal` or :func:`matrix_exp_orthogonal`."""
    if method == "householder":
        return householder_orthogonal(params, d)
    if method == "matrix_exp":
        return matrix_exp_orthogonal(params, d)
    raise ValueError(f"method must be one of {ORTHOGONAL_METHODS}, got {method!r}")


# ----------------------------------------------------------------------------- matrix power
def _sym_pow_values(lam, p, tol):
    safe = jnp.where(lam > tol, lam, 1.0)
    return jnp.where(lam > tol, safe ** p, 0.0)


@jax.custom_jvp
def _sym_matrix_power(a, p, tol):
    lam, u = jnp.linalg.eigh(a)
    f = _sym_pow_values(lam, p, tol)
    return (u * f[..., None, :]) @ jnp.swapaxes(u, -1, -2)


@_sym_matrix_power.defjvp
def _sym_matrix_power_jvp(primals, tangents):
    # Daleckii–Krein: d f(A) = U (K ∘ (Uᵀ dA U)) Uᵀ with K_ij the divided difference of f, which
    # stays finite for repeated eigenvalues (where K_ii = f'(λ_i)) unlike the eigh jvp itself.
    a, p, tol = primals
    da = tangents[0]
    lam, u = jnp.linalg.eigh(a)
    f = _sym_pow_values(lam, p, tol)
    ut = jnp.swapaxes(u, -1, -2)
    out = (u * f[..., None, :]) @ ut
    li, lj = lam[..., :, None], lam[..., None, :]
    fi, fj = f[..., :, None], f[..., None, :]
    mean = 0.5 * (li + lj)
    safe_mean = jnp.where(mean > tol, mean, 1.0)
    deriv = jnp.where(mean > tol, p * safe_mean ** (p - 1.0), 0.0)
    diff = li - lj
    close = jnp.abs(diff) <= 1e-6 * jnp.maximum(jnp.abs(li) + jnp.abs(lj), 1.0)
    k = jnp.where(close, deriv, (fi - fj) / jnp.where(close, 1.0, diff))
    dsym = 0.5 * (da + jnp.swapaxes(da, -1, -2))
    dout = u @ (k * (ut @ dsym @ u)) @ ut
    return out, dout


def sym_matrix_power(a: jax.Array, p: float, tol: float = 1e-6) -> jax.Array:
    """``A^p`` of symmetric positive semi-definite matrices via ``eigh``.

    Eigenvalues ``<= tol`` map to 0 (a pseudo-inverse power for ``p < 0``). The derivative
    uses the Daleckii–Krein formula, finite also when eigenvalues repeat (e.g. ``D + I = I`` at
    an isolated node), where differentiating ``eigh`` directly gives NaN.

    Args:
      a: ``[..., d, d]`` symmetric PSD.
      p: the power (e.g. ``-0.5``).
    Returns:
      ``[..., d, d]``.
    Raises:
      ValueError: ``a`` is not ``[..., d, d]``.
    """
    a = jnp.asarray(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"a must be [..., d, d] square matrices, got shape {a.shape}")
    return _sym_matrix_power(a, jnp.asarray(p, a.dtype), jnp.asarray(tol, a.dtype))


# ----------------------------------------------------------------------------- the Laplacian
def sheaf_laplacian(
    maps_recv: jax.Array,
    maps_send: jax.Array,
    senders: jax.Array,
    receivers: jax.Array,
    num_nodes: int,
    kind: str = "general",
    edge_weights: jax.Array | None = None,
) -> SheafLaplacian:
    """The (unnormalised) sheaf Laplacian ``L_F`` as sparse blocks (paper Eq. 2).

    ``L[v, v] = Σ_{k: r_k = v} F_{r_k⊴e}ᵀ F_{r_k⊴e}`` and ``L[r_k, s_k] = −F_{r_k⊴e}ᵀ F_{s_k⊴e}``;
    for the ``orthogonal`` kind the maps are ``α_k O`` with ``O ∈ O(d)`` so the diagonal block
    is ``Σ α_k² · I`` (stored as a scalar per node). Self-loop edges are masked out.

    Args:
      maps_recv: ``F_{r_k⊴e}`` per directed edge: ``[E, d]`` (diag) or ``[E, d, d]``.
      maps_send: ``F_{s_k⊴e}``, same shape. For a valid sheaf, the reverse edge ``k'`` of ``k``
        must have ``maps_recv[k'] = maps_send[k]`` (true for maps ``Φ(x_v, x_u)``).
      senders, receivers: ``[E]`` int.
      num_nodes: ``N``.
      kind: ``'diag'``, ``'orthogonal'`` or ``'general'``.
      edge_weights: ``[E]`` nonnegative weights ``α_k`` (orthogonal kind only; default 1),
        symmetric over the two directions.
    Returns:
      :class:`SheafLaplacian`.
    Raises:
      ValueError: unknown kind, mismatched shapes, weights for a non-orthogonal kind, or (on
        concrete inputs) an edge index out of range.
    """
    _check_kind(kind)
    maps_recv, maps_send = jnp.asarray(maps_recv), jnp.asarray(maps_send)
    senders, receivers = jnp.asarray(senders), jnp.asarray(receivers)
    if maps_recv.shape != maps_send.shape:
        raise ValueError(f"maps_recv and maps_send must have one shape, got {maps_recv.shape} and {maps_send.shape}")
    e = senders.shape[0]
    want = 2 if kind == "diag" else 3
    if maps_recv.ndim != want or maps_recv.shape[0] != e or (want == 3 and maps_recv.shape[1] != maps_recv.shape[2]):
        shape = "[E, d]" if kind == "diag" else "[E, d, d]"
        raise ValueError(f"maps_recv for kind={kind!r} must be {shape} with E={e}, got shape {maps_recv.shape}")
    if receivers.shape != senders.shape:
        raise ValueError(f"senders and receivers must have one shape, got {senders.shape} and {receivers.shape}")
    if edge_weights is not None and kind != "orthogonal":
        raise ValueError(f"edge_weights are only used with kind='orthogonal', got kind={kind!r}")
    if _is_concrete(senders, receivers) and e:
        sn, rn = np.asarray(senders), np.asarray(receivers)
        lo, hi = int(min(sn.min(), rn.min())), int(max(sn.max(), rn.max()))
        if lo < 0 or hi >= num_nodes:
            raise ValueError(f"senders/receivers must lie in [0, num_nodes={num_nodes}), got range [{lo}, {hi}]")
    mask = (senders != receivers).astype(maps_recv.dtype)
    seg = lambda v: jax.ops.segment_sum(v, receivers, num_segments=num_nodes)
    if kind == "diag":
        fr, fs = maps_recv * mask[:, None], maps_send * mask[:, None]
        return SheafLaplacian(kind, seg(fr * fr), -fr * fs, senders, receivers)
    if kind == "orthogonal":
        w = jnp.ones((e,), maps_recv.dtype) if edge_weights is None else jnp.asarray(edge_weights, maps_recv.dtype)
        if w.shape != (e,):
            raise ValueError(f"edge_weights must be [E={e}], got shape {w.shape}")
        w = w * mask
        off = -(w * w)[:, None, None] * jnp.swapaxes(maps_recv, -1, -2) @ maps_send
        return SheafLaplacian(kind, seg(w * w), off, senders, receivers)
    fr, fs = maps_recv * mask[:, None, None], maps_send * mask[:, None, None]
    ft = jnp.swapaxes(fr, -1, -2)
    return SheafLaplacian(kind, seg(ft @ fr), -ft @ fs, senders, receivers)


def normalize_sheaf_laplacian(lap: SheafLaplacian, augmented: bool = True) -> SheafLaplacian:
    """``Δ_F = D̃^{-1/2} L_F D̃^{-1/2}`` with ``D̃ = D + I`` (augmented) or ``D̃ = D`` (Sec. 4).

    ``D`` is the block diagonal of ``L_F``. Its blocks are ``d × d`` matrices for general maps
    (inverse square root by :func:`sym_matrix_power`), diagonal for diagonal maps and scalar
    multiples of ``I`` for orthogonal maps. With ``augmented=False`` a zero (block) degree gives a
    zero row (pseudo-inverse). ``Δ_F`` is symmetric PSD with spectrum in ``[0, 2]``.

    Args:
      lap: a :class:`SheafLaplacian` from :func:`sheaf_laplacian`.
      augmented: add the identity to ``D`` first (the official code's default).
    Returns:
      the normalised :class:`SheafLaplacian` (same kind and shapes).
    """
    _check_kind(lap.kind)
    s, r = lap.senders, lap.receivers
    if lap.kind == "general":
        d = lap.diag.shape[-1]
        dd = lap.diag + jnp.eye(d, dtype=lap.diag.dtype) if augmented else lap.diag
        n = sym_matrix_power(dd, -0.5)
        return lap._replace(diag=n @ lap.diag @ n, off=n[r] @ lap.off @ n[s])
    dd = lap.diag + 1.0 if augmented else lap.diag
    n = jnp.where(dd > 0, jax.lax.rsqrt(jnp.where(dd > 0, dd, 1.0)), 0.0)
    if lap.kind == "diag":
        return lap._replace(diag=n * n * lap.diag, off=n[r] * lap.off * n[s])
    return lap._replace(diag=n * n * lap.diag, off=(n[r] * n[s])[:, None, None] * lap.off)


def sheaf_laplacian_apply(lap: SheafLaplacian, x: jax.Array) -> jax.Array:
    """``L x`` for node signals ``x`` ``[N, d, f]`` (``f`` channels per stalk dimension).

    ``(L x)_v = L[v, v] x_v + Σ_{k: r_k = v} L[v, s_k] x_{s_k}`` — a gather over senders and a
    segment-sum over receivers; cost ``O(E d² f)``.

    Returns:
      ``[N, d, f]``.
    Raises:
      ValueError: ``x`` is not ``[N, d, f]`` matching the Laplacian.
    """
    x = jnp.asarray(x)
    n = lap.num_nodes
    d = lap.off.shape[1]
    if x.ndim != 3 or x.shape[0] != n or x.shape[1] != d:
        raise ValueError(f"x must be [N={n}, d={d}, f], got shape {x.shape}")
    xs = x[lap.senders]
    if lap.kind == "diag":
        own, msg = lap.diag[:, :, None] * x, lap.off[:, :, None] * xs
    elif lap.kind == "orthogonal":
        own, msg = lap.diag[:, None, None] * x, lap.off @ xs
    else:
        own, msg = lap.diag @ x, lap.off @ xs
    return own + jax.ops.segment_sum(msg, lap.receivers, num_segments=n)


def fixed_sheaf_laplacian(senders, receivers, num_nodes: int, add_lp: bool, add_hp: bool,
                          dtype=jnp.float32) -> SheafLaplacian | None:
    """The fixed extra stalk dimensions of the official code's ``add_lp`` / ``add_hp``.

    ``add_lp``: a dimension with identity maps ``F = 1`` (its Laplacian is the graph Laplacian
    ``D − A``); ``add_hp``: a dimension with maps ``+1`` / ``−1`` on the two ends (the signless
    Laplacian ``D + A``). Returns a ``diag``-kind Laplacian with one stalk dimension per flag, or
    None when both are False.
    """
    cols = ([1.0] if add_lp else []) + ([-1.0] if add_hp else [])
    if not cols:
        return None
    e = jnp.asarray(senders).shape[0]
    recv = jnp.ones((e, len(cols)), dtype)
    send = jnp.broadcast_to(jnp.asarray(cols, dtype), (e, len(cols)))
    return sheaf_laplacian(recv, send, senders, receivers, num_nodes, "diag")


def _apply_blocks(lap, y):
    """``lap`` a SheafLaplacian, or a sequence of them acting on consecutive stalk dimensions
    (a Laplacian block-diagonal over the stalk, e.g. learned dims + the fixed add_lp/add_hp dims)."""
    if isinstance(lap, SheafLaplacian):
        return sheaf_laplacian_apply(lap, y)
    parts, start = [], 0
    for lp in lap:
        k = lp.off.shape[1]
        parts.append(sheaf_laplacian_apply(lp, y[:, start:start + k]))
        start += k
    if start != y.shape[1]:
        raise ValueError(f"the Laplacians cover {start} stalk dimensions, x has d={y.shape[1]}")
    return jnp.concatenate(parts, axis=1)


def sheaf_diffusion_step(
    x: jax.Array,
    lap,
    w1: jax.Array,
    w2: jax.Array,
    epsilon: jax.Array | None = None,
    activation: Callable = jax.nn.elu,
    branch: jax.Array | None = None,
) -> jax.Array:
    """One discrete Neural Sheaf Diffusion layer (paper Eq. 10, with the code's residual gate).

    ``X_{t+1} = (1 + tanh ε) ⊙ X_t − σ(Δ_F (I_N ⊗ W1) X_t W2)``

    ``X`` is the ``Nd × f`` matrix of the paper stored as ``[N, d, f]``; ``W1`` ``[d, d]`` mixes
    stalk dimensions, ``W2`` ``[f, f]`` mixes channels; ``ε`` ``[d]`` (one per stalk dimension; 0
    or None gives the paper's update exactly). ``lap`` is a :class:`SheafLaplacian` (normalised:
    ``Δ_F``) or a sequence of them acting on consecutive stalk dimensions. ``branch`` (default
    ``X_t``) is what enters the diffusion term, e.g. ``dropout(X_t)`` while the residual keeps
    ``X_t`` (as the official code applies dropout).

    Returns:
      ``[N, d, f]``.
    Raises:
      ValueError: weight shapes that do not match ``x``.
    """
    x = jnp.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x must be [N, d, f], got shape {x.shape}")
    _, d, f = x.shape
    if w1.shape != (d, d):
        raise ValueError(f"w1 must be [d, d] = [{d}, {d}], got shape {w1.shape}")
    if w2.shape != (f, f):
        raise ValueError(f"w2 must be [f, f] = [{f}, {f}], got shape {w2.shape}")
    b = x if branch is None else jnp.asarray(branch)
    if b.shape != x.shape:
        raise ValueError(f"branch must have the shape of x {x.shape}, got {b.shape}")
    y = jnp.einsum("ij,njf->nif", w1, b) @ w2
    y = activation(_apply_blocks(lap, y))
    if epsilon is None:
        return x - y
    if epsilon.shape != (d,):
        raise ValueError(f"epsilon must be [d={d}], got shape {epsilon.shape}")
    return (1.0 + jnp.tanh(epsilon))[None, :, None] * x - y


# ----------------------------------------------------------------------------- flax modules
def _act(name: str) -> Callable:
    acts = {"tanh": jnp.tanh, "id": lambda v: v, "elu": jax.nn.elu}
    if name not in acts:
        raise ValueError(f"sheaf_act must be one of {sorted(acts)}, got {name!r}")
    return acts[name]


class SheafLearner(nn.Module):
    """Restriction maps from node features, ``F_{v⊴e} = σ(V [x_v ‖ x_u])`` (paper Eq. 9).

    ``V [x_v ‖ x_u] = V_1 x_v + V_2 x_u`` is computed per node once and gathered per edge, so both
    maps of every edge cost two gathers. For ``orthogonal`` the ``d(d−1)/2`` outputs parametrise
    ``O(d)`` (:func:`orthogonal_maps`) and, with ``edge_weights``, ``α_e = sigmoid(w·[x_v‖x_u])
    · sigmoid(w·[x_u‖x_v])`` (the official code's edge-weight learner).

    Attributes:
      d: stalk dimension. kind: map family. orth_method: 'householder' | 'matrix_exp'.
      sheaf_act: 'tanh' (paper) | 'id' | 'elu' (diag/general only). edge_weights: see above.
    Call: ``(x [N, F], senders [E], receivers [E]) -> (maps_recv, maps_send, weights | None)``.
    """

    d: int
    kind: str = "diag"
    orth_method: str = "householder"
    sheaf_act: str = "tanh"
    edge_weights: bool = True

    @nn.compact
    def __call__(self, x, senders, receivers):
        _check_kind(self.kind)
        if self.kind == "diag":
            out = self.d
        elif self.kind == "orthogonal":
            out = num_orthogonal_params(self.d)
            if self.d < 2:
                raise ValueError(f"orthogonal maps need d >= 2, got d={self.d}")
        else:
            out = self.d * self.d
        dense = lambda name, k: nn.Dense(k, use_bias=False, name=name)
        p_own, p_other = dense("own", out)(x), dense("other", out)(x)
        raw_recv = p_own[receivers] + p_other[senders]  # Φ(x_r, x_s)
        raw_send = p_own[senders] + p_other[receivers]  # Φ(x_s, x_r)
        weights = None
        if self.kind == "orthogonal":
            maps_recv = orthogonal_maps(raw_recv, self.d, self.orth_method)
            maps_send = orthogonal_maps(raw_send, self.d, self.orth_method)
            if self.edge_weights:
                w_own, w_other = dense("weight_own", 1)(x)[:, 0], dense("weight_other", 1)(x)[:, 0]
                weights = jax.nn.sigmoid(w_own[receivers] + w_other[senders]) * jax.nn.sigmoid(
                    w_own[senders] + w_other[receivers])
            return maps_recv, maps_send, weights
        act = _act(self.sheaf_act)
        maps_recv, maps_send = act(raw_recv), act(raw_send)
        if self.kind == "general":
            shape = raw_recv.shape[:-1] + (self.d, self.d)
            maps_recv, maps_send = maps_recv.reshape(shape), maps_send.reshape(shape)
        return maps_recv, maps_send, weights


class SheafDiffusionLayer(nn.Module):
    """Parameters of one NSD layer: ``W1`` ``[d, d]`` (init identity), ``W2`` ``[f, f]`` (init
    orthogonal), ``ε`` ``[d]`` (init 0); calls :func:`sheaf_diffusion_step`.

    Call: ``(x [N, d, f], lap, branch=None) -> [N, d, f]`` (``branch``: see
    :func:`sheaf_diffusion_step`).
    """

    left_weights: bool = True
    right_weights: bool = True
    learn_epsilon: bool = True

    @nn.compact
    def __call__(self, x, lap, branch=None):
        _, d, f = x.shape
        w1 = (self.param("w1", lambda key, shape, dtype: jnp.eye(shape[0], dtype=dtype), (d, d), x.dtype) if self.left_weights
              else jnp.eye(d, dtype=x.dtype))
        w2 = (self.param("w2", nn.initializers.orthogonal(), (f, f), x.dtype) if self.right_weights
              else jnp.eye(f, dtype=x.dtype))
        eps = self.param("epsilon", nn.initializers.zeros, (d,), x.dtype) if self.learn_epsilon else None
        return sheaf_diffusion_step(x, lap, w1, w2, eps, branch=branch)
