"""CAWN-style baseline: online causal anonymous temporal walks (Wang et al., ICLR 2021).

"Inductive Representation Learning in Temporal Networks via Causal Anonymous Walks". This is the
*joint-structural-feature* baseline NAT (Luo & Li, LoG 2022) is compared against: for every query
pair it samples fresh temporal walks from a neighbor buffer, anonymizes the visited nodes relative
to *both* endpoints' walk sets and encodes each walk with an RNN. All of this is redone per pair
and per batch, which is exactly the cost NAT's N-caches avoid.

Pipeline of :meth:`CAWN.apply` (all shapes static, jit-able):

1. **Walk sampling** (:func:`sample_temporal_walks`) from the state *before* the batch: for each
   query node ``x_0`` at ``tau_0 = t``, ``W`` walks of ``L`` steps back in time. From ``(x_l,
   tau_l)`` a step picks one of ``x_l``'s buffer entries ``(x', t', e)`` with ``t' < tau_l``
   (strictly earlier) with probability ``∝ exp(theta * (t' - tau_l))`` (Gumbel-max with the
   explicit key); a walk with no such entry stops and its remaining positions are padding.
   Position ``l`` stores ``(x_l, tau_l, e_l)``; position 0 is the query node itself (no event).
2. **Causal anonymization** (:func:`anonymize_counts`): for the pair ``(u, v)`` with walk sets
   ``S_u, S_v`` every walk node ``a`` gets ``[g(a; S_u), g(a; S_v)] ∈ R^{2(L+1)}`` where
   ``g(a; S)[l]`` is the number of walks of ``S`` whose position ``l`` is ``a`` (padding
   excluded), computed by all-pairs equality tests. Counts are divided by ``W`` and passed through
   an MLP. The negative pair ``(u, neg)`` reuses ``u``'s walks, re-anonymized against ``S_neg``.
3. **Walk encoder**: per position ``[anon_enc, TimeEncoder(tau_0 - tau_l), edge_features[e_l]]``
   (edge features zero at position 0, at padding and when ``D == 0``) through a GRU over the
   ``L + 1`` positions; padded positions keep the hidden state, so the walk vector is the state
   after its last real step.
4. **Readout**: mean over each endpoint's walks, ``MLP([h_u, h_v]) -> logit``.

Cost per batch of ``B`` events (dominant terms): sampling gathers ``3·B·W·L`` buffer rows of
length ``K``; anonymization does ``2 pairs · B · (2W(L+1)) · (W(L+1))`` node comparisons
(``O(B W^2 L^2)``); the GRU runs ``4·B·W·(L+1)`` cell steps (``u``'s walks twice, once per
pair) — with the defaults the GRU FLOPs dominate, the ``W^2`` anonymization next.

``theta`` is in inverse time units of the stream (seconds for the usual JODIE/TGN datasets).
The default ``1e-6`` gives an e-folding time of ~11.6 days: a mild recency preference on top of the
buffer's own recency (it only keeps the ``K`` most recent interactions per node); increase it for
short streams or other time units.
"""
from __future__ import annotations

import dataclasses
from typing import NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgraph.nn.init import init_module
from jaxgraph.temporal.base import TimeEncoder
from jaxgraph.temporal.neighbors import (
    NeighborBuffer,
    init_neighbor_buffer,
    recent_neighbors,
    update_neighbor_buffer,
)

__all__ = ["CAWN", "TemporalWalks", "sample_temporal_walks", "anonymize_counts"]


class TemporalWalks(NamedTuple):
    """``W`` backward temporal walks per query, positions ``0..L``; all arrays ``[Q, W, L+1]``.

    ``node`` is -1 and ``eid`` is -1 at padding; ``eid`` is also -1 at position 0 (no event
    traversed); ``t`` at padding repeats the last real time. ``valid`` marks real positions
    (position 0 is always valid; a walk's valid positions are a prefix).
    """

    node: jnp.ndarray
    t: jnp.ndarray
    eid: jnp.ndarray
    valid: jnp.ndarray


def sample_temporal_walks(buf: NeighborBuffer, nodes, t0, key, num_walks: int, walk_len: int,
                          theta: float) -> TemporalWalks:
    """Sample ``num_walks`` causal walks of ``walk_len`` steps backwards from ``(nodes, t0)``.

    ``nodes`` int32 ``[Q]``, ``t0`` float32 ``[Q]``. A step from ``(x, tau)`` draws among ``x``'s
    valid buffer entries with time ``< tau`` with probability ``∝ exp(theta * (t' - tau))``.
    The random numbers depend only on ``key`` and the shapes, so query rows are independent.
    """
    nodes = jnp.asarray(nodes, jnp.int32)
    q = nodes.shape[0]
    w = num_walks
    cur = jnp.broadcast_to(nodes[:, None], (q, w))
    tau = jnp.broadcast_to(jnp.asarray(t0, jnp.float32)[:, None], (q, w))
    alive = jnp.ones((q, w), bool)
    out_node, out_t, out_eid, out_valid = [cur], [tau], [jnp.full((q, w), -1, jnp.int32)], [alive]
    keys = jax.random.split(key, max(walk_len, 1))
    for step in range(walk_len):
        safe = jnp.where(alive, cur, 0).reshape(-1)
        nbr, nt, ne, nv = recent_neighbors(buf, safe)
        k = nbr.shape[-1]
        nbr, nt, ne, nv = (a.reshape(q, w, k) for a in (nbr, nt, ne, nv))
        cand = nv & (nt < tau[..., None]) & alive[..., None]
        score = theta * (nt - tau[..., None]) + jax.random.gumbel(keys[step], (q, w, k), jnp.float32)
        score = jnp.where(cand, score, -jnp.inf)
        j = jnp.argmax(score, axis=-1)[..., None]
        alive = cand.any(axis=-1)
        cur = jnp.where(alive, jnp.take_along_axis(nbr, j, -1)[..., 0], -1)
        tau = jnp.where(alive, jnp.take_along_axis(nt, j, -1)[..., 0], tau)
        eid = jnp.where(alive, jnp.take_along_axis(ne, j, -1)[..., 0], -1)
        out_node.append(cur)
        out_t.append(tau)
        out_eid.append(eid)
        out_valid.append(alive)
    return TemporalWalks(
        node=jnp.stack(out_node, -1).astype(jnp.int32),
        t=jnp.stack(out_t, -1),
        eid=jnp.stack(out_eid, -1).astype(jnp.int32),
        valid=jnp.stack(out_valid, -1),
    )


def _counts(query_nodes, ref_nodes, ref_valid):
    """``[..., Wq, P]`` queries vs ``[..., W, P]`` references -> ``[..., Wq, P, P]`` counts
    ``c[..., i, p, l] = #{w : ref_valid[w, l] and ref_nodes[w, l] == query_nodes[i, p]}``."""
    eq = (query_nodes[..., :, :, None, None] == ref_nodes[..., None, None, :, :]) & ref_valid[..., None, None, :, :]
    return eq.sum(axis=-2, dtype=jnp.int32)


def anonymize_counts(walks_u: TemporalWalks, walks_v: TemporalWalks):
    """Relative-identity counts for the pair ``(u, v)``.

    Returns ``(cu, cv)``: ``cu`` ``[..., W, L+1, 2(L+1)]`` holds ``[g(a; S_u), g(a; S_v)]`` for the
    node ``a`` at every position of ``u``'s walks, ``cv`` the same for ``v``'s walks (same
    ``[S_u, S_v]`` order). Padding positions get all-zero counts (their node is -1).
    """
    nu = jnp.where(walks_u.valid, walks_u.node, -1)
    nv = jnp.where(walks_v.valid, walks_v.node, -1)
    cu = jnp.concatenate([_counts(nu, nu, walks_u.valid), _counts(nu, nv, walks_v.valid)], -1)
    cv = jnp.concatenate([_counts(nv, nu, walks_u.valid), _counts(nv, nv, walks_v.valid)], -1)
    return cu, cv


class _CAWNNet(nn.Module):
    num_walks: int
    anon_dim: int
    time_dim: int
    hidden_dim: int
    dropout: float
    time_encoding: str = "log"

    @nn.compact
    def __call__(self, counts, dt, efeat, valid, train: bool):
        """``counts [2, 2B, W, P, 2P]`` (set 0: first endpoint's walks, set 1: second endpoint's),
        ``dt [2, 2B, W, P]``, ``efeat [2, 2B, W, P, D]``, ``valid [2, 2B, W, P]`` -> logits ``[2B]``."""
        x = counts.astype(jnp.float32) / self.num_walks
        x = nn.relu(nn.Dense(self.anon_dim, name="anon_in")(x))
        x = nn.Dense(self.anon_dim, name="anon_out")(x)
        x = nn.Dropout(self.dropout, deterministic=not train)(x)
        feat = jnp.concatenate([x, TimeEncoder(self.time_dim, self.time_encoding, name="time_enc")(dt), efeat], -1)
        feat = nn.Dense(self.hidden_dim, name="walk_in")(feat)
        cell = nn.GRUCell(features=self.hidden_dim, name="gru")
        h = jnp.zeros(feat.shape[:-2] + (self.hidden_dim,), jnp.float32)
        for p in range(feat.shape[-2]):
            h_new, _ = cell(h, feat[..., p, :])
            h = jnp.where(valid[..., p, None], h_new, h)
        wv = valid[..., 0].astype(jnp.float32)  # walks with a real start (all, for real queries)
        pooled = (h * wv[..., None]).sum(-2) / jnp.maximum(wv.sum(-1, keepdims=True), 1.0)  # [2, 2B, H]
        z = jnp.concatenate([pooled[0], pooled[1]], -1)
        z = nn.relu(nn.Dense(self.hidden_dim, name="out_hidden")(z))
        z = nn.Dropout(self.dropout, deterministic=not train)(z)
        return nn.Dense(1, name="out")(z)[..., 0]


@dataclasses.dataclass(frozen=True)
class CAWN:
    """CAWN-style temporal link predictor following :class:`jaxgraph.temporal.base.TemporalLinkModel`.

    State: a :class:`~jaxgraph.temporal.neighbors.NeighborBuffer` of size ``buffer_size``.

    Fields: ``num_walks`` (``W``, walks per endpoint), ``walk_len`` (``L``, steps per walk),
    ``buffer_size`` (``K``, interactions kept per node), ``theta`` (walk-sampling time decay in
    inverse stream time units; default ``1e-6`` ~ an 11.6-day e-folding time for seconds),
    ``anon_dim`` (anonymization MLP width / output), ``time_dim`` and ``time_encoding``
    (:class:`TimeEncoder`; default the monotone log gap, dim 1 — see its docstring for why),
    ``hidden_dim`` (GRU state and readout MLP width), ``dropout`` (on the anonymous encodings and
    in the readout, only when ``train``).
    """

    num_walks: int = 32
    walk_len: int = 2
    buffer_size: int = 32
    theta: float = 1e-6
    anon_dim: int = 32
    time_dim: int = 1
    hidden_dim: int = 64
    dropout: float = 0.1
    time_encoding: str = "log"  # jaxgraph.temporal.base.TimeEncoder; CAWN's own: "harmonic"
    name: str = "CAWN"

    @property
    def net(self) -> _CAWNNet:
        return _CAWNNet(self.num_walks, self.anon_dim, self.time_dim, self.hidden_dim, self.dropout, self.time_encoding)

    # -- contract ------------------------------------------------------------------------------
    def init_state(self, split) -> NeighborBuffer:
        return init_neighbor_buffer(int(split.dataset.num_nodes), self.buffer_size)

    def init(self, key, split, batch):
        b = jnp.asarray(batch["src"]).shape[0]
        p = self.walk_len + 1
        d = int(split.dataset.edge_features.shape[1])
        shape = (2, 2 * b, self.num_walks, p)
        return init_module(
            self.net,
            {"params": key},
            jnp.zeros(shape + (2 * p,), jnp.int32),
            jnp.zeros(shape, jnp.float32),
            jnp.zeros(shape + (d,), jnp.float32),
            jnp.ones(shape, bool),
            False,
        )["params"]

    def sample_walks(self, state: NeighborBuffer, batch, key):
        """Walks of ``src``, ``dst``, ``neg`` (each :class:`TemporalWalks` ``[B, W, L+1]``) from
        ``state``; exactly the walks :meth:`apply` uses with the same ``key``."""
        k_walk, _ = jax.random.split(key)
        b = batch["src"].shape[0]
        nodes = jnp.concatenate([batch["src"], batch["dst"], batch["neg"]]).astype(jnp.int32)
        t0 = jnp.tile(batch["t"].astype(jnp.float32), 3)
        walks = sample_temporal_walks(state, nodes, t0, k_walk, self.num_walks, self.walk_len, self.theta)
        return tuple(TemporalWalks(*(a[i * b:(i + 1) * b] for a in walks)) for i in range(3))

    def apply(self, params, state, aux, batch, key, train: bool):
        _, k_drop = jax.random.split(key)
        ws, wd, wn = self.sample_walks(state, batch, key)
        cs_pos, cd = anonymize_counts(ws, wd)
        cs_neg, cn = anonymize_counts(ws, wn)

        def cat(a, b):
            return jnp.concatenate([a, b], 0)

        first = TemporalWalks(*(cat(a, a) for a in ws))  # src walks, once per pair
        second = TemporalWalks(*(cat(a, c) for a, c in zip(wd, wn)))
        counts = jnp.stack([cat(cs_pos, cs_neg), cat(cd, cn)])
        valid = jnp.stack([first.valid, second.valid])
        t0 = batch["t"].astype(jnp.float32)
        t0 = cat(t0, t0)[None, :, None, None]
        dt = jnp.where(valid, t0 - jnp.stack([first.t, second.t]), 0.0)
        eid = jnp.stack([first.eid, second.eid])
        ef = aux["edge_features"]
        d = ef.shape[1]
        if d == 0 or ef.shape[0] == 0:
            efeat = jnp.zeros(eid.shape + (d,), jnp.float32)
        else:
            efeat = jnp.where((eid >= 0)[..., None], ef[jnp.maximum(eid, 0)], 0.0).astype(jnp.float32)
        logits = self.net.apply({"params": params}, counts, dt, efeat, valid, train, rngs={"dropout": k_drop})
        b = batch["src"].shape[0]
        new_state = update_neighbor_buffer(state, batch["src"], batch["dst"], batch["t"], batch["eid"], batch["mask"])
        return logits[:b], logits[b:], new_state
