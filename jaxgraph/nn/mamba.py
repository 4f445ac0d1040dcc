"""Selective state-space models (Mamba) for graphs: the scan, a bidirectional block, and the
neighborhood tokenization / token ordering of Graph Mamba Networks.

Papers:
  * Gu & Dao (2023), "Mamba: Linear-Time Sequence Modeling with Selective State Spaces" — the
    selective SSM (input-dependent ``Δ, B, C``), its discretization and the Mamba block.
  * Behrouz & Hashemi (KDD 2024), "Graph Mamba: Towards Learning on Graphs with State Space
    Models" (GMN) — (1) neighborhood tokenization (random-walk subgraphs per node, ``m >= 1``;
    node tokens, ``m = 0``), (2) token ordering (hop ``m`` down to 0 for subgraph tokens; degree
    for node tokens), (3) a bidirectional selective-SSM encoder, (4) local (MPNN) encoding.

Selective SSM, per channel ``d`` and state index ``n`` (diagonal ``A``)::

    Ā_t = exp(Δ_t A)                                   (zero-order hold)
    B̄_t = (exp(Δ_t A) - 1) / A · B_t     ('zoh')   or   Δ_t B_t     ('euler', Mamba's code)
    h_t = Ā_t ⊙ h_{t-1} + B̄_t u_t,     y_t = Σ_n C_t[n] h_t[d, n] + D_d u_t

The recurrence ``h_t = a_t h_{t-1} + b_t`` is a composition of affine maps, so it is computed
with :func:`jax.lax.associative_scan` on pairs ``(a, b)`` with
``(a_1, b_1) ∘ (a_2, b_2) = (a_1 a_2, a_2 b_1 + b_2)`` — ``O(L)`` work and memory,
``O(log L)`` depth. :func:`selective_scan_reference` is the plain sequential recurrence
(``lax.scan``) it is tested against.

Masking: a masked (padding) position is the identity map ``(a, b) = (1, 0)`` and outputs 0, so
padding anywhere in a sequence leaves the real outputs unchanged (in both scan directions).

Tokenization runs on the host (numpy) once per dataset, like :mod:`jaxgraph.nn.pe`; everything
after it is jit-able with static shapes.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "discretize",
    "selective_scan",
    "selective_scan_reference",
    "causal_conv1d",
    "SelectiveSSM",
    "BiMambaBlock",
    "Tokens",
    "hop_tokens",
    "random_walk_tokens",
    "token_subgraph_edges",
    "degree_order",
]

_DISC = ("zoh", "euler")


# ----------------------------------------------------------------------------- the scan
def _check_scan_args(u, delta, A, B, C, D, mask, discretization):
    if discretization not in _DISC:
        raise ValueError(f"discretization must be one of {_DISC}, got {discretization!r}")
    if u.ndim < 2:
        raise ValueError(f"u must be [..., L, D], got shape {tuple(u.shape)}")
    if delta.shape != u.shape:
        raise ValueError(f"delta must have u's shape {tuple(u.shape)}, got {tuple(delta.shape)}")
    d = u.shape[-1]
    if A.ndim != 2 or A.shape[0] != d:
        raise ValueError(f"A must be [D={d}, N], got shape {tuple(A.shape)}")
    n = A.shape[1]
    want = u.shape[:-1] + (n,)
    if B.shape != want:
        raise ValueError(f"B must be {want} ([..., L, N]), got {tuple(B.shape)}")
    if C.shape != want:
        raise ValueError(f"C must be {want} ([..., L, N]), got {tuple(C.shape)}")
    if D is not None and D.shape != (d,):
        raise ValueError(f"D must be [D={d}], got {tuple(D.shape)}")
    if mask is not None and mask.shape != u.shape[:-1]:
        raise ValueError(f"mask must be {tuple(u.shape[:-1])} ([..., L]), got {tuple(mask.shape)}")


def discretize(delta, A, B, u, discretization: str = "zoh"):
    """Discretized transition and input of the selective SSM (Gu & Dao 2023, Sec. 2).

    ``Ā = exp(Δ A)``; ``B̄ u = (exp(Δ A) - 1)/A · B u`` for ``'zoh'`` (exact zero-order hold for
    diagonal ``A``; ``Δ B u`` where ``A = 0``) or ``Δ B u`` for ``'euler'`` (the simplification
    in Mamba's reference implementation).

    Args:
      delta: ``[..., L, D]`` positive step sizes; A: ``[D, N]``; B: ``[..., L, N]``;
      u: ``[..., L, D]``.
    Returns:
      ``(a_bar, bu)``, both ``[..., L, D, N]``.
    """
    dA = delta[..., None] * A  # [..., L, D, N]
    a_bar = jnp.exp(dA)
    if discretization == "zoh":
        small = jnp.abs(A) < 1e-12
        safe = jnp.where(small, 1.0, A)
        coef = jnp.where(small, delta[..., None], jnp.expm1(dA) / safe)
    elif discretization == "euler":
        coef = jnp.broadcast_to(delta[..., None], dA.shape)
    else:
        raise ValueError(f"discretization must be one of {_DISC}, got {discretization!r}")
    bu = coef * B[..., None, :] * u[..., None]
    return a_bar, bu


def _prepare(u, delta, A, B, C, D, mask, discretization):
    u, delta, A, B, C = map(jnp.asarray, (u, delta, A, B, C))
    D = None if D is None else jnp.asarray(D)
    mask = None if mask is None else jnp.asarray(mask, bool)
    _check_scan_args(u, delta, A, B, C, D, mask, discretization)
    a_bar, bu = discretize(delta, A, B, u, discretization)
    if mask is not None:
        m = mask[..., None, None]
        a_bar = jnp.where(m, a_bar, 1.0)
        bu = jnp.where(m, bu, 0.0)
    return u, C, D, mask, a_bar, bu


def _readout(h, u, C, D, mask):
    y = jnp.einsum("...ldn,...ln->...ld", h, C)
    if D is not None:
        y = y + D * u
    if mask is not None:
        y = jnp.where(mask[..., None], y, 0.0)
    return y


def selective_scan(u, delta, A, B, C, D=None, mask=None, reverse: bool = False,
                   discretization: str = "zoh", return_state: bool = False):
    """Selective SSM over the sequence axis with :func:`jax.lax.associative_scan` (parallel).

    ``h_t = exp(Δ_t A) ⊙ h_{t-1} + B̄_t u_t`` (``h_0 = 0``), ``y_t = C_t · h_t + D u_t``
    (see the module docstring); ``reverse`` runs it from the last position to the first.

    Args:
      u: ``[..., L, D]`` input; delta: ``[..., L, D]`` (positive, e.g. after softplus);
      A: ``[D, N]`` (negative for a stable system); B, C: ``[..., L, N]`` (input-dependent);
      D: optional ``[D]`` skip; mask: optional ``[..., L]`` bool (False = padding: identity
      transition, zero output).
      discretization: ``'zoh'`` or ``'euler'``.
      return_state: also return all states ``h`` ``[..., L, D, N]``.
    Returns:
      ``y [..., L, D]`` (and ``h`` when ``return_state``).
    Raises:
      ValueError: on mismatched shapes or an unknown ``discretization``.
    """
    u, C, D, mask, a_bar, bu = _prepare(u, delta, A, B, C, D, mask, discretization)

    def combine(x, y):
        a1, b1 = x
        a2, b2 = y
        return a1 * a2, a2 * b1 + b2

    axis = u.ndim - 2  # the L axis of [..., L, D, N]
    _, h = jax.lax.associative_scan(combine, (a_bar, bu), reverse=reverse, axis=axis)
    y = _readout(h, u, C, D, mask)
    return (y, h) if return_state else y


def selective_scan_reference(u, delta, A, B, C, D=None, mask=None, reverse: bool = False,
                             discretization: str = "zoh"):
    """Sequential reference of :func:`selective_scan`: the recurrence step by step with
    ``lax.scan`` (same arguments and result). Use float64 inputs for a tight comparison."""
    u, C, D, mask, a_bar, bu = _prepare(u, delta, A, B, C, D, mask, discretization)
    axis = u.ndim - 2
    a_t = jnp.moveaxis(a_bar, axis, 0)
    b_t = jnp.moveaxis(bu, axis, 0)

    def step(h, ab):
        a, b = ab
        h = a * h + b
        return h, h

    _, hs = jax.lax.scan(step, jnp.zeros_like(b_t[0]), (a_t, b_t), reverse=reverse)
    h = jnp.moveaxis(hs, 0, axis)
    return _readout(h, u, C, D, mask)


def causal_conv1d(x, w, b=None, mask=None):
    """Depthwise causal convolution along the sequence (Mamba's short conv).

    ``y_t[d] = Σ_{j=0}^{K-1} w[j, d] x_{t-K+1+j}[d] + b[d]`` with ``x_s = 0`` for ``s < 0`` and
    for masked positions (so padding contributes nothing).

    Args:
      x: ``[..., L, D]``; w: ``[K, D]``; b: optional ``[D]``; mask: optional ``[..., L]``.
    Returns:
      ``[..., L, D]``.
    """
    if w.ndim != 2 or w.shape[1] != x.shape[-1]:
        raise ValueError(f"w must be [K, D={x.shape[-1]}], got {tuple(w.shape)}")
    if mask is not None:
        x = jnp.where(mask[..., None], x, 0.0)
    k, L = w.shape[0], x.shape[-2]
    pad = [(0, 0)] * (x.ndim - 2) + [(k - 1, 0), (0, 0)]
    xp = jnp.pad(x, pad)
    y = sum(w[j] * jax.lax.slice_in_dim(xp, j, j + L, axis=x.ndim - 2) for j in range(k))
    return y if b is None else y + b


# ----------------------------------------------------------------------------- flax modules
class SelectiveSSM(nn.Module):
    """One direction of a Mamba mixer (Gu & Dao 2023, Sec. 3): causal depthwise conv, SiLU,
    input-dependent ``Δ = softplus(W_Δ (W_r x) + b_Δ)``, ``B = W_B x``, ``C = W_C x``,
    ``A = -exp(A_log)`` (S4D-real init ``A_n = -(n+1)``), then :func:`selective_scan`.

    Shapes: ``x [..., L, D]`` -> ``[..., L, D]``. Params: ``conv_w [K, D]``, ``conv_b``,
    ``x_proj`` (``D -> R + 2N``), ``dt_proj`` (``R -> D``; bias initialised so that
    ``Δ ∈ [dt_min, dt_max]`` log-uniformly), ``A_log [D, N]``, ``D [D]``.
    """

    d_state: int = 16
    d_conv: int = 4
    dt_rank: int | None = None
    dt_min: float = 1e-3
    dt_max: float = 1e-1
    discretization: str = "zoh"

    @nn.compact
    def __call__(self, x, mask=None):
        d = x.shape[-1]
        r = self.dt_rank or max(1, math.ceil(d / 16))
        conv_w = self.param("conv_w", nn.initializers.lecun_normal(in_axis=0, out_axis=1), (self.d_conv, d))
        conv_b = self.param("conv_b", nn.initializers.zeros, (d,))
        x = nn.silu(causal_conv1d(x, conv_w, conv_b, mask))
        proj = nn.Dense(r + 2 * self.d_state, use_bias=False, name="x_proj")(x)
        dt_low, Bm, Cm = jnp.split(proj, [r, r + self.d_state], axis=-1)

        def dt_bias_init(key, shape, dtype=jnp.float32):
            lo, hi = math.log(self.dt_min), math.log(self.dt_max)
            dt = jnp.exp(jax.random.uniform(key, shape, dtype, lo, hi))
            return dt + jnp.log(-jnp.expm1(-dt))  # inverse softplus

        dt = nn.Dense(d, name="dt_proj", bias_init=dt_bias_init,
                      kernel_init=nn.initializers.uniform(r ** -0.5))(dt_low)
        dt = nn.softplus(dt)
        a_log = self.param("A_log", lambda k, s: jnp.log(jnp.tile(jnp.arange(1, s[1] + 1, dtype=jnp.float32),
                                                                (s[0], 1))), (d, self.d_state))
        skip = self.param("D", nn.initializers.ones, (d,))
        return selective_scan(x, dt, -jnp.exp(a_log), Bm, Cm, skip, mask,
                              discretization=self.discretization)


def _flip_valid(x, mask):
    """Reverses every sequence along axis -2 (padding included; masked positions are identity
    maps of the scan, so their place does not matter)."""
    return jnp.flip(x, axis=-2), None if mask is None else jnp.flip(mask, axis=-1)


class BiMambaBlock(nn.Module):
    """Bidirectional Mamba block of GMN (Behrouz & Hashemi 2024, Sec. 4.3), pre-norm residual::

        x̂ = LN(x);  [v, z] = W_in x̂;  v <- v ⊙ mask
        y = SSM_fwd(v) + flip(SSM_bwd(flip(v)))
        out = x + W_out (y ⊙ SiLU(z))          (padding rows are set to 0)

    The two directions have their own conv/Δ/B/C/A/D parameters and share ``W_in``/``W_out``.

    Shapes: ``x [..., L, F]`` -> ``[..., L, F]``; ``mask [..., L]`` bool (True = real token).
    """

    d_state: int = 16
    expand: int = 2
    d_conv: int = 4
    discretization: str = "zoh"
    bidirectional: bool = True

    @nn.compact
    def __call__(self, x, mask=None):
        f = x.shape[-1]
        e = self.expand * f
        h = nn.LayerNorm(name="norm")(x)
        v, z = jnp.split(nn.Dense(2 * e, name="in_proj")(h), 2, axis=-1)
        if mask is not None:
            v = jnp.where(mask[..., None], v, 0.0)
        ssm = lambda name: SelectiveSSM(self.d_state, self.d_conv, discretization=self.discretization, name=name)
        y = ssm("ssm_fwd")(v, mask)
        if self.bidirectional:
            vb, mb = _flip_valid(v, mask)
            y = y + jnp.flip(ssm("ssm_bwd")(vb, mb), axis=-2)
        out = x + nn.Dense(f, name="out_proj")(y * nn.silu(z))
        if mask is not None:
            out = jnp.where(mask[..., None], out, 0.0)
        return out


# ----------------------------------------------------------------------------- tokenization
class Tokens(NamedTuple):
    """Subgraph tokens of every node (host arrays, static shapes).

    Attributes:
      idx: ``[N, T, S]`` int32 node ids of token ``t`` of node ``v`` (slot ``s``); 0 where masked.
      mask: ``[N, T, S]`` bool, real slots.
      senders, receivers: ``[E_tok]`` int32 edges between *flat slots* (``v*T*S + t*S + s``)
        of the same token: the token's induced subgraph.
      edge_mask: ``[E_tok]`` bool (False for padding edges added to reach a budget).
      hop: ``[T]`` int32 hop (walk length) of every token position.
    """

    idx: np.ndarray
    mask: np.ndarray
    senders: np.ndarray
    receivers: np.ndarray
    edge_mask: np.ndarray
    hop: np.ndarray


def _check_graph_arrays(senders, receivers, n):
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n (number of nodes) must be a positive int, got {n!r}")
    s = np.asarray(senders).astype(np.int64).reshape(-1)
    r = np.asarray(receivers).astype(np.int64).reshape(-1)
    if s.shape != r.shape:
        raise ValueError(f"senders {s.shape} and receivers {r.shape} must have the same length")
    if s.size and (min(s.min(), r.min()) < 0 or max(s.max(), r.max()) >= n):
        raise ValueError(f"senders/receivers must lie in [0, n={n}), got range "
                         f"[{min(s.min(), r.min())}, {max(s.max(), r.max())}]")
    return s, r


def _csr(s, r, n, n_real):
    keep = (s < n_real) & (r < n_real) & (s != r)
    s, r = s[keep], r[keep]
    # out-neighbours, undirected view (a walk may use both directions of an edge)
    a = np.concatenate([s, r])
    b = np.concatenate([r, s])
    key = np.unique(a * n + b)
    a, b = key // n, key % n
    ptr = np.zeros(n + 1, np.int64)
    np.add.at(ptr, a + 1, 1)
    return np.cumsum(ptr), b


def _positive_int(name, v, minimum=1):
    if not isinstance(v, (int, np.integer)) or v < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {v!r}")


def hop_tokens(senders, receivers, n: int, num_hops: int, max_size: int, n_real: int | None = None,
               seed: int = 0):
    """Hop-ball tokens: token ``l`` of node ``v`` is the set of nodes within ``l`` hops of ``v``
    (undirected view), ``l = num_hops, ..., 1, 0`` (GMN's ordering: farthest first, the node
    itself last). A ball with more than ``max_size`` nodes keeps the nodes of the smaller balls
    first and a random subset (``seed``) of its outer shell — then the tokens are no longer a
    deterministic function of the graph.

    Args:
      senders, receivers: ``[E]`` edges (host arrays); n: number of nodes (padding included);
      num_hops: ``m >= 0``; max_size: slots per token ``S``; n_real: nodes ``>= n_real`` are
      padding (no tokens); seed: subsampling seed.
    Returns:
      ``(idx [n, m+1, S] int32, mask [n, m+1, S] bool, truncated: bool)``.
    Raises:
      ValueError: bad sizes or out-of-range indices.
    """
    s, r = _check_graph_arrays(senders, receivers, n)
    _positive_int("num_hops", num_hops, 0)
    _positive_int("max_size", max_size, 1)
    n_real = n if n_real is None else int(n_real)
    if not 0 <= n_real <= n:
        raise ValueError(f"n_real must be in [0, n={n}], got {n_real}")
    ptr, nbr = _csr(s, r, n, n_real)
    rng = np.random.default_rng(seed)
    T = num_hops + 1
    idx = np.zeros((n, T, max_size), np.int32)
    mask = np.zeros((n, T, max_size), bool)
    truncated = False
    for v in range(n_real):
        shells = [[v]]
        seen = {v}
        frontier = [v]
        for _ in range(num_hops):
            nxt = []
            for u in frontier:
                for w in nbr[ptr[u]:ptr[u + 1]]:
                    w = int(w)
                    if w not in seen:
                        seen.add(w)
                        nxt.append(w)
            shells.append(sorted(nxt))
            frontier = nxt
        ball: list[int] = []
        for l in range(T):
            shell = shells[l]
            room = max_size - len(ball)
            if len(shell) > room:
                truncated = True
                shell = sorted(rng.choice(shell, size=room, replace=False).tolist()) if room > 0 else []
            ball = ball + list(shell)
            t = num_hops - l  # farthest hop first
            idx[v, t, :len(ball)] = ball
            mask[v, t, :len(ball)] = True
    return idx, mask, truncated


def random_walk_tokens(senders, receivers, n: int, num_hops: int, num_walks: int, repeats: int = 1,
                       n_real: int | None = None, seed: int = 0):
    """GMN's random-walk neighborhood tokens (Behrouz & Hashemi 2024, Sec. 4.1).

    For node ``v``, walk length ``l = m, ..., 1, 0`` and repetition ``r = 1..s``: token
    ``T_{l,r}(v)`` = the set of nodes visited by ``M`` independent uniform random walks of length
    ``l`` started at ``v`` (undirected view; a walk stops at a node without neighbours). The
    sequence is ordered by ``l`` descending (``s`` tokens per length), so the node's own token
    ``{v}`` comes last. Walks are drawn from ``seed``: the tokens are permutation-equivariant in
    distribution only.

    Args:
      senders, receivers, n, n_real: as in :func:`hop_tokens`; num_hops: ``m >= 0``;
      num_walks: ``M >= 1``; repeats: ``s >= 1``; seed: walk seed.
    Returns:
      ``(idx, mask)`` of shape ``[n, s*(m+1), 1 + M*m]``.
    """
    s_, r_ = _check_graph_arrays(senders, receivers, n)
    _positive_int("num_hops", num_hops, 0)
    _positive_int("num_walks", num_walks, 1)
    _positive_int("repeats", repeats, 1)
    n_real = n if n_real is None else int(n_real)
    if not 0 <= n_real <= n:
        raise ValueError(f"n_real must be in [0, n={n}], got {n_real}")
    ptr, nbr = _csr(s_, r_, n, n_real)
    deg = np.diff(ptr)
    rng = np.random.default_rng(seed)
    S = 1 + num_walks * num_hops
    T = repeats * (num_hops + 1)
    idx = np.zeros((n, T, S), np.int32)
    mask = np.zeros((n, T, S), bool)
    real = np.arange(n_real)
    for rep in range(repeats):
        for l in range(num_hops + 1):
            t = (num_hops - l) * repeats + rep
            # walks: [n_real, M, l+1] positions, vectorized over nodes and walks
            pos = np.repeat(real[:, None], num_walks, axis=1)
            visits = [pos]
            for _ in range(l):
                d = deg[pos]
                pick = (rng.random(pos.shape) * np.maximum(d, 1)).astype(np.int64)
                nxt = nbr[np.minimum(ptr[pos] + pick, len(nbr) - 1)] if len(nbr) else pos
                pos = np.where(d > 0, nxt, pos)
                visits.append(pos)
            vis = np.concatenate([visits[0][:, :1]] + [v for v in visits[1:]], axis=1)  # [n_real, 1+M*l]
            vis = np.sort(vis, axis=1)
            first = np.concatenate([np.ones((n_real, 1), bool), vis[:, 1:] != vis[:, :-1]], axis=1)
            # compact the unique ids to the front of each row
            order = np.argsort(~first, axis=1, kind="stable")
            uniq = np.take_along_axis(vis, order, axis=1)
            um = np.take_along_axis(first, order, axis=1)
            w = uniq.shape[1]
            idx[:n_real, t, :w] = np.where(um, uniq, 0)
            mask[:n_real, t, :w] = um
    return idx, mask


def token_subgraph_edges(senders, receivers, n: int, idx, mask, edge_budget: int | None = None):
    """Induced-subgraph edges of every token, as edges between flat slots.

    Slot ``p = (v*T + t)*S + j`` holds node ``idx[v, t, j]``; an edge ``p -> q`` is emitted for
    every graph edge ``idx[p] -> idx[q]`` (both directions of the undirected view, no self
    loops) with ``p, q`` real slots of the same token.

    Args:
      senders, receivers, n: the graph; idx, mask: ``[N, T, S]`` from a tokenizer;
      edge_budget: pad the edge list to this length (``edge_mask`` False on padding edges,
        which join slot 0 to itself); ``None``: no padding.
    Returns:
      ``(senders [E_tok], receivers [E_tok], edge_mask [E_tok])`` int32/int32/bool.
    Raises:
      ValueError: when the edges do not fit ``edge_budget``.
    """
    s, r = _check_graph_arrays(senders, receivers, n)
    idx = np.asarray(idx)
    mask = np.asarray(mask, bool)
    if idx.shape != mask.shape or idx.ndim != 3:
        raise ValueError(f"idx and mask must both be [N, T, S], got {idx.shape} and {mask.shape}")
    ptr, nbr = _csr(s, r, n, n)
    N, T, S = idx.shape
    flat_node = idx.reshape(-1).astype(np.int64)
    slots = np.flatnonzero(mask.reshape(-1))
    tok = slots // S
    key = tok * n + flat_node[slots]
    order = np.argsort(key, kind="stable")
    skey, sslot = key[order], slots[order]
    u = flat_node[slots]
    deg = ptr[u + 1] - ptr[u]
    src = np.repeat(slots, deg)
    starts = np.repeat(ptr[u], deg)
    offs = np.arange(deg.sum()) - np.repeat(np.cumsum(deg) - deg, deg)
    w = nbr[starts + offs]
    cand = np.repeat(tok, deg) * n + w
    pos = np.searchsorted(skey, cand)
    pos_c = np.minimum(pos, max(len(skey) - 1, 0))
    hit = (pos < len(skey)) & (skey[pos_c] == cand) if len(skey) else np.zeros(0, bool)
    ts, tr = src[hit], sslot[pos_c[hit]]
    em = np.ones(ts.shape[0], bool)
    if edge_budget is not None:
        if ts.shape[0] > edge_budget:
            raise ValueError(f"edge_budget={edge_budget} is smaller than the {ts.shape[0]} token edges")
        p = edge_budget - ts.shape[0]
        ts = np.concatenate([ts, np.zeros(p, np.int64)])
        tr = np.concatenate([tr, np.zeros(p, np.int64)])
        em = np.concatenate([em, np.zeros(p, bool)])
    return ts.astype(np.int32), tr.astype(np.int32), em


def degree_order(senders, receivers, n_node, tie_break: str = "index", seed: int = 0,
                 max_len: int | None = None, key=None):
    """GMN node tokenization (``m = 0``) ordered by degree (Behrouz & Hashemi 2024, Sec. 4.2).

    Each graph's nodes form one sequence sorted by undirected degree ascending (the
    highest-degree nodes come last and see the most context in the forward scan). Ties are
    broken by node index (``'index'``), a random permutation (``'random'``, ``seed``) or a
    per-node value ``key`` (``'key'``, e.g. a feature hash or a PE entry; remaining ties by
    index).

    Permutation behaviour: a simple graph always has two nodes of equal degree, so the degree
    alone never fixes the order. The ordering is permutation-equivariant
    (``order(π G) = π(order(G))``) exactly when the pairs ``(degree, key)`` are distinct within
    every graph and ``tie_break='key'``; ``'index'`` and ``'random'`` are not equivariant when
    there are ties.

    Args:
      senders, receivers: ``[E]``; n_node: ``[G]`` nodes per graph (the last ones may be
      padding graphs; every graph gets a row); tie_break: ``'index'`` | ``'random'`` | ``'key'``;
      max_len: row length ``L`` (default: the largest graph); key: ``[sum(n_node)]`` floats
      (``'key'`` only).
    Returns:
      ``(order [G, L] int32 node ids, mask [G, L] bool)``.
    Raises:
      ValueError: bad ``tie_break`` or ``key``, indices out of range, or ``max_len`` too small.
    """
    if tie_break not in ("index", "random", "key"):
        raise ValueError(f"tie_break must be 'index', 'random' or 'key', got {tie_break!r}")
    n_node = np.asarray(n_node).astype(np.int64).reshape(-1)
    if n_node.size == 0 or n_node.min() < 0:
        raise ValueError(f"n_node must be a non-empty array of counts >= 0, got {n_node}")
    n = int(n_node.sum())
    if tie_break == "key":
        key = None if key is None else np.asarray(key, np.float64).reshape(-1)
        if key is None or key.shape[0] != n:
            raise ValueError(f"key must be given with {n} entries for tie_break='key', got "
                             f"{None if key is None else key.shape[0]}")
    s, r = _check_graph_arrays(senders, receivers, max(n, 1))
    ptr, _ = _csr(s, r, max(n, 1), n)
    deg = np.diff(ptr)[:n]
    L = int(n_node.max()) if max_len is None else int(max_len)
    if L < n_node.max():
        raise ValueError(f"max_len={L} is smaller than the largest graph ({n_node.max()} nodes)")
    L = max(L, 1)
    rng = np.random.default_rng(seed)
    order = np.zeros((len(n_node), L), np.int32)
    m = np.zeros((len(n_node), L), bool)
    start = 0
    for g, k in enumerate(n_node):
        ids = np.arange(start, start + k)
        if tie_break == "index":
            o = ids[np.lexsort((ids, deg[ids]))]
        elif tie_break == "random":
            o = ids[np.lexsort((rng.permutation(k), deg[ids]))]
        else:
            o = ids[np.lexsort((ids, key[ids], deg[ids]))]
        order[g, :k] = o
        m[g, :k] = True
        start += k
    return order, m
