"""Graph Mamba Networks (GMN), a dense-attention graph transformer baseline, the ring-transfer
long-range task, and the experiment / scaling runners of ``experiments/graph_mamba``.

Paper: Behrouz & Hashemi (KDD 2024), "Graph Mamba: Towards Learning on Graphs with State Space
Models". A GMN layer (Sec. 4) for node ``v`` with token sequence ``T_m(v), ..., T_0(v)``
(hop-ball or random-walk subgraphs, farthest first; :mod:`jaxgraph.nn.mamba`)::

    x_t   = POOL_{u in T_t(v)} MPNN(G[T_t(v)])_u + E_hop[t]        (local encoding, GCNConv)
    y     = BiMamba^B(x_1..x_T)                                    (bidirectional selective SSM)
    h_v  <- h_v + W READ(y) ;  h_v <- h_v + FFN(LN(h_v))

with ``READ`` the mean over the token positions (``token_readout='mean'``) or the last
position, the node's own token (``'last'``)

optionally followed by a bidirectional Mamba over each graph's nodes ordered by degree (GMN's
node tokenization, ``m = 0``). Cost per layer ``O(|V| · T · S)`` for ``T`` tokens of ``S``
slots: linear in the number of nodes for fixed ``T, S`` (the paper's
``O(M s (m+1) |V| + |E|)``, Sec. 4.6).

Baselines: :class:`GCNBaseline` (residual GCN) and :class:`GraphTransformer` (dense softmax
attention over all nodes of a graph + positional encodings; ``O(N²)`` memory).

Long-range task (:func:`ring_transfer_graphs`): a ring of ``2k`` nodes with a random class
one-hot on every node; every node's label is the class planted on its antipode, exactly ``k``
hops away. A message-passing model of depth ``L < k`` cannot see the antipode, so its accuracy
is at chance ``1/C``.
"""
from __future__ import annotations

import functools
import math
import time
from typing import Any, Callable, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import jraph
import numpy as np
import optax

from jaxgraph import ops
from jaxgraph.graph.batching import Budget, graph_mask, node_mask, pad_to_budget, static_num_nodes
from jaxgraph.nn.conv import GCNConv
from jaxgraph.nn.conv_zoo import GatedGCNConv
from jaxgraph.nn.init import init_module
from jaxgraph.nn.mamba import (BiMambaBlock, degree_order, hop_tokens, random_walk_tokens,
                               token_subgraph_edges)
from jaxgraph.nn.pe import laplacian_pe, random_walk_pe

__all__ = [
    "LocalTokenEncoder",
    "GMN",
    "GCNBaseline",
    "GraphTransformer",
    "build_model",
    "ring_transfer_graphs",
    "make_batches",
    "train_and_eval",
    "run_graph_mamba",
    "scaling_rows",
    "fit_exponent",
    "quick_claim",
    "default_config",
]

MODELS = ("gmn", "gcn", "transformer")


# ----------------------------------------------------------------------------- modules
class LocalTokenEncoder(nn.Module):
    """GMN local encoding (Sec. 4.4): every token's induced subgraph goes through
    ``num_layers`` MPNN layers (``'gcn'``: :class:`GCNConv` + ReLU; ``'gatedgcn'``:
    :class:`GatedGCNConv` without batch norm; token edges carry a constant feature 1) and is pooled (``'sum'`` | ``'mean'``) over its
    real slots.

    Input ``h [N, F]`` and token arrays ``idx/mask [N, T, S]``, slot edges; output ``[N, T, features]``
    (zero rows for empty tokens).
    """

    features: int
    num_layers: int = 1
    conv: str = "gcn"
    pool: str = "sum"

    @nn.compact
    def __call__(self, h, idx, mask, senders, receivers, edge_mask):
        if self.conv not in ("gcn", "gatedgcn"):
            raise ValueError(f"conv must be 'gcn' or 'gatedgcn', got {self.conv!r}")
        if self.pool not in ("sum", "mean"):
            raise ValueError(f"pool must be 'sum' or 'mean', got {self.pool!r}")
        N, T, S = idx.shape
        flat_mask = mask.reshape(-1)
        x = jnp.where(flat_mask[:, None], h[idx.reshape(-1)], 0.0)
        x = nn.Dense(self.features, name="proj")(x)
        P, E = x.shape[0], senders.shape[0]
        g = jraph.GraphsTuple(nodes=x, edges=jnp.ones((E, 1), x.dtype), senders=senders, receivers=receivers,
                              globals=None, n_node=jnp.array([P]), n_edge=jnp.array([E]))
        for i in range(self.num_layers):
            if self.conv == "gcn":
                out = GCNConv(self.features, name=f"conv{i}")(g, edge_mask=edge_mask).nodes
                g = g._replace(nodes=g.nodes + nn.relu(out))
            else:
                g = GatedGCNConv(self.features, batch_norm=False, name=f"conv{i}")(
                    g, node_mask=flat_mask, edge_mask=edge_mask)
        y = jnp.where(flat_mask[:, None], g.nodes, 0.0).reshape(N, T, S, self.features)
        y = y.sum(axis=2)
        if self.pool == "mean":
            y = y / jnp.maximum(mask.sum(axis=2, keepdims=True), 1)
        return y


def _node_inputs(batch):
    graph = batch["graph"]
    x = graph.nodes["x"] if isinstance(graph.nodes, dict) else graph.nodes
    if batch.get("pe") is not None:
        x = jnp.concatenate([x, batch["pe"]], axis=-1)
    return graph, x


def _head(h, batch, graph, nm, num_classes, task, readout, dropout, deterministic):
    if task == "graph":
        pool = ops.graph_mean if readout == "mean" else ops.graph_sum
        h = pool(h, graph.n_node, nm)
        h = nn.relu(nn.Dense(h.shape[-1], name="head0")(h))
        h = nn.Dropout(dropout)(h, deterministic=deterministic)
    return nn.Dense(num_classes, name="head")(h)


class GMN(nn.Module):
    """Graph Mamba Network (Behrouz & Hashemi, KDD 2024); see the module docstring.

    ``batch`` is a dict of a padded ``graph`` and its ``tokens`` (``idx``, ``mask``,
    ``senders``, ``receivers``, ``edge_mask``, ``hop``; :func:`make_batches`), optional ``pe``
    ``[N, k]``, and with ``node_sequence`` the degree ordering ``order``/``order_mask``
    ``[G, L]``. Returns logits ``[N, C]`` (``task='node'``) or ``[G, C]`` (``'graph'``); rows of
    padding are meaningless.
    """

    num_classes: int
    hidden: int = 64
    num_layers: int = 2
    local_layers: int = 1
    local_conv: str = "gcn"
    pool: str = "sum"
    mamba_blocks: int = 1
    d_state: int = 16
    expand: int = 2
    node_sequence: bool = False
    hop_embedding: bool = True
    dropout: float = 0.0
    task: str = "node"
    readout: str = "mean"
    discretization: str = "zoh"
    token_readout: str = "mean"

    @nn.compact
    def __call__(self, batch, deterministic: bool = True):
        graph, x = _node_inputs(batch)
        tok = batch["tokens"]
        nm = node_mask(graph)
        seq_mask = tok["mask"].any(axis=-1)  # [N, T]
        h = nn.Dense(self.hidden, name="embed")(x)
        for l in range(self.num_layers):
            t = LocalTokenEncoder(self.hidden, self.local_layers, self.local_conv, self.pool, name=f"local{l}")(
                h, tok["idx"], tok["mask"], tok["senders"], tok["receivers"], tok["edge_mask"])
            if self.hop_embedding:
                t = t + nn.Embed(int(tok["hop"].shape[0]) + 1, self.hidden, name=f"hop{l}")(tok["hop"])[None]
            for b in range(self.mamba_blocks):
                t = BiMambaBlock(self.d_state, self.expand, discretization=self.discretization,
                                 name=f"mamba{l}_{b}")(t, seq_mask)
            if self.token_readout == "last":
                upd = t[:, -1]
            elif self.token_readout == "mean":
                upd = (t * seq_mask[..., None]).sum(1) / jnp.maximum(seq_mask.sum(1, keepdims=True), 1)
            else:
                raise ValueError(f"token_readout must be 'last' or 'mean', got {self.token_readout!r}")
            upd = nn.Dropout(self.dropout)(upd, deterministic=deterministic)
            h = h + nn.Dense(self.hidden, name=f"upd{l}")(upd)
            if self.node_sequence:
                order, om = batch["order"], batch["order_mask"]
                s = BiMambaBlock(self.d_state, self.expand, discretization=self.discretization,
                                 name=f"nodeseq{l}")(h[order], om)
                delta = jnp.where(om[..., None], s - h[order], 0.0).reshape(-1, self.hidden)
                h = h + jnp.zeros_like(h).at[order.reshape(-1)].add(delta)
            f = nn.LayerNorm(name=f"ln{l}")(h)
            f = nn.Dense(self.hidden, name=f"ffn{l}_1")(nn.gelu(nn.Dense(2 * self.hidden, name=f"ffn{l}_0")(f)))
            h = h + nn.Dropout(self.dropout)(f, deterministic=deterministic)
            h = jnp.where(nm[:, None], h, 0.0)
        h = nn.LayerNorm(name="ln_out")(h)
        return _head(h, batch, graph, nm, self.num_classes, self.task, self.readout, self.dropout, deterministic)


class GCNBaseline(nn.Module):
    """Residual GCN (Kipf & Welling 2017): ``h <- h + ReLU(GCNConv(h))`` × ``num_layers`` after a
    linear embedding, then a node or graph head (as :class:`GMN`). Receptive field:
    ``num_layers`` hops."""

    num_classes: int
    hidden: int = 64
    num_layers: int = 3
    dropout: float = 0.0
    task: str = "node"
    readout: str = "mean"

    @nn.compact
    def __call__(self, batch, deterministic: bool = True):
        graph, x = _node_inputs(batch)
        nm = node_mask(graph)
        h = nn.Dense(self.hidden, name="embed")(x)
        for l in range(self.num_layers):
            out = GCNConv(self.hidden, name=f"conv{l}")(graph._replace(nodes=h)).nodes
            h = h + nn.Dropout(self.dropout)(nn.relu(out), deterministic=deterministic)
            h = jnp.where(nm[:, None], h, 0.0)
        h = nn.LayerNorm(name="ln_out")(h)
        return _head(h, batch, graph, nm, self.num_classes, self.task, self.readout, self.dropout, deterministic)


class GraphTransformer(nn.Module):
    """Full-attention graph transformer: pre-norm blocks of dense multi-head softmax attention
    over *all* nodes of each graph (``α_ij = softmax_j (q_i·k_j/√d)`` restricted to ``j`` in
    ``i``'s graph) and an FFN, on ``[x ‖ PE]`` (Laplacian or RW PE in ``batch['pe']``).
    Memory and time ``O(N²)`` in the number of nodes of the batch. Output as :class:`GMN`."""

    num_classes: int
    hidden: int = 64
    num_layers: int = 2
    heads: int = 4
    dropout: float = 0.0
    task: str = "node"
    readout: str = "mean"

    @nn.compact
    def __call__(self, batch, deterministic: bool = True):
        graph, x = _node_inputs(batch)
        nm = node_mask(graph)
        n = static_num_nodes(graph)
        gid = ops.graph_segment_ids(graph.n_node, n)
        allow = (gid[:, None] == gid[None, :]) & nm[:, None] & nm[None, :]
        h = nn.Dense(self.hidden, name="embed")(x)
        for l in range(self.num_layers):
            a = nn.LayerNorm(name=f"ln_a{l}")(h)
            a = nn.MultiHeadDotProductAttention(num_heads=self.heads, dropout_rate=self.dropout,
                                                deterministic=deterministic, name=f"attn{l}")(
                a[None], a[None], mask=allow[None, None])[0]
            h = h + a
            f = nn.LayerNorm(name=f"ln_f{l}")(h)
            f = nn.Dense(self.hidden, name=f"ffn{l}_1")(nn.gelu(nn.Dense(2 * self.hidden, name=f"ffn{l}_0")(f)))
            h = h + nn.Dropout(self.dropout)(f, deterministic=deterministic)
            h = jnp.where(nm[:, None], h, 0.0)
        h = nn.LayerNorm(name="ln_out")(h)
        return _head(h, batch, graph, nm, self.num_classes, self.task, self.readout, self.dropout, deterministic)


def build_model(name: str, num_classes: int, task: str, cfg) -> nn.Module:
    """Model ``name`` in ``('gmn', 'gcn', 'transformer')`` from the config block ``cfg[name]``
    (a dict / ConfigDict of the module's fields)."""
    if name not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {name!r}")
    kw = dict(cfg) if cfg is not None else {}
    cls = {"gmn": GMN, "gcn": GCNBaseline, "transformer": GraphTransformer}[name]
    fields = set(cls.__dataclass_fields__) - {"parent", "name"}
    kw = {k: v for k, v in kw.items() if k in fields}
    return cls(num_classes=num_classes, task=task, **kw)


# ----------------------------------------------------------------------------- data
def ring_transfer_graphs(num_graphs: int, k: int, num_classes: int, seed: int = 0):
    """Ring-transfer long-range task (generator).

    Each graph is a cycle of ``n = 2k`` nodes (both edge directions) whose node ids are randomly
    permuted; every node carries a uniformly random class ``c_v ∈ {0..C-1}`` as a one-hot
    feature, and its label is ``c_{a(v)}`` where ``a(v)`` is the antipode — the unique node at
    distance exactly ``k``. Since ``c_{a(v)}`` is independent of every feature within ``k-1``
    hops of ``v``, any model whose receptive field is ``< k`` hops scores ``1/C`` in expectation.

    Args:
      num_graphs: ``>= 1``; k: ``>= 2`` (hops to the planted feature); num_classes: ``C >= 2``.
    Returns:
      ``(graphs, labels)``: list of single-graph GraphsTuples (nodes ``[2k, C]`` float32) and a
      list of ``[2k]`` int32 node labels.
    Raises:
      ValueError: bad arguments.
    """
    for name, v, lo in (("num_graphs", num_graphs, 1), ("k", k, 2), ("num_classes", num_classes, 2)):
        if not isinstance(v, (int, np.integer)) or v < lo:
            raise ValueError(f"{name} must be an int >= {lo}, got {v!r}")
    rng = np.random.default_rng(seed)
    n = 2 * k
    graphs, labels = [], []
    for _ in range(num_graphs):
        perm = rng.permutation(n)  # ring position p is node perm[p]
        cls_pos = rng.integers(0, num_classes, n)
        pos = np.arange(n)
        s = np.concatenate([perm[pos], perm[(pos + 1) % n]])
        r = np.concatenate([perm[(pos + 1) % n], perm[pos]])
        c = np.zeros(n, np.int64)
        c[perm] = cls_pos
        y = np.zeros(n, np.int32)
        y[perm] = cls_pos[(pos + k) % n]
        x = np.eye(num_classes, dtype=np.float32)[c]
        graphs.append(jraph.GraphsTuple(nodes=x, edges=None, senders=s.astype(np.int32),
                                        receivers=r.astype(np.int32), globals=None,
                                        n_node=np.array([n], np.int32), n_edge=np.array([2 * n], np.int32)))
        labels.append(y)
    return graphs, labels


def _pe(graph, kind, dim):
    if kind in (None, "none") or not dim:
        return None
    if kind == "lap":
        return laplacian_pe(graph, int(dim))
    if kind == "rw":
        return random_walk_pe(graph, int(dim))
    raise ValueError(f"pe must be 'lap', 'rw' or 'none', got {kind!r}")


def _tokens(graph, tcfg, n_real, seed):
    n = int(np.asarray(graph.n_node).sum())
    if tcfg.method == "hop":
        idx, mask, _ = hop_tokens(graph.senders, graph.receivers, n, tcfg.num_hops, tcfg.max_size, n_real, seed)
        hop = np.arange(tcfg.num_hops, -1, -1)
    elif tcfg.method == "rw":
        idx, mask = random_walk_tokens(graph.senders, graph.receivers, n, tcfg.num_hops, tcfg.num_walks,
                                       tcfg.repeats, n_real, seed)
        hop = np.repeat(np.arange(tcfg.num_hops, -1, -1), tcfg.repeats)
    else:
        raise ValueError(f"tokens.method must be 'hop' or 'rw', got {tcfg.method!r}")
    s, r, em = token_subgraph_edges(graph.senders, graph.receivers, n, idx, mask)
    return {"idx": idx, "mask": mask, "senders": s, "receivers": r, "edge_mask": em, "hop": hop.astype(np.int32)}


def make_batches(graphs, labels, task: str, batch_size: int, tokens_cfg=None, pe: str | None = None,
                 pe_dim: int = 0, node_sequence: bool = False, seed: int = 0, budget: Budget | None = None,
                 split: int | None = None):
    """Batches of padded graphs with everything the three models need (host numpy arrays).

    All batches share one static shape (a common :class:`Budget` and token-edge budget), so a
    jitted step compiles once. ``labels`` are per-graph ints (``task='graph'``) or per-node
    int arrays (``'node'``); ``label_mask`` marks the real rows. With ``split`` the first
    ``split`` graphs and the rest are batched separately (e.g. train / test sharing one shape):
    the first ``ceil(split / batch_size)`` batches hold the first part.

    Returns:
      list of dicts: ``graph`` (padded GraphsTuple), ``labels``, ``label_mask``, ``pe`` or None,
      ``tokens`` (dict, when ``tokens_cfg``), ``order``/``order_mask`` (when ``node_sequence``).
    """
    if task not in ("node", "graph"):
        raise ValueError(f"task must be 'node' or 'graph', got {task!r}")
    if len(graphs) != len(labels) or not graphs:
        raise ValueError(f"graphs ({len(graphs)}) and labels ({len(labels)}) must be non-empty and equal length")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    cut = len(graphs) if split is None else int(split)
    if not 0 < cut <= len(graphs):
        raise ValueError(f"split must be in [1, {len(graphs)}], got {split!r}")
    groups = [list(range(i, min(i + batch_size, cut))) for i in range(0, cut, batch_size)]
    groups += [list(range(i, min(i + batch_size, len(graphs)))) for i in range(cut, len(graphs), batch_size)]
    if budget is None:
        nn_ = max(sum(int(graphs[i].n_node[0]) for i in g) for g in groups) + 1
        ne = max(sum(int(graphs[i].n_edge[0]) for i in g) for g in groups)
        budget = Budget(n_node=nn_, n_edge=max(ne, 1), n_graph=batch_size + 1)
    out = []
    for bi, g in enumerate(groups):
        raw = jraph.batch_np([graphs[i] for i in g])
        n_real = int(np.asarray(raw.n_node).sum())
        padded = pad_to_budget(raw, budget)
        b: dict[str, Any] = {"graph": padded, "pe": _pe(padded, pe, pe_dim)}
        if task == "graph":
            y = np.zeros(budget.n_graph, np.int32)
            y[:len(g)] = [int(labels[i]) for i in g]
            lm = np.arange(budget.n_graph) < len(g)
        else:
            y = np.zeros(budget.n_node, np.int32)
            y[:n_real] = np.concatenate([np.asarray(labels[i]) for i in g])
            lm = np.arange(budget.n_node) < n_real
        b["labels"], b["label_mask"] = y, lm
        if tokens_cfg is not None:
            b["tokens"] = _tokens(padded, tokens_cfg, n_real, seed + bi)
        if node_sequence:
            order, om = degree_order(padded.senders, padded.receivers, padded.n_node)
            om &= order < n_real
            b["order"], b["order_mask"] = order, om
        out.append(b)
    if tokens_cfg is not None:
        _pad_token_edges(out, max(len(b["tokens"]["senders"]) for b in out))
    return out


def _to_device(b):
    return jax.tree_util.tree_map(jnp.asarray, {k: v for k, v in b.items() if v is not None})


# ----------------------------------------------------------------------------- training
@functools.lru_cache(maxsize=32)
def _compiled_fns(model: nn.Module, lr: float, weight_decay: float):
    """Jitted train step and correct-count of ``model`` (cached, so that runs of one model with
    equal shapes — seeds, folds — compile once)."""
    tx = optax.adamw(lr, weight_decay=weight_decay)

    def loss_fn(p, b, rng):
        logits = model.apply(p, b, deterministic=False, rngs={"dropout": rng})
        ll = optax.softmax_cross_entropy_with_integer_labels(logits, b["labels"])
        m = b["label_mask"].astype(ll.dtype)
        return jnp.sum(ll * m) / jnp.maximum(m.sum(), 1.0)

    @jax.jit
    def step(p, o, b, rng):
        loss, g = jax.value_and_grad(loss_fn)(p, b, rng)
        upd, o = tx.update(g, o, p)
        return optax.apply_updates(p, upd), o, loss

    @jax.jit
    def correct(p, b):
        pred = jnp.argmax(model.apply(p, b, deterministic=True), -1)
        m = b["label_mask"]
        return jnp.sum((pred == b["labels"]) & m), jnp.sum(m)

    def init(key, b):
        return init_module(model, {"params": key, "dropout": key}, b, deterministic=True)

    return step, correct, tx, init


def train_and_eval(model: nn.Module, train_batches, test_batches, epochs: int, lr: float = 1e-3,
                   weight_decay: float = 0.0, seed: int = 0, log: Callable | None = None) -> dict:
    """Adam(W) on masked cross-entropy over ``train_batches`` (shuffled each epoch); returns
    final train/test accuracy (masked over ``label_mask``), best test accuracy over epochs,
    the number of parameters and seconds per epoch."""
    tr = [_to_device(b) for b in train_batches]
    te = [_to_device(b) for b in test_batches]
    key = jax.random.PRNGKey(seed)
    step, correct, tx, init = _compiled_fns(model, float(lr), float(weight_decay))
    params = init(key, tr[0])
    opt = tx.init(params)

    def acc(p, bs):
        c = [correct(p, b) for b in bs]
        return float(sum(int(a) for a, _ in c)) / max(1, sum(int(t) for _, t in c))

    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    best, loss = 0.0, float("nan")
    for ep in range(epochs):
        for i in rng.permutation(len(tr)):
            params, opt, loss = step(params, opt, tr[i], jax.random.fold_in(key, ep * 7919 + int(i)))
        if ep == epochs - 1 or (ep + 1) % max(1, epochs // 10) == 0:
            te_acc = acc(params, te)
            best = max(best, te_acc)
            if log:
                log(f"    epoch {ep + 1}: loss {float(loss):.4f} test acc {te_acc:.4f}")
    secs = time.perf_counter() - t0
    n_params = int(sum(x.size for x in jax.tree_util.tree_leaves(params)))
    return {"train_acc": acc(params, tr), "test_acc": acc(params, te), "best_test_acc": best,
            "final_loss": float(loss), "num_params": n_params, "sec_per_epoch": secs / max(epochs, 1)}


def _model_needs(name, c, tokens_cfg):
    mc = c.models[name]
    return dict(tokens_cfg=tokens_cfg if name == "gmn" else None,
                pe=c.pe if name != "gcn" or c.get("gcn_pe", False) else None,
                pe_dim=c.pe_dim, node_sequence=bool(name == "gmn" and mc.get("node_sequence", False)))


def _run_ring(c, log) -> list[dict]:
    rc = c.ring
    graphs, labels = ring_transfer_graphs(rc.num_train + rc.num_test, rc.k, rc.num_classes, c.seed)
    rows = []
    for name in c.model_names:
        needs = _model_needs(name, c, c.tokens)
        for seed in c.seeds:
            model = build_model(name, rc.num_classes, "node", c.models[name])
            bs = make_batches(graphs, labels, "node", rc.batch_size, seed=seed, split=rc.num_train, **needs)
            n_tr = -(-rc.num_train // rc.batch_size)
            trb, teb = bs[:n_tr], bs[n_tr:]
            log(f"[ring k={rc.k}] {name} seed {seed}")
            res = train_and_eval(model, trb, teb, rc.epochs, c.lr, c.weight_decay, seed, log)
            rows.append({"task": f"ring-transfer k={rc.k}", "model": name, "seed": seed, **res})
    return rows


def _pad_token_edges(batches, edge_budget: int):
    for b in batches:
        t = b.get("tokens")
        if t is None:
            continue
        p = edge_budget - len(t["senders"])
        if p < 0:
            raise ValueError(f"token edge budget {edge_budget} < {len(t['senders'])} token edges")
        t["senders"] = np.concatenate([t["senders"], np.zeros(p, np.int32)])
        t["receivers"] = np.concatenate([t["receivers"], np.zeros(p, np.int32)])
        t["edge_mask"] = np.concatenate([t["edge_mask"], np.zeros(p, bool)])


def _run_tu(c, log) -> list[dict]:
    from jaxgraph.data.tu import load_tu

    tc = c.tu
    ds = load_tu(tc.name, format=tc.get("format", None))
    folds = ds.folds[: tc.num_folds] if ds.folds else []
    if not folds:
        raise ValueError(f"{tc.name} has no folds here; cannot run the TU task")
    # one static shape for every fold (compile once per model): the largest possible batch
    bs_ = int(tc.batch_size)
    nn_ = np.sort([int(g.n_node[0]) for g in ds.graphs])[::-1]
    ne_ = np.sort([int(g.n_edge[0]) for g in ds.graphs])[::-1]
    budget = Budget(n_node=int(nn_[:bs_].sum()) + 1, n_edge=max(int(ne_[:bs_].sum()), 1), n_graph=bs_ + 1)
    rows = []
    for name in c.model_names:
        needs = _model_needs(name, c, tc.tokens)
        per_fold = []
        for fi, fold in enumerate(folds):
            ids = np.concatenate([fold["train"], fold["test"]])
            bs = make_batches([ds.graphs[i] for i in ids], ds.labels[ids], "graph", bs_, seed=c.seeds[0] + fi,
                              split=len(fold["train"]), budget=budget, **needs)
            per_fold.append((bs, -(-len(fold["train"]) // bs_)))
        if name == "gmn":
            eb = max(len(b["tokens"]["senders"]) for bs, _ in per_fold for b in bs)
            for bs, _ in per_fold:
                _pad_token_edges(bs, eb)
        for fi, (bs, n_tr) in enumerate(per_fold):
            seed = c.seeds[0] + fi
            model = build_model(name, ds.num_classes, "graph", c.models[name])
            log(f"[{ds.name}] {name} fold {fi}")
            res = train_and_eval(model, bs[:n_tr], bs[n_tr:], tc.epochs, c.lr, c.weight_decay, seed, log)
            rows.append({"task": ds.name, "model": name, "seed": seed, "fold": fi, **res})
    return rows


def summarize(rows: list[dict]) -> list[dict]:
    """Mean ± std of test accuracy per (task, model)."""
    out = []
    keys = []
    for r in rows:
        if (r["task"], r["model"]) not in keys:
            keys.append((r["task"], r["model"]))
    for task, model in keys:
        acc = np.array([r["test_acc"] for r in rows if r["task"] == task and r["model"] == model])
        best = np.array([r["best_test_acc"] for r in rows if r["task"] == task and r["model"] == model])
        spe = np.mean([r["sec_per_epoch"] for r in rows if r["task"] == task and r["model"] == model])
        npar = [r["num_params"] for r in rows if r["task"] == task and r["model"] == model][0]
        out.append({"task": task, "model": model, "runs": int(acc.size), "test_acc": float(acc.mean()),
                    "test_std": float(acc.std()), "best_epoch_acc": float(best.mean()), "params": npar,
                    "sec_per_epoch": float(spe)})
    return out


# ----------------------------------------------------------------------------- scaling
def _scaling_graph(n: int, extra_degree: int, seed: int):
    """A ring of ``n`` nodes plus ``extra_degree * n / 2`` random chords (both directions)."""
    rng = np.random.default_rng(seed)
    pos = np.arange(n)
    a = np.concatenate([pos, rng.integers(0, n, extra_degree * n // 2)])
    b = np.concatenate([(pos + 1) % n, rng.integers(0, n, extra_degree * n // 2)])
    keep = a != b
    a, b = a[keep], b[keep]
    s = np.concatenate([a, b]).astype(np.int32)
    r = np.concatenate([b, a]).astype(np.int32)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    return jraph.GraphsTuple(nodes=x, edges=None, senders=s, receivers=r, globals=None,
                             n_node=np.array([n], np.int32), n_edge=np.array([len(s)], np.int32))


def scaling_rows(sizes: Sequence[int], c, time_limit_nodes: dict | None = None, repeats: int = 3,
                 log: Callable | None = None) -> list[dict]:
    """Compiled temporary memory and wall time of one training step (loss + gradient) of each
    model on a single graph of ``n`` nodes, for ``n`` in ``sizes``.

    Memory: ``jax.jit(f).lower(...).compile().memory_analysis().temp_size_in_bytes`` (no
    execution needed). Time: median of ``repeats`` executions after one warm-up; skipped
    (``nan``) above ``time_limit_nodes[model]`` nodes. PE columns are zeros (the cost of
    computing a PE is not part of the model). GMN uses ``c.tokens``.
    """
    time_limit_nodes = time_limit_nodes or {}
    rows = []
    for n in sizes:
        g = _scaling_graph(int(n), int(c.scaling.extra_degree), c.seed)
        for name in c.model_names:
            needs = _model_needs(name, c, c.scaling.tokens)
            needs["pe"] = None
            b = make_batches([g], [np.zeros(n, np.int32)], "node", 1, seed=c.seed, **needs)[0]
            if name != "gcn" and c.pe_dim:
                b["pe"] = np.zeros((b["graph"].nodes.shape[0], c.pe_dim), np.float32)
            b = _to_device(b)
            model = build_model(name, 2, "node", c.models[name])
            params = jax.jit(model.init)(jax.random.PRNGKey(0), b)

            def f(p, bb):
                def loss(q):
                    ll = optax.softmax_cross_entropy_with_integer_labels(model.apply(q, bb), bb["labels"])
                    return jnp.sum(ll * bb["label_mask"])

                return jax.value_and_grad(loss)(p)

            compiled = jax.jit(f).lower(params, b).compile()
            mem = compiled.memory_analysis()
            temp = int(getattr(mem, "temp_size_in_bytes", 0)) if mem is not None else -1
            wall = float("nan")
            if n <= time_limit_nodes.get(name, math.inf):
                jax.block_until_ready(compiled(params, b))
                ts = []
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    jax.block_until_ready(compiled(params, b))
                    ts.append(time.perf_counter() - t0)
                wall = float(np.median(ts))
            row = {"model": name, "nodes": int(n), "temp_mib": temp / 2 ** 20, "step_s": wall}
            rows.append(row)
            if log:
                log(f"  scaling {name:11s} n={n:6d}: temp {row['temp_mib']:.1f} MiB, step {wall:.4f} s")
    return rows


def fit_exponent(xs, ys) -> float:
    """Least-squares slope of ``log y`` on ``log x`` (finite, positive points only)."""
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    ok = np.isfinite(ys) & (ys > 0) & (xs > 0)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(xs[ok]), np.log(ys[ok]), 1)[0])


def exponents(rows: list[dict], min_nodes: int = 0) -> list[dict]:
    out = []
    for name in dict.fromkeys(r["model"] for r in rows):
        rr = [r for r in rows if r["model"] == name and r["nodes"] >= min_nodes]
        out.append({"model": name, "memory_exponent": fit_exponent([r["nodes"] for r in rr], [r["temp_mib"] for r in rr]),
                    "time_exponent": fit_exponent([r["nodes"] for r in rr], [r["step_s"] for r in rr])})
    return out


def plot_scaling(rows: list[dict], path: str) -> None:
    """Log-log plot of temp memory and step time vs nodes per model, saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for name in dict.fromkeys(r["model"] for r in rows):
        rr = [r for r in rows if r["model"] == name]
        ns = [r["nodes"] for r in rr]
        axes[0].loglog(ns, [r["temp_mib"] for r in rr], "o-", label=name)
        t = [(r["nodes"], r["step_s"]) for r in rr if np.isfinite(r["step_s"])]
        if t:
            axes[1].loglog(*zip(*t), "o-", label=name)
    axes[0].set(xlabel="nodes", ylabel="compiled temp memory (MiB)", title="memory of one train step")
    axes[1].set(xlabel="nodes", ylabel="seconds", title="wall time of one train step")
    for a in axes:
        a.legend()
        a.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ----------------------------------------------------------------------------- runner
def run_graph_mamba(c, log: Callable = print, workdir: str | None = None) -> dict:
    """Runs the experiment of config ``c`` (``experiments/graph_mamba/configs/default.py``):
    ring transfer and a TU task (GMN vs GCN vs transformer), then memory/time scaling.
    Returns ``{"rows": per-run rows, "summary": accuracy table, "scaling": rows,
    "exponents": fitted exponents, "seconds"}`` and writes ``scaling.png`` to ``workdir``."""
    t0 = time.perf_counter()
    rows: list[dict] = []
    if c.get("run_ring", True):
        rows += _run_ring(c, log)
    if c.get("run_tu", True):
        rows += _run_tu(c, log)
    summary = summarize(rows) if rows else []
    sc, ex = [], []
    if c.get("run_scaling", True):
        sc = scaling_rows(list(c.scaling.sizes), c, dict(c.scaling.time_limit_nodes), c.scaling.repeats, log)
        ex = exponents(sc, c.scaling.fit_min_nodes)
        if workdir:
            import os

            os.makedirs(workdir, exist_ok=True)
            plot_scaling(sc, os.path.join(workdir, "scaling.png"))
    return {"rows": rows, "summary": summary, "scaling": sc, "exponents": ex,
            "seconds": time.perf_counter() - t0}


def default_config():
    """The full configuration of ``experiments/graph_mamba`` (an ``ml_collections.ConfigDict``).

    Ring transfer with ``k = 6`` (rings of 12 nodes, 4 classes, 256 train / 128 test rings, 2
    seeds) against a 3-layer GCN (receptive field 3 < k); MUTAG with the 10 GIN folds (30
    epochs); scaling over 1k..32k nodes (memory by compilation at every size; wall time up to 8k nodes for
    GMN and 4k for the transformer, whose executions above that need > 7 GiB of RAM)."""
    import ml_collections

    c = ml_collections.ConfigDict()
    c.seed = 0
    c.seeds = [0, 1]
    c.model_names = ["gmn", "gcn", "transformer"]
    c.lr = 3e-3
    c.weight_decay = 1e-4
    c.pe = "lap"           # PE for GMN and the transformer: 'lap' | 'rw' | 'none'
    c.pe_dim = 8
    c.gcn_pe = False
    c.tokens = ml_collections.ConfigDict(dict(method="hop", num_hops=6, max_size=16, num_walks=2, repeats=1))
    c.models = ml_collections.ConfigDict(dict(
        gmn=dict(hidden=32, num_layers=1, local_layers=1, local_conv="gcn", pool="sum", mamba_blocks=1,
                 d_state=8, expand=2, node_sequence=False, hop_embedding=True, dropout=0.0),
        gcn=dict(hidden=32, num_layers=3, dropout=0.0),
        transformer=dict(hidden=32, num_layers=2, heads=4, dropout=0.0),
    ))
    c.run_ring = True
    c.ring = ml_collections.ConfigDict(dict(k=6, num_classes=4, num_train=256, num_test=128, batch_size=32,
                                            epochs=25))
    c.run_tu = True
    c.tu = ml_collections.ConfigDict(dict(name="mutag", format="gin", num_folds=10, batch_size=64, epochs=30,
                                          tokens=dict(method="rw", num_hops=3, max_size=16, num_walks=2, repeats=1)))
    c.run_scaling = True
    c.scaling = ml_collections.ConfigDict(dict(
        sizes=[1024, 2048, 4096, 8192, 16384, 32768], extra_degree=2, repeats=3, fit_min_nodes=2048,
        time_limit_nodes=dict(gmn=8192, gcn=32768, transformer=4096),
        tokens=dict(method="rw", num_hops=3, max_size=16, num_walks=2, repeats=1)))
    return c


def quick_claim(quick: bool = True) -> float:
    """Headline claim (Behrouz & Hashemi 2024, Sec. 4.6: GMN costs ``O(|V| + |E|)``): the fitted
    exponent of GMN's compiled training-step temp memory vs number of nodes (ring + random
    chords, random-walk tokens ``m=3, M=2, s=1``, the default model). ``quick``: ``n = 1k..8k``;
    else ``1k..32k``. Holds when the exponent is ``<= 1.2`` (linear; dense attention gives ~2)."""
    c = default_config()
    c.model_names = ["gmn"]
    sizes = [1024, 2048, 4096, 8192] if quick else [1024, 2048, 4096, 8192, 16384, 32768]
    rows = scaling_rows(sizes, c, {"gmn": 0}, 1)
    return fit_exponent([r["nodes"] for r in rows], [r["temp_mib"] for r in rows])
