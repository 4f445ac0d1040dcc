"""Random walks on a CSR graph in JAX: uniform (DeepWalk) and second-order biased (node2vec).

* DeepWalk: B. Perozzi, R. Al-Rfou, S. Skiena, "DeepWalk: Online Learning of Social
  Representations", KDD 2014. Truncated uniform random walks, ``gamma`` walks per node of
  length ``t`` (paper: gamma=80, t=40 in the experiments; node2vec uses r=10, l=80).
* node2vec: A. Grover, J. Leskovec, "node2vec: Scalable Feature Learning for Networks",
  KDD 2016, Sec. 3.2.2. Having just traversed ``t -> v``, the walk moves to a neighbour ``x``
  of ``v`` with unnormalised probability ``w_vx * alpha_pq(t, x)``::

      alpha_pq(t, x) = 1/p  if x == t            (d_tx = 0, return)
                       1    if x is a neighbour of t   (d_tx = 1)
                       1/q  otherwise            (d_tx = 2, in-out)

  The first step from the start node is first order (proportional to ``w_vx``). ``p = q = 1``
  gives the uniform walk of DeepWalk.

Implementation (static shapes, O(E) memory, never an ``N x N`` matrix):

* The graph is a CSR pair ``(indptr [N+1], indices [E])`` sorted by sender then receiver
  (:func:`csr_from_graph`); an edge listed k times is k times as likely (multigraph weights).
* All walks advance together: ``jax.lax.scan`` over the ``walk_length - 1`` steps of a batch
  of ``[num_walks]`` positions. A uniform step draws ``indices[indptr[v] + floor(u * deg(v))]``.
* A node2vec step uses exact rejection sampling with outlier folding (as in KnightKing, K. Yang
  et al., SOSP 2019): the envelope gives every edge slot of ``v`` height ``h = max(1, 1/q)``
  plus, for the ``r`` slots that return to ``t``, an extra block of area ``r * max(0, 1/p - h)``.
  A uniform point under the envelope is accepted when it lies under ``alpha_pq`` (always in the
  extra block, which yields ``x = t``), so accepted draws follow the node2vec distribution
  exactly and a small ``p`` costs no extra rejections. "Is ``x`` a neighbour of ``t``" is a binary search over
  ``t``'s sorted CSR row (a fixed number of ``ceil(log2(max_degree + 1))`` halvings, so it jits).
  A ``lax.while_loop`` repeats the proposal for the walks not yet accepted; the unfinished walks
  are compacted into working sets of static sizes ``B, B/4, B/16, ...`` so the long tail of
  rejections does not cost ``O(B)`` per round.
* A walk that reaches a node with no out-neighbour is padded with ``-1`` from there on.
* Edges are read as directed (``senders -> receivers``); for an undirected graph store both
  directions. For node2vec on a directed graph, "neighbour of ``t``" means an out-neighbour.

Edge weights are not used (unweighted walks, as in the DeepWalk/node2vec benchmarks).
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import jraph
import numpy as np

from jaxgraph.graph.validate import check_index_array

__all__ = ["csr_from_graph", "random_walks"]


def _num_nodes(graph: jraph.GraphsTuple) -> int:
    if graph.n_node is None:
        raise ValueError("graph.n_node is None; expected per-graph node counts")
    return int(np.asarray(graph.n_node).sum())


def csr_from_graph(graph: jraph.GraphsTuple) -> tuple[np.ndarray, np.ndarray]:
    """CSR adjacency by sender, each row sorted by receiver.

    Args:
      graph: a ``jraph.GraphsTuple`` (one graph or a batch with global node ids);
        ``senders``/``receivers`` ``[E]``.

    Returns:
      ``(indptr, indices)``: int32 numpy arrays ``[N+1]`` and ``[E]``; the out-neighbours of
      node ``v`` are ``indices[indptr[v]:indptr[v+1]]`` in increasing order (duplicate edges
      kept, so a multi-edge is a weight).

    Raises:
      ValueError: senders/receivers of different shapes, non-integer, or out of ``[0, N)``.
    """
    n = _num_nodes(graph)
    s = np.asarray(graph.senders).reshape(-1)
    r = np.asarray(graph.receivers).reshape(-1)
    if s.shape != r.shape:
        raise ValueError(f"senders has shape {s.shape} but receivers has shape {r.shape}")
    s, r = check_index_array("senders", s, n), check_index_array("receivers", r, n)
    if s.size >= 2**31:
        raise ValueError(f"graph has {s.size} edges; int32 CSR supports fewer than 2**31")
    order = np.lexsort((r, s))
    indices = r[order].astype(np.int32)
    counts = np.bincount(s.astype(np.int64), minlength=n) if s.size else np.zeros(n, np.int64)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr.astype(np.int32), indices


def _check_positive_int(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_positive_float(name: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return v


def _lower_bound(indptr, indices, row, x, search_iters: int):
    """First position in the sorted CSR row ``row[b]`` whose entry is ``>= x[b]``; also the row end.

    ``row`` must be a valid node id. Returns int32 ``[B]`` positions in ``[indptr[row], indptr[row+1]]``.
    """
    lo = indptr[row]
    end = indptr[row + 1]

    def halve(_, carry):
        lo, hi = carry
        mid = (lo + hi) // 2
        active = lo < hi
        go_right = active & (indices[jnp.minimum(mid, indices.shape[0] - 1)] < x)
        return jnp.where(go_right, mid + 1, lo), jnp.where(active & ~go_right, mid, hi)

    lo, _ = jax.lax.fori_loop(0, search_iters, halve, (lo, end))
    return lo, end


def _in_row(indptr, indices, row, x, search_iters: int):
    """Whether ``x[b]`` occurs in the sorted CSR row ``row[b]`` (``row < 0``: False). [B] bool."""
    lo, end = _lower_bound(indptr, indices, jnp.maximum(row, 0), x, search_iters)
    found = (lo < end) & (indices[jnp.minimum(lo, indices.shape[0] - 1)] == x)
    return found & (row >= 0)


@functools.partial(jax.jit, static_argnames=("walk_length", "second_order", "search_iters"))
def _walk_kernel(indptr, indices, starts, key, inv_p, inv_q, *, walk_length: int, second_order: bool,
                 search_iters: int):
    """Walks ``[B, walk_length]`` from ``starts [B]`` (see module docstring)."""
    deg = indptr[1:] - indptr[:-1]
    last = indices.shape[0] - 1
    height = jnp.maximum(inv_q, 1.0)
    extra = jnp.maximum(inv_p - height, 0.0)

    def uniform_neighbour(cur, k):
        safe = jnp.maximum(cur, 0)
        d = jnp.where(cur >= 0, deg[safe], 0)
        u = jax.random.uniform(k, cur.shape)
        off = jnp.minimum((u * d).astype(jnp.int32), jnp.maximum(d - 1, 0))
        x = indices[jnp.clip(indptr[safe] + off, 0, last)]
        return jnp.where(d > 0, x, -1)

    def biased_neighbour(prev, cur, k):
        b = cur.shape[0]
        safe = jnp.maximum(cur, 0)
        d = jnp.where(cur >= 0, deg[safe], 0)
        done = d == 0  # dead end (or already padded): emit -1
        out = jnp.full_like(cur, -1)
        # Rejection rounds on a shrinking working set: a tier runs until at most the next tier's
        # size of walks is left, then the unfinished walks are compacted (static sizes b, b/4, ...).
        sizes = [b]
        while sizes[-1] > 1024:
            sizes.append(sizes[-1] // 4)
        idx = jnp.arange(b)
        for tier, size in enumerate(sizes):
            valid = idx < b
            widx = jnp.minimum(idx, b - 1)
            w_prev, w_cur = prev[widx], cur[widx]
            w_done = done[widx] | ~valid
            left = sizes[tier + 1] if tier + 1 < len(sizes) else 0
            k_tier = jax.random.fold_in(k, tier)

            def cond(state, left=left):
                return jnp.sum(~state[0]) > left

            # Envelope (outlier folding): each of the d edge slots of v has height h = max(1, 1/q);
            # the r slots pointing back to t get an extra block of area r * max(0, 1/p - h) that is
            # always accepted as x = t. Total area A; accepted mass is exactly alpha_pq per slot.
            w_safe = jnp.maximum(w_cur, 0)
            w_d = jnp.where(w_cur >= 0, deg[w_safe], 0).astype(jnp.float32)
            t_safe = jnp.maximum(w_prev, 0)
            lo_t, _ = _lower_bound(indptr, indices, w_safe, t_safe, search_iters)
            hi_t, _ = _lower_bound(indptr, indices, w_safe, t_safe + 1, search_iters)
            w_r = jnp.where(w_prev >= 0, hi_t - lo_t, 0).astype(jnp.float32)
            slot_area = w_d * height
            area = slot_area + w_r * extra

            def body(state, w_prev=w_prev, w_cur=w_cur, k_tier=k_tier, slot_area=slot_area, area=area, w_r=w_r):
                w_done, w_out, trial = state
                k1, k2 = jax.random.split(jax.random.fold_in(k_tier, trial))
                u1 = jax.random.uniform(k1, w_cur.shape) * area
                in_slots = (u1 < slot_area) | (w_r == 0)  # (guards a float round-up to the full area)
                w_s = jnp.maximum(w_cur, 0)
                d_i = deg[w_s]
                slot = jnp.minimum((u1 / height).astype(jnp.int32), jnp.maximum(d_i - 1, 0))
                x = indices[jnp.clip(indptr[w_s] + slot, 0, last)]
                in_t = _in_row(indptr, indices, w_prev, x, search_iters)
                alpha = jnp.where(x == w_prev, inv_p, jnp.where(in_t, 1.0, inv_q))
                y = jax.random.uniform(k2, w_cur.shape) * height
                accept = jnp.where(in_slots, y < jnp.minimum(alpha, height), True)
                x = jnp.where(in_slots, x, w_prev)
                take = ~w_done & accept
                return w_done | accept, jnp.where(take, x, w_out), trial + 1

            w_done, w_out, _ = jax.lax.while_loop(cond, body, (w_done, out[widx], jnp.int32(0)))
            out = out.at[idx].set(w_out, mode="drop")
            done = done.at[idx].set(w_done, mode="drop")
            if left:
                idx = jnp.nonzero(~done, size=left, fill_value=b)[0]
        return out

    k0, key = jax.random.split(key)
    first = uniform_neighbour(starts, k0) if walk_length > 1 else starts

    def step(carry, t):
        prev, cur = carry
        kt = jax.random.fold_in(key, t)
        if second_order:
            nxt = biased_neighbour(prev, cur, kt)  # prev >= 0 whenever cur >= 0
        else:
            nxt = uniform_neighbour(cur, kt)
        return (cur, nxt), nxt

    if walk_length <= 2:
        cols = [starts, first][:walk_length]
        return jnp.stack(cols, axis=1)
    _, rest = jax.lax.scan(step, (starts, first), jnp.arange(walk_length - 2))
    return jnp.concatenate([starts[:, None], first[:, None], rest.T], axis=1)


def random_walks(graph: jraph.GraphsTuple, key, *, walks_per_node: int = 10, walk_length: int = 80,
                 p: float = 1.0, q: float = 1.0, start_nodes=None) -> jax.Array:
    """Truncated random walks (DeepWalk, KDD 2014; node2vec, KDD 2016) with static shapes.

    Transition rule (node2vec Sec. 3.2.2): after ``t -> v`` the next node is a neighbour ``x`` of
    ``v`` with probability proportional to ``alpha_pq(t, x)`` (1/p if ``x == t``, 1 if ``x`` is a
    neighbour of ``t``, 1/q otherwise); the first step is uniform over the out-edges of the start.
    ``p = q = 1`` is the uniform DeepWalk walk. Sampling is exact (rejection sampling, see the
    module docstring); memory is O(E + num_walks * walk_length).

    Args:
      graph: ``jraph.GraphsTuple`` with ``N`` nodes; edges ``senders -> receivers`` (store both
        directions for an undirected graph).
      key: a ``jax.random`` key; the same key gives the same walks.
      walks_per_node: walks started from every node (used when ``start_nodes`` is None).
      walk_length: nodes per walk, the start included (>= 1).
      p: node2vec return parameter (> 0).
      q: node2vec in-out parameter (> 0).
      start_nodes: optional int ``[num_walks]`` start node of each row. Default: every node
        ``walks_per_node`` times, in ``walks_per_node`` rounds, each round a fresh random
        permutation of ``0..N-1`` (DeepWalk's shuffled passes).

    Returns:
      int32 ``jax.Array`` ``[num_walks, walk_length]``; row ``r`` starts at ``start_nodes[r]``.
      After a node with no out-neighbour the row is ``-1`` to the end.

    Raises:
      ValueError: ``walks_per_node < 1``, ``walk_length < 1``, ``p``/``q`` not positive finite,
        ``start_nodes`` not a 1-D integer array in ``[0, N)``, or a malformed graph.
    """
    walks_per_node = _check_positive_int("walks_per_node", walks_per_node)
    walk_length = _check_positive_int("walk_length", walk_length)
    p = _check_positive_float("p", p)
    q = _check_positive_float("q", q)
    indptr, indices = csr_from_graph(graph)
    n = len(indptr) - 1
    key_perm, key_walk = jax.random.split(key)
    if start_nodes is None:
        if n == 0:
            return jnp.zeros((0, walk_length), jnp.int32)
        perms = jax.vmap(lambda k: jax.random.permutation(k, n))(jax.random.split(key_perm, walks_per_node))
        starts = perms.reshape(-1).astype(jnp.int32)
    else:
        st = np.asarray(start_nodes)
        if st.ndim != 1:
            raise ValueError(f"start_nodes must be 1-D [num_walks], got shape {st.shape}")
        if st.size and not np.issubdtype(st.dtype, np.integer):
            raise ValueError(f"start_nodes must be integers, got dtype {st.dtype}")
        if st.size and (st.min() < 0 or st.max() >= n):
            bad = st[(st < 0) | (st >= n)][0]
            raise ValueError(f"start_nodes contains node id {int(bad)} outside [0, {n})")
        if st.size == 0:
            return jnp.zeros((0, walk_length), jnp.int32)
        starts = jnp.asarray(st, jnp.int32)
    if indices.size == 0:  # no edges: every walk stops at its start
        pad = jnp.full((starts.shape[0], walk_length - 1), -1, jnp.int32)
        return jnp.concatenate([starts[:, None], pad], axis=1)
    max_deg = int(np.max(np.diff(indptr))) if n else 0
    search_iters = max(1, int(max_deg).bit_length() + 1)
    second_order = not (p == 1.0 and q == 1.0)
    return _walk_kernel(jnp.asarray(indptr), jnp.asarray(indices), starts, key_walk,
                        jnp.float32(1.0 / p), jnp.float32(1.0 / q), walk_length=walk_length,
                        second_order=second_order, search_iters=search_iters)
