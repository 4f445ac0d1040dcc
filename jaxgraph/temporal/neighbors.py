"""Per-node ring buffers of the most recent interactions (jit-able, static shapes).

The TGN-style and CAWN-style baselines and the NAT model (Luo & Li, "Neighborhood-aware Scalable
Temporal Network Representation Learning", LoG 2022) all need, for a node ``u`` at the time of a
batch, the ``K`` most recent interactions ``(neighbor, time, event id)`` of ``u`` seen so far.
:class:`NeighborBuffer` keeps them in a fixed ``[N, K]`` ring buffer that is updated batch by batch
inside ``jit`` without any Python loop over events.

Conventions (shared by every model in :mod:`jaxgraph.temporal`):

* An event ``(src, dst, t, eid)`` inserts ``dst`` into ``src``'s buffer and ``src`` into
  ``dst``'s buffer, in the order of the events in the batch (for one event, the ``src`` side is
  inserted before the ``dst`` side; the two go to different buffers unless it is a self-loop).
* **Self-loops** (``src == dst == u``) insert ``u`` into ``u``'s buffer **once**: a self-loop is
  one interaction of ``u``, so it occupies one slot and increments ``count[u]`` by one.
* **Ties** in time are resolved by batch order, and batches by the order they are applied: the
  "most recent" entry is the last one inserted, whatever the timestamps.
* Padding rows (``mask`` False) change nothing.
* If a node receives more than ``K`` insertions in one batch only its last ``K`` are kept (the
  earlier ones would be overwritten anyway); they are dropped before the scatter, so no two
  insertions ever target the same slot and the result is deterministic.
"""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

__all__ = ["NeighborBuffer", "init_neighbor_buffer", "update_neighbor_buffer", "recent_neighbors"]


class NeighborBuffer(NamedTuple):
    """Ring buffer of the last ``K`` interactions of each of ``N`` nodes.

    Slot ``(count[u] - 1 - j) % K`` of row ``u`` holds the ``j``-th most recent interaction of
    ``u`` for ``j < min(count[u], K)``; the other slots are empty.

    Attributes:
      nbr: int32 ``[N, K]`` neighbor node id, ``-1`` = empty.
      t: float32 ``[N, K]`` interaction time (0 for empty slots).
      eid: int32 ``[N, K]`` global event index of the interaction, ``-1`` = empty.
      count: int32 ``[N]`` number of insertions into the node's buffer so far.
    """

    nbr: jax.Array
    t: jax.Array
    eid: jax.Array
    count: jax.Array


def init_neighbor_buffer(num_nodes: int, size: int) -> NeighborBuffer:
    """An empty buffer.

    Args:
      num_nodes: ``N >= 1``.
      size: ``K >= 1``, interactions kept per node.

    Returns:
      A :class:`NeighborBuffer` with ``nbr = eid = -1``, ``t = 0``, ``count = 0``.

    Raises:
      ValueError: if ``num_nodes`` or ``size`` is not a positive integer.
    """
    for name, v in (("num_nodes", num_nodes), ("size", size)):
        if int(v) != v or int(v) < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    n, k = int(num_nodes), int(size)
    return NeighborBuffer(
        nbr=jnp.full((n, k), -1, jnp.int32),
        t=jnp.zeros((n, k), jnp.float32),
        eid=jnp.full((n, k), -1, jnp.int32),
        count=jnp.zeros((n,), jnp.int32),
    )


def update_neighbor_buffer(buf: NeighborBuffer, src, dst, t, eid, mask) -> NeighborBuffer:
    """Inserts a batch of events (see the module docstring for the rules).

    Args:
      buf: the buffer before the batch.
      src, dst: int ``[B]`` node ids in ``[0, N)`` (ignored where ``mask`` is False).
      t: float ``[B]`` event times.
      eid: int ``[B]`` global event indices.
      mask: bool ``[B]`` real events; False rows are padding and change nothing.

    Returns:
      The buffer after the batch. Jit-able; shapes are static.
    """
    n, k = buf.nbr.shape
    src = jnp.asarray(src, jnp.int32)
    dst = jnp.asarray(dst, jnp.int32)
    t = jnp.asarray(t, jnp.float32)
    eid = jnp.asarray(eid, jnp.int32)
    mask = jnp.asarray(mask, bool)
    b = src.shape[0]
    # Insertion list in batch order: event i -> (src_i gets dst_i) at 2i, (dst_i gets src_i) at 2i+1.
    node = jnp.stack([src, dst], 1).reshape(-1)
    other = jnp.stack([dst, src], 1).reshape(-1)
    tt = jnp.repeat(t, 2)
    ee = jnp.repeat(eid, 2)
    valid = jnp.stack([mask, mask & (src != dst)], 1).reshape(-1)  # self-loop: inserted once
    key = jnp.where(valid, node, n)  # invalid insertions sort last, in a group of their own
    order = jnp.argsort(key, stable=True)  # groups by node, batch order within a group
    skey = key[order]
    first = jnp.searchsorted(skey, skey, side="left")
    last = jnp.searchsorted(skey, skey, side="right")
    rank = jnp.arange(2 * b, dtype=jnp.int32) - first.astype(jnp.int32)  # order among the node's insertions
    n_u = (last - first).astype(jnp.int32)
    svalid = valid[order]
    keep = svalid & (rank >= n_u - k)  # only the node's last K insertions of this batch
    snode = node[order]
    safe = jnp.where(svalid, snode, 0)
    slot = (buf.count[safe] + rank) % k
    row = jnp.where(keep, snode, n)  # out of range -> dropped by the scatter
    nbr = buf.nbr.at[row, slot].set(other[order], mode="drop")
    tb = buf.t.at[row, slot].set(tt[order], mode="drop")
    eb = buf.eid.at[row, slot].set(ee[order], mode="drop")
    count = buf.count.at[jnp.where(valid, node, n)].add(1, mode="drop")
    return NeighborBuffer(nbr, tb, eb, count)


def recent_neighbors(buf: NeighborBuffer, nodes):
    """The last ``K`` interactions of each query node, most recent first.

    Args:
      buf: a :class:`NeighborBuffer` with ``K`` slots per node.
      nodes: int ``[Q]`` node ids in ``[0, N)``.

    Returns:
      ``(nbr, t, eid, valid)``: int32 ``[Q, K]`` neighbor ids, float32 ``[Q, K]`` times, int32
      ``[Q, K]`` event ids and bool ``[Q, K]`` validity; column ``j`` is the ``j``-th most recent
      interaction. Invalid entries (fewer than ``K`` interactions so far) have ``nbr = eid = -1``
      and ``t = 0``; valid entries form a prefix of each row.
    """
    k = buf.nbr.shape[1]
    nodes = jnp.asarray(nodes, jnp.int32)
    c = buf.count[nodes]  # [Q]
    j = jnp.arange(k, dtype=jnp.int32)
    slot = jnp.mod(c[:, None] - 1 - j[None, :], k)
    valid = j[None, :] < jnp.minimum(c, k)[:, None]
    rows = nodes[:, None]
    nbr = jnp.where(valid, buf.nbr[rows, slot], -1)
    t = jnp.where(valid, buf.t[rows, slot], 0.0)
    eid = jnp.where(valid, buf.eid[rows, slot], -1)
    return nbr, t, eid, valid
