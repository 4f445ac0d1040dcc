"""NAT: Neighborhood-Aware Temporal network model (Luo & Li, LoG 2022), in JAX.

Each node ``u`` carries a *dictionary-type* neighborhood representation kept in N-caches
(:mod:`jaxgraph.temporal.ncache`): ``Z_u^(0)`` (the node itself), ``Z_u^(1)`` (up to ``M1``
1-hop neighbors) and ``Z_u^(2)`` (up to ``M2`` 2-hop neighbors), each entry
``neighbor id -> (time, event id, representation in R^ngh_dim)``, plus a self representation
``s_u in R^self_dim``. For a batch of events ``(u, v, t)`` with a negative ``w`` per event:

1. *Lazy updates* (the paper's GRU updates, applied when a node is read, as in the official code):
   ``s_u' = GRU_s(W_s [s_o, x_e, phi(t - t_e)], s_u)`` from ``u``'s previous event ``(u, o, t_e, e)``;
   every cached entry ``(a, t_a, e_a, r_a)`` is read as ``r_a' = GRU_n(W_n [s_a, x_{e_a}, phi(t - t_a)], r_a)``.
2. *Joint structural features* of a pair ``(u, v)``: the union of the keys of ``Z_u^(0..2)`` and
   ``Z_v^(0..2)``; each key ``a`` gets the sum of its representations over the dictionaries it
   appears in and a 6-bit code of *where* it appears (bit ``h`` for ``Z_u^(h)``, bit ``3 + h`` for
   ``Z_v^(h)``) embedded in ``R^pos_dim``; e.g. a common neighbor has bits 1 and 4, and ``v``
   being a known neighbor of ``u`` sets bits 3 and 1 on key ``v``.
3. *Prediction*: attention pooling over the joint neighborhood, concatenated with ``s_u'`` and
   ``s_v'``, then an MLP -> one logit.
4. *N-cache update* after scoring (no leakage; no gradient into the caches): ``s_u, s_v`` are
   stored, ``u`` enters ``Z_v^(1)`` and ``v`` enters ``Z_u^(1)`` (with the representation they
   had there, or zeros), the entries of ``Z_u^(1)`` enter ``Z_v^(2)`` and vice versa, and
   ``Z_u^(0)``, ``Z_v^(0)`` are refreshed. Slots are ``owner * M + h(key)``; a slot holding another
   key is replaced with probability ``replace_prob`` (alpha); within a batch the latest event wins.

Differences from the official PyTorch code, on purpose: times are encoded relative to the query
time (``t - t_a``) instead of absolute; the N-cache hash cannot overflow and a rejected write goes
nowhere (the official code writes it to slot 0); collisions within a batch resolve
deterministically; attention pooling uses a learned query (the official GAT attends from the joint
neighborhood to the pair); the time gap is encoded by ``log1p(dt)`` (the official ``time_dim = 1``
harmonic ``cos(w dt + b)`` of a raw gap in seconds carries no usable signal; see
:class:`~jaxgraph.temporal.base.TimeEncoder`). Defaults follow the official ``parser.py`` (M1 = 32,
M2 = 16, ngh_dim 4, self_dim 72, pos_dim 16, 2 heads, time_dim 1, dropout 0.1, alpha 0.9).

Shapes: ``N`` nodes, batch ``B``; state ``self_rep [N, self_dim]``, ``prev_* [N]``, caches
``[N * M_h]`` entries.
"""
from __future__ import annotations

import dataclasses
from typing import NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgraph.nn.init import init_module
from jaxgraph.temporal.base import TimeEncoder, latest_writer, scatter_rows
from jaxgraph.temporal.ncache import NCache, ncache_fetch, ncache_init, ncache_update

__all__ = ["NAT", "NATState", "joint_structural_features"]


class NATState(NamedTuple):
    self_rep: jax.Array   # float32 [N, self_dim]
    prev_opp: jax.Array   # int32 [N] other endpoint of the node's last event (-1 none)
    prev_eid: jax.Array   # int32 [N]
    prev_t: jax.Array     # float32 [N]
    caches: tuple         # (hop0, hop1, hop2) NCache


def joint_structural_features(keys_a, reps_a, keys_b, reps_b, hops):
    """Joint features of the dictionaries of two nodes (NAT §4.2), static shapes.

    Args:
      keys_a, keys_b: int32 ``[P, E]`` dictionary keys of the two endpoints of ``P`` pairs
        (``E`` entries over all hops, -1 = empty).
      reps_a, reps_b: float ``[P, E, F]`` entry representations.
      hops: int32 ``[E]`` hop of each entry (0, 1, 2).

    Returns:
      ``(rep [P, 2E, F], code [P, 2E] int32, first [P, 2E] bool)``: for every entry, the sum of
      the representations of all entries with the same key in either dictionary, the OR of their
      position bits (bit ``h`` for hop ``h`` of ``a``, bit ``3 + h`` for ``b``), and whether the
      entry is the first occurrence of its key (use ``first`` as the mask over unique keys).
    """
    keys = jnp.concatenate([keys_a, keys_b], 1)
    reps = jnp.concatenate([reps_a, reps_b], 1)
    bits = jnp.concatenate([jnp.left_shift(1, hops), jnp.left_shift(1, hops + 3)]).astype(jnp.int32)
    p, s = keys.shape
    valid = keys >= 0
    # group equal keys per pair by a stable sort (O(S log S), as the paper's unique-based join;
    # an all-pairs equality test would be O(S^2)); empty entries sort last
    sk = jnp.where(valid, keys, jnp.iinfo(jnp.int32).max)
    order = jnp.argsort(sk, axis=1, stable=True)
    ss = jnp.take_along_axis(sk, order, 1)
    new_group = jnp.concatenate([jnp.ones((p, 1), bool), ss[:, 1:] != ss[:, :-1]], 1)
    rows = jnp.arange(p)[:, None]
    gid = jnp.zeros((p, s), jnp.int32).at[rows, order].set((jnp.cumsum(new_group, axis=1) - 1).astype(jnp.int32))
    first = jnp.zeros((p, s), bool).at[rows, order].set(new_group) & valid  # stable: first occurrence
    flat = (rows * s + gid).reshape(-1)
    vm = valid.reshape(-1)
    rsum = jax.ops.segment_sum(jnp.where(vm[:, None], reps.reshape(p * s, -1), 0), flat, p * s)
    csum = jax.ops.segment_sum(jnp.where(vm, jnp.broadcast_to(bits, (p, s)).reshape(-1), 0), flat, p * s)
    rep = jnp.where(valid[..., None], rsum[flat].reshape(p, s, -1), 0)
    code = jnp.where(valid, csum[flat].reshape(p, s), 0)
    return rep, code, first


def _project_gather(dense, table, idx):
    """``dense(table[idx])`` computed as ``dense(table)[idx]`` when the table has fewer rows than
    ``idx`` has entries (same result; the projection shrinks the gathered rows to ``ngh_dim``)."""
    if table.shape[0] <= idx.size:
        return dense(table)[idx]
    return dense(table[idx])


class _NATNet(nn.Module):
    self_dim: int
    ngh_dim: int
    pos_dim: int
    time_dim: int
    heads: int
    hidden: int
    dropout: float
    time_encoding: str = "log"

    def setup(self):
        self.time_enc = TimeEncoder(self.time_dim, self.time_encoding)
        self.self_lin = nn.Dense(self.self_dim, use_bias=False)
        self.self_gru = nn.GRUCell(features=self.self_dim)
        # W_n [s_a, x_e, phi] split by blocks so a block can be applied before its gather
        self.ngh_lin_s = nn.Dense(self.ngh_dim, use_bias=False)
        self.ngh_lin_e = nn.Dense(self.ngh_dim, use_bias=False)
        self.ngh_lin_t = nn.Dense(self.ngh_dim, use_bias=False)
        self.ngh_gru = nn.GRUCell(features=self.ngh_dim)
        self.pos_emb = nn.Embed(64, self.pos_dim)
        self.att_hidden = nn.Dense(self.hidden)
        self.att_score = nn.Dense(self.heads)
        self.att_out = nn.Dense(self.hidden)
        self.drop = nn.Dropout(self.dropout)
        self.out1 = nn.Dense(self.hidden + 2 * self.self_dim)
        self.out2 = nn.Dense(1)

    def self_update(self, state: NATState, ef, nodes, t):
        opp = state.prev_opp[nodes]
        has = opp >= 0
        x = jnp.concatenate([state.self_rep[jnp.maximum(opp, 0)], ef[jnp.maximum(state.prev_eid[nodes], 0)],
                             self.time_enc(t - state.prev_t[nodes])], -1)
        new, _ = self.self_gru(state.self_rep[nodes], self.self_lin(x))
        return jnp.where(has[:, None], new, state.self_rep[nodes])

    def entry_update(self, state: NATState, ef, keys, ts, eids, reps, t):
        """Lazy GRU read of cached entries: keys/ts/eids [Q, E], reps [Q, E, ngh_dim], t [Q]."""
        stored = eids >= 0
        q, e = keys.shape
        x = _project_gather(self.ngh_lin_s, state.self_rep, jnp.maximum(keys, 0))
        if ef.shape[1]:
            x = x + _project_gather(self.ngh_lin_e, ef, jnp.maximum(eids, 0))
        x = x + self.ngh_lin_t(self.time_enc(t[:, None] - ts))
        new, _ = self.ngh_gru(reps.reshape(q * e, -1), x.reshape(q * e, -1))
        return jnp.where(stored[..., None], new.reshape(q, e, -1), 0.0)

    def pair_logit(self, ka, ra, kb, rb, hops, sa, sb, train):
        rep, code, first = joint_structural_features(ka, ra, kb, rb, hops)
        h = jnp.concatenate([rep, self.pos_emb(code)], -1)
        h = self.drop(h, deterministic=not train)
        # attention pooling over the unique keys: score_h(e) = w_h . LeakyReLU(W x_e); since the pooled
        # value is linear, pool the raw features per head and project once: W_o sum_e a_he x_e
        s = self.att_score(nn.leaky_relu(self.att_hidden(h), 0.2))             # [P, 2E, H]
        s = jnp.where(first[..., None], s, -1e30)
        a = jax.nn.softmax(s, axis=1) * first[..., None]
        pooled = self.att_out(jnp.einsum("peh,pef->phf", a, h).reshape(h.shape[0], -1))  # [P, hidden]
        z = jnp.concatenate([pooled, sa, sb], -1)
        return self.out2(nn.relu(self.out1(z)))[:, 0]

    def __call__(self, state: NATState, ef, batch, fetched, train: bool):
        b = batch["src"].shape[0]
        nodes = jnp.concatenate([batch["src"], batch["dst"], batch["neg"]])
        tq = jnp.concatenate([batch["t"]] * 3)
        new_self = self.self_update(state, ef, nodes, tq)
        keys, ts, eids, reps, hops = fetched
        reps = self.entry_update(state, ef, keys, ts, eids, reps, tq)
        ks, kd, kn = keys[:b], keys[b:2 * b], keys[2 * b:]
        rs, rd, rn = reps[:b], reps[b:2 * b], reps[2 * b:]
        ss, sd, sn = new_self[:b], new_self[b:2 * b], new_self[2 * b:]
        pos = self.pair_logit(ks, rs, kd, rd, hops, ss, sd, train)
        neg = self.pair_logit(ks, rs, kn, rn, hops, ss, sn, train)
        return pos, neg, new_self, reps


@dataclasses.dataclass
class NAT:
    """NAT following the :mod:`jaxgraph.temporal.base` contract (see the module docstring)."""

    m1: int = 32
    m2: int = 16
    self_dim: int = 72
    ngh_dim: int = 4
    pos_dim: int = 16
    time_dim: int = 1
    heads: int = 2
    hidden: int = 32
    dropout: float = 0.1
    time_encoding: str = "log"   # jaxgraph.temporal.base.TimeEncoder; the official code: one harmonic
    replace_prob: float = 0.9
    hash_seed: int = 0
    # N-cache fetch/update: "xla" | "pallas" | "auto" (= Pallas on a GPU). Default "xla": the Pallas
    # kernels (kernels/ncache) are verified in interpret mode only; no GPU has compiled them yet.
    impl: str = "xla"
    name: str = "NAT"

    def __post_init__(self):
        if self.m1 < 1 or self.m2 < 0:
            raise ValueError(f"NAT cache sizes must be m1 >= 1 and m2 >= 0, got m1={self.m1}, m2={self.m2}")
        if not 0.0 <= self.replace_prob <= 1.0:
            raise ValueError(f"NAT.replace_prob must lie in [0, 1], got {self.replace_prob}")

    @property
    def slots(self):
        return (1, self.m1, self.m2) if self.m2 > 0 else (1, self.m1)

    def _net(self):
        return _NATNet(self.self_dim, self.ngh_dim, self.pos_dim, self.time_dim, self.heads, self.hidden, self.dropout,
                       self.time_encoding)

    def init_state(self, split) -> NATState:
        n = int(split.dataset.num_nodes)
        return NATState(
            self_rep=jnp.zeros((n, self.self_dim), jnp.float32),
            prev_opp=jnp.full((n,), -1, jnp.int32),
            prev_eid=jnp.full((n,), -1, jnp.int32),
            prev_t=jnp.zeros((n,), jnp.float32),
            caches=tuple(ncache_init(n, m, self.ngh_dim) for m in self.slots),
        )

    def _fetch(self, state: NATState, nodes):
        ks, ts, es, rs, hops = [], [], [], [], []
        for h, (cache, m) in enumerate(zip(state.caches, self.slots)):
            k, t, e, r = ncache_fetch(cache, nodes, slots=m, impl=self.impl)
            if h == 0:  # Z_u^(0) is keyed by u itself, stored or not
                k = jnp.broadcast_to(nodes[:, None], k.shape).astype(k.dtype)
            ks.append(k), ts.append(t), es.append(e), rs.append(r)
            hops.append(jnp.full((m,), h, jnp.int32))
        cat = lambda xs: jnp.concatenate(xs, 1)  # noqa: E731
        return cat(ks), cat(ts), cat(es), cat(rs), jnp.concatenate(hops)

    def init(self, key, split, batch):
        state = self.init_state(split)
        nodes = jnp.concatenate([batch["src"], batch["dst"], batch["neg"]])
        ef = jnp.zeros((1, split.dataset.edge_features.shape[1]), jnp.float32)
        return init_module(self._net(), {"params": key, "dropout": key}, state, ef, batch, self._fetch(state, nodes),
                           False)["params"]

    def apply(self, params, state: NATState, aux, batch, key, train: bool):
        ef = aux["edge_features"]
        b = batch["src"].shape[0]
        nodes = jnp.concatenate([batch["src"], batch["dst"], batch["neg"]])
        fetched = self._fetch(state, nodes)
        k_drop, k_upd = jax.random.split(key)
        pos, neg, new_self, reps = self._net().apply({"params": params}, state, ef, batch, fetched, train,
                                                     rngs={"dropout": k_drop})
        new_state = self._update(state, batch, fetched, jax.lax.stop_gradient(new_self[:2 * b]),
                                 jax.lax.stop_gradient(reps[:2 * b]), k_upd)
        return pos, neg, new_state

    def _update(self, state: NATState, batch, fetched, new_self, reps, key):
        """Absorbs the batch's real events into the state (step 4 of the module docstring)."""
        b = batch["src"].shape[0]
        n = state.self_rep.shape[0]
        m0, m1 = self.slots[0], self.slots[1]
        keys = fetched[0][:2 * b]
        mask, t, eid = batch["mask"], batch["t"], batch["eid"]
        # interleave the two directions of every event so candidate order = event order
        il = lambda x, y: jnp.stack([x, y], 1).reshape((2 * b,) + x.shape[1:])  # noqa: E731
        own = il(batch["src"], batch["dst"])
        opp = il(batch["dst"], batch["src"])
        tt, ee, mm = il(t, t), il(eid, eid), il(mask, mask)
        rows = il(jnp.arange(b), jnp.arange(b) + b)          # row of `own` in the fetched arrays
        orow = il(jnp.arange(b) + b, jnp.arange(b))          # row of `opp`

        # self representation and previous event (latest event wins)
        win = latest_writer(n, own, mm)
        self_rep = scatter_rows(state.self_rep, own, new_self[rows], win)
        prev_opp = scatter_rows(state.prev_opp, own, opp, win)
        prev_eid = scatter_rows(state.prev_eid, own, ee, win)
        prev_t = scatter_rows(state.prev_t, own, tt, win)

        ku = jax.random.split(key, 3)
        caches = list(state.caches)
        h1 = slice(m0, m0 + m1)
        # hop 0: the node itself with its refreshed entry representation
        caches[0] = ncache_update(caches[0], own, own, tt, ee, reps[rows, 0], mm,
                                  jax.random.uniform(ku[0], (2 * b,)), slots=m0,
                                  replace_prob=self.replace_prob, seed=self.hash_seed, impl=self.impl)
        # hop 1: opp enters own's dictionary, keeping the representation it had there (else zeros)
        k1 = keys[rows, h1]                                    # [2B, M1] own's hop-1 keys
        match = (k1 == opp[:, None]) & (k1 >= 0)
        r_opp = jnp.einsum("cm,cmf->cf", match.astype(reps.dtype), reps[rows, h1])
        caches[1] = ncache_update(caches[1], own, opp, tt, ee, r_opp, mm,
                                  jax.random.uniform(ku[1], (2 * b,)), slots=m1,
                                  replace_prob=self.replace_prob, seed=self.hash_seed, impl=self.impl)
        if len(self.slots) > 2:
            # hop 2: the hop-1 entries of opp enter own's hop-2 dictionary
            m2 = self.slots[2]
            ck = keys[orow, h1]                                 # [2B, M1]
            valid = (ck >= 0) & mm[:, None]
            ct = fetched[1][:2 * b][orow, h1]
            ce = fetched[2][:2 * b][orow, h1]
            cr = reps[orow, h1]
            c = 2 * b * m1
            caches[2] = ncache_update(caches[2], jnp.repeat(own, m1), ck.reshape(c), ct.reshape(c), ce.reshape(c),
                                      cr.reshape(c, -1), valid.reshape(c), jax.random.uniform(ku[2], (c,)),
                                      slots=m2, replace_prob=self.replace_prob, seed=self.hash_seed, impl=self.impl)
        return NATState(self_rep, prev_opp, prev_eid, prev_t, tuple(caches))
